/**
 * The handler's decisions, as data. Pure functions of the request (the new
 * and previous properties), the stack's phase and the account's state: no
 * SES call, no clock, no log. The executor applies what they return; the
 * lifecycle (onEvent, isComplete) classifies the phase and formats answers;
 * `ses-byoip plan` calls the same functions, so a preview cannot drift from
 * what a deploy does.
 *
 * - classifyUpdate / classifyDelete: what CloudFormation's request means.
 * - planFill: a Create or an Update: the checks that fail, the moves in
 *   order, what must be read back.
 * - planPutBack: after a failed Create or Update, where each address goes.
 * - planUndone: the rollback of a range change releases the undone range.
 * - planRelease: a Delete.
 * - warmupToWrite: ALREADY_WARM.
 */
import { Adoptions } from './pool-memory';
import { addressesOfBlocks, DEFAULT_POOL, physicalIdOf, PoolAddressesSettings, PoolAndRange } from './resource-properties';
import type { AccountState } from './ses-client';
import { Ipv4Range } from '../range/ipv4-cidr';
import { checkRange } from '../rules/range-rules';
import { WarmupMode } from '../warmup-mode';

/** The stack is rolling back an update: CloudFormation sends the old properties as the new ones. */
export const UPDATE_ROLLBACK = 'UPDATE_ROLLBACK_IN_PROGRESS';
/** The whole stack is going away (destroyed, or its creation rolled back): so is every pool in it. */
export const STACK_GOING_AWAY: readonly string[] = ['DELETE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS'];
/**
 * A DELETE in these statuses undoes an operation that failed: the creation
 * of the stack, or the resources an update created before it failed.
 */
const UNDOING: readonly string[] = ['ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS'];

/**
 * What a request from CloudFormation means for the addresses:
 * - forward: a Create, or an Update that CloudFormation asked for;
 * - rollback: CloudFormation's rollback of an update (the old properties
 *   come back as the new ones): it never fails;
 * - unknown: an Update that may be either (the stack's status could not be
 *   read, and the pool does not tell): moves as a forward update, and never
 *   fails, since failing a rollback leaves the stack in UPDATE_ROLLBACK_FAILED;
 * - cleanup: the DELETE of one resource (replaced by an update, or removed
 *   from the template): releases its range;
 * - stack-going-away: the DELETE of a stack being destroyed, or whose
 *   creation is rolled back: the pool goes too, so it is emptied.
 */
export type Phase = 'forward' | 'rollback' | 'unknown' | 'cleanup' | 'stack-going-away';

/** One address moved from one pool to another. */
export interface Move {
  readonly address: string;
  readonly from: string;
  readonly to: string;
  /**
   * Why: `fill` into the pool, `adopt` from another named pool into it,
   * `release` out of it (a pool that no longer takes it, or going away),
   * `restore` back to the pool it was adopted from.
   */
  readonly reason: 'fill' | 'adopt' | 'release' | 'restore';
}

/** What the lifecycle knows of an Update when it classifies it. */
export interface UpdateFacts {
  /** The stack's status, or undefined if it could not be read. */
  readonly stackStatus?: string;
  readonly physicalId?: string;
  /** The new properties, if they can be read. */
  readonly settings?: PoolAddressesSettings;
  /** The previous properties, if they can be read. */
  readonly previous?: PoolAddressesSettings;
  /** Fingerprints of the new and previous properties (pool-memory.ts's fingerprint). */
  readonly fingerprints?: { readonly settings: string; readonly previous: string };
  /** What the pool remembers of the properties applied to it (APPLIED_TAG), if it was read. */
  readonly applied?: { readonly now: string; readonly before?: string };
}

/**
 * Whether an Update is forward or CloudFormation's rollback:
 * 1. the stack's status says so (UPDATE_ROLLBACK_IN_PROGRESS), if it could be read;
 * 2. else, a physical ID that is not the previous properties' own tells the
 *    rollback of an update that failed (CloudFormation kept the ID from
 *    before it; a forward update always carries its previous properties' ID);
 * 3. else the pool's memory: new properties that are the ones applied last,
 *    previous ones that are not, make a rollback of an update that failed
 *    here; previous properties that are the ones applied last make a forward
 *    update, unless the new ones are those applied before (then it may be the
 *    rollback of an update that succeeded here: unknown);
 * 4. else unknown.
 */
export function classifyUpdate(facts: UpdateFacts): 'forward' | 'rollback' | 'unknown' {
  if (facts.stackStatus !== undefined) {
    return facts.stackStatus === UPDATE_ROLLBACK ? 'rollback' : 'forward';
  }
  const { previous, physicalId, applied, fingerprints } = facts;
  if (previous !== undefined && physicalId !== undefined && physicalIdOf(previous) !== physicalId) {
    return 'rollback';
  }
  if (applied && fingerprints) {
    if (fingerprints.settings === applied.now && fingerprints.previous !== applied.now) {
      return 'rollback';
    }
    if (fingerprints.previous === applied.now) {
      return fingerprints.settings === applied.before ? 'unknown' : 'forward';
    }
  }
  return 'unknown';
}

/** What a DELETE means: the phase, and whether it undoes an operation that failed. */
export function classifyDelete(stackStatus: string | undefined): { readonly phase: 'cleanup' | 'stack-going-away'; readonly undoes: boolean } {
  const phase = stackStatus !== undefined && STACK_GOING_AWAY.includes(stackStatus) ? 'stack-going-away' : 'cleanup';
  return { phase, undoes: stackStatus !== undefined && UNDOING.includes(stackStatus) };
}

/** A Create or an Update, as the planner takes it. */
export interface FillRequest {
  readonly kind: 'Create' | 'Update';
  readonly phase: 'forward' | 'rollback' | 'unknown';
  readonly settings: PoolAddressesSettings;
  /** An Update's previous properties; undefined for a Create, or when they cannot be read. */
  readonly previous?: PoolAddressesSettings;
  /**
   * Where adopted addresses came from. Forward: what this operation took
   * (a failure puts them back there). Rollback or unknown: what the update
   * being undone took, if it is the one this update reverses (they go back
   * there now).
   */
  readonly adopted?: Adoptions;
}

/** The plan of a Create or an Update against the account's state. */
export interface FillPlan {
  /** The whole range. */
  readonly range: Ipv4Range;
  /** The pool's own addresses: its part of the range (all of it without `addresses`), in order. */
  readonly addresses: readonly string[];
  /** The pool's addresses that are in it already. */
  readonly inPlace: readonly string[];
  /** The pool's addresses that are not dedicated IPs of the account. */
  readonly missing: readonly string[];
  /** The pool's addresses in other named pools, which it may not take, by pool. */
  readonly foreign: ReadonlyMap<string, readonly string[]>;
  /**
   * Whether missing and foreign addresses are left alone with a warning
   * instead of failing the operation: any rollback or unknown phase, and an
   * update that keeps the range, pool and part (a change of warm-up), so
   * that a range that changed under the stack never blocks it.
   */
  readonly tolerant: boolean;
  /** True if the operation must fail before it moves anything. */
  readonly fails: boolean;
  /** On a Create: the pool's addresses that a sibling pool holds, for the sibling's update to hand over. */
  readonly waiting: readonly string[];
  /**
   * The moves, in order: into the pool (from the default pool or one of the
   * stack's own, then adopted ones), then out of it (what it no longer
   * takes goes to the sibling that takes it, else the default pool; what a
   * rolled-back update adopted goes back where it came from).
   */
  readonly moves: readonly Move[];
  /** The addresses that must be in the pool once the moves are made: the read-back checks them. */
  readonly expected: readonly string[];
}

/**
 * Plans a Create or an Update. Throws only if the range is not a BYOIP range
 * (the lifecycle checks it first).
 */
export function planFill(request: FillRequest, state: AccountState): FillPlan {
  const { settings, previous, phase, kind } = request;
  const range = acceptedRange(settings.cidr);
  const { poolName: pool } = settings;
  const addresses = addressesOfBlocks(range, settings.addresses);
  // On an update that changes pool, the old pool's addresses are ours to
  // move; so are those of the stack's other pools that split the range. A
  // Create does not take them from a sibling, though: that sibling's update
  // gives them up in this deploy and moves them here itself, and if the
  // deploy fails first they are still where CloudFormation's rollback
  // expects them (a created resource is only deleted, never rolled back).
  const siblings = siblingPools(settings, previous);
  const takesFromSiblings = kind !== 'Create';
  const ownPools = [
    ...(previous && previous.poolName !== pool && previous.poolName !== DEFAULT_POOL ? [previous.poolName] : []),
    ...(takesFromSiblings ? siblings : []),
  ];
  // In a rollback (or an update that may be one), what the undone update
  // adopted goes back where it came from.
  const restoring = phase !== 'forward' ? request.adopted ?? new Map<string, string>() : new Map<string, string>();
  const tolerant = phase !== 'forward' ||
    (previous !== undefined && previous.cidr === settings.cidr && previous.poolName === pool && sameAddresses(previous, settings, range));

  const inPlace: string[] = [];
  const missing: string[] = [];
  const waiting: string[] = [];
  const foreign = new Map<string, string[]>();
  const into: Move[] = [];
  const adoptions: Move[] = [];
  const restores: Move[] = [];
  for (const address of addresses) {
    const where = state.get(address)?.pool;
    const source = restoring.get(address);
    if (where === undefined) {
      missing.push(address);
    } else if (source !== undefined && (where === pool || ownPools.includes(where) || where === source)) {
      if (where !== source) {
        restores.push({ address, from: where, to: source, reason: 'restore' });
      }
    } else if (where === pool) {
      inPlace.push(address);
    } else if (where === DEFAULT_POOL || ownPools.includes(where)) {
      into.push({ address, from: where, to: pool, reason: 'fill' });
    } else if (!takesFromSiblings && siblings.includes(where)) {
      waiting.push(address);
    } else if (settings.adoptAddressesFromOtherPools && phase === 'forward') {
      // (A rollback restores: it takes nothing that was not the stack's before.)
      adoptions.push({ address, from: where, to: pool, reason: 'adopt' });
    } else {
      foreign.set(where, [...foreign.get(where) ?? [], address]);
    }
  }

  // The range's addresses that this pool no longer takes (a split that
  // changed) go to the sibling pool that takes them now, else back to the
  // default pool, or, in a rollback, to the pool they were adopted from.
  // The sibling, updated before or after this one (or not at all, in a
  // rollback), then finds them in place: each address moves once, and is in
  // one pool at any time.
  // After a rename, so do those the previous pool holds: a rollback is the
  // only request the sibling they belong to may get (a sibling removed in
  // the update being undone is not rolled back), and the previous pool's
  // cleanup DELETE would send them to the default pool.
  const leaving: Move[] = [];
  const own = new Set(addresses);
  const siblingOf = siblingClaims(settings, range);
  const renamedFrom = previous && previous.poolName !== pool && previous.poolName !== DEFAULT_POOL ? previous.poolName : undefined;
  for (const address of range.addresses()) {
    const where = state.get(address)?.pool;
    if (!own.has(address) && where !== undefined && (where === pool || where === renamedFrom)) {
      const source = restoring.get(address);
      leaving.push(source !== undefined
        ? { address, from: where, to: source, reason: 'restore' }
        : { address, from: where, to: siblingOf.get(address) ?? DEFAULT_POOL, reason: 'release' });
    }
  }

  const moves = [...into, ...adoptions, ...restores, ...leaving];
  const blocked = missing.length > 0 || foreign.size > 0;
  return {
    range,
    addresses,
    inPlace,
    missing,
    foreign,
    tolerant,
    fails: blocked && !tolerant,
    waiting,
    moves,
    expected: [...inPlace, ...into.map((m) => m.address), ...adoptions.map((m) => m.address)],
  };
}

/**
 * After a failed Create or Update: the moves that put back what it moved
 * into the pool (the range's addresses found there), restoring what the
 * previous properties wanted:
 * - an address the operation adopted: the pool it came from;
 * - a Create, or an Update that changed the range: the default pool;
 * - an Update of the same range: the previous pool for the addresses it
 *   took, the pool of a sibling that took an address before, else the
 *   default pool; nothing moves when neither pool nor part changed;
 * - an Update whose previous properties cannot be read: nothing but what it
 *   adopted (where the others belong is not known: when in doubt, move nothing).
 */
export function planPutBack(request: FillRequest, state: AccountState): Move[] {
  const destinationOf = putBackDestination(request);
  return movesOutOf(request.settings, state, destinationOf, false);
}

/** Where the put-back sends an address found in the pool (undefined: it stays). */
function putBackDestination({ kind, settings, previous, adopted }: FillRequest): (address: string) => string | undefined {
  const range = acceptedRange(settings.cidr);
  const restoreAdopted = (address: string) => adopted?.get(address);
  if (kind === 'Update' && previous === undefined) {
    return restoreAdopted;
  }
  if (!previous || previous.cidr !== settings.cidr) {
    return (address) => restoreAdopted(address) ?? DEFAULT_POOL;
  }
  const before = new Set(addressesOfBlocks(range, previous.addresses));
  const siblingsBefore = siblingClaims(previous, range);
  return (address) => {
    const destination = restoreAdopted(address) ?? (before.has(address) ? previous.poolName : siblingsBefore.get(address) ?? DEFAULT_POOL);
    return destination === settings.poolName ? undefined : destination;
  };
}

/** What planUndone found. */
export interface UndonePlan {
  /**
   * Whether every address of the range that is a dedicated IP of the account
   * is back in the pool: only then is the undone range released, or the
   * pool could end empty.
   */
  readonly back: boolean;
  /** The undone range's addresses still in its pool, to the default pool (or where they were adopted from). */
  readonly moves: readonly Move[];
}

/**
 * During a rollback of an update that changed the range: that update
 * filled its range (`previous`) and failed, so CloudFormation never recorded
 * its physical ID and no DELETE will ever come for it. Once the range being
 * restored is back in the pool, what the failed update left of its range in
 * its pool is released (what it adopted, back where it came from). The same
 * for an update that may be a rollback (unknown): if it is a revert instead,
 * the DELETE that follows finds nothing left to release. Empty if the
 * update keeps the range.
 */
export function planUndone(request: FillRequest, state: AccountState): UndonePlan {
  const { settings, previous } = request;
  if (request.phase === 'forward' || !previous || previous.cidr === settings.cidr) {
    return { back: true, moves: [] };
  }
  const addresses = addressesOfBlocks(acceptedRange(settings.cidr), settings.addresses);
  const back = addresses.every((address) => !state.has(address) || state.get(address)?.pool === settings.poolName);
  if (!back) {
    return { back, moves: [] };
  }
  return { back, moves: movesOutOf(previous, state, (address) => request.adopted?.get(address) ?? DEFAULT_POOL, false) };
}

/** A DELETE, as the planner takes it. */
export interface ReleaseRequest {
  readonly phase: 'cleanup' | 'stack-going-away';
  /** What to release: the pool and range the physical ID names (else the properties). */
  readonly target: PoolAndRange;
  /** The DELETE undoes the operation that adopted these addresses: they go back where they came from. */
  readonly adopted?: Adoptions;
}

/**
 * A DELETE: the range's addresses still in the pool go back to the default
 * pool (what was adopted by the operation a rollback undoes goes back where
 * it came from). Addresses already gone or elsewhere are left alone, so the
 * DELETE of an old resource never undoes what an update did. When the
 * whole stack goes away, so does the pool: every address still in it, of
 * any range, is released, or the pool could not be deleted.
 */
export function planRelease(request: ReleaseRequest, state: AccountState): Move[] {
  if (request.target.poolName === DEFAULT_POOL || !checkRange(request.target.cidr).accepted) {
    return [];
  }
  return movesOutOf(request.target, state, (address) => request.adopted?.get(address) ?? DEFAULT_POOL, request.phase === 'stack-going-away');
}

/** With ALREADY_WARM, the pool's addresses in `state` whose warm-up is not 100 yet. */
export function warmupToWrite(settings: PoolAddressesSettings, addresses: readonly string[], state: AccountState): string[] {
  if (settings.warmup !== WarmupMode.ALREADY_WARM) {
    return [];
  }
  return addresses.filter((address) => {
    const current = state.get(address);
    return current?.pool === settings.poolName && current.warmupPercentage !== WARM;
  });
}

/** The warm-up percentage of an address that needs no warm-up. */
export const WARM = 100;

/**
 * The moves of the range's addresses (every address, with `wholePool`)
 * that sit in the pool to `destinationOf` them (undefined: it stays).
 */
function movesOutOf(
  { cidr, poolName: pool }: PoolAndRange,
  state: AccountState,
  destinationOf: (address: string) => string | undefined,
  wholePool: boolean,
): Move[] {
  const verdict = checkRange(cidr);
  if (!verdict.accepted || pool === DEFAULT_POOL) {
    return [];
  }
  const range = verdict.range;
  const candidates = wholePool
    ? [...state.values()].filter((a) => a.pool === pool).map((a) => a.ip).sort(byAddress)
    : range.addresses().filter((address) => state.get(address)?.pool === pool);
  const moves: Move[] = [];
  for (const address of candidates) {
    const to = destinationOf(address);
    if (to !== undefined && to !== pool) {
      moves.push({ address, from: pool, to, reason: to === DEFAULT_POOL || !range.contains(toNumber(address)) ? 'release' : 'restore' });
    }
  }
  return moves;
}

/**
 * The other pools of the stack that take part of the range, now or before
 * this update (a sibling removed in this deploy still holds its addresses
 * until its DELETE): their addresses are not foreign to this pool.
 */
export function siblingPools(settings: PoolAddressesSettings, previous?: PoolAddressesSettings): string[] {
  const names = [...(settings.siblings ?? []), ...(previous?.cidr === settings.cidr ? previous.siblings ?? [] : [])].map((s) => s.poolName);
  return [...new Set(names)].filter((name) => name !== settings.poolName && name !== DEFAULT_POOL);
}

/** For each address that a sibling pool takes (per `settings`), that pool. */
function siblingClaims(settings: PoolAddressesSettings, range: Ipv4Range): Map<string, string> {
  const claims = new Map<string, string>();
  for (const sibling of settings.siblings ?? []) {
    for (const address of addressesOfBlocks(range, sibling.addresses)) {
      claims.set(address, sibling.poolName);
    }
  }
  return claims;
}

/** True if the two claims take the same addresses (the blocks may be written differently). */
export function sameAddresses(a: PoolAddressesSettings, b: PoolAddressesSettings, range: Ipv4Range): boolean {
  const x = addressesOfBlocks(range, a.addresses);
  const y = addressesOfBlocks(range, b.addresses);
  return x.length === y.length && x.every((address, i) => address === y[i]);
}

/** The range of `cidr`; throws if it is not a BYOIP range. */
function acceptedRange(cidr: string): Ipv4Range {
  const verdict = checkRange(cidr);
  if (!verdict.accepted) {
    throw new Error(`${cidr} is not a BYOIP range`);
  }
  return verdict.range;
}

function toNumber(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function byAddress(a: string, b: string): number {
  return toNumber(a) - toNumber(b);
}

/**
 * Where the addresses of a range stand with respect to a target pool, for
 * `ses-byoip status` (planFill sorts them the same way, and more).
 */
export interface Assessment {
  /** Addresses already in the target pool. */
  readonly inPlace: readonly string[];
  /** Addresses to move into the target: in the default pool or in one of our own pools. */
  readonly toMove: readonly string[];
  /** Addresses in some other named pool, by pool. */
  readonly foreign: ReadonlyMap<string, readonly string[]>;
  /** Addresses that are not dedicated IPs of the account at all. */
  readonly missing: readonly string[];
}

/**
 * Sorts the range's addresses by where they are.
 *
 * @param addresses the range's addresses, in order
 * @param target the pool that should hold them
 * @param ownPools other pools whose addresses are ours to move (the previous pool of an update)
 */
export function assess(
  addresses: readonly string[],
  state: AccountState,
  target: string,
  ownPools: readonly string[] = [],
): Assessment {
  const inPlace: string[] = [];
  const toMove: string[] = [];
  const missing: string[] = [];
  const foreign = new Map<string, string[]>();
  for (const ip of addresses) {
    const pool = state.get(ip)?.pool;
    if (pool === undefined) {
      missing.push(ip);
    } else if (pool === target) {
      inPlace.push(ip);
    } else if (pool === DEFAULT_POOL || ownPools.includes(pool)) {
      toMove.push(ip);
    } else {
      const list = foreign.get(pool);
      if (list) {
        list.push(ip);
      } else {
        foreign.set(pool, [ip]);
      }
    }
  }
  return { inPlace, toMove, foreign, missing };
}

/** "a, b, c and 7 more" for messages. */
export function someOf(items: readonly string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
