import * as path from 'path';
import { Annotations, Duration, Token, Tokenization } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';
import { ByoipChecks } from './byoip-checks';
import { sesArn } from './private/arns';
import { registerCheckedKind } from './private/checked-construct';
import { knownEnvironmentOf } from './private/environment';
import { functionSettingsOf, shapeFunctions } from './private/function-settings';
import { nagResource, suppressNagFindings } from './private/nag-suppressions';
import { brandAsReputationGuard, isBrandedReputationGuard } from './private/pool-brand';
import { formatFinding } from './rules/finding';
import {
  AccountScope, checkDuplicateAccountAlarms, checkReputationMetrics, checkThresholds, DEFAULT_THRESHOLDS, ReputationGuardFacts, ThresholdName,
} from './rules/reputation-rules';
import { ByoipRuleId } from './rules/rule-id';

/**
 * Properties of a ReputationGuard.
 */
export interface ReputationGuardProps {
  /**
   * The configuration set to guard: any configuration set, usually
   * `sending.configurationSet` of a ByoipSendingPool. Its reputation metrics
   * must be on (they are by default); if they are visibly off, synthesis
   * warns (SesByoip-ReputationMetricsOff).
   */
  readonly configurationSet: ses.IConfigurationSet;

  /**
   * The bounce rate of the configuration set at which the warning alarm
   * goes off, as a fraction (0.025 is 2.5%). Must be between 0 and 1 and
   * below `bounceRateCritical` (SesByoip-InvalidThreshold).
   *
   * @default 0.025
   */
  readonly bounceRateWarning?: number;

  /**
   * The bounce rate of the configuration set at which the critical alarm
   * goes off, as a fraction; also the threshold of the account-wide bounce
   * alarm. AWS reviews an account at about 5% (0.05).
   *
   * @default 0.04
   */
  readonly bounceRateCritical?: number;

  /**
   * The complaint rate of the configuration set at which the warning alarm
   * goes off, as a fraction (0.0005 is 0.05%). Must be between 0 and 1 and
   * below `complaintRateCritical` (SesByoip-InvalidThreshold).
   *
   * @default 0.0005
   */
  readonly complaintRateWarning?: number;

  /**
   * The complaint rate of the configuration set at which the critical alarm
   * goes off, as a fraction; also the threshold of the account-wide
   * complaint alarm. AWS reviews an account at about 0.1% (0.001).
   *
   * @default 0.0008
   */
  readonly complaintRateCritical?: number;

  /**
   * The topic that every alarm of the guard notifies when it goes into ALARM
   * and when it goes back to OK.
   *
   * @default - a new topic that accepts only SSL requests (exposed as
   * `notificationTopic`); subscribe to it. It is not encrypted with KMS:
   * pass a topic of your own to have that.
   */
  readonly notificationTopic?: sns.ITopic;

  /**
   * Whether to also alarm on the account-wide bounce and complaint rates
   * (the metrics without dimension), at the critical thresholds. AWS reviews
   * and pauses the whole account on these rates. They notify the topic
   * only. Turn them off when another guard of the same account and Region
   * has them already (else synthesis warns on the guard created later:
   * SesByoip-DuplicateAccountAlarms).
   *
   * @default true
   */
  readonly accountWideAlarms?: boolean;

  /**
   * Whether a critical alarm of the configuration set (bounce or complaint
   * rate) also turns sending off for THIS configuration set, through a small
   * function deployed with the guard (PutConfigurationSetSendingOptions,
   * SendingEnabled false). Its role may do that on this configuration
   * set's ARN and nothing else. It never turns sending back on: run
   * `ses-byoip resume --configuration-set NAME` once the cause is fixed.
   * The account-wide alarms never pause. The function's runtime and logs
   * follow ByoipFunctions.configure for the stack.
   *
   * @default false
   */
  readonly pauseSendingAtCritical?: boolean;
}

/** Where the bundled pause function (src/pause-sending) is, from src/ or lib/. */
const PAUSE_ASSET = path.join(__dirname, '..', 'assets', 'pause-sending', 'index');
/**
 * The environment variable that names the set the function may pause: the
 * CONFIGURATION_SET_ENV of src/pause-sending/index.ts (not imported: that
 * module is bundled with the AWS SDK, not shipped in lib/).
 */
const PAUSE_CONFIGURATION_SET_ENV = 'CONFIGURATION_SET_NAME';

/** The CloudWatch namespace of SES's metrics. */
const NAMESPACE = 'AWS/SES';
/** The metric names, as in aws-cdk-lib's generated SES metrics (ses-canned-metrics.generated). */
const BOUNCE_RATE = 'Reputation.BounceRate';
const COMPLAINT_RATE = 'Reputation.ComplaintRate';
/** The dimension of SES's per-configuration-set metrics. */
const CONFIGURATION_SET_DIMENSION = 'ses:configuration-set';

/**
 * The statistic of the rates. SES publishes each rate as a running value (a
 * gauge), not a count: Sum (what aws-cdk-lib's generated per-set metric
 * says) adds up the data points of a period and means nothing; Maximum
 * takes the worst rate published in the period, so one data point at the
 * threshold is enough, and a spike is not averaged away by earlier values.
 */
const STATISTIC = cloudwatch.Stats.MAXIMUM;

/**
 * The period of every alarm. SES publishes the reputation rates
 * irregularly (not at all until the first bounce or complaint, then at
 * intervals that can be longer than minutes): a one-hour period with one
 * data point to alarm catches any published value within the hour, without
 * needing several in a row.
 */
const PERIOD = Duration.hours(1);

/**
 * Alarms on the bounce and complaint rates of an SES configuration set,
 * which carry the reputation that a BYOIP range brings, and (by default) on
 * the account's own rates, on which AWS reviews and may pause the account.
 *
 * Each rate has a warning and a critical alarm: `bounceRateWarningAlarm`,
 * `bounceRateCriticalAlarm`, `complaintRateWarningAlarm` and
 * `complaintRateCriticalAlarm`. Each goes off when the highest rate SES
 * published within an hour reaches its threshold, and notifies
 * `notificationTopic` when it goes into ALARM and back to OK. Missing data
 * (before the first bounce or complaint, and between SES's irregular data
 * points) neither raises nor clears an alarm. With `accountWideAlarms`, two
 * more alarms watch the account-wide rates at the critical thresholds
 * (`accountBounceRateAlarm`, `accountComplaintRateAlarm`).
 *
 * The thresholds are checked at synthesis (SesByoip-InvalidThreshold), and
 * a configuration set whose reputation metrics are visibly off gets a
 * warning (SesByoip-ReputationMetricsOff). A guard is not a claim on any
 * range: it takes no part in the range rules.
 *
 * @example
 * const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
 * const guard = new ReputationGuard(stack, 'Guard', {
 *   configurationSet: sending.configurationSet,
 * });
 * guard.notificationTopic; // subscribe your on-call address to it
 */
export class ReputationGuard extends Construct {
  /**
   * True if `x` is a ReputationGuard (works across copies of this library).
   */
  public static isReputationGuard(x: any): x is ReputationGuard {
    return isBrandedReputationGuard(x);
  }

  /** The configuration set that the guard watches. */
  public readonly configurationSet: ses.IConfigurationSet;

  /** The topic that every alarm notifies (ALARM and OK): the one given, or the one created. */
  public readonly notificationTopic: sns.ITopic;

  /** The configuration set's bounce rate reached `bounceRateWarning`. */
  public readonly bounceRateWarningAlarm: cloudwatch.Alarm;

  /** The configuration set's bounce rate reached `bounceRateCritical`. */
  public readonly bounceRateCriticalAlarm: cloudwatch.Alarm;

  /** The configuration set's complaint rate reached `complaintRateWarning`. */
  public readonly complaintRateWarningAlarm: cloudwatch.Alarm;

  /** The configuration set's complaint rate reached `complaintRateCritical`. */
  public readonly complaintRateCriticalAlarm: cloudwatch.Alarm;

  /** The account-wide bounce rate reached `bounceRateCritical`; undefined without `accountWideAlarms`. */
  public readonly accountBounceRateAlarm?: cloudwatch.Alarm;

  /** The account-wide complaint rate reached `complaintRateCritical`; undefined without `accountWideAlarms`. */
  public readonly accountComplaintRateAlarm?: cloudwatch.Alarm;

  /** The function that pauses the configuration set, with `pauseSendingAtCritical`. */
  public readonly pauseFunction?: lambda.IFunction;

  /**
   * The thresholds as given (or defaulted), for the checks.
   * @internal
   */
  public readonly _thresholdFacts: ReputationGuardFacts;

  constructor(scope: Construct, id: string, props: ReputationGuardProps) {
    super(scope, id);
    brandAsReputationGuard(this);
    ByoipChecks._applyDefault(this);
    this.configurationSet = props.configurationSet;

    const thresholds = {} as Record<ThresholdName, number>;
    const facts = {} as Record<ThresholdName, { value: unknown; isToken: boolean }>;
    for (const name of Object.keys(DEFAULT_THRESHOLDS) as ThresholdName[]) {
      const value = props[name] ?? DEFAULT_THRESHOLDS[name];
      thresholds[name] = value;
      facts[name] = { value, isToken: Token.isUnresolved(value) };
    }
    this._thresholdFacts = facts;

    // Errors wait for synthesis (ByoipChecks), collected with every other
    // one of the app; the metrics-off warning is added now, so that
    // acknowledgeWarning() on this construct works whenever it is called
    // (aws/aws-cdk#38820).
    const metricsOff = checkReputationMetrics(props.configurationSet.node.path, reputationMetricsEnabledOf(props.configurationSet));
    if (metricsOff) {
      Annotations.of(this).addWarningV2(metricsOff.ruleId, formatFinding(metricsOff));
    }

    this.notificationTopic = props.notificationTopic ?? this.createTopic();
    const notify = new cloudwatchActions.SnsAction(this.notificationTopic);
    const setName = props.configurationSet.configurationSetName;

    this.bounceRateWarningAlarm = this.rateAlarm('BounceRateWarningAlarm', this.metricBounceRate(), thresholds.bounceRateWarning,
      `Warning: the bounce rate of SES configuration set ${setName} reached ${Tokenization.stringifyNumber(thresholds.bounceRateWarning)}. Look at recent sends (list, template) before it reaches the critical level.`);
    this.bounceRateCriticalAlarm = this.rateAlarm('BounceRateCriticalAlarm', this.metricBounceRate(), thresholds.bounceRateCritical,
      `Critical: the bounce rate of SES configuration set ${setName} reached ${Tokenization.stringifyNumber(thresholds.bounceRateCritical)}. AWS reviews an account at about 5%: stop the cause now.`);
    this.complaintRateWarningAlarm = this.rateAlarm('ComplaintRateWarningAlarm', this.metricComplaintRate(), thresholds.complaintRateWarning,
      `Warning: the complaint rate of SES configuration set ${setName} reached ${Tokenization.stringifyNumber(thresholds.complaintRateWarning)}. Look at recent sends before it reaches the critical level.`);
    this.complaintRateCriticalAlarm = this.rateAlarm('ComplaintRateCriticalAlarm', this.metricComplaintRate(), thresholds.complaintRateCritical,
      `Critical: the complaint rate of SES configuration set ${setName} reached ${Tokenization.stringifyNumber(thresholds.complaintRateCritical)}. AWS reviews an account at about 0.1%: stop the cause now.`);
    const setAlarms = [this.bounceRateWarningAlarm, this.bounceRateCriticalAlarm, this.complaintRateWarningAlarm, this.complaintRateCriticalAlarm];

    // Account-wide rates: pausing one configuration set is the wrong answer
    // to them, so they only ever notify.
    const accountAlarms: cloudwatch.Alarm[] = [];
    if (props.accountWideAlarms ?? true) {
      // Added now, as the metrics-off warning is; the guards created before
      // this one are all there is to compare with.
      const duplicate = checkDuplicateAccountAlarms(...earlierAccountAlarms(this));
      if (duplicate) {
        Annotations.of(this).addWarningV2(duplicate.ruleId, formatFinding(duplicate));
      }
      this.accountBounceRateAlarm = this.rateAlarm('AccountBounceRateAlarm', accountMetric(BOUNCE_RATE), thresholds.bounceRateCritical,
        `Critical: the bounce rate of the whole SES account reached ${Tokenization.stringifyNumber(thresholds.bounceRateCritical)}. AWS reviews an account at about 5% and may pause its sending at about 10%.`);
      this.accountComplaintRateAlarm = this.rateAlarm('AccountComplaintRateAlarm', accountMetric(COMPLAINT_RATE), thresholds.complaintRateCritical,
        `Critical: the complaint rate of the whole SES account reached ${Tokenization.stringifyNumber(thresholds.complaintRateCritical)}. AWS reviews an account at about 0.1% and may pause its sending at about 0.5%.`);
      accountAlarms.push(this.accountBounceRateAlarm, this.accountComplaintRateAlarm);
    }
    for (const alarm of [...setAlarms, ...accountAlarms]) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }

    if (props.pauseSendingAtCritical ?? false) {
      const pause = this.createPauseFunction(setName);
      this.pauseFunction = pause;
      for (const alarm of [this.bounceRateCriticalAlarm, this.complaintRateCriticalAlarm]) {
        // One function as the action of two alarms needs a permission per alarm (aws-cdk-lib 2.257).
        alarm.addAlarmAction(new cloudwatchActions.LambdaAction(pause, { useUniquePermissionId: true }));
      }
    }
  }

  /**
   * The function that turns sending off for the configuration set: its own
   * role, allowed to read and set the sending options of that one set (and
   * to write its logs); runtime and logs as ByoipFunctions.configure says.
   */
  private createPauseFunction(setName: string): lambda.Function {
    const settings = functionSettingsOf(this);
    const role = new iam.Role(this, 'PauseRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Turns sending off for one SES configuration set when its reputation alarm fires (cdk-ses-byoip)',
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ses:GetConfigurationSet', 'ses:PutConfigurationSetSendingOptions'],
      resources: [sesArn(this, 'configuration-set', setName)],
    }));
    const ownLogGroups: logs.LogGroup[] = [];
    const logGroup = settings.logGroup ?? (() => {
      const created = new logs.LogGroup(this, 'PauseLogs', { retention: settings.logRetention, removalPolicy: settings.logRemovalPolicy });
      ownLogGroups.push(created);
      return created;
    })();
    logGroup.grantWrite(role);
    const fn = new lambda.Function(this, 'PauseFunction', {
      code: lambda.Code.fromAsset(PAUSE_ASSET),
      handler: 'index.handler',
      runtime: settings.runtime,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // Throttling retries at SES's one request per second fit well within it.
      timeout: Duration.minutes(2),
      role,
      logGroup,
      environment: { [PAUSE_CONFIGURATION_SET_ENV]: setName },
      description: 'Pauses an SES configuration set when its reputation alarm fires (cdk-ses-byoip)',
    });
    shapeFunctions(this, ownLogGroups);
    suppressNagFindings(role.node.findChild('DefaultPolicy'), [{
      id: 'AwsSolutions-IAM5',
      reason: 'Writing to its log group takes the group\'s log streams (":*"), as aws-cdk-lib grants it.',
      appliesTo: [nagResource(this, `${logGroup.logGroupArn}:*`)],
    }]);
    return fn;
  }

  /**
   * The bounce rate of the configuration set: `Reputation.BounceRate` in
   * `AWS/SES` with the dimension `ses:configuration-set`, its Maximum over
   * one hour unless `props` say otherwise.
   */
  public metricBounceRate(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.setMetric(BOUNCE_RATE, props);
  }

  /**
   * The complaint rate of the configuration set: `Reputation.ComplaintRate`
   * in `AWS/SES` with the dimension `ses:configuration-set`, its Maximum
   * over one hour unless `props` say otherwise.
   */
  public metricComplaintRate(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.setMetric(COMPLAINT_RATE, props);
  }

  private setMetric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: NAMESPACE,
      metricName,
      dimensionsMap: { [CONFIGURATION_SET_DIMENSION]: this.configurationSet.configurationSetName },
      statistic: STATISTIC,
      period: PERIOD,
      ...props,
    });
  }

  private rateAlarm(id: string, metric: cloudwatch.Metric, threshold: number, alarmDescription: string): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, id, {
      metric,
      threshold,
      alarmDescription,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // SES publishes no rate until the first bounce or complaint, then only
      // now and then. IGNORE keeps the alarm in the state it is in while data
      // is missing: a quiet hour must not raise an alarm (BREACHING) nor
      // clear one that a real rate raised (NOT_BREACHING would send OK while
      // the rate is as bad as ever). A new alarm stays INSUFFICIENT_DATA until
      // the first data point, which is not an alarm.
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });
  }

  /**
   * The default topic: SSL only (cdk-nag AwsSolutions-SNS3). Not encrypted
   * with KMS: CloudWatch can publish to an encrypted topic only with a
   * customer managed key whose policy lets cloudwatch.amazonaws.com use it
   * (a cost, and a key to own), and alarm state changes carry no mail or
   * personal data. cdk-nag's AwsSolutions pack no longer has SNS2, so no
   * suppression is needed; users who want encryption (or run a pack with
   * SNSEncryptedKMS) pass such a topic as `notificationTopic`.
   */
  private createTopic(): sns.Topic {
    return new sns.Topic(this, 'Topic', {
      displayName: 'SES reputation alarms',
      enforceSSL: true,
    });
  }
}

// What a guard tells ByoipChecks (see private/checked-construct.ts): its
// thresholds' errors. A guard is not a claim on any range.
registerCheckedKind({
  name: 'ReputationGuard',
  is: isBrandedReputationGuard,
  warnings: [ByoipRuleId.REPUTATION_METRICS_OFF, ByoipRuleId.DUPLICATE_ACCOUNT_ALARMS],
  factsOf: (node) => ({ errors: checkThresholds((node as ReputationGuard)._thresholdFacts) }),
});

/**
 * The paths of the guards of the app, created before `guard`, that have
 * account-wide alarms in its account and Region (or in its stack, if that is
 * environment-agnostic), in construct-tree order; and that scope. Guards of
 * other copies of this library count (by brand and attribute).
 */
function earlierAccountAlarms(guard: ReputationGuard): [string[], AccountScope] {
  const scopeOf = (construct: IConstruct): AccountScope => {
    const { stack, account, region } = knownEnvironmentOf(construct);
    return account !== undefined && region !== undefined ? { account, region } : { stackPath: stack.node.path };
  };
  const key = (scope: AccountScope) => ('stackPath' in scope ? `stack ${scope.stackPath}` : `${scope.account}/${scope.region}`);
  const scope = scopeOf(guard);
  const earlier = guard.node.root.node.findAll()
    .filter((c) => c !== guard && isBrandedReputationGuard(c) && (c as ReputationGuard).accountBounceRateAlarm !== undefined)
    .filter((c) => key(scopeOf(c)) === key(scope))
    .map((c) => c.node.path);
  return [earlier, scope];
}

/** A rate of the whole account and Region: the metric without dimension. */
function accountMetric(metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: NAMESPACE, metricName, statistic: STATISTIC, period: PERIOD });
}

/**
 * `ReputationOptions.ReputationMetricsEnabled` of the configuration set, if
 * it is an `ses.ConfigurationSet` of the app (or any construct whose
 * default child is its L1) and the value is a literal boolean; else
 * undefined (unset, imported, or a token).
 */
function reputationMetricsEnabledOf(configurationSet: ses.IConfigurationSet): boolean | undefined {
  const cfn = configurationSet.node.defaultChild;
  if (!cfn || !ses.CfnConfigurationSet.isCfnConfigurationSet(cfn)) {
    return undefined;
  }
  const options = cfn.reputationOptions;
  if (!options || Token.isUnresolved(options)) {
    return undefined;
  }
  const enabled = (options as ses.CfnConfigurationSet.ReputationOptionsProperty).reputationMetricsEnabled;
  return typeof enabled === 'boolean' ? enabled : undefined;
}
