import { AdaptivePacer, Clock, FailureKind, OutOfTime } from '../../src/handler/pacer';
import { Bucket, share, Throttled } from '../support/simulated-ses';

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

/** Runs `n` calls through a pacer against a bucket; each call takes `latencyMs`. */
async function simulate(n: number, rate: number, burst: number, latencyMs = 20, faults: (i: number) => Error | undefined = () => undefined) {
  const clock = new VirtualClock();
  const bucket = new Bucket(rate, burst);
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

describe('AdaptivePacer', () => {
  test.each([
    [1, 1],
    [1, 5],
    [10, 1],
    [50, 1],
    [50, 10],
  ])('fills 256 calls close to the floor at %d requests/s (burst %d)', async (rate, burst) => {
    const { seconds, stats, floor } = await simulate(256, rate, burst);
    expect(stats.succeeded).toBe(256);
    expect(seconds).toBeLessThanOrEqual(floor * 1.1);
    expect(seconds).toBeGreaterThanOrEqual((256 - burst) / rate);
  });

  test('five callers sharing one bucket at SES\'s rate finish close to the floor', async () => {
    const { seconds, throttled } = await share(5, 256, new Bucket(1, 1), 50);
    expect(seconds).toBeLessThanOrEqual(1280 * 1.2);
    expect(throttled).toBeLessThan(1280 * 2);
  });

  test('five callers sharing a faster bucket all finish', async () => {
    const { seconds } = await share(5, 256, new Bucket(20, 1), 1);
    expect(seconds).toBeLessThanOrEqual(64 * 3);
  });

  test('does not lock itself out when throttled calls count against the rate too', async () => {
    const { seconds } = await share(1, 100, new Bucket(1, 1, true), 50);
    expect(seconds).toBeLessThan(100 * 5);
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

  test('stops with OutOfTime instead of starting a call after the deadline', async () => {
    const clock = new VirtualClock();
    const pacer = new AdaptivePacer(clock);
    let calls = 0;
    const deadline = 5_000;
    await expect(pacer.run(async () => {
      calls++;
      clock.t += 10;
      throw new Throttled();
    }, classify, deadline)).rejects.toBeInstanceOf(OutOfTime);
    expect(clock.t).toBeLessThanOrEqual(deadline + 10);
    expect(calls).toBeGreaterThan(1);
  });
});
