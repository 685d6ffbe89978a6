import * as path from 'path';
import { Duration, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IConstruct } from 'constructs';
import { ADOPTED_TAG, APPLIED_TAG } from './handler/pool-memory';
import { DEFAULT_POOL, PoolClaim } from './handler/resource-properties';
import { sesArn } from './private/arns';
import { fillsPools } from './private/fill-order';
import { functionSettingsOf, shapeFunctions } from './private/function-settings';
import { nagResource, suppressNagFindings } from './private/nag-suppressions';
import { WarmupMode } from './warmup-mode';

/** Where the bundled handler (src/handler) is, from src/ or lib/. */
const HANDLER_ASSET = path.join(__dirname, '..', 'assets', 'handler', 'index');

/**
 * The tag that marks the dedicated IP pools a stack's provider manages; its
 * value is the stack's ID. The handler may move addresses into the pools
 * that carry it, whatever their names: old names after a rename included,
 * where a failed rename puts the addresses back.
 */
export const MANAGED_POOL_TAG = 'cdk-ses-byoip:stack-id';

/**
 * The custom resource provider that moves BYOIP addresses into pools: one
 * per stack, shared by every ByoipSendingPool in it. It may move addresses
 * only into the pools of its stack (tagged MANAGED_POOL_TAG) and back into
 * ses-default-dedicated-pool, and read its own stack's status.
 */
export class PoolAddressesProvider extends Construct {
  /** The provider of the stack of `scope`, created on first use. */
  public static of(scope: Construct): PoolAddressesProvider {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(PROVIDER_ID);
    return existing instanceof PoolAddressesProvider ? existing : new PoolAddressesProvider(stack, PROVIDER_ID);
  }

  /** What custom resources give CloudFormation as their ServiceToken. */
  public readonly serviceToken: string;

  private readonly role: iam.Role;
  private readonly moveStatement: iam.PolicyStatement;
  /** Reading and writing the pools' memory (their cdk-ses-byoip: tags), by name: added with the first pool. */
  private memoryStatement?: iam.PolicyStatement;
  private warmupAllowed = false;
  private adoptionAllowed = false;
  /** The custom resource registered last. */
  private last?: Construct;
  /** The pools of the stack that take part of a range (`addresses`), in the order registered. */
  private readonly splits: Array<{ readonly pool: ses.IDedicatedIpPool; readonly range: string; readonly blocks: readonly string[] }> = [];

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    // The stacks of the app that fill pools in this account and Region deploy one after another.
    fillsPools(stack, this);

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Moves SES BYOIP addresses into their dedicated IP pools (cdk-ses-byoip)',
    });
    // Where every address of the range is, in every pool: the handler must
    // see addresses in pools that are not its own to refuse to take them.
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ses:GetDedicatedIps'],
      resources: [poolArn(stack, '*')],
    }));
    // Moves: into the default pool and the stack's current pools by name
    // (what a fill needs even before a pool's tag is visible to IAM) ...
    this.moveStatement = new iam.PolicyStatement({
      actions: ['ses:PutDedicatedIpInPool'],
      resources: [poolArn(stack, DEFAULT_POOL)],
    });
    this.role.addToPrincipalPolicy(this.moveStatement);
    // ... and into every pool this stack manages, old names included: the
    // put-back after a failed rename, and its rollback, move addresses into
    // a pool the template no longer names. (The condition is checked on the
    // destination pool.)
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ses:PutDedicatedIpInPool'],
      resources: [poolArn(stack, '*')],
      conditions: { StringEquals: { [`aws:ResourceTag/${MANAGED_POOL_TAG}`]: stack.stackId } },
    }));
    // Its own stack's status, to tell CloudFormation's rollback of an update from a forward update.
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudformation:DescribeStacks'],
      resources: [stack.stackId],
    }));

    // One log group for the handler and the framework's functions (unless
    // the stack has one of its own: ByoipFunctions.configure), written
    // through inline policies rather than AWSLambdaBasicExecutionRole.
    const settings = functionSettingsOf(this);
    const ownLogGroups: logs.LogGroup[] = [];
    const ownLogGroup = (logGroupId: string) => {
      const created = new logs.LogGroup(this, logGroupId, { retention: settings.logRetention, removalPolicy: settings.logRemovalPolicy });
      ownLogGroups.push(created);
      return created;
    };
    const logGroup = settings.logGroup ?? ownLogGroup('Logs');
    logGroup.grantWrite(this.role);
    // Two roles, as the framework expects: one that starts the waiter, one
    // that the waiter runs (a single one would make a dependency cycle).
    const frameworkRoles = ['FrameworkOnEventRole', 'FrameworkWaiterRole'].map((roleId) => {
      const role = new iam.Role(this, roleId, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: 'Runs the CDK custom resource provider framework for cdk-ses-byoip',
      });
      logGroup.grantWrite(role);
      return role;
    });

    const runtime = settings.runtime;
    const code = lambda.Code.fromAsset(HANDLER_ASSET);
    const handler = (name: string, entry: string, timeout: Duration, description: string) =>
      new lambda.Function(this, name, {
        code,
        handler: `index.${entry}`,
        runtime,
        architecture: lambda.Architecture.ARM_64,
        memorySize: 256,
        timeout,
        role: this.role,
        logGroup,
        description,
      });
    const onEvent = handler('OnEvent', 'onEvent', Duration.minutes(5), 'Checks a BYOIP range before it is moved (cdk-ses-byoip)');
    const isComplete = handler('IsComplete', 'isComplete', Duration.minutes(10), 'Moves a BYOIP range into its pool (cdk-ses-byoip)');

    const provider = new cr.Provider(this, 'Provider', {
      // Reads the range's state and fails fast; never writes.
      onEventHandler: onEvent,
      // Moves the addresses, stopping before its timeout and resuming on the next call.
      isCompleteHandler: isComplete,
      // The waiter retries isComplete every 10 s, at most 330 times. Each
      // call may run for minutes, so the real limit is the handler's own: it
      // gives up (and puts back what it moved) 45 minutes after onEvent,
      // within CloudFormation's hour for a custom resource.
      queryInterval: Duration.seconds(10),
      totalTimeout: Duration.minutes(55),
      frameworkOnEventRole: frameworkRoles[0],
      frameworkCompleteAndTimeoutRole: frameworkRoles[1],
      logGroup,
      disableWaiterStateMachineLogging: false,
      waiterStateMachineLogOptions: {
        destination: settings.logGroup ?? ownLogGroup('WaiterLogs'),
        level: sfn.LogLevel.ALL,
      },
    });
    this.serviceToken = provider.serviceToken;
    // The framework picks its own runtime: every function gets the stack's
    // (the latest by default), now and if ByoipFunctions.configure() comes later.
    shapeFunctions(this, ownLogGroups);

    this.suppressUnavoidableFindings(provider, [onEvent, isComplete], frameworkRoles, settings.logGroup);
  }

  /**
   * cdk-nag findings that no configuration can fix, each with its reason,
   * for cdk-nag 2 and 3 users alike.
   */
  private suppressUnavoidableFindings(
    provider: cr.Provider, handlers: lambda.Function[], frameworkRoles: iam.Role[], userLogGroup?: logs.ILogGroup,
  ): void {
    const versionsOf = (fn: IConstruct) => nagResource(this, `${(fn as lambda.IFunction).functionArn}:*`);
    const allPools = nagResource(this, poolArn(Stack.of(this), '*'));
    suppressNagFindings(this.role.node.findChild('DefaultPolicy'), [{
      id: 'AwsSolutions-IAM5',
      reason: 'GetDedicatedIps must read every dedicated IP pool of the account and Region, to refuse addresses that sit in pools that are not its own.',
      appliesTo: [allPools],
    }, {
      id: 'AwsSolutions-IAM5',
      reason: `PutDedicatedIpInPool on dedicated-ip-pool/* is limited by an aws:ResourceTag/${MANAGED_POOL_TAG} condition to the pools this stack created, ` +
        'old names included, so that the put-back after a failed rename, and its rollback, may move addresses into a pool the template no longer names.',
      appliesTo: [allPools],
    }]);
    const frameworkFunctions = ['framework-onEvent', 'framework-isComplete', 'framework-onTimeout']
      .map((id) => provider.node.tryFindChild(id))
      .filter((c): c is IConstruct => c !== undefined);
    for (const role of frameworkRoles) {
      suppressNagFindings(role, [{
        id: 'AwsSolutions-IAM5',
        reason: 'The CDK Provider framework invokes the handler functions and their versions (function ARN with ":*"), as aws-cdk-lib grants it.',
        appliesTo: handlers.map(versionsOf),
      }]);
    }
    // A log group given by ARN or name (not created in the app) has an ARN
    // that ends in ":*" (its log streams), as aws-cdk-lib's grantWrite writes it.
    const userLogs = userLogGroup && nagResource(this, userLogGroup.logGroupArn);
    if (userLogs?.includes('*')) {
      for (const scope of [this.role.node.findChild('DefaultPolicy'), ...frameworkRoles]) {
        suppressNagFindings(scope, [{
          id: 'AwsSolutions-IAM5',
          reason: 'Writing to the log group given to ByoipFunctions.configure() takes its log streams (":*"), as aws-cdk-lib grants it.',
          appliesTo: [userLogs],
        }]);
      }
    }
    suppressNagFindings(provider.node.findChild('waiter-state-machine'), [
      {
        id: 'AwsSolutions-IAM5',
        reason: 'The CDK Provider framework\'s waiter invokes the framework functions and their versions (":*"), and CloudWatch Logs delivery actions take "*" only.',
        appliesTo: [...frameworkFunctions.map(versionsOf), 'Resource::*'],
      },
      {
        id: 'AwsSolutions-SF2',
        reason: 'The waiter only polls the isComplete function every 10 seconds; its executions are logged in full, and X-Ray traces would add cost without insight.',
      },
    ]);
  }

  /**
   * Registers the custom resource of a pool: tags `pool` as managed by this
   * stack, lets the handler move addresses into it, keep its memory in its
   * tags (and set warm-up, or put adopted addresses back, if asked:
   * `adopts` for adoptAddressesFromOtherPools), and makes `resource` wait for the
   * one registered before it. The ranges of a stack share one account and
   * Region, so SES's one request per second: filled one after the other,
   * each finishes in minutes instead of all of them at the end, and none
   * loses time competing with the others.
   */
  public register(pool: ses.IDedicatedIpPool, warmup: WarmupMode, resource: Construct, adopts = false): void {
    if (this.last) {
      resource.node.addDependency(this.last);
    }
    this.last = resource;
    Tags.of(pool).add(MANAGED_POOL_TAG, Stack.of(this).stackId);
    this.moveStatement.addResources(poolArn(Stack.of(this), pool.dedicatedIpPoolName));
    this.rememberOn(pool);
    if (adopts) {
      this.allowAdoption();
    }
    if (warmup === WarmupMode.ALREADY_WARM && !this.warmupAllowed) {
      this.warmupAllowed = true;
      // SES has no resource type for this action: it can only be granted on "*".
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['ses:PutDedicatedIpWarmupAttributes'],
        resources: ['*'],
      }));
      suppressNagFindings(this.role.node.findChild('DefaultPolicy'), [{
        id: 'AwsSolutions-IAM5',
        reason: 'PutDedicatedIpWarmupAttributes has no resource type in IAM and takes "*" only; granted only because a pool asks for WarmupMode.ALREADY_WARM.',
        appliesTo: ['Resource::*'],
      }]);
    }
  }

  /**
   * Lets the handler read and write its memory on `pool` (pool-memory.ts:
   * which properties were applied, where adopted addresses came from), in
   * the pool's own tags, whose keys it may set are its own only. By name,
   * and on every pool that carries the stack's tag (old names after a
   * rename: a rollback reads the memory of the pool it undoes).
   */
  private rememberOn(pool: ses.IDedicatedIpPool): void {
    const stack = Stack.of(this);
    if (!this.memoryStatement) {
      const actions = ['ses:ListTagsForResource', 'ses:TagResource', 'ses:UntagResource'];
      const ownKeys = { 'ForAllValues:StringLike': { 'aws:TagKeys': [APPLIED_TAG, `${ADOPTED_TAG}*`] } };
      this.memoryStatement = new iam.PolicyStatement({ actions, resources: [], conditions: ownKeys });
      this.role.addToPrincipalPolicy(this.memoryStatement);
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions,
        resources: [poolArn(stack, '*')],
        conditions: { ...ownKeys, StringEquals: { [`aws:ResourceTag/${MANAGED_POOL_TAG}`]: stack.stackId } },
      }));
      suppressNagFindings(this.role.node.findChild('DefaultPolicy'), [{
        id: 'AwsSolutions-IAM5',
        reason: `Tagging on dedicated-ip-pool/* is limited by an aws:ResourceTag/${MANAGED_POOL_TAG} condition to the pools this stack created, old names included, ` +
          `and by aws:TagKeys to the handler's own keys (${APPLIED_TAG}, ${ADOPTED_TAG}*): a rollback reads what the pool it undoes remembers.`,
        appliesTo: [nagResource(this, poolArn(stack, '*'))],
      }]);
    }
    this.memoryStatement.addResources(poolArn(stack, pool.dedicatedIpPoolName));
  }

  /**
   * A pool may adopt addresses from pools the stack does not manage
   * (adoptAddressesFromOtherPools): a failure, a rollback, or the DELETE of
   * a creation rolled back puts them back into the pools they came from,
   * whose names are known only at deploy time.
   */
  private allowAdoption(): void {
    if (this.adoptionAllowed) {
      return;
    }
    this.adoptionAllowed = true;
    const stack = Stack.of(this);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ses:PutDedicatedIpInPool'],
      resources: [poolArn(stack, '*')],
    }));
    suppressNagFindings(this.role.node.findChild('DefaultPolicy'), [{
      id: 'AwsSolutions-IAM5',
      reason: 'adoptAddressesFromOtherPools takes addresses from pools this stack does not manage: a failed or rolled-back operation puts them back into the pools ' +
        'they came from, whose names are known only at deploy time. Granted only because a pool asks for adoption.',
      appliesTo: [nagResource(this, poolArn(stack, '*'))],
    }]);
  }

  /**
   * Records that `pool` takes `blocks` (literal blocks that pass the checks,
   * canonical) of `range` (canonical): the other pools of the stack that
   * split the same range name it in their SiblingClaims.
   */
  public registerSplit(pool: ses.IDedicatedIpPool, range: string, blocks: readonly string[]): void {
    this.splits.push({ pool, range, blocks: [...blocks] });
  }

  /**
   * The claims of the pools of this stack other than `pool` that take part
   * of `range`, as registered so far (registerSplit), in that order. The
   * pool names are references to the pools.
   */
  public siblingsOf(pool: ses.IDedicatedIpPool, range: string): PoolClaim[] {
    return this.splits
      .filter((split) => split.pool !== pool && split.range === range)
      .map((split) => ({ poolName: split.pool.dedicatedIpPoolName, addresses: split.blocks }));
  }
}

const PROVIDER_ID = 'SesByoipPoolAddresses';

function poolArn(stack: Stack, name: string): string {
  return sesArn(stack, 'dedicated-ip-pool', name);
}
