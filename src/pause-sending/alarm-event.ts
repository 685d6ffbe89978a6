/**
 * The event a CloudWatch alarm sends to a Lambda action (CloudWatch User
 * Guide, "Invoke a Lambda function from an alarm"), and what the pause
 * function reads of it:
 *
 *   { source: 'aws.cloudwatch', alarmArn, accountId, time, region,
 *     alarmData: { alarmName,
 *       state: { value: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA', reason, reasonData, timestamp },
 *       previousState: { ... },
 *       configuration: { description, metrics: [{ id, metricStat: {
 *         metric: { namespace, name, dimensions: { 'ses:configuration-set': 'name' } },
 *         period, stat }, returnData }] } } }
 *
 * `reasonData` is a JSON string: { version, queryDate, startDate, statistic,
 * period, recentDatapoints: number[], threshold, evaluatedDatapoints:
 * [{ timestamp, sampleCount?, value? }] }. It may be missing (e.g. a state
 * set with `aws cloudwatch set-alarm-state` without it): then the value and
 * threshold are unknown, which the function logs as such.
 */

/** The dimension of SES's per-configuration-set metrics. */
export const CONFIGURATION_SET_DIMENSION = 'ses:configuration-set';

/** What the pause function needs of an alarm's event. */
export interface AlarmEvent {
  readonly alarmName: string;
  readonly alarmArn?: string;
  /** ALARM, OK or INSUFFICIENT_DATA. */
  readonly state: string;
  readonly previousState?: string;
  readonly reason?: string;
  /** The value that changed the state: the newest evaluated datapoint, or undefined if the event does not say. */
  readonly value?: number;
  readonly threshold?: number;
  /** The metrics the alarm watches, `namespace/name` (math expressions have none). */
  readonly metrics: readonly string[];
  /**
   * The configuration sets named by the `ses:configuration-set` dimension of
   * the alarm's metrics (none for an account-wide alarm).
   */
  readonly configurationSets: readonly string[];
}

/** The alarm's event, or why the input is not one. */
export function parseAlarmEvent(event: unknown): { readonly alarm: AlarmEvent } | { readonly problem: string } {
  const data = objectAt(event, 'alarmData');
  const alarmName = stringAt(data, 'alarmName');
  const state = objectAt(data, 'state');
  const value = stringAt(state, 'value');
  if (objectAt(event) === undefined || stringAt(event, 'source') !== 'aws.cloudwatch' || alarmName === undefined || value === undefined) {
    return { problem: 'not the event of a CloudWatch alarm action (source aws.cloudwatch, alarmData.alarmName and alarmData.state.value)' };
  }
  const reasonData = parseReasonData(stringAt(state, 'reasonData'));
  const metrics: string[] = [];
  const configurationSets = new Set<string>();
  const configured = objectAt(data, 'configuration')?.metrics;
  for (const query of Array.isArray(configured) ? configured : []) {
    const metric = objectAt(objectAt(query, 'metricStat'), 'metric');
    if (metric) {
      metrics.push(`${stringAt(metric, 'namespace') ?? '?'}/${stringAt(metric, 'name') ?? '?'}`);
      const set = stringAt(objectAt(metric, 'dimensions'), CONFIGURATION_SET_DIMENSION);
      if (set !== undefined) {
        configurationSets.add(set);
      }
    }
  }
  return {
    alarm: {
      alarmName,
      alarmArn: stringAt(event, 'alarmArn'),
      state: value,
      previousState: stringAt(objectAt(data, 'previousState'), 'value'),
      reason: stringAt(state, 'reason'),
      value: reasonData.value,
      threshold: reasonData.threshold,
      metrics,
      configurationSets: [...configurationSets],
    },
  };
}

/** The threshold and newest value in `reasonData` (a JSON string), each undefined if not there. */
function parseReasonData(text: string | undefined): { value?: number; threshold?: number } {
  if (text === undefined) {
    return {};
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return {};
  }
  const threshold = numberOf(objectAt(data)?.threshold);
  // evaluatedDatapoints: the datapoints that decided the state, with timestamps; the newest is the value.
  const evaluated = objectAt(data)?.evaluatedDatapoints;
  const points = (Array.isArray(evaluated) ? evaluated : [])
    .map((point) => ({ time: Date.parse(stringAt(point, 'timestamp') ?? ''), value: numberOf(objectAt(point)?.value) }))
    .filter((point): point is { time: number; value: number } => point.value !== undefined)
    .sort((a, b) => (Number.isNaN(b.time) ? 0 : b.time) - (Number.isNaN(a.time) ? 0 : a.time));
  // recentDatapoints: the values, oldest first (no timestamps).
  const recent = objectAt(data)?.recentDatapoints;
  const recentValues = (Array.isArray(recent) ? recent : []).map(numberOf).filter((v): v is number => v !== undefined);
  return { threshold, value: points[0]?.value ?? recentValues[recentValues.length - 1] };
}

function objectAt(value: unknown, key?: string): Record<string, unknown> | undefined {
  const inner = key === undefined ? value : objectAt(value)?.[key];
  return typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? inner as Record<string, unknown> : undefined;
}

function stringAt(value: unknown, key: string): string | undefined {
  const inner = objectAt(value)?.[key];
  return typeof inner === 'string' ? inner : undefined;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
