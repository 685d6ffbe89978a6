/**
 * Pacing and retries for SES control-plane calls.
 *
 * SES allows one control-plane request per second per account and Region,
 * shared with everything else in that account and Region, and sends no
 * Retry-After. So the pacer learns its share of the rate from SES's answers
 * instead of assuming it. Requests are sequential (one in flight), spaced by
 * an interval that adapts:
 *
 * - at first the interval is 0: calls go as fast as the endpoint answers;
 * - a throttled call is retried after a short delay (5% of the interval,
 *   doubling while the throttling lasts), so it takes the next free slot
 *   soon after it opens, and backs off for real if throttling goes on;
 * - when a call succeeds after being throttled, its slot opened between its
 *   last throttled attempt and its success: the time from the previous
 *   success to the middle of that window estimates the spacing SES allows
 *   now. The interval takes it, but grows by 5% at most per throttle (with
 *   other callers taking slots, the estimate also measures our own waits);
 * - each success without throttling shortens the interval, by 2% at first
 *   and by twice as much with each further one in a row (at most 50%), so a
 *   caller whose competitors finished catches up quickly.
 *
 * Measured on a simulated token bucket (test/handler/pacer.test.ts): one
 * caller fills a pool within a few percent of the floor; five callers sharing
 * one bucket stay within about 1.1 x the floor at SES's real rate.
 */

/** Time and randomness, injectable so that tests can run on a virtual clock. */
export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** A number in [0, 1). */
  random(): number;
}

/** The real clock. */
export const SYSTEM_CLOCK: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

/** How a failed call should be treated. */
export type FailureKind = 'throttled' | 'transient' | 'fatal';

/**
 * Thrown when the time budget ends before the next call could start: the
 * work is not done, and should resume in a later invocation.
 */
export class OutOfTime extends Error {
  constructor() {
    super('the time budget of this invocation ended');
    this.name = 'OutOfTime';
  }
}

/** Tuning of the pacer. The defaults suit SES; tests may use others. */
export interface PacerOptions {
  /** Spacing between call starts at first, in ms. 0 means as fast as the endpoint answers. */
  readonly initialIntervalMs?: number;
  /** The longest spacing or retry delay, in ms (default 10 s). */
  readonly maxIntervalMs?: number;
  /** How many times in a row a call may fail with a transient error before the error is final. */
  readonly maxTransientRetries?: number;
}

/** Retry delays never go below this (ms), so a throttled caller always waits a little. */
const MIN_DELAY_MS = 1;
/** The first success without throttling shortens the spacing by this fraction; each further one in a row doubles it. */
const SPEED_UP = 0.02;
/** The most one success shortens the spacing by. */
const MAX_SPEED_UP = 0.5;
/** The most one throttle lengthens the spacing by. */
const SLOW_DOWN = 0.05;
/** The first retry after a throttle waits this fraction of the spacing (doubling while throttled). */
const RETRY_FRACTION = 0.05;
/** The first retry after a transient error waits this long (doubling each time), in ms. */
const TRANSIENT_BASE_MS = 100;

/** Counters of what the pacer did, for logs and benchmarks. */
export interface PacerStats {
  /** Calls that succeeded. */
  readonly succeeded: number;
  /** Calls answered with throttling. */
  readonly throttled: number;
  /** Calls that failed with a transient error and were retried. */
  readonly retried: number;
}

export class AdaptivePacer {
  private readonly clock: Clock;
  private readonly maxIntervalMs: number;
  private readonly maxTransientRetries: number;
  /** The current spacing between call starts, in ms. */
  private interval: number;
  /** When the next call may start. */
  private nextStart: number;
  /** When the last successful call started. */
  private lastSuccessStart?: number;
  /** Successes since the last throttle. */
  private successesInARow = 0;
  private counters = { succeeded: 0, throttled: 0, retried: 0 };

  constructor(clock: Clock = SYSTEM_CLOCK, options: PacerOptions = {}) {
    this.clock = clock;
    this.interval = options.initialIntervalMs ?? 0;
    this.maxIntervalMs = options.maxIntervalMs ?? 10_000;
    this.maxTransientRetries = options.maxTransientRetries ?? 8;
    this.nextStart = clock.now();
  }

  public get stats(): PacerStats {
    return { ...this.counters };
  }

  /**
   * Runs `call` when its turn comes, retrying it while it is throttled (for as
   * long as the budget allows) and when it fails transiently (a bounded number
   * of times). Any other failure is thrown at once.
   *
   * @param classify tells throttling and transient failures from final ones
   * @param deadline no call starts after this time (clock ms); then OutOfTime is thrown
   */
  public async run<T>(call: () => Promise<T>, classify: (error: unknown) => FailureKind, deadline: number): Promise<T> {
    let throttledInARow = 0;
    let lastThrottledStart = 0;
    let transientInARow = 0;
    const retryBase = Math.max(MIN_DELAY_MS, this.interval * RETRY_FRACTION);
    for (;;) {
      const start = await this.waitTurn(deadline);
      try {
        const result = await call();
        this.counters.succeeded++;
        if (throttledInARow > 0) {
          this.successesInARow = 0;
          if (this.lastSuccessStart !== undefined) {
            const estimate = (lastThrottledStart + start) / 2 - this.lastSuccessStart;
            // With other callers taking slots, the estimate also measures our
            // own spacing: let it lengthen the spacing by SLOW_DOWN (5%) at most.
            this.interval = Math.min(this.maxIntervalMs, this.interval > 0 ? Math.min(estimate, this.interval * (1 + SLOW_DOWN)) : estimate);
          }
        } else {
          this.successesInARow++;
          this.interval *= 1 - Math.min(MAX_SPEED_UP, SPEED_UP * 2 ** (this.successesInARow - 1));
        }
        this.lastSuccessStart = start;
        this.nextStart = start + this.interval;
        return result;
      } catch (error) {
        const kind = classify(error);
        if (kind === 'throttled') {
          this.counters.throttled++;
          throttledInARow++;
          lastThrottledStart = start;
          this.delayNext(retryBase * 2 ** (throttledInARow - 1));
        } else if (kind === 'transient' && transientInARow < this.maxTransientRetries) {
          this.counters.retried++;
          transientInARow++;
          this.delayNext(TRANSIENT_BASE_MS * 2 ** (transientInARow - 1));
        } else {
          throw error;
        }
      }
    }
  }

  /** Waits until the next call may start; returns its start time. */
  private async waitTurn(deadline: number): Promise<number> {
    const now = this.clock.now();
    const start = Math.max(now, this.nextStart);
    if (start > deadline) {
      throw new OutOfTime();
    }
    if (start > now) {
      await this.clock.sleep(start - now);
    }
    this.nextStart = start + this.interval;
    return start;
  }

  /** The next attempt starts `ms` from now (with ±10% jitter), not sooner. */
  private delayNext(ms: number): void {
    const jittered = Math.min(ms, this.maxIntervalMs) * (0.9 + 0.2 * this.clock.random());
    this.nextStart = this.clock.now() + jittered;
  }
}
