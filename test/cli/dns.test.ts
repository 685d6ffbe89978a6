import { cli, CliRun } from './run-cli';
import { checkHostnamePattern, parseResolver } from '../../src/cli/dns';
import { main } from '../../src/cli/main';
import { rangeOf } from '../../src/range/ipv4-cidr';
import { LocalDnsServer, reverseName } from '../support/local-dns-server';

// A ceiling for a slow machine, not a timing assertion.
jest.setTimeout(60_000);

const RANGE = '8.8.8.0/24';
const PATTERN = 'mta{d}.mail.example.com';
const ADDRESSES = rangeOf(RANGE).addresses();

function dns(server: LocalDnsServer, ...args: string[]): Promise<CliRun> {
  return cli(['dns', '--cidr', RANGE, '--resolver', server.resolver, ...args]);
}

describe('ses-byoip dns against a local DNS server', () => {
  let server: LocalDnsServer;
  beforeEach(async () => {
    server = await LocalDnsServer.start();
    server.addHealthyRange(RANGE, PATTERN);
  });
  afterEach(() => server.stop());

  test('a healthy zone: all 256 ok, exit 0, nothing on stderr (not a terminal)', async () => {
    const { code, stdout, stderr } = await dns(server, '--hostname', PATTERN);
    expect(stdout).toBe([
      `Reverse DNS of ${RANGE} (resolver ${server.resolver}, hostname ${PATTERN})`,
      '  ok: 256 of 256 addresses',
      '',
      `Ready: all 256 addresses of ${RANGE} have one PTR record whose name resolves back to the address and matches --hostname.`,
      '',
    ].join('\n'));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  test('missing PTRs: grouped as the fewest CIDR blocks, exit 3', async () => {
    for (const address of ADDRESSES.slice(16, 32)) server.removePtr(address);
    server.removePtr('8.8.8.200');
    const { code, stdout } = await dns(server);
    expect(stdout).toBe([
      `Reverse DNS of ${RANGE} (resolver ${server.resolver})`,
      '  ok: 239 of 256 addresses',
      '  no PTR record: 17',
      '',
      `Not ready: 17 of the 256 addresses of ${RANGE} are not ready to send mail from.`,
      '',
      'No PTR record (17): 8.8.8.16/28, 8.8.8.200/32',
      '  e.g. 8.8.8.16: 16.8.8.8.in-addr.arpa has no PTR record',
      '  Fix: add a PTR record for each address in the range\'s in-addr.arpa zone.',
      '',
    ].join('\n'));
    expect(code).toBe(3);
  });

  test('a name that is not forward-confirmed, one that does not resolve, two PTRs on one address', async () => {
    server.setA('mta5.mail.example.com', '9.9.9.9');
    server.setA('mta6.mail.example.com');
    server.addPtr('8.8.8.7', 'other.example.com');
    const { code, stdout } = await dns(server);
    expect(stdout).toContain('  ok: 253 of 256 addresses\n  more than one PTR record: 1\n  PTR name does not resolve: 1\n' +
      '  PTR name does not resolve back to the address (not forward-confirmed): 1\n');
    expect(stdout).toContain('More than one PTR record (1): 8.8.8.7/32\n  e.g. 8.8.8.7: PTR mta7.mail.example.com, other.example.com\n');
    expect(stdout).toContain('PTR name does not resolve (1): 8.8.8.6/32\n  e.g. 8.8.8.6: PTR mta6.mail.example.com, which has no A record\n');
    expect(stdout).toContain('PTR name does not resolve back to the address (not forward-confirmed) (1): 8.8.8.5/32\n' +
      '  e.g. 8.8.8.5: PTR mta5.mail.example.com, whose A records are 9.9.9.9\n');
    expect(code).toBe(3);
  });

  test('a wrong --hostname: every address mismatches, one block; case and a trailing dot do not matter', async () => {
    const wrong = await dns(server, '--hostname', '{a}-{b}-{c}-{d}.mail.example.com');
    expect(wrong.stdout).toContain('  PTR name does not match --hostname: 256\n');
    expect(wrong.stdout).toContain('PTR name does not match --hostname (256): 8.8.8.0/24\n' +
      '  e.g. 8.8.8.0: PTR mta0.mail.example.com, expected 8-8-8-0.mail.example.com\n');
    expect(wrong.code).toBe(3);

    const same = await dns(server, '--hostname', 'MTA{d}.Mail.Example.com.');
    expect(same.stdout).toContain('  ok: 256 of 256 addresses\n');
    expect(same.code).toBe(0);
  });

  test('a failed lookup (SERVFAIL) counts as not ready, with the reason', async () => {
    server.fail(reverseName('8.8.8.9'), 'SERVFAIL');
    server.fail('mta10.mail.example.com', 'SERVFAIL');
    const { code, stdout } = await dns(server);
    expect(stdout).toContain('Lookup failed (2): 8.8.8.9/32, 8.8.8.10/32\n  e.g. 8.8.8.9: PTR lookup of 9.8.8.8.in-addr.arpa failed: SERVFAIL\n');
    expect(code).toBe(3);
  });

  test('a server that refuses every lookup: exit 4 and one line, not 256 problems for the registry', async () => {
    for (const address of ADDRESSES) server.fail(reverseName(address), 'REFUSED');
    const { code, stdout, stderr } = await dns(server);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^ses-byoip: DNS could not be queried: .* refused every lookup \(REFUSED\)/)]);
    expect(code).toBe(4);
  });

  test('--json: every address with its status and details, and the summary', async () => {
    server.removePtr('8.8.8.1');
    server.addPtr('8.8.8.2', 'other.example.com');
    server.fail(reverseName('8.8.8.3'), 'SERVFAIL');
    const { code, stdout, stderr } = await dns(server, '--hostname', PATTERN, '--json');
    const report = JSON.parse(stdout);
    expect(Object.keys(report)).toEqual(['cidr', 'resolver', 'hostname', 'ready', 'summary', 'problems', 'addresses']);
    expect(report).toMatchObject({
      cidr: RANGE,
      resolver: server.resolver,
      hostname: PATTERN,
      ready: false,
      summary: {
        addresses: 256, ok: 253, noPtr: 1, multiplePtr: 1, ptrNameUnresolved: 0, notForwardConfirmed: 0, patternMismatch: 0, lookupFailed: 1,
      },
      problems: { noPtr: ['8.8.8.1/32'], multiplePtr: ['8.8.8.2/32'], lookupFailed: ['8.8.8.3/32'] },
    });
    expect(report.addresses).toHaveLength(256);
    expect(report.addresses.slice(0, 4)).toEqual([
      { address: '8.8.8.0', status: 'ok', ptr: ['mta0.mail.example.com'], a: { 'mta0.mail.example.com': ['8.8.8.0'] }, expected: 'mta0.mail.example.com', error: null },
      { address: '8.8.8.1', status: 'noPtr', ptr: [], a: {}, expected: 'mta1.mail.example.com', error: null },
      {
        address: '8.8.8.2',
        status: 'multiplePtr',
        ptr: ['mta2.mail.example.com', 'other.example.com'],
        a: { 'mta2.mail.example.com': ['8.8.8.2'], 'other.example.com': [] },
        expected: 'mta2.mail.example.com',
        error: null,
      },
      { address: '8.8.8.3', status: 'lookupFailed', ptr: [], a: {}, expected: 'mta3.mail.example.com', error: 'PTR lookup of 3.8.8.8.in-addr.arpa failed: SERVFAIL' },
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(3);
  });

  test('a terminal gets a progress indicator on stderr, rewritten in place and cleared', async () => {
    let stdout = '';
    let stderr = '';
    const code = await main(['dns', '--cidr', RANGE, '--resolver', server.resolver], {
      out: (text) => (stdout += text),
      err: (text) => (stderr += text),
      errIsTerminal: true,
    });
    expect(stderr).toMatch(/^\rses-byoip: checked 1 of 256 addresses\r/);
    expect(stderr).toContain('\rses-byoip: checked 256 of 256 addresses');
    expect(stderr.endsWith('\r\x1b[K')).toBe(true);
    expect(stdout).toContain('  ok: 256 of 256 addresses');
    expect(code).toBe(0);
  });
});

describe('ses-byoip dns when the resolver does not answer', () => {
  test('a server that never answers: exit 4 within --timeout, one line, not one per address', async () => {
    const silent = await LocalDnsServer.start({ silent: true });
    try {
      const started = Date.now();
      const { code, stdout, stderr } = await cli(['dns', '--cidr', RANGE, '--resolver', silent.resolver, '--timeout', '1']);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(stderr).toBe(`ses-byoip: DNS could not be queried: ${silent.resolver} did not answer within 1 s (--timeout). Check --resolver (or the system's resolvers) and the network.\n`);
      expect(stdout).toBe('');
      expect(code).toBe(4);
      expect(silent.queries).toBeLessThanOrEqual(2);
    } finally {
      await silent.stop();
    }
  });

  test('without --timeout, the first query\'s own timeout and retry end it', async () => {
    const silent = await LocalDnsServer.start({ silent: true });
    try {
      const { code, stdout, stderr } = await cli(['dns', '--cidr', RANGE, '--resolver', silent.resolver, '--json']);
      const problem = `DNS could not be queried: ${silent.resolver} did not answer (timed out after 2 tries). Check --resolver (or the system's resolvers) and the network.`;
      expect(stderr).toBe(`ses-byoip: ${problem}\n`);
      expect(JSON.parse(stdout)).toEqual({ error: { code: 'API_FAILURE', exitCode: 4, message: problem, problems: [problem] } });
      expect(code).toBe(4);
    } finally {
      await silent.stop();
    }
  });

  test('nothing listening on the port (connection refused): exit 4 at once', async () => {
    const closed = await LocalDnsServer.start();
    const resolver = closed.resolver;
    await closed.stop();
    const { code, stderr } = await cli(['dns', '--cidr', RANGE, '--resolver', resolver]);
    expect(stderr).toBe(`ses-byoip: DNS could not be queried: ${resolver} did not answer (connection refused after 2 tries). Check --resolver (or the system's resolvers) and the network.\n`);
    expect(code).toBe(4);
  });

  test('a server that answers the first query and then falls silent: failed lookups, not 256 problems of another kind', async () => {
    const server = await LocalDnsServer.start();
    try {
      server.addHealthyRange(RANGE, PATTERN);
      for (const address of ADDRESSES.slice(240)) server.fail(reverseName(address), 'silent');
      const { code, stdout } = await cli(['dns', '--cidr', RANGE, '--resolver', server.resolver, '--json']);
      const report = JSON.parse(stdout);
      expect(report.summary).toMatchObject({ ok: 240, lookupFailed: 16, noPtr: 0 });
      expect(report.problems).toEqual({ lookupFailed: ['8.8.8.240/28'] });
      expect(report.addresses[250].error).toBe('PTR lookup of 250.8.8.8.in-addr.arpa failed: timed out');
      expect(code).toBe(3);
    } finally {
      await server.stop();
    }
  });
});

describe('ses-byoip dns: bad input exits 2, before any lookup', () => {
  test.each([
    [['--cidr', '8.8.8.0/23'], /^\[SesByoip-PrefixLength\] /],
    [['--cidr', '8.8.8'], /^\[SesByoip-InvalidCidr\] /],
    [[], /^--cidr is required/],
    [['--cidr', RANGE, '--resolver', 'dns.example.com'], /^--resolver "dns\.example\.com" is not an IPv4 address with an optional port/],
    [['--cidr', RANGE, '--resolver', '127.0.0.1:99999'], /^--resolver "127\.0\.0\.1:99999" is not an IPv4 address/],
    [['--cidr', RANGE, '--hostname', 'mail.example.com'], /^--hostname "mail\.example\.com" is not a pattern of 256 distinct valid host names: it does not use \{d\}/],
    [['--cidr', RANGE, '--hostname', 'mta{d}.{e}.example.com'], /^--hostname "mta\{d\}\.\{e\}\.example\.com" is not a pattern .*: it uses the unknown placeholder "\{e\}"/],
    [['--cidr', RANGE, '--hostname', 'mta_{d}.example.com'], /^--hostname "mta_\{d\}\.example\.com" is not a pattern .*: it gives 8\.8\.8\.0 the name "mta_0\.example\.com"/],
    [['--cidr', RANGE, '--timeout', '0'], /^--timeout "0" is not a number of seconds/],
  ])('%j', async (args, first) => {
    const { code, stdout, stderr } = await cli(['dns', ...args, '--json']);
    const problems = stderr.split('\n').filter(Boolean).map((line) => line.replace(/^ses-byoip: /, ''));
    expect(problems[0]).toMatch(first);
    expect(JSON.parse(stdout)).toEqual({ error: { code: 'INVALID_INPUT', exitCode: 2, message: problems.join(' '), problems } });
    expect(code).toBe(2);
  });

  test('every problem at once', async () => {
    const { code, stderr } = await cli(['dns', '--cidr', '10.0.0.0/24', '--hostname', 'x.example.com', '--resolver', '::1']);
    expect(stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^ses-byoip: \[SesByoip-NotPublic\] /),
      expect.stringMatching(/^ses-byoip: --hostname "x\.example\.com" is not a pattern .*: it does not use \{d\}/),
      expect.stringMatching(/^ses-byoip: --resolver "::1" is not an IPv4 address/),
    ]);
    expect(code).toBe(2);
  });
});

describe('hostname patterns and resolvers', () => {
  test.each([
    'mta{d}.mail.example.com',
    '{a}-{b}-{c}-{d}.mail.example.com',
    'MTA{d}.example.com.',
  ])('%s is accepted', (pattern) => {
    expect(checkHostnamePattern(pattern, rangeOf('8.8.8.0/24'))).toBeUndefined();
  });

  test.each([
    ['{d}', /gives 8\.8\.8\.0 the name "0", which is a single label/],
    ['-{d}.example.com', /has the label "-0"/],
    [`${'a'.repeat(61)}{d}.example.com`, /gives 8\.8\.8\.100 the name .* which has the label .* of 64 characters/],
    [`${'a.'.repeat(126)}{d}`, /gives 8\.8\.8\.10 the name .* which is 254 characters long/],
    ['mta{d}..example.com', /has an empty label/],
  ])('%s is refused', (pattern, problem) => {
    expect(checkHostnamePattern(pattern, rangeOf('8.8.8.0/24'))).toMatch(problem);
  });

  test.each([
    ['127.0.0.1', '127.0.0.1'],
    ['127.0.0.1:53', '127.0.0.1'],
    ['127.0.0.1:5353', '127.0.0.1:5353'],
  ])('--resolver %s is %s', (value, server) => {
    expect(parseResolver(value)).toEqual({ server });
  });

  test.each(['localhost', '127.0.0.1:0', '127.0.0.1:053', '127.0.0.1:', '1.2.3', '127.0.0.01', '[::1]:53'])('--resolver %s is refused', (value) => {
    expect(parseResolver(value)).toEqual({ problem: expect.stringMatching(/^--resolver ".*" is not an IPv4 address with an optional port/) });
  });
});
