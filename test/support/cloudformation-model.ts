/**
 * A model of how CloudFormation drives the pool custom resources of one
 * stack, for property tests: the requests of a stack's creation, its
 * updates (in the order the resources depend on each other), the cleanup
 * DELETEs of replaced and removed resources, the rollback of a failed
 * update or creation, and the stack's destruction, each answered by the
 * real lifecycle (onEvent, then isComplete), executor and planner over an
 * InMemorySes account.
 */
import { InMemorySes } from './in-memory-ses';
import { Invocation, isComplete, onEvent, ResourceEvent } from '../../src/handler/lifecycle';
import { AdaptivePacer, Clock } from '../../src/handler/pacer';
import { PoolAddressesProperties, renderProperties, renderSiblingClaim } from '../../src/handler/resource-properties';
import { SesGateway } from '../../src/handler/ses-client';
import { WarmupMode } from '../../src/warmup-mode';

export const STACK_ID = 'arn:aws:cloudformation:us-east-1:111122223333:stack/Mail/5f7c3e10-0000-0000-0000-000000000000';

/** One ByoipSendingPool of the template. */
export interface PoolSpec {
  /** Its construct (and so logical) ID. */
  readonly logical: string;
  readonly name: string;
  /** Its part of the range (canonical blocks); undefined: the whole range, without `addresses`. */
  readonly blocks?: readonly string[];
  readonly adopt: boolean;
  readonly warmup: WarmupMode;
}

/** The pools of the stack, in the order they were added (CloudFormation handles them in that order). */
export interface StackTemplate {
  readonly cidr: string;
  readonly pools: readonly PoolSpec[];
}

/** The properties ByoipSendingPool gives the custom resource of `pool` (with its siblings' claims, as the construct renders them). */
export function propertiesOf(template: StackTemplate, pool: PoolSpec): PoolAddressesProperties {
  const siblings = pool.blocks === undefined ? [] : template.pools
    .filter((p) => p !== pool && p.blocks !== undefined)
    .map((p) => ({ poolName: p.name, addresses: p.blocks! }));
  return {
    ...renderProperties({
      cidr: template.cidr, poolName: pool.name, warmup: pool.warmup, adoptAddressesFromOtherPools: pool.adopt, addresses: pool.blocks,
    }),
    ...(siblings.length > 0 ? { SiblingClaims: siblings.map(renderSiblingClaim) } : {}),
  };
}

/** What happened to one custom resource in a deploy. */
export interface Outcome {
  readonly logical: string;
  readonly kind: 'Create' | 'Update';
  readonly oldProps?: PoolAddressesProperties;
  readonly newProps: PoolAddressesProperties;
  readonly oldPhysicalId?: string;
  readonly newPhysicalId?: string;
}

/** The result of a deploy. */
export interface DeployResult {
  readonly succeeded: boolean;
  /** The resources that got a request, in order (the failed one last). */
  readonly called: readonly Outcome[];
  /** Requests that must never fail (rollbacks, cleanup DELETEs) and did: each with its error. */
  readonly mustNotFail: readonly string[];
}

export interface DeployOptions {
  /** Fails the n-th write of the forward phase (1-based). */
  readonly failWriteAt?: number;
  /** After the pools, another resource of the stack fails: the whole update rolls back. */
  readonly laterResourceFails?: boolean;
  /** After this many pools that got a request, another resource of the stack fails: the pools after it get none. */
  readonly otherResourceFailsAfter?: number;
  /** Whether DescribeStacks answers (false: a permissions boundary denies it). */
  readonly statusReadable?: boolean;
  /** Refuses writes at random during the rollback too. */
  readonly rollbackFaults?: (n: number) => boolean;
}

/** A stack as CloudFormation knows it: the template deployed last, and each resource's physical ID. */
export class ModelStack {
  public deployed?: { readonly template: StackTemplate; readonly physicalIds: ReadonlyMap<string, string> };
  private status = 'CREATE_IN_PROGRESS';
  private requestCounter = 0;
  private readonly clock: Clock = { now: () => 0, sleep: async () => {}, random: () => 0.5 };

  constructor(public readonly ses: InMemorySes) {}

  /** Deploys `next`: a creation if nothing is deployed, else an update. */
  public async deploy(next: StackTemplate, options: DeployOptions = {}): Promise<DeployResult> {
    const prev = this.deployed;
    const mustNotFail: string[] = [];
    const readable = options.statusReadable ?? true;
    let writes = 0;
    this.ses.failWrite = (call) => (call.operation === 'PutDedicatedIpInPool' && ++writes === options.failWriteAt ? refusalOf('forward') : undefined);
    this.status = prev ? 'UPDATE_IN_PROGRESS' : 'CREATE_IN_PROGRESS';
    const called: Outcome[] = [];
    const succeededIds = new Map(prev?.physicalIds ?? []);
    // The pools come first: every custom resource refers to its own pool, and to its siblings' (SiblingClaims).
    // A new name is a new pool (a replacement).
    next.pools.forEach((pool) => this.ses.createPool(pool.name));
    let failed = false;
    for (const pool of next.pools) {
      const newProps = propertiesOf(next, pool);
      const old = prev?.template.pools.find((p) => p.logical === pool.logical);
      const oldProps = old && propertiesOf(prev!.template, old);
      if (oldProps && JSON.stringify(oldProps) === JSON.stringify(newProps)) {
        continue;
      }
      if (called.length === options.otherResourceFailsAfter) {
        failed = true;
        break;
      }
      const oldPhysicalId = old ? prev!.physicalIds.get(pool.logical) : undefined;
      const event = oldProps
        ? this.request('Update', newProps, { PhysicalResourceId: oldPhysicalId, OldResourceProperties: oldProps }, pool.logical)
        : this.request('Create', newProps, {}, pool.logical);
      try {
        const physicalId = await this.run(event, readable);
        called.push({ logical: pool.logical, kind: oldProps ? 'Update' : 'Create', oldProps, newProps, oldPhysicalId, newPhysicalId: physicalId });
        succeededIds.set(pool.logical, physicalId);
      } catch {
        called.push({ logical: pool.logical, kind: oldProps ? 'Update' : 'Create', oldProps, newProps, oldPhysicalId });
        failed = true;
        break;
      }
    }
    this.ses.failWrite = undefined;
    if (!failed && !options.laterResourceFails) {
      await this.cleanUp(prev, next, called, readable, mustNotFail);
      const kept = [...succeededIds].filter(([logical]) => next.pools.some((p) => p.logical === logical));
      this.deployed = { template: next, physicalIds: new Map(kept) };
      return { succeeded: true, called, mustNotFail };
    }
    let n = 0;
    this.ses.failWrite = (call) => (call.operation === 'PutDedicatedIpInPool' && options.rollbackFaults?.(++n) ? refusalOf('rollback') : undefined);
    await this.rollBack(prev, next, called, readable, mustNotFail);
    this.ses.failWrite = undefined;
    return { succeeded: false, called, mustNotFail };
  }

  /** Destroys the stack: DELETE of every custom resource, last first, then of the pools. */
  public async destroy(statusReadable = true): Promise<string[]> {
    const mustNotFail: string[] = [];
    const deployed = this.deployed;
    if (!deployed) {
      return mustNotFail;
    }
    this.status = 'DELETE_IN_PROGRESS';
    for (const pool of [...deployed.template.pools].reverse()) {
      await this.mustSucceed(this.request('Delete', propertiesOf(deployed.template, pool), { PhysicalResourceId: deployed.physicalIds.get(pool.logical) }, pool.logical),
        statusReadable, mustNotFail);
      this.deletePool(pool.name, mustNotFail);
    }
    this.deployed = undefined;
    return mustNotFail;
  }

  /** After a successful update: DELETEs of replaced physical IDs and removed resources, then of the pools no longer used. */
  private async cleanUp(prev: ModelStack['deployed'], next: StackTemplate, called: readonly Outcome[], readable: boolean, mustNotFail: string[]): Promise<void> {
    if (!prev) {
      return;
    }
    this.status = 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS';
    for (const outcome of called) {
      if (outcome.kind === 'Update' && outcome.oldPhysicalId !== outcome.newPhysicalId) {
        await this.mustSucceed(this.request('Delete', outcome.oldProps!, { PhysicalResourceId: outcome.oldPhysicalId }, outcome.logical), readable, mustNotFail);
      }
    }
    for (const old of prev.template.pools.filter((p) => !next.pools.some((q) => q.logical === p.logical))) {
      await this.mustSucceed(this.request('Delete', propertiesOf(prev.template, old), { PhysicalResourceId: prev.physicalIds.get(old.logical) }, old.logical),
        readable, mustNotFail);
    }
    for (const old of prev.template.pools) {
      if (!next.pools.some((p) => p.name === old.name)) {
        this.deletePool(old.name, mustNotFail);
      }
    }
  }

  /**
   * After a failure: an update's rollback sends each resource it updated
   * (the failed one included) its old properties back, last first, then
   * DELETEs what it created; a creation's rollback DELETEs what it created
   * (the Provider framework skips the handler on the DELETE of a Create that failed).
   */
  private async rollBack(prev: ModelStack['deployed'], next: StackTemplate, called: readonly Outcome[], readable: boolean, mustNotFail: string[]): Promise<void> {
    const created = called.filter((o) => o.kind === 'Create' && o.newPhysicalId !== undefined);
    if (prev) {
      this.status = 'UPDATE_ROLLBACK_IN_PROGRESS';
      for (const outcome of [...called].reverse().filter((o) => o.kind === 'Update')) {
        const physicalId = outcome.newPhysicalId ?? outcome.oldPhysicalId;
        await this.mustSucceed(this.request('Update', outcome.oldProps!, { PhysicalResourceId: physicalId, OldResourceProperties: outcome.newProps }, outcome.logical),
          readable, mustNotFail);
      }
      this.status = 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS';
      for (const outcome of [...called].reverse()) {
        if (outcome.kind === 'Update' && outcome.newPhysicalId !== undefined && outcome.newPhysicalId !== outcome.oldPhysicalId) {
          await this.mustSucceed(this.request('Delete', outcome.newProps, { PhysicalResourceId: outcome.newPhysicalId }, outcome.logical), readable, mustNotFail);
        }
      }
    } else {
      this.status = 'ROLLBACK_IN_PROGRESS';
    }
    for (const outcome of [...created].reverse()) {
      await this.mustSucceed(this.request('Delete', outcome.newProps, { PhysicalResourceId: outcome.newPhysicalId }, outcome.logical), readable, mustNotFail);
    }
    // The pools this deploy created (new logical IDs, new names) go too.
    const kept = new Set(prev?.template.pools.map((p) => p.name) ?? []);
    for (const pool of next.pools) {
      if (!kept.has(pool.name) && this.ses.pools.has(pool.name)) {
        this.deletePool(pool.name, mustNotFail);
      }
    }
  }

  private deletePool(name: string, mustNotFail: string[]): void {
    try {
      this.ses.deletePool(name);
    } catch (error) {
      mustNotFail.push(`deleting pool ${name} (${this.status}): ${(error as Error).message}`);
    }
  }

  private async mustSucceed(event: ResourceEvent, readable: boolean, mustNotFail: string[]): Promise<void> {
    try {
      await this.run(event, readable);
    } catch (error) {
      mustNotFail.push(`${event.RequestType} ${event.LogicalResourceId} (${this.status}): ${(error as Error).message}`);
    }
  }

  private request(type: ResourceEvent['RequestType'], props: PoolAddressesProperties, extra: Partial<ResourceEvent>, logical: string): ResourceEvent {
    return {
      RequestType: type,
      StackId: STACK_ID,
      RequestId: `request-${++this.requestCounter}`,
      LogicalResourceId: `${logical}PoolAddresses`,
      ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:111122223333:function:x', ...props },
      ...extra,
    };
  }

  /** onEvent, then isComplete until done, as the Provider framework; returns the physical ID. */
  private async run(event: ResourceEvent, statusReadable: boolean): Promise<string> {
    const status = this.status;
    const invocation: Invocation = {
      ses: new SesGateway(this.ses.client, new AdaptivePacer(this.clock), Infinity),
      stackStatus: async () => {
        if (!statusReadable) {
          throw Object.assign(new Error('not authorized to perform: cloudformation:DescribeStacks'), { name: 'AccessDenied' });
        }
        return status;
      },
      log: () => {},
      account: '111122223333',
      region: 'us-east-1',
      now: () => 1_000_000,
    };
    const started = await onEvent(event, invocation);
    for (let i = 0; i < 10; i++) {
      const result = await isComplete({ ...event, ...started }, invocation);
      if (result.IsComplete) {
        return started.PhysicalResourceId;
      }
    }
    throw new Error('never completed');
  }
}

function refusalOf(phase: string): Error {
  return Object.assign(new Error(`Refused (${phase}).`), { name: 'BadRequestException', $metadata: { httpStatusCode: 400 } });
}
