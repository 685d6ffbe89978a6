import { AdaptivePacer, Clock, FailureKind, OutOfTime, PacerWait } from '../../src/handler/pacer';
import { Bucket, share, ShareOptions, Throttled } from '../support/simulated-ses';

/** A clock that only moves when someone sleeps or a simulated call takes time. */
class VirtualClock implements Clock {
  public t = 0;
  public now(): number {
    return this.t;
  }
  public async sleep(ms: number): Promise<void> {
    this.t += ms;
  }
  public random(): number {
    return 0.5;
  }
}

class Transient extends Error {}
const classify = (e: unknown): FailureKind => (e instanceof Throttled ? 'throttled' : e instanceof Transient ? 'transient' : 'fatal');

/** Both kinds of bucket: whether SES counts a refused call against its rate is not documented. */
const KINDS = [
  ['refusals free', false],
  ['refusals charged', true],
] as const;

/** Runs `n` calls through one pacer against a bucket; each call takes `latencyMs`. */
async function simulate(
  n: number,
  rate: number,
  burst: number,
  latencyMs = 20,
  faults: (i: number) => Error | undefined = () => undefined,
  refusalsCount = false,
) {
  const clock = new VirtualClock();
  const bucket = new Bucket(rate, burst, refusalsCount);
  const pacer = new AdaptivePacer(clock);
  let attempt = 0;
  for (let i = 0; i < n; i++) {
    await pacer.run(async () => {
      const start = clock.t;
      clock.t += latencyMs;
      const fault = faults(attempt++);
      if (fault) throw fault;
      if (!bucket.take(start)) throw new Throttled();
    }, classify, Infinity);
  }
  return { seconds: clock.t / 1000, stats: pacer.stats, floor: n / rate };
}

/** A scenario of callers sharing one bucket, and its time over the floor (successful calls / rate). */
interface Sharing {
  /** Calls per caller. */
  readonly calls: readonly number[];
  readonly rate: number;
  readonly burst?: number;
  readonly latencyMs?: number;
  readonly options?: ShareOptions;
}

/** Runs a scenario on one kind of bucket; every caller must finish within `deadlineRatio` times the floor. */
async function shareRatio(s: Sharing, refusalsCount: boolean, deadlineRatio = 10) {
  const total = s.calls.reduce((a, b) => a + b, 0);
  const floor = total / s.rate;
  const result = await share(s.calls.length, 0, new Bucket(s.rate, s.burst ?? 1, refusalsCount), s.latencyMs ?? 50, {
    calls: s.calls,
    deadlineMs: deadlineRatio * floor * 1000,
    ...s.options,
  });
  expect(result.unfinished).toBe(0);
  expect(result.succeeded).toBe(total);
  return { ...result, ratio: result.seconds / floor };
}

const FIVE = [259, 259, 259, 259, 259];

describe('AdaptivePacer', () => {
  // One range (259 calls: 256 moves and 3 pages of the first read). Where
  // refusals are free, a real benchmark against an HTTP endpoint must stay
  // within 1.10 x. Where each refused call takes a token, the pacer finds out
  // after a few refused quick retries and then retries only once a slot has
  // come back: about 1.3-1.4 x (target 1.15: not met, see pacer.ts).
  describe.each(KINDS)('one caller, %s', (_kind, charged) => {
    test.each([
      ['at SES\'s rate (1/s), 50 ms per call', 1, 50, {}],
      ['at 1/s, calls reaching SES up to 20 ms late (network, timers)', 1, 50, { arrivalJitterMs: 20 }],
      ['at 20/s, 1 to 3 ms per call (the local endpoint)', 20, 1, { jitterMs: 2, arrivalJitterMs: 3 }],
      ['at 1/s, 1 ms per call', 1, 1, {}],
      ['at 1/s, 200 ms per call', 1, 200, {}],
      ['at 1/s, 50 to 150 ms per call', 1, 50, { jitterMs: 100 }],
    ])('fills a range close to the floor %s', async (_label, rate, latencyMs, options) => {
      const { ratio } = await shareRatio({ calls: [259], rate, latencyMs, options }, charged);
      expect(ratio).toBeLessThanOrEqual(charged ? 1.45 : 1.1);
    });
  });

  test('where refused quick retries keep failing, takes refusals as charged and retries only after a slot came back', async () => {
    const clock = new VirtualClock();
    const bucket = new Bucket(1, 1, true);
    const pacer = new AdaptivePacer(clock);
    const starts: number[] = [];
    const refusedAt: number[] = [];
    for (let i = 0; i < 200; i++) {
      await pacer.run(async () => {
        starts.push(clock.t);
        clock.t += 20;
        if (!bucket.take(clock.t - 20)) {
          refusedAt.push(clock.t - 20);
          throw new Throttled();
        }
      }, classify, Infinity);
    }
    // In the second half, retries mostly wait a slot (a quick one would only
    // be refused again); one in RETEST_EVERY still tests quickly, in case
    // other callers caused the refusals.
    const late = refusedAt.filter((t) => t > starts[100]).map((t) => starts.find((s) => s > t)! - t);
    expect(late.length).toBeGreaterThan(3);
    expect(late.filter((wait) => wait >= 900).length / late.length).toBeGreaterThanOrEqual(0.75);
    // Where refusals are free, the same pacer keeps retrying quickly.
    const free = new Bucket(1, 1, false);
    const freePacer = new AdaptivePacer(clock);
    const quick: number[] = [];
    for (let i = 0; i < 200; i++) {
      let refused: number | undefined;
      await freePacer.run(async () => {
        if (refused !== undefined) quick.push(clock.t - refused);
        const start = clock.t;
        clock.t += 20;
        if (!free.take(start)) {
          refused = clock.t;
          throw new Throttled();
        }
      }, classify, Infinity);
    }
    expect(quick.filter((wait) => wait < 500).length / quick.length).toBeGreaterThanOrEqual(0.75);
  });

  test.each([
    [1, 1, 1.1, 1.4],
    [1, 5, 1.1, 3.7],
    [10, 1, 1.1, 1.45],
    [50, 1, 1.1, 1.1],
    [50, 10, 1.1, 1.1],
  ])('fills 256 calls at %d requests/s (burst %d): within %d x the floor if refusals are free, %d x if charged', async (rate, burst, freeLimit, chargedLimit) => {
    for (const [, charged] of KINDS) {
      const { seconds, stats, floor } = await simulate(256, rate, burst, 20, undefined, charged);
      expect(stats.succeeded).toBe(256);
      expect(seconds).toBeLessThanOrEqual(floor * (charged ? chargedLimit : freeLimit));
      expect(seconds).toBeGreaterThanOrEqual((256 - burst) / rate);
    }
  });

  // Targets: 1.15 x on both kinds. Close where refusals are free at SES's
  // rate; where each refused call takes a token, several callers collide
  // (see pacer.ts): these bounds record what the design achieves, so that it
  // does not get worse.
  describe.each(KINDS)('several callers sharing one bucket, %s', (_kind, charged) => {
    test.each<[string, Sharing, number, number]>([
      ['two ranges at 1/s', { calls: [259, 259], rate: 1 }, 1.15, 2.8],
      ['five ranges at 1/s', { calls: FIVE, rate: 1 }, 1.2, 3.0],
      ['five ranges at 1/s, calls reaching SES up to 20 ms late', { calls: FIVE, rate: 1, options: { arrivalJitterMs: 20 } }, 1.15, 3.0],
      ['two ranges at 20/s, 1 to 3 ms per call', { calls: [259, 259], rate: 20, latencyMs: 1, options: { jitterMs: 2 } }, 1.3, 1.9],
      ['five ranges at 20/s, 1 to 3 ms per call', { calls: FIVE, rate: 20, latencyMs: 1, options: { jitterMs: 2, arrivalJitterMs: 3 } }, 1.35, 3.0],
      ['five ranges at 1/s, 200 ms per call', { calls: FIVE, rate: 1, latencyMs: 200 }, 1.15, 2.8],
      ['five ranges at 1/s, 50 to 150 ms per call', { calls: FIVE, rate: 1, options: { jitterMs: 100 } }, 1.25, 2.8],
      ['five ranges at 1/s, burst 10', { calls: FIVE, rate: 1, burst: 10 }, 1.05, 3.1],
    ])('%s: every caller finishes, within the bound', async (_label, scenario, freeLimit, chargedLimit) => {
      const { ratio } = await shareRatio(scenario, charged);
      expect(ratio).toBeLessThanOrEqual(charged ? chargedLimit : freeLimit);
    });

    test.each<[string, Sharing, number, number]>([
      ['one of two callers stops after 50 calls, the other makes 300', { calls: [50, 300], rate: 1 }, 1.1, 2.4],
      ['four of five callers stop after 50 calls, the last makes 300', { calls: [50, 50, 50, 50, 300], rate: 1 }, 1.25, 2.9],
    ])('takes the freed capacity: %s', async (_label, scenario, freeLimit, chargedLimit) => {
      const { ratio } = await shareRatio(scenario, charged);
      expect(ratio).toBeLessThanOrEqual(charged ? chargedLimit : freeLimit);
    });

    test('a late joiner: both finish, near the floor where refusals are free', async () => {
      // The first caller runs alone at the full rate for 100 s; the second joins with 100 calls.
      const { ratio, finished } = await shareRatio({ calls: [300, 100], rate: 1, options: { startsMs: [0, 100_000] } }, charged);
      expect(finished).toHaveLength(2);
      expect(ratio).toBeLessThanOrEqual(charged ? 2.2 : 1.1);
    });

    test('rides out a storm (every call refused for 30 s)', async () => {
      const { seconds } = await shareRatio({ calls: [259], rate: 1, options: { storm: { fromMs: 30_000, toMs: 60_000 } } }, charged);
      expect(seconds).toBeLessThanOrEqual((259 + 30) * (charged ? 1.35 : 1.1));
    });
  });

  test.each<[string, Sharing]>([
    ['ten callers', { calls: Array<number>(10).fill(100), rate: 1 }],
    ['five callers, burst 5', { calls: FIVE, rate: 1, burst: 5 }],
    ['five callers at 1/s, 1 ms per call', { calls: FIVE, rate: 1, latencyMs: 1 }],
    ['one caller, burst 10', { calls: [259], rate: 1, burst: 10 }],
  ])('locks no caller out where refused calls take a token: %s', async (_label, scenario) => {
    const { ratio } = await shareRatio(scenario, true, 6);
    expect(ratio).toBeLessThanOrEqual(6);
  });

  test('the simulation counts a caller that runs out of time as unfinished', async () => {
    const { unfinished, succeeded } = await share(1, 10, new Bucket(1, 1), 50, { deadlineMs: 3_000 });
    expect(unfinished).toBe(1);
    expect(succeeded).toBeLessThan(10);
  });

  test('runs as fast as the endpoint answers when nothing throttles', async () => {
    const { seconds, stats } = await simulate(100, 1_000_000, 1_000_000, 10);
    expect(stats.throttled).toBe(0);
    expect(seconds).toBeCloseTo(1, 5); // 100 calls of 10 ms, no waiting
  });

  test('learns a slow rate from throttling within a few calls, without failing', async () => {
    const { stats } = await simulate(20, 1, 1);
    expect(stats.succeeded).toBe(20);
    expect(stats.throttled).toBeLessThan(40);
  });

  test('rides out a storm of throttling', async () => {
    const { stats } = await simulate(50, 50, 1, 20, (i) => (i >= 10 && i < 60 ? new Throttled() : undefined));
    expect(stats.succeeded).toBe(50);
    expect(stats.throttled).toBeGreaterThanOrEqual(50);
  });

  test('retries transient errors a bounded number of times', async () => {
    const { stats } = await simulate(10, 1000, 10, 5, (i) => (i % 3 === 0 ? new Transient() : undefined));
    expect(stats.succeeded).toBe(10);
    expect(stats.retried).toBeGreaterThan(0);

    const clock = new VirtualClock();
    const pacer = new AdaptivePacer(clock, { maxTransientRetries: 3 });
    let calls = 0;
    await expect(pacer.run(async () => {
      calls++;
      throw new Transient('still failing');
    }, classify, Infinity)).rejects.toThrow('still failing');
    expect(calls).toBe(4);
  });

  test('throws a final error at once', async () => {
    const pacer = new AdaptivePacer(new VirtualClock());
    let calls = 0;
    await expect(pacer.run(async () => {
      calls++;
      throw new Error('AccessDenied');
    }, classify, Infinity)).rejects.toThrow('AccessDenied');
    expect(calls).toBe(1);
  });

  test('stops with OutOfTime instead of starting a call after the deadline (and announces no wait past it)', async () => {
    const clock = new VirtualClock();
    const waitEnds: number[] = [];
    const pacer = new AdaptivePacer(clock, { onWait: (wait) => waitEnds.push(clock.t + wait.delayMs) });
    let calls = 0;
    const deadline = 5_000;
    await expect(pacer.run(async () => {
      calls++;
      clock.t += 10;
      throw new Throttled();
    }, classify, deadline)).rejects.toBeInstanceOf(OutOfTime);
    expect(clock.t).toBeLessThanOrEqual(deadline + 10);
    expect(calls).toBeGreaterThan(1);
    expect(waitEnds).toHaveLength(calls - 1);
    expect(Math.max(...waitEnds)).toBeLessThanOrEqual(deadline);
  });

  describe('onWait', () => {
    /** A pacer whose announced waits are checked against the attempts that follow them. */
    function watched(clock: VirtualClock) {
      const waits: Array<PacerWait & { at: number }> = [];
      const pacer = new AdaptivePacer(clock, { onWait: (wait) => waits.push({ ...wait, at: clock.t + wait.delayMs }) });
      const starts: number[] = [];
      return { waits, pacer, starts };
    }

    test.each(KINDS)('announces each wait caused by throttling, %s: how long, and the counts so far', async (_kind, charged) => {
      const clock = new VirtualClock();
      const bucket = new Bucket(1, 1, charged);
      const { waits, pacer, starts } = watched(clock);
      for (let i = 0; i < 30; i++) {
        await pacer.run(async () => {
          starts.push(clock.t);
          clock.t += 20;
          if (!bucket.take(clock.t - 20)) throw new Throttled();
        }, classify, Infinity);
      }
      expect(waits.length).toBe(pacer.stats.throttled);
      expect(waits.length).toBeGreaterThan(0);
      waits.forEach((wait, i) => {
        expect(wait.reason).toBe('throttled');
        expect(wait.delayMs).toBeGreaterThanOrEqual(0);
        expect(wait.stats.throttled).toBe(i + 1);
        expect(starts).toContain(wait.at); // the next attempt starts when announced
      });
    });

    test('announces waits after transient errors, and none for ordinary spacing', async () => {
      const clock = new VirtualClock();
      const { waits, pacer } = watched(clock);
      let attempt = 0;
      for (let i = 0; i < 5; i++) {
        await pacer.run(async () => {
          clock.t += 5;
          if (attempt++ < 3) throw new Transient();
        }, classify, Infinity);
      }
      expect(waits.map((w) => [w.reason, w.delayMs, w.stats.retried])).toEqual([
        ['transient', 100, 1],
        ['transient', 200, 2],
        ['transient', 400, 3],
      ]);
    });

    test('stays silent while nothing throttles or fails', async () => {
      const waits: PacerWait[] = [];
      const clock = new VirtualClock();
      const pacer = new AdaptivePacer(clock, { initialIntervalMs: 1000, onWait: (wait) => waits.push(wait) });
      for (let i = 0; i < 5; i++) {
        await pacer.run(async () => {
          clock.t += 5;
        }, classify, Infinity);
      }
      expect(clock.t).toBeGreaterThanOrEqual(3000); // it did wait between calls (a little less each time)
      expect(waits).toEqual([]);
    });
  });
});
