import { AdaptivePacer, Clock, FailureKind, OutOfTime } from '../../src/handler/pacer';

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

/**
 * A virtual clock shared by concurrent callers: sleeping registers a timer,
 * and run() advances time to the next timer once every caller is waiting.
 */
class Scheduler implements Clock {
  private t = 0;
  private seq = 0;
  private seed = 1;
  private readonly timers: Array<{ at: number; seq: number; wake: () => void }> = [];
  public now(): number {
    return this.t;
  }
  public sleep(ms: number): Promise<void> {
    return new Promise((wake) => this.timers.push({ at: this.t + ms, seq: this.seq++, wake }));
  }
  public random(): number {
    this.seed = (this.seed * 48271) % 2147483647;
    return this.seed / 2147483647;
  }
  public async run(done: () => boolean): Promise<void> {
    while (!done()) {
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers.shift();
      if (next) {
        this.t = Math.max(this.t, next.at);
        next.wake();
      }
    }
  }
}

/**
 * A token bucket like SES's throttle: `rate` per second, `burst` at most. A
 * refused call takes no token unless `refusalsCount`, in which case the bucket
 * can go into debt (down to -burst).
 */
class Bucket {
  private tokens: number;
  private last = 0;
  constructor(private readonly rate: number, private readonly burst: number, private readonly refusalsCount = false) {
    this.tokens = burst;
  }
  public take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    if (this.refusalsCount) {
      this.tokens = Math.max(-this.burst, this.tokens - 1);
    }
    return false;
  }
}

class Throttled extends Error {}
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

/** `callers` callers making `n` calls each through their own pacer against one shared bucket. */
async function share(callers: number, n: number, bucket: Bucket, latencyMs: number) {
  const clock = new Scheduler();
  let finished = 0;
  let throttled = 0;
  for (let c = 0; c < callers; c++) {
    void (async () => {
      const pacer = new AdaptivePacer(clock);
      for (let i = 0; i < n; i++) {
        await pacer.run(async () => {
          const start = clock.now();
          await clock.sleep(latencyMs);
          if (!bucket.take(start)) throw new Throttled();
        }, classify, Infinity);
      }
      throttled += pacer.stats.throttled;
      finished++;
    })();
  }
  await clock.run(() => finished === callers);
  return { seconds: clock.now() / 1000, throttled };
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
