/**
 * `ses-byoip dns`: whether every address of a range has forward-confirmed
 * reverse DNS (one PTR record, whose name resolves back to the address), and
 * optionally the expected name. Lookups go through node's c-ares resolver
 * (`resolvePtr` on the in-addr.arpa names, never `dns.reverse`, which reports
 * a timeout as ENOTFOUND), a bounded number at a time, each with its own
 * timeout and retry, within the command's deadline.
 */
import { promises as dnsPromises } from 'dns';
import { Command, COMMON, helpOrVersion, parse, toJson } from './command';
import { DeadlinePassed, parseTimeout, TIMEOUT_USAGE, withDeadline } from './deadline';
// Through the module's exports, so that a test can replace checkReverseDns (jest.spyOn).
import * as self from './dns';
import { ApiFailure, ExitCode, InvalidInput } from './errors';
import { quote } from '../private/display';
import { fewestBlocks, formatIpv4, Ipv4Range, ipv4ToNumber, parseDottedDecimal, rangeOf } from '../range/ipv4-cidr';
import { formatFinding } from '../rules/finding';
import { checkRange } from '../rules/range-rules';
import { expandHostname, patternProblem, reverseNameOf } from '../rules/reverse-dns-rules';

/** What the user gives. */
export interface DnsInput {
  readonly cidr?: string;
  /** The expected host name, with the octets as {a}, {b}, {c}, {d}. */
  readonly hostname?: string;
  /** HOST[:PORT], an IPv4 address; default: the system's resolvers. */
  readonly resolver?: string;
  /** The deadline of the whole command, in seconds, as given (see deadline.ts). */
  readonly timeout?: string;
}

/** The state of one address, worst first in the order shown. */
export const ADDRESS_STATUSES = [
  'ok',
  'noPtr',
  'multiplePtr',
  'ptrNameUnresolved',
  'notForwardConfirmed',
  'patternMismatch',
  'lookupFailed',
] as const;
export type AddressStatus = typeof ADDRESS_STATUSES[number];
export type ProblemKind = Exclude<AddressStatus, 'ok'>;

/** What a lookup of one address found (`--json` prints one per address). */
export interface AddressReport {
  readonly address: string;
  readonly status: AddressStatus;
  /** The PTR names found (trailing dot removed), in the order the server gave them. */
  readonly ptr: readonly string[];
  /** The A records of each PTR name looked up; a name that does not resolve has []. */
  readonly a: Readonly<Record<string, readonly string[]>>;
  /** The name PATTERN gives this address, or null without --hostname. */
  readonly expected: string | null;
  /** Why a lookup failed (status lookupFailed), e.g. "PTR lookup of 1.100.51.198.in-addr.arpa failed: SERVFAIL"; else null. */
  readonly error: string | null;
}

/** The result of the command, as shown (and as `--json` prints it). */
export interface DnsReport {
  readonly cidr: string;
  /** The servers asked, e.g. "127.0.0.1:5353". */
  readonly resolver: string;
  /** The --hostname PATTERN, or null. */
  readonly hostname: string | null;
  /** True if every address is ok. */
  readonly ready: boolean;
  /** How many addresses, and how many in each state (every state, 0 included). */
  readonly summary: { readonly addresses: number } & Readonly<Record<AddressStatus, number>>;
  /** Each problem found, with its addresses as the fewest CIDR blocks. */
  readonly problems: Readonly<Partial<Record<ProblemKind, readonly string[]>>>;
  readonly addresses: readonly AddressReport[];
}

/** What checkReverseDns tells while it works, for a progress display. */
export interface DnsProgress {
  readonly checked?: (done: number, total: number) => void;
}

/** How many lookups are in flight at most. */
export const CONCURRENCY = 16;
/** The first timeout of one query, in ms; c-ares retries once with a longer one. */
const QUERY_TIMEOUT_MS = 1_000;
const QUERY_TRIES = 2;

/** Error codes that mean "the server did not answer" rather than "the server said so". */
const NO_ANSWER = new Set(['ETIMEOUT', 'ECONNREFUSED', 'ECANCELLED', 'EDESTRUCTION', 'ECONNRESET']);
/** Error codes that mean "no such record". */
const NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA']);

/** Checks the input, then looks up every address of the range. */
export async function checkReverseDns(input: DnsInput, progress: DnsProgress = {}): Promise<DnsReport> {
  const { cidr } = input;
  if (cidr === undefined) {
    throw new InvalidInput(['--cidr is required: the /24 whose reverse DNS to check (a.b.c.0/24).']);
  }
  const problems: string[] = [];
  const verdict = checkRange(cidr);
  if (!verdict.accepted) {
    problems.push(formatFinding(verdict.finding));
  }
  const addresses = verdict.accepted ? verdict.range.addresses() : [];
  if (input.hostname !== undefined) {
    const problem = checkHostnamePattern(input.hostname, verdict.accepted ? verdict.range : rangeOf('255.255.255.0/24'));
    if (problem) {
      problems.push(problem);
    }
  }
  let server: string | undefined;
  if (input.resolver !== undefined) {
    const parsed = parseResolver(input.resolver);
    if ('problem' in parsed) {
      problems.push(parsed.problem);
    } else {
      server = parsed.server;
    }
  }
  const timeout = parseTimeout(input.timeout);
  if ('problem' in timeout) {
    problems.push(timeout.problem);
  }
  if (problems.length > 0 || 'problem' in timeout) {
    throw new InvalidInput(problems);
  }

  // No query waits longer than the command may.
  const resolver = new dnsPromises.Resolver({ timeout: Math.min(QUERY_TIMEOUT_MS, timeout.ms), tries: QUERY_TRIES });
  if (server !== undefined) {
    resolver.setServers([server]);
  }
  const servers = server ?? resolver.getServers().join(', ');
  const pattern = input.hostname;
  let stopped = false;
  const cancel = () => {
    stopped = true;
    resolver.cancel();
  };

  // --timeout is the deadline of the whole command, the first query included.
  const deadline = Date.now() + timeout.ms;
  // One query first: a server that does not answer is reported once, not once per address.
  try {
    await withDeadline(probe(resolver), timeout.ms, cancel);
  } catch (error) {
    throw error instanceof DeadlinePassed
      ? notAnswering(servers, `within ${timeout.ms / 1000} s (--timeout)`)
      : error;
  }

  const results: AddressReport[] = new Array(addresses.length);
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (!stopped && next < addresses.length) {
      const index = next++;
      results[index] = await lookUp(resolver, addresses[index], pattern);
      done++;
      progress.checked?.(done, addresses.length);
    }
  };
  try {
    const remaining = deadline - Date.now();
    await withDeadline(Promise.all(Array.from({ length: CONCURRENCY }, worker)), Math.max(remaining, 1), cancel);
  } catch (error) {
    if (error instanceof DeadlinePassed) {
      throw new ApiFailure(`Gave up after ${timeout.ms / 1000} s (--timeout): ${done} of ${addresses.length} addresses checked; ${servers} answers slowly. Pass a longer --timeout, or another --resolver.`);
    }
    throw error;
  }
  // The server stopped answering after the probe: still no answer at all.
  if (results.every((result) => result.status === 'lookupFailed' && result.error !== null && /: (timed out|connection refused)/.test(result.error))) {
    throw notAnswering(servers, 'to any lookup');
  }
  // A server that refuses every lookup (it does not recurse for us) says
  // nothing about the range: not 256 problems to fix at the registry.
  if (results.every((result) => result.status === 'lookupFailed' && result.error !== null && /: REFUSED$/.test(result.error))) {
    throw new ApiFailure(`DNS could not be queried: ${servers} refused every lookup (REFUSED): it does not answer these names for this client. ` +
      'Use a recursive resolver (--resolver, or the system\'s resolvers).');
  }
  return summarize(cidr, servers, pattern, results);
}

/** Rejects with ApiFailure when the server does not answer at all; any answer (even an error code) resolves. */
async function probe(resolver: dnsPromises.Resolver): Promise<void> {
  try {
    // The root's NS records: a name any resolver can answer, whatever the range's delegation.
    await resolver.resolveNs('.');
  } catch (error) {
    const code = errorCode(error);
    if (NO_ANSWER.has(code)) {
      throw notAnswering(resolver.getServers().join(', '), `(${describeCode(code)} after ${QUERY_TRIES} tries)`);
    }
  }
}

function notAnswering(servers: string, how: string): ApiFailure {
  return new ApiFailure(`DNS could not be queried: ${servers} did not answer ${how}. Check --resolver (or the system's resolvers) and the network.`);
}

/** The PTR and A lookups of one address, and its status. */
async function lookUp(resolver: dnsPromises.Resolver, address: string, pattern: string | undefined): Promise<AddressReport> {
  const expected = pattern === undefined ? null : expand(pattern, address);
  const arpa = reverseName(address);
  let ptr: string[];
  try {
    ptr = (await resolver.resolvePtr(arpa)).map(normalize);
  } catch (error) {
    const code = errorCode(error);
    if (NOT_FOUND.has(code)) {
      return { address, status: 'noPtr', ptr: [], a: {}, expected, error: null };
    }
    return { address, status: 'lookupFailed', ptr: [], a: {}, expected, error: `PTR lookup of ${arpa} failed: ${describeCode(code)}` };
  }
  if (ptr.length === 0) {
    return { address, status: 'noPtr', ptr: [], a: {}, expected, error: null };
  }
  const a: Record<string, string[]> = {};
  let failed: string | null = null;
  for (const name of ptr) {
    try {
      a[name] = await resolver.resolve4(name);
    } catch (error) {
      const code = errorCode(error);
      a[name] = [];
      if (!NOT_FOUND.has(code)) {
        failed ??= `A lookup of ${name} failed: ${describeCode(code)}`;
      }
    }
  }
  const status: AddressStatus =
    ptr.length > 1 ? 'multiplePtr'
      : expected !== null && normalize(ptr[0]) !== normalize(expected) ? 'patternMismatch'
        : failed !== null ? 'lookupFailed'
          : a[ptr[0]].length === 0 ? 'ptrNameUnresolved'
            : !a[ptr[0]].includes(address) ? 'notForwardConfirmed'
              : 'ok';
  return { address, status, ptr, a, expected, error: status === 'lookupFailed' ? failed : null };
}

/** Sums the results up (pure). */
export function summarize(cidr: string, resolver: string, hostname: string | undefined, results: readonly AddressReport[]): DnsReport {
  const counts = Object.fromEntries(ADDRESS_STATUSES.map((status) => [status, 0])) as Record<AddressStatus, number>;
  const byKind = new Map<ProblemKind, number[]>();
  for (const result of results) {
    counts[result.status]++;
    if (result.status !== 'ok') {
      byKind.set(result.status, [...byKind.get(result.status) ?? [], ipv4ToNumber(result.address)]);
    }
  }
  const problems: Partial<Record<ProblemKind, string[]>> = {};
  for (const kind of ADDRESS_STATUSES) {
    const numbers = kind === 'ok' ? undefined : byKind.get(kind);
    if (kind !== 'ok' && numbers) {
      problems[kind] = fewestBlocks(numbers).map(String);
    }
  }
  return {
    cidr,
    resolver,
    hostname: hostname ?? null,
    ready: counts.ok === results.length,
    summary: { addresses: results.length, ...counts },
    problems,
    addresses: results,
  };
}

/** What each problem is called in the text output, and what to do about it. */
const KINDS: Record<ProblemKind, { readonly title: string; readonly fix: string }> = {
  noPtr: { title: 'no PTR record', fix: 'add a PTR record for each address in the range\'s in-addr.arpa zone' },
  multiplePtr: { title: 'more than one PTR record', fix: 'keep one PTR record per address: mailbox providers check one name' },
  ptrNameUnresolved: { title: 'PTR name does not resolve', fix: 'add an A record for the PTR name, pointing back to the address' },
  notForwardConfirmed: { title: 'PTR name does not resolve back to the address (not forward-confirmed)', fix: 'make the PTR name\'s A records include the address' },
  patternMismatch: { title: 'PTR name does not match --hostname', fix: 'point the PTR record at the expected name' },
  lookupFailed: { title: 'lookup failed', fix: 'check the delegation of the range\'s in-addr.arpa zone at the Regional Internet Registry (a missing or lame one gives SERVFAIL or timeouts), then run again' },
};

/** The report as text: a summary, then each problem with its addresses as CIDR blocks and one example. */
export function formatDns(report: DnsReport): string {
  const lines = [
    `Reverse DNS of ${report.cidr} (resolver ${report.resolver}${report.hostname === null ? '' : `, hostname ${report.hostname}`})`,
    `  ok: ${report.summary.ok} of ${report.summary.addresses} addresses`,
  ];
  const kinds = ADDRESS_STATUSES.filter((status): status is ProblemKind => status !== 'ok' && report.summary[status] > 0);
  for (const kind of kinds) {
    lines.push(`  ${KINDS[kind].title}: ${report.summary[kind]}`);
  }
  lines.push('');
  if (report.ready) {
    lines.push(`Ready: all ${report.summary.addresses} addresses of ${report.cidr} have one PTR record whose name resolves back to the address` +
      `${report.hostname === null ? '' : ' and matches --hostname'}.`);
  } else {
    const notReady = report.summary.addresses - report.summary.ok;
    lines.push(`Not ready: ${notReady} of the ${report.summary.addresses} addresses of ${report.cidr} are not ready to send mail from.`);
    for (const kind of kinds) {
      const example = report.addresses.find((address) => address.status === kind)!;
      lines.push('');
      lines.push(`${capitalize(KINDS[kind].title)} (${report.summary[kind]}): ${report.problems[kind]!.join(', ')}`);
      lines.push(`  e.g. ${example.address}: ${describeExample(kind, example)}`);
      lines.push(`  Fix: ${KINDS[kind].fix}.`);
    }
  }
  lines.push('');
  return lines.join('\n');
}

function describeExample(kind: ProblemKind, report: AddressReport): string {
  const records = (name: string) => report.a[name]?.length ? report.a[name].join(', ') : 'none';
  switch (kind) {
    case 'noPtr':
      return `${reverseName(report.address)} has no PTR record`;
    case 'multiplePtr':
      return `PTR ${report.ptr.join(', ')}`;
    case 'ptrNameUnresolved':
      return `PTR ${report.ptr[0]}, which has no A record`;
    case 'notForwardConfirmed':
      return `PTR ${report.ptr[0]}, whose A records are ${records(report.ptr[0])}`;
    case 'patternMismatch':
      return `PTR ${report.ptr[0]}, expected ${report.expected}`;
    case 'lookupFailed':
      return report.error ?? 'lookup failed';
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The in-addr.arpa name of an IPv4 address, without the trailing dot. */
export function reverseName(address: string): string {
  return reverseNameOf(ipv4ToNumber(address)).replace(/\.$/, '');
}

/** A name as compared: lower case, without the trailing dot. */
function normalize(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}

/** PATTERN with the octets of `address` put in, without a trailing dot. */
export function expand(pattern: string, address: string): string {
  return expandHostname(pattern, ipv4ToNumber(address));
}

/**
 * A problem (one sentence) if PATTERN does not give a distinct valid DNS
 * host name to each address of `range`: the same rule as ByoipReverseDns's
 * SesByoip-InvalidHostnamePattern (see rules/reverse-dns-rules.ts).
 */
export function checkHostnamePattern(pattern: string, range: Ipv4Range): string | undefined {
  const problem = patternProblem(pattern, range);
  return problem === undefined ? undefined
    : `--hostname ${quote(pattern)} is not a pattern of 256 distinct valid host names: it ${problem}; e.g. --hostname "mta{d}.mail.example.com" or "{a}-{b}-{c}-{d}.mail.example.com".`;
}

/** `--resolver HOST[:PORT]`: an IPv4 address and an optional port, as c-ares takes it. */
export function parseResolver(value: string): { readonly server: string } | { readonly problem: string } {
  const match = /^([^:]+)(?::(\d{1,5}))?$/.exec(value);
  const host = match ? parseDottedDecimal(match[1]) : undefined;
  const port = match?.[2] === undefined ? 53 : Number(match[2]);
  if (!match || !host?.ok || !(port >= 1 && port <= 65535) || (match[2] !== undefined && /^0/.test(match[2]))) {
    return { problem: `--resolver ${quote(value)} is not an IPv4 address with an optional port: e.g. --resolver 192.0.2.53 or --resolver 127.0.0.1:5353.` };
  }
  return { server: port === 53 ? formatIpv4(host.value) : `${formatIpv4(host.value)}:${port}` };
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : String(error);
}

/** How an error code of node's resolver is shown. */
function describeCode(code: string): string {
  switch (code) {
    case 'ESERVFAIL': return 'SERVFAIL';
    case 'EREFUSED': return 'REFUSED';
    case 'ETIMEOUT': return 'timed out';
    case 'ECONNREFUSED': return 'connection refused';
    default: return code;
  }
}

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

const DNS_OPTIONS = {
  ...COMMON,
  cidr: { type: 'string' },
  hostname: { type: 'string' },
  resolver: { type: 'string' },
  timeout: { type: 'string' },
} as const;

/** `ses-byoip dns`: whether every address of the range has forward-confirmed reverse DNS. */
export const dnsCommand: Command = {
  name: 'dns',
  summary: 'Check the reverse DNS of the 256 addresses: one PTR record each, whose name resolves back to it',
  run: async (args, io, json) => {
    const { values } = parse(args, DNS_OPTIONS, DNS_USAGE);
    const early = helpOrVersion(values, DNS_USAGE, io, json);
    if (early !== undefined) {
      return early;
    }
    // A progress line rewritten in place, on a terminal only (never in a log or a pipe).
    let shown = false;
    const result = await self.checkReverseDns(values, io.errIsTerminal ? {
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
  },
};
