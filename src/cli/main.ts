/**
 * `ses-byoip`: the command-line side of the BYOIP journey.
 *
 *   ses-byoip request --cidr C --account A --region R --registry ARIN --use-case "..."
 *   ses-byoip status  --cidr C [--region R] [--pool P [--addresses BLOCKS]] [--timeout SECONDS]
 *   ses-byoip dns     --cidr C [--hostname PATTERN] [--resolver HOST[:PORT]] [--timeout SECONDS]
 *   ses-byoip resume  --configuration-set NAME [--region R] [--timeout SECONDS]
 *   ses-byoip plan    [--app DIR] [--stack NAME]... [--apply [--yes]] [--timeout SECONDS]
 *   ses-byoip --version
 *
 * Bundled with the AWS SDK into assets/cli/main/index.js (package.json `bin`).
 * Each command (its usage, options and run function) lives in its own file;
 * this one only dispatches. Exit codes are listed in ExitCode. Errors are one
 * line per problem on stderr, without a stack trace unless SES_BYOIP_DEBUG=1;
 * `--json` changes only stdout: the result, or the error (ErrorJson), as one
 * JSON document.
 */
import * as readline from 'readline';
import { Command, COMMON, Input, Io, parse, printVersion, toJson } from './command';
import { dnsCommand } from './dns';
import { describeFailure, ErrorJson, ExitCode, InvalidInput } from './errors';
import { planCommand } from './plan';
import { requestCommand } from './request';
import { resumeCommand } from './resume';
import { statusCommand } from './status';

export type { Io } from './command';

/** The commands, in the order the top-level usage lists them. */
const COMMANDS: readonly Command[] = [requestCommand, statusCommand, dnsCommand, resumeCommand, planCommand];

const USAGE = `Usage: ses-byoip <command> [options]

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(10)}${command.summary}`).join('\n')}

Run "ses-byoip <command> --help" for the options of a command, "ses-byoip --version" for the version.
With --json, a command prints its result, or its error, as JSON on stdout.

Exit codes: 0 ok (status, dns: ready; resume: sending; plan: nothing would move), 1 unexpected error,
            2 invalid input (status, resume: also no AWS Region; plan: also a bad --app or --stack, credentials of another account),
            3 status, dns: not ready; resume: no such configuration set; plan: the deploy would fail (blocked addresses),
            4 status, resume, plan: AWS could not be reached, dns: DNS could not be queried,
            5 plan: moves pending (cdk deploy's, or drift to move back with plan --apply).
`;

/** What to do instead, when the command line names no known command. */
const WHICH_COMMAND = 'use "request", "status" or "dns" for a range, "resume" for a paused configuration set, or "plan" for what cdk deploy would move (see ses-byoip --help).';

/** Runs the CLI with `args` (without "node" and the script); returns the exit code. */
export async function main(args: readonly string[], io: Io): Promise<number> {
  // Known before parsing, so that a command line that does not parse fails in JSON too.
  const json = wantsJson(args);
  try {
    return await run(args, io, json);
  } catch (error) {
    return report(error, io, json);
  }
}

async function run(args: readonly string[], io: Io, json: boolean): Promise<number> {
  const [name, ...rest] = args;
  const command = COMMANDS.find((c) => c.name === name);
  if (command) {
    return command.run(rest, io, json);
  }
  if (name === 'help') {
    io.out(USAGE);
    return ExitCode.OK;
  }
  if (name === undefined || name.startsWith('-')) {
    return topLevel(args, io, json);
  }
  throw new InvalidInput([`Unknown command ${JSON.stringify(name)}: ${WHICH_COMMAND}`]);
}

/** `ses-byoip [--help | --version | --json]`, without a command. */
function topLevel(args: readonly string[], io: Io, json: boolean): number {
  const misplaced = args.find((arg) => COMMANDS.some((c) => c.name === arg));
  if (misplaced !== undefined) {
    throw new InvalidInput([`Give the command first, then its options: ses-byoip ${misplaced} [options] (see ses-byoip --help).`]);
  }
  const { values } = parse(args, COMMON);
  if (values.help) {
    io.out(USAGE);
    return ExitCode.OK;
  }
  if (values.version) {
    return printVersion(io, json);
  }
  io.err(USAGE);
  throw new InvalidInput([`No command: ${WHICH_COMMAND}`]);
}

/** Whether the command line asks for JSON: a --json option before any "--". */
function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

/** Reports a failure: one line per problem on stderr and, with --json, the ErrorJson on stdout. */
function report(error: unknown, io: Io, json: boolean): number {
  if (process.env.SES_BYOIP_DEBUG === '1' && error instanceof Error) {
    io.err(`${error.stack}\n`);
  }
  const failure = describeFailure(error);
  failure.problems.forEach((problem) => io.err(`ses-byoip: ${problem}\n`));
  if (json) {
    const document: ErrorJson = { error: failure };
    io.out(toJson(document));
  }
  return failure.exitCode;
}

if (require.main === module) {
  // The AWS SDK warns that its future versions will need Node.js 22; this
  // bundle carries its own, fixed SDK, so the warning does not apply here and
  // would break the one-line messages.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  void main(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    errIsTerminal: process.stderr.isTTY === true,
    input: stdin(),
  }).then((code) => {
    process.exitCode = code;
  });
}

/** The process's stdin, read a line at a time (for plan --apply's question). */
function stdin(): Input {
  return {
    isTerminal: process.stdin.isTTY === true,
    readLine: () => new Promise((resolve) => {
      const lines = readline.createInterface({ input: process.stdin, terminal: false });
      let answered = false;
      lines.once('line', (line) => {
        answered = true;
        resolve(line);
        lines.close();
      });
      lines.once('close', () => {
        if (!answered) {
          resolve(undefined);
        }
      });
    }),
  };
}
