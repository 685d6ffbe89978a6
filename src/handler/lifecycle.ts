/**
 * What the custom resource does on each CloudFormation request, for the
 * Provider framework's onEvent and isComplete handlers: the orchestration.
 * What to move is the planner's (planner.ts), the SES calls are the
 * executor's (executor.ts); this file classifies the request, runs the two
 * in the right order, and turns the outcome into CloudFormation's answer.
 *
 * - onEvent checks (reads only) and fails fast; it never writes. It also
 *   sets what the whole operation shares (its start and deadline, the
 *   stack's status and the phase), which the framework passes on to every
 *   isComplete call with the rest of onEvent's answer.
 * - isComplete does the writes within the invocation's time budget and
 *   returns "not complete" when the budget ends; the next call resumes from
 *   the state read from SES. What else it must remember (where adopted
 *   addresses came from, which properties were applied) is kept on the pool,
 *   in its tags (pool-memory.ts).
 * - A Create or an Update reports success only once a read-back shows its
 *   addresses in the pool; one that fails puts back what it moved, adopted
 *   addresses into the pools they came from, so that nothing is left
 *   half-done whatever CloudFormation does next.
 * - CloudFormation's rollback of an update never fails, whether or not the
 *   stack's status can be read: it restores what it can, releases the range
 *   of the update it undoes, and warns about the rest.
 */
import { Executor, Logger } from './executor';
import { OutOfTime } from './pacer';
import {
  classifyDelete,
  classifyUpdate,
  FillPlan,
  FillRequest,
  planFill,
  planPutBack,
  planRelease,
  planUndone,
  sameAddresses,
  siblingPools,
  someOf,
  WARM,
  warmupToWrite,
} from './planner';
import {
  Adoptions,
  adoptionTagKeys,
  adoptionTags,
  appliedTags,
  fingerprint,
  operationId,
  readAdoption,
  readApplied,
} from './pool-memory';
import {
  DEFAULT_POOL,
  parsePhysicalId,
  parseProperties,
  physicalIdOf,
  PoolAddressesSettings,
} from './resource-properties';
import { AccountState, errorMessage, SesCallError, SesGateway } from './ses-client';
import { formatFinding } from '../rules/finding';
import { checkRange } from '../rules/range-rules';

export type { Logger } from './executor';

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
  /** Set by onEvent for an Update: forward, rollback or unknown (see planner.ts's Phase). */
  readonly ByoipPhase?: UpdatePhase;
}

export interface OnEventResponse {
  readonly PhysicalResourceId: string;
  readonly ByoipDeadline: number;
  readonly ByoipStartedAt: number;
  readonly ByoipStackStatus?: string;
  readonly ByoipPhase?: UpdatePhase;
}

export interface IsCompleteResponse {
  readonly IsComplete: boolean;
  readonly Data?: Record<string, string>;
}

/** What one invocation works with. */
export interface Invocation {
  readonly ses: SesGateway;
  /** Reads the status of the stack `stackId` (CloudFormation DescribeStacks); throws if it cannot. */
  readonly stackStatus: (stackId: string) => Promise<string>;
  readonly log: Logger;
  /** The partition, account and Region the stack deploys to, for ARNs and messages. */
  readonly partition?: string;
  readonly account: string;
  readonly region: string;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
}

type UpdatePhase = 'forward' | 'rollback' | 'unknown';

/**
 * How long the whole operation may take. CloudFormation gives a custom
 * resource one hour; this leaves time to put back what was moved and answer.
 */
export const OPERATION_LIMIT_MS = 45 * 60 * 1000;
/** The warnings returned in Data stay well within CloudFormation's 4,096-byte response. */
const MAX_WARNINGS_LENGTH = 2_000;

/** Thrown when the whole operation ran out of its OPERATION_LIMIT_MS. */
class OperationTimedOut extends Error {}

/** A Create or an Update, as the lifecycle understands it. */
interface Change {
  readonly event: ResourceEvent;
  readonly settings: PoolAddressesSettings;
  /** An Update's previous properties, if they could be read. */
  readonly previous?: PoolAddressesSettings;
  /** Why an Update's previous properties could not be read. */
  readonly previousUnreadable?: string;
  readonly phase: UpdatePhase;
  /** Where the addresses adopted by this operation (forward) or the one undone (rollback) came from. */
  adopted?: Adoptions;
  /** Warnings about what was left as it is, for the log and Data. */
  readonly warnings: string[];
}

/** A rollback, or an update that may be one: it never fails. */
const neverFails = (change: Change) => change.phase !== 'forward';

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
  const phase = await phaseOf({ ...event, ByoipStackStatus: status }, inv);
  const withPhase = event.RequestType === 'Update' ? { ...shared, ByoipPhase: phase } : shared;
  if (phase !== 'forward') {
    inv.log(phase === 'rollback'
      ? `this Update is CloudFormation's rollback of a failed update${status ? ` (the stack is ${status})` : ''}: it restores what it can and does not fail`
      : 'this Update may be CloudFormation\'s rollback of a failed update (the stack\'s status could not be read, and the pool does not tell): ' +
        'it moves as a forward update, but does not fail');
  }
  let settings: PoolAddressesSettings;
  try {
    settings = parseProperties(event.ResourceProperties);
  } catch (error) {
    if (phase !== 'forward') {
      // isComplete warns and moves nothing: where the addresses belong is not known.
      return { PhysicalResourceId: unchanged, ...withPhase };
    }
    throw fail(inv, error, 'Nothing was moved.');
  }
  const change = understand({ ...event, ...withPhase }, settings, phase);
  try {
    assertRange(settings);
    check(change, planFill(fillRequest(change), await executorFor(change, inv).readAccount()), inv, 'check');
  } catch (error) {
    if (phase !== 'forward') {
      // isComplete does the work and never fails a rollback: let it.
      inv.log(`${phase === 'rollback' ? 'rollback' : 'possible rollback'}: the checks could not be completed (${errorMessage(error)}); restoring what can be restored`);
    } else if (error instanceof OutOfTime) {
      throw fail(inv, new Error(
        `Reading the dedicated IPs of account ${inv.account} in ${inv.region} did not finish in time: SES throttled the calls too much.`,
      ), 'Nothing was moved; deploy again.');
    } else {
      throw fail(inv, error, 'Nothing was moved.');
    }
  }
  return { PhysicalResourceId: physicalIdOf(settings), ...withPhase };
}

/**
 * The phase of a Create or an Update (planner.ts's classifyUpdate). Without
 * the stack's status, the pool's memory of the properties applied to it is
 * read, if the physical ID does not already tell a rollback.
 */
async function phaseOf(event: ResourceEvent, inv: Invocation): Promise<UpdatePhase> {
  if (event.RequestType !== 'Update') {
    return 'forward';
  }
  const settings = tryParse(event.ResourceProperties);
  const previous = tryParse(event.OldResourceProperties);
  const facts = { stackStatus: event.ByoipStackStatus, physicalId: event.PhysicalResourceId, settings, previous };
  const phase = classifyUpdate(facts);
  if (phase !== 'unknown' || !settings || !previous) {
    return phase;
  }
  // The pool of the previous properties: the one a forward update (or a rename's rollback) finds them applied to.
  const tags = await new Executor(executorOptions(inv, () => {}, false, () => {})).readMemory(previous.poolName);
  const applied = tags && readApplied(tags);
  const told = classifyUpdate({ ...facts, applied, fingerprints: { settings: fingerprint(settings), previous: fingerprint(previous) } });
  inv.log(applied
    ? `the pool remembers the properties applied to it: this Update is taken as ${told === 'unknown' ? 'possibly a rollback' : `a ${told} update`}`
    : `pool ${previous.poolName} does not say which properties were applied to it: this Update may be a rollback`);
  return told;
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
  // The status read now, if it could be, is the surest; else what onEvent classified.
  const phase: UpdatePhase = event.RequestType === 'Create' ? 'forward'
    : event.ByoipStackStatus !== undefined ? classifyUpdate({ stackStatus: event.ByoipStackStatus })
      : event.ByoipPhase ?? classifyUpdate({ physicalId: event.PhysicalResourceId, previous: tryParse(event.OldResourceProperties) });
  let change: Change;
  try {
    change = understand(event, parseProperties(event.ResourceProperties), phase);
  } catch (error) {
    if (phase !== 'forward') {
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
    if (neverFails(change)) {
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
  inv.log('time budget used up: not complete yet, the next check resumes', { calls: { ...inv.ses.counts }, pacing: inv.ses.pacer.stats });
  return { IsComplete: false };
}

/** The Change a Create or an Update asks for (the previous properties of an Update may be unreadable). */
function understand(event: ResourceEvent, settings: PoolAddressesSettings, phase: UpdatePhase): Change {
  let previous: PoolAddressesSettings | undefined;
  let previousUnreadable: string | undefined;
  if (event.RequestType === 'Update') {
    try {
      previous = parseProperties(event.OldResourceProperties);
    } catch (error) {
      previousUnreadable = errorMessage(error);
    }
  }
  return { event, settings, previous, previousUnreadable, phase, warnings: [] };
}

/** Throws, saying why, if the properties' range is not a BYOIP range: nothing can be planned for it. */
function assertRange(settings: PoolAddressesSettings): void {
  const verdict = checkRange(settings.cidr);
  if (!verdict.accepted) {
    throw new Error(`${settings.cidr} is not a BYOIP range: ${formatFinding(verdict.finding)}`);
  }
}

/** The properties, or undefined if they cannot be parsed. */
function tryParse(raw: Record<string, unknown> | undefined): PoolAddressesSettings | undefined {
  try {
    return parseProperties(raw);
  } catch {
    return undefined;
  }
}

/** What the planner needs of a Change. */
function fillRequest(change: Change): FillRequest {
  return {
    kind: change.event.RequestType === 'Create' ? 'Create' : 'Update',
    phase: change.phase,
    settings: change.settings,
    previous: change.previous,
    adopted: change.adopted,
  };
}

/**
 * Create or Update: plans against the account's state, makes the moves
 * (into the pool, then out of it), reads back where the addresses are,
 * releases the range of a failed update that a rollback undoes, sets
 * warm-up, and remembers on the pool which properties it applied.
 */
async function fill(change: Change, inv: Invocation): Promise<IsCompleteResponse> {
  const { settings, previous } = change;
  const { poolName: pool, cidr } = settings;
  assertRange(settings);
  const exec = executorFor(change, inv);
  const state = await exec.readAccount();
  const memory = await recallAdoption(change, exec);
  const plan = planFill(fillRequest(change), state);
  check(change, plan, inv, 'operation');
  await recordAdoption(change, plan, memory, exec, inv);

  const into = plan.moves.filter((m) => m.to === pool);
  const out = plan.moves.filter((m) => m.to !== pool);
  inv.log(`${cidr}${settings.addresses ? ` (this pool's part: ${settings.addresses.join(', ')})` : ''}: ` +
    `${plan.inPlace.length} of ${plan.addresses.length} addresses already in pool ${pool}, ${into.length} to move`);
  const left = await exec.applyMoves(into, { done: 'moved', writes: `moves into pool ${pool}`, pool, range: cidr });
  let released = 0;
  if (out.length > 0) {
    const destinations = [...new Set(out.map((m) => m.to))];
    inv.log(`${out.length} addresses that pool ${pool} no longer takes go to ${destinations.join(', ')} (${someOf(out.map((m) => m.address))})`);
    const refused = await exec.applyMoves(out, { done: 'released', writes: `moves out of pool ${pool}`, pool, range: cidr });
    released = out.length - refused.size;
  }

  // What SES says after the writes is the truth: another deployer may have
  // moved the same addresses meanwhile. (Without writes, the first read is as fresh.)
  const final = into.length > 0 || released > 0 ? await exec.readPool(pool) : state;
  // (What a sibling holds for this pool, it hands over in its own update.)
  const astray = plan.expected.filter((ip) => !left.has(ip) && final.get(ip)?.pool !== pool);
  if (astray.length > 0) {
    const problem = await describeAstray(astray, plan.addresses.length, settings, exec, inv);
    if (!neverFails(change)) {
      throw new Error(problem);
    }
    warn(change, inv, problem);
  }

  if (change.phase !== 'forward' && previous && previous.cidr !== cidr) {
    await releaseUndone(change, exec, inv);
  }

  const cold = warmupToWrite(settings, plan.addresses, final);
  if (cold.length > 0) {
    await exec.setWarmup(cold, WARM, { done: `set warm-up ${WARM} on`, writes: 'warm-up writes', pool });
  }

  // Which properties this pool has now, and had before: a later update can
  // then be told from a rollback without the stack's status. (After a
  // rollback, the undone properties were never applied: none before.)
  try {
    await exec.remember(pool, appliedTags(settings, change.phase === 'rollback' ? undefined : previous));
  } catch (error) {
    if (!(error instanceof SesCallError)) {
      throw error;
    }
    inv.log(`the properties applied could not be recorded on pool ${pool} (${errorMessage(error)}): a later rollback without the stack's status is told less surely`);
  }

  const placed = plan.addresses.filter((ip) => final.get(ip)?.pool === pool).length;
  inv.log(`${cidr}: ${placed} of ${plan.addresses.length} addresses are in pool ${pool}`, exec.stats());
  return complete(change, { AddressesInPool: String(placed) });
}

/**
 * Where adopted addresses came from, as recorded on the pools:
 * - forward: what this operation adopted in earlier invocations (a failure
 *   puts them back); read only when the properties allow adopting;
 * - rollback or unknown: what the update being undone adopted into this
 *   pool, if the record is of the very change this update reverses;
 * - rollback: also what the pools of the range that the update being undone
 *   added adopted in it: this pool's rollback may not take those from them,
 *   since such a sibling gets no request but its DELETE, after this rollback.
 * Returns the pool's tags (forward), for recordAdoption.
 */
async function recallAdoption(change: Change, exec: Executor): Promise<Readonly<Record<string, string>> | undefined> {
  const { settings, previous, phase, event } = change;
  if (phase === 'forward') {
    if (!settings.adoptAddressesFromOtherPools) {
      return undefined;
    }
    const tags = await exec.readMemory(settings.poolName) ?? {};
    const record = readAdoption(tags);
    if (record?.operation === operationId(event.RequestId)) {
      change.adopted = record.sources;
    }
    return tags;
  }
  const sources = new Map<string, string>();
  if (previous?.adoptAddressesFromOtherPools) {
    const record = readAdoption(await exec.readMemory(previous.poolName) ?? {});
    if (record && record.to === fingerprint(previous) && record.from === fingerprint(settings)) {
      record.sources.forEach((pool, ip) => sources.set(ip, pool));
    }
  }
  if (phase === 'rollback') {
    // Only the siblings that the undone update added (or renamed): their pools, and so their records, are its own.
    // A sibling that was there before may hold a record of an earlier deploy, whose addresses are its own now.
    const before = new Set(siblingPools(settings));
    for (const sibling of siblingPools(settings, previous).filter((pool) => !before.has(pool))) {
      const tags = await exec.readMemory(sibling) ?? {};
      const record = readAdoption(tags);
      if (record && record.to === readApplied(tags)?.now) {
        record.sources.forEach((pool, ip) => sources.set(ip, pool));
      }
    }
  }
  if (sources.size > 0) {
    change.adopted = sources;
  }
  return undefined;
}

/**
 * Before a forward operation adopts an address from another pool, it
 * records where the address comes from on the pool (with what it recorded
 * in earlier invocations). A record left by an earlier operation that this
 * one does not adopt is removed: it would send addresses away that this
 * one found in the pool. An operation whose record cannot be written
 * adopts nothing: it fails before it moves.
 */
async function recordAdoption(
  change: Change,
  plan: FillPlan,
  tags: Readonly<Record<string, string>> | undefined,
  exec: Executor,
  inv: Invocation,
): Promise<void> {
  if (tags === undefined) {
    return;
  }
  const { settings, previous, event } = change;
  const adoptions = plan.moves.filter((m) => m.reason === 'adopt');
  const known = change.adopted ?? new Map<string, string>();
  const sources = new Map([...known, ...adoptions.map((m): [string, string] => [m.address, m.from])]);
  const keys = adoptionTagKeys(tags);
  if (sources.size === known.size && (sources.size > 0 || keys.length === 0)) {
    return; // recorded already, or nothing to record nor to remove
  }
  const record = sources.size === 0 ? {} : adoptionTags({
    operation: operationId(event.RequestId),
    from: previous && fingerprint(previous),
    to: fingerprint(settings),
    range: settings.cidr,
    sources,
  });
  try {
    await exec.remember(settings.poolName, record, keys);
  } catch (error) {
    if (!(error instanceof SesCallError) || sources.size === 0) {
      if (sources.size === 0) {
        inv.log(`a stale record of adopted addresses could not be removed from pool ${settings.poolName} (${errorMessage(error)})`);
        return;
      }
      throw error;
    }
    throw new Error(`Where the ${adoptions.length} addresses to adopt come from (${someOf(adoptions.map((m) => `${m.address} in ${m.from}`), 3)}) ` +
      `could not be recorded on pool ${settings.poolName} (${errorMessage(error)}), so none was taken: a failure or a rollback could not put them back. ` +
      `Check that the handler's role may tag the pool (ses:TagResource) and that the pool has room for ${Object.keys(record).length} more tags ` +
      '(SES allows 50 per resource), then deploy again.');
  }
  change.adopted = sources;
  inv.log(`recorded on pool ${settings.poolName} where ${sources.size} adopted addresses come from (${[...new Set(sources.values())].join(', ')})`);
}

/**
 * During a rollback: the update being undone filled another range and
 * failed, so CloudFormation never recorded its physical ID and no DELETE
 * will ever come for it. Once the range is back in, release what the
 * failed update left of its range in its pool.
 */
async function releaseUndone(change: Change, exec: Executor, inv: Invocation): Promise<void> {
  const undone = change.previous!;
  const request = fillRequest(change);
  const first = planUndone(request, await exec.readAccount());
  if (!first.back) {
    const { cidr, poolName } = change.settings;
    warn(change, inv, `${undone.cidr} is left in pool ${undone.poolName}, since ${cidr} is not all back in pool ${poolName}: ` +
      `once it is, move ${undone.cidr}'s addresses to ${DEFAULT_POOL} with \`aws sesv2 put-dedicated-ip-in-pool\` ` +
      `(\`ses-byoip status --cidr ${undone.cidr} --pool ${undone.poolName}\` lists them).`);
    return;
  }
  inv.log(`${change.phase === 'rollback' ? 'rollback' : 'possible rollback'}: releasing what the undone update left of ${undone.cidr} in pool ${undone.poolName}`);
  try {
    let firstPass = true;
    await exec.reconcile(`${undone.cidr} in pool ${undone.poolName}`, (state) => {
      const moves = firstPass ? first.moves : planUndone(request, state).moves;
      firstPass = false;
      return moves;
    });
  } catch (error) {
    if (error instanceof OutOfTime) {
      throw error;
    }
    warn(change, inv, `Releasing ${undone.cidr} from pool ${undone.poolName} failed (${errorMessage(error)}): ` +
      `move its addresses to ${DEFAULT_POOL} with \`aws sesv2 put-dedicated-ip-in-pool\` (see \`ses-byoip status --cidr ${undone.cidr} --pool ${undone.poolName}\`).`);
  }
}

/** The failure (or rollback warning) for addresses that are not in the pool after the moves, naming where they are. */
async function describeAstray(
  astray: readonly string[],
  total: number,
  settings: PoolAddressesSettings,
  exec: Executor,
  inv: Invocation,
): Promise<string> {
  const everywhere = await exec.readAccount();
  const byPool = new Map<string | undefined, string[]>();
  for (const ip of astray) {
    const where = everywhere.get(ip)?.pool;
    byPool.set(where, [...(byPool.get(where) ?? []), ip]);
  }
  const places = [...byPool].map(([pool, ips]) => {
    const some = `${ips.length} (${someOf(ips, 3)})`;
    const are = ips.length === 1 ? 'is' : 'are';
    return pool === undefined ? `${some} ${ips.length === 1 ? 'is no longer a dedicated IP' : 'are no longer dedicated IPs'} of the account`
      : pool === DEFAULT_POOL ? `${some} ${are} back in ${DEFAULT_POOL}` : `pool ${pool} took ${some}`;
  }).join('; ');
  return `${astray.length} of the ${total} addresses of ${settings.cidr} ${astray.length === 1 ? 'is' : 'are'} not in pool ${settings.poolName} after the moves: ${places}. ` +
    `Something else (another app, pipeline or person) moved them in account ${inv.account} in ${inv.region} while this deployment ran: ` +
    'make sure only one deployment manages this range, then deploy again.';
}

/**
 * Delete: releases what the physical ID (else the properties) names,
 * as planRelease plans it. When the DELETE undoes a creation (or an
 * update's new resource) that adopted addresses, they go back to the
 * pools they came from.
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
  const { phase, undoes } = classifyDelete(event.ByoipStackStatus);
  const exec = new Executor(executorOptions(inv, () => checkDeadline(event, inv), false, () => {}));
  let adopted: Adoptions | undefined;
  if (undoes && given?.adoptAddressesFromOtherPools && given.poolName === target.poolName) {
    const record = readAdoption(await exec.readMemory(target.poolName) ?? {});
    if (record && record.to === fingerprint(given)) {
      adopted = record.sources;
      inv.log(`this DELETE undoes the operation that adopted ${record.sources.size} addresses: they go back to ${[...new Set(record.sources.values())].join(', ')}`);
    }
  }
  const what = phase === 'stack-going-away' ? `pool ${target.poolName} (the stack is going away, so is the pool)` : `${target.cidr} in pool ${target.poolName}`;
  if (target.poolName === DEFAULT_POOL || !checkRange(target.cidr).accepted) {
    inv.log(`nothing to move out for ${target.cidr} in pool ${target.poolName}`);
    return { IsComplete: true };
  }
  await exec.reconcile(what, (state) => planRelease({ phase, target, adopted }, state));
  return { IsComplete: true };
}

/**
 * After a failed Create or Update, puts back what it moved (planPutBack),
 * since the Provider framework may skip the handler on the DELETE that
 * follows a failed Create, and no DELETE follows a failed Update. Returns a
 * sentence for the failure reason.
 */
async function putBack(change: Change, inv: Invocation): Promise<string> {
  const { settings, previous, event } = change;
  const noneAdopted = (change.adopted?.size ?? 0) === 0;
  if (event.RequestType === 'Update' && !previous && noneAdopted) {
    return `The previous properties could not be read (${change.previousUnreadable}), so nothing was put back: ` +
      `see where the addresses are with \`ses-byoip status --cidr ${settings.cidr} --pool ${settings.poolName}\`.`;
  }
  const verdict = checkRange(settings.cidr);
  if (previous && noneAdopted && previous.cidr === settings.cidr && previous.poolName === settings.poolName &&
      (!verdict.accepted || sameAddresses(previous, settings, verdict.range))) {
    return 'The range stays in its pool.';
  }
  const request = fillRequest(change);
  const destinations = new Set<string>();
  try {
    const exec = new Executor(executorOptions(inv, () => {}, false, () => {}));
    const moved = await exec.reconcile(`${settings.cidr} in pool ${settings.poolName}`, (state: AccountState) => {
      const moves = planPutBack(request, state);
      moves.forEach((m) => destinations.add(m.to));
      return moves;
    });
    return moved === 0 ? 'Nothing was moved.' : `The ${moved === 1 ? '1 address' : `${moved} addresses`} moved so far ${moved === 1 ? 'was' : 'were'} put back into ${[...destinations].join(', ')}.`;
  } catch (error) {
    inv.log(`putting back failed: ${errorMessage(error)}`);
    const next = event.RequestType === 'Create'
      ? 'the DELETE that follows moves them back'
      : 'move them back with `aws sesv2 put-dedicated-ip-in-pool` (see `ses-byoip status`)';
    return `Putting back the addresses moved so far failed (${errorMessage(error)}): ${next}.`;
  }
}

/**
 * Fails (with the problems of the plan) if the plan says the operation
 * must, before any write of this invocation; a tolerant one warns instead,
 * so that a range that changed under it never blocks the stack.
 *
 * @param stage 'check' in onEvent, before the operation writes; 'operation'
 *   in isComplete, where a problem that onEvent's check did not see arose
 *   while the deployment ran.
 */
function check(change: Change, plan: FillPlan, inv: Invocation, stage: 'check' | 'operation'): void {
  const { settings } = change;
  const { cidr, poolName } = settings;
  const meanwhile = stage === 'operation' && !plan.tolerant;
  if (plan.waiting.length > 0) {
    inv.log(`${plan.waiting.length} of this pool's addresses sit in sibling pools of the stack (${someOf(plan.waiting)}): ` +
      'left there for the sibling\'s update in this deploy, which gives them up and moves them here');
  }
  const { missing, foreign, addresses } = plan;
  const whose = settings.addresses ? `this pool's ${addresses.length} addresses of ${cidr}` : `the ${addresses.length} addresses of ${cidr}`;
  const problems: string[] = [];
  const account = `account ${inv.account} in ${inv.region}`;
  const someoneElse = 'Something else (another app, pipeline or person) is changing this range: make sure only one deployment manages it, then deploy again.';
  if (missing.length > 0) {
    problems.push(meanwhile
      ? `${missing.length} of ${whose} left ${account} while this deployment ran (${someOf(missing)}). ${someoneElse}`
      : `${missing.length} of ${whose} ${missing.length === 1 ? 'is not a dedicated IP' : 'are not dedicated IPs'} of ${account} (${someOf(missing)}): ` +
        `the BYOIP range has not been provisioned to account ${inv.account} in Region ${inv.region} yet, or it was approved for another Region. ` +
        'Wait for AWS to confirm the range is provisioned (`ses-byoip status` shows it), then deploy again.');
  }
  if (foreign.size > 0) {
    const pools = [...foreign.entries()].map(([pool, ips]) => `${pool} (${ips.length}: ${someOf(ips, 3)})`).join('; ');
    const count = [...foreign.values()].reduce((n, ips) => n + ips.length, 0);
    problems.push(meanwhile
      ? `${count} ${count === 1 ? 'address' : 'addresses'} of ${cidr} ${count === 1 ? 'was' : 'were'} moved into other dedicated IP pools while this deployment ran: ${pools}. ${someoneElse}`
      : `${count} ${count === 1 ? 'address' : 'addresses'} of ${cidr} ${count === 1 ? 'is' : 'are'} in other dedicated IP pools: ${pools}. ` +
        `They may be in use by another configuration, so they are not taken into pool ${poolName}. ` +
        `Move them to ${DEFAULT_POOL} first, or set adoptAddressesFromOtherPools: true to take them.`);
  }
  if (plan.fails) {
    throw new Error(problems.join(' '));
  }
  problems.forEach((problem) => warn(change, inv, problem));
}

/** The executor of a Create or an Update. */
function executorFor(change: Change, inv: Invocation): Executor {
  return new Executor(executorOptions(inv, () => checkDeadline(change.event, inv), neverFails(change), (w) => warn(change, inv, w)));
}

function executorOptions(inv: Invocation, checkDeadlineNow: () => void, tolerant: boolean, warnAbout: (warning: string) => void) {
  return {
    ses: inv.ses,
    log: inv.log,
    checkDeadline: checkDeadlineNow,
    tolerant,
    warn: warnAbout,
    poolArn: (pool: string) => `arn:${inv.partition ?? 'aws'}:ses:${inv.region}:${inv.account}:dedicated-ip-pool/${pool}`,
    where: `account ${inv.account} in ${inv.region}`,
  };
}

/** The status of the event's stack, or undefined (logged) if it cannot be read. */
async function stackStatusOf(event: ResourceEvent, inv: Invocation): Promise<string | undefined> {
  try {
    const status = await inv.stackStatus(event.StackId);
    inv.log(`the stack is ${status}`);
    return status;
  } catch (error) {
    inv.log(`warning: the stack's status could not be read (${errorMessage(error)}): ` +
      (event.RequestType === 'Update' ? 'the pool\'s memory and the physical ID tell whether this Update is a rollback' : 'this Delete is treated as the DELETE of this resource only'));
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
