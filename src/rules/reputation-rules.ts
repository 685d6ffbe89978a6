import { Finding, listSome } from './finding';
import { ByoipRuleId } from './rule-id';
import { quote } from '../private/display';

/** The thresholds of a ReputationGuard, each under its prop name. */
export type ThresholdName = 'bounceRateWarning' | 'bounceRateCritical' | 'complaintRateWarning' | 'complaintRateCritical';

/** One threshold as the rules see it. */
export interface ThresholdFact {
  /** The value given, or the default (a JavaScript caller may give anything). */
  readonly value: unknown;
  /** True if the value is a token (a parameter, an import ...). */
  readonly isToken: boolean;
}

/** What the reputation rules need to know about one ReputationGuard. */
export type ReputationGuardFacts = Readonly<Record<ThresholdName, ThresholdFact>>;

/** The default thresholds: below the rates at which AWS reviews an account (5% bounces, 0.1% complaints). */
export const DEFAULT_THRESHOLDS: Readonly<Record<ThresholdName, number>> = {
  bounceRateWarning: 0.025,
  bounceRateCritical: 0.04,
  complaintRateWarning: 0.0005,
  complaintRateCritical: 0.0008,
};

/** The warning and critical threshold of each rate, in the order the rules report them. */
const PAIRS: ReadonlyArray<{ readonly rate: string; readonly warning: ThresholdName; readonly critical: ThresholdName }> = [
  { rate: 'bounce rate', warning: 'bounceRateWarning', critical: 'bounceRateCritical' },
  { rate: 'complaint rate', warning: 'complaintRateWarning', critical: 'complaintRateCritical' },
];

const ALLOWED_VALUE = 'a literal number greater than 0 and less than 1: a fraction, as CloudWatch reports the rate (0.04 is 4%).';

/** `value` as a percentage for a message, e.g. 4% for 0.04. */
function percent(value: number): string {
  return `${Number((value * 100).toPrecision(6))}%`;
}

/** A threshold value as a message shows it. */
function show(value: unknown): string {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value > 0 && value < 1 ? `${value} (${percent(value)})` : String(value);
  }
  return value === undefined ? 'undefined' : typeof value === 'string' ? quote(value) : quote(JSON.stringify(value) ?? String(value));
}

/** True if `fact` is a usable threshold: a literal number in (0, 1). */
function isUsable(fact: ThresholdFact): fact is ThresholdFact & { readonly value: number } {
  return !fact.isToken && typeof fact.value === 'number' && Number.isFinite(fact.value) && fact.value > 0 && fact.value < 1;
}

/**
 * The InvalidThreshold findings of one ReputationGuard, one per problem: each
 * threshold that is a token or not in (0, 1), then each rate whose warning
 * threshold is not below its critical one (judged only when both are usable:
 * one input, one rule).
 */
export function checkThresholds(facts: ReputationGuardFacts): Finding[] {
  const findings: Finding[] = [];
  for (const { warning, critical } of PAIRS) {
    for (const name of [warning, critical]) {
      const fact = facts[name];
      if (fact.isToken) {
        findings.push({
          ruleId: ByoipRuleId.INVALID_THRESHOLD,
          severity: 'error',
          problem: `${name} is a token (a parameter, an import ...), not a number known at synthesis, so it cannot be checked and the alarm could not be compared with its pair.`,
          allowed: ALLOWED_VALUE,
          fix: `give ${name} a literal number, e.g. ${DEFAULT_THRESHOLDS[name]} (the default), or leave it out.`,
        });
      } else if (!isUsable(fact)) {
        findings.push({
          ruleId: ByoipRuleId.INVALID_THRESHOLD,
          severity: 'error',
          problem: `${name} is ${show(fact.value)}, which is not a rate between 0 and 1.`,
          allowed: ALLOWED_VALUE,
          fix: typeof fact.value === 'number' && fact.value >= 1 && fact.value < 100
            ? `write the rate as a fraction: ${fact.value}% is ${Number((fact.value / 100).toPrecision(6))}; or leave ${name} out for ${DEFAULT_THRESHOLDS[name]}.`
            : `set ${name} to a fraction such as ${DEFAULT_THRESHOLDS[name]} (the default), or leave it out.`,
        });
      }
    }
  }
  for (const { rate, warning, critical } of PAIRS) {
    const w = facts[warning];
    const c = facts[critical];
    if (isUsable(w) && isUsable(c) && w.value >= c.value) {
      findings.push({
        ruleId: ByoipRuleId.INVALID_THRESHOLD,
        severity: 'error',
        problem: `${warning} is ${show(w.value)}, which is not below ${critical}, ${show(c.value)}: the warning about the ${rate} would never come before the critical alarm.`,
        allowed: `${warning} less than ${critical}.`,
        fix: `lower ${warning} or raise ${critical} (the defaults are ${DEFAULT_THRESHOLDS[warning]} and ${DEFAULT_THRESHOLDS[critical]}).`,
      });
    }
  }
  return findings;
}

/**
 * The ReputationMetricsOff warning, if the configuration set's reputation
 * metrics are known to be off: `reputationMetricsEnabled` is the
 * configuration set's `ReputationOptions.ReputationMetricsEnabled` if it can
 * be read at synthesis (undefined when unset, for an imported set, or a
 * token). Unset means on: CloudFormation turns them on (aws/aws-cdk#30968).
 */
export function checkReputationMetrics(configurationSetPath: string, reputationMetricsEnabled: boolean | undefined): Finding | undefined {
  if (reputationMetricsEnabled !== false) {
    return undefined;
  }
  return {
    ruleId: ByoipRuleId.REPUTATION_METRICS_OFF,
    severity: 'warning',
    problem: `the configuration set ${configurationSetPath} has its reputation metrics turned off (ReputationMetricsEnabled: false), so SES publishes no Reputation.BounceRate or Reputation.ComplaintRate for it and the guard's alarms on it can never fire.`,
    allowed: 'a configuration set whose reputation metrics are on (reputationMetrics: true, or left unset).',
    fix: `turn them on (reputationMetrics: true on the ses.ConfigurationSet or the ByoipSendingPool), or acknowledge this warning with Annotations.of(guard).acknowledgeWarning('${ByoipRuleId.REPUTATION_METRICS_OFF}', reason) if only the account-wide alarms matter to you.`,
  };
}

/**
 * Where account-wide alarms are one set: an account and Region, or an
 * environment-agnostic stack (whose guards share one, whichever it is).
 */
export type AccountScope =
  | { readonly account: string; readonly region: string }
  | { readonly stackPath: string };

/**
 * The DuplicateAccountAlarms warning of a guard with account-wide alarms,
 * if guards created before it in the same `scope` have them too (`earlier`,
 * their construct paths).
 */
export function checkDuplicateAccountAlarms(earlier: readonly string[], scope: AccountScope): Finding | undefined {
  if (earlier.length === 0) {
    return undefined;
  }
  const where = 'stackPath' in scope ? ', in the same stack' : `, in account ${scope.account}, Region ${scope.region}`;
  return {
    ruleId: ByoipRuleId.DUPLICATE_ACCOUNT_ALARMS,
    severity: 'warning',
    problem: 'this guard\'s account-wide alarms (accountWideAlarms, true by default) watch the same account-wide bounce and complaint rates' +
      ` as those of ${listSome(earlier)}${where}: every alarm on them would go off, and notify, twice.`,
    allowed: 'the account-wide alarms in one ReputationGuard per account and Region; every guard keeps the alarms of its own configuration set.',
    fix: `set accountWideAlarms: false on every guard of this account and Region but one (here, to keep those of ${earlier[0]}),` +
      ` or acknowledge this warning with Annotations.of(guard).acknowledgeWarning('${ByoipRuleId.DUPLICATE_ACCOUNT_ALARMS}', reason) if both are meant (e.g. other topics or thresholds).`,
  };
}
