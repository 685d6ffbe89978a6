/**
 * What the custom resource does on each CloudFormation request, for the
 * Provider framework's onEvent and isComplete handlers.
 *
 * - onEvent checks (reads only) and fails fast; it never writes. It also
 *   sets the deadline of the whole operation, which the framework passes on
 *   to every isComplete call with the rest of onEvent's answer.
 * - isComplete does the writes within the invocation's time budget and
 *   returns "not complete" when the budget ends; the next call resumes from
 *   the state read from SES. No progress is kept anywhere else.
 * - A Create or an Update that fails puts back what it moved, so that
 *   nothing is left half-done whatever CloudFormation does next.
 */
import { OutOfTime } from './pacer';
import { addressesIn, assess, Assessment, foreignAddresses, someOf, warmupToWrite } from './plan';
import { DEFAULT_POOL, parseProperties, physicalIdOf, PoolAddressesSettings } from './resource-properties';
import { AccountState, errorMessage, SesGateway } from './ses-client';
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
}

export interface OnEventResponse {
  readonly PhysicalResourceId: string;
  /** When the whole operation must give up (ms since the epoch); passed on to isComplete. */
  readonly ByoipDeadline: number;
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

/** Thrown when the whole operation ran out of its OPERATION_LIMIT_MS. */
class OperationTimedOut extends Error {}

/** onEvent: checks the request and the account's state; never writes. */
export async function onEvent(event: ResourceEvent, inv: Invocation): Promise<OnEventResponse> {
  inv.log(`${event.RequestType} ${event.LogicalResourceId}`, { event: withoutResponseUrl(event) });
  const deadline = inv.now() + OPERATION_LIMIT_MS;
  if (event.RequestType === 'Delete') {
    return { PhysicalResourceId: event.PhysicalResourceId ?? event.RequestId, ByoipDeadline: deadline };
  }
  try {
    const settings = parseProperties(event.ResourceProperties);
    await preflight(event, settings, inv);
    return { PhysicalResourceId: physicalIdOf(settings), ByoipDeadline: deadline };
  } catch (error) {
    if (error instanceof OutOfTime) {
      throw fail(inv, new Error(
        `Reading the dedicated IPs of account ${inv.account} in ${inv.region} did not finish in time: SES throttled the calls too much. Nothing was moved; deploy again.`,
      ));
    }
    throw fail(inv, error);
  }
}

/** isComplete: does the work, as far as the time budget allows. */
export async function isComplete(event: ResourceEvent, inv: Invocation): Promise<IsCompleteResponse> {
  try {
    checkDeadline(event, inv);
    return event.RequestType === 'Delete' ? await release(event, inv) : await fill(event, inv);
  } catch (error) {
    if (error instanceof OutOfTime) {
      inv.log('time budget used up: not complete yet, the next check resumes', statsOf(inv));
      return { IsComplete: false };
    }
    throw fail(inv, error, event.RequestType === 'Delete' ? undefined : await putBack(event, inv));
  }
}

/** Create or Update: moves the range into the pool, then sets warm-up. */
async function fill(event: ResourceEvent, inv: Invocation): Promise<IsCompleteResponse> {
  const settings = parseProperties(event.ResourceProperties);
  const { addresses, state, assessment } = await preflight(event, settings, inv);
  const toMove = settings.adoptAddressesFromOtherPools
    ? [...assessment.toMove, ...foreignAddresses(assessment, addresses)]
    : [...assessment.toMove];

  inv.log(`${settings.cidr}: ${assessment.inPlace.length} of ${addresses.length} addresses already in pool ${settings.poolName}, ${toMove.length} to move`);
  for (const [index, ip] of toMove.entries()) {
    checkDeadline(event, inv);
    if ((await inv.ses.moveToPool(ip, settings.poolName)) === 'not-found') {
      throw new Error(`SES no longer finds address ${ip} of ${settings.cidr}, or pool ${settings.poolName}, in account ${inv.account} in ${inv.region}.`);
    }
    logProgress(inv, 'moved', index + 1, toMove.length, settings.poolName);
  }

  if (settings.warmup === WarmupMode.ALREADY_WARM) {
    const cold = warmupToWrite(addresses, state, WARM);
    for (const [index, ip] of cold.entries()) {
      checkDeadline(event, inv);
      await inv.ses.setWarmup(ip, WARM);
      logProgress(inv, 'set warm-up 100 on', index + 1, cold.length, settings.poolName);
    }
  }

  const placed = assessment.inPlace.length + toMove.length;
  inv.log(`${settings.cidr}: ${placed} of ${addresses.length} addresses are in pool ${settings.poolName}`, statsOf(inv));
  return { IsComplete: true, Data: { AddressesInPool: String(placed) } };
}

/**
 * Delete: moves back to the default pool the range's addresses that are
 * still in this pool. Addresses already gone or elsewhere are left alone,
 * so the DELETE of an old resource never undoes what an update did.
 */
async function release(event: ResourceEvent, inv: Invocation): Promise<IsCompleteResponse> {
  let settings: PoolAddressesSettings;
  try {
    settings = parseProperties(event.ResourceProperties);
  } catch (error) {
    inv.log(`nothing to release: ${errorMessage(error)}`);
    return { IsComplete: true };
  }
  await moveOut(settings.cidr, settings.poolName, DEFAULT_POOL, inv, () => checkDeadline(event, inv));
  return { IsComplete: true };
}

/**
 * After a failed Create or Update, puts back what it moved into the target
 * pool, since the Provider framework may skip the handler on the DELETE that
 * follows a failed Create, and no DELETE follows a failed Update:
 * - a Create, or an Update that changed the range: back to the default pool;
 * - an Update that only renamed the pool: back to the old pool;
 * - an Update that changed neither: nothing (the addresses belong there).
 * Returns a sentence for the failure reason.
 */
async function putBack(event: ResourceEvent, inv: Invocation): Promise<string> {
  try {
    const settings = parseProperties(event.ResourceProperties);
    const old = event.RequestType === 'Update' ? tryParse(event.OldResourceProperties) : undefined;
    if (old && old.cidr === settings.cidr && old.poolName === settings.poolName) {
      return 'The range stays in its pool.';
    }
    const destination = old && old.cidr === settings.cidr ? old.poolName : DEFAULT_POOL;
    const moved = await moveOut(settings.cidr, settings.poolName, destination, inv);
    return moved === 0 ? 'Nothing was moved.' : `The ${moved} addresses moved so far were put back into ${destination}.`;
  } catch (error) {
    inv.log(`putting back failed: ${errorMessage(error)}`);
    const next = event.RequestType === 'Create'
      ? 'the DELETE that follows moves them back'
      : 'move them back with `aws sesv2 put-dedicated-ip-in-pool` (see `ses-byoip status`)';
    return `Putting back the addresses moved so far failed (${errorMessage(error)}): ${next}.`;
  }
}

/**
 * Moves the addresses of `cidr` that sit in `pool` into `destination`, then
 * reads again, until none is left there (an address may come back while this
 * runs) or a pass moves nothing (SES no longer finds the ones it lists).
 * NotFound is fine: the address is gone. Returns how many it moved.
 */
async function moveOut(cidr: string, pool: string, destination: string, inv: Invocation, check: () => void = () => {}): Promise<number> {
  const verdict = checkRange(cidr);
  if (!verdict.accepted || pool === DEFAULT_POOL) {
    inv.log(`nothing to move out for ${cidr} in pool ${pool}`);
    return 0;
  }
  const addresses = verdict.range.addresses();
  let moved = 0;
  for (;;) {
    const mine = addressesIn(addresses, await inv.ses.readAccountState(), pool);
    if (mine.length === 0) {
      inv.log(`${cidr}: no address of the range is left in pool ${pool}`, statsOf(inv));
      return moved;
    }
    inv.log(`${cidr}: ${mine.length} addresses to move from pool ${pool} to ${destination}`);
    let movedThisPass = 0;
    for (const [index, ip] of mine.entries()) {
      check();
      if ((await inv.ses.moveToPool(ip, destination)) === 'moved') {
        movedThisPass++;
      }
      logProgress(inv, 'moved out', index + 1, mine.length, pool);
    }
    moved += movedThisPass;
    if (movedThisPass === 0) {
      inv.log(`${cidr}: SES lists ${someOf(mine)} in pool ${pool} but does not find them to move: left as they are`);
      return moved;
    }
  }
}

interface Preflight {
  readonly addresses: string[];
  readonly state: AccountState;
  readonly assessment: Assessment;
}

/**
 * Reads where every address of the range is, and fails (before any write)
 * if the range is not all there, or if some of it is in another pool that
 * may not be taken.
 *
 * An Update that keeps the range and the pool (a change of warm-up, or the
 * rollback of one) does not fail on those: it warns and leaves them alone,
 * so that a range that changed under it never blocks the stack.
 */
async function preflight(event: ResourceEvent, settings: PoolAddressesSettings, inv: Invocation): Promise<Preflight> {
  const verdict = checkRange(settings.cidr);
  if (!verdict.accepted) {
    throw new Error(`${settings.cidr} is not a BYOIP range: ${formatFinding(verdict.finding)}`);
  }
  const { cidr, poolName } = settings;
  const old = event.RequestType === 'Update' ? tryParse(event.OldResourceProperties) : undefined;
  // On an update that changes pool, the old pool's addresses are ours to move.
  const ownPools = old && old.poolName !== poolName && old.poolName !== DEFAULT_POOL ? [old.poolName] : [];
  const tolerant = old !== undefined && old.cidr === cidr && old.poolName === poolName;

  const addresses = verdict.range.addresses();
  const state = await inv.ses.readAccountState((n) => inv.log(`read ${n} dedicated IPs of the account so far`));
  const assessment = assess(addresses, state, poolName, ownPools);

  const { missing, foreign } = assessment;
  const problems: string[] = [];
  if (missing.length > 0) {
    problems.push(
      `${missing.length} of the ${addresses.length} addresses of ${cidr} are not dedicated IPs of account ${inv.account} in ${inv.region} (${someOf(missing)}): ` +
        `the BYOIP range has not been provisioned to account ${inv.account} in Region ${inv.region} yet, or it was approved for another Region. ` +
        'Wait for AWS to confirm the range is provisioned (`ses-byoip status` shows it), then deploy again.',
    );
  }
  if (foreign.size > 0 && !settings.adoptAddressesFromOtherPools) {
    const pools = [...foreign.entries()].map(([pool, ips]) => `${pool} (${ips.length}: ${someOf(ips, 3)})`);
    const count = [...foreign.values()].reduce((n, ips) => n + ips.length, 0);
    problems.push(
      `${count} addresses of ${cidr} are in other dedicated IP pools: ${pools.join('; ')}. ` +
        `They may be in use by another configuration, so they are not taken into pool ${poolName}. ` +
        `Move them to ${DEFAULT_POOL} first, or set adoptAddressesFromOtherPools: true to take them.`,
    );
  }
  if (problems.length > 0 && !tolerant) {
    throw new Error(`${problems.join(' ')} Nothing was moved.`);
  }
  problems.forEach((problem) => inv.log(`warning, left as it is: ${problem}`));
  return { addresses, state, assessment };
}

/** The properties, or undefined if they cannot be parsed. */
function tryParse(raw: Record<string, unknown> | undefined): PoolAddressesSettings | undefined {
  try {
    return raw ? parseProperties(raw) : undefined;
  } catch {
    return undefined;
  }
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
