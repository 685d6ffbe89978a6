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
 * - when a call succeeds after being throttled, its slot opened between its
 *   last throttled attempt and its success: the time from the previous
 *   success to the middle of that window estimates the spacing SES allows
 *   now. The interval takes it, but grows by 5% at most per throttle (with
 *   other callers taking slots, the estimate also measures our own waits);
 * - each success without throttling shortens the interval a little, and
 *   more with each further one in a row, so a caller whose competitors
 *   finished catches up quickly.
 *
 * Whether SES counts a throttled (refused) request against its rate is not
 * documented, and the two cases want different retries:
 *
 * - where refusals are free, a throttled call is best retried soon (5% of
 *   the interval, doubling while the throttling lasts): it takes the next
 *   free slot soon after it opens;
 * - where a refusal takes a token too (the bucket goes into debt), a retry
 *   sooner than one slot after a refusal is certain to be refused again and
 *   pushes the next free slot further away; every refusal costs a slot.
 *
 * So the first throttled call of a spacing the pacer knows is retried soon,
 * as a test: where refusals are free it gets through; where they are
 * charged it never does. After two such tests fail (and none got through),
 * the pacer takes refusals as charged: it retries only once a slot has
 * surely come back (a little more than one interval after the refusal,
 * doubling), and shortens its interval more slowly, so that it is refused
 * rarely. A fresh pacer (one per Lambda invocation) knows neither.
 *
 * Measured on the simulated token bucket of test/support/simulated-ses.ts
 * (virtual clock, burst 1, 50 ms per call; time over the floor of
 * successful calls / rate; the bounds are in test/handler/pacer.test.ts,
 * the HTTP measurements in docs/benchmarks.md):
 *
 *   scenario                                  refusals free    refusals charged
 *   1 caller, 259 calls at 1/s                1.05             1.35
 *   the same, calls reaching SES 0-20 ms late 1.04             1.36
 *   1 caller at 20/s, 1-3 ms per call         1.05             1.43
 *   5 callers x 259 at 1/s                    1.16             2.89
 *   the same, calls reaching SES 0-20 ms late 1.10             2.79
 *   2 callers, one stops after 50, one 300    1.06             2.26
 *
 * (The pacer before the charged case was handled: the same on free buckets,
 * 3.45 for one caller and 4.41 for five on charging ones.) Several callers
 * on a charging bucket stay far from the floor: each refused call there
 * costs every caller a slot, and callers that cannot talk to each other keep
 * colliding. Quicker detection of charged refusals (after fewer failed quick
 * retries) helps one caller but mistakes the collisions of callers sharing a
 * free bucket for it, which then slows them: the default favours the
 * documented-free case.
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

/** Counters of what the pacer did, for logs and benchmarks. */
export interface PacerStats {
  /** Calls that succeeded. */
  readonly succeeded: number;
  /** Calls answered with throttling. */
  readonly throttled: number;
  /** Calls that failed with a transient error and were retried. */
  readonly retried: number;
}

/** A wait caused by throttling or a transient error (not ordinary spacing), announced before it starts. */
export interface PacerWait {
  /** Why the pacer waits. */
  readonly reason: 'throttled' | 'transient';
  /** How long it will wait, in ms. */
  readonly delayMs: number;
  /** The counters so far (the answer that caused the wait included). */
  readonly stats: PacerStats;
  /** The answer that caused the wait. */
  readonly error: unknown;
}

/** Tuning of the pacer. The defaults suit SES; tests may use others. */
export interface PacerOptions {
  /** Spacing between call starts at first, in ms. 0 means as fast as the endpoint answers. */
  readonly initialIntervalMs?: number;
  /** The longest spacing or retry delay, in ms (default 10 s). */
  readonly maxIntervalMs?: number;
  /** How many times in a row a call may fail with a transient error before the error is final. */
  readonly maxTransientRetries?: number;
  /**
   * Called each time the pacer is about to wait because of throttling or a
   * transient error (not for ordinary spacing), e.g. to show progress while it
   * backs off. Not called for a wait that would end after the deadline: the
   * pacer throws OutOfTime instead.
   */
  readonly onWait?: (wait: PacerWait) => void;
}

/** Retry delays never go below this (ms), so a throttled caller always waits a little. */
const MIN_DELAY_MS = 1;
/** The first success without throttling shortens the spacing by this fraction; each further one in a row doubles it. */
const SPEED_UP = 0.02;
/** Where refusals are charged: the same, doubling every CHARGED_SPEED_UP_EVERY successes in a row. */
const CHARGED_SPEED_UP = 0.0025;
const CHARGED_SPEED_UP_EVERY = 8;
/** The most one success shortens the spacing by. */
const MAX_SPEED_UP = 0.5;
/** The most one throttle lengthens the spacing by. */
const SLOW_DOWN = 0.05;
/** The first retry after a throttle waits this fraction of the spacing (doubling while throttled). */
const RETRY_FRACTION = 0.05;
/** Where refusals are charged, the first retry waits this many spacings (doubling while throttled). */
const CHARGED_RETRY = 1.1;
/** Quick retries that fail in a row before refusals are taken as charged. */
const QUICK_TESTS = 8;
/** Where refusals are taken as charged, every this many throttled calls still get a quick retry: other callers may have been the cause. */
const RETEST_EVERY = 8;
/** The first retry after a transient error waits this long (doubling each time), in ms. */
const TRANSIENT_BASE_MS = 100;

/** What the pacer has learned of how SES treats refused calls. */
type Refusals = 'unknown' | 'free' | 'charged';

export class AdaptivePacer {
  private readonly clock: Clock;
  private readonly maxIntervalMs: number;
  private readonly maxTransientRetries: number;
  private readonly onWait?: (wait: PacerWait) => void;
  /** The current spacing between call starts, in ms. */
  private interval: number;
  /** When the next call may start. */
  private nextStart: number;
  /** When the last successful call started. */
  private lastSuccessStart?: number;
  /** Successes since the last throttle. */
  private successesInARow = 0;
  private refusals: Refusals = 'unknown';
  private quickTestsFailed = 0;
  /** Calls throttled since refusals were taken as charged. */
  private chargedEpisodes = 0;
  private counters = { succeeded: 0, throttled: 0, retried: 0 };

  constructor(clock: Clock = SYSTEM_CLOCK, options: PacerOptions = {}) {
    this.clock = clock;
    this.interval = options.initialIntervalMs ?? 0;
    this.maxIntervalMs = options.maxIntervalMs ?? 10_000;
    this.maxTransientRetries = options.maxTransientRetries ?? 8;
    this.onWait = options.onWait;
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
    /** The last attempt was a quick retry: a test of whether refusals are free. */
    let quickTest = false;
    const spacing = this.interval;
    for (;;) {
      const start = await this.waitTurn(deadline);
      try {
        const result = await call();
        if (quickTest) {
          this.refusals = 'free';
          this.quickTestsFailed = 0;
        }
        this.succeeded(start, throttledInARow, lastThrottledStart);
        return result;
      } catch (error) {
        const kind = classify(error);
        if (kind === 'throttled') {
          this.counters.throttled++;
          throttledInARow++;
          lastThrottledStart = start;
          if (quickTest && this.refusals !== 'charged' && ++this.quickTestsFailed >= QUICK_TESTS) {
            this.refusals = 'charged';
          }
          quickTest = throttledInARow === 1 && spacing > 0 && (this.refusals !== 'charged' || ++this.chargedEpisodes % RETEST_EVERY === 0);
          this.waitFor('throttled', this.retryDelay(spacing, throttledInARow, quickTest), deadline, error);
        } else if (kind === 'transient' && transientInARow < this.maxTransientRetries) {
          this.counters.retried++;
          transientInARow++;
          this.waitFor('transient', TRANSIENT_BASE_MS * 2 ** (transientInARow - 1), deadline, error);
        } else {
          throw error;
        }
      }
    }
  }

  /**
   * How long to wait before the `n`th retry of a call throttled at `spacing`:
   * soon where refusals may be free (and always with no spacing learned yet),
   * after a slot has surely come back where they are charged.
   */
  private retryDelay(spacing: number, n: number, quickTest: boolean): number {
    if (this.refusals === 'charged' && spacing > 0 && !quickTest) {
      return spacing * CHARGED_RETRY * 2 ** (n - 1);
    }
    return Math.max(MIN_DELAY_MS, spacing * RETRY_FRACTION) * 2 ** (n - 1);
  }

  private succeeded(start: number, throttledInARow: number, lastThrottledStart: number): void {
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
      this.interval *= 1 - this.speedUp();
    }
    this.lastSuccessStart = start;
    this.nextStart = start + this.interval;
  }

  /**
   * How much the spacing shortens after this success without throttling:
   * doubling with each success in a row, more slowly where each refusal
   * costs a slot, so that probing for freed capacity is rarely refused there.
   */
  private speedUp(): number {
    const n = this.successesInARow;
    const fraction = this.refusals === 'charged'
      ? CHARGED_SPEED_UP * 2 ** Math.floor((n - 1) / CHARGED_SPEED_UP_EVERY)
      : SPEED_UP * 2 ** (n - 1);
    return Math.min(MAX_SPEED_UP, fraction);
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

  /**
   * The next attempt starts `ms` from now (with ±10% jitter), not sooner;
   * announced unless it would start after the deadline (OutOfTime follows).
   */
  private waitFor(reason: PacerWait['reason'], ms: number, deadline: number, error: unknown): void {
    const now = this.clock.now();
    const delay = Math.min(ms, this.maxIntervalMs) * (0.9 + 0.2 * this.clock.random());
    this.nextStart = now + delay;
    if (this.nextStart <= deadline) {
      this.onWait?.({ reason, delayMs: delay, stats: this.stats, error });
    }
  }
}
