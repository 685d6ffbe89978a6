/**
 * What the custom resource does on each CloudFormation request, for the
 * Provider framework's onEvent and isComplete handlers.
 *
 * - onEvent checks (reads only) and fails fast; it never writes.
 * - isComplete does the writes within the invocation's time budget and
 *   returns "not complete" when the budget ends; the next call resumes from
 *   the state read from SES. No state is kept anywhere else.
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
}

export interface OnEventResponse {
  readonly PhysicalResourceId: string;
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
}

/** The warm-up percentage of an address that needs no warm-up. */
const WARM = 100;
/** How often to log progress, in writes. */
const PROGRESS_EVERY = 32;

/** onEvent: checks the request and the account's state; never writes. */
export async function onEvent(event: ResourceEvent, inv: Invocation): Promise<OnEventResponse> {
  inv.log(`${event.RequestType} ${event.LogicalResourceId}`, { event: withoutResponseUrl(event) });
  if (event.RequestType === 'Delete') {
    return { PhysicalResourceId: event.PhysicalResourceId ?? event.RequestId };
  }
  try {
    const settings = parseProperties(event.ResourceProperties);
    await preflight(settings, ownPoolsOf(event, settings), inv);
    return { PhysicalResourceId: physicalIdOf(settings) };
  } catch (error) {
    throw fail(inv, error);
  }
}

/** isComplete: does the work, as far as the time budget allows. */
export async function isComplete(event: ResourceEvent, inv: Invocation): Promise<IsCompleteResponse> {
  try {
    return event.RequestType === 'Delete' ? await release(event, inv) : await fill(event, inv);
  } catch (error) {
    if (error instanceof OutOfTime) {
      inv.log('time budget used up: not complete yet, the next check resumes', statsOf(inv));
      return { IsComplete: false };
    }
    const note = event.RequestType === 'Create' ? await putBack(event, inv) : undefined;
    throw fail(inv, error, note);
  }
}

/** Create or Update: moves the range into the pool, then sets warm-up. */
async function fill(event: ResourceEvent, inv: Invocation): Promise<IsCompleteResponse> {
  const settings = parseProperties(event.ResourceProperties);
  const { addresses, state, assessment } = await preflight(settings, ownPoolsOf(event, settings), inv);
  const toMove = settings.adoptAddressesFromOtherPools
    ? [...assessment.toMove, ...foreignAddresses(assessment, addresses)]
    : [...assessment.toMove];

  inv.log(`${settings.cidr}: ${assessment.inPlace.length} of ${addresses.length} addresses already in pool ${settings.poolName}, ${toMove.length} to move`);
  for (const [index, ip] of toMove.entries()) {
    if ((await inv.ses.moveToPool(ip, settings.poolName)) === 'not-found') {
      throw new Error(`Address ${ip} of ${settings.cidr} disappeared from account ${inv.account} in ${inv.region} while it was being moved into pool ${settings.poolName}.`);
    }
    logProgress(inv, 'moved', index + 1, toMove.length, settings.poolName);
  }

  if (settings.warmup === WarmupMode.ALREADY_WARM) {
    const cold = warmupToWrite(addresses, state, WARM);
    for (const [index, ip] of cold.entries()) {
      await inv.ses.setWarmup(ip, WARM);
      logProgress(inv, 'set warm-up 100 on', index + 1, cold.length, settings.poolName);
    }
  }

  inv.log(`${settings.cidr}: all ${addresses.length} addresses are in pool ${settings.poolName}`, statsOf(inv));
  return { IsComplete: true, Data: { AddressesInPool: String(addresses.length) } };
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
  const verdict = checkRange(settings.cidr);
  if (!verdict.accepted || settings.poolName === DEFAULT_POOL) {
    inv.log(`nothing to release for ${settings.cidr} in pool ${settings.poolName}`);
    return { IsComplete: true };
  }
  const addresses = verdict.range.addresses();
  const state = await inv.ses.readAccountState();
  const mine = addressesIn(addresses, state, settings.poolName);
  inv.log(`${settings.cidr}: ${mine.length} addresses to move from pool ${settings.poolName} back to ${DEFAULT_POOL}`);
  for (const [index, ip] of mine.entries()) {
    await inv.ses.moveToPool(ip, DEFAULT_POOL); // NotFound: the address is gone, which is fine
    logProgress(inv, 'released', index + 1, mine.length, settings.poolName);
  }
  inv.log(`${settings.cidr}: no address of the range is left in pool ${settings.poolName}`, statsOf(inv));
  return { IsComplete: true };
}

/**
 * After a failed Create: moves back to the default pool whatever the create
 * put into its new pool, since the Provider framework may skip the handler
 * on the DELETE that follows. Returns a sentence for the failure reason.
 */
async function putBack(event: ResourceEvent, inv: Invocation): Promise<string> {
  try {
    const settings = parseProperties(event.ResourceProperties);
    const verdict = checkRange(settings.cidr);
    if (!verdict.accepted) {
      return 'Nothing was moved.';
    }
    const addresses = verdict.range.addresses();
    const moved = addressesIn(addresses, await inv.ses.readAccountState(), settings.poolName);
    for (const ip of moved) {
      await inv.ses.moveToPool(ip, DEFAULT_POOL);
    }
    inv.log(`rolled back: moved ${moved.length} addresses back to ${DEFAULT_POOL}`);
    return moved.length === 0
      ? 'Nothing was moved.'
      : `The ${moved.length} addresses moved so far were put back into ${DEFAULT_POOL}.`;
  } catch (error) {
    inv.log(`rollback incomplete: ${errorMessage(error)}`);
    return `Putting back the addresses moved so far failed (${errorMessage(error)}): the DELETE that follows moves them back.`;
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
 */
async function preflight(settings: PoolAddressesSettings, ownPools: string[], inv: Invocation): Promise<Preflight> {
  const verdict = checkRange(settings.cidr);
  if (!verdict.accepted) {
    throw new Error(`${settings.cidr} is not a BYOIP range: ${formatFinding(verdict.finding)}`);
  }
  const { cidr, poolName } = settings;
  const addresses = verdict.range.addresses();
  const state = await inv.ses.readAccountState((n) => inv.log(`read ${n} dedicated IPs of the account so far`));
  const assessment = assess(addresses, state, poolName, ownPools);

  const { missing, foreign } = assessment;
  if (missing.length > 0) {
    throw new Error(
      `${missing.length} of the ${addresses.length} addresses of ${cidr} are not dedicated IPs of account ${inv.account} in ${inv.region} (${someOf(missing)}): ` +
        `the BYOIP range has not been provisioned to account ${inv.account} in Region ${inv.region} yet, or it was approved for another Region. ` +
        'Wait for AWS to confirm the range is provisioned (aws sesv2 get-dedicated-ips lists it), then deploy again. Nothing was moved.',
    );
  }
  if (foreign.size > 0 && !settings.adoptAddressesFromOtherPools) {
    const pools = [...foreign.entries()].map(([pool, ips]) => `${pool} (${ips.length}: ${someOf(ips, 3)})`);
    const count = [...foreign.values()].reduce((n, ips) => n + ips.length, 0);
    throw new Error(
      `${count} addresses of ${cidr} are in other dedicated IP pools: ${pools.join('; ')}. ` +
        `They may be in use by another configuration, so they are not taken into pool ${poolName}. ` +
        `Move them to ${DEFAULT_POOL} first, or set adoptAddressesFromOtherPools: true to take them. Nothing was moved.`,
    );
  }
  return { addresses, state, assessment };
}

/** On an update that changes pool, the old pool's addresses are ours to move. */
function ownPoolsOf(event: ResourceEvent, settings: PoolAddressesSettings): string[] {
  if (event.RequestType !== 'Update') {
    return [];
  }
  const oldPool = event.OldResourceProperties?.PoolName;
  return typeof oldPool === 'string' && oldPool !== settings.poolName && oldPool !== DEFAULT_POOL ? [oldPool] : [];
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
