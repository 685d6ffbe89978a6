/**
 * What the custom resource does on each CloudFormation request, for the
 * Provider framework's onEvent and isComplete handlers.
 *
 * - onEvent checks (reads only) and fails fast; it never writes. It also
 *   sets what the whole operation shares (its start and deadline, the
 *   stack's status), which the framework passes on to every isComplete call
 *   with the rest of onEvent's answer.
 * - isComplete does the writes within the invocation's time budget and
 *   returns "not complete" when the budget ends; the next call resumes from
 *   the state read from SES. No progress is kept anywhere else.
 * - A Create or an Update reports success only once a read-back shows its
 *   addresses in the pool; one that fails puts back what it moved, so that
 *   nothing is left half-done whatever CloudFormation does next.
 * - CloudFormation's rollback of an update (told by the stack's status)
 *   never fails: it restores what it can, releases the range of the update
 *   it undoes, and warns about the rest.
 */
import { OutOfTime } from './pacer';
import { addressesIn, assess, Assessment, foreignAddresses, someOf, warmupToWrite } from './plan';
import {
  addressesOfBlocks,
  DEFAULT_POOL,
  parsePhysicalId,
  parseProperties,
  physicalIdOf,
  PoolAndRange,
  PoolAddressesSettings,
} from './resource-properties';
import { AccountState, errorMessage, SesCallError, SesGateway } from './ses-client';
import { STACK_GOING_AWAY, UPDATE_ROLLBACK } from './stack-status';
import { Ipv4Range } from '../range/ipv4-cidr';
import { formatFinding } from '../rules/finding';
import { checkRange } from '../rules/range-rules';
import { WarmupMode } from '../warmup-mode';

/** The CloudFormation request, as the Provider framework passes it on. */
export interface ResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly ResourceType?: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Record<string, unknown>;
  readonly OldResourceProperties?: Record<string, unknown>;
  readonly ResponseURL?: string;
  readonly ServiceToken?: string;
  /** Set by onEvent: when the whole operation must give up (ms since the epoch). */
  readonly ByoipDeadline?: number;
  /** Set by onEvent: when the operation began (ms since the epoch). */
  readonly ByoipStartedAt?: number;
  /** Set by onEvent for an Update or a Delete: the stack's status, if it could be read. */
  readonly ByoipStackStatus?: string;
}

export interface OnEventResponse {
  readonly PhysicalResourceId: string;
  readonly ByoipDeadline: number;
  readonly ByoipStartedAt: number;
  readonly ByoipStackStatus?: string;
}

export interface IsCompleteResponse {
  readonly IsComplete: boolean;
  readonly Data?: Record<string, string>;
}

/** Writes one line to the log. */
export type Logger = (message: string, details?: Record<string, unknown>) => void;

/** What one invocation works with. */
export interface Invocation {
  readonly ses: SesGateway;
  /** Reads the status of the stack `stackId` (CloudFormation DescribeStacks); throws if it cannot. */
  readonly stackStatus: (stackId: string) => Promise<string>;
  readonly log: Logger;
  /** The account and Region the stack deploys to, for messages. */
  readonly account: string;
  readonly region: string;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
}

/** The warm-up percentage of an address that needs no warm-up. */
const WARM = 100;
/** How often to log progress, in writes. */
const PROGRESS_EVERY = 32;
/**
 * How long the whole operation may take. CloudFormation gives a custom
 * resource one hour; this leaves time to put back what was moved and answer.
 */
export const OPERATION_LIMIT_MS = 45 * 60 * 1000;
/** A rollback stops trying after this many refused writes in a row: SES refuses them all. */
const REFUSALS_BEFORE_GIVING_UP = 5;
/** The warnings returned in Data stay well within CloudFormation's 4,096-byte response. */
const MAX_WARNINGS_LENGTH = 2_000;

/** Thrown when the whole operation ran out of its OPERATION_LIMIT_MS. */
class OperationTimedOut extends Error {}

/** Thrown when SES no longer finds an address (or the pool) to move. */
class AddressGone extends Error {}

/** A Create or an Update, as the handler understands it. */
interface Change {
  readonly event: ResourceEvent;
  readonly settings: PoolAddressesSettings;
  /** An Update's previous properties, if they could be read. */
  readonly previous?: PoolAddressesSettings;
  /** Why an Update's previous properties could not be read. */
  readonly previousUnreadable?: string;
  /** CloudFormation is rolling back an update: never fail. */
  readonly rollback: boolean;
  /** Warnings about what was left as it is, for the log and Data. */
  readonly warnings: string[];
}

/** onEvent: checks the request and the account's state; never writes. */
export async function onEvent(event: ResourceEvent, inv: Invocation): Promise<OnEventResponse> {
  inv.log(`${event.RequestType} ${event.LogicalResourceId}`, { event: withoutResponseUrl(event) });
  const startedAt = inv.now();
  const status = event.RequestType === 'Create' ? undefined : await stackStatusOf(event, inv);
  const shared = { ByoipDeadline: startedAt + OPERATION_LIMIT_MS, ByoipStartedAt: startedAt, ByoipStackStatus: status };
  const unchanged = event.PhysicalResourceId ?? event.RequestId;
  if (event.RequestType === 'Delete') {
    return { PhysicalResourceId: unchanged, ...shared };
  }
  const rollback = isRollback({ ...event, ByoipStackStatus: status });
  if (rollback) {
    inv.log(`this Update is CloudFormation's rollback of a failed update${status ? ` (the stack is ${status})` : ''}: it restores what it can and does not fail`);
  }
  let settings: PoolAddressesSettings;
  try {
    settings = parseProperties(event.ResourceProperties);
  } catch (error) {
    if (rollback) {
      // isComplete warns and moves nothing: where the addresses belong is not known.
      return { PhysicalResourceId: unchanged, ...shared };
    }
    throw fail(inv, error, 'Nothing was moved.');
  }
  try {
    await preflight(understand({ ...event, ByoipStackStatus: status }, settings, rollback), inv, 'check');
  } catch (error) {
    if (rollback) {
      // isComplete does the work and never fails a rollback: let it.
      inv.log(`rollback: the checks could not be completed (${errorMessage(error)}); restoring what can be restored`);
    } else if (error instanceof OutOfTime) {
      throw fail(inv, new Error(
        `Reading the dedicated IPs of account ${inv.account} in ${inv.region} did not finish in time: SES throttled the calls too much.`,
      ), 'Nothing was moved; deploy again.');
    } else {
      throw fail(inv, error, 'Nothing was moved.');
    }
  }
  return { PhysicalResourceId: physicalIdOf(settings), ...shared };
}

/**
 * Whether an Update is CloudFormation's rollback of a failed update: the
 * stack's status says so. If the status could not be read, a physical ID
 * that is not the previous properties' own still tells the rollback of an
 * update that failed (CloudFormation kept the ID from before it); a forward
 * update always carries its previous properties' ID.
 */
function isRollback(event: ResourceEvent): boolean {
  if (event.RequestType !== 'Update') {
    return false;
  }
  if (event.ByoipStackStatus !== undefined) {
    return event.ByoipStackStatus === UPDATE_ROLLBACK;
  }
  const previous = tryParse(event.OldResourceProperties);
  return previous !== undefined && event.PhysicalResourceId !== undefined && physicalIdOf(previous) !== event.PhysicalResourceId;
}

/** isComplete: does the work, as far as the time budget allows. */
export async function isComplete(received: ResourceEvent, inv: Invocation): Promise<IsCompleteResponse> {
  // If onEvent could not read the stack's status, try again: a rollback, or a stack going away, depends on it.
  const event = received.RequestType === 'Create' || received.ByoipStackStatus !== undefined
    ? received : { ...received, ByoipStackStatus: await stackStatusOf(received, inv) };
  if (event.RequestType === 'Delete') {
    try {
      checkDeadline(event, inv);
      return await release(event, inv);
    } catch (error) {
      const notYet = outOfTime(error, inv);
      if (notYet) {
        return notYet;
      }
      throw fail(inv, error);
    }
  }
  const rollback = isRollback(event);
  let change: Change;
  try {
    change = understand(event, parseProperties(event.ResourceProperties), rollback);
  } catch (error) {
    if (rollback) {
      inv.log(`warning, nothing restored: the properties to roll back to cannot be read (${errorMessage(error)}); where the addresses belong is not known`);
      return { IsComplete: true, Data: { Warnings: `Nothing was restored: the properties to roll back to cannot be read (${errorMessage(error)}).` } };
    }
    throw fail(inv, error, 'Nothing was moved.');
  }
  try {
    checkDeadline(event, inv);
    return await fill(change, inv);
  } catch (error) {
    const notYet = outOfTime(error, inv);
    if (notYet) {
      return notYet;
    }
    if (change.rollback) {
      return completeWithWarnings(change, inv, error);
    }
    throw fail(inv, error, await putBack(change, inv));
  }
}

/** Not complete yet, if the invocation's time budget ended: the next isComplete resumes. */
function outOfTime(error: unknown, inv: Invocation): IsCompleteResponse | undefined {
  if (!(error instanceof OutOfTime)) {
    return undefined;
  }
  inv.log('time budget used up: not complete yet, the next check resumes', statsOf(inv));
  return { IsComplete: false };
}

/** The Change a Create or an Update asks for (the previous properties of an Update may be unreadable). */
function understand(event: ResourceEvent, settings: PoolAddressesSettings, rollback: boolean): Change {
  let previous: PoolAddressesSettings | undefined;
  let previousUnreadable: string | undefined;
  if (event.RequestType === 'Update') {
    try {
      previous = parseProperties(event.OldResourceProperties);
    } catch (error) {
      previousUnreadable = errorMessage(error);
    }
  }
  return { event, settings, previous, previousUnreadable, rollback, warnings: [] };
}

/** The properties, or undefined if they cannot be parsed. */
function tryParse(raw: Record<string, unknown> | undefined): PoolAddressesSettings | undefined {
  try {
    return parseProperties(raw);
  } catch {
    return undefined;
  }
}

/**
 * Create or Update: moves the range into the pool, reads back where the
 * addresses are, releases the range of a failed update that a rollback
 * undoes, then sets warm-up.
 */
async function fill(change: Change, inv: Invocation): Promise<IsCompleteResponse> {
  const { settings } = change;
  const { poolName, cidr } = settings;
  const { addresses, range, state, assessment, waiting } = await preflight(change, inv, 'operation');
  const toMove = settings.adoptAddressesFromOtherPools
    ? [...assessment.toMove, ...foreignAddresses(assessment, addresses)]
    : [...assessment.toMove];

  inv.log(`${cidr}${settings.addresses ? ` (this pool's part: ${settings.addresses.join(', ')})` : ''}: ` +
    `${assessment.inPlace.length} of ${addresses.length} addresses already in pool ${poolName}, ${toMove.length} to move`);
  const left = await writeEach(toMove, async (ip) => {
    if ((await inv.ses.moveToPool(ip, poolName)) === 'not-found') {
      throw new AddressGone(`SES no longer finds address ${ip} of ${cidr}, or pool ${poolName}, in account ${inv.account} in ${inv.region}.`);
    }
  }, { done: 'moved', writes: `moves into pool ${poolName}` }, change, inv);

  // The range's addresses that this pool no longer takes (a split that
  // changed) go to the sibling pool that takes them now, else back to the
  // default pool.
  const released = await releaseLeaving(change, range, state, inv);

  // What SES says after the writes is the truth: another deployer may have
  // moved the same addresses meanwhile. (Without writes, the first read is as fresh.)
  const final = toMove.length > 0 || released > 0 ? await inv.ses.readPool(poolName) : state;
  // (What a sibling holds for this pool, it hands over in its own update.)
  const meant = [...assessment.inPlace, ...toMove].filter((ip) => !left.has(ip) && !waiting.includes(ip));
  const astray = meant.filter((ip) => final.get(ip)?.pool !== poolName);
  if (astray.length > 0) {
    const problem = await describeAstray(astray, addresses.length, settings, inv);
    if (!change.rollback) {
      throw new Error(problem);
    }
    warn(change, inv, problem);
  }

  if (change.rollback && change.previous && change.previous.cidr !== cidr) {
    // Only once the range is back in: every address of it that is a
    // dedicated IP of the account is in the pool. Else the pool could end empty.
    const back = addresses.every((ip) => !state.has(ip) || final.get(ip)?.pool === poolName);
    if (back) {
      await releaseUndone(change, change.previous, inv);
    } else {
      warn(change, inv, `${change.previous.cidr} is left in pool ${change.previous.poolName}, since ${cidr} is not all back in pool ${poolName}: ` +
        `once it is, move ${change.previous.cidr}'s addresses to ${DEFAULT_POOL} with \`aws sesv2 put-dedicated-ip-in-pool\` ` +
        `(\`ses-byoip status --cidr ${change.previous.cidr} --pool ${change.previous.poolName}\` lists them).`);
    }
  }

  if (settings.warmup === WarmupMode.ALREADY_WARM) {
    // Only the addresses that are in the pool now: not those left elsewhere.
    const cold = warmupToWrite(addressesIn(addresses, final, poolName), final, WARM);
    await writeEach(cold, (ip) => inv.ses.setWarmup(ip, WARM), { done: 'set warm-up 100 on', writes: 'warm-up writes' }, change, inv);
  }

  const placed = addressesIn(addresses, final, poolName).length;
  inv.log(`${cidr}: ${placed} of ${addresses.length} addresses are in pool ${poolName}`, statsOf(inv));
  return complete(change, { AddressesInPool: String(placed) });
}

/** How writeEach names its writes: in progress lines, and in the warning about those refused. */
interface WriteNames {
  /** e.g. "moved" (32/256 addresses) */
  readonly done: string;
  /** e.g. "moves into pool P" (3 were refused) */
  readonly writes: string;
}

/**
 * Runs `write` on each address, checking the operation's deadline before
 * each. Outside a rollback, the first failure is thrown. A rollback goes on
 * with the other addresses (after REFUSALS_BEFORE_GIVING_UP refusals in a
 * row it gives up on the rest), warns once about those refused, and returns them.
 */
async function writeEach(
  addresses: readonly string[],
  write: (ip: string) => Promise<void>,
  names: WriteNames,
  change: Change,
  inv: Invocation,
): Promise<Set<string>> {
  const refused = new Map<string, string>();
  let inARow = 0;
  for (const [index, ip] of addresses.entries()) {
    checkDeadline(change.event, inv);
    try {
      await write(ip);
      inARow = 0;
    } catch (error) {
      if (!change.rollback || !(error instanceof SesCallError || error instanceof AddressGone)) {
        throw error;
      }
      refused.set(ip, errorMessage(error));
      if (++inARow >= REFUSALS_BEFORE_GIVING_UP) {
        addresses.slice(index + 1).forEach((rest) => refused.set(rest, `not tried after ${inARow} refusals in a row`));
        break;
      }
    }
    logProgress(inv, names.done, index + 1, addresses.length, change.settings.poolName);
  }
  if (refused.size > 0) {
    const examples = [...refused].slice(0, 3).map(([ip, why]) => `${ip} (${why})`).join('; ');
    warn(change, inv, `SES refused ${refused.size} of ${addresses.length} ${names.writes}: ${examples}${refused.size > 3 ? ` and ${refused.size - 3} more` : ''}.`);
  }
  return new Set(refused.keys());
}

/**
 * During a rollback: the update being undone filled `undone` (another range)
 * and failed, so CloudFormation never recorded its physical ID and no DELETE
 * will ever come for it. Now that the range is back in, move what the
 * failed update left of its range out of its pool.
 */
async function releaseUndone(change: Change, undone: PoolAddressesSettings, inv: Invocation): Promise<void> {
  inv.log(`rollback: releasing what the undone update left of ${undone.cidr} in pool ${undone.poolName}`);
  try {
    await moveOut(undone, DEFAULT_POOL, inv, () => checkDeadline(change.event, inv));
  } catch (error) {
    if (error instanceof OutOfTime) {
      throw error;
    }
    warn(change, inv, `Releasing ${undone.cidr} from pool ${undone.poolName} failed (${errorMessage(error)}): ` +
      `move its addresses to ${DEFAULT_POOL} with \`aws sesv2 put-dedicated-ip-in-pool\` (see \`ses-byoip status --cidr ${undone.cidr} --pool ${undone.poolName}\`).`);
  }
}

/** The failure (or rollback warning) for addresses that are not in the pool after the moves, naming where they are. */
async function describeAstray(astray: readonly string[], total: number, settings: PoolAddressesSettings, inv: Invocation): Promise<string> {
  const everywhere = await inv.ses.readAccountState();
  const byPool = new Map<string | undefined, string[]>();
  for (const ip of astray) {
    const where = everywhere.get(ip)?.pool;
    byPool.set(where, [...(byPool.get(where) ?? []), ip]);
  }
  const places = [...byPool].map(([pool, ips]) => {
    const some = `${ips.length} (${someOf(ips, 3)})`;
    return pool === undefined ? `${some} are no longer dedicated IPs of the account`
      : pool === DEFAULT_POOL ? `${some} are back in ${DEFAULT_POOL}` : `pool ${pool} took ${some}`;
  }).join('; ');
  return `${astray.length} of the ${total} addresses of ${settings.cidr} are not in pool ${settings.poolName} after the moves: ${places}. ` +
    `Something else (another app, pipeline or person) moved them in account ${inv.account} in ${inv.region} while this deployment ran: ` +
    'make sure only one deployment manages this range, then deploy again.';
}

/**
 * Delete: moves back to the default pool the range's addresses that are
 * still in this pool. Addresses already gone or elsewhere are left alone,
 * so the DELETE of an old resource never undoes what an update did. When
 * the whole stack goes away, so does the pool: every address still in it,
 * of any range, is released, or the pool could not be deleted.
 */
async function release(event: ResourceEvent, inv: Invocation): Promise<IsCompleteResponse> {
  const named = parsePhysicalId(event.PhysicalResourceId);
  let given: PoolAddressesSettings | undefined;
  try {
    given = parseProperties(event.ResourceProperties);
  } catch (error) {
    inv.log(`the properties cannot be read (${errorMessage(error)})${named ? `: releasing what the physical ID ${event.PhysicalResourceId} names` : ''}`);
  }
  if (named && given && (named.cidr !== given.cidr || named.poolName !== given.poolName)) {
    inv.log(`the properties (${given.cidr} in pool ${given.poolName}) disagree with the physical ID ${event.PhysicalResourceId}: releasing what the physical ID names`);
  }
  const target = named ?? given;
  if (!target) {
    inv.log('nothing to release: neither the physical ID nor the properties name a pool and a range');
    return { IsComplete: true };
  }
  const wholePool = event.ByoipStackStatus !== undefined && STACK_GOING_AWAY.includes(event.ByoipStackStatus);
  await moveOut(target, DEFAULT_POOL, inv, () => checkDeadline(event, inv), wholePool);
  return { IsComplete: true };
}

/**
 * After a failed Create or Update, puts back what it moved into the target
 * pool, since the Provider framework may skip the handler on the DELETE that
 * follows a failed Create, and no DELETE follows a failed Update:
 * - a Create, or an Update that changed the range: back to the default pool;
 * - an Update that renamed the pool or changed its part of the range: each
 *   address where the previous properties put it (see putBackDestination);
 * - an Update that changed none of these: nothing (the addresses belong there);
 * - an Update whose previous properties cannot be read: nothing (where the
 *   addresses belong is not known: when in doubt, move nothing).
 * Returns a sentence for the failure reason.
 */
async function putBack(change: Change, inv: Invocation): Promise<string> {
  const { settings, previous, event } = change;
  if (event.RequestType === 'Update' && !previous) {
    return `The previous properties could not be read (${change.previousUnreadable}), so nothing was put back: ` +
      `see where the addresses are with \`ses-byoip status --cidr ${settings.cidr} --pool ${settings.poolName}\`.`;
  }
  const verdict = checkRange(settings.cidr);
  if (previous && previous.cidr === settings.cidr && previous.poolName === settings.poolName &&
      (!verdict.accepted || sameAddresses(previous, settings, verdict.range))) {
    return 'The range stays in its pool.';
  }
  const destinationOf = putBackDestination(change);
  const destinations = new Set<string>();
  try {
    const moved = await moveOut(settings, (ip) => {
      const destination = destinationOf(ip);
      if (destination !== undefined) {
        destinations.add(destination);
      }
      return destination;
    }, inv);
    return moved === 0 ? 'Nothing was moved.' : `The ${moved} addresses moved so far were put back into ${[...destinations].join(', ')}.`;
  } catch (error) {
    inv.log(`putting back failed: ${errorMessage(error)}`);
    const next = event.RequestType === 'Create'
      ? 'the DELETE that follows moves them back'
      : 'move them back with `aws sesv2 put-dedicated-ip-in-pool` (see `ses-byoip status`)';
    return `Putting back the addresses moved so far failed (${errorMessage(error)}): ${next}.`;
  }
}

/**
 * Where the put-back after a failed Create or Update sends each address of
 * the range found in the target pool (undefined: it stays), restoring what
 * the previous properties wanted:
 * - a Create, or an Update that changed the range: the default pool;
 * - an Update of the same range: the previous pool for the addresses it
 *   took (so nothing moves when neither pool nor part changed), the pool of
 *   a sibling that took an address before, else the default pool.
 */
function putBackDestination({ settings, previous }: Change): (ip: string) => string | undefined {
  const range = checkRange(settings.cidr);
  if (!previous || previous.cidr !== settings.cidr || !range.accepted) {
    return () => DEFAULT_POOL;
  }
  const before = new Set(addressesOfBlocks(range.range, previous.addresses));
  const siblingsBefore = siblingClaims(previous, range.range);
  return (ip) => {
    const destination = before.has(ip) ? previous.poolName : siblingsBefore.get(ip) ?? DEFAULT_POOL;
    return destination === settings.poolName ? undefined : destination;
  };
}

/**
 * Moves the addresses of `cidr` (or, with `wholePool`, every address) that
 * sit in `pool` into their destination (`destination`, a pool or a function
 * of the address that gives undefined for an address that stays), then reads
 * again, until none is left there (an address may come back while this
 * runs) or a pass moves nothing (SES no longer finds the ones it lists).
 * NotFound is fine: the address is gone. Returns how many it moved.
 */
async function moveOut(
  { cidr, poolName: pool }: PoolAndRange,
  destination: string | ((ip: string) => string | undefined),
  inv: Invocation,
  check: () => void = () => {},
  wholePool = false,
): Promise<number> {
  const destinationOf = typeof destination === 'string' ? () => destination : destination;
  const verdict = checkRange(cidr);
  if (!verdict.accepted || pool === DEFAULT_POOL) {
    inv.log(`nothing to move out for ${cidr} in pool ${pool}`);
    return 0;
  }
  const range = verdict.range.addresses();
  const what = wholePool ? `pool ${pool} (the stack is going away, so is the pool)` : `${cidr} in pool ${pool}`;
  let moved = 0;
  for (;;) {
    const state = await inv.ses.readAccountState();
    const inPool = (wholePool ? [...state.values()].filter((a) => a.pool === pool).map((a) => a.ip) : addressesIn(range, state, pool))
      .filter((ip) => destinationOf(ip) !== undefined);
    if (inPool.length === 0) {
      inv.log(`${what}: no address is left to move`, statsOf(inv));
      return moved;
    }
    const others = inPool.filter((ip) => !range.includes(ip));
    const targets = [...new Set(inPool.map((ip) => destinationOf(ip)))];
    inv.log(`${what}: ${inPool.length} addresses to move to ${targets.join(', ')}` +
      (others.length > 0 ? `, ${others.length} of them outside ${cidr} (${someOf(others)})` : ''));
    let movedThisPass = 0;
    for (const [index, ip] of inPool.entries()) {
      check();
      if ((await inv.ses.moveToPool(ip, destinationOf(ip)!)) === 'moved') {
        movedThisPass++;
      }
      logProgress(inv, 'moved out', index + 1, inPool.length, pool);
    }
    moved += movedThisPass;
    if (movedThisPass === 0) {
      inv.log(`${what}: SES lists ${someOf(inPool)} but does not find them to move: left as they are`);
      return moved;
    }
  }
}

interface Preflight {
  /** The pool's own addresses: its part of the range (all of it without `addresses`). */
  readonly addresses: string[];
  /** The whole range. */
  readonly range: Ipv4Range;
  readonly state: AccountState;
  readonly assessment: Assessment;
  /** On a Create: the pool's addresses that a sibling pool holds, for the sibling to hand over. */
  readonly waiting: readonly string[];
}

/**
 * The other pools of the stack that take part of the range, now or before
 * this update (a sibling removed in this deploy still holds its addresses
 * until its DELETE): their addresses are not foreign to this pool.
 */
function siblingPools(change: Change): string[] {
  const { settings, previous } = change;
  const names = [...(settings.siblings ?? []), ...(previous?.cidr === settings.cidr ? previous.siblings ?? [] : [])].map((s) => s.poolName);
  return [...new Set(names)].filter((name) => name !== settings.poolName && name !== DEFAULT_POOL);
}

/** For each address that a sibling pool takes (per `settings`), that pool. */
function siblingClaims(settings: PoolAddressesSettings, range: Ipv4Range): Map<string, string> {
  const claims = new Map<string, string>();
  for (const sibling of settings.siblings ?? []) {
    for (const ip of addressesOfBlocks(range, sibling.addresses)) {
      claims.set(ip, sibling.poolName);
    }
  }
  return claims;
}

/** True if the two claims take the same addresses (the blocks may be written differently). */
function sameAddresses(a: PoolAddressesSettings, b: PoolAddressesSettings, range: Ipv4Range): boolean {
  const x = addressesOfBlocks(range, a.addresses);
  const y = addressesOfBlocks(range, b.addresses);
  return x.length === y.length && x.every((ip, i) => ip === y[i]);
}

/**
 * Moves out of the pool the range's addresses that it no longer takes:
 * into the sibling pool that takes them now (per the new properties), else
 * back to the default pool. The sibling, updated before or after this one
 * (or not at all, in a rollback), then finds them in place: each address
 * moves once, and is in one pool at any time.
 * Returns how many moved.
 */
async function releaseLeaving(change: Change, range: Ipv4Range, state: AccountState, inv: Invocation): Promise<number> {
  const { settings } = change;
  if (settings.addresses === undefined) {
    return 0;
  }
  const own = new Set(addressesOfBlocks(range, settings.addresses));
  const siblings = siblingClaims(settings, range);
  const leaving = range.addresses().filter((ip) => !own.has(ip) && state.get(ip)?.pool === settings.poolName);
  if (leaving.length === 0) {
    return 0;
  }
  const destinationOf = (ip: string) => siblings.get(ip) ?? DEFAULT_POOL;
  const destinations = [...new Set(leaving.map(destinationOf))];
  inv.log(`${leaving.length} addresses that pool ${settings.poolName} no longer takes go to ${destinations.join(', ')} (${someOf(leaving)})`);
  const refused = await writeEach(leaving, async (ip) => {
    // Not found: the address is gone, nothing to release.
    await inv.ses.moveToPool(ip, destinationOf(ip));
  }, { done: 'released', writes: `moves out of pool ${settings.poolName}` }, change, inv);
  return leaving.length - refused.size;
}

/**
 * Reads where every address of the range is, and fails (before any write
 * of this invocation) if the range is not all there, or if some of it is
 * in another pool that may not be taken.
 *
 * An Update that keeps the range and the pool (a change of warm-up), and
 * any rollback, does not fail on those: it warns and leaves them alone, so
 * that a range that changed under it never blocks the stack.
 *
 * @param stage 'check' in onEvent, before the operation writes; 'operation'
 *   in isComplete, where a problem that onEvent's check did not see arose
 *   while the deployment ran.
 */
async function preflight(change: Change, inv: Invocation, stage: 'check' | 'operation'): Promise<Preflight> {
  const { settings, previous } = change;
  const verdict = checkRange(settings.cidr);
  if (!verdict.accepted) {
    throw new Error(`${settings.cidr} is not a BYOIP range: ${formatFinding(verdict.finding)}`);
  }
  const { cidr, poolName } = settings;
  const range = verdict.range;
  // On an update that changes pool, the old pool's addresses are ours to
  // move; so are those of the stack's other pools that split the range.
  // A Create does not take them from a sibling, though: that sibling's
  // update gives them up in this deploy and moves them here itself, and if
  // the deploy fails first they are still where CloudFormation's rollback
  // expects them (a created resource is only deleted, never rolled back).
  const siblings = siblingPools(change);
  const takesFromSiblings = change.event.RequestType !== 'Create';
  const ownPools = [
    ...(previous && previous.poolName !== poolName && previous.poolName !== DEFAULT_POOL ? [previous.poolName] : []),
    ...(takesFromSiblings ? siblings : []),
  ];
  const tolerant = change.rollback ||
    (previous !== undefined && previous.cidr === cidr && previous.poolName === poolName && sameAddresses(previous, settings, range));
  const meanwhile = stage === 'operation' && !tolerant;

  // The pool's own part of the range: the checks are about those addresses only.
  const addresses = addressesOfBlocks(range, settings.addresses);
  const state = await inv.ses.readAccountState((n) => inv.log(`read ${n} dedicated IPs of the account so far`));
  const assessed = assess(addresses, state, poolName, ownPools);
  const waiting = takesFromSiblings ? [] : addresses.filter((ip) => siblings.includes(state.get(ip)?.pool ?? ''));
  const assessment: Assessment = waiting.length === 0 ? assessed : {
    ...assessed,
    foreign: new Map([...assessed.foreign].filter(([pool]) => !siblings.includes(pool))),
  };
  if (waiting.length > 0) {
    inv.log(`${waiting.length} of this pool's addresses sit in sibling pools of the stack (${someOf(waiting)}): ` +
      'left there for the sibling\'s update in this deploy, which gives them up and moves them here');
  }

  const { missing, foreign } = assessment;
  const whose = settings.addresses ? `this pool's ${addresses.length} addresses of ${cidr}` : `the ${addresses.length} addresses of ${cidr}`;
  const problems: string[] = [];
  const account = `account ${inv.account} in ${inv.region}`;
  const someoneElse = 'Something else (another app, pipeline or person) is changing this range: make sure only one deployment manages it, then deploy again.';
  if (missing.length > 0) {
    problems.push(meanwhile
      ? `${missing.length} of ${whose} left ${account} while this deployment ran (${someOf(missing)}). ${someoneElse}`
      : `${missing.length} of ${whose} are not dedicated IPs of ${account} (${someOf(missing)}): ` +
        `the BYOIP range has not been provisioned to account ${inv.account} in Region ${inv.region} yet, or it was approved for another Region. ` +
        'Wait for AWS to confirm the range is provisioned (`ses-byoip status` shows it), then deploy again.');
  }
  if (foreign.size > 0 && !settings.adoptAddressesFromOtherPools) {
    const pools = [...foreign.entries()].map(([pool, ips]) => `${pool} (${ips.length}: ${someOf(ips, 3)})`).join('; ');
    const count = [...foreign.values()].reduce((n, ips) => n + ips.length, 0);
    problems.push(meanwhile
      ? `${count} addresses of ${cidr} were moved into other dedicated IP pools while this deployment ran: ${pools}. ${someoneElse}`
      : `${count} addresses of ${cidr} are in other dedicated IP pools: ${pools}. ` +
        `They may be in use by another configuration, so they are not taken into pool ${poolName}. ` +
        `Move them to ${DEFAULT_POOL} first, or set adoptAddressesFromOtherPools: true to take them.`);
  }
  if (problems.length > 0 && !tolerant) {
    throw new Error(problems.join(' '));
  }
  problems.forEach((problem) => warn(change, inv, problem));
  return { addresses, range, state, assessment, waiting };
}

/** The status of the event's stack, or undefined (logged) if it cannot be read. */
async function stackStatusOf(event: ResourceEvent, inv: Invocation): Promise<string | undefined> {
  try {
    const status = await inv.stackStatus(event.StackId);
    inv.log(`the stack is ${status}`);
    return status;
  } catch (error) {
    inv.log(`warning: the stack's status could not be read (${errorMessage(error)}): this ${event.RequestType} is treated as ` +
      (event.RequestType === 'Update' ? 'a forward update, not a rollback' : 'the DELETE of this resource only'));
    return undefined;
  }
}

/** Records a warning about something left as it is: logged now, returned in Data at the end. */
function warn(change: Change, inv: Invocation, warning: string): void {
  if (!change.warnings.includes(warning)) {
    change.warnings.push(warning);
  }
  inv.log(`warning, left as it is: ${warning}`);
}

/** Complete, with the warnings (cut to fit CloudFormation's response) in Data. */
function complete(change: Change, data: Record<string, string>): IsCompleteResponse {
  if (change.warnings.length === 0) {
    return { IsComplete: true, Data: data };
  }
  const text = change.warnings.join(' | ');
  return { IsComplete: true, Data: { ...data, Warnings: text.length > MAX_WARNINGS_LENGTH ? `${text.slice(0, MAX_WARNINGS_LENGTH - 3)}...` : text } };
}

/** A rollback that could not finish: it still succeeds, saying what is left to do. */
function completeWithWarnings(change: Change, inv: Invocation, error: unknown): IsCompleteResponse {
  const { cidr, poolName } = change.settings;
  warn(change, inv, `The rollback stopped: ${errorMessage(error)} It succeeds anyway, so that the stack is not left in UPDATE_ROLLBACK_FAILED: ` +
    `\`ses-byoip status --cidr ${cidr} --pool ${poolName}\` shows what is not back in the pool; move it with \`aws sesv2 put-dedicated-ip-in-pool\`.`);
  return complete(change, {});
}

/** Fails the operation once its deadline (set by onEvent) has passed. */
function checkDeadline(event: ResourceEvent, inv: Invocation): void {
  if (event.ByoipDeadline !== undefined && inv.now() > event.ByoipDeadline) {
    throw new OperationTimedOut(
      `The operation did not finish within ${OPERATION_LIMIT_MS / 60_000} minutes: SES's one request per second is shared with everything else in ` +
        `account ${inv.account} in ${inv.region}. Deploy again when fewer ranges or tools use it at once.`,
    );
  }
}

function logProgress(inv: Invocation, verb: string, done: number, total: number, pool: string): void {
  if (done % PROGRESS_EVERY === 0 || done === total) {
    const { throttled, retried } = inv.ses.pacer.stats;
    inv.log(`${verb} ${done}/${total} addresses (pool ${pool}; throttled ${throttled} times, ${retried} retries)`);
  }
}

function statsOf(inv: Invocation): Record<string, unknown> {
  return { calls: { ...inv.ses.counts }, pacing: inv.ses.pacer.stats };
}

function withoutResponseUrl(event: ResourceEvent): ResourceEvent {
  return { ...event, ResponseURL: event.ResponseURL === undefined ? undefined : '(redacted)' };
}

/** CloudFormation's whole response must stay under 4,096 bytes. */
const MAX_REASON_LENGTH = 1_500;

/**
 * Logs a failure and returns the error CloudFormation will show: the message
 * (plus a note), cut to fit, without a stack trace (the Provider framework
 * puts the stack into the reason).
 */
function fail(inv: Invocation, error: unknown, note?: string): Error {
  const message = [errorMessage(error), note].filter(Boolean).join(' ');
  inv.log(`failed: ${message}`, { stack: error instanceof Error ? error.stack : undefined });
  const cut = message.length > MAX_REASON_LENGTH ? `${message.slice(0, MAX_REASON_LENGTH - 3)}...` : message;
  const result = new Error(cut);
  result.stack = `Error: ${cut}`;
  return result;
}
