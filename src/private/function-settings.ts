/**
 * The stack-level settings of the Lambda functions this library deploys
 * (ByoipFunctions.configure), and how a construct that deploys functions
 * applies them. Every such construct, today's pool-addresses provider and
 * any later one, does the same two steps:
 *
 * 1. `functionSettingsOf(this)`: the runtime to build with, and the user's
 *    log group if any (else it creates its own log groups);
 * 2. `shapeFunctions(this, ownLogGroups)` once its functions exist: sets the
 *    runtime on every function below it, the retention and removal policy
 *    on its own log groups, and the cdk-nag suppression of a pinned runtime;
 *    again if ByoipFunctions.configure() comes later.
 *
 * The settings live on the Stack object under a Symbol.for key, so that two
 * copies of this library in one app read and write the same settings.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { suppressNagFindings } from './nag-suppressions';
import type { ByoipFunctionsProps } from '../byoip-functions';

/** Where a stack keeps its record (shared by every copy of the library). */
const RECORD = Symbol.for('cdk-ses-byoip.ByoipFunctions');

/** What a stack keeps: keep its shape, other copies of the library read it. */
interface StackRecord {
  /** What ByoipFunctions.configure() was given, once it was called. */
  settings?: ByoipFunctionsProps;
  /** The constructs that deployed functions, by path, and how to apply settings given later. */
  readonly users: Array<{ readonly path: string; readonly apply: () => void }>;
}

/** The settings that the functions of a stack get, defaults filled in. */
export interface FunctionSettings {
  /** The runtime of every function. */
  readonly runtime: lambda.Runtime;
  /** True if the user pinned a runtime older than the latest (cdk-nag's AwsSolutions-L1 then fires). */
  readonly olderThanLatest: boolean;
  /** The user's log group, for every function and state machine; else each construct creates its own. */
  readonly logGroup?: logs.ILogGroup;
  /** The retention of the log groups the library creates. */
  readonly logRetention: logs.RetentionDays;
  /** The removal policy of the log groups the library creates. */
  readonly logRemovalPolicy: RemovalPolicy;
}

/** The settings of the stack of `scope`: what ByoipFunctions.configure() set, or the defaults. */
export function functionSettingsOf(scope: IConstruct): FunctionSettings {
  const settings = recordOf(Stack.of(scope)).settings ?? {};
  const latest = latestNodeRuntime();
  const runtime = settings.runtime ?? latest;
  return {
    runtime,
    olderThanLatest: nodeVersion(runtime) < nodeVersion(latest),
    logGroup: settings.logGroup,
    logRetention: settings.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    logRemovalPolicy: settings.logRemovalPolicy ?? RemovalPolicy.RETAIN,
  };
}

/**
 * Applies the settings of the stack of `scope` to every Lambda function at
 * or below `scope` (the CDK Provider framework's included) and to
 * `ownLogGroups`, the log groups the construct created; and again if
 * ByoipFunctions.configure() is called later for that stack.
 */
export function shapeFunctions(scope: IConstruct, ownLogGroups: readonly logs.LogGroup[]): void {
  const apply = () => {
    const settings = functionSettingsOf(scope);
    for (const child of scope.node.findAll()) {
      if (child instanceof lambda.CfnFunction) {
        child.runtime = settings.runtime.name;
        if (settings.olderThanLatest) {
          suppressNagFindings(child, [{
            id: 'AwsSolutions-L1',
            reason: `The runtime ${settings.runtime.name} was pinned with ByoipFunctions.configure() for this stack, ` +
              'instead of the latest Node.js runtime that aws-cdk-lib knows.',
          }]);
        }
      }
    }
    for (const logGroup of ownLogGroups) {
      const resource = logGroup.node.defaultChild as logs.CfnLogGroup;
      // As logs.LogGroup renders it: INFINITE is no retention at all.
      resource.retentionInDays = settings.logRetention === logs.RetentionDays.INFINITE ? undefined : settings.logRetention;
      logGroup.applyRemovalPolicy(settings.logRemovalPolicy);
    }
  };
  apply();
  recordOf(Stack.of(scope)).users.push({ path: scope.node.path, apply });
}

/**
 * Records the settings of `stack` and applies them to the functions already
 * there. Throws if the stack has settings already, or if `settings` has a
 * log group and functions exist (they log to log groups of their own).
 */
export function recordFunctionSettings(stack: Stack, settings: ByoipFunctionsProps): void {
  const record = recordOf(stack);
  if (record.settings) {
    throw new Error(`ByoipFunctions.configure() was called a second time for stack '${stack.node.path}'. ` +
      'It takes every setting in one call, once per stack: merge the two calls into one.');
  }
  if (settings.logGroup && record.users.length > 0) {
    throw new Error(`ByoipFunctions.configure() got a logGroup for stack '${stack.node.path}' after the library ` +
      `had created its functions there (${record.users.map((u) => u.path).join(', ')}), with log groups of their own. ` +
      `Call ByoipFunctions.configure() before the first ByoipSendingPool of stack '${stack.node.path}' ` +
      '(runtime, logRetention and logRemovalPolicy may be set at any time).');
  }
  record.settings = { ...settings };
  for (const user of record.users) {
    user.apply();
  }
}

/**
 * The latest Node.js runtime this aws-cdk-lib knows, as cdk-nag's
 * AwsSolutions-L1 expects (the handler's bundle targets Node.js 20 and up).
 */
export function latestNodeRuntime(): lambda.Runtime {
  return lambda.Runtime.ALL
    .filter((runtime) => runtime.family === lambda.RuntimeFamily.NODEJS && nodeVersion(runtime) > 0)
    .reduce((latest, runtime) => (nodeVersion(runtime) > nodeVersion(latest) ? runtime : latest));
}

/** The major version of a `nodejsNN.x` runtime; 0 for any other name. */
export function nodeVersion(runtime: lambda.Runtime): number {
  return Number(/^nodejs(\d+)\.x$/.exec(runtime.name)?.[1] ?? 0);
}

function recordOf(stack: Stack): StackRecord {
  const holder = stack as unknown as { [RECORD]?: StackRecord };
  if (!holder[RECORD]) {
    Object.defineProperty(holder, RECORD, { value: { users: [] }, enumerable: false });
  }
  return holder[RECORD]!;
}
