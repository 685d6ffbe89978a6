/**
 * `ses-byoip`: the command-line side of the BYOIP journey.
 *
 *   ses-byoip request --cidr C --account A --region R --registry ARIN --use-case "..."
 *   ses-byoip status  --cidr C [--region R] [--pool P [--addresses BLOCKS]] [--timeout SECONDS]
 *   ses-byoip dns     --cidr C [--hostname PATTERN] [--resolver HOST[:PORT]] [--timeout SECONDS]
 *   ses-byoip resume  --configuration-set NAME [--region R] [--timeout SECONDS]
 *   ses-byoip --version
 *
 * Bundled with the AWS SDK into assets/cli/main/index.js (package.json `bin`).
 * Exit codes are listed in ExitCode. Errors are one line per problem on
 * stderr, without a stack trace unless SES_BYOIP_DEBUG=1; `--json` changes
 * only stdout: the result, or the error (ErrorJson), as one JSON document.
 */
import { parseArgs } from 'util';
import { TIMEOUT_USAGE } from './deadline';
import { checkReverseDns, formatDns } from './dns';
import { describeFailure, ErrorJson, ExitCode, InvalidInput } from './errors';
import { buildRequest, formatRequest, REGISTRIES, REQUEST_ADDRESS } from './request';
import { formatResume, resumeSending } from './resume';
import { formatStatus, readStatus } from './status';
// esbuild inlines the version into the bundle (the release bumps package.json before it bundles).
import { version as VERSION } from '../../package.json';
import { PacerWait } from '../handler/pacer';
import { quote } from '../private/display';

/** Where the CLI writes, injectable for tests. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** True when stderr is a terminal: then a command may show a progress indicator there. */
  readonly errIsTerminal?: boolean;
}

const USAGE = `Usage: ses-byoip <command> [options]

Commands:
  request   Print the request to send to AWS (${REQUEST_ADDRESS}) to bring a /24 to SES
  status    Show where the 256 addresses of a range are in your account, and whether it is ready to deploy
  dns       Check the reverse DNS of the 256 addresses: one PTR record each, whose name resolves back to it
  resume    Turn a configuration set's sending back on (after the ReputationGuard paused it and the cause is fixed)

Run "ses-byoip <command> --help" for the options of a command, "ses-byoip --version" for the version.
With --json, a command prints its result, or its error, as JSON on stdout.

Exit codes: 0 ok (status, dns: ready; resume: sending), 1 unexpected error, 2 invalid input (status, resume: also no AWS Region),
            3 status, dns: not ready; resume: no such configuration set, 4 status, resume: the SES API could not be reached,
            dns: DNS could not be queried.
`;

const REQUEST_USAGE = `Usage: ses-byoip request --cidr <range> --account <id> --region <region> --registry <rir> --use-case <text> [--json]

Checks each item (the range with the library's range rules, by rule ID) and
prints the e-mail to send to ${REQUEST_ADDRESS}, with the five items AWS asks
for. Sign it before sending: replace the placeholder at its end.

Options:
  --cidr <range>      the /24 to bring, as a.b.c.0/24
  --account <id>      the 12-digit AWS account ID that will send from it
  --region <region>   the one Region where SES will use it, e.g. us-east-1
  --registry <rir>    its Regional Internet Registry: ${Object.keys(REGISTRIES).join(', ')}
  --use-case <text>   what you send from the range
  --json              print the request, or the error, as JSON
  --version           print the version
  -h, --help          show this help

Exit codes: 0 printed, 1 unexpected error, 2 invalid input.
`;

const STATUS_USAGE = `Usage: ses-byoip status --cidr <range> [--region <region>] [--pool <name> [--addresses <blocks>]] [--timeout <seconds>] [--json]

Reads the dedicated IPs of the account (AWS credentials, Region and endpoint
as for the AWS CLI and SDK) and shows how many of the range's 256 addresses
are provisioned, in which pools, with what warm-up, and whether the range is
ready to deploy.

Options:
  --cidr <range>      the /24, as a.b.c.0/24
  --region <region>   the Region to look in (default: the SDK's, e.g. AWS_REGION)
  --pool <name>       the pool the range is meant for (its addresses there count as deployed)
  --addresses <blocks>
                      with --pool, for a range split between pools: that pool's part,
                      as its ByoipSendingPool's addresses (CIDR blocks inside --cidr,
                      /24 to /32, comma-separated, e.g. a.b.c.0/27,a.b.c.64/26); the
                      verdict is then about these addresses only
  ${TIMEOUT_USAGE}
  --json              print the status (ready or not), or the error, as JSON
  --version           print the version
  -h, --help          show this help

Exit codes: 0 ready (or already in --pool), 1 unexpected error, 2 invalid input
            (including no AWS Region), 3 not ready, 4 SES could not be read
            (credentials, permissions, network, or --timeout passed).
`;

const DNS_USAGE = `Usage: ses-byoip dns --cidr <range> [--hostname <pattern>] [--resolver <host[:port]>] [--timeout <seconds>] [--json]

Looks up the PTR records of the range's 256 addresses, then the A records of
each PTR name, and says which addresses are not ready to send mail from: no
PTR record, more than one, a name that does not resolve, a name whose A
records do not include the address (not forward-confirmed), a name other
than --hostname gives, or a failed lookup. The problems are grouped by kind,
with the addresses as the fewest CIDR blocks.

Options:
  --cidr <range>      the /24, as a.b.c.0/24
  --hostname <pattern>
                      the expected name, with the address's octets as {a}, {b}, {c}
                      and {d}: e.g. mta{d}.mail.example.com (compared ignoring case)
  --resolver <host[:port]>
                      the DNS server to ask, an IPv4 address (default: the system's)
  ${TIMEOUT_USAGE}
  --json              print every address with its status, or the error, as JSON
  --version           print the version
  -h, --help          show this help

Exit codes: 0 all addresses ready, 1 unexpected error, 2 invalid input, 3 some
            address not ready (failed lookups included), 4 DNS could not be
            queried (the resolver did not answer at all, or --timeout passed).
`;

const RESUME_USAGE = `Usage: ses-byoip resume --configuration-set <name> [--region <region>] [--timeout <seconds>] [--json]

Turns the sending of a configuration set back on, after the ReputationGuard
(or anyone) paused it and the cause of the bounces or complaints is fixed.
First reads and prints the set's sending state and the account's enforcement
status (GetAccount: HEALTHY, PROBATION or SHUTDOWN, and whether the whole
account may send), then enables the set's sending unless it is on already.
AWS credentials, Region and endpoint as for the AWS CLI and SDK; the
credentials need ses:GetConfigurationSet, ses:PutConfigurationSetSendingOptions
and (to show the account's status; resume goes on without it) ses:GetAccount.

Options:
  --configuration-set <name>
                      the configuration set to resume (case-sensitive)
  --region <region>   its Region (default: the SDK's, e.g. AWS_REGION)
  ${TIMEOUT_USAGE}
  --json              print the result, or the error, as JSON
  --version           print the version
  -h, --help          show this help

Exit codes: 0 sending (resumed, or it was already), 1 unexpected error, 2 invalid
            input (including no AWS Region), 3 no such configuration set, 4 SES
            could not be reached (credentials, permissions, network, or --timeout passed).
`;

/** How often, at most, the CLI says that it is waiting for SES. */
const WAIT_NOTE_EVERY_MS = 2_000;

const COMMON = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

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
  const [command, ...rest] = args;
  switch (command) {
    case 'request':
      return request(rest, io, json);
    case 'status':
      return status(rest, io, json);
    case 'dns':
      return dns(rest, io, json);
    case 'resume':
      return resume(rest, io, json);
    case 'help':
      io.out(USAGE);
      return ExitCode.OK;
    default:
      if (command === undefined || command.startsWith('-')) {
        return topLevel(args, io, json);
      }
      throw new InvalidInput([`Unknown command ${JSON.stringify(command)}: use "request", "status" or "dns" for a range, or "resume" for a paused configuration set (see ses-byoip --help).`]);
  }
}

/** `ses-byoip [--help | --version | --json]`, without a command. */
function topLevel(args: readonly string[], io: Io, json: boolean): number {
  const misplaced = args.find((arg) => arg === 'request' || arg === 'status' || arg === 'dns' || arg === 'resume');
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
  throw new InvalidInput(['No command: use "request", "status" or "dns" for a range, or "resume" for a paused configuration set (see ses-byoip --help).']);
}

function printVersion(io: Io, json: boolean): number {
  io.out(json ? toJson({ version: VERSION }) : `${VERSION}\n`);
  return ExitCode.OK;
}

function request(args: readonly string[], io: Io, json: boolean): number {
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
  if (values.version) {
    return printVersion(io, json);
  }
  const built = buildRequest({
    cidr: values.cidr,
    account: values.account,
    region: values.region,
    registry: values.registry,
    useCase: values['use-case'],
  });
  // stderr says the same with or without --json, which also carries both in the request.
  built.warnings.forEach((warning) => io.err(`ses-byoip: warning: ${warning}\n`));
  io.out(json ? toJson(built) : formatRequest(built));
  built.placeholders.forEach((placeholder) => io.err(`ses-byoip: note: replace ${placeholder} at the end of the e-mail before sending it.\n`));
  return ExitCode.OK;
}

async function status(args: readonly string[], io: Io, json: boolean): Promise<number> {
  const { values } = parse(args, {
    ...COMMON,
    cidr: { type: 'string' },
    region: { type: 'string' },
    pool: { type: 'string' },
    addresses: { type: 'string' },
    timeout: { type: 'string' },
  });
  if (values.help) {
    io.out(STATUS_USAGE);
    return ExitCode.OK;
  }
  if (values.version) {
    return printVersion(io, json);
  }
  const result = await readStatus(values, {
    page: (n) => io.err(`ses-byoip: read ${n} dedicated IPs of the account so far\n`),
    wait: waitNotes(io),
  });
  // Not ready is a result, not an error: the status, with exit code 3.
  io.out(json ? toJson(result) : formatStatus(result));
  return result.ready ? ExitCode.OK : ExitCode.NOT_READY;
}

async function resume(args: readonly string[], io: Io, json: boolean): Promise<number> {
  const { values } = parse(args, {
    ...COMMON,
    'configuration-set': { type: 'string' },
    'region': { type: 'string' },
    'timeout': { type: 'string' },
  });
  if (values.help) {
    io.out(RESUME_USAGE);
    return ExitCode.OK;
  }
  if (values.version) {
    return printVersion(io, json);
  }
  const result = await resumeSending({ configurationSet: values['configuration-set'], region: values.region, timeout: values.timeout }, { wait: waitNotes(io) });
  // No such configuration set is a result, not an error: the result, with exit code 3.
  io.out(json ? toJson(result) : formatResume(result));
  return result.action === 'NOT_FOUND' ? ExitCode.NOT_READY : ExitCode.OK;
}

/** While SES throttles or fails transiently, say so on stderr (every few seconds, not on every retry). */
function waitNotes(io: Io): (wait: PacerWait) => void {
  let lastWaitNote = -Infinity;
  return ({ reason, delayMs, stats }) => {
    if (Date.now() - lastWaitNote >= WAIT_NOTE_EVERY_MS) {
      lastWaitNote = Date.now();
      const retry = `retrying in ${delayMs < 1000 ? `${Math.ceil(delayMs)} ms` : `${(delayMs / 1000).toFixed(1)} s`}`;
      io.err(reason === 'throttled'
        ? `ses-byoip: SES is throttling (${stats.throttled} throttled answers so far; a deploy may be using the account's rate): ${retry}\n`
        : `ses-byoip: SES failed transiently (${stats.retried} retries so far): ${retry}\n`);
    }
  };
}

async function dns(args: readonly string[], io: Io, json: boolean): Promise<number> {
  const { values } = parse(args, {
    ...COMMON,
    cidr: { type: 'string' },
    hostname: { type: 'string' },
    resolver: { type: 'string' },
    timeout: { type: 'string' },
  });
  if (values.help) {
    io.out(DNS_USAGE);
    return ExitCode.OK;
  }
  if (values.version) {
    return printVersion(io, json);
  }
  // A progress line rewritten in place, on a terminal only (never in a log or a pipe).
  let shown = false;
  const result = await checkReverseDns(values, io.errIsTerminal ? {
    checked: (done, total) => {
      shown = true;
      io.err(`\rses-byoip: checked ${done} of ${total} addresses`);
    },
  } : {}).finally(() => {
    if (shown) {
      io.err('\r\x1b[K');
    }
  });
  // Not ready is a result, not an error: the report, with exit code 3.
  io.out(json ? toJson(result) : formatDns(result));
  return result.ready ? ExitCode.OK : ExitCode.NOT_READY;
}

type Options = Parameters<typeof parseArgs>[0] extends infer C ? C extends { options?: infer O } ? NonNullable<O> : never : never;

/**
 * parseArgs, with its errors, and any option given more than once, turned
 * into InvalidInput (parseArgs itself keeps the last value silently).
 */
function parse<T extends Options>(args: readonly string[], options: T) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: false, tokens: true });
  } catch (error) {
    // Node's message may take several lines (e.g. a value that looks like an option): keep them all, on one line.
    const message = (error as Error).message.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => line.replace(/[.?]?$/, (end) => end || '.')).join(' ');
    throw new InvalidInput([`${message} See ses-byoip --help.`]);
  }
  const given = new Map<string, string[]>();
  for (const token of parsed.tokens) {
    if (token.kind === 'option') {
      given.set(token.name, [...given.get(token.name) ?? [], token.value ?? '']);
    }
  }
  const repeated = [...given].filter(([, values]) => values.length > 1).map(([name, values]) =>
    options[name].type === 'string'
      ? `--${name} is given ${values.length} times (${values.map((value) => quote(value)).join(', ')}): give it once.`
      : `--${name} is given ${values.length} times: give it once.`);
  if (repeated.length > 0) {
    throw new InvalidInput(repeated);
  }
  return parsed;
}

/** Whether the command line asks for JSON: a --json option before any "--". */
function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

function toJson(value: unknown): string {
  return `${JSON.stringify(value, undefined, 2)}\n`;
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
  }).then((code) => {
    process.exitCode = code;
  });
}
