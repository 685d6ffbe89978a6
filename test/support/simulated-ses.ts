/**
 * SES's throttle, simulated: a token bucket on a virtual clock shared by
 * concurrent callers, each pacing its calls with the handler's real
 * AdaptivePacer. Deterministic and instant: used by the pacer's tests and to
 * project the benchmarks to SES's real rate of one request per second.
 */
import { AdaptivePacer, Clock, FailureKind, OutOfTime, PacerOptions } from '../../src/handler/pacer';

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
 * A token bucket like SES's throttle: `rate` per second, `burst` at most.
 * Whether SES counts a refused request against its rate is not documented:
 * with `refusalsCount` a refused call takes a token too, so the bucket can go
 * into debt (down to -burst) and a caller that retries too soon stays locked out.
 */
export class Bucket {
  private tokens: number;
  private last = 0;
  constructor(public readonly rate: number, private readonly burst: number, private readonly refusalsCount = false) {
    this.tokens = burst;
  }
  /** Whether a request arriving at `now` (ms, never earlier than the last one) gets a token. */
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

/** Variations on the plain scenario of share(). */
export interface ShareOptions {
  /** How many calls each caller makes (one entry per caller), instead of `n` for all. */
  readonly calls?: readonly number[];
  /** When each caller starts (ms on the virtual clock; default 0 for all). */
  readonly startsMs?: readonly number[];
  /** Each call takes `latencyMs` plus up to this many ms more (seeded, so repeatable). */
  readonly jitterMs?: number;
  /**
   * A call reaches the bucket up to this many ms after it starts (seeded):
   * the network and the timers of a real client, which make a spacing the
   * pacer plans arrive a little shorter or longer.
   */
  readonly arrivalJitterMs?: number;
  /** Every call arriving in [fromMs, toMs) is refused, whatever the bucket holds: a throttling storm. */
  readonly storm?: { readonly fromMs: number; readonly toMs: number };
  /** No call may start after this (ms): a caller still busy then gives up (OutOfTime), and counts as unfinished. */
  readonly deadlineMs?: number;
  /** Options of every caller's pacer. */
  readonly pacer?: PacerOptions;
}

/** What share() measured. */
export interface ShareResult {
  /** When the last caller finished. */
  readonly seconds: number;
  /** Throttled answers, all callers together. */
  readonly throttled: number;
  /** Successful calls, all callers together. */
  readonly succeeded: number;
  /** Callers that ran out of time (see ShareOptions.deadlineMs). */
  readonly unfinished: number;
  /** When each caller finished (or gave up), in seconds. */
  readonly finished: readonly number[];
}

/**
 * `callers` callers making `n` calls each through their own pacer against one
 * shared bucket; each call takes `latencyMs`. The bucket decides when a call
 * arrives (its start), so calls of varying latency are judged in order.
 */
export async function share(callers: number, n: number, bucket: Bucket, latencyMs: number, options: ShareOptions = {}): Promise<ShareResult> {
  const clock = new Scheduler();
  const storm = options.storm;
  const finished: number[] = [];
  let done = 0;
  let throttled = 0;
  let succeeded = 0;
  let unfinished = 0;
  const caller = async (c: number, calls: number, startMs: number) => {
    await clock.sleep(startMs);
    const pacer = new AdaptivePacer(clock, options.pacer);
    const call = async () => {
      const start = clock.now() + (options.arrivalJitterMs ? options.arrivalJitterMs * clock.random() : 0);
      const granted = !(storm && start >= storm.fromMs && start < storm.toMs) && bucket.take(start);
      await clock.sleep(latencyMs + (options.jitterMs ? options.jitterMs * clock.random() : 0));
      if (!granted) throw new Throttled();
    };
    try {
      for (let i = 0; i < calls; i++) {
        await pacer.run(call, classify, options.deadlineMs ?? Infinity);
      }
    } catch (error) {
      if (!(error instanceof OutOfTime)) throw error;
      unfinished++;
    }
    throttled += pacer.stats.throttled;
    succeeded += pacer.stats.succeeded;
    finished[c] = clock.now() / 1000;
    done++;
  };
  for (let c = 0; c < callers; c++) {
    void caller(c, options.calls?.[c] ?? n, options.startsMs?.[c] ?? 0);
  }
  await clock.run(() => done === callers);
  return { seconds: clock.now() / 1000, throttled, succeeded, unfinished, finished };
}
