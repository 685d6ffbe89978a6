/**
 * Realistic events of a CloudWatch alarm's Lambda action (the shape of the
 * CloudWatch User Guide's example, "Invoke a Lambda function from an alarm"),
 * for SES's per-configuration-set reputation metrics.
 */
export interface AlarmEventOptions {
  readonly alarmName?: string;
  readonly state?: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  readonly previousState?: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  /** The configuration set of the metric's dimension; null: no dimension (an account-wide alarm). */
  readonly configurationSet?: string | null;
  readonly metricName?: string;
  readonly threshold?: number;
  readonly value?: number;
}

export function alarmEvent(options: AlarmEventOptions = {}): Record<string, unknown> {
  const {
    alarmName = 'Guard-BounceRateCritical-ABC123',
    state = 'ALARM',
    previousState = state === 'ALARM' ? 'OK' : 'ALARM',
    configurationSet = 'transactional',
    metricName = 'Reputation.BounceRate',
    threshold = 0.04,
    value = 0.052,
  } = options;
  const breaching = state === 'ALARM';
  const reasonData = JSON.stringify({
    version: '1.0',
    queryDate: '2026-03-02T10:15:42.108+0000',
    startDate: '2026-03-02T09:15:00.000+0000',
    statistic: 'Maximum',
    period: 3600,
    recentDatapoints: [0.031, value],
    threshold,
    evaluatedDatapoints: [{ timestamp: '2026-03-02T09:15:00.000+0000', sampleCount: 12.0, value }],
  });
  return {
    source: 'aws.cloudwatch',
    alarmArn: `arn:aws:cloudwatch:us-east-1:111122223333:alarm:${alarmName}`,
    accountId: '111122223333',
    time: '2026-03-02T10:15:42.110+0000',
    region: 'us-east-1',
    alarmData: {
      alarmName,
      state: {
        value: state,
        reason: `Threshold Crossed: 1 out of the last 1 datapoints [${value} (02/03/26 09:15:00)] was ${breaching ? '' : 'not '}greater than or equal to the threshold (${threshold}) (minimum 1 datapoint for ${breaching ? 'OK -> ALARM' : 'ALARM -> OK'} transition).`,
        reasonData,
        timestamp: '2026-03-02T10:15:42.110+0000',
      },
      previousState: {
        value: previousState,
        reason: 'Threshold Crossed: earlier.',
        timestamp: '2026-03-02T08:15:42.110+0000',
      },
      configuration: {
        description: 'Bounce rate of the configuration set at the critical threshold: pauses its sending.',
        metrics: [{
          id: 'e1b6f4a0-6d0d-4c55-a8f7-6c3b1d1a2b3c',
          metricStat: {
            metric: {
              namespace: 'AWS/SES',
              name: metricName,
              dimensions: configurationSet === null ? {} : { 'ses:configuration-set': configurationSet },
            },
            period: 3600,
            stat: 'Maximum',
          },
          returnData: true,
        }],
      },
    },
  };
}
