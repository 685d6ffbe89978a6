import { Finding, listSome } from './finding';
import { ByoipRuleId } from './rule-id';

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
  /** The quota that governs this claim. */
  readonly maxRangesPerRegion: number;
}

/**
 * The rules that look across the whole app: MultiRegion, DuplicateRange and
 * RegionalQuota. `claims` are in construct-tree order; the result maps each
 * claim that breaks a rule to its findings. Runs in time linear in the number
 * of claims.
 */
export function checkClaims(claims: readonly RangeClaim[]): Map<RangeClaim, Finding[]> {
  const findings = new Map<RangeClaim, Finding[]>();
  const add = (claim: RangeClaim, finding: Finding) => {
    const list = findings.get(claim);
    if (list) {
      list.push(finding);
    } else {
      findings.set(claim, [finding]);
    }
  };

  // MultiRegion, else DuplicateRange: one finding per claim of a shared range.
  for (const sameRange of groupBy(claims, (c) => c.range).values()) {
    if (sameRange.length < 2) {
      continue;
    }
    const places = groupBy(sameRange, environmentOf);
    for (const claim of sameRange) {
      add(claim, places.size > 1 ? multiRegion(claim, places) : duplicateRange(claim, sameRange));
    }
  }

  // RegionalQuota: distinct ranges per account and Region, counted in order of appearance.
  for (const sameEnvironment of groupBy(claims, environmentOf).values()) {
    const ranges = groupBy(sameEnvironment, (c) => c.range);
    const order = [...ranges.keys()];
    order.forEach((range, index) => {
      for (const claim of ranges.get(range)!) {
        if (index + 1 > claim.maxRangesPerRegion) {
          add(claim, regionalQuota(claim, order, index + 1));
        }
      }
    });
  }
  return findings;
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

/** SesByoip-MultiRegion: the range appears in several accounts or Regions. */
function multiRegion(claim: RangeClaim, places: Map<string, RangeClaim[]>): Finding {
  const where = [...places.entries()].map(([env, cs]) => `${env} (${listSome(cs.map((c) => c.path))})`);
  return {
    ruleId: ByoipRuleId.MULTI_REGION,
    severity: 'error',
    problem: `range ${claim.range} is used in ${places.size} account/Region pairs: ${listSome(where)}; AWS approves a BYOIP range for one Region of one account.`,
    allowed: 'each range in one account and one Region.',
    fix: `keep ${claim.range} only in the stack of the account and Region named in your AWS approval, and remove it from the others.`,
  };
}

/** SesByoip-DuplicateRange: the range is claimed twice in one account and Region. */
function duplicateRange(claim: RangeClaim, sameRange: RangeClaim[]): Finding {
  const others = sameRange.filter((c) => c !== claim).map((c) => c.path);
  return {
    ruleId: ByoipRuleId.DUPLICATE_RANGE,
    severity: 'error',
    problem: `range ${claim.range} is claimed ${sameRange.length} times in account ${claim.account}, Region ${claim.region} (also by ${listSome(others)}); an address can sit in one dedicated IP pool only.`,
    allowed:
      'one ByoipSendingPool per range; other configuration sets can send through its pool (pass its dedicatedIpPool to ses.ConfigurationSet).',
    fix: `keep one ByoipSendingPool for ${claim.range} and remove the others.`,
  };
}

/** SesByoip-RegionalQuota: more distinct ranges in one account and Region than the quota. */
function regionalQuota(claim: RangeClaim, ranges: string[], rank: number): Finding {
  const limit = claim.maxRangesPerRegion;
  return {
    ruleId: ByoipRuleId.REGIONAL_QUOTA,
    severity: 'error',
    problem: `account ${claim.account} in Region ${claim.region} has ${ranges.length} distinct BYOIP ranges in this app (${listSome(ranges)}), more than its quota of ${limit}; range ${claim.range} is number ${rank}.`,
    allowed: `at most ${limit} range${limit === 1 ? '' : 's'} per Region per account (${limit === DEFAULT_MAX_RANGES_PER_REGION ? "SES's default BYOIP quota" : 'the maxRangesPerRegion of ByoipChecks'}).`,
    fix: `remove ranges from this account and Region, or, if AWS raised your quota, declare it once: Aspects.of(app).add(new ByoipChecks({ maxRangesPerRegion: ${ranges.length} })).`,
  };
}
