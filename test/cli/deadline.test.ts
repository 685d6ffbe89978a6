import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { ByoipSendingPool } from '../../src';
import { DEFAULT_TIMEOUT_SECONDS, DeadlinePassed, parseTimeout, withDeadline } from '../../src/cli/deadline';
import * as deployedStacks from '../../src/cli/deployed-stacks';
import { readPlan } from '../../src/cli/plan';
import { resumeSending } from '../../src/cli/resume';
import { readStatus } from '../../src/cli/status';
import * as sesClient from '../../src/handler/ses-client';

describe('parseTimeout', () => {
  test.each([
    [undefined, DEFAULT_TIMEOUT_SECONDS * 1000],
    ['1', 1000],
    ['2.5', 2500],
    ['3600', 3_600_000],
  ])('%j is %d ms', (value, ms) => {
    expect(parseTimeout(value)).toEqual({ ms });
  });

  test.each(['0', '0.5', '-1', '3601', 'soon', '', '1e3', '10s', ' '])('%j is refused with the allowed range and an example', (value) => {
    expect(parseTimeout(value)).toEqual({
      problem: `--timeout ${JSON.stringify(value)} is not a number of seconds from 1 to 3600: e.g. --timeout 300 (default ${DEFAULT_TIMEOUT_SECONDS}).`,
    });
  });
});

describe('withDeadline', () => {
  test('gives the result of work that finishes in time', async () => {
    const cancel = jest.fn();
    await expect(withDeadline(Promise.resolve(42), 1_000, cancel)).resolves.toBe(42);
    expect(cancel).not.toHaveBeenCalled();
  });

  test('gives up on work that does not, and cancels it', async () => {
    const cancel = jest.fn();
    const never = new Promise<never>(() => {});
    const error = await withDeadline(never, 20, cancel).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlinePassed);
    expect((error as DeadlinePassed).message).toBe('gave up after 0.02 s');
    expect(cancel).toHaveBeenCalledTimes(1);
  });

  test('passes the work\'s own failure through', async () => {
    await expect(withDeadline(Promise.reject(new Error('denied')), 1_000, () => {})).rejects.toThrow('denied');
  });
});

/**
 * Without --timeout, every command that calls AWS gives up at the default
 * deadline with the one-line reason, not earlier with the SDK's own text:
 * clients whose every call times out after 10 s (as the SDK's request
 * timeout does on a stalled endpoint), on a fake clock.
 */
describe('the default deadline of status, resume and plan', () => {
  const stalled = () => ({
    config: { region: async () => 'us-east-1' },
    middlewareStack: { add: () => {} },
    send: () => new Promise((_, reject) => setTimeout(() => reject(Object.assign(new Error('Request did not complete within 10000 ms'), { name: 'TimeoutError' })), 10_000)),
    destroy: () => {},
  });
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'deadline-test-'));
    const app = new App({ outdir: root });
    new ByoipSendingPool(new Stack(app, 'Mail', { env: { account: '111122223333', region: 'us-east-1' } }), 'Pool', { cidr: '8.8.8.0/24', dedicatedIpPoolName: 'mail' });
    app.synth();
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  beforeEach(() => {
    jest.useFakeTimers();
    jest.spyOn(sesClient, 'createSesClient').mockImplementation(() => stalled() as unknown as ReturnType<typeof sesClient.createSesClient>);
    jest.spyOn(deployedStacks, 'createStackReadClients').mockImplementation(() => ({
      cloudFormation: stalled(), sts: stalled(), destroy: () => {},
    }) as unknown as deployedStacks.StackReadClients);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  /** When `work` fails (fake ms after it started), and its message. */
  async function failure(work: Promise<unknown>): Promise<{ afterMs: number; message: string }> {
    const started = Date.now();
    const ended = work.then(() => {
      throw new Error('expected a failure');
    }, (error: Error) => ({ afterMs: Date.now() - started, message: error.message }));
    await jest.advanceTimersByTimeAsync((DEFAULT_TIMEOUT_SECONDS + 10) * 1000);
    return ended;
  }

  test.each([
    ['status', () => readStatus({ cidr: '8.8.8.0/24' }), 'SES did not answer in time in us-east-1 \\(a stalled connection or endpoint: \\d+ calls timed out\\)'],
    ['resume', () => resumeSending({ configurationSet: 'tx' }), 'SES did not answer in time in us-east-1 \\(a stalled connection or endpoint: \\d+ calls timed out\\)'],
    ['plan', () => readPlan({ app: root }), 'STS did not answer in time in us-east-1 \\(a stalled connection or endpoint: \\d+ calls timed out\\)'],
  ])('%s: gives up after 120 s with the one-line reason', async (_, run, why) => {
    const { afterMs, message } = await failure(run());
    expect(message).toMatch(new RegExp(`^Gave up after 120 s \\(--timeout\\): ${why}\\. Try again later, or pass a longer --timeout\\.$`));
    // Not before the last call that could still finish in time.
    expect(afterMs).toBeGreaterThan((DEFAULT_TIMEOUT_SECONDS - 20) * 1000);
    expect(afterMs).toBeLessThanOrEqual(DEFAULT_TIMEOUT_SECONDS * 1000);
  });
});
