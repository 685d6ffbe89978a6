/**
 * `ses-byoip`: the command-line side of the BYOIP journey.
 *
 *   ses-byoip request --cidr C --account A --region R --registry ARIN --use-case "..."
 *   ses-byoip status  --cidr C [--region R] [--pool P] [--timeout SECONDS]
 *
 * Bundled with the AWS SDK into assets/cli/main/index.js (package.json `bin`).
 * Exit codes are listed in ExitCode; errors are one line, without a stack
 * trace, unless SES_BYOIP_DEBUG=1.
 */
import { parseArgs } from 'util';
import { TIMEOUT_USAGE } from './deadline';
import { ApiFailure, ExitCode, InvalidInput } from './errors';
import { buildRequest, formatRequest, REGISTRIES, REQUEST_ADDRESS } from './request';
import { formatStatus, readStatus } from './status';

/** Where the CLI writes, injectable for tests. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const USAGE = `Usage: ses-byoip <command> [options]

Commands:
  request   Print the request to send to AWS (${REQUEST_ADDRESS}) to bring a /24 to SES
  status    Show where the 256 addresses of a range are in your account, and whether it is ready to deploy

Run "ses-byoip <command> --help" for the options of a command.

Exit codes: 0 ok (status: ready), 1 unexpected error, 2 invalid input,
            3 status: not ready to deploy, 4 the SES API could not be read.
`;

const REQUEST_USAGE = `Usage: ses-byoip request --cidr <range> --account <id> --region <region> --registry <rir> --use-case <text> [--json]

Checks each item with the same rules as ByoipSendingPool and prints the e-mail
to send to ${REQUEST_ADDRESS}, with the five items AWS asks for.

Options:
  --cidr <range>      the /24 to bring, e.g. 198.51.100.0/24
  --account <id>      the 12-digit AWS account ID that will send from it
  --region <region>   the one Region where SES will use it, e.g. us-east-1
  --registry <rir>    its Regional Internet Registry: ${Object.keys(REGISTRIES).join(', ')}
  --use-case <text>   what you send from the range
  --json              print the request as JSON
  -h, --help          show this help
`;

const STATUS_USAGE = `Usage: ses-byoip status --cidr <range> [--region <region>] [--pool <name>] [--timeout <seconds>] [--json]

Reads the dedicated IPs of the account (AWS credentials, Region and endpoint
as for the AWS CLI and SDK) and shows how many of the range's 256 addresses
are provisioned, in which pools, with what warm-up, and whether the range is
ready to deploy. Exit code 0 if it is (or is already in --pool), 3 if not,
4 if SES could not be read (including when --timeout passed).

Options:
  --cidr <range>      the /24, e.g. 198.51.100.0/24
  --region <region>   the Region to look in (default: the SDK's, e.g. AWS_REGION)
  --pool <name>       the pool the range is meant for (its addresses there count as deployed)
  ${TIMEOUT_USAGE}
  --json              print the status as JSON
  -h, --help          show this help
`;

/** How often, at most, the CLI says that it is waiting for SES. */
const WAIT_NOTE_EVERY_MS = 2_000;

const COMMON = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

/** Runs the CLI with `args` (without "node" and the script); returns the exit code. */
export async function main(args: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'request':
        return request(rest, io);
      case 'status':
        return await status(rest, io);
      case undefined:
        io.err(USAGE);
        return ExitCode.INVALID_INPUT;
      case '-h':
      case '--help':
      case 'help':
        io.out(USAGE);
        return ExitCode.OK;
      default:
        throw new InvalidInput([`Unknown command ${JSON.stringify(command)}: use "request" or "status" (see ses-byoip --help).`]);
    }
  } catch (error) {
    return report(error, io);
  }
}

function request(args: readonly string[], io: Io): number {
  const { values } = parse(args, {
    ...COMMON,
    'cidr': { type: 'string' },
    'account': { type: 'string' },
    'region': { type: 'string' },
    'registry': { type: 'string' },
    'use-case': { type: 'string' },
  });
  if (values.help) {
    io.out(REQUEST_USAGE);
    return ExitCode.OK;
  }
  const built = buildRequest({
    cidr: values.cidr,
    account: values.account,
    region: values.region,
    registry: values.registry,
    useCase: values['use-case'],
  });
  built.warnings.forEach((warning) => io.err(`ses-byoip: warning: ${warning}\n`));
  io.out(values.json ? `${JSON.stringify(built, undefined, 2)}\n` : formatRequest(built));
  return ExitCode.OK;
}

async function status(args: readonly string[], io: Io): Promise<number> {
  const { values } = parse(args, { ...COMMON, cidr: { type: 'string' }, region: { type: 'string' }, pool: { type: 'string' }, timeout: { type: 'string' } });
  if (values.help) {
    io.out(STATUS_USAGE);
    return ExitCode.OK;
  }
  let lastWaitNote = -Infinity;
  const result = await readStatus(values, {
    page: (n) => io.err(`ses-byoip: read ${n} dedicated IPs of the account so far\n`),
    // While SES throttles, say so (every few seconds, not on every retry).
    wait: ({ reason, delayMs, stats }) => {
      if (Date.now() - lastWaitNote >= WAIT_NOTE_EVERY_MS) {
        lastWaitNote = Date.now();
        const retry = `retrying in ${delayMs < 1000 ? `${Math.ceil(delayMs)} ms` : `${(delayMs / 1000).toFixed(1)} s`}`;
        io.err(reason === 'throttled'
          ? `ses-byoip: SES is throttling (${stats.throttled} throttled answers so far; a deploy may be using the account's rate): ${retry}\n`
          : `ses-byoip: SES failed transiently (${stats.retried} retries so far): ${retry}\n`);
      }
    },
  });
  io.out(values.json ? `${JSON.stringify(result, undefined, 2)}\n` : formatStatus(result));
  return result.ready ? ExitCode.OK : ExitCode.NOT_READY;
}

type Options = Parameters<typeof parseArgs>[0] extends infer C ? C extends { options?: infer O } ? NonNullable<O> : never : never;

/** parseArgs, with its errors turned into InvalidInput. */
function parse<T extends Options>(args: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new InvalidInput([`${(error as Error).message.split('\n')[0]} (see --help).`]);
  }
}

function report(error: unknown, io: Io): number {
  if (process.env.SES_BYOIP_DEBUG === '1' && error instanceof Error) {
    io.err(`${error.stack}\n`);
  }
  if (error instanceof InvalidInput) {
    error.problems.forEach((problem) => io.err(`ses-byoip: ${problem}\n`));
    return ExitCode.INVALID_INPUT;
  }
  if (error instanceof ApiFailure) {
    io.err(`ses-byoip: ${error.message}\n`);
    return ExitCode.API_FAILURE;
  }
  io.err(`ses-byoip: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
  return ExitCode.UNEXPECTED;
}

if (require.main === module) {
  // The AWS SDK warns that its future versions will need Node.js 22; this
  // bundle carries its own, fixed SDK, so the warning does not apply here and
  // would break the one-line messages.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  void main(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  }).then((code) => {
    process.exitCode = code;
  });
}
