import { checkClaims, checkOverlappingClaims, isWholeClaim, parseContextQuota, RangeClaim } from '../../src/rules/app-rules';
import { formatFinding } from '../../src/rules/finding';
import { ByoipRuleId } from '../../src/rules/rule-id';
import { ranges } from '../helpers';

function claim(range: string, path: string, env = '111111111111/us-east-1', maxRangesPerRegion?: number): RangeClaim {
  const [account, region] = env.split('/');
  return { range, account, region, path, maxRangesPerRegion };
}

/** The rule ID found for each claim, by path. */
function rulesByPath(claims: RangeClaim[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [c, finding] of checkClaims(claims)) {
    out[c.path] = finding.ruleId;
  }
  return out;
}


describe('checkClaims', () => {
  test('finds nothing for distinct ranges within the quota', () => {
    expect(checkClaims(ranges(5).map((r, i) => claim(r, `P${i}`))).size).toBe(0);
    expect(checkClaims([]).size).toBe(0);
  });

  test('DuplicateRange: the same range twice in one account and Region, reported once, on the later claim', () => {
    const claims = [claim('8.8.8.0/24', 'A/Pool'), claim('8.8.8.0/24', 'B/Pool'), claim('8.8.9.0/24', 'C/Pool')];
    expect(rulesByPath(claims)).toEqual({
      'B/Pool': ByoipRuleId.DUPLICATE_RANGE,
    });
    const later = checkClaims(claims).get(claims[1])!;
    expect(formatFinding(later)).toBe(
      '[SesByoip-DuplicateRange] range 8.8.8.0/24 is claimed 2 times in account 111111111111, Region us-east-1: here and by A/Pool; an address can sit in one dedicated IP pool only.' +
        ' Allowed: one ByoipSendingPool per range, or several that split it, each with its own addresses; other configuration sets can send through a pool (pass its dedicatedIpPool to ses.ConfigurationSet).' +
        ' Fix: keep one ByoipSendingPool for 8.8.8.0/24 and remove the others, or split the range: give each pool the addresses it takes.',
    );
  });

  test('MultiRegion, not DuplicateRange: the same range in two Regions', () => {
    const claims = [claim('8.8.8.0/24', 'East/Pool'), claim('8.8.8.0/24', 'West/Pool', '111111111111/us-west-2')];
    expect(rulesByPath(claims)).toEqual({
      'West/Pool': ByoipRuleId.MULTI_REGION,
    });
    const finding = checkClaims(claims).get(claims[1])!;
    expect(finding.problem).toBe(
      'range 8.8.8.0/24 is used in 2 account/Region pairs: 111111111111/us-east-1 (East/Pool), 111111111111/us-west-2 (West/Pool); AWS approves a BYOIP range for one Region of one account.',
    );
  });

  test('MultiRegion: the same range in two accounts of one Region', () => {
    const claims = [claim('8.8.8.0/24', 'A/Pool'), claim('8.8.8.0/24', 'B/Pool', '222222222222/us-east-1')];
    expect(rulesByPath(claims)).toEqual({
      'B/Pool': ByoipRuleId.MULTI_REGION,
    });
  });

  test('MultiRegion alone, once, naming every other claim, even where the range is also duplicated within one Region', () => {
    const claims = [
      claim('8.8.8.0/24', 'A/Pool'),
      claim('8.8.8.0/24', 'B/Pool', '111111111111/eu-west-1'),
      claim('8.8.8.0/24', 'C/Pool'),
    ];
    expect(rulesByPath(claims)).toEqual({
      'C/Pool': ByoipRuleId.MULTI_REGION,
    });
    expect(checkClaims(claims).get(claims[2])!.problem).toBe(
      'range 8.8.8.0/24 is used in 2 account/Region pairs: 111111111111/us-east-1 (A/Pool, C/Pool), 111111111111/eu-west-1 (B/Pool); AWS approves a BYOIP range for one Region of one account.',
    );
  });

  test('DuplicateRange: three claims of one range are one conflict, one finding naming the two others', () => {
    const claims = [claim('8.8.8.0/24', 'A'), claim('8.8.8.0/24', 'B'), claim('8.8.8.0/24', 'C')];
    expect(rulesByPath(claims)).toEqual({ C: ByoipRuleId.DUPLICATE_RANGE });
    expect(checkClaims(claims).get(claims[2])!.problem).toContain('is claimed 3 times in account 111111111111, Region us-east-1: here and by A, B;');
  });

  test('two conflicting ranges are two findings', () => {
    const claims = [claim('8.8.8.0/24', 'A'), claim('8.8.9.0/24', 'B'), claim('8.8.8.0/24', 'C'), claim('8.8.9.0/24', 'D', '111111111111/eu-west-1')];
    expect(rulesByPath(claims)).toEqual({ C: ByoipRuleId.DUPLICATE_RANGE, D: ByoipRuleId.MULTI_REGION });
  });

  test('RegionalQuota: the sixth distinct range of an account and Region, and only it', () => {
    const claims = ranges(6).map((r, i) => claim(r, `P${i + 1}`));
    expect(rulesByPath(claims)).toEqual({ P6: ByoipRuleId.REGIONAL_QUOTA });
    const finding = checkClaims(claims).get(claims[5])!;
    expect(formatFinding(finding)).toBe(
      '[SesByoip-RegionalQuota] account 111111111111 in Region us-east-1 has 6 distinct BYOIP ranges in this app (8.8.1.0/24, 8.8.2.0/24, 8.8.3.0/24, 8.8.4.0/24, 8.8.5.0/24, 8.8.6.0/24), more than its quota of 5; range 8.8.6.0/24 is number 6.' +
        " Allowed: at most 5 ranges per Region per account (SES's default BYOIP quota)." +
        ' Fix: remove ranges from this account and Region, or, if AWS raised your quota, declare it once: "cdk-ses-byoip:maxRangesPerRegion": 6 in the context of cdk.json (or -c cdk-ses-byoip:maxRangesPerRegion=6),' +
        ' or Aspects.of(app).add(new ByoipChecks({ maxRangesPerRegion: 6 })).',
    );
  });

  test('RegionalQuota counts per account and Region', () => {
    const claims = [
      ...ranges(5).map((r, i) => claim(r, `East${i}`)),
      ...ranges(5, 10).map((r, i) => claim(r, `West${i}`, '111111111111/us-west-2')),
      ...ranges(5, 20).map((r, i) => claim(r, `Other${i}`, '222222222222/us-east-1')),
    ];
    expect(checkClaims(claims).size).toBe(0);
  });

  test('duplicates do not count twice toward the quota', () => {
    const claims = [...ranges(5).map((r, i) => claim(r, `P${i}`)), claim('8.8.1.0/24', 'Again')];
    expect(rulesByPath(claims)).toEqual({
      Again: ByoipRuleId.DUPLICATE_RANGE,
    });
  });

  test.each([
    [undefined, 'declare it once: "cdk-ses-byoip:maxRangesPerRegion": 6 in the context of cdk.json (or -c cdk-ses-byoip:maxRangesPerRegion=6), or Aspects.of(app).add(new ByoipChecks({ maxRangesPerRegion: 6 }))'],
    ['context', 'set it to 6: "cdk-ses-byoip:maxRangesPerRegion": 6 in the context of cdk.json (or -c cdk-ses-byoip:maxRangesPerRegion=6)'],
    ['ByoipChecks', 'raise the maxRangesPerRegion of the ByoipChecks that governs these pools (the nearest one above them) to 6: it wins over the context key and over instances added higher up'],
  ] as const)('RegionalQuota set by %s: the fix raises it where it is set', (source, howToRaise) => {
    const claims = ranges(6).map((r, i) => ({ ...claim(r, `P${i + 1}`, undefined, source ? 5 : undefined), quotaSource: source }));
    expect(checkClaims(claims).get(claims[5])!.fix).toBe(`remove ranges from this account and Region, or, if AWS raised your quota, ${howToRaise}.`);
  });

  test('MultiRegion with a duplicate inside one Region says to keep one pool there', () => {
    const claims = [claim('8.8.8.0/24', 'A/P'), claim('8.8.8.0/24', 'A/Q'), claim('8.8.8.0/24', 'B/P', '111111111111/eu-west-1')];
    expect(checkClaims(claims).get(claims[2])!.fix).toBe(
      'keep 8.8.8.0/24 only in the stack of the account and Region named in your AWS approval, and remove it from the others, keeping one ByoipSendingPool for it there.',
    );
  });

  test('one rule per claim: the quota is reported on a range that has no other finding', () => {
    const claims = [...ranges(6).map((r, i) => claim(r, `P${i + 1}`)), claim('8.8.6.0/24', 'Again')];
    expect(rulesByPath(claims)).toEqual({
      P5: ByoipRuleId.REGIONAL_QUOTA,
      Again: ByoipRuleId.DUPLICATE_RANGE,
    });
  });

  test('one rule per claim: a range used in two Regions is MultiRegion on its later claim; its earlier claim may be over the quota', () => {
    // Removing 8.8.6.0/24 from us-east-1 fixes both, and both messages name it.
    const claims = [...ranges(6).map((r, i) => claim(r, `East${i + 1}`)), claim('8.8.6.0/24', 'West', '111111111111/us-west-2')];
    expect(rulesByPath(claims)).toEqual({
      East6: ByoipRuleId.REGIONAL_QUOTA,
      West: ByoipRuleId.MULTI_REGION,
    });
  });

  test('the quota of an account and Region is the largest explicit limit among its claims, whatever their order', () => {
    const raised = ranges(6).map((r, i) => claim(r, `Raised${i}`, undefined, 8));
    const other = claim('8.8.20.0/24', 'Default');
    expect(checkClaims([...raised, other]).size).toBe(0);
    expect(checkClaims([other, ...raised]).size).toBe(0);
    const lowered = [claim('8.8.1.0/24', 'Low', undefined, 2), claim('8.8.2.0/24', 'A'), claim('8.8.3.0/24', 'B')];
    expect(rulesByPath(lowered)).toEqual({ B: ByoipRuleId.REGIONAL_QUOTA });
  });

  test('a raised quota allows more ranges, a lowered one fewer', () => {
    expect(checkClaims(ranges(8).map((r, i) => claim(r, `P${i}`, undefined, 8))).size).toBe(0);
    expect(rulesByPath(ranges(9).map((r, i) => claim(r, `P${i}`, undefined, 8)))).toEqual({
      P8: ByoipRuleId.REGIONAL_QUOTA,
    });
    expect(rulesByPath(ranges(3).map((r, i) => claim(r, `P${i}`, undefined, 2)))).toEqual({
      P2: ByoipRuleId.REGIONAL_QUOTA,
    });
    const [finding] = [...checkClaims(ranges(3).map((r, i) => claim(r, `P${i}`, undefined, 1))).values()];
    expect(finding.allowed).toBe('at most 1 range per Region per account (the maxRangesPerRegion of ByoipChecks).');
  });

  test('long lists in messages are cut after ten items', () => {
    const claims = ranges(30).map((r, i) => claim(r, `P${i}`));
    const finding = checkClaims(claims).get(claims[29])!;
    expect(finding.problem).toContain('8.8.10.0/24 and 20 more), more than its quota of 5');
  });
});

describe('ranges split between pools', () => {
  /** A claim of part of a range. */
  function part(range: string, path: string, addresses: string[], env?: string): RangeClaim {
    return { ...claim(range, path, env), addresses };
  }

  /** `path rule` for every finding of checkClaims, then of checkOverlappingClaims. */
  function findings(claims: RangeClaim[]): string[] {
    const reported = checkClaims(claims);
    return [
      ...[...reported].map(([c, f]) => `${c.path} ${f.ruleId}`),
      ...checkOverlappingClaims(claims, reported).map(({ claim: c, finding: f }) => `${c.path} ${f.ruleId}`),
    ];
  }

  test('pools that split a range without sharing an address are no conflict, and the range counts once toward the quota', () => {
    const claims = [
      ...ranges(4).map((r, i) => claim(r, `P${i}`)),
      part('8.8.8.0/24', 'A', ['8.8.8.0/27']),
      part('8.8.8.0/24', 'B', ['8.8.8.32/27', '8.8.8.64/26']),
      part('8.8.8.0/24', 'C', ['8.8.8.128/25']),
    ];
    expect(findings(claims)).toEqual([]);
    expect(findings([...claims, claim('8.8.20.0/24', 'Sixth')])).toEqual(['Sixth SesByoip-RegionalQuota']);
  });

  test.each([
    ['no addresses', undefined],
    ['the /24 itself', ['8.8.8.0/24']],
    ['blocks that cover it', ['8.8.8.128/25', '8.8.8.0/25']],
  ])('a claim of %s takes the whole range', (_, addresses) => {
    const whole = { ...claim('8.8.8.0/24', 'W'), addresses };
    expect(isWholeClaim(whole)).toBe(true);
    expect(findings([claim('8.8.8.0/24', 'A'), whole])).toEqual(['W SesByoip-DuplicateRange']);
  });

  test('a claim of part of a range is not whole, and overlaps a whole claim', () => {
    const partial = part('8.8.8.0/24', 'B', ['8.8.8.0/25', '8.8.8.128/26']);
    expect(isWholeClaim(partial)).toBe(false);
    expect(findings([claim('8.8.8.0/24', 'A'), partial])).toEqual(['B SesByoip-OverlappingAddresses']);
  });

  test('one finding per conflicting pair, on the later claim, naming the earlier one', () => {
    const claims = [
      part('8.8.8.0/24', 'A', ['8.8.8.0/25']),
      part('8.8.8.0/24', 'B', ['8.8.8.64/26', '8.8.8.128/26']),
      part('8.8.8.0/24', 'C', ['8.8.8.192/26']),
      part('8.8.8.0/24', 'D', ['8.8.8.100/32', '8.8.8.200/32']),
    ];
    const overlaps = checkOverlappingClaims(claims, checkClaims(claims));
    expect(overlaps.map(({ claim: c, finding }) => `${c.path}: ${finding.problem.split(' are claimed')[0].split(' is claimed')[0]} / ${/by (\S+)/.exec(finding.problem)![1]}`)).toEqual([
      'B: 8.8.8.64/26 (64 addresses) of range 8.8.8.0/24 / A',
      'D: 8.8.8.100/32 (1 address) of range 8.8.8.0/24 / A',
      'D: 8.8.8.100/32 (1 address) of range 8.8.8.0/24 / B',
      'D: 8.8.8.200/32 (1 address) of range 8.8.8.0/24 / C',
    ]);
  });

  test('OverlappingAddresses names the shared addresses as the fewest blocks, and suggests what no other pool takes', () => {
    const claims = [part('8.8.8.0/24', 'Mail/Transactional', ['8.8.8.0/26', '8.8.8.64/32']), part('8.8.8.0/24', 'Mail/Marketing', ['8.8.8.0/25'])];
    const [{ finding }] = checkOverlappingClaims(claims, checkClaims(claims));
    expect(formatFinding(finding)).toBe(
      '[SesByoip-OverlappingAddresses] 8.8.8.0/26, 8.8.8.64/32 (65 addresses) of range 8.8.8.0/24 are claimed here and by Mail/Transactional in account 111111111111, Region us-east-1;' +
        ' an address can sit in one dedicated IP pool only.' +
        ' Allowed: pools that split one range take blocks that do not overlap; the addresses that no pool takes stay in ses-default-dedicated-pool.' +
        ' Fix: claim each address once: take 8.8.8.0/26, 8.8.8.64/32 out of the addresses of Mail/Transactional or of this pool,' +
        ' e.g. addresses: ["8.8.8.65/32", "8.8.8.66/31", "8.8.8.68/30", "8.8.8.72/29", "8.8.8.80/28", "8.8.8.96/27"] here (its part that no other pool of the range takes).',
    );
    // The suggestion, applied, leaves no conflict.
    const fixed = [claims[0], part('8.8.8.0/24', 'Mail/Marketing', ['8.8.8.65/32', '8.8.8.66/31', '8.8.8.68/30', '8.8.8.72/29', '8.8.8.80/28', '8.8.8.96/27'])];
    expect(findings(fixed)).toEqual([]);
  });

  test('OverlappingAddresses with a whole claim asks to give it addresses', () => {
    const claims = [claim('8.8.8.0/24', 'Mail/All'), part('8.8.8.0/24', 'Mail/Marketing', ['8.8.8.0/25'])];
    const [{ finding }] = checkOverlappingClaims(claims, checkClaims(claims));
    expect(finding.problem).toBe(
      '8.8.8.0/25 (128 addresses) of range 8.8.8.0/24 are claimed here and by Mail/All (the whole range) in account 111111111111, Region us-east-1; an address can sit in one dedicated IP pool only.',
    );
    expect(finding.fix).toBe(
      'claim each address once: give Mail/All addresses that leave 8.8.8.0/25 free (without addresses, it takes the whole range), or take 8.8.8.0/25 out of the addresses of this pool.',
    );
  });

  test('a whole claim after a partial one is asked for addresses, with the rest of the range as the example', () => {
    const claims = [part('8.8.8.0/24', 'A', ['8.8.8.0/25']), claim('8.8.8.0/24', 'B')];
    const [{ claim: on, finding }] = checkOverlappingClaims(claims, checkClaims(claims));
    expect(on.path).toBe('B');
    expect(finding.fix).toBe(
      'claim each address once: give this pool addresses that leave 8.8.8.0/25 free (it takes the whole range), e.g. addresses: ["8.8.8.128/25"] here (the part of the range that no other pool takes).',
    );
    // The suggestion, applied, leaves no conflict.
    expect(findings([claims[0], part('8.8.8.0/24', 'B', ['8.8.8.128/25'])])).toEqual([]);
  });

  test('a whole claim after a partial one, with another whole claim: addresses for it, and no example, since nothing is free', () => {
    const claims = [part('8.8.8.0/24', 'A', ['8.8.8.0/26']), claim('8.8.8.0/24', 'B'), claim('8.8.8.0/24', 'C')];
    expect(findings(claims)).toEqual(['C SesByoip-DuplicateRange', 'B SesByoip-OverlappingAddresses']);
    const [{ finding }] = checkOverlappingClaims(claims, checkClaims(claims));
    expect(finding.fix).toBe(
      'claim each address once: give this pool addresses that leave 8.8.8.0/26 free (it takes the whole range);' +
        ' the other pools of 8.8.8.0/24 in this account and Region take all of it now: free addresses in one of them first.',
    );
    expect(finding.fix).not.toContain('out of the addresses of this pool');
  });

  test('MultiRegion, and nothing else, for pools splitting one range in two Regions, overlapping or not', () => {
    const disjoint = [part('8.8.8.0/24', 'East', ['8.8.8.0/25']), part('8.8.8.0/24', 'West', ['8.8.8.128/25'], '111111111111/us-west-2')];
    expect(findings(disjoint)).toEqual(['West SesByoip-MultiRegion']);
    const overlapping = [
      part('8.8.8.0/24', 'East', ['8.8.8.0/25']),
      part('8.8.8.0/24', 'East2', ['8.8.8.0/26']),
      part('8.8.8.0/24', 'Other', ['8.8.8.0/25'], '222222222222/us-east-1'),
    ];
    expect(findings(overlapping)).toEqual(['Other SesByoip-MultiRegion']);
    expect(checkClaims(overlapping).get(overlapping[2])!.fix).toBe(
      'keep 8.8.8.0/24 only in the stack of the account and Region named in your AWS approval, and remove it from the others.',
    );
  });

  test('DuplicateRange, not OverlappingAddresses, between whole claims; partial claims still overlap them', () => {
    const claims = [claim('8.8.8.0/24', 'A'), part('8.8.8.0/24', 'P', ['8.8.8.0/26']), claim('8.8.8.0/24', 'B')];
    expect(findings(claims)).toEqual(['B SesByoip-DuplicateRange', 'P SesByoip-OverlappingAddresses']);
    expect(checkClaims(claims).get(claims[2])!.problem).toContain('is claimed 2 times in account 111111111111, Region us-east-1: here and by A;');
  });

  test('three whole claims are one DuplicateRange, and no overlap', () => {
    expect(findings([claim('8.8.8.0/24', 'A'), claim('8.8.8.0/24', 'B'), claim('8.8.8.0/24', 'C')])).toEqual(['C SesByoip-DuplicateRange']);
  });

  test('a claim with no address that passed takes part in no overlap check', () => {
    expect(findings([claim('8.8.8.0/24', 'A'), part('8.8.8.0/24', 'Bad', [])])).toEqual([]);
  });
});

describe('parseContextQuota (the context key cdk-ses-byoip:maxRangesPerRegion)', () => {
  test.each([
    [undefined, undefined], [8, 8], ['8', 8], [' 12 ', 12], [1, 1],
  ])('%p reads as %p', (value, expected) => {
    expect(parseContextQuota(value)).toBe(expected);
  });

  test.each([['0'], [0], ['-1'], [-1], [' -2 ']])('%p is below 1: the finding says so, with the value and SES\'s default as the fix', (value) => {
    const finding = parseContextQuota(value);
    expect(typeof finding).toBe('object');
    const text = formatFinding(finding as never);
    expect(text).toMatch(/^\[SesByoip-RegionalQuota\] the context key cdk-ses-byoip:maxRangesPerRegion is ("?)\s*-?\d+\s*\1, below 1, the smallest quota: /);
    expect(text).toContain("Fix: set it to the quota AWS gives your account, e.g. -c cdk-ses-byoip:maxRangesPerRegion=5 (SES's default)");
    expect(text).not.toContain('not a number');
  });

  test.each([['eight'], ['1.5'], [2.5], [true], [null], [''], ['8 ranges']])('%p is not a number of ranges', (value) => {
    const finding = parseContextQuota(value);
    expect(formatFinding(finding as never)).toContain('which is not a number of ranges');
  });
});
