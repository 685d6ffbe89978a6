/**
 * What the pause function does with one alarm event: turn sending off for
 * its one configuration set when a critical alarm on that set goes to ALARM.
 * It never turns sending on: resuming is a person's decision
 * (`ses-byoip resume`).
 */
import { AlarmEvent, CONFIGURATION_SET_DIMENSION, parseAlarmEvent } from './alarm-event';
import { SesGateway } from '../handler/ses-client';

/** One structured log line. */
export type Logger = (message: string, details?: Record<string, unknown>) => void;

/** What the function did. */
export type PauseAction =
  /** Sending was on; it is now off. */
  | 'PAUSED'
  /** Sending was already off: nothing written. */
  | 'ALREADY_PAUSED'
  /** The event asked for nothing (not ALARM, or about another configuration set, or not an alarm's event). */
  | 'IGNORED'
  /** The configuration set does not exist (any more): nothing to pause. */
  | 'NOT_FOUND';

export interface PauseResult {
  readonly action: PauseAction;
  /** Why, in one sentence. */
  readonly reason: string;
  readonly configurationSet: string;
  readonly alarmName?: string;
}

/**
 * Acts on one event: pauses `configurationSet` if the event is an alarm on
 * it going to ALARM and the set is sending. Idempotent. SES's errors other
 * than NotFound (and running out of time) are thrown, so that Lambda
 * retries the asynchronous invocation and the failure shows.
 */
export async function pauseOnAlarm(event: unknown, ses: SesGateway, configurationSet: string, log: Logger): Promise<PauseResult> {
  const parsed = parseAlarmEvent(event);
  if ('problem' in parsed) {
    const reason = `Ignored: ${parsed.problem}.`;
    log(reason, { configurationSet, action: 'IGNORED' });
    return { action: 'IGNORED', reason, configurationSet };
  }
  const alarm = parsed.alarm;
  const about = describeAlarm(alarm);
  const done = (action: PauseAction, reason: string): PauseResult => {
    log(reason, { ...about, configurationSet, action });
    return { action, reason, configurationSet, alarmName: alarm.alarmName };
  };

  if (alarm.state !== 'ALARM') {
    return done('IGNORED', `Ignored: alarm ${alarm.alarmName} is ${alarm.state}, not ALARM; sending is never turned back on automatically (run ses-byoip resume).`);
  }
  if (!alarm.configurationSets.includes(configurationSet)) {
    const named = alarm.configurationSets.length === 0
      ? `names no configuration set (no ${CONFIGURATION_SET_DIMENSION} dimension: an account-wide alarm?)`
      : `is about configuration set ${alarm.configurationSets.join(', ')}`;
    return done('IGNORED', `Ignored: alarm ${alarm.alarmName} ${named}, and this function may pause ${configurationSet} only.`);
  }

  const sending = await ses.readConfigurationSetSending(configurationSet);
  if (sending === 'not-found') {
    return done('NOT_FOUND', `Configuration set ${configurationSet} does not exist: nothing to pause (alarm ${alarm.alarmName}).`);
  }
  if (!sending) {
    return done('ALREADY_PAUSED', `Configuration set ${configurationSet} was already paused: nothing written (alarm ${alarm.alarmName}${valueText(alarm)}).`);
  }
  if (await ses.setConfigurationSetSending(configurationSet, false) === 'not-found') {
    return done('NOT_FOUND', `Configuration set ${configurationSet} does not exist: nothing to pause (alarm ${alarm.alarmName}).`);
  }
  return done('PAUSED', `Paused sending of configuration set ${configurationSet}: alarm ${alarm.alarmName} is in ALARM${valueText(alarm)}. ` +
    `Fix the cause, then resume with: ses-byoip resume --configuration-set ${configurationSet}`);
}

/** The alarm's facts for the log line. */
function describeAlarm(alarm: AlarmEvent): Record<string, unknown> {
  return {
    alarmName: alarm.alarmName,
    alarmArn: alarm.alarmArn,
    state: alarm.state,
    previousState: alarm.previousState,
    metrics: alarm.metrics,
    alarmConfigurationSets: alarm.configurationSets,
    value: alarm.value ?? null,
    threshold: alarm.threshold ?? null,
    reason: alarm.reason,
  };
}

/** ", value 0.05 over threshold 0.04", as far as the event says. */
function valueText(alarm: AlarmEvent): string {
  const value = alarm.value === undefined ? 'value unknown' : `value ${alarm.value}`;
  const threshold = alarm.threshold === undefined ? 'threshold unknown' : `threshold ${alarm.threshold}`;
  return `, ${value}, ${threshold}`;
}
