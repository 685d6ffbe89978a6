import { formatFinding } from '../../src/rules/finding';
import { checkReputationMetrics, checkThresholds, DEFAULT_THRESHOLDS, ReputationGuardFacts, ThresholdName } from '../../src/rules/reputation-rules';

function facts(values: Partial<Record<ThresholdName, unknown>> = {}, tokens: ThresholdName[] = []): ReputationGuardFacts {
  const all = { ...DEFAULT_THRESHOLDS, ...values } as Record<ThresholdName, unknown>;
  const entries = Object.entries(all).map(([name, value]) => [name, { value, isToken: tokens.includes(name as ThresholdName) }]);
  return Object.fromEntries(entries) as unknown as ReputationGuardFacts;
}

const problems = (f: ReputationGuardFacts) => checkThresholds(f).map((x) => x.problem);

describe('SesByoip-InvalidThreshold', () => {
  test('the defaults pass, and sit below AWS\'s review levels (5%, 0.1%)', () => {
    expect(checkThresholds(facts())).toEqual([]);
    expect(DEFAULT_THRESHOLDS.bounceRateCritical).toBeLessThan(0.05);
    expect(DEFAULT_THRESHOLDS.complaintRateCritical).toBeLessThan(0.001);
  });

  test.each([
    [{ bounceRateWarning: 0.001, bounceRateCritical: 0.999 }],
    [{ complaintRateWarning: 0.00001, complaintRateCritical: 0.00002 }],
  ])('accepts %j', (values) => {
    expect(checkThresholds(facts(values))).toEqual([]);
  });

  test.each([
    [0, 'bounceRateWarning is 0, which is not a rate between 0 and 1.'],
    [1, 'bounceRateWarning is 1, which is not a rate between 0 and 1.'],
    [-0.01, 'bounceRateWarning is -0.01, which is not a rate between 0 and 1.'],
    [Infinity, 'bounceRateWarning is Infinity, which is not a rate between 0 and 1.'],
    [NaN, 'bounceRateWarning is NaN, which is not a rate between 0 and 1.'],
    ['0.02', 'bounceRateWarning is "0.02", which is not a rate between 0 and 1.'],
    [undefined, 'bounceRateWarning is undefined, which is not a rate between 0 and 1.'],
  ])('rejects %p', (value, problem) => {
    expect(problems(facts({ bounceRateWarning: value }))).toEqual([problem]);
  });

  test('a percentage is told how to write it as a fraction', () => {
    expect(checkThresholds(facts({ bounceRateCritical: 4 }))[0].fix).toBe('write the rate as a fraction: 4% is 0.04; or leave bounceRateCritical out for 0.04.');
  });

  test('a token is one finding, and its pair is not judged', () => {
    expect(checkThresholds(facts({ complaintRateCritical: -1.8881545897087626e+289 }, ['complaintRateCritical'])).map(formatFinding)).toEqual([
      '[SesByoip-InvalidThreshold] complaintRateCritical is a token (a parameter, an import ...), not a number known at synthesis, so it cannot be checked and the alarm could not be compared with its pair. ' +
      'Allowed: a literal number greater than 0 and less than 1: a fraction, as CloudWatch reports the rate (0.04 is 4%). ' +
      'Fix: give complaintRateCritical a literal number, e.g. 0.0008 (the default), or leave it out.',
    ]);
  });

  test.each([
    [{ bounceRateWarning: 0.04 }, 'bounceRateWarning is 0.04 (4%), which is not below bounceRateCritical, 0.04 (4%): the warning about the bounce rate would never come before the critical alarm.'],
    [{ complaintRateWarning: 0.002 }, 'complaintRateWarning is 0.002 (0.2%), which is not below complaintRateCritical, 0.0008 (0.08%): the warning about the complaint rate would never come before the critical alarm.'],
  ])('rejects a warning not below its critical: %j', (values, problem) => {
    expect(problems(facts(values))).toEqual([problem]);
  });

  test('one finding per problem, a bad value hiding its pair\'s comparison', () => {
    expect(checkThresholds(facts({ bounceRateWarning: 0, bounceRateCritical: 1, complaintRateWarning: 0.01, complaintRateCritical: 0.001 })).map((f) => f.problem.split(' ')[0]))
      .toEqual(['bounceRateWarning', 'bounceRateCritical', 'complaintRateWarning']);
  });

  test('every finding is an error with the rule ID', () => {
    for (const finding of checkThresholds(facts({ bounceRateWarning: 2, complaintRateWarning: 0.5 }))) {
      expect(finding).toMatchObject({ ruleId: 'SesByoip-InvalidThreshold', severity: 'error' });
    }
  });
});

describe('SesByoip-ReputationMetricsOff', () => {
  test('a warning when the metrics are off', () => {
    expect(checkReputationMetrics('Mail/Set', false)).toMatchObject({ ruleId: 'SesByoip-ReputationMetricsOff', severity: 'warning' });
    expect(formatFinding(checkReputationMetrics('Mail/Set', false)!)).toMatch(/^\[SesByoip-ReputationMetricsOff\] the configuration set Mail\/Set has its reputation metrics turned off/);
  });

  test.each([[true], [undefined]])('nothing when they are %p', (enabled) => {
    expect(checkReputationMetrics('Mail/Set', enabled)).toBeUndefined();
  });
});
