/**
 * The SES side of a CLI command that calls AWS: one client whose calls each
 * give up on their own, the Region it resolves, the pacer (throttling and
 * transient errors, retried until the deadline, with a note for the user
 * before each wait), and the command's deadline (--timeout), whose passing
 * is told in one line. An endpoint that is not AWS's (aws-endpoint.ts) is
 * told at once, in one line.
 */
import { EndpointProblem, SES, watchEndpoint } from './aws-endpoint';
import { count } from './command';
import { DeadlinePassed, gaveUp, withDeadline } from './deadline';
import { ApiFailure, InvalidInput } from './errors';
import { AdaptivePacer, OutOfTime, PacerStats, PacerWait, SYSTEM_CLOCK } from '../handler/pacer';
import { createSesClient, describeSesError, errorName, SesCallError, SesGateway } from '../handler/ses-client';

/** Turns a failure of an SES call (not the deadline) into the command's one-line ApiFailure. */
export type SesFailure = (error: unknown, region: string) => ApiFailure;

export class SesSession {
  /**
   * Opens a session whose deadline is `timeoutMs` after `startedAt` (now by
   * default: a command that calls AWS before, or opens several sessions,
   * passes when it started, so that --timeout bounds the whole command).
   * Throws InvalidInput if no Region is given or configured.
   */
  public static async open(
    region: string | undefined,
    timeoutMs: number,
    onWait?: (wait: PacerWait) => void,
    startedAt: number = SYSTEM_CLOCK.now(),
  ): Promise<SesSession> {
    // No single call waits longer than the command may.
    const client = createSesClient({ region, requestTimeoutMs: Math.min(10_000, timeoutMs) });
    watchEndpoint(client, SES);
    let resolved: string;
    try {
      resolved = await client.config.region();
    } catch {
      client.destroy();
      throw new InvalidInput(['No AWS Region: pass --region (e.g. --region us-east-1) or set AWS_REGION.']);
    }
    return new SesSession(client, resolved, timeoutMs, startedAt, onWait);
  }

  /** When the command must have finished (ms since the epoch, on SYSTEM_CLOCK). */
  public readonly deadline: number;
  public readonly ses: SesGateway;
  private readonly pacer: AdaptivePacer;
  /** The last answer the pacer retried, for the deadline's message. */
  private lastError: unknown;

  private constructor(
    private readonly client: ReturnType<typeof createSesClient>,
    public readonly region: string,
    private readonly timeoutMs: number,
    startedAt: number,
    onWait?: (wait: PacerWait) => void,
  ) {
    this.deadline = startedAt + timeoutMs;
    // The pacer starts no call after the deadline; within() ends what is in flight then.
    this.pacer = new AdaptivePacer(SYSTEM_CLOCK, {
      // The deadline bounds the retries, not a count: a stalled endpoint ends with the deadline's one line.
      maxTransientRetries: Number.POSITIVE_INFINITY,
      onWait: (wait) => {
        this.lastError = wait.error;
        onWait?.(wait);
      },
    });
    this.ses = new SesGateway(client, this.pacer, this.deadline);
  }

  /**
   * `work`, ended at the deadline: its passing becomes the one-line
   * timeout failure, any other error what `failure` makes of it.
   */
  public async within<T>(work: Promise<T>, failure: SesFailure): Promise<T> {
    try {
      return await withDeadline(work, Math.max(this.deadline - SYSTEM_CLOCK.now(), 1), () => this.client.destroy());
    } catch (error) {
      const cause = error instanceof SesCallError ? error.cause : error;
      throw error instanceof DeadlinePassed || error instanceof OutOfTime ? this.timedOut()
        : cause instanceof EndpointProblem ? new ApiFailure(cause.message) : failure(error, this.region);
    }
  }

  public close(): void {
    this.client.destroy();
  }

  /** The one-line reason when the command's deadline passed. */
  private timedOut(): ApiFailure {
    return gaveUp(this.timeoutMs, whyGaveUp(this.region, this.pacer.stats, this.lastError));
  }
}

/** Why SES calls did not get through before the deadline: throttling, failures (the last named), or no answer. */
export function whyGaveUp(region: string, stats: PacerStats, lastError: unknown): string {
  return stats.throttled > 0
    ? `SES kept throttling the calls (${count(stats.throttled, 'throttled answer')}): another deploy or tool may be using the account's one request per second in ${region}`
    : lastError !== undefined && errorName(lastError) !== 'TimeoutError'
      ? `SES in ${region} kept failing (${count(stats.retried, 'retried call')}; the last: ${describeSesError(lastError).replace(/\.$/, '')})`
      : `SES did not answer in time in ${region} (a stalled connection or endpoint${stats.retried > 0 ? `: ${count(stats.retried, 'call')} timed out` : ''})`;
}
