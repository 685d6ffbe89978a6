import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { nodeVersion, recordFunctionSettings } from './private/function-settings';
import { DEFAULT_NODE_RUNTIME } from './rules/runtime-rules';

/** The oldest runtime the handler bundle runs on (it targets Node.js 20). */
const OLDEST_NODE = 20;

/**
 * Settings of every Lambda function that this library deploys in a stack
 * (the pool-addresses handler's two, the CDK Provider framework's three,
 * and those of any later construct of the library), and of their logs.
 */
export interface ByoipFunctionsProps {
  /**
   * The runtime of every function: a Node.js runtime, nodejs20.x or later
   * (the handler bundle targets Node.js 20). The default is the runtime the
   * library is tested on, whatever the installed aws-cdk-lib knows.
   *
   * A runtime past its AWS Lambda deprecation date (nodejs20.x since
   * 2026-04-30) gets the warning SesByoip-DeprecatedRuntime on the stack,
   * with the runtime to move to.
   *
   * A runtime older than the latest that aws-cdk-lib knows (the default
   * included) meets cdk-nag's AwsSolutions-L1: the library suppresses that
   * finding, saying why.
   *
   * @default lambda.Runtime.NODEJS_22_X
   */
  readonly runtime?: lambda.Runtime;

  /**
   * A log group for every function and for the Step Functions waiter. The
   * library then creates no log group, and grants its roles write access
   * to this one. Not with `logRetention` or `logRemovalPolicy`: set those
   * on your log group.
   *
   * @default - log groups created by the library: one for the functions, one for the waiter
   */
  readonly logGroup?: logs.ILogGroup;

  /**
   * How long the log groups that the library creates keep their logs. Not
   * with `logGroup`.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log groups that the library creates when they leave
   * the stack (`cdk destroy` included). By default they stay, with the logs
   * of the deploy that moved the addresses: for audits, and to debug a
   * destroy that failed. Not with `logGroup`.
   *
   * RETAIN or DESTROY (log groups take no snapshot).
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * The settings of the Lambda functions that this library deploys in a
 * stack: one call per stack covers every function of every construct of
 * the library in it.
 *
 * @example
 * ByoipFunctions.configure(stack, {
 *   runtime: lambda.Runtime.NODEJS_22_X,
 *   logRetention: logs.RetentionDays.ONE_YEAR,
 * });
 */
export class ByoipFunctions {
  /**
   * Sets the function settings of the stack of `scope` (for a construct in
   * a nested stack: that nested stack; each stack has its own), once per
   * stack.
   *
   * `runtime`, `logRetention` and `logRemovalPolicy` may be set at any time,
   * before or after the stack's first ByoipSendingPool; `logGroup` only
   * before it.
   */
  public static configure(scope: Construct, props: ByoipFunctionsProps): void {
    const stack = Stack.of(scope);
    validate(stack, props);
    recordFunctionSettings(stack, props);
  }

  private constructor() {}
}

function validate(stack: Stack, props: ByoipFunctionsProps): void {
  const where = `ByoipFunctions.configure() for stack '${stack.node.path}'`;
  const withLogGroup = [
    props.logRetention !== undefined ? `logRetention (${logs.RetentionDays[props.logRetention] ?? props.logRetention})` : undefined,
    props.logRemovalPolicy !== undefined ? `logRemovalPolicy (${props.logRemovalPolicy})` : undefined,
  ].filter((s) => s !== undefined);
  if (props.logGroup && withLogGroup.length > 0) {
    throw new Error(`${where} got logGroup together with ${withLogGroup.join(' and ')}. With logGroup the library creates ` +
      'no log group: set retention and removal policy on your log group, and leave logRetention and logRemovalPolicy out.');
  }
  if (props.logRemovalPolicy === RemovalPolicy.SNAPSHOT) {
    throw new Error(`${where} got logRemovalPolicy SNAPSHOT, which log groups do not support. ` +
      'Use RemovalPolicy.RETAIN (the default: the logs outlive the stack) or RemovalPolicy.DESTROY.');
  }
  const runtime = props.runtime;
  if (runtime === undefined) {
    return;
  }
  const fix = `Use a Node.js runtime from nodejs${OLDEST_NODE}.x on, such as lambda.Runtime.NODEJS_22_X, ` +
    `or leave runtime out for the library's default, ${DEFAULT_NODE_RUNTIME}.`;
  if (Token.isUnresolved(runtime.name)) {
    throw new Error(`${where} got a runtime whose name is a token (${runtime.name}): it must be known at synthesis to be checked. ${fix}`);
  }
  if (runtime.family !== lambda.RuntimeFamily.NODEJS || nodeVersion(runtime) === 0) {
    throw new Error(`${where} got runtime ${runtime.name}, which is not a Node.js runtime (nodejsNN.x): ` +
      `the library's functions are a Node.js bundle. ${fix}`);
  }
  if (nodeVersion(runtime) < OLDEST_NODE) {
    throw new Error(`${where} got runtime ${runtime.name}, older than nodejs${OLDEST_NODE}.x, ` +
      `which the library's handler bundle targets. ${fix}`);
  }
}
