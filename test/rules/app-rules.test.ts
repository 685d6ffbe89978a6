import { checkClaims, RangeClaim } from '../../src/rules/app-rules';
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
        ' Allowed: one ByoipSendingPool per range; other configuration sets can send through its pool (pass its dedicatedIpPool to ses.ConfigurationSet).' +
        ' Fix: keep one ByoipSendingPool for 8.8.8.0/24 and remove the others.',
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
