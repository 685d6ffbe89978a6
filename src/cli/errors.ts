/**
 * What the CLI's exit codes mean, for scripts, the errors that carry them,
 * and how a failure is reported: one line per problem on stderr, and with
 * `--json` also one JSON document on stdout.
 */
export enum ExitCode {
  /** Done; for `status`, the range is ready to deploy (or already in its pool). */
  OK = 0,
  /** Something unexpected went wrong (a bug). */
  UNEXPECTED = 1,
  /**
   * The command line is wrong: an unknown command or option, an option given
   * twice, a bad value; for `status`, also no AWS Region to look in.
   */
  INVALID_INPUT = 2,
  /**
   * `status`: the range is not ready to deploy (not provisioned, partly, or in another pool);
   * `dns`: some address is not ready to send from (failed lookups included);
   * `resume`: no such configuration set; `plan`: cdk deploy would fail (blocked
   * addresses: not in the account, or in another pool). A result, not an error.
   */
  NOT_READY = 3,
  /**
   * `status`, `resume`, `plan`: AWS could not be read (or, `plan --apply`, written):
   * credentials, permissions, network, or the --timeout passed;
   * `dns`: DNS could not be queried (the resolver answered nothing at all, or the --timeout passed).
   */
  API_FAILURE = 4,
  /**
   * `plan`: addresses would move: cdk deploy would move them, or they drifted
   * from the deployed layout (`plan --apply` moves them back). A result, not an error.
   */
  MOVES_PENDING = 5,
}

/** A user mistake on the command line; each problem is one sentence. */
export class InvalidInput extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(problems.join(' '));
    this.name = 'InvalidInput';
  }
}

/** The SES API failed, or (`dns`) the resolver did not answer; the message says what to check. */
export class ApiFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiFailure';
  }
}

/** The machine code of a failure: the name of its exit code. */
export type ErrorCode = 'UNEXPECTED' | 'INVALID_INPUT' | 'API_FAILURE';

/** What `--json` prints on stdout when a command fails. */
export interface ErrorJson {
  readonly error: {
    /** Stable, for scripts: the name of the exit code. */
    readonly code: ErrorCode;
    /** The process's exit code. */
    readonly exitCode: ExitCode;
    /** The problems in one string. */
    readonly message: string;
    /** One sentence per problem: the lines printed on stderr, without the "ses-byoip: " prefix. */
    readonly problems: readonly string[];
  };
}

/** How a failure is reported, whatever was thrown. */
export function describeFailure(error: unknown): ErrorJson['error'] {
  if (error instanceof InvalidInput) {
    return failure(ExitCode.INVALID_INPUT, 'INVALID_INPUT', error.problems);
  }
  if (error instanceof ApiFailure) {
    return failure(ExitCode.API_FAILURE, 'API_FAILURE', [error.message]);
  }
  return failure(ExitCode.UNEXPECTED, 'UNEXPECTED', [`unexpected error: ${error instanceof Error ? error.message : String(error)}`]);
}

function failure(exitCode: ExitCode, code: ErrorCode, problems: readonly string[]): ErrorJson['error'] {
  return { code, exitCode, message: problems.join(' '), problems };
}
