import { addressesOf, codeList, exampleBlocks, plural } from './address-rules';
import { Finding, listSome } from './finding';
import { ByoipRuleId } from './rule-id';
import { quote } from '../private/display';
import { fewestBlocks, rangeOf } from '../range/ipv4-cidr';

/** The quota of BYOIP ranges per Region per account that AWS sets by default. */
export const DEFAULT_MAX_RANGES_PER_REGION = 5;

/** One accepted range, claimed by one pool in one account and Region. */
export interface RangeClaim {
  /** The range, in canonical form. */
  readonly range: string;
  readonly account: string;
  readonly region: string;
  /** Where the claim is made (a construct path), for messages. */
  readonly path: string;
  /** The quota set explicitly for this claim (a ByoipChecks, or the context key), if any. */
  readonly maxRangesPerRegion?: number;
  /** Where maxRangesPerRegion comes from, for messages. */
  readonly quotaSource?: QuotaSource;
  /**
   * The blocks of the range that the pool takes and that passed the address
   * rules, canonical; undefined: the whole range (no `addresses`). A pool
   * whose entries are all bad or tokens has none: it takes part in no
   * overlap check.
   */
  readonly addresses?: readonly string[];
}

/** Where an explicit quota is set. */
export type QuotaSource = 'ByoipChecks' | 'context';

/** The context key (cdk.json or `-c`) that sets the quota for the default checks. */
export const MAX_RANGES_CONTEXT_KEY = 'cdk-ses-byoip:maxRangesPerRegion';

/**
 * The context value as a quota: undefined if unset, a number if valid (a
 * whole number of at least 1, as a number from cdk.json or a string from
 * `-c`), else the finding (RegionalQuota) that says what is wrong with it:
 * below the minimum of 1, or not a number of ranges at all.
 */
export function parseContextQuota(value: unknown): number | Finding | undefined {
  if (value === undefined) {
    return undefined;
  }
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  if (Number.isInteger(number) && number >= 1) {
    return number;
  }
  const shown = typeof value === 'string' ? quote(value) : JSON.stringify(value) ?? String(value);
  const allowed = `a whole number of at least 1: the BYOIP ranges per Region that AWS allows your account (${DEFAULT_MAX_RANGES_PER_REGION} unless AWS raised it).`;
  if (number < 1) {
    return {
      ruleId: ByoipRuleId.REGIONAL_QUOTA,
      severity: 'error',
      problem: `the context key ${MAX_RANGES_CONTEXT_KEY} is ${shown}, below 1, the smallest quota: a quota allows at least one range, so the BYOIP quota cannot be checked.`,
      allowed,
      fix: `set it to the quota AWS gives your account, e.g. -c ${MAX_RANGES_CONTEXT_KEY}=${DEFAULT_MAX_RANGES_PER_REGION} (SES's default), or remove it to use SES's default of ${DEFAULT_MAX_RANGES_PER_REGION}.`,
    };
  }
  return {
    ruleId: ByoipRuleId.REGIONAL_QUOTA,
    severity: 'error',
    problem: `the context key ${MAX_RANGES_CONTEXT_KEY} is ${shown}, which is not a number of ranges, so the BYOIP quota cannot be checked.`,
    allowed,
    fix: `set it to a number, e.g. "${MAX_RANGES_CONTEXT_KEY}": 8 in the context of cdk.json or -c ${MAX_RANGES_CONTEXT_KEY}=8, or remove it to use SES's default of ${DEFAULT_MAX_RANGES_PER_REGION}.`,
  };
}

/**
 * The rules that look across the whole app at ranges: MultiRegion,
 * DuplicateRange and RegionalQuota (the addresses within a range:
 * checkOverlappingClaims). `claims` are in construct-tree order; the result
 * maps each claim that breaks a rule to its finding (one rule per claim).
 * Runs in time linear in the number of claims.
 *
 * A range split between pools is one range: it is in one account and
 * Region (else MultiRegion), and counts once toward the quota.
 * DuplicateRange is about the pools that take the whole range (see
 * isWholeClaim); pools that take part of it are checked address by address.
 */
export function checkClaims(claims: readonly RangeClaim[]): Map<RangeClaim, Finding> {
  const findings = new Map<RangeClaim, Finding>();

  // MultiRegion, else DuplicateRange: one finding per shared range, on its
  // last claim in construct-tree order (the later claimant), naming every
  // other claim, so that there is one error per thing to fix.
  for (const sameRange of groupBy(claims, (c) => c.range).values()) {
    if (sameRange.length < 2) {
      continue;
    }
    const places = groupBy(sameRange, environmentOf);
    if (places.size > 1) {
      findings.set(sameRange[sameRange.length - 1], multiRegion(sameRange[sameRange.length - 1], places));
      continue;
    }
    const whole = sameRange.filter(isWholeClaim);
    if (whole.length > 1) {
      findings.set(whole[whole.length - 1], duplicateRange(whole[whole.length - 1], whole));
    }
  }

  // RegionalQuota: distinct ranges per account and Region, in order of appearance.
  for (const sameEnvironment of groupBy(claims, environmentOf).values()) {
    const ranges = groupBy(sameEnvironment, (c) => c.range);
    const quota = quotaOf(sameEnvironment);
    let excess = ranges.size - quota.limit;
    if (excess <= 0) {
      continue;
    }
    // The ranges over the quota are the last ones, skipping ranges already in
    // error (their conflict is one thing to fix already).
    const order = [...ranges.keys()];
    for (let index = order.length - 1; index >= 0 && excess > 0; index--) {
      const rangeClaims = ranges.get(order[index])!;
      if (rangeClaims.some((c) => findings.has(c))) {
        continue;
      }
      for (const claim of rangeClaims) {
        findings.set(claim, regionalQuota(claim, order, index + 1, quota));
      }
      excess--;
    }
  }
  return findings;
}

/** The quota of one account and Region. */
interface Quota {
  readonly limit: number;
  /** Who set it; undefined for SES's default. */
  readonly source?: QuotaSource;
}

/**
 * The quota belongs to the account and Region, not to a pool: if the claims
 * there are governed by different explicit limits, the largest applies; if
 * none is explicit, SES's default.
 */
function quotaOf(claims: readonly RangeClaim[]): Quota {
  let quota: Quota = { limit: DEFAULT_MAX_RANGES_PER_REGION };
  let explicit = false;
  for (const claim of claims) {
    if (claim.maxRangesPerRegion !== undefined && (!explicit || claim.maxRangesPerRegion > quota.limit)) {
      quota = { limit: claim.maxRangesPerRegion, source: claim.quotaSource ?? 'ByoipChecks' };
      explicit = true;
    }
  }
  return quota;
}

/**
 * True if the claim takes the whole range: it has no `addresses`, or its
 * blocks cover all 256 addresses (`["a.b.c.0/24"]`, two /25 ...): two such
 * claims are a DuplicateRange, not an overlap.
 */
export function isWholeClaim(claim: RangeClaim): boolean {
  return claim.addresses === undefined || addressesOfClaim(claim).size === rangeOf(claim.range).size;
}

/** The addresses a claim takes. */
function addressesOfClaim(claim: RangeClaim): Set<number> {
  return addressesOf(claim.addresses === undefined ? [rangeOf(claim.range)] : claim.addresses.map(rangeOf));
}

/**
 * OverlappingAddresses between pools: for each range of one account and
 * Region, one finding per pair of claims that share addresses, on the later
 * claim (construct-tree order), naming the earlier one and the shared
 * addresses as the fewest CIDR blocks.
 *
 * What `reported` (the findings of checkClaims) already covers is left out,
 * one thing to fix, one finding: a range in several accounts or Regions
 * (MultiRegion), a pair of claims that both take the whole range, and the
 * claim reported as a DuplicateRange. Runs in time quadratic in the claims of
 * one range, which are a few pools.
 */
export function checkOverlappingClaims(
  claims: readonly RangeClaim[], reported: ReadonlyMap<RangeClaim, Finding>,
): Array<{ readonly claim: RangeClaim; readonly finding: Finding }> {
  const out: Array<{ claim: RangeClaim; finding: Finding }> = [];
  for (const sameRange of groupBy(claims, (c) => c.range).values()) {
    if (sameRange.length < 2 || groupBy(sameRange, environmentOf).size > 1) {
      continue;
    }
    const taken = sameRange.map(addressesOfClaim);
    const whole = sameRange.map(isWholeClaim);
    for (let later = 1; later < sameRange.length; later++) {
      if (reported.get(sameRange[later])?.ruleId === ByoipRuleId.DUPLICATE_RANGE) {
        continue;
      }
      const othersTake = new Set(taken.filter((_, i) => i !== later).flatMap((t) => [...t]));
      for (let earlier = 0; earlier < later; earlier++) {
        if (whole[earlier] && whole[later]) {
          continue;
        }
        const shared = [...taken[later]].filter((ip) => taken[earlier].has(ip));
        if (shared.length > 0) {
          out.push({
            claim: sameRange[later],
            finding: overlappingAddresses(sameRange[later], sameRange[earlier], shared, whole[earlier], whole[later], othersTake),
          });
        }
      }
    }
  }
  return out;
}

function environmentOf(claim: RangeClaim): string {
  return `${claim.account}/${claim.region}`;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) {
      group.push(item);
    } else {
      groups.set(k, [item]);
    }
  }
  return groups;
}

/** SesByoip-MultiRegion: the range appears in several accounts or Regions (reported on `claim`, the later claimant). */
function multiRegion(claim: RangeClaim, places: Map<string, RangeClaim[]>): Finding {
  const where = [...places.entries()].map(([env, cs]) => `${env} (${listSome(cs.map((c) => c.path))})`);
  const duplicated = [...places.values()].some((cs) => cs.filter(isWholeClaim).length > 1);
  return {
    ruleId: ByoipRuleId.MULTI_REGION,
    severity: 'error',
    problem: `range ${claim.range} is used in ${places.size} account/Region pairs: ${listSome(where)}; AWS approves a BYOIP range for one Region of one account.`,
    allowed: 'each range in one account and one Region.',
    fix: `keep ${claim.range} only in the stack of the account and Region named in your AWS approval, and remove it from the others` +
      (duplicated ? ', keeping one ByoipSendingPool for it there.' : '.'),
  };
}

/** SesByoip-DuplicateRange: the range is claimed twice in one account and Region (reported on `claim`, the later claimant). */
function duplicateRange(claim: RangeClaim, sameRange: RangeClaim[]): Finding {
  const others = sameRange.filter((c) => c !== claim).map((c) => c.path);
  return {
    ruleId: ByoipRuleId.DUPLICATE_RANGE,
    severity: 'error',
    problem: `range ${claim.range} is claimed ${sameRange.length} times in account ${claim.account}, Region ${claim.region}: here and by ${listSome(others)}; an address can sit in one dedicated IP pool only.`,
    allowed:
      'one ByoipSendingPool per range, or several that split it, each with its own addresses; other configuration sets can send through a pool (pass its dedicatedIpPool to ses.ConfigurationSet).',
    fix: `keep one ByoipSendingPool for ${claim.range} and remove the others, or split the range: give each pool the addresses it takes.`,
  };
}

/**
 * SesByoip-OverlappingAddresses: `claim` takes `shared`, which `earlier`
 * takes too; `othersTake` is what every other claim of the range takes.
 * At most one of the two takes the whole range (else a DuplicateRange).
 */
function overlappingAddresses(
  claim: RangeClaim, earlier: RangeClaim, shared: number[], earlierIsWhole: boolean, laterIsWhole: boolean, othersTake: ReadonlySet<number>,
): Finding {
  const blocks = listSome(fewestBlocks(shared).map(String));
  // For an example: this pool's addresses that no other pool of the range takes.
  const own = exampleBlocks([...addressesOfClaim(claim)].filter((ip) => !othersTake.has(ip)));
  const fix = earlierIsWhole
    ? `claim each address once: give ${earlier.path} addresses that leave ${blocks} free (without addresses, it takes the whole range), or take ${blocks} out of the addresses of this pool.`
    : laterIsWhole
      // Taking the shared addresses out of the earlier pool would leave it none: this pool gives them up.
      ? `claim each address once: give this pool addresses that leave ${blocks} free (it takes the whole range)` +
        (own
          ? `, e.g. addresses: ${codeList(own)} here (the part of the range that no other pool takes).`
          : `; the other pools of ${claim.range} in this account and Region take all of it now: free addresses in one of them first.`)
      : `claim each address once: take ${blocks} out of the addresses of ${earlier.path} or of this pool` +
        (own ? `, e.g. addresses: ${codeList(own)} here (its part that no other pool of the range takes).` : '.');
  return {
    ruleId: ByoipRuleId.OVERLAPPING_ADDRESSES,
    severity: 'error',
    problem: `${blocks} (${plural(shared.length, 'address', 'addresses')}) of range ${claim.range} ${shared.length === 1 ? 'is' : 'are'} claimed here and by ${earlier.path}` +
      `${earlierIsWhole ? ' (the whole range)' : ''} in account ${claim.account}, Region ${claim.region}; an address can sit in one dedicated IP pool only.`,
    allowed: 'pools that split one range take blocks that do not overlap; the addresses that no pool takes stay in ses-default-dedicated-pool.',
    fix,
  };
}

/**
 * How to raise the quota to `needed`, where it is set: an explicit
 * ByoipChecks wins over the context key, and the nearest one over one
 * added higher up, so only raising that one helps.
 */
function raiseQuota(source: QuotaSource | undefined, needed: number): string {
  const contextKey = `"${MAX_RANGES_CONTEXT_KEY}": ${needed} in the context of cdk.json (or -c ${MAX_RANGES_CONTEXT_KEY}=${needed})`;
  switch (source) {
    case 'ByoipChecks':
      return `raise the maxRangesPerRegion of the ByoipChecks that governs these pools (the nearest one above them) to ${needed}: ` +
        'it wins over the context key and over instances added higher up';
    case 'context':
      return `set it to ${needed}: ${contextKey}`;
    default:
      return `declare it once: ${contextKey}, or Aspects.of(app).add(new ByoipChecks({ maxRangesPerRegion: ${needed} }))`;
  }
}

/** SesByoip-RegionalQuota: more distinct ranges in one account and Region than the quota. */
function regionalQuota(claim: RangeClaim, ranges: string[], rank: number, { limit, source }: Quota): Finding {
  const setBy = {
    ByoipChecks: 'the maxRangesPerRegion of ByoipChecks',
    context: `the context key ${MAX_RANGES_CONTEXT_KEY}`,
  };
  return {
    ruleId: ByoipRuleId.REGIONAL_QUOTA,
    severity: 'error',
    problem: `account ${claim.account} in Region ${claim.region} has ${ranges.length} distinct BYOIP ranges in this app (${listSome(ranges)}), more than its quota of ${limit}; range ${claim.range} is number ${rank}.`,
    allowed: `at most ${limit} range${limit === 1 ? '' : 's'} per Region per account (${source ? setBy[source] : "SES's default BYOIP quota"}).`,
    fix: `remove ranges from this account and Region, or, if AWS raised your quota, ${raiseQuota(source, ranges.length)}.`,
  };
}
