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
 *
 * The first such construct of a stack also has the stack warned, at
 * synthesis, if its runtime is past its deprecation date
 * (SesByoip-DeprecatedRuntime).
 */
import { Annotations, AspectPriority, Aspects, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { honourEarlierAcknowledgement, honourValidationsAcknowledgement } from './acknowledgements';
import { suppressNagFindings } from './nag-suppressions';
import type { ByoipFunctionsProps } from '../byoip-functions';
import { formatFinding } from '../rules/finding';
import { ByoipRuleId } from '../rules/rule-id';
import { checkRuntimeDeprecation, DEFAULT_NODE_RUNTIME } from '../rules/runtime-rules';

/** Where a stack keeps its record (shared by every copy of the library). */
const RECORD = Symbol.for('cdk-ses-byoip.ByoipFunctions');

/** What a stack keeps: keep its shape, other copies of the library read it. */
interface StackRecord {
  /** What ByoipFunctions.configure() was given, once it was called. */
  settings?: ByoipFunctionsProps;
  /** The constructs that deployed functions, by path, and how to apply settings given later. */
  readonly users: Array<{ readonly path: string; readonly apply: () => void }>;
  /** True once the stack has its runtime checked at synthesis (by any copy of the library). */
  runtimeChecked?: boolean;
}

/** The settings that the functions of a stack get, defaults filled in. */
export interface FunctionSettings {
  /** The runtime of every function. */
  readonly runtime: lambda.Runtime;
  /** True if ByoipFunctions.configure() set the runtime; false for the default. */
  readonly pinned: boolean;
  /** True if the runtime is older than the latest aws-cdk-lib knows (cdk-nag's AwsSolutions-L1 then fires). */
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
  const runtime = settings.runtime ?? defaultNodeRuntime();
  return {
    runtime,
    pinned: settings.runtime !== undefined,
    olderThanLatest: nodeVersion(runtime) < nodeVersion(latestNodeRuntime()),
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
            reason: settings.pinned
              ? `The runtime ${settings.runtime.name} was pinned with ByoipFunctions.configure() for this stack, ` +
                'instead of the latest Node.js runtime that aws-cdk-lib knows.'
              : `The runtime ${settings.runtime.name} is the default of cdk-ses-byoip, the runtime it is tested on, rather than ` +
                'the latest Node.js runtime that aws-cdk-lib knows (which may not be in every Region yet); pin another with ByoipFunctions.configure().',
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
  const record = recordOf(Stack.of(scope));
  record.users.push({ path: scope.node.path, apply });
  if (!record.runtimeChecked) {
    record.runtimeChecked = true;
    checkRuntimeAtSynthesis(Stack.of(scope));
  }
}

/**
 * Warns on `stack` at synthesis (SesByoip-DeprecatedRuntime) if the runtime
 * of its functions is then past its deprecation date. At synthesis, so that
 * it sees the settings whenever ByoipFunctions.configure() is called, and
 * every acknowledgement made before (aws-cdk-lib drops the warning itself
 * for one on a scope between the App and the stack; the library honours one
 * on the stack or the App, and Validations.of(x).acknowledge()). Adds a
 * warning only: the template does not change.
 */
function checkRuntimeAtSynthesis(stack: Stack): void {
  Aspects.of(stack).add({
    visit: (node) => {
      if (node !== stack) {
        return;
      }
      const settings = functionSettingsOf(stack);
      const finding = checkRuntimeDeprecation({
        stackPath: stack.node.path,
        runtime: settings.runtime.name,
        pinned: settings.pinned,
        known: lambda.Runtime.ALL.filter((runtime) => runtime.family === lambda.RuntimeFamily.NODEJS).map((runtime) => runtime.name),
      }, new Date());
      if (finding) {
        Annotations.of(stack).addWarningV2(ByoipRuleId.DEPRECATED_RUNTIME, formatFinding(finding));
        honourValidationsAcknowledgement(stack, ByoipRuleId.DEPRECATED_RUNTIME);
        honourEarlierAcknowledgement(stack, ByoipRuleId.DEPRECATED_RUNTIME);
      }
    },
  }, { priority: AspectPriority.READONLY });
}

/** The runtime of the functions when ByoipFunctions.configure() sets none. */
function defaultNodeRuntime(): lambda.Runtime {
  return lambda.Runtime.ALL.find((runtime) => runtime.name === DEFAULT_NODE_RUNTIME)
    ?? new lambda.Runtime(DEFAULT_NODE_RUNTIME, lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true });
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
