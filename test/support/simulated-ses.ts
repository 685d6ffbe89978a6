/**
 * SES's throttle, simulated: a token bucket on a virtual clock shared by
 * concurrent callers, each pacing its calls with the handler's real
 * AdaptivePacer. Deterministic and instant: used by the pacer's tests and to
 * project the benchmarks to SES's real rate of one request per second.
 */
import { AdaptivePacer, Clock, FailureKind } from '../../src/handler/pacer';

/**
 * A virtual clock shared by concurrent callers: sleeping registers a timer,
 * and run() advances time to the next timer once every caller is waiting.
 */
export class Scheduler implements Clock {
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
export class Bucket {
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

/** The answer of a bucket that had no token. */
export class Throttled extends Error {}

const classify = (e: unknown): FailureKind => (e instanceof Throttled ? 'throttled' : 'fatal');

/** `callers` callers making `n` calls each through their own pacer against one shared bucket. */
export async function share(callers: number, n: number, bucket: Bucket, latencyMs: number) {
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

