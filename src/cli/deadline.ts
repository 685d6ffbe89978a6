/**
 * `--timeout SECONDS`: the deadline of a whole command that calls AWS or
 * DNS, so that a stalled endpoint or a long throttling storm ends with a
 * one-line reason instead of running silently for ever.
 */
import { ApiFailure } from './errors';
import { quote } from '../private/display';

/** The default deadline of a command: enough to page an account with many ranges while a deploy takes most of SES's rate. */
export const DEFAULT_TIMEOUT_SECONDS = 120;
/** The longest deadline accepted: an hour, as long as a deploy may take. */
const MAX_TIMEOUT_SECONDS = 3_600;

/** The usage line of the option, for --help texts. */
export const TIMEOUT_USAGE = `--timeout <seconds>  give up after this long, with exit code 4 (default ${DEFAULT_TIMEOUT_SECONDS})`;

/**
 * The deadline in milliseconds, or a problem (one sentence) when `value` is
 * not a number of seconds from 1 to MAX_TIMEOUT_SECONDS.
 */
export function parseTimeout(value: string | undefined): { readonly ms: number } | { readonly problem: string } {
  if (value === undefined) {
    return { ms: DEFAULT_TIMEOUT_SECONDS * 1000 };
  }
  const seconds = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!(seconds >= 1 && seconds <= MAX_TIMEOUT_SECONDS)) {
    return { problem: `--timeout ${quote(value)} is not a number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}: e.g. --timeout 300 (default ${DEFAULT_TIMEOUT_SECONDS}).` };
  }
  return { ms: Math.round(seconds * 1000) };
}

/**
 * The one line of every command that calls AWS when its deadline passes:
 * `why` says what kept it (without a final period), e.g. "SES did not
 * answer in time in eu-west-1 (a stalled connection or endpoint)".
 */
export function gaveUp(timeoutMs: number, why: string): ApiFailure {
  return new ApiFailure(`Gave up after ${timeoutMs / 1000} s (--timeout): ${why}. Try again later, or pass a longer --timeout.`);
}

/** Thrown by withDeadline when the work did not finish in time. */
export class DeadlinePassed extends Error {
  constructor(public readonly ms: number) {
    super(`gave up after ${ms / 1000} s`);
    this.name = 'DeadlinePassed';
  }
}

/**
 * The result of `work`, or DeadlinePassed after `ms`; `cancel` then stops
 * what is still running (e.g. destroys the client, closing its sockets).
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, cancel: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cancel();
      reject(new DeadlinePassed(ms));
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
