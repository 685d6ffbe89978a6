/**
 * IAM and SES are eventually consistent. A role's policy that changed
 * seconds before the operation (a pool added or renamed, warm-up asked for,
 * a new stack's role) may still deny the first calls (AccessDenied), and a
 * pool created seconds ago may not be found yet (NotFound). So, within a
 * minute of the operation's start (the change came just before it), such
 * answers are retried with a log line until a call that needs the same
 * permission has succeeded; after that they are final. The grace belongs to
 * each permission (an action, and for moves the destination pool): a move
 * that succeeded does not end it for the warm-up writes that follow, whose
 * statement may be the one still propagating. A permission removed once it
 * has been used is not a propagation delay.
 */
import { Clock } from './pacer';

/** How long after the operation began a denial may still be a propagation delay. */
export const PROPAGATION_GRACE_MS = 60_000;
/** The first retry waits this long; each next one twice as long, up to MAX_WAIT_MS. */
const FIRST_WAIT_MS = 1_000;
const MAX_WAIT_MS = 8_000;

/** An answer that may only mean "not yet". */
export type PropagationDelay = 'denied' | 'not-found';

const DENIED = new Set(['AccessDeniedException', 'AccessDenied']);

/**
 * Whether an error may be a propagation delay: AccessDenied from any call,
 * NotFound only where `notFoundMayPass` (a pool that may be new).
 */
export function propagationDelayOf(error: unknown, notFoundMayPass: boolean): PropagationDelay | undefined {
  const name = (error as { name?: unknown })?.name;
  if (typeof name !== 'string') {
    return undefined;
  }
  if (DENIED.has(name)) {
    return 'denied';
  }
  return notFoundMayPass && name === 'NotFoundException' ? 'not-found' : undefined;
}

/** The grace of one invocation of an operation. */
export class PropagationGrace {
  /** The permissions the operation has written with (e.g. "into pool p"), or ANY_WRITE for writes that name none. */
  private readonly writtenWith = new Set<string>();
  private retries = 0;

  /**
   * @param until the end of the grace, on `clock`'s scale: the operation's start plus PROPAGATION_GRACE_MS
   */
  constructor(
    private readonly clock: Clock,
    private readonly until: number,
    private readonly log: (message: string) => void,
  ) {}

  /**
   * The operation has written with `permission` (e.g. "into pool p", "with
   * PutDedicatedIpWarmupAttributes"): no more grace for writes that need it,
   * nor for calls that name no permission (reads). A first write that needs
   * ANOTHER permission (a sibling pool created in the same deploy, warm-up
   * asked for in this update), whose statement may still be propagating,
   * keeps its grace.
   */
  public operationHasWritten(permission: string = ANY_WRITE): void {
    this.writtenWith.add(permission);
  }

  /**
   * If `delay` may still pass, logs why and waits before the caller retries
   * `what`; returns whether to retry.
   */
  public async retry(delay: PropagationDelay | undefined, what: string, error: unknown, permission?: string): Promise<boolean> {
    const left = this.until - this.clock.now();
    const written = permission === undefined ? this.writtenWith.size > 0 : this.writtenWith.has(permission);
    if (delay === undefined || written || left <= 0) {
      return false;
    }
    const wait = Math.min(left, FIRST_WAIT_MS * 2 ** this.retries, MAX_WAIT_MS);
    this.retries++;
    const why = delay === 'denied'
      ? 'the role\'s permissions may not have propagated to SES yet (IAM takes seconds)'
      : 'a pool created seconds ago may not be found yet (SES takes seconds)';
    this.log(`${what} answered ${describe(error)}. Nothing has been written ${permission === undefined ? '' : `${permission} `}yet, and ${why}: ` +
      `retrying in ${(wait / 1000).toFixed(1)} s (for ${Math.ceil(left / 1000)} s more at most)`);
    await this.clock.sleep(wait);
    return true;
  }
}

/** The permission of writes that name none. */
const ANY_WRITE = '*';

function describe(error: unknown): string {
  const { name, message } = error as { name?: string; message?: string };
  return message ? `${name ?? 'an error'} (${message.replace(/\.$/, '')})` : name ?? 'an error';
}
