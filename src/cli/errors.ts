/**
 * What the CLI's exit codes mean, for scripts, and the errors that carry them.
 */
export enum ExitCode {
  /** Done; for `status`, the range is ready to deploy (or already in its pool). */
  OK = 0,
  /** Something unexpected went wrong (a bug). */
  UNEXPECTED = 1,
  /** The command line is wrong: an unknown command or option, a bad value. */
  INVALID_INPUT = 2,
  /** `status`: the range is not ready to deploy (not provisioned, partly, or in another pool). */
  NOT_READY = 3,
  /** The SES API could not be read: credentials, permissions, network, Region. */
  API_FAILURE = 4,
}

/** A user mistake on the command line; each problem is one sentence. */
export class InvalidInput extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(problems.join(' '));
    this.name = 'InvalidInput';
  }
}

/** The SES API failed; the message says what to check. */
export class ApiFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiFailure';
  }
}
