import { formatFinding } from '../../src/rules/finding';
import { checkPool, PoolFacts } from '../../src/rules/pool-rules';
import { ByoipRuleId } from '../../src/rules/rule-id';

const GOOD: PoolFacts = {
  cidr: '8.8.8.0/24',
  cidrIsToken: false,
  stackId: 'Mail',
  account: '111111111111',
  region: 'us-east-1',
  scalingMode: 'STANDARD',
  poolName: 'byoip',
};

const rules = (facts: Partial<PoolFacts>) => checkPool({ ...GOOD, ...facts }).map((f) => f.ruleId);

describe('checkPool', () => {
  test('finds nothing wrong with a literal range, a known environment and a STANDARD pool', () => {
    expect(checkPool(GOOD)).toEqual([]);
    expect(rules({ poolName: undefined, scalingMode: undefined })).toEqual([]);
  });

  test('UnresolvedCidr: a token range', () => {
    const [finding] = checkPool({ ...GOOD, cidr: '${Token[TOKEN.12]}', cidrIsToken: true });
    expect(formatFinding(finding)).toBe(
      '[SesByoip-UnresolvedCidr] cidr is a token ("${Token[TOKEN.12]}"), a value only known at deploy time, so the range cannot be checked against the BYOIP rules.' +
        ' Allowed: a literal string known when the app is synthesized: the /24 of your AWS approval.' +
        ' Fix: pass the range as a plain string (in code, or from cdk.json or `-c` context), not as a CloudFormation parameter, import or attribute.',
    );
  });

  test.each([
    [{ account: undefined }, 'its account is not known'],
    [{ region: undefined }, 'its Region is not known'],
    [{ account: undefined, region: undefined }, 'its account and Region are not known'],
  ])('UnresolvedEnvironment: %j', (facts, words) => {
    const findings = checkPool({ ...GOOD, ...facts });
    expect(findings.map((f) => f.ruleId)).toEqual([ByoipRuleId.UNRESOLVED_ENVIRONMENT]);
    expect(findings[0].problem).toContain(`stack "Mail" is environment-agnostic: ${words}`);
    expect(findings[0].fix).toContain('(or the Stage that holds it)');
    expect(findings[0].fix).toContain("new Stack(scope, 'Mail', { env: { account:");
  });

  test('ManagedScaling: only MANAGED fires', () => {
    expect(rules({ scalingMode: 'MANAGED' })).toEqual([ByoipRuleId.MANAGED_SCALING]);
    expect(rules({ scalingMode: 'STANDARD' })).toEqual([]);
  });

  test.each(['ses-default-dedicated-pool', 'ses-shared-pool'])('ReservedPoolName: %s', (poolName) => {
    const findings = checkPool({ ...GOOD, poolName });
    expect(findings.map((f) => f.ruleId)).toEqual([ByoipRuleId.RESERVED_POOL_NAME]);
    expect(findings[0].problem).toContain(`dedicatedIpPoolName "${poolName}"`);
  });

  test('ReservedPoolName suggests a name derived from the pool\'s own range', () => {
    const [finding] = checkPool({ ...GOOD, cidr: '8.8.4.0/24', poolName: 'ses-default-dedicated-pool' });
    expect(finding.fix).toBe('choose another name, e.g. "byoip-8-8-4-0", or leave dedicatedIpPoolName unset.');
  });

  test('ReservedPoolName gives no example when the pool\'s range is not valid', () => {
    const [, finding] = checkPool({ ...GOOD, cidr: '${Token[TOKEN.1]}', cidrIsToken: true, poolName: 'ses-shared-pool' });
    expect(finding.ruleId).toBe(ByoipRuleId.RESERVED_POOL_NAME);
    expect(finding.fix).toBe('choose another name, or leave dedicatedIpPoolName unset.');
  });

  test.each([
    ['my pool!', 'contains the characters " ", "!"', 'my-pool'],
    ['Byoip', 'contains the character "B"', 'byoip'],
    ['x'.repeat(65), 'is 65 characters long', 'x'.repeat(64)],
    ['', 'is empty', 'byoip-8-8-8-0'],
    ['!!!', 'contains the character "!"', 'byoip-8-8-8-0'],
    ['pool\u200b', 'contains the character "\\u200b"', 'pool'],
  ])('InvalidPoolName: %j', (poolName, why, example) => {
    const findings = checkPool({ ...GOOD, poolName });
    expect(findings.map((f) => f.ruleId)).toEqual([ByoipRuleId.INVALID_POOL_NAME]);
    expect(findings[0].problem).toContain(`is not a name SES accepts: it ${why}.`);
    expect(findings[0].allowed).toBe('lowercase letters, digits, "_" and "-", from 1 to 64 characters.');
    expect(findings[0].fix).toBe(`choose a name of those characters, e.g. "${example}", or leave dedicatedIpPoolName unset: CloudFormation then generates one.`);
    // The example passes both name rules.
    expect(checkPool({ ...GOOD, poolName: example })).toEqual([]);
  });

  test.each(['a', 'byoip_198-51-100', '0', 'x'.repeat(64)])('InvalidPoolName: %j is accepted', (poolName) => {
    expect(rules({ poolName })).toEqual([]);
  });

  test('names that only resemble the reserved ones pass', () => {
    expect(rules({ poolName: 'ses-default-dedicated-pool-2' })).toEqual([]);
    expect(rules({ poolName: 'my-ses-shared-pool' })).toEqual([]);
  });

  test('reports every independent problem of one pool', () => {
    expect(
      rules({ cidrIsToken: true, region: undefined, scalingMode: 'MANAGED', poolName: 'ses-shared-pool' }),
    ).toEqual([
      ByoipRuleId.UNRESOLVED_CIDR,
      ByoipRuleId.UNRESOLVED_ENVIRONMENT,
      ByoipRuleId.MANAGED_SCALING,
      ByoipRuleId.RESERVED_POOL_NAME,
    ]);
  });
});
