/**
 * `ses-byoip status`: where the 256 addresses of a range are in the account,
 * read through the SES v2 API, and whether the range is ready to deploy.
 */
import { Command, COMMON, count, helpOrVersion, parse, toJson, waitNotes } from './command';
import { DeadlinePassed, parseTimeout, TIMEOUT_USAGE, withDeadline } from './deadline';
import { ApiFailure, ExitCode, InvalidInput } from './errors';
import { REGION } from './request';
import { SesSession } from './ses-session';
// Through the module's exports, so that a test can replace readStatus (jest.spyOn).
import * as self from './status';
import { OutOfTime, PacerWait, SYSTEM_CLOCK } from '../handler/pacer';
import { assess, someOf } from '../handler/planner';
import { addressesOfBlocks, DEFAULT_POOL } from '../handler/resource-properties';
import { AccountState, describeSesError, SesCallError, SesGateway, errorName } from '../handler/ses-client';
import { quote } from '../private/display';
import { fewestBlocks, formatIpv4, hasHostBits, Ipv4Range, ipv4ToNumber, parseIpv4Cidr, rangeOf } from '../range/ipv4-cidr';
import { meantBlock } from '../rules/address-rules';
import { formatFinding } from '../rules/finding';
import { isUsablePoolName, RESERVED_POOL_NAMES } from '../rules/pool-rules';
import { checkRange } from '../rules/range-rules';
import { ByoipRuleId } from '../rules/rule-id';

/** What the user gives. */
export interface StatusInput {
  readonly cidr?: string;
  readonly region?: string;
  /** The pool the range is meant for: its addresses there count as deployed. */
  readonly pool?: string;
  /**
   * The pool's part of a range split between pools, as given: CIDR blocks
   * inside `cidr` (/24 to /32), comma-separated, as ByoipSendingPool's
   * `addresses`. Needs `pool`; the verdict is then about these addresses.
   */
  readonly addresses?: string;
  /** The deadline of the whole command, in seconds, as given (see deadline.ts). */
  readonly timeout?: string;
}

/** What readStatus tells while it works, for a progress display. */
export interface StatusProgress {
  /** After each page read: how many dedicated IPs so far. */
  readonly page?: (addressesRead: number) => void;
  /** Before each wait caused by SES: throttling or a transient error. */
  readonly wait?: (wait: PacerWait) => void;
}

/** Where a range stands. */
export type Verdict = 'READY' | 'IN_POOL' | 'NOT_PROVISIONED' | 'PARTLY_PROVISIONED' | 'IN_OTHER_POOLS';

/** The status of a range, as shown (and as `--json` prints it). */
export interface RangeStatus {
  readonly cidr: string;
  readonly region: string;
  /** The --pool given, or null. */
  readonly pool: string | null;
  /**
   * The blocks of --addresses (the pool's part of the range), in the order
   * given, or null: then the verdict is about the whole range.
   */
  readonly addressBlocks: readonly string[] | null;
  /** About the addressBlocks if given, else about the whole range. */
  readonly verdict: Verdict;
  /** True if `cdk deploy` of a ByoipSendingPool for this range (or this part of it) would go through. */
  readonly ready: boolean;
  /** One paragraph saying what the verdict means and what to do. */
  readonly message: string;
  /** 256 for a /24 (the whole range, also with addressBlocks). */
  readonly addresses: number;
  /** How many of them are dedicated IPs of the account. */
  readonly provisioned: number;
  /** Up to five of the missing ones. */
  readonly missingExamples: readonly string[];
  /** How many of the provisioned addresses are in each pool. */
  readonly pools: Readonly<Record<string, number>>;
  /**
   * How the range is split across pools: each pool's addresses as the fewest
   * CIDR blocks, in ascending order (e.g. `{ "transactional": ["198.51.100.0/27"] }`).
   * Not provisioned addresses are in no pool, so not here.
   */
  readonly split: Readonly<Record<string, readonly string[]>>;
  /** The warm-up of the provisioned addresses, by WarmupStatus. */
  readonly warmup: Readonly<Record<string, { readonly count: number; readonly averagePercentage?: number }>>;
  /**
   * The configuration sets that send through the named pools holding the
   * range, and whether each sends or is paused (e.g. by a ReputationGuard);
   * null if they could not be read (no permission, or no time left), with
   * the reason in `configurationSetsUnknown`. Informational: the exit code
   * stays about the range.
   */
  readonly configurationSets: ReadonlyArray<{ readonly name: string; readonly pool: string; readonly sending: boolean }> | null;
  /** Why `configurationSets` is null. */
  readonly configurationSetsUnknown?: string;
}

/** Checks the input, reads the account's dedicated IPs and sums up where the range is. */
export async function readStatus(input: StatusInput, progress: StatusProgress = {}): Promise<RangeStatus> {
  const { cidr, pool } = input;
  if (cidr === undefined) {
    throw new InvalidInput(['--cidr is required: the /24 to look for, as AWS approved it (a.b.c.0/24).']);
  }
  const problems: string[] = [];
  const verdict = checkRange(cidr);
  if (!verdict.accepted) {
    problems.push(formatFinding(verdict.finding));
  }
  if (input.region !== undefined && !REGION.test(input.region)) {
    problems.push(`--region ${quote(input.region)} is not an AWS Region name: give it as AWS writes it, e.g. --region eu-west-1.`);
  }
  if (pool !== undefined && !isUsablePoolName(pool)) {
    problems.push(poolProblem(pool));
  }
  let blocks: string[] | undefined;
  if (input.addresses !== undefined) {
    if (pool === undefined) {
      problems.push('--addresses needs --pool: the blocks are the part of the range that one pool takes, e.g. --pool transactional --addresses <its blocks>.');
    }
    // As the construct: a bad range is reported alone, the blocks are not checked against it.
    if (verdict.accepted) {
      const checked = checkAddressesOption(verdict.range, input.addresses);
      problems.push(...checked.problems);
      blocks = checked.blocks;
    }
  }
  const timeout = parseTimeout(input.timeout);
  if ('problem' in timeout) {
    problems.push(timeout.problem);
  }
  if (!verdict.accepted || 'problem' in timeout || problems.length > 0) {
    throw new InvalidInput(problems);
  }

  const session = await SesSession.open(input.region, timeout.ms, progress.wait);
  try {
    const state = await session.within(session.ses.readAccountState(progress.page), apiFailure);
    const status = summarize(cidr, verdict.range.addresses(), state, session.region, pool, blocks);
    return { ...status, ...(await sendingOfPools(session.ses, status, session.deadline - SYSTEM_CLOCK.now())) };
  } finally {
    session.close();
  }
}

/** Why --pool cannot name a pool of a BYOIP range: one of SES's own, capital letters (with the name to write), or not a pool name at all. */
function poolProblem(pool: string): string {
  const lower = pool.toLowerCase();
  if (RESERVED_POOL_NAMES.includes(lower)) {
    return `--pool ${quote(pool)} cannot hold a BYOIP range: it is one of SES's own pools (${RESERVED_POOL_NAMES.join(', ')}). Give the name of your dedicated IP pool.`;
  }
  if (isUsablePoolName(lower)) {
    return `--pool ${quote(pool)} has capital letters, but pool names are lowercase: write --pool ${lower}.`;
  }
  return `--pool ${quote(pool)} is not a pool name: SES's pool names are 1 to 64 lowercase letters, digits, "_" and "-".`;
}

/**
 * Whether the configuration sets that send through the range's named pools
 * send or are paused. A second per configuration set of the account (SES's
 * rate): never a reason to fail, so a refusal or the deadline gives null
 * and why.
 */
async function sendingOfPools(gateway: SesGateway, status: RangeStatus, msLeft: number): Promise<Pick<RangeStatus, 'configurationSets' | 'configurationSetsUnknown'>> {
  const pools = new Set(Object.keys(status.split).filter((p) => p !== DEFAULT_POOL));
  if (pools.size === 0) {
    return { configurationSets: [] };
  }
  try {
    const sets = await withDeadline(gateway.readConfigurationSets(), Math.max(msLeft, 1), () => {});
    return {
      configurationSets: sets
        .filter((set) => set.sendingPoolName !== undefined && pools.has(set.sendingPoolName))
        .map((set) => ({ name: set.name, pool: set.sendingPoolName!, sending: set.sendingEnabled })),
    };
  } catch (error) {
    const why = error instanceof DeadlinePassed || error instanceof OutOfTime ? 'no time left within --timeout'
      : `${describeSesError(error instanceof SesCallError ? error.cause : error).replace(/\.$/, '')} (needs ses:ListConfigurationSets and ses:GetConfigurationSet)`;
    return { configurationSets: null, configurationSetsUnknown: why };
  }
}

/**
 * Sums up where the range's addresses are (pure). With `blocks` (and
 * `pool`), the verdict is about the pool's part of the range only.
 */
export function summarize(
  cidr: string,
  addresses: readonly string[],
  state: AccountState,
  region: string,
  pool?: string,
  blocks?: readonly string[],
): RangeStatus {
  const part = pool !== undefined && blocks !== undefined ? { pool, blocks } : undefined;
  const judged = part ? addressesOfBlocks(rangeOf(cidr), part.blocks) : addresses;
  const pools: Record<string, number> = {};
  const inEachPool = new Map<string, number[]>();
  const warmup: Record<string, { count: number; total: number; known: number }> = {};
  for (const ip of addresses) {
    const address = state.get(ip);
    if (address) {
      pools[address.pool] = (pools[address.pool] ?? 0) + 1;
      const numbers = inEachPool.get(address.pool);
      if (numbers) {
        numbers.push(ipv4ToNumber(ip));
      } else {
        inEachPool.set(address.pool, [ipv4ToNumber(ip)]);
      }
      const entry = (warmup[address.warmupStatus ?? 'UNKNOWN'] ??= { count: 0, total: 0, known: 0 });
      entry.count++;
      if (address.warmupPercentage !== undefined && address.warmupPercentage >= 0) {
        entry.total += address.warmupPercentage;
        entry.known++;
      }
    }
  }
  const missingInRange = addresses.filter((ip) => !state.has(ip));
  const provisioned = addresses.length - missingInRange.length;
  const judgment = part ? judgePart(cidr, judged, state, region, part) : judgeRange(cidr, addresses, state, region, pool);

  return {
    cidr,
    region,
    pool: pool ?? null,
    addressBlocks: part ? [...part.blocks] : null,
    verdict: judgment.verdict,
    ready: judgment.verdict === 'READY' || judgment.verdict === 'IN_POOL',
    message: judgment.message,
    addresses: addresses.length,
    provisioned,
    missingExamples: missingInRange.slice(0, 5),
    pools,
    split: Object.fromEntries([...inEachPool].map(([name, numbers]) => [name, fewestBlocks(numbers).map(String)])),
    warmup: Object.fromEntries(
      Object.entries(warmup).map(([status, { count: n, total, known }]) => [
        status,
        known > 0 ? { count: n, averagePercentage: Math.round(total / known) } : { count: n },
      ]),
    ),
    // Read separately (readStatus): the sets are not part of the range's state.
    configurationSets: [],
  };
}

/** A verdict and what it means. */
interface Judgment {
  readonly verdict: Verdict;
  readonly message: string;
}

/** The verdict about the whole range (no --addresses). */
function judgeRange(cidr: string, addresses: readonly string[], state: AccountState, region: string, pool: string | undefined): Judgment {
  // Without --pool, no address is "in place": every one in a named pool counts as elsewhere.
  const assessment = assess(addresses, state, pool ?? DEFAULT_POOL);
  const inDefault = pool === undefined ? assessment.inPlace.length : assessment.toMove.length;
  const missing = assessment.missing;
  const provisioned = addresses.length - missing.length;
  const inPool = pool === undefined ? 0 : assessment.inPlace.length;
  const foreign = [...assessment.foreign.entries()];
  const foreignCount = foreign.reduce((n, [, ips]) => n + ips.length, 0);

  // Both problems (missing, foreign) stop a deploy: each is named.
  const missingProblem = () =>
    `${provisioned} of the ${addresses.length} addresses of ${cidr} ${provisioned === 1 ? 'is a dedicated IP' : 'are dedicated IPs'} of this account in ${region}; ` +
    `${missing.length} ${missing.length === 1 ? 'is' : 'are'} missing (${someOf(missing)}). ` +
    'Wait until AWS has provisioned the whole range before deploying; if it says it has, contact AWS Support.';
  const foreignProblem = (alone: boolean) =>
    (alone ? `All ${addresses.length} addresses of ${cidr} are provisioned, but ${foreignCount} ${sit(foreignCount)} in other pools: ` : `${foreignCount} of them ${sit(foreignCount)} in other pools: `) +
    `${foreign.map(([name, ips]) => `${name} (${ips.length})`).join(', ')}. A deploy of a pool that takes the whole range refuses to take them ` +
    `unless you move them to ${DEFAULT_POOL} first or set adoptAddressesFromOtherPools: true.` +
    (pool === undefined && foreign.length === 1 ? ` If ${foreign[0][0]} is the range's own pool, pass --pool ${foreign[0][0]}.` : '') +
    ' If the range is split between pools on purpose (ByoipSendingPool\'s addresses), check ' +
    (pool === undefined
      ? 'each pool\'s part instead: pass --pool P --addresses <P\'s blocks>, as P\'s ByoipSendingPool lists them.'
      : `${pool}'s part instead: pass --pool ${pool} --addresses <its blocks>, as its ByoipSendingPool lists them.`);

  let verdict: Verdict;
  let message: string;
  if (provisioned === 0) {
    verdict = 'NOT_PROVISIONED';
    message = `None of the ${addresses.length} addresses of ${cidr} is a dedicated IP of this account in ${region}: the range is not provisioned here yet. ` +
      'AWS answers BYOIP requests within about 48 business hours; if it confirmed the range, check that you use the account and Region it was approved for.';
  } else if (missing.length > 0) {
    verdict = 'PARTLY_PROVISIONED';
    message = foreignCount === 0 ? missingProblem()
      : `Two problems stop a deploy of ${cidr}${pool === undefined ? '' : ` into pool ${pool}`}. 1. ${missingProblem()} 2. ${foreignProblem(false)}`;
  } else if (pool !== undefined && inPool === addresses.length) {
    verdict = 'IN_POOL';
    message = `All ${addresses.length} addresses of ${cidr} are in pool ${pool}: the range is deployed.`;
  } else if (foreignCount > 0) {
    verdict = 'IN_OTHER_POOLS';
    message = foreignProblem(true);
  } else {
    verdict = 'READY';
    message = `All ${addresses.length} addresses of ${cidr} are provisioned in ${region}` +
      (inPool > 0 ? ` (${inPool} already in pool ${pool}, ${inDefault} in ${DEFAULT_POOL})` : ` and in ${DEFAULT_POOL}`) +
      ': the range is ready to deploy.';
  }
  return { verdict, message };
}

/** The verdict about one pool's part of the range (--pool with --addresses). */
function judgePart(
  cidr: string,
  addresses: readonly string[],
  state: AccountState,
  region: string,
  part: { readonly pool: string; readonly blocks: readonly string[] },
): Judgment {
  const { pool } = part;
  const subject = `${pool}'s part of ${cidr} (${part.blocks.join(', ')})`;
  const assessment = assess(addresses, state, pool);
  const { missing, inPlace, toMove } = assessment;
  const provisioned = addresses.length - missing.length;
  const foreign = [...assessment.foreign.entries()];
  const foreignCount = foreign.reduce((n, [, ips]) => n + ips.length, 0);
  // Addresses of the range in the pool that the blocks leave out: perhaps a block missing from --addresses.
  const judged = new Set(addresses);
  const outside = rangeOf(cidr).addresses().filter((ip) => !judged.has(ip) && state.get(ip)?.pool === pool);
  const outsideNote = outside.length === 0 ? '' :
    ` Pool ${pool} also holds ${plural(outside.length, 'address')} of ${cidr} outside this part (${blocksOf(outside)}): ` +
    'if its ByoipSendingPool lists them, add them to --addresses.';

  const n = addresses.length;
  // "All 64 addresses of ... are", "The 1 address of ... is".
  const all = `${n === 1 ? 'The 1 address' : `All ${n} addresses`} of ${subject} ${n === 1 ? 'is' : 'are'}`;
  if (provisioned === 0) {
    return {
      verdict: 'NOT_PROVISIONED',
      message: `None of the ${plural(n, 'address')} of ${subject} is a dedicated IP of this account in ${region}: they are not provisioned here yet. ` +
        'AWS answers BYOIP requests within about 48 business hours; if it confirmed the range, check that you use the account and Region it was approved for.',
    };
  }
  // Both problems (missing, foreign) stop a deploy: each is named.
  const missingProblem = (alone: boolean) =>
    `${provisioned} of ${alone ? `the ${n} addresses of ${subject}` : `its ${n} addresses`} ${provisioned === 1 ? 'is a dedicated IP' : 'are dedicated IPs'} of this account in ${region}; ` +
    `${missing.length} ${missing.length === 1 ? 'is' : 'are'} missing (${someOf(missing)}). ` +
    'Wait until AWS has provisioned the whole range before deploying; if it says it has, contact AWS Support.';
  const names = listOf(foreign.map(([name]) => name));
  const foreignProblem = (alone: boolean) =>
    `${alone ? `${all} provisioned, but ${foreignCount} of them` : `${foreignCount} of them`} ${sit(foreignCount)} in other pools: ` +
    `${foreign.map(([name, ips]) => `${name} (${ips.length}: ${blocksOf(ips)})`).join(', ')}. ` +
    `A deploy of ${pool} refuses to take them unless you move them to ${DEFAULT_POOL} first or set adoptAddressesFromOtherPools: true; ` +
    `the one exception is a resize: if ${names} ${foreign.length === 1 ? 'is a pool' : 'are pools'} of the same stack and ${foreign.length === 1 ? 'gives' : 'give'} them up in the same deploy, that deploy moves them. ` +
    `If they are not ${pool}'s, check the blocks given to --addresses.`;
  if (missing.length > 0) {
    return {
      verdict: 'PARTLY_PROVISIONED',
      message: foreignCount === 0 ? missingProblem(true)
        : `Two problems stop a deploy of ${subject}. 1. ${missingProblem(false)} 2. ${foreignProblem(false)}${outsideNote}`,
    };
  }
  if (inPlace.length === n) {
    return {
      verdict: 'IN_POOL',
      message: `${all} in pool ${pool}: this part is deployed.${outsideNote}`,
    };
  }
  if (foreignCount > 0) {
    return {
      verdict: 'IN_OTHER_POOLS',
      message: `${foreignProblem(true)}${outsideNote}`,
    };
  }
  return {
    verdict: 'READY',
    message: `${all} provisioned in ${region}` +
      (inPlace.length > 0 ? ` (${inPlace.length} already in pool ${pool}, ${toMove.length} in ${DEFAULT_POOL})` : ` and in ${DEFAULT_POOL}`) +
      `: this part is ready to deploy.${outsideNote}`,
  };
}

/** The addresses (dotted decimal) as the fewest blocks, a few named. */
function blocksOf(ips: readonly string[]): string {
  return someOf(fewestBlocks(ips.map(ipv4ToNumber)).map(String));
}

/** `1 address`, `2 addresses`. */
function plural(n: number, one: string): string {
  return count(n, one, `${one}es`);
}

/** "1 sits", "2 sit". */
function sit(n: number): string {
  return n === 1 ? 'sits' : 'sit';
}

/** What --addresses gives: the blocks, if every entry passes, and one problem per entry that does not. */
export function checkAddressesOption(range: Ipv4Range, text: string): { blocks?: string[]; problems: string[] } {
  const entries = text.split(',');
  const allowed = `Give the pool's part of ${range} as CIDR blocks inside it, /24 (the whole range) to /32 (one address), separated by commas without spaces, e.g. --addresses ${new Ipv4Range(range.network, 27)},${new Ipv4Range(range.network + 64, 26)}.`;
  if (text.length === 0) {
    return { problems: [`[${ByoipRuleId.INVALID_ADDRESSES}] --addresses is empty. ${allowed}`] };
  }
  const problems: string[] = [];
  const passing: Array<Ipv4Range | undefined> = entries.map((entry) => {
    const entryName = `--addresses entry ${quote(entry)}`;
    const parsed = parseIpv4Cidr(entry);
    if (!parsed.ok) {
      const meant = meantBlock(entry);
      problems.push(`[${ByoipRuleId.INVALID_ADDRESSES}] ${entryName} is not an IPv4 CIDR block: it ${parsed.problem}. ` +
        (meant !== undefined && meant !== entry ? `Write "${meant}" if that is the block you meant. ` : '') + allowed);
      return undefined;
    }
    const { address, prefixLength } = parsed.value;
    if (prefixLength < 24) {
      const block = Ipv4Range.containing(address, prefixLength);
      problems.push(`[${ByoipRuleId.INVALID_ADDRESSES}] ${entryName} is a /${prefixLength} (${block.size} addresses), larger than a BYOIP range: ` +
        `a pool takes at most its whole /24. ${allowed}`);
      return undefined;
    }
    if (hasHostBits(parsed.value)) {
      const canonical = Ipv4Range.containing(address, prefixLength);
      problems.push(`[${ByoipRuleId.INVALID_ADDRESSES}] ${entryName} has host bits set: its address is not the first address of the /${prefixLength} it names, "${canonical}". ` +
        (range.contains(canonical)
          ? `Write "${canonical}" if that is the block you meant (the bits are never masked for you).`
          : `Write the first address of a /${prefixLength} inside ${range}.`));
      return undefined;
    }
    const block = new Ipv4Range(address, prefixLength);
    if (!range.contains(block)) {
      const samePlace = new Ipv4Range(range.network + (block.network % range.size), prefixLength);
      problems.push(`[${ByoipRuleId.ADDRESSES_OUTSIDE_RANGE}] ${entryName} is not inside --cidr ${range} (${formatIpv4(range.network)} to ${formatIpv4(range.last)}): ` +
        `a pool takes addresses of its own range only. Write "${samePlace}" if you meant those addresses of ${range}.`);
      return undefined;
    }
    return block;
  });
  // As the construct: each address listed once.
  for (let later = 0; later < passing.length; later++) {
    const b = passing[later];
    for (let earlier = 0; b && earlier < later; earlier++) {
      const a = passing[earlier];
      if (a?.overlaps(b)) {
        const shared = a.contains(b) ? b : a;
        problems.push(`[${ByoipRuleId.OVERLAPPING_ADDRESSES}] --addresses entry ${quote(entries[later])} overlaps ${quote(entries[earlier])}: ` +
          `both hold ${shared} (${plural(shared.size, 'address')}). List each address once.`);
      }
    }
  }
  return problems.length > 0 ? { problems } : { blocks: entries, problems };
}

/** The status as text. */
export function formatStatus(status: RangeStatus): string {
  const lines = [
    `Range ${status.cidr} in ${status.region}${status.pool ? ` (pool ${status.pool}${status.addressBlocks ? `, addresses ${status.addressBlocks.join(' ')}` : ''})` : ''}`,
    `  provisioned: ${status.provisioned} of ${status.addresses} addresses`,
  ];
  const split = splitLines(status);
  split.forEach((line, i) => lines.push(`${i === 0 ? '  pools:       ' : ' '.repeat(15)}${line}`));
  const warmup = Object.entries(status.warmup);
  if (warmup.length > 0) {
    lines.push(`  warm-up:     ${warmup
      .map(([state, w]) => `${state} ${w.count}${w.averagePercentage === undefined ? '' : ` (average ${w.averagePercentage}%)`}`)
      .join(', ')}`);
  }
  if (status.configurationSets === null) {
    lines.push(`  sending:     not shown (${status.configurationSetsUnknown})`);
  } else if (status.configurationSets.length > 0) {
    status.configurationSets.forEach((set, i) => lines.push(`${i === 0 ? '  sending:     ' : ' '.repeat(15)}` +
      `${set.name} (pool ${set.pool}) ${set.sending ? 'sending' : 'PAUSED: resume with ses-byoip resume --configuration-set ' + set.name}`));
  }
  lines.push('', `${status.ready ? 'Ready' : 'Not ready'}: ${status.message}`, '');
  return lines.join('\n');
}

/**
 * One line per pool that holds addresses of the range, by its first address,
 * then one for the addresses that are not provisioned, if any: each as
 * `<name> <block> <block> ... (<count>)`.
 */
function splitLines(status: RangeStatus): string[] {
  const line = (name: string, blocks: readonly string[]) =>
    `${name} ${blocks.join(' ')} (${blocks.reduce((n, block) => n + rangeOf(block).size, 0)})`;
  const pools = Object.entries(status.split)
    .filter(([, blocks]) => blocks.length > 0)
    .map(([name, blocks]) => ({ name, blocks, first: rangeOf(blocks[0]).network }))
    .sort((a, b) => a.first - b.first);
  const lines = pools.map(({ name, blocks }) => line(name, blocks));
  // What no pool holds is not provisioned.
  const range = rangeOf(status.cidr);
  const held = new Set<number>();
  for (const block of Object.values(status.split).flat()) {
    const { network, last } = rangeOf(block);
    for (let n = network; n <= last; n++) held.add(n);
  }
  const missing: number[] = [];
  for (let n = range.network; n <= range.last; n++) {
    if (!held.has(n)) missing.push(n);
  }
  if (missing.length > 0) {
    lines.push(line('not provisioned', fewestBlocks(missing).map(String)));
  }
  return lines;
}

/** `a`, `a and b`, `a, b and c`. */
function listOf(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** Turns a failure to read SES into one sentence that says what to check. */
function apiFailure(error: unknown, region: string): ApiFailure {
  const cause = error instanceof SesCallError ? error.cause : error;
  const name = errorName(cause);
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'CredentialsProviderError' || /credential/i.test(message)) {
    return new ApiFailure(`No usable AWS credentials (${message}). Configure them as for the AWS CLI: a profile, environment variables or SSO.`);
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return new ApiFailure(`${message}. The credentials need ses:GetDedicatedIps in ${region}.`);
  }
  return new ApiFailure(`Could not read the dedicated IPs of the account in ${region}: ${message}`);
}

const STATUS_USAGE = `Usage: ses-byoip status --cidr <range> [--region <region>] [--pool <name> [--addresses <blocks>]] [--timeout <seconds>] [--json]

Reads the dedicated IPs of the account (AWS credentials, Region and endpoint
as for the AWS CLI and SDK) and shows how many of the range's 256 addresses
are provisioned, in which pools, with what warm-up, and whether the range is
ready to deploy.

Options:
  --cidr <range>      the /24, as a.b.c.0/24
  --region <region>   the Region to look in (default: the SDK's, e.g. AWS_REGION)
  --pool <name>       the pool the range is meant for, in lowercase as SES names pools (its addresses there count as deployed)
  --addresses <blocks>
                      with --pool, for a range split between pools: that pool's part,
                      as its ByoipSendingPool's addresses (CIDR blocks inside --cidr,
                      /24 to /32, comma-separated, e.g. a.b.c.0/27,a.b.c.64/26); the
                      verdict is then about these addresses only
  ${TIMEOUT_USAGE}
  --json              print the status (ready or not), or the error, as JSON
  --version           print the version
  -h, --help          show this help

Exit codes: 0 ready (or already in --pool), 1 unexpected error, 2 invalid input
            (including no AWS Region), 3 not ready, 4 SES could not be read
            (credentials, permissions, network, an endpoint that is not AWS, or --timeout passed).
`;

const STATUS_OPTIONS = {
  ...COMMON,
  cidr: { type: 'string' },
  region: { type: 'string' },
  pool: { type: 'string' },
  addresses: { type: 'string' },
  timeout: { type: 'string' },
} as const;

/** `ses-byoip status`: where the range's addresses are, and whether it is ready to deploy. */
export const statusCommand: Command = {
  name: 'status',
  summary: 'Show where the 256 addresses of a range are in your account, and whether it is ready to deploy',
  run: async (args, io, json) => {
    const { values } = parse(args, STATUS_OPTIONS, STATUS_USAGE);
    const early = helpOrVersion(values, STATUS_USAGE, io, json);
    if (early !== undefined) {
      return early;
    }
    const result = await self.readStatus(values, {
      page: (n) => io.err(`ses-byoip: read ${n} dedicated IPs of the account so far\n`),
      wait: waitNotes(io),
    });
    // Not ready is a result, not an error: the status, with exit code 3.
    io.out(json ? toJson(result) : formatStatus(result));
    return result.ready ? ExitCode.OK : ExitCode.NOT_READY;
  },
};
