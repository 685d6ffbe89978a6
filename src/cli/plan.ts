/**
 * `ses-byoip plan`: what `cdk deploy` would do to the BYOIP addresses, from
 * the synthesized app (the cloud assembly) and the live account, through
 * the planner that the deploy-time handler runs (src/handler/planner.ts), so
 * that the preview cannot drift from the deploy.
 *
 * For each stack it models the requests CloudFormation would send to the
 * custom resources `Custom::SesByoipPoolAddresses` (cloudFormationRequests):
 * a Create for a new one, an Update for a changed one, nothing for an
 * unchanged one, in the order of their DependsOn chain; then the cleanup
 * DELETEs of replaced physical IDs and removed resources. It then plays
 * them, in that order, against an in-memory copy of the account's dedicated
 * IPs (one copy per account and Region, shared by the stacks there), as the
 * handler would: each request plans against the state the ones before it
 * left. An unchanged resource gets no request, but if the planner would
 * still move addresses for it (someone moved them by hand), those moves are
 * drift: `--apply` moves them back.
 *
 * Reads: STS GetCallerIdentity, CloudFormation DescribeStacks,
 * ListStackResources and GetTemplate, SES GetDedicatedIps; `--apply` also
 * writes with PutDedicatedIpInPool.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EndpointProblem } from './aws-endpoint';
import { AssemblyStack, poolResourcesOf, readCloudAssembly, Template } from './cloud-assembly';
import { Command, COMMON, count, helpOrVersion, Io, parse, toJson, waitNotes } from './command';
import { DeadlinePassed, gaveUp, parseTimeout, TIMEOUT_USAGE, withDeadline } from './deadline';
import { callerAccount, createStackReadClients, DeployedStack, readDeployedStack, StackReadClients } from './deployed-stacks';
import { ApiFailure, ExitCode, InvalidInput } from './errors';
// Through the module's exports, so that a test can replace readPlan (jest.spyOn).
import * as self from './plan';
import { SesSession } from './ses-session';
import { Executor } from '../handler/executor';
import { PacerWait, SYSTEM_CLOCK } from '../handler/pacer';
import { FillPlan, Move, planFill, planRelease } from '../handler/planner';
import { DEFAULT_POOL, parsePhysicalId, physicalIdOf, PoolAddressesSettings, PoolAndRange } from '../handler/resource-properties';
import { AccountState, classifySesError, DedicatedIpState, describeSesError, errorName, SesCallError } from '../handler/ses-client';
import { quote } from '../private/display';
import { fewestBlocks, ipv4ToNumber, rangeOf } from '../range/ipv4-cidr';

/** What the user gives. */
export interface PlanInput {
  /** The cloud assembly directory that `cdk synth` writes; default `cdk.out`. */
  readonly app?: string;
  /** Stack names or display names (e.g. `Prod/Mail`); default: every stack that holds a BYOIP pool. */
  readonly stacks?: readonly string[];
  /** The deadline of the whole command, in seconds, as given (see deadline.ts). */
  readonly timeout?: string;
}

/** What readPlan tells while it works, for stderr. */
export interface PlanProgress {
  /** After each page of dedicated IPs read, in one account and Region. */
  readonly page?: (addressesRead: number, account: string, region: string) => void;
  /** Before each wait caused by SES: throttling or a transient error. */
  readonly wait?: (wait: PacerWait) => void;
  /** A note for the user (e.g. how an environment-agnostic stack was placed). */
  readonly note?: (note: string) => void;
}

/**
 * What happens to one pool:
 * - create: CloudFormation creates its custom resource (the stack, or the pool, is new);
 * - update: its properties changed, so CloudFormation updates it;
 * - cleanup: the DELETE of a replaced physical ID (its pool or range
 *   changed) or of a resource removed from the app, once the update succeeded;
 * - drift: its properties did not change, so CloudFormation does not call
 *   it, but its addresses are not where the deployed properties put them;
 * - in-sync: no call, and nothing to move.
 */
export type PoolAction = 'create' | 'update' | 'cleanup' | 'drift' | 'in-sync';

/** One address moved, as planned. */
export interface PlannedMove {
  readonly address: string;
  readonly from: string;
  readonly to: string;
  /** The planner's reason: fill, adopt, release or restore (see planner.ts's Move). */
  readonly reason: Move['reason'];
}

/** An address that stops the deploy. */
export interface BlockedAddress {
  readonly address: string;
  /** The pool it is in, or null when it is not a dedicated IP of the account. */
  readonly pool: string | null;
  /** missing: not a dedicated IP of the account; foreign: in another named pool. */
  readonly reason: 'missing' | 'foreign';
}

/** The plan of one pool custom resource (`--json` prints one per pool). */
export interface PoolPlan {
  /** The stack, by its display name (e.g. `Prod/Mail`). */
  readonly stack: string;
  /** The logical ID of the custom resource. */
  readonly logicalId: string;
  /** The pool's name; a placeholder (see newPool) when CloudFormation has yet to generate it. */
  readonly pool: string;
  /** The logical ID of the AWS::SES::DedicatedIpPool whose name `pool` stands for, when it is a placeholder. */
  readonly newPool?: string;
  readonly cidr: string;
  /** The pool's addresses (its part of the range, all of it without `addresses`), as the fewest CIDR blocks. */
  readonly addresses: readonly string[];
  readonly action: PoolAction;
  /** Why, in a few words (e.g. "the properties changed", "removed from the app"). */
  readonly why: string;
  /** The moves, in the order the handler makes them (drift: those that `--apply` would make). */
  readonly moves: readonly PlannedMove[];
  /** The addresses that would make the deploy fail, before it moves anything; empty if none. */
  readonly blocked: readonly BlockedAddress[];
  /** What stops the deploy and how to fix it, one sentence each. */
  readonly problems: readonly string[];
  /** What the deploy would leave as it is (and warn about) instead of failing. */
  readonly warnings: readonly string[];
  /** The pool's addresses that a sibling pool holds, which the sibling's update hands over (as CIDR blocks). */
  readonly waiting: readonly string[];
  /** About how long its request takes at SES's one request per second (a move each, plus the reads). */
  readonly seconds: number;
  /**
   * False for a request that comes after one that would fail (the stack's
   * failsAt): cdk deploy stops and rolls back first, so its moves are shown
   * (to fix everything at once) but not counted in the summary.
   */
  readonly reached: boolean;
}

/** One stack of the plan. */
export interface StackPlan {
  /** The display name, e.g. `Prod/Mail`. */
  readonly stack: string;
  /** The CloudFormation stack name. */
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  /** Whether the stack is deployed (false also when cdk deploy would create it afresh). */
  readonly deployed: boolean;
  /** The deployed stack's status, or null. */
  readonly status: string | null;
  /** The logical ID of the first pool whose request fails: cdk deploy stops there and rolls back. */
  readonly failsAt: string | null;
  /** The placeholder pool names used in this stack, each with its pool's logical ID. */
  readonly newPools: Readonly<Record<string, string>>;
  /** Notes on the stack (environment, status, where the deploy stops). */
  readonly notes: readonly string[];
}

/** The plan, as shown (and as `--json` prints it). */
export interface PlanResult {
  /** The cloud assembly read. */
  readonly app: string;
  readonly stacks: readonly StackPlan[];
  /** Each pool custom resource, per stack in the order CloudFormation would call them, then the cleanups. */
  readonly pools: readonly PoolPlan[];
  readonly summary: {
    /** Every move pending: cdk deploy's and the drift's. */
    readonly moves: number;
    /** Addresses that would stop the deploy. */
    readonly blocked: number;
    /** The moves cdk deploy would make. */
    readonly deployMoves: number;
    /** The moves back that cdk deploy would not make (`--apply` makes them). */
    readonly driftMoves: number;
    /** About how long cdk deploy's requests take at SES's rate. */
    readonly seconds: number;
  };
  /** With `--apply`: the moves made, in order. */
  readonly applied?: readonly PlannedMove[];
}

/** A stack to plan, with where it deploys and what is deployed. */
export interface StackToPlan {
  readonly stack: AssemblyStack;
  readonly account: string;
  readonly region: string;
  /** The deployed stack, or undefined if there is none. */
  readonly deployed?: DeployedStack;
}

/**
 * One request CloudFormation sends to a pool custom resource in a deploy
 * (or, for `Unchanged`, does not send):
 * - Create, Update (with the deployed properties as `previous`);
 * - Unchanged: the properties are those deployed: no request;
 * - Delete: the cleanup of a replaced physical ID or a removed resource,
 *   releasing what the physical ID names (else the old properties), as
 *   the handler's DELETE does.
 */
export type CloudFormationRequest =
  | { readonly kind: 'Create' | 'Unchanged'; readonly logicalId: string; readonly settings: PoolAddressesSettings; readonly poolLogicalId?: string }
  | { readonly kind: 'Update'; readonly logicalId: string; readonly settings: PoolAddressesSettings; readonly previous: PoolAddressesSettings; readonly poolLogicalId?: string }
  | {
    readonly kind: 'Delete';
    readonly logicalId: string;
    readonly target: PoolAndRange;
    readonly previous: PoolAddressesSettings;
    readonly why: 'replaced' | 'removed';
  };

/** The requests of one stack's deploy, in CloudFormation's order, and the names of new pools. */
export interface StackRequests {
  readonly requests: readonly CloudFormationRequest[];
  /** Placeholder pool name -> the logical ID of its AWS::SES::DedicatedIpPool. */
  readonly newPools: ReadonlyMap<string, string>;
}

/** The properties of the custom resource that the handler reads (the others, ServiceToken and ServiceTimeout, are compared as written). */
const HANDLER_PROPERTIES = new Set(['Cidr', 'PoolName', 'Warmup', 'AdoptAddressesFromOtherPools', 'Addresses', 'SiblingClaims']);
/** The CloudFormation type of a dedicated IP pool. */
const DEDICATED_IP_POOL_TYPE = 'AWS::SES::DedicatedIpPool';
/** SES's page size of GetDedicatedIps, as the handler reads it. */
const PAGE_SIZE = 100;
/** Stack statuses in which cdk deploy fails at once (or waits for another operation to finish). */
const NOT_DEPLOYABLE = /_IN_PROGRESS$|^UPDATE_ROLLBACK_FAILED$|^DELETE_FAILED$/;

/**
 * The requests that CloudFormation would send to the pool custom resources
 * of `stack` to deploy its template over `deployed` (undefined: not
 * deployed, or created afresh by cdk deploy):
 * 1. in the order of their DependsOn chain (each pool's resource waits
 *    for the one registered before it), a Create for each new resource, an
 *    Update for each whose properties changed (resolved to the names the
 *    handler would receive: a pool kept by the update has its deployed
 *    name; one created by it, a placeholder), Unchanged for the others;
 * 2. then, in the reverse order of the deployed template's chain, the
 *    cleanup DELETE of each physical ID that an Update replaces (a new pool
 *    or range) and of each resource removed from the template.
 *
 * @throws InvalidInput if a resource's properties cannot be read from the
 *   template (an import, a parameter...): the plan cannot be made
 */
export function cloudFormationRequests(stack: AssemblyStack, deployed: DeployedStack | undefined): StackRequests {
  const live = deployed !== undefined && !deployed.createdAfreshOnDeploy ? deployed : undefined;
  const appResources = resourcesOf(stack.template);
  const deployedResources = live ? resourcesOf(live.template) : {};
  // A pool keeps its deployed name unless the update replaces it (a new PoolName).
  const deployedName = (poolLogicalId: string): string | undefined => {
    const before = deployedResources[poolLogicalId];
    const after = appResources[poolLogicalId];
    const kept = isObject(before) && isObject(after) && before.Type === DEDICATED_IP_POOL_TYPE && after.Type === DEDICATED_IP_POOL_TYPE &&
      canonical(propertiesOf(before).PoolName) === canonical(propertiesOf(after).PoolName);
    return kept ? live?.physicalIds.get(poolLogicalId) : undefined;
  };
  const app = poolResourcesOf(stack.template, deployedName);
  // The deployed resources that the stack still holds.
  const before = live
    ? poolResourcesOf(live.template, (id) => live.physicalIds.get(id)).resources.filter((r) => live.poolAddresses.has(r.logicalId))
    : [];
  const unreadable = [
    ...app.resources.filter((r) => r.properties === undefined).map((r) => `Stack ${stack.displayName} cannot be planned: ${r.unresolved}`),
    ...before.filter((r) => r.properties === undefined).map((r) => `Stack ${stack.displayName} cannot be planned: in its deployed template, ${r.unresolved}`),
  ];
  if (unreadable.length > 0) {
    throw new InvalidInput(unreadable);
  }

  const deployedById = new Map(before.map((r) => [r.logicalId, r]));
  const requests: CloudFormationRequest[] = [];
  const cleanups = new Map<string, CloudFormationRequest>();
  for (const logicalId of dependencyOrder(stack.template, app.resources.map((r) => r.logicalId))) {
    const resource = app.resources.find((r) => r.logicalId === logicalId)!;
    const settings = resource.properties!;
    const poolLogicalId = resource.poolLogicalId;
    const old = deployedById.get(logicalId);
    if (!old) {
      requests.push({ kind: 'Create', logicalId, settings, ...(poolLogicalId ? { poolLogicalId } : {}) });
      continue;
    }
    const previous = old.properties!;
    const sameProperties = canonical(settings) === canonical(previous) &&
      canonical(otherProperties(appResources[logicalId])) === canonical(otherProperties(deployedResources[logicalId]));
    if (sameProperties) {
      requests.push({ kind: 'Unchanged', logicalId, settings, ...(poolLogicalId ? { poolLogicalId } : {}) });
      continue;
    }
    requests.push({ kind: 'Update', logicalId, settings, previous, ...(poolLogicalId ? { poolLogicalId } : {}) });
    const physicalId = live!.poolAddresses.get(logicalId)!.physicalId;
    if (physicalIdOf(settings) !== physicalId) {
      cleanups.set(logicalId, { kind: 'Delete', logicalId, target: parsePhysicalId(physicalId) ?? previous, previous, why: 'replaced' });
    }
  }
  for (const old of before) {
    if (!app.resources.some((r) => r.logicalId === old.logicalId)) {
      const physicalId = live!.poolAddresses.get(old.logicalId)!.physicalId;
      cleanups.set(old.logicalId, { kind: 'Delete', logicalId: old.logicalId, target: parsePhysicalId(physicalId) ?? old.properties!, previous: old.properties!, why: 'removed' });
    }
  }
  // CloudFormation deletes what depends on a resource before the resource.
  const cleanupOrder = live ? dependencyOrder(live.template, before.map((r) => r.logicalId)).reverse() : [];
  requests.push(...cleanupOrder.filter((id) => cleanups.has(id)).map((id) => cleanups.get(id)!));
  return { requests, newPools: app.newPools };
}

/**
 * The logical IDs `ids` of `template` in the order CloudFormation processes
 * them: each after those it depends on through DependsOn (directly or through
 * other resources), else in the template's order. (The pools' custom
 * resources do not refer to each other otherwise.)
 */
function dependencyOrder(template: Template, ids: readonly string[]): string[] {
  const resources = resourcesOf(template);
  const dependsOn = (id: string): string[] => {
    const value = isObject(resources[id]) ? (resources[id] as Record<string, unknown>).DependsOn : undefined;
    return typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  };
  const wanted = new Set(ids);
  const after = new Map<string, Set<string>>();
  for (const id of ids) {
    const seen = new Set<string>();
    const stack = dependsOn(id);
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(...dependsOn(next));
      }
    }
    after.set(id, new Set([...seen].filter((d) => wanted.has(d) && d !== id)));
  }
  const order: string[] = [];
  const placed = new Set<string>();
  while (order.length < ids.length) {
    // A cycle (CloudFormation would refuse the template) falls back to the template's order.
    const next = ids.find((id) => !placed.has(id) && [...after.get(id)!].every((d) => placed.has(d))) ?? ids.find((id) => !placed.has(id))!;
    placed.add(next);
    order.push(next);
  }
  return order;
}

/**
 * Plays the requests of each stack, in order, against copies of the
 * accounts' states (keyed by accountKey; stacks of one account and Region
 * share one copy), as the handler would, and sums up. Pure.
 *
 * @param states the dedicated IPs of each account and Region, as read
 * @throws InvalidInput as cloudFormationRequests does
 */
export function simulatePlan(app: string, stacks: readonly StackToPlan[], states: ReadonlyMap<string, AccountState>): PlanResult {
  const simulated = new Map<string, Map<string, DedicatedIpState>>();
  // The drift moves so far, by account and Region: the moves back are planned one pool after the other, as --apply makes them.
  const drifted = new Map<string, Map<string, DedicatedIpState>>();
  const stackPlans: StackPlan[] = [];
  const pools: PoolPlan[] = [];
  for (const target of stacks) {
    const key = accountKey(target.account, target.region);
    let state = simulated.get(key);
    if (!state) {
      state = new Map(states.get(key) ?? []);
      simulated.set(key, state);
      drifted.set(key, new Map());
    }
    const { requests, newPools } = cloudFormationRequests(target.stack, target.deployed);
    const live = target.deployed !== undefined && !target.deployed.createdAfreshOnDeploy;
    const context = { stack: target.stack.displayName, account: target.account, region: target.region, accountSize: state.size };
    let failsAt: string | null = null;
    for (const request of requests) {
      const reached = failsAt === null;
      const pool = { ...planRequest(request, state, drifted.get(key)!, context, newPools), reached };
      if (pool.blocked.length > 0 && failsAt === null) {
        failsAt = request.logicalId;
      }
      pools.push(pool);
    }
    stackPlans.push({
      stack: target.stack.displayName,
      stackName: target.stack.stackName,
      account: target.account,
      region: target.region,
      deployed: live,
      status: target.deployed?.status ?? null,
      failsAt,
      newPools: Object.fromEntries(newPools),
      notes: stackNotes(target, requests.length, failsAt, pools),
    });
  }
  return summarize(app, stackPlans, pools);
}

/** What one stack's plan should say about the stack as a whole. */
function stackNotes(target: StackToPlan, requests: number, failsAt: string | null, pools: readonly PoolPlan[]): string[] {
  const notes: string[] = [];
  const { deployed } = target;
  if (deployed?.createdAfreshOnDeploy) {
    notes.push(`The stack is ${deployed.status}: cdk deploy creates it afresh, so every pool is created.`);
  } else if (deployed && NOT_DEPLOYABLE.test(deployed.status)) {
    notes.push(`The stack is ${deployed.status}: cdk deploy ${deployed.status.endsWith('_IN_PROGRESS') ? 'waits for that operation to end, and the layout may change meanwhile' : 'cannot update it until it is repaired'}.`);
  }
  if (requests === 0) {
    notes.push('It holds no BYOIP pool, in the app or deployed.');
  }
  if (failsAt !== null) {
    const pool = pools.find((p) => p.logicalId === failsAt && p.stack === target.stack.displayName);
    notes.push(`cdk deploy would fail at pool ${pool ? displayPool(pool.pool, pool.newPool) : failsAt} (${failsAt}), before it moves anything there, and roll back: ` +
      'what the pools before it moved goes back; the pools after it and the cleanups are not reached.');
  }
  return notes;
}

/**
 * The plan of one request, applied to `state` (unless it fails). An
 * Unchanged resource's moves back (drift) are planned against `state` with
 * the drift moves before it (`drifted`), and added to those.
 */
function planRequest(
  request: CloudFormationRequest,
  state: Map<string, DedicatedIpState>,
  drifted: Map<string, DedicatedIpState>,
  context: { readonly stack: string; readonly account: string; readonly region: string; readonly accountSize: number },
  newPools: ReadonlyMap<string, string>,
): Omit<PoolPlan, 'reached'> {
  const base = { stack: context.stack, logicalId: request.logicalId };
  if (request.kind === 'Delete') {
    const moves = planRelease({ phase: 'cleanup', target: request.target }, state).map(planned);
    apply(moves, state);
    const claim = request.previous.poolName === request.target.poolName && request.previous.cidr === request.target.cidr
      ? claimOf(request.previous) : [request.target.cidr];
    return {
      ...base,
      pool: request.target.poolName,
      cidr: request.target.cidr,
      addresses: claim,
      action: 'cleanup',
      why: request.why === 'removed' ? 'removed from the app' : 'the old pool and range, replaced by the update',
      moves,
      blocked: [],
      problems: [],
      warnings: [],
      waiting: [],
      seconds: secondsOf('cleanup', moves.length, context.accountSize),
    };
  }
  const { settings } = request;
  const drift = request.kind === 'Unchanged';
  const fill: FillPlan = planFill(request.kind === 'Create'
    ? { kind: 'Create', phase: 'forward', settings }
    : { kind: 'Update', phase: 'forward', settings, previous: request.kind === 'Update' ? request.previous : settings },
  drift ? new Map([...state, ...drifted]) : state);
  // As the handler's fill: into the pool first, then out of it.
  const ordered = [...fill.moves.filter((m) => m.to === settings.poolName), ...fill.moves.filter((m) => m.to !== settings.poolName)].map(planned);
  const blocked: BlockedAddress[] = fill.fails ? [
    ...fill.missing.map((address): BlockedAddress => ({ address, pool: null, reason: 'missing' })),
    ...[...fill.foreign].flatMap(([pool, ips]) => ips.map((address): BlockedAddress => ({ address, pool, reason: 'foreign' }))),
  ].sort((a, b) => ipv4ToNumber(a.address) - ipv4ToNumber(b.address)) : [];
  const findings = blockingProblems(settings, fill, request.kind, context, newPools);
  const moves = fill.fails ? [] : ordered;
  if (drift) {
    moves.forEach((m) => drifted.set(m.address, { ...(drifted.get(m.address) ?? state.get(m.address)!), pool: m.to }));
  } else {
    apply(moves, state);
  }
  const action: PoolAction = request.kind === 'Create' ? 'create' : request.kind === 'Update' ? 'update' : moves.length > 0 ? 'drift' : 'in-sync';
  const newPool = newPools.get(settings.poolName);
  return {
    ...base,
    pool: settings.poolName,
    ...(newPool !== undefined ? { newPool } : {}),
    cidr: settings.cidr,
    addresses: claimOf(settings),
    action,
    why: request.kind === 'Create' ? 'new' : request.kind === 'Update' ? 'the properties changed' : 'the properties did not change',
    moves,
    blocked,
    problems: fill.fails ? findings : [],
    warnings: fill.fails ? [] : findings,
    waiting: blocksOf(fill.waiting),
    seconds: drift ? (moves.length > 0 ? secondsOf('drift', moves.length, context.accountSize) : 0) : secondsOf('fill', moves.length, context.accountSize),
  };
}

/**
 * What stops a Create or an Update (or, when it is tolerant, what it leaves
 * as it is): the words of the handler's own check (lifecycle.ts), with the
 * fix said for someone who has not deployed yet.
 */
function blockingProblems(
  settings: PoolAddressesSettings,
  fill: FillPlan,
  kind: 'Create' | 'Update' | 'Unchanged',
  context: { readonly account: string; readonly region: string },
  newPools: ReadonlyMap<string, string>,
): string[] {
  const { cidr } = settings;
  const pool = displayPool(settings.poolName, newPools.get(settings.poolName));
  const addresses = count(fill.addresses.length, 'address', 'addresses');
  const whose = settings.addresses ? `this pool's ${addresses} of ${cidr}` : `the ${addresses} of ${cidr}`;
  const account = `account ${context.account} in ${context.region}`;
  const problems: string[] = [];
  const leftAlone = kind === 'Unchanged'
    ? 'cdk deploy does not call this pool (its properties did not change)'
    : 'cdk deploy leaves them as they are, with a warning in the handler\'s log';
  if (fill.missing.length > 0) {
    const one = fill.missing.length === 1;
    problems.push(`${fill.missing.length} of ${whose} ${one ? 'is not a dedicated IP' : 'are not dedicated IPs'} of ${account} (${someBlocks(fill.missing)}): ` +
      (fill.fails
        ? `the BYOIP range has not been provisioned to account ${context.account} in Region ${context.region} yet, or it was approved for another Region. ` +
          `Wait for AWS to confirm the range is provisioned (\`ses-byoip status --cidr ${cidr} --region ${context.region}\` shows it), then deploy.`
        : `${leftAlone}.`));
  }
  if (fill.foreign.size > 0) {
    const foreignCount = [...fill.foreign.values()].reduce((n, ips) => n + ips.length, 0);
    const pools = [...fill.foreign].map(([name, ips]) => `${name} (${ips.length}: ${someBlocks(ips)})`).join('; ');
    const example = [...fill.foreign.values()][0][0];
    problems.push(`${count(foreignCount, 'address', 'addresses')} of ${cidr} ${foreignCount === 1 ? 'is' : 'are'} in other dedicated IP pools: ${pools}. ` +
      (fill.fails
        ? `They may be in use by another configuration, so cdk deploy does not take them into pool ${pool}: it fails before it moves anything. ` +
          `Move them to ${DEFAULT_POOL} first (e.g. \`aws sesv2 put-dedicated-ip-in-pool --ip ${example} --destination-pool-name ${DEFAULT_POOL} --region ${context.region}\`), ` +
          'or set adoptAddressesFromOtherPools: true to take them.'
        : `${leftAlone}; if they are pool ${pool}'s, move them to ${DEFAULT_POOL}, then run ses-byoip plan --apply.`));
  }
  return problems;
}

/** Makes `moves` in `state`, in order. */
function apply(moves: readonly PlannedMove[], state: Map<string, DedicatedIpState>): void {
  for (const move of moves) {
    const current = state.get(move.address);
    if (current) {
      state.set(move.address, { ...current, pool: move.to });
    }
  }
}

function planned(move: Move): PlannedMove {
  return { address: move.address, from: move.from, to: move.to, reason: move.reason };
}

/** The pool's addresses as the fewest CIDR blocks. */
function claimOf(settings: PoolAddressesSettings): string[] {
  return settings.addresses === undefined ? [settings.cidr] : blocksOf(settings.addresses.flatMap((b) => rangeOf(b).addresses()));
}

/** Addresses as the fewest CIDR blocks. */
function blocksOf(addresses: readonly string[]): string[] {
  return fewestBlocks(addresses.map(ipv4ToNumber)).map(String);
}

/** Addresses as the fewest CIDR blocks, a few named, for sentences. */
function someBlocks(addresses: readonly string[]): string {
  const blocks = blocksOf(addresses);
  return blocks.length <= 4 ? blocks.join(', ') : `${blocks.slice(0, 4).join(', ')} and ${count(blocks.length - 4, 'more block')}`;
}

/**
 * About how many seconds a request takes at SES's one request per second:
 * a second per move, plus the reads of the account's dedicated IPs (a page
 * of 100 a second) that the handler makes around them (a fill: its check,
 * its plan, the read-back and the record of the properties on the pool; a
 * cleanup: a read, and one after its moves; --apply: the read-back).
 */
function secondsOf(kind: 'fill' | 'cleanup' | 'drift', moves: number, accountSize: number): number {
  const pages = Math.max(1, Math.ceil(accountSize / PAGE_SIZE));
  switch (kind) {
    case 'fill':
      return moves + 2 * pages + (moves > 0 ? 1 : 0) + 1;
    case 'cleanup':
      return pages + (moves > 0 ? moves + pages : 0);
    case 'drift':
      return moves + pages;
  }
}

function summarize(app: string, stacks: readonly StackPlan[], pools: readonly PoolPlan[]): PlanResult {
  const deploy = pools.filter((p) => p.action !== 'drift' && p.action !== 'in-sync' && p.reached);
  const deployMoves = deploy.reduce((n, p) => n + p.moves.length, 0);
  const driftMoves = pools.filter((p) => p.action === 'drift').reduce((n, p) => n + p.moves.length, 0);
  return {
    app,
    stacks,
    pools,
    summary: {
      moves: deployMoves + driftMoves,
      blocked: pools.reduce((n, p) => n + p.blocked.length, 0),
      deployMoves,
      driftMoves,
      seconds: deploy.reduce((n, p) => n + p.seconds, 0),
    },
  };
}

/** The exit code of a plan: 3 if the deploy would fail, else 5 if anything would move, else 0. */
export function planExitCode(result: PlanResult): ExitCode {
  return result.summary.blocked > 0 ? ExitCode.NOT_READY : result.summary.moves > 0 ? ExitCode.MOVES_PENDING : ExitCode.OK;
}

/** The key of an account and Region in the states given to simulatePlan. */
export function accountKey(account: string, region: string): string {
  return `${account}/${region}`;
}

// ---- Reading the app and the account ---------------------------------------------

/** What the reads gave: the stacks to plan (with what is deployed) and each account's state. */
interface Reading {
  readonly app: string;
  readonly stacks: readonly StackToPlan[];
  readonly states: Map<string, AccountState>;
  readonly timeoutMs: number;
  readonly startedAt: number;
}

/**
 * Checks the input, reads the app, the deployed stacks and the accounts'
 * dedicated IPs, and plans.
 *
 * @throws InvalidInput for a bad option, a bad --app, an unknown --stack, a
 *   stack of another account than the credentials', or a template whose
 *   pools cannot be read; ApiFailure when AWS cannot be read or --timeout passes
 */
export async function readPlan(input: PlanInput, progress: PlanProgress = {}): Promise<PlanResult> {
  const reading = await read(input, progress);
  return simulatePlan(reading.app, reading.stacks, reading.states);
}

async function read(input: PlanInput, progress: PlanProgress): Promise<Reading> {
  const timeout = parseTimeout(input.timeout);
  if ('problem' in timeout) {
    throw new InvalidInput([timeout.problem]);
  }
  const app = input.app ?? 'cdk.out';
  const chosen = chooseStacks(readCloudAssembly(app), input.stacks ?? []);
  const startedAt = SYSTEM_CLOCK.now();
  if (chosen.length === 0) {
    // Nothing to plan: no need for credentials.
    return { app, stacks: [], states: new Map(), timeoutMs: timeout.ms, startedAt };
  }
  const deadline = startedAt + timeout.ms;
  const requestTimeoutMs = Math.min(10_000, timeout.ms);

  // Where each stack deploys: its env, else the credentials' account and the SDK's Region, as cdk deploy does.
  const defaults = createStackReadClients({ requestTimeoutMs });
  const clients = new Map<string, StackReadClients>();
  try {
    const sdkRegion = chosen.some((s) => s.region === undefined) ? await defaults.sts.config.region().catch(() => undefined) : undefined;
    const noRegion = chosen.filter((s) => s.region === undefined && sdkRegion === undefined);
    if (noRegion.length > 0) {
      throw new InvalidInput(noRegion.map((s) => `No AWS Region for stack ${s.displayName}, which is environment-agnostic: set AWS_REGION (or the region of your AWS profile) to the Region that cdk deploy deploys it to.`));
    }
    const stsRegion = sdkRegion ?? chosen.find((s) => s.region)?.region;
    const sts = stsRegion === undefined ? defaults : clientsFor(clients, stsRegion, requestTimeoutMs);
    const caller = await beforeDeadline(deadline, timeout.ms, 'STS', stsRegion ?? 'the SDK\'s Region', () => callerAccount(sts.sts), () => sts.destroy())
      .catch((error) => {
        throw stsFailure(error);
      });
    const mismatched = chosen.filter((s) => s.account !== undefined && s.account !== caller);
    if (mismatched.length > 0) {
      throw new InvalidInput(mismatched.map((s) => `Stack ${s.displayName} deploys to account ${s.account}, but the AWS credentials are those of account ${caller}: ` +
        `use credentials of account ${s.account} (e.g. AWS_PROFILE=<a profile of account ${s.account}>) to plan it, as to deploy it.`));
    }
    const stacks: StackToPlan[] = [];
    for (const stack of chosen) {
      const account = stack.account ?? caller;
      const region = stack.region ?? sdkRegion!;
      if (stack.account === undefined || stack.region === undefined) {
        progress.note?.(`stack ${stack.displayName} is environment-agnostic: planned for account ${account} in ${region} (the credentials' account and the SDK's Region), where cdk deploy with the same settings deploys it.`);
      }
      const cfn = clientsFor(clients, region, requestTimeoutMs);
      const deployed = await beforeDeadline(deadline, timeout.ms, 'CloudFormation', region, () => readDeployedStack(cfn.cloudFormation, stack.stackName), () => cfn.destroy())
        .catch((error) => {
          throw cloudFormationFailure(error, stack.stackName, region);
        });
      // Fails early, before SES is read, if the pools cannot be read from the templates.
      cloudFormationRequests(stack, deployed);
      stacks.push({ stack, account, region, ...(deployed ? { deployed } : {}) });
    }
    const states = await readStates(stacks, timeout.ms, startedAt, progress);
    return { app, stacks, states, timeoutMs: timeout.ms, startedAt };
  } finally {
    defaults.destroy();
    clients.forEach((c) => c.destroy());
  }
}

/**
 * The stacks named by `names` (stack names or display names), in the
 * assembly's order; without names, those that hold a BYOIP pool.
 */
function chooseStacks(stacks: readonly AssemblyStack[], names: readonly string[]): AssemblyStack[] {
  if (names.length === 0) {
    return stacks.filter((s) => poolResourcesOf(s.template, () => undefined).resources.length > 0);
  }
  const known = (s: AssemblyStack) => (s.displayName === s.stackName ? s.stackName : `${s.displayName} (${s.stackName})`);
  const unknown = names.filter((name) => !stacks.some((s) => s.stackName === name || s.displayName === name));
  if (unknown.length > 0) {
    const list = stacks.length > 0 ? `the app's stacks are ${stacks.map(known).join(', ')}` : 'the app has no stack';
    throw new InvalidInput(unknown.map((name) => `--stack ${quote(name)} is not a stack of the app: ${list}. Give a stack name or display name, e.g. --stack ${stacks[0]?.displayName ?? 'Mail'}.`));
  }
  return stacks.filter((s) => names.includes(s.stackName) || names.includes(s.displayName));
}

/** The dedicated IPs of each account and Region of `stacks`, read once each. */
async function readStates(
  stacks: readonly StackToPlan[],
  timeoutMs: number,
  startedAt: number,
  progress: PlanProgress,
): Promise<Map<string, AccountState>> {
  const states = new Map<string, AccountState>();
  for (const { account, region } of stacks) {
    const key = accountKey(account, region);
    if (states.has(key)) {
      continue;
    }
    const session = await SesSession.open(region, timeoutMs, progress.wait, startedAt);
    try {
      states.set(key, await session.within(session.ses.readAccountState((n) => progress.page?.(n, account, region)), sesReadFailure));
    } finally {
      session.close();
    }
  }
  return states;
}

/** The clients of one Region, created once. */
function clientsFor(clients: Map<string, StackReadClients>, region: string, requestTimeoutMs: number): StackReadClients {
  let found = clients.get(region);
  if (!found) {
    found = createStackReadClients({ region, requestTimeoutMs });
    nameFailedCalls(found.cloudFormation);
    clients.set(region, found);
  }
  return found;
}

/** The CloudFormation operation that failed, for its error (readDeployedStack rethrows the SDK's own). */
const failedCalls = new WeakMap<object, string>();

/** Remembers, for each error of `client`, the operation that threw it. */
function nameFailedCalls(client: CloudFormationClient): void {
  client.middlewareStack.add((next, context) => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      if (typeof error === 'object' && error !== null && !failedCalls.has(error)) {
        failedCalls.set(error, String(context.commandName ?? '').replace(/Command$/, ''));
      }
      throw error;
    }
  }, { step: 'initialize', name: 'sesByoipNameFailedCalls' });
}

/** How long plan waits before it tries a read again that the SDK's own retries did not get past. */
const READ_AGAIN_AFTER_MS = 1_000;

/**
 * `work`, until it succeeds, fails for good, or the deadline passes (then
 * `cancel` closes its connections): a failure the SDK's retries did not get
 * past (throttling, a timeout, a 5xx, as classifySesError sorts them) is
 * tried again while there is time, so that the deadline, not a number of
 * attempts, ends it, with the one-line reason every command gives.
 */
async function beforeDeadline<T>(
  deadline: number,
  timeoutMs: number,
  service: string,
  region: string,
  work: () => Promise<T>,
  cancel: () => void,
): Promise<T> {
  let last: unknown;
  let timedOut = 0;
  for (;;) {
    try {
      return await withDeadline(work(), Math.max(deadline - SYSTEM_CLOCK.now(), 1), cancel);
    } catch (error) {
      const passed = error instanceof DeadlinePassed;
      if (!passed) {
        if (classifySesError(error) === 'fatal') {
          throw error;
        }
        last = error;
        if (errorName(error) === 'TimeoutError') {
          timedOut += (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
        }
      }
      if (passed || SYSTEM_CLOCK.now() + READ_AGAIN_AFTER_MS >= deadline) {
        throw gaveUp(timeoutMs, last === undefined || errorName(last) === 'TimeoutError'
          ? `${service} did not answer in time in ${region} (a stalled connection or endpoint${timedOut > 0 ? `: ${count(timedOut, 'call')} timed out` : ''})`
          : classifySesError(last) === 'throttled'
            ? `${service} kept throttling the calls in ${region}`
            : `${service} in ${region} kept failing (the last: ${describeSesError(last).replace(/\.$/, '')})`);
      }
      await SYSTEM_CLOCK.sleep(READ_AGAIN_AFTER_MS);
    }
  }
}

/** Whether an error means that the SDK found no credentials. */
function noCredentials(error: unknown): boolean {
  return errorName(error) === 'CredentialsProviderError' || /credential/i.test(error instanceof Error ? error.message : String(error));
}

function credentialsFailure(error: unknown): ApiFailure {
  return new ApiFailure(`No usable AWS credentials (${error instanceof Error ? error.message : String(error)}). Configure them as for the AWS CLI and cdk deploy: a profile, environment variables or SSO.`);
}

function stsFailure(error: unknown): Error {
  if (error instanceof ApiFailure || error instanceof InvalidInput) {
    return error;
  }
  if (error instanceof EndpointProblem) {
    return new ApiFailure(error.message);
  }
  if (noCredentials(error)) {
    return credentialsFailure(error);
  }
  return new ApiFailure(`STS GetCallerIdentity failed: ${describeSesError(error).replace(/\.$/, '')}. ` +
    'It tells which account the credentials belong to (sts:GetCallerIdentity): check the credentials, the network, and AWS_ENDPOINT_URL_STS if set.');
}

function cloudFormationFailure(error: unknown, stackName: string, region: string): Error {
  if (error instanceof ApiFailure || error instanceof InvalidInput) {
    return error;
  }
  if (error instanceof EndpointProblem) {
    return new ApiFailure(error.message);
  }
  if (noCredentials(error)) {
    return credentialsFailure(error);
  }
  const operation = (typeof error === 'object' && error !== null && failedCalls.get(error)) || undefined;
  const call = operation ? `CloudFormation ${operation}` : 'Reading the deployed stack from CloudFormation';
  const name = errorName(error);
  const permission = operation
    ? `cloudformation:${operation}`
    : 'cloudformation:DescribeStacks, cloudformation:ListStackResources and cloudformation:GetTemplate';
  const why = describeSesError(error).replace(/\.$/, '');
  if (/AccessDenied|UnauthorizedOperation|not authorized/i.test(`${name} ${why}`)) {
    return new ApiFailure(`${call} of stack ${stackName} in ${region} failed: ${why}. The credentials need ${permission} on that stack.`);
  }
  return new ApiFailure(`${call} of stack ${stackName} in ${region} failed: ${why}. ` +
    `Check the network (and AWS_ENDPOINT_URL_CLOUDFORMATION if set); the credentials need ${permission} on that stack.`);
}

function sesReadFailure(error: unknown, region: string): ApiFailure {
  const cause = error instanceof SesCallError ? error.cause : error;
  if (noCredentials(cause)) {
    return credentialsFailure(cause);
  }
  const message = error instanceof Error ? error.message : String(error);
  if (['AccessDeniedException', 'AccessDenied'].includes(errorName(cause))) {
    return new ApiFailure(`${message}. The credentials need ses:GetDedicatedIps in ${region}.`);
  }
  return new ApiFailure(`Could not read the dedicated IPs of the account in ${region}: ${message}`);
}

// ---- --apply ----------------------------------------------------------------------

/** The drift moves of one pool that `--apply` may make. */
export interface PoolDriftMoves {
  readonly pool: PoolPlan;
  readonly account: string;
  readonly region: string;
  /** Moves between the stack's own pools and the default pool. */
  readonly moves: readonly PlannedMove[];
}

/** The drift moves that `--apply` may make, and those it leaves out (with why). */
export interface DriftMoves {
  /** By pool, in the plan's order. */
  readonly moves: readonly PoolDriftMoves[];
  /** One sentence per group of moves left out. */
  readonly leftOut: readonly string[];
}

/**
 * Checks that `--apply` may run (every stack settled, every pool's
 * properties those deployed: no Create, Update or cleanup pending) and picks the drift moves
 * it may make: those between pools of the stack (and the default pool).
 * An adoption (a move out of another named pool) is left out, and named.
 *
 * @throws InvalidInput when a stack is in the middle of an operation, or a pool has changes to deploy
 */
export function driftMovesOf(result: PlanResult): DriftMoves {
  // A stack in the middle of an operation (or stuck after one) has no settled layout to move back to.
  const unsettled = result.stacks.filter((s) => s.status !== null && NOT_DEPLOYABLE.test(s.status));
  if (unsettled.length > 0) {
    throw new InvalidInput(unsettled.map((s) => `--apply moves addresses back to the deployed layout, but stack ${s.stack} is ${s.status}: ` +
      'its layout is not settled (CloudFormation may be moving addresses now). Wait until it is complete, then run ses-byoip plan --apply again.'));
  }
  const pending = result.pools.filter((p) => p.action === 'create' || p.action === 'update' || p.action === 'cleanup');
  if (pending.length > 0) {
    throw new InvalidInput(pending.map((p) => `--apply only moves addresses back to the deployed layout, but pool ${displayPool(p.pool, p.newPool)} of stack ${p.stack} (${p.logicalId}) ` +
      `has changes to deploy (${p.action}: ${p.why}): run cdk deploy instead, then ses-byoip plan again.`));
  }
  const moves: PoolDriftMoves[] = [];
  const leftOut: string[] = [];
  for (const pool of result.pools.filter((p) => p.action === 'drift')) {
    const stack = result.stacks.find((s) => s.stack === pool.stack)!;
    const own = new Set([DEFAULT_POOL, ...result.pools.filter((p) => p.stack === pool.stack).map((p) => p.pool)]);
    const allowed = pool.moves.filter((m) => m.reason !== 'adopt' && own.has(m.from) && own.has(m.to));
    const refused = pool.moves.filter((m) => !allowed.includes(m));
    if (allowed.length > 0) {
      moves.push({ pool, account: stack.account, region: stack.region, moves: allowed });
    }
    for (const [from, group] of groupBy(refused, (m) => m.from)) {
      leftOut.push(`--apply leaves ${group.length === 1 ? '1 address' : `${group.length} addresses`} (${someBlocks(group.map((m) => m.address))}) ` +
        `in pool ${from}, which is not a pool of stack ${pool.stack}: ` +
        `pool ${pool.pool} would adopt them (adoptAddressesFromOtherPools), which only cdk deploy of a change does. Move them by hand if they are its.`);
    }
  }
  return { moves, leftOut };
}

/**
 * Makes the drift moves, per account and Region, through the handler's
 * executor and pacer (SES's one request per second), within the command's
 * deadline. Returns the moves made.
 *
 * @throws ApiFailure when SES refuses a move (the moves made so far stay made), or --timeout passes
 */
async function applyDrift(drift: DriftMoves, reading: Reading, io: Io): Promise<PlannedMove[]> {
  const made: PlannedMove[] = [];
  for (const { pool, account, region, moves } of drift.moves) {
    const session = await SesSession.open(region, reading.timeoutMs, waitNotes(io), reading.startedAt);
    try {
      const exec = new Executor({
        ses: session.ses,
        log: (message) => io.err(`ses-byoip: ${message}\n`),
        // The session's deadline ends the work (the pacer starts no call after it).
        checkDeadline: () => {},
        tolerant: false,
        warn: (warning) => io.err(`ses-byoip: warning: ${warning}\n`),
        poolArn: (name) => `arn:aws:ses:${region}:${account}:dedicated-ip-pool/${name}`,
        where: `account ${account} in ${region}`,
      });
      await session.within(exec.applyMoves(moves, {
        done: 'moved back',
        writes: `moves back of pool ${pool.pool}`,
        pool: pool.pool,
        range: pool.cidr,
      }), (error, where) => moveFailure(error, where, pool, made.length));
      made.push(...moves);
    } finally {
      session.close();
    }
  }
  return made;
}

function moveFailure(error: unknown, region: string, pool: PoolPlan, madeBefore: number): ApiFailure {
  const cause = error instanceof SesCallError ? error.cause : error;
  if (noCredentials(cause)) {
    return credentialsFailure(cause);
  }
  const message = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
  const done = `${madeBefore > 0 ? `${count(madeBefore, 'address', 'addresses')} ${madeBefore === 1 ? 'was' : 'were'} moved back before; ` : ''}run ses-byoip plan again to see what is left.`;
  if (['AccessDeniedException', 'AccessDenied'].includes(errorName(cause))) {
    return new ApiFailure(`${message}. The credentials need ses:PutDedicatedIpInPool on pool ${pool.pool}, its sibling pools and ${DEFAULT_POOL} in ${region}; ${done}`);
  }
  return new ApiFailure(`Moving the addresses of pool ${pool.pool} back failed: ${message}. ${done}`);
}

// ---- Output -----------------------------------------------------------------------

/** A pool's name as shown: a placeholder as "(new pool <logical ID>)". */
function displayPool(name: string, newPool: string | undefined): string {
  return newPool !== undefined ? `(new pool ${newPool})` : name;
}

/** About `seconds`, for people: "~45 s", "~4 min 20 s", "~1 h 5 min". */
export function formatDuration(seconds: number): string {
  if (seconds < 120) {
    return `~${seconds} s`;
  }
  if (seconds < 3600) {
    const s = seconds % 60;
    return `~${Math.floor(seconds / 60)} min${s > 0 ? ` ${s} s` : ''}`;
  }
  const min = Math.round((seconds % 3600) / 60);
  return `~${Math.floor(seconds / 3600)} h${min > 0 ? ` ${min} min` : ''}`;
}

/** The plan as text. */
export function formatPlan(result: PlanResult): string {
  const lines: string[] = [];
  if (result.stacks.length === 0) {
    return `No stack of the app in ${result.app} holds a BYOIP pool (a ByoipSendingPool): nothing to plan. Name a stack with --stack to see the release of pools removed from it.\n`;
  }
  for (const stack of result.stacks) {
    const name = (pool: string) => displayPool(pool, stack.newPools[pool]);
    lines.push(`Stack ${stack.stack}${stack.stackName !== stack.stack ? ` (${stack.stackName})` : ''}, account ${stack.account} in ${stack.region}: ` +
      (stack.deployed ? `deployed (${stack.status})` : 'not deployed yet'));
    stack.notes.forEach((note) => lines.push(`  ${note}`));
    for (const pool of result.pools.filter((p) => p.stack === stack.stack)) {
      const part = pool.addresses.length === 1 && pool.addresses[0] === pool.cidr ? pool.cidr : `${pool.addresses.join(' ')} (of ${pool.cidr})`;
      const head = `  ${name(pool.pool)} ${part}: `;
      if (pool.action === 'in-sync') {
        lines.push(`${head}${pool.warnings.length === 0 ? 'in sync' : 'nothing to move'}`);
      } else if (pool.blocked.length > 0) {
        lines.push(`${head}${pool.action} (${pool.why}): BLOCKED, cdk deploy would fail here`);
        for (const [where, group] of groupBy(pool.blocked, (b) => b.pool ?? '')) {
          lines.push(`    ${blocksOf(group.map((b) => b.address)).join(' ')}  ${where === '' ? 'not a dedicated IP of the account' : `in pool ${where}`}`);
        }
        pool.problems.forEach((problem) => lines.push(`    ${problem}`));
      } else {
        const moveCount = pool.moves.length;
        const what = pool.action === 'drift'
          ? `drift, ${count(moveCount, 'move')} back pending`
          : `${pool.action} (${pool.why}), ${moveCount === 0 ? 'nothing to move' : count(moveCount, 'move')}, ${formatDuration(pool.seconds)}` +
            (pool.reached ? '' : ', not reached: the deploy fails before');
        lines.push(`${head}${what}`);
        for (const group of moveGroups(pool.moves)) {
          lines.push(`    ${group.blocks.join(' ')}  ${name(group.from)} -> ${name(group.to)}`);
        }
        if (pool.action === 'drift') {
          lines.push('    pending moves back, which cdk deploy will NOT make (the properties did not change): run ses-byoip plan --apply');
        }
      }
      if (pool.waiting.length > 0) {
        lines.push(`    ${pool.waiting.join(' ')}  in a sibling pool: its update in this deploy hands them over`);
      }
      pool.warnings.forEach((warning) => lines.push(`    warning: ${warning}`));
    }
    lines.push('');
  }
  const { summary } = result;
  if (summary.blocked > 0) {
    const failing = result.stacks.filter((s) => s.failsAt !== null).map((s) => s.stack);
    lines.push(`Blocked: cdk deploy of ${failing.join(', ')} would fail (${summary.blocked} ${summary.blocked === 1 ? 'address stops' : 'addresses stop'} it): fix what is listed above, then run ses-byoip plan again.`);
  }
  if (summary.deployMoves > 0) {
    lines.push(`cdk deploy would make ${summary.deployMoves} ${summary.deployMoves === 1 ? 'move' : 'moves'} (${formatDuration(summary.seconds)} at SES's one request per second).`);
  }
  if (summary.driftMoves > 0) {
    lines.push(`${summary.driftMoves} ${summary.driftMoves === 1 ? 'move' : 'moves'} back pending that cdk deploy will not make: run ses-byoip plan --apply.`);
  }
  if (summary.moves === 0 && summary.blocked === 0) {
    lines.push('Nothing would move: every address is where the app puts it.');
  }
  if (result.applied !== undefined) {
    lines.push(`--apply moved ${result.applied.length} ${result.applied.length === 1 ? 'address' : 'addresses'} back.`);
  }
  return `${lines.join('\n')}\n`;
}

/** The moves grouped by source and destination (in the order they first appear), each group as the fewest CIDR blocks. */
function moveGroups(moves: readonly PlannedMove[]): Array<{ blocks: string[]; from: string; to: string }> {
  return [...groupBy(moves, (m) => `${m.from}\n${m.to}`)].map(([, group]) => ({
    blocks: blocksOf(group.map((m) => m.address)),
    from: group[0].from,
    to: group[0].to,
  }));
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...groups.get(k) ?? [], item]);
  }
  return groups;
}

// ---- Templates --------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resourcesOf(template: Template): Record<string, unknown> {
  return isObject(template.Resources) ? template.Resources : {};
}

function propertiesOf(resource: unknown): Record<string, unknown> {
  return isObject(resource) && isObject(resource.Properties) ? resource.Properties : {};
}

/** The properties of a custom resource that the handler does not read (ServiceToken, ServiceTimeout): a change there is an Update too. */
function otherProperties(resource: unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(propertiesOf(resource)).filter(([name]) => !HANDLER_PROPERTIES.has(name)));
}

/** JSON with the keys of every object sorted: equal values give equal text. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v)) ?? 'undefined';
}

// ---- The command ------------------------------------------------------------------

const PLAN_USAGE = `Usage: ses-byoip plan [--app <dir>] [--stack <name>]... [--timeout <seconds>] [--json]
       ses-byoip plan --apply [--yes] [--app <dir>] [--stack <name>]... [--timeout <seconds>] [--json]

Shows what cdk deploy would do to the BYOIP addresses: for each pool of the
synthesized app, the addresses it would move (as CIDR blocks, from which pool
to which), those that would make the deploy fail and how to fix them, and
how long the moves take at SES's one request per second. It reads the cloud
assembly (run cdk synth first), the deployed stacks (CloudFormation), and the
account's dedicated IPs (SES), and plans them with the deploy-time handler's
own planner, in the order CloudFormation would call the pools.

A pool whose properties did not change gets no call from cdk deploy: if its
addresses are no longer where they were deployed (someone moved them by
hand), the moves back are shown as drift; --apply makes them.

AWS credentials, Region and endpoint as for cdk deploy; they need
sts:GetCallerIdentity, cloudformation:DescribeStacks,
cloudformation:ListStackResources, cloudformation:GetTemplate and
ses:GetDedicatedIps (--apply: also ses:PutDedicatedIpInPool).

Options:
  --app <dir>         the cloud assembly that cdk synth writes (default cdk.out)
  --stack <name>      a stack to plan, by name or display name (e.g. Prod/Mail);
                      give it once per stack (default: every stack with a pool)
  --apply             move the drift back to the deployed layout (only when no
                      pool has changes to deploy), after asking on the terminal
  --yes               with --apply: do not ask
  ${TIMEOUT_USAGE}
  --json              print the plan, or the error, as JSON
  --version           print the version
  -h, --help          show this help

Exit codes: 0 nothing would move, 1 unexpected error, 2 invalid input (a bad
            --app or --stack, credentials of another account, --apply refused),
            3 the deploy would fail (blocked addresses), 4 AWS could not be
            read (credentials, permissions, network, an endpoint that is not AWS, or --timeout passed),
            5 moves pending (cdk deploy's, or drift for --apply).
`;

const PLAN_OPTIONS = {
  ...COMMON,
  app: { type: 'string' },
  stack: { type: 'string', multiple: true },
  timeout: { type: 'string' },
  apply: { type: 'boolean' },
  yes: { type: 'boolean' },
} as const;

/** `ses-byoip plan`: what cdk deploy would do to the BYOIP addresses; `--apply` moves drift back. */
export const planCommand: Command = {
  name: 'plan',
  summary: 'Show what cdk deploy would do to the BYOIP addresses (moves, blocked addresses, drift); --apply moves drift back',
  run: async (args, io, json) => {
    const { values } = parse(args, PLAN_OPTIONS, PLAN_USAGE);
    const early = helpOrVersion(values, PLAN_USAGE, io, json);
    if (early !== undefined) {
      return early;
    }
    if (values.yes && !values.apply) {
      throw new InvalidInput(['--yes answers the question of --apply: pass --apply too, or leave --yes out.']);
    }
    // Refused before anything is read: no question can be asked without a terminal.
    if (values.apply && !values.yes && !io.input?.isTerminal) {
      throw new InvalidInput(['--apply asks before it moves addresses, but stdin is not a terminal: pass --yes to move them without asking.']);
    }
    const progress: PlanProgress = {
      page: (n, account, region) => io.err(`ses-byoip: read ${n} dedicated IPs of account ${account} in ${region} so far\n`),
      wait: waitNotes(io),
      note: (note) => io.err(`ses-byoip: note: ${note}\n`),
    };
    const input: PlanInput = { app: values.app, stacks: values.stack, timeout: values.timeout };
    if (!values.apply) {
      const result = await self.readPlan(input, progress);
      io.out(json ? toJson(result) : formatPlan(result));
      return planExitCode(result);
    }
    return runApply(input, io, json, values.yes === true, progress);
  },
};

/** `plan --apply`: the plan, the question, the moves back, and the plan once more. */
async function runApply(input: PlanInput, io: Io, json: boolean, yes: boolean, progress: PlanProgress): Promise<number> {
  const reading = await read(input, progress);
  const before = simulatePlan(reading.app, reading.stacks, reading.states);
  const drift = driftMovesOf(before);
  drift.leftOut.forEach((line) => io.err(`ses-byoip: ${line}\n`));
  const driftCount = drift.moves.reduce((n, d) => n + d.moves.length, 0);
  if (!json) {
    io.out(formatPlan(before));
  }
  if (driftCount === 0) {
    io.err('ses-byoip: --apply: no address to move back.\n');
    if (json) {
      io.out(toJson({ ...before, applied: [] }));
    }
    return planExitCode(before);
  }
  if (!yes) {
    const where = [...new Set(drift.moves.map((d) => `account ${d.account} in ${d.region}`))].join(', ');
    io.err(`ses-byoip: Move ${count(driftCount, 'address', 'addresses')} back to the deployed layout (${where}, ${formatDuration(driftCount)} at SES's one request per second)? [y/N] `);
    const answer = await io.input!.readLine();
    if (!/^\s*y(es)?\s*$/i.test(answer ?? '')) {
      io.err('ses-byoip: nothing moved.\n');
      if (json) {
        io.out(toJson({ ...before, applied: [] }));
      }
      return planExitCode(before);
    }
  }
  const applied = await applyDrift(drift, reading, io);
  const states = await readStates(reading.stacks, reading.timeoutMs, reading.startedAt, progress);
  const after: PlanResult = { ...simulatePlan(reading.app, reading.stacks, states), applied };
  if (!json) {
    io.out(`\nAfter --apply:\n\n${formatPlan(after)}`);
  } else {
    io.out(toJson(after));
  }
  return planExitCode(after);
}
