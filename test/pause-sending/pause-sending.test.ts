import { execFile } from 'child_process';
import * as path from 'path';
import { alarmEvent } from './alarm-events';
import { CONFIGURATION_SET_ENV, handler, PauseResult } from '../../src/pause-sending';
import { parseAlarmEvent } from '../../src/pause-sending/alarm-event';
import { LocalSesEndpoint } from '../support/local-ses-endpoint';

// A ceiling for a slow machine, not a timing assertion.
jest.setTimeout(60_000);

const SET = 'transactional';
const CONTEXT = { getRemainingTimeInMillis: () => 60_000 };
/** The bundle the construct deploys (`npx projen bundle` builds it). */
const BUNDLE = path.join(__dirname, '..', '..', 'assets', 'pause-sending', 'index', 'index.js');

describe('the pause function against a local SES v2 endpoint', () => {
  let ep: LocalSesEndpoint;
  let saved: NodeJS.ProcessEnv;
  let logs: Array<Record<string, unknown>>;

  beforeEach(async () => {
    ep = await LocalSesEndpoint.start();
    ep.createConfigurationSet(SET);
    ep.createConfigurationSet('marketing');
    saved = { ...process.env };
    Object.assign(process.env, ep.clientEnv(), { [CONFIGURATION_SET_ENV]: SET });
    logs = [];
    jest.spyOn(console, 'log').mockImplementation((line: string) => {
      logs.push(JSON.parse(line));
    });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    process.env = saved;
    await ep.stop();
  });

  const writes = () => ep.calls.filter((c) => c.operation === 'PutConfigurationSetSendingOptions');

  test('ALARM on its own configuration set pauses it, and logs the alarm, value, threshold and what it did', async () => {
    const result = await handler(alarmEvent({ configurationSet: SET, value: 0.052, threshold: 0.04 }), CONTEXT);
    expect(result).toMatchObject<Partial<PauseResult>>({ action: 'PAUSED', configurationSet: SET, alarmName: 'Guard-BounceRateCritical-ABC123' });
    expect(ep.sendingOf(SET)).toBe(false);
    expect(ep.sendingOf('marketing')).toBe(true);
    expect(writes()).toEqual([expect.objectContaining({ configurationSet: SET, outcome: 'ok' })]);
    expect(logs).toEqual([expect.objectContaining({
      message: expect.stringMatching(/^Paused sending of configuration set transactional: alarm Guard-BounceRateCritical-ABC123 is in ALARM, value 0\.052, threshold 0\.04\. .*ses-byoip resume --configuration-set transactional$/),
      action: 'PAUSED',
      alarmName: 'Guard-BounceRateCritical-ABC123',
      value: 0.052,
      threshold: 0.04,
      metrics: ['AWS/SES/Reputation.BounceRate'],
      configurationSet: SET,
    })]);
  });

  test('the complaint-rate alarm pauses it too', async () => {
    const result = await handler(alarmEvent({ alarmName: 'Guard-ComplaintRateCritical', metricName: 'Reputation.ComplaintRate', threshold: 0.0008, value: 0.0011 }), CONTEXT);
    expect(result.action).toBe('PAUSED');
    expect(ep.sendingOf(SET)).toBe(false);
  });

  test.each(['OK', 'INSUFFICIENT_DATA'] as const)('%s does nothing: no SES call, sending is never turned on', async (state) => {
    ep.createConfigurationSet(SET, { sendingEnabled: false });
    const result = await handler(alarmEvent({ state }), CONTEXT);
    expect(result.action).toBe('IGNORED');
    expect(result.reason).toMatch(new RegExp(`is ${state}, not ALARM`));
    expect(ep.calls).toEqual([]);
    expect(ep.sendingOf(SET)).toBe(false);
    expect(logs[0]).toMatchObject({ action: 'IGNORED', state });
  });

  test('ALARM for another configuration set does nothing, and says why', async () => {
    const result = await handler(alarmEvent({ configurationSet: 'marketing' }), CONTEXT);
    expect(result).toMatchObject({ action: 'IGNORED', reason: expect.stringContaining('is about configuration set marketing, and this function may pause transactional only') });
    expect(ep.calls).toEqual([]);
    expect(ep.sendingOf('marketing')).toBe(true);
    expect(ep.sendingOf(SET)).toBe(true);
  });

  test('an account-wide alarm (no configuration-set dimension) does nothing', async () => {
    const result = await handler(alarmEvent({ configurationSet: null }), CONTEXT);
    expect(result).toMatchObject({ action: 'IGNORED', reason: expect.stringContaining('names no configuration set') });
    expect(ep.calls).toEqual([]);
  });

  test('an event that is not an alarm\'s is ignored, not thrown', async () => {
    const result = await handler({ Records: [{ Sns: { Message: '{}' } }] }, CONTEXT);
    expect(result.action).toBe('IGNORED');
    expect(ep.calls).toEqual([]);
  });

  test('already paused: reads, writes nothing (idempotent)', async () => {
    ep.createConfigurationSet(SET, { sendingEnabled: false });
    const result = await handler(alarmEvent(), CONTEXT);
    expect(result.action).toBe('ALREADY_PAUSED');
    expect(ep.calls.map((c) => c.operation)).toEqual(['GetConfigurationSet']);
    expect(ep.sendingOf(SET)).toBe(false);

    // The same event delivered twice (Lambda's asynchronous retries): one write in all.
    ep.createConfigurationSet(SET);
    await handler(alarmEvent(), CONTEXT);
    await handler(alarmEvent(), CONTEXT);
    expect(writes()).toHaveLength(1);
  });

  test('throttling is retried, on the read and on the write', async () => {
    ep.throttleNext(3);
    ep.failWhen((call) => call.operation === 'PutConfigurationSetSendingOptions' && call.n <= 2
      ? { status: 429, errorType: 'TooManyRequestsException', message: 'Too many requests.' } : undefined);
    const result = await handler(alarmEvent(), CONTEXT);
    expect(result.action).toBe('PAUSED');
    expect(ep.sendingOf(SET)).toBe(false);
    expect(ep.countCalls().byOperation).toMatchObject({
      GetConfigurationSet: { fault: 3, ok: 1 },
      PutConfigurationSetSendingOptions: { fault: 2, ok: 1 },
    });
    expect(logs.filter((l) => /^SES throttled: retrying/.test(String(l.message)))).toHaveLength(5);
  });

  test('with the real SES rate (1/s, burst 1), two calls in a row get through', async () => {
    ep.setRate(1, 1);
    ep.createConfigurationSet(SET);
    expect((await handler(alarmEvent(), CONTEXT)).action).toBe('PAUSED');
  });

  test('a configuration set that no longer exists: NOT_FOUND, no write', async () => {
    ep.deleteConfigurationSet(SET);
    expect((await handler(alarmEvent(), CONTEXT)).action).toBe('NOT_FOUND');
    expect(writes()).toEqual([]);
  });

  test('access denied is thrown (Lambda retries it; the error shows)', async () => {
    ep.failWhen(() => ({ status: 403, errorType: 'AccessDeniedException', message: 'not authorized to perform: ses:GetConfigurationSet' }));
    await expect(handler(alarmEvent(), CONTEXT)).rejects.toThrow(/SES GetConfigurationSet transactional failed: AccessDeniedException/);
    expect(ep.sendingOf(SET)).toBe(true);
  });

  test('without CONFIGURATION_SET_NAME it fails loudly and calls nothing', async () => {
    delete process.env[CONFIGURATION_SET_ENV];
    await expect(handler(alarmEvent(), CONTEXT)).rejects.toThrow(/CONFIGURATION_SET_NAME is not set/);
    expect(ep.calls).toEqual([]);
  });

  test('the bundle the construct deploys exports `handler` and pauses the set (run by node, as Lambda would)', async () => {
    const script = 'require(process.argv[1]).handler(JSON.parse(process.argv[2]), { getRemainingTimeInMillis: () => 60000 })' +
      '.then((result) => console.log(JSON.stringify({ result })))';
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('node', ['-e', script, BUNDLE, JSON.stringify(alarmEvent())], { env: { ...process.env } }, (error, out) => (error ? reject(error) : resolve(out)));
    });
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({ action: 'PAUSED', alarmName: 'Guard-BounceRateCritical-ABC123', value: 0.052, threshold: 0.04 });
    expect(lines[lines.length - 1].result).toMatchObject({ action: 'PAUSED', configurationSet: SET });
    expect(ep.sendingOf(SET)).toBe(false);
  });
});

describe('parseAlarmEvent', () => {
  test('reads the name, states, value, threshold, metric and configuration set', () => {
    expect(parseAlarmEvent(alarmEvent({ value: 0.07, threshold: 0.04 }))).toEqual({
      alarm: {
        alarmName: 'Guard-BounceRateCritical-ABC123',
        alarmArn: 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:Guard-BounceRateCritical-ABC123',
        state: 'ALARM',
        previousState: 'OK',
        reason: expect.stringMatching(/^Threshold Crossed/),
        value: 0.07,
        threshold: 0.04,
        metrics: ['AWS/SES/Reputation.BounceRate'],
        configurationSets: ['transactional'],
      },
    });
  });

  test('without reasonData, or with one that is not JSON, the value and threshold are unknown', () => {
    const event = alarmEvent();
    const state = (event.alarmData as { state: Record<string, unknown> }).state;
    delete state.reasonData;
    expect(parseAlarmEvent(event)).toMatchObject({ alarm: { value: undefined, threshold: undefined, state: 'ALARM' } });
    state.reasonData = '{not json';
    expect(parseAlarmEvent(event)).toMatchObject({ alarm: { value: undefined, threshold: undefined } });
  });

  test('the newest evaluated datapoint is the value; recentDatapoints\' last one without them', () => {
    const event = alarmEvent();
    const state = (event.alarmData as { state: Record<string, unknown> }).state;
    state.reasonData = JSON.stringify({
      threshold: 0.04,
      recentDatapoints: [0.01, 0.02, 0.09],
      evaluatedDatapoints: [
        { timestamp: '2026-03-02T08:00:00.000+0000', value: 0.05 },
        { timestamp: '2026-03-02T09:00:00.000+0000', value: 0.06 },
      ],
    });
    expect(parseAlarmEvent(event)).toMatchObject({ alarm: { value: 0.06 } });
    state.reasonData = JSON.stringify({ threshold: 0.04, recentDatapoints: [0.01, 0.09] });
    expect(parseAlarmEvent(event)).toMatchObject({ alarm: { value: 0.09 } });
  });

  test.each([
    [null],
    ['ALARM'],
    [{ source: 'aws.events', alarmData: { alarmName: 'x', state: { value: 'ALARM' } } }],
    [{ source: 'aws.cloudwatch', alarmData: { state: { value: 'ALARM' } } }],
  ])('%j is not an alarm\'s event', (event) => {
    expect(parseAlarmEvent(event)).toEqual({ problem: expect.stringMatching(/^not the event of a CloudWatch alarm action/) });
  });
});
