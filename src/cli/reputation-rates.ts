/**
 * The bounce and complaint rates of a configuration set, as `ses-byoip
 * resume` shows them before it turns sending back on: the highest rate SES
 * published in the last hour and in the last 24 hours, read with CloudWatch
 * GetMetricData (`cloudwatch:GetMetricData`). The metrics, dimension and
 * statistic are those the ReputationGuard's alarms watch (see
 * src/reputation-guard.ts, not imported: it brings aws-cdk-lib): AWS/SES
 * `Reputation.BounceRate` and `Reputation.ComplaintRate` with the dimension
 * `ses:configuration-set`, Maximum.
 *
 * Informational: a failure to read them is a reason to show, never a
 * reason for resume to fail.
 */
import { CloudWatchClient, GetMetricDataCommand, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { CLOUDWATCH, EndpointProblem, watchEndpoint } from './aws-endpoint';
import { DeadlinePassed, withDeadline } from './deadline';
import { describeSesError, errorName } from '../handler/ses-client';

/** The CloudWatch namespace of SES's metrics (as in reputation-guard.ts). */
const NAMESPACE = 'AWS/SES';
const BOUNCE_RATE = 'Reputation.BounceRate';
const COMPLAINT_RATE = 'Reputation.ComplaintRate';
/** The dimension of SES's per-configuration-set metrics. */
const CONFIGURATION_SET_DIMENSION = 'ses:configuration-set';
/** Maximum: the worst rate SES published in a period, as the guard's alarms take it. */
const STATISTIC = 'Maximum';
/** One-minute periods: the last hour is then exactly the last 60 of them. */
const PERIOD_SECONDS = 60;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The highest rate (a fraction: 0.05 is 5%) SES published in each window; null if it published none there. */
export interface RateWindows {
  readonly lastHour: number | null;
  readonly lastDay: number | null;
}

/** A configuration set's reputation rates. */
export interface ReputationRates {
  readonly bounceRate: RateWindows;
  readonly complaintRate: RateWindows;
}

/** The rates, or why they could not be read (one clause, no final period). */
export type RatesReading = { readonly rates: ReputationRates } | { readonly unknown: string };

/**
 * Reads the rates of `configurationSet` in `region` (credentials and
 * endpoint, e.g. AWS_ENDPOINT_URL_CLOUDWATCH, from the SDK's standard
 * configuration), giving up after `timeoutMs`.
 */
export async function readReputationRates(
  configurationSet: string,
  region: string,
  timeoutMs: number,
  now: Date = new Date(),
): Promise<RatesReading> {
  const client = new CloudWatchClient({
    region,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: Math.min(5_000, timeoutMs), requestTimeout: timeoutMs, throwOnRequestTimeout: true },
  });
  watchEndpoint(client, CLOUDWATCH);
  try {
    const results = await withDeadline(query(client, configurationSet, now), timeoutMs, () => client.destroy());
    return { rates: { bounceRate: windowsOf(results.get('bounce'), now), complaintRate: windowsOf(results.get('complaint'), now) } };
  } catch (error) {
    return { unknown: whyUnknown(error) };
  } finally {
    client.destroy();
  }
}

/** Both metrics' data points of the last 24 hours, by query ID, following NextToken. */
async function query(client: CloudWatchClient, configurationSet: string, now: Date): Promise<Map<string, MetricDataResult>> {
  const metric = (id: string, metricName: string) => ({
    Id: id,
    MetricStat: {
      Metric: { Namespace: NAMESPACE, MetricName: metricName, Dimensions: [{ Name: CONFIGURATION_SET_DIMENSION, Value: configurationSet }] },
      Period: PERIOD_SECONDS,
      Stat: STATISTIC,
    },
  });
  const results = new Map<string, { Timestamps: Date[]; Values: number[] }>();
  let nextToken: string | undefined;
  do {
    const answer = await client.send(new GetMetricDataCommand({
      MetricDataQueries: [metric('bounce', BOUNCE_RATE), metric('complaint', COMPLAINT_RATE)],
      StartTime: new Date(now.getTime() - DAY_MS),
      EndTime: now,
      NextToken: nextToken,
    }));
    for (const result of answer.MetricDataResults ?? []) {
      const sofar = results.get(result.Id ?? '') ?? { Timestamps: [], Values: [] };
      sofar.Timestamps.push(...result.Timestamps ?? []);
      sofar.Values.push(...result.Values ?? []);
      results.set(result.Id ?? '', sofar);
    }
    nextToken = answer.NextToken || undefined;
  } while (nextToken);
  return results;
}

/** The highest value in the last hour and in the last 24 hours before `now`. */
function windowsOf(result: MetricDataResult | undefined, now: Date): RateWindows {
  const points = (result?.Timestamps ?? []).map((t, i) => ({ t: t.getTime(), value: result?.Values?.[i] }))
    .filter((p): p is { t: number; value: number } => typeof p.value === 'number');
  const highest = (since: number) => {
    const values = points.filter((p) => p.t >= since).map((p) => p.value);
    return values.length === 0 ? null : Math.max(...values);
  };
  return { lastHour: highest(now.getTime() - HOUR_MS), lastDay: highest(now.getTime() - DAY_MS) };
}

/** Why the rates could not be read: no permission, an endpoint that is not AWS's, no answer in time, or CloudWatch's error. */
function whyUnknown(error: unknown): string {
  if (error instanceof EndpointProblem) {
    return error.message.replace(/\.$/, '');
  }
  if (error instanceof DeadlinePassed || errorName(error) === 'TimeoutError') {
    return 'CloudWatch did not answer in time';
  }
  if (['AccessDenied', 'AccessDeniedException'].includes(errorName(error))) {
    return 'no permission: the credentials need cloudwatch:GetMetricData';
  }
  return `CloudWatch GetMetricData failed: ${describeSesError(error).replace(/\.$/, '')}`;
}

/** A rate as a percentage of two significant digits: "2.1%", "0.05%", "10%", "0%". */
export function formatRate(rate: number): string {
  return `${Number((rate * 100).toPrecision(2))}%`;
}

/** The rates on one line: "bounces 2.1% (last hour), 3.5% (last 24 hours); complaints ...", or why there are none. */
export function formatRates(reading: RatesReading): string {
  if ('unknown' in reading) {
    return `could not be read (${reading.unknown})`;
  }
  const { bounceRate, complaintRate } = reading.rates;
  if ([bounceRate, complaintRate].every((w) => w.lastDay === null)) {
    return 'none published in the last 24 hours (SES publishes them only after the first bounce or complaint, and only while the set\'s reputation metrics are on)';
  }
  const windows = (w: RateWindows) => w.lastDay === null ? 'none published'
    : `${w.lastHour === null ? 'none' : formatRate(w.lastHour)} (last hour), ${formatRate(w.lastDay)} (last 24 hours)`;
  return `bounces ${windows(bounceRate)}; complaints ${windows(complaintRate)}`;
}
