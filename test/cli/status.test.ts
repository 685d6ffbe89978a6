import { cli } from './run-cli';
import { formatStatus, summarize } from '../../src/cli/status';
import { DedicatedIpState } from '../../src/handler/ses-client';
import { rangeOf } from '../../src/range/ipv4-cidr';
import { LocalSesEndpoint } from '../support/local-ses-endpoint';

// A ceiling for a slow machine, not a timing assertion.
jest.setTimeout(60_000);

const RANGE = '8.8.8.0/24';
const ADDRESSES = rangeOf(RANGE).addresses();

describe('ses-byoip status against a local SES v2 endpoint', () => {
  let ep: LocalSesEndpoint;
  beforeEach(async () => {
    ep = await LocalSesEndpoint.start();
  });
  afterEach(() => ep.stop());

  test('says a range in the default pool is ready to deploy, with warm-up, and exits 0', async () => {
    ep.provisionRange(RANGE, { warmupPercentage: 100, warmupStatus: 'DONE' });
    ep.provisionAddress('8.8.8.7', { warmupPercentage: 40, warmupStatus: 'IN_PROGRESS' });
    const { code, stdout, stderr } = await cli(['status', '--cidr', RANGE], ep.clientEnv());
    expect(stdout).toBe([
      `Range ${RANGE} in us-east-1`,
      '  provisioned: 256 of 256 addresses',
      '  pools:       ses-default-dedicated-pool 8.8.8.0/24 (256)',
      '  warm-up:     DONE 255 (average 100%), IN_PROGRESS 1 (average 40%)',
      '',
      'Ready: All 256 addresses of 8.8.8.0/24 are provisioned in us-east-1 and in ses-default-dedicated-pool: the range is ready to deploy.',
      '',
    ].join('\n'));
    expect(stderr).toContain('read 256 dedicated IPs of the account so far');
    expect(code).toBe(0);
  });

  test('shows progress while it pages, and JSON for machines', async () => {
    ep.provisionRange(RANGE);
    ep.provisionRange('198.51.100.0/24');
    ep.createPool('mail');
    for (const ip of ADDRESSES.slice(0, 10)) ep.provisionAddress(ip, { pool: 'mail' });
    ep.forcePageSize(100);
    const { code, stdout, stderr } = await cli(['status', '--cidr', RANGE, '--pool', 'mail', '--json'], ep.clientEnv());
    expect(JSON.parse(stdout)).toMatchObject({
      cidr: RANGE,
      region: 'us-east-1',
      pool: 'mail',
      verdict: 'READY',
      ready: true,
      provisioned: 256,
      pools: { 'mail': 10, 'ses-default-dedicated-pool': 246 },
      split: { 'mail': ['8.8.8.0/29', '8.8.8.8/31'], 'ses-default-dedicated-pool': ['8.8.8.10/31', '8.8.8.12/30', '8.8.8.16/28', '8.8.8.32/27', '8.8.8.64/26', '8.8.8.128/25'] },
    });
    expect(stderr.match(/read \d+ dedicated IPs/g)).toHaveLength(6);
    expect(code).toBe(0);
  });

  test('exits 3 when the range is not provisioned, and says what to do', async () => {
    ep.provisionRange('198.51.100.0/24');
    const { code, stdout } = await cli(['status', '--cidr', RANGE, '--region', 'us-east-1'], ep.clientEnv());
    expect(stdout).toContain('Not ready: None of the 256 addresses of 8.8.8.0/24 is a dedicated IP of this account in us-east-1');
    expect(code).toBe(3);
  });

  test('exits 3 when the range is partly provisioned or sits in other pools', async () => {
    ep.provisionRange(RANGE, { except: ['8.8.8.1'] });
    let result = await cli(['status', '--cidr', RANGE, '--json'], ep.clientEnv());
    expect(JSON.parse(result.stdout)).toMatchObject({ verdict: 'PARTLY_PROVISIONED', provisioned: 255, missingExamples: ['8.8.8.1'] });
    expect(result.code).toBe(3);

    ep.provisionAddress('8.8.8.1');
    ep.createPool('marketing');
    ep.provisionAddress('8.8.8.2', { pool: 'marketing' });
    result = await cli(['status', '--cidr', RANGE], ep.clientEnv());
    expect(result.stdout).toContain('but 1 sits in other pools: marketing (1)');
    expect(result.stdout).toContain("If marketing is the range's own pool, pass --pool marketing.");
    expect(result.code).toBe(3);
  });

  test('names every problem that stops a deploy of a pool\'s part: addresses missing and addresses in another pool', async () => {
    ep.createPool('legacy');
    ep.provisionRange(RANGE, { except: ['8.8.8.62', '8.8.8.63'] });
    for (const ip of ADDRESSES.slice(0, 32)) ep.provisionAddress(ip, { pool: 'legacy' });
    const { code, stdout } = await cli(['status', '--cidr', RANGE, '--pool', 'mail', '--addresses', '8.8.8.0/26', '--json'], ep.clientEnv());
    const status = JSON.parse(stdout);
    expect(status.verdict).toBe('PARTLY_PROVISIONED');
    expect(status.message).toBe(
      'Two problems stop a deploy of mail\'s part of 8.8.8.0/24 (8.8.8.0/26). ' +
      '1. 62 of its 64 addresses are dedicated IPs of this account in us-east-1; 2 are missing (8.8.8.62, 8.8.8.63). ' +
      'Wait until AWS has provisioned the whole range before deploying; if it says it has, contact AWS Support. ' +
      '2. 32 of them sit in other pools: legacy (32: 8.8.8.0/27). A deploy of mail refuses to take them unless you move them to ses-default-dedicated-pool first ' +
      'or set adoptAddressesFromOtherPools: true; the one exception is a resize: if legacy is a pool of the same stack and gives them up in the same deploy, ' +
      'that deploy moves them. If they are not mail\'s, check the blocks given to --addresses.');
    expect(code).toBe(3);
  });

  test('names every problem of the whole range too', async () => {
    ep.createPool('legacy');
    ep.provisionRange(RANGE, { except: ['8.8.8.62', '8.8.8.63'] });
    for (const ip of ADDRESSES.slice(0, 32)) ep.provisionAddress(ip, { pool: 'legacy' });
    const { code, stdout } = await cli(['status', '--cidr', RANGE, '--pool', 'mail'], ep.clientEnv());
    expect(stdout).toContain('Not ready: Two problems stop a deploy of 8.8.8.0/24 into pool mail. ' +
      '1. 254 of the 256 addresses of 8.8.8.0/24 are dedicated IPs of this account in us-east-1; 2 are missing (8.8.8.62, 8.8.8.63). ');
    expect(stdout).toContain(' 2. 32 of them sit in other pools: legacy (32). A deploy of a pool that takes the whole range refuses to take them ');
    expect(code).toBe(3);
  });

  test('exits 0 and says deployed when the range is in its pool, on one line of blocks', async () => {
    ep.createPool('mail');
    ep.provisionRange(RANGE, { pool: 'mail', warmupPercentage: 100, warmupStatus: 'DONE' });
    const { code, stdout } = await cli(['status', '--cidr', RANGE, '--pool', 'mail'], ep.clientEnv());
    expect(stdout).toBe([
      `Range ${RANGE} in us-east-1 (pool mail)`,
      '  provisioned: 256 of 256 addresses',
      '  pools:       mail 8.8.8.0/24 (256)',
      '  warm-up:     DONE 256 (average 100%)',
      '',
      'Ready: All 256 addresses of 8.8.8.0/24 are in pool mail: the range is deployed.',
      '',
    ].join('\n'));
    expect(code).toBe(0);
  });

  describe('the configuration sets of the range\'s pools: sending or paused (informational)', () => {
    beforeEach(() => {
      ep.createPool('transactional');
      ep.createPool('marketing');
      ep.provisionRange(RANGE, { warmupPercentage: 100, warmupStatus: 'DONE' });
      for (const ip of ADDRESSES.slice(0, 128)) ep.provisionAddress(ip, { pool: 'transactional', warmupPercentage: 100, warmupStatus: 'DONE' });
      for (const ip of ADDRESSES.slice(128)) ep.provisionAddress(ip, { pool: 'marketing', warmupPercentage: 100, warmupStatus: 'DONE' });
      ep.createConfigurationSet('tx', { sendingPoolName: 'transactional' });
      ep.createConfigurationSet('news', { sendingPoolName: 'marketing', sendingEnabled: false });
      ep.createConfigurationSet('elsewhere', { sendingPoolName: 'someone-else' });
      ep.createConfigurationSet('no-pool');
    });

    test('shows each set that sends through one of the pools, and says how to resume a paused one', async () => {
      const { code, stdout } = await cli(['status', '--cidr', RANGE, '--pool', 'transactional', '--addresses', '8.8.8.0/25'], ep.clientEnv());
      expect(stdout).toContain([
        '  sending:     news (pool marketing) PAUSED: resume with ses-byoip resume --configuration-set news',
        '               tx (pool transactional) sending',
      ].join('\n'));
      expect(stdout).not.toContain('elsewhere');
      // The exit code stays about the range: transactional's part is deployed.
      expect(code).toBe(0);
    });

    test('--json lists them; if they cannot be read, the status still answers, saying why', async () => {
      const json = await cli(['status', '--cidr', RANGE, '--json'], ep.clientEnv());
      expect(JSON.parse(json.stdout).configurationSets).toEqual([
        { name: 'news', pool: 'marketing', sending: false },
        { name: 'tx', pool: 'transactional', sending: true },
      ]);
      ep.failWhen((call) => (call.operation === 'ListConfigurationSets'
        ? { status: 403, errorType: 'AccessDeniedException', message: 'not authorized to perform: ses:ListConfigurationSets' } : undefined));
      const denied = await cli(['status', '--cidr', RANGE, '--pool', 'transactional', '--addresses', '8.8.8.0/25'], ep.clientEnv());
      expect(denied.stdout).toMatch(/  sending:     not shown \(AccessDeniedException.*needs ses:ListConfigurationSets and ses:GetConfigurationSet\)/);
      expect(denied.code).toBe(0);
    });
  });

  describe('a range split between pools', () => {
    // transactional .0/27; marketing .64/26 and .200/29; the rest in the default pool.
    beforeEach(() => {
      ep.createPool('transactional');
      ep.createPool('marketing');
      ep.provisionRange(RANGE, { warmupPercentage: 100, warmupStatus: 'DONE' });
      for (const ip of ADDRESSES.slice(0, 32)) ep.provisionAddress(ip, { pool: 'transactional', warmupPercentage: 100, warmupStatus: 'DONE' });
      for (const ip of [...ADDRESSES.slice(64, 128), ...ADDRESSES.slice(200, 208)]) {
        ep.provisionAddress(ip, { pool: 'marketing', warmupPercentage: 100, warmupStatus: 'DONE' });
      }
    });

    test('shows each pool with its fewest blocks and count, by first address; without --addresses, says how to check one pool\'s part', async () => {
      const { code, stdout } = await cli(['status', '--cidr', RANGE, '--pool', 'transactional'], ep.clientEnv());
      expect(stdout).toBe([
        `Range ${RANGE} in us-east-1 (pool transactional)`,
        '  provisioned: 256 of 256 addresses',
        '  pools:       transactional 8.8.8.0/27 (32)',
        '               ses-default-dedicated-pool 8.8.8.32/27 8.8.8.128/26 8.8.8.192/29 8.8.8.208/28 8.8.8.224/27 (152)',
        '               marketing 8.8.8.64/26 8.8.8.200/29 (72)',
        '  warm-up:     DONE 256 (average 100%)',
        '',
        'Not ready: All 256 addresses of 8.8.8.0/24 are provisioned, but 72 sit in other pools: marketing (72). ' +
          'A deploy of a pool that takes the whole range refuses to take them unless you move them to ses-default-dedicated-pool first ' +
          "or set adoptAddressesFromOtherPools: true. If the range is split between pools on purpose (ByoipSendingPool's addresses), " +
          "check transactional's part instead: pass --pool transactional --addresses <its blocks>, as its ByoipSendingPool lists them.",
        '',
      ].join('\n'));
      expect(code).toBe(3);
    });

    test('--json gives the split as pool -> fewest blocks, next to the counts', async () => {
      const { code, stdout } = await cli(['status', '--cidr', RANGE, '--json'], ep.clientEnv());
      const status = JSON.parse(stdout);
      expect(status.split).toEqual({
        'transactional': ['8.8.8.0/27'],
        'ses-default-dedicated-pool': ['8.8.8.32/27', '8.8.8.128/26', '8.8.8.192/29', '8.8.8.208/28', '8.8.8.224/27'],
        'marketing': ['8.8.8.64/26', '8.8.8.200/29'],
      });
      expect(status.pools).toEqual({ 'transactional': 32, 'ses-default-dedicated-pool': 152, 'marketing': 72 });
      expect(status).toMatchObject({ verdict: 'IN_OTHER_POOLS', ready: false, pool: null, addressBlocks: null });
      expect(status.message).toContain("check each pool's part instead: pass --pool P --addresses <P's blocks>");
      expect(status.message).not.toContain('leaves them there');
      expect(code).toBe(3);
    });

    test('--pool with --addresses: a pool that holds its part is deployed, exit 0, the split shown as without', async () => {
      const { code, stdout } = await cli(['status', '--cidr', RANGE, '--pool', 'transactional', '--addresses', '8.8.8.0/27'], ep.clientEnv());
      expect(stdout).toBe([
        `Range ${RANGE} in us-east-1 (pool transactional, addresses 8.8.8.0/27)`,
        '  provisioned: 256 of 256 addresses',
        '  pools:       transactional 8.8.8.0/27 (32)',
        '               ses-default-dedicated-pool 8.8.8.32/27 8.8.8.128/26 8.8.8.192/29 8.8.8.208/28 8.8.8.224/27 (152)',
        '               marketing 8.8.8.64/26 8.8.8.200/29 (72)',
        '  warm-up:     DONE 256 (average 100%)',
        '',
        "Ready: All 32 addresses of transactional's part of 8.8.8.0/24 (8.8.8.0/27) are in pool transactional: this part is deployed.",
        '',
      ].join('\n'));
      expect(code).toBe(0);
      // A part given as several blocks, in any order.
      const marketing = await cli(['status', '--cidr', RANGE, '--pool', 'marketing', '--addresses', '8.8.8.200/29,8.8.8.64/26', '--json'], ep.clientEnv());
      expect(JSON.parse(marketing.stdout)).toMatchObject({ verdict: 'IN_POOL', ready: true, addressBlocks: ['8.8.8.200/29', '8.8.8.64/26'] });
      expect(JSON.parse(marketing.stdout).message).toMatch(/^All 72 addresses of marketing's part of 8\.8\.8\.0\/24 \(8\.8\.8\.200\/29, 8\.8\.8\.64\/26\) are in pool marketing/);
      expect(marketing.code).toBe(0);
    });

    test('--addresses: a part that grows into the default pool is ready to deploy, exit 0', async () => {
      const { code, stdout } = await cli(['status', '--cidr', RANGE, '--pool', 'transactional', '--addresses', '8.8.8.0/26'], ep.clientEnv());
      expect(stdout).toContain("Ready: All 64 addresses of transactional's part of 8.8.8.0/24 (8.8.8.0/26) are provisioned in us-east-1 " +
        '(32 already in pool transactional, 32 in ses-default-dedicated-pool): this part is ready to deploy.');
      expect(code).toBe(0);
    });

    test('--addresses: a part with an address in another named pool is IN_OTHER_POOLS, exit 3, naming the pool', async () => {
      ep.createPool('alerts');
      ep.provisionAddress('8.8.8.5', { pool: 'alerts' });
      const { code, stdout } = await cli(['status', '--cidr', RANGE, '--pool', 'transactional', '--addresses', '8.8.8.0/27', '--json'], ep.clientEnv());
      const status = JSON.parse(stdout);
      expect(status).toMatchObject({ verdict: 'IN_OTHER_POOLS', ready: false, pool: 'transactional', addressBlocks: ['8.8.8.0/27'] });
      expect(status.message).toBe("All 32 addresses of transactional's part of 8.8.8.0/24 (8.8.8.0/27) are provisioned, but 1 of them sits in other pools: " +
        'alerts (1: 8.8.8.5/32). A deploy of transactional refuses to take them unless you move them to ses-default-dedicated-pool first ' +
        'or set adoptAddressesFromOtherPools: true; the one exception is a resize: if alerts is a pool of the same stack and gives them up ' +
        "in the same deploy, that deploy moves them. If they are not transactional's, check the blocks given to --addresses.");
      expect(code).toBe(3);
    });

    test('--addresses: marketing\'s addresses in a part given for transactional make it IN_OTHER_POOLS; a pool holding more than its part is named', async () => {
      let result = await cli(['status', '--cidr', RANGE, '--pool', 'transactional', '--addresses', '8.8.8.0/25'], ep.clientEnv());
      expect(result.stdout).toContain('but 64 of them sit in other pools: marketing (64: 8.8.8.64/26).');
      expect(result.code).toBe(3);
      result = await cli(['status', '--cidr', RANGE, '--pool', 'transactional', '--addresses', '8.8.8.0/28'], ep.clientEnv());
      expect(result.stdout).toContain("Ready: All 16 addresses of transactional's part of 8.8.8.0/24 (8.8.8.0/28) are in pool transactional: this part is deployed. " +
        'Pool transactional also holds 16 addresses of 8.8.8.0/24 outside this part (8.8.8.16/28): if its ByoipSendingPool lists them, add them to --addresses.');
      expect(result.code).toBe(0);
    });
  });

  test('--addresses: a part not provisioned, or partly, says so about the part', async () => {
    ep.createPool('transactional');
    ep.provisionRange(RANGE, { except: ADDRESSES.slice(0, 4) });
    let result = await cli(['status', '--cidr', RANGE, '--pool', 'transactional', '--addresses', '8.8.8.0/30'], ep.clientEnv());
    expect(result.stdout).toContain("Not ready: None of the 4 addresses of transactional's part of 8.8.8.0/24 (8.8.8.0/30) is a dedicated IP of this account in us-east-1");
    expect(result.code).toBe(3);
    result = await cli(['status', '--cidr', RANGE, '--pool', 'transactional', '--addresses', '8.8.8.0/29', '--json'], ep.clientEnv());
    const status = JSON.parse(result.stdout);
    expect(status).toMatchObject({ verdict: 'PARTLY_PROVISIONED', provisioned: 252, addresses: 256 });
    expect(status.message).toMatch(/^4 of the 8 addresses of transactional's part of 8\.8\.8\.0\/24 \(8\.8\.8\.0\/29\) are dedicated IPs .*; 4 are missing \(8\.8\.8\.0, 8\.8\.8\.1, 8\.8\.8\.2, 8\.8\.8\.3\)\./);
    expect(result.code).toBe(3);
    // The rest of the range is provisioned: the part of a pool elsewhere in it is ready.
    result = await cli(['status', '--cidr', RANGE, '--pool', 'transactional', '--addresses', '8.8.8.128/25'], ep.clientEnv());
    expect(result.stdout).toContain('  provisioned: 252 of 256 addresses');
    expect(result.stdout).toContain("Ready: All 128 addresses of transactional's part of 8.8.8.0/24 (8.8.8.128/25) are provisioned in us-east-1 and in ses-default-dedicated-pool");
    expect(result.code).toBe(0);
  });

  test('shows the addresses that are not provisioned as blocks', async () => {
    ep.provisionRange(RANGE, { except: ['8.8.8.250', '8.8.8.251'] });
    const { code, stdout } = await cli(['status', '--cidr', RANGE], ep.clientEnv());
    expect(stdout.split('\n').slice(2, 4)).toEqual([
      '  pools:       ses-default-dedicated-pool 8.8.8.0/25 8.8.8.128/26 8.8.8.192/27 8.8.8.224/28 8.8.8.240/29 8.8.8.248/31 8.8.8.252/30 (254)',
      '               not provisioned 8.8.8.250/31 (2)',
    ]);
    expect(code).toBe(3);
  });

  test('rides out throttling as the deploy handler does', async () => {
    ep.provisionRange(RANGE);
    ep.forcePageSize(10);
    ep.setRate(50, 1);
    const { code } = await cli(['status', '--cidr', RANGE], ep.clientEnv());
    expect(code).toBe(0);
    expect(ep.countCalls().throttled).toBeGreaterThan(0);
  });

  test('exits 4 with one line when SES refuses', async () => {
    ep.failWhen(() => ({ status: 403, errorType: 'AccessDeniedException', message: 'User is not authorized to perform ses:GetDedicatedIps' }));
    const { code, stderr } = await cli(['status', '--cidr', RANGE], ep.clientEnv());
    expect(stderr.trim().split('\n')).toEqual([
      'ses-byoip: SES GetDedicatedIps failed: AccessDeniedException: User is not authorized to perform ses:GetDedicatedIps. The credentials need ses:GetDedicatedIps in us-east-1.',
    ]);
    expect(code).toBe(4);
  });

  test('gives up on a stalled endpoint at --timeout, with exit code 4 and one line', async () => {
    ep.provisionRange(RANGE);
    ep.delayResponses(60_000);
    const { code, stdout, stderr } = await cli(['status', '--cidr', RANGE, '--timeout', '2'], ep.clientEnv());
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      'ses-byoip: Gave up after 2 s (--timeout): SES did not answer in time in us-east-1 (a stalled connection or endpoint). Try again later, or pass a longer --timeout.',
    ]);
    expect(code).toBe(4);
  });

  test('names the last failure when SES kept failing until --timeout', async () => {
    ep.provisionRange(RANGE);
    ep.failWhen(() => ({ status: 503, errorType: 'ServiceUnavailable', message: 'Down for maintenance.' }));
    const { code, stderr } = await cli(['status', '--cidr', RANGE, '--timeout', '2'], ep.clientEnv());
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^ses-byoip: SES failed transiently \(1 retry so far\): retrying in \d+ ms$/);
    expect(lines[lines.length - 1]).toMatch(
      /^ses-byoip: Gave up after 2 s \(--timeout\): SES in us-east-1 kept failing \(\d+ retried calls?; the last: ServiceUnavailable: Down for maintenance\)\. Try again later, or pass a longer --timeout\.$/);
    expect(code).toBe(4);
  });

  test('says it is waiting while SES throttles, and gives up at --timeout (JSON too)', async () => {
    ep.provisionRange(RANGE);
    ep.throttleFor(60_000);
    const { code, stdout, stderr } = await cli(['status', '--cidr', RANGE, '--timeout', '3', '--json'], ep.clientEnv());
    const lines = stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(0, -1).every((line) => /^ses-byoip: SES is throttling \(\d+ throttled answers? so far; a deploy may be using the account's rate\): retrying in (\d+ ms|\d+\.\d s)$/.test(line))).toBe(true);
    const last = lines[lines.length - 1];
    expect(last).toMatch(/^ses-byoip: Gave up after 3 s \(--timeout\): SES kept throttling the calls \(\d+ throttled answers?\): another deploy or tool may be using the account's one request per second in us-east-1\. Try again later, or pass a longer --timeout\.$/);
    // The failure is the one JSON document on stdout; the notes stay on stderr.
    const problem = last.replace(/^ses-byoip: /, '');
    expect(JSON.parse(stdout)).toEqual({ error: { code: 'API_FAILURE', exitCode: 4, message: problem, problems: [problem] } });
    expect(code).toBe(4);
  });

  test('exits 4 when there are no credentials', async () => {
    const env = { ...ep.clientEnv(), AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent' };
    const { code, stderr } = await cli(['status', '--cidr', RANGE], env);
    expect(stderr).toMatch(/^ses-byoip: No usable AWS credentials/);
    expect(code).toBe(4);
  });
});

describe('ses-byoip, invalid input and help', () => {
  test('exits 2 without a Region', async () => {
    const { code, stderr } = await cli(['status', '--cidr', RANGE], { AWS_CONFIG_FILE: '/nonexistent' });
    expect(stderr).toBe('ses-byoip: No AWS Region: pass --region (e.g. --region us-east-1) or set AWS_REGION.\n');
    expect(code).toBe(2);
  });

  test.each([
    [['status', '--cidr', '10.0.0.0/24'], /^ses-byoip: \[SesByoip-NotPublic\] /],
    [['status'], /^ses-byoip: --cidr is required/],
    [['status', '--cidr', RANGE, '--colour'], /^ses-byoip: Unknown option '--colour'\. See ses-byoip --help\.$/m],
    [['status', RANGE], /^ses-byoip: Unexpected argument '8\.8\.8\.0\/24'\. This command does not take positional arguments\. See ses-byoip --help\.$/m],
    // An option without its value says so, with the value it takes (not node's "argument is ambiguous").
    [['status', '--cidr', '--pool', 'x'], /^ses-byoip: --cidr needs a value, as in --cidr <range>: the \/24, as a\.b\.c\.0\/24\.$/m],
    [['deploy'], /^ses-byoip: Unknown command "deploy": use "request", "status" or "dns"/],
    [['status', '--cidr', RANGE, '--region', 'bad region!'], /^ses-byoip: --region "bad region!" is not an AWS Region name/],
    [['status', '--cidr', RANGE, '--pool', 'ses-default-dedicated-pool'], /^ses-byoip: --pool "ses-default-dedicated-pool" cannot hold a BYOIP range: it is one of SES's own pools/],
    [['status', '--cidr', RANGE, '--pool', 'SES-Shared-Pool'], /^ses-byoip: --pool "SES-Shared-Pool" cannot hold a BYOIP range: it is one of SES's own pools/],
    [['status', '--cidr', RANGE, '--pool', 'Bad Pool!'], /^ses-byoip: --pool "Bad Pool!" is not a pool name: SES's pool names are 1 to 64 lowercase letters, digits, "_" and "-"\.$/m],
    [['status', '--cidr', RANGE, '--pool', 'Transactional'],
      /^ses-byoip: --pool "Transactional" has capital letters, but pool names are lowercase: write --pool transactional\.$/m],
    [['request', '--cidr', RANGE], /--account is required/],
    [['status', '--cidr', RANGE, '--timeout', '0'], /^ses-byoip: --timeout "0" is not a number of seconds from 1 to 3600: e\.g\. --timeout 300 \(default 120\)\.$/m],
    [['status', '--cidr', RANGE, '--timeout', 'soon'], /^ses-byoip: --timeout "soon" is not a number of seconds/],
    [['status', '--cidr', RANGE, '--timeout=-5'], /^ses-byoip: --timeout "-5" is not a number of seconds/],
    // A value that starts with "-" is the option's value, judged as any other (node's parseArgs calls it ambiguous).
    [['status', '--cidr', RANGE, '--timeout', '-1'], /^ses-byoip: --timeout "-1" is not a number of seconds from 1 to 3600: e\.g\. --timeout 300 \(default 120\)\.$/m],
    [['dns', '--cidr', RANGE, '--timeout', '-1'], /^ses-byoip: --timeout "-1" is not a number of seconds from 1 to 3600: e\.g\. --timeout 300 \(default 120\)\.$/m],
    [['status', '--cidr', '-8.8.8.0/24'], /^ses-byoip: \[SesByoip-InvalidCidr\] cidr "-8\.8\.8\.0\/24"/],
    [['status', '--cidr', RANGE, '--timeout'], /^ses-byoip: --timeout needs a value, as in --timeout <seconds>: give up after this long, with exit code 4 \(default 120\)\.$/m],
    [['resume', '--configuration-set'], /^ses-byoip: --configuration-set needs a value, as in --configuration-set <name>: the configuration set to resume \(case-sensitive\)\.$/m],
    [['request', '--cidr', '-h'], /^ses-byoip: --cidr needs a value, as in --cidr <range>: the \/24 to bring, as a\.b\.c\.0\/24\.$/m],
    [['plan', '--stack', '--app', 'x'], /^ses-byoip: --stack needs a value, as in --stack <name>: /m],
    [['status', '--cidr', RANGE, '--timeout', '86400'], /^ses-byoip: --timeout "86400" is not a number of seconds/],
    [['status', '--cidr', RANGE, '--addresses', '8.8.8.0/27'], /^ses-byoip: --addresses needs --pool: /],
    [['status', '--cidr', RANGE, '--pool', 'mail', '--addresses', ''], /^ses-byoip: \[SesByoip-InvalidAddresses\] --addresses is empty\./],
    [['status', '--cidr', RANGE, '--pool', 'mail', '--addresses', 'transactional'], /^ses-byoip: \[SesByoip-InvalidAddresses\] --addresses entry "transactional" is not an IPv4 CIDR block: it has no prefix length/],
    [['status', '--cidr', RANGE, '--pool', 'mail', '--addresses', '8.8.8.0/27,'], /^ses-byoip: \[SesByoip-InvalidAddresses\] --addresses entry "" is not an IPv4 CIDR block: it is empty\./],
    // A bare address is the block of that address (the same reading as the rule of ByoipSendingPool's addresses).
    [['status', '--cidr', RANGE, '--pool', 'mail', '--addresses', '8.8.8.5'], /^ses-byoip: \[SesByoip-InvalidAddresses\] --addresses entry "8\.8\.8\.5" is not an IPv4 CIDR block: .* Write "8\.8\.8\.5\/32" if that is the block you meant\./],
    [['status', '--cidr', RANGE, '--pool', 'mail', '--addresses', '8.8.8.0/27, 8.8.8.64/26'], /^ses-byoip: \[SesByoip-InvalidAddresses\] --addresses entry " 8\.8\.8\.64\/26" .*contains whitespace\. Write "8\.8\.8\.64\/26" if that is the block you meant\./],
    [['status', '--cidr', RANGE, '--pool', 'mail', '--addresses', '9.9.9.0/27'], /^ses-byoip: \[SesByoip-AddressesOutsideRange\] --addresses entry "9\.9\.9\.0\/27" is not inside --cidr 8\.8\.8\.0\/24 .* Write "8\.8\.8\.0\/27" if you meant/],
    [['status', '--cidr', RANGE, '--pool', 'mail', '--addresses', '8.8.0.0/16'], /^ses-byoip: \[SesByoip-InvalidAddresses\] --addresses entry "8\.8\.0\.0\/16" is a \/16 \(65536 addresses\), larger than a BYOIP range/],
    [['status', '--cidr', RANGE, '--pool', 'mail', '--addresses', '8.8.8.1/27'], /^ses-byoip: \[SesByoip-InvalidAddresses\] --addresses entry "8\.8\.8\.1\/27" has host bits set: .* Write "8\.8\.8\.0\/27" if that is the block you meant/],
    [['status', '--cidr', RANGE, '--pool', 'mail', '--addresses', '8.8.8.0/26,8.8.8.32/27'], /^ses-byoip: \[SesByoip-OverlappingAddresses\] --addresses entry "8\.8\.8\.32\/27" overlaps "8\.8\.8\.0\/26": both hold 8\.8\.8\.32\/27 \(32 addresses\)\. List each address once\.$/m],
  ])('exits 2 for %j, in plain words', async (args, message) => {
    const { code, stderr, stdout } = await cli(args);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
    expect(stdout).toBe('');
    expect(code).toBe(2);
  });

  test('an option without its value, and an unknown option after it: one line each', async () => {
    const { code, stderr } = await cli(['status', '--cidr', '--colour']);
    expect(stderr.trim().split('\n')).toEqual([
      'ses-byoip: --cidr needs a value, as in --cidr <range>: the /24, as a.b.c.0/24.',
      'ses-byoip: Unknown option \'--colour\'. See ses-byoip --help.',
    ]);
    expect(code).toBe(2);
  });

  test('without a command, prints usage on stderr and exits 2', async () => {
    const { code, stdout, stderr } = await cli([]);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^Usage: ses-byoip/);
    expect(code).toBe(2);
  });

  test('request warns on a documentation range, with a fix that fits a request', async () => {
    const { code, stderr } = await cli(['request', '--cidr', '198.51.100.0/24', '--account', '111122223333', '--region', 'eu-west-1', '--registry', 'ARIN', '--use-case', 'x']);
    expect(stderr.split('\n')[0]).toMatch(/^ses-byoip: warning: \[SesByoip-DocumentationRange\] .* Fix: put your own range in the request: AWS never approves a documentation range\.$/);
    expect(code).toBe(0);
  });

  test('--addresses: one line per problem, each entry judged, all of them in JSON', async () => {
    const { code, stdout, stderr } = await cli(['status', '--cidr', RANGE, '--addresses', '8.8.8.0/27,8.8.9.0/28,8.8.8.07/32', '--json']);
    const lines = stderr.trim().split('\n');
    expect(lines.map((line) => line.replace(/^ses-byoip: (\[[\w-]+\] )?(--addresses( entry "[^"]*")?)?.*$/, '$1$2'))).toEqual([
      '--addresses',
      '[SesByoip-AddressesOutsideRange] --addresses entry "8.8.9.0/28"',
      '[SesByoip-InvalidAddresses] --addresses entry "8.8.8.07/32"',
    ]);
    expect(JSON.parse(stdout).error.problems).toHaveLength(3);
    expect(code).toBe(2);
  });

  test('--addresses is not checked against a bad --cidr, which is reported alone', async () => {
    const { code, stderr } = await cli(['status', '--cidr', '8.8.8.0/23', '--pool', 'mail', '--addresses', '8.8.8.0/27']);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^ses-byoip: \[SesByoip-PrefixLength\] /)]);
    expect(code).toBe(2);
  });

  test.each([
    [['request', '--help'], '  --registry <rir>    its Regional Internet Registry, in any case: ARIN, RIPE_NCC, APNIC, LACNIC, AFRINIC\n'],
    [['status', '--help'], '  --pool <name>       the pool the range is meant for, in lowercase as SES names pools (its addresses there count as deployed)\n'],
    [['status', '--help'], '(credentials, permissions, network, an endpoint that is not AWS, or --timeout passed).\n'],
    [['resume', '--help'], 'ses:GetAccount and\ncloudwatch:GetMetricData.\n'],
    [['resume', '--help'], '(credentials, permissions, network, an endpoint that is not AWS, or --timeout passed).\n'],
    [['plan', '--help'], '(credentials, permissions, network, an endpoint that is not AWS, or --timeout passed),\n'],
  ])('%j says %j', async (args, text) => {
    const { stdout } = await cli(args);
    expect(stdout).toContain(text);
  });

  test('status --help lists --addresses', async () => {
    const { stdout } = await cli(['status', '--help']);
    expect(stdout).toContain('[--pool <name> [--addresses <blocks>]]');
    expect(stdout).toMatch(/^ {2}--addresses <blocks>\n {22}with --pool, for a range split between pools/m);
  });

  test.each([[['--help']], [['request', '--help']], [['status', '-h']]])('%j prints help and exits 0', async (args) => {
    const { code, stdout } = await cli(args);
    expect(stdout).toMatch(/^Usage: ses-byoip/);
    expect(code).toBe(0);
  });

  test('request prints the e-mail, or JSON', async () => {
    const args = ['request', '--cidr', RANGE, '--account', '111122223333', '--region', 'eu-west-1', '--registry', 'RIPE_NCC', '--use-case', 'Invoices'];
    const text = await cli(args);
    expect(text.stdout).toMatch(/^To: ses-byoip-request@amazon.com\n/);
    expect(text.code).toBe(0);
    const json = await cli([...args, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ to: 'ses-byoip-request@amazon.com', ipRange: RANGE, registry: 'RIPE NCC' });
  });
});

describe('summarize', () => {
  const state = (entries: Array<[string, string]>) =>
    new Map(entries.map(([ip, pool]): [string, DedicatedIpState] => [ip, { ip, pool }]));

  test('one missing address "is missing", one in another pool "sits" there', () => {
    const missingOne = summarize(RANGE, ADDRESSES, state(ADDRESSES.slice(1).map((ip) => [ip, 'ses-default-dedicated-pool'])), 'eu-west-1');
    expect(missingOne.message).toContain('255 of the 256 addresses of 8.8.8.0/24 are dedicated IPs of this account in eu-west-1; 1 is missing (8.8.8.0).');
    const part = summarize(RANGE, ADDRESSES, state(ADDRESSES.slice(1).map((ip) => [ip, 'ses-default-dedicated-pool'])), 'eu-west-1', 'mail', ['8.8.8.0/25']);
    expect(part.message).toContain('127 of the 128 addresses of mail\'s part of 8.8.8.0/24 (8.8.8.0/25) are dedicated IPs of this account in eu-west-1; 1 is missing (8.8.8.0).');
    const one = summarize(RANGE, ADDRESSES, state(ADDRESSES.map((ip, i) => [ip, i === 0 ? 'legacy' : 'ses-default-dedicated-pool'])), 'eu-west-1');
    expect(one.message).toContain('but 1 sits in other pools: legacy (1)');
  });

  test('a part of one address is "1 address", not "1 addresses"', () => {
    const status = summarize(RANGE, ADDRESSES, state(ADDRESSES.map((ip) => [ip, 'ses-default-dedicated-pool'])), 'eu-west-1', 'mail', ['8.8.8.9/32']);
    expect(status.message).toBe('The 1 address of mail\'s part of 8.8.8.0/24 (8.8.8.9/32) is provisioned in eu-west-1 and in ses-default-dedicated-pool: this part is ready to deploy.');
  });

  test('counts addresses with unknown warm-up without an average', () => {
    const status = summarize(RANGE, ADDRESSES, state(ADDRESSES.map((ip) => [ip, 'ses-default-dedicated-pool'])), 'eu-west-1');
    expect(status.warmup).toEqual({ UNKNOWN: { count: 256 } });
    expect(status.verdict).toBe('READY');
  });

  test('splits the range by pool, and the text orders pools by first address whatever their names', () => {
    const status = summarize(RANGE, ADDRESSES, state(ADDRESSES.slice(1).map((ip, i) => [ip, i < 127 ? 'zeta' : '7'])), 'eu-west-1');
    expect(status.split).toEqual({ zeta: ['8.8.8.1/32', '8.8.8.2/31', '8.8.8.4/30', '8.8.8.8/29', '8.8.8.16/28', '8.8.8.32/27', '8.8.8.64/26'], 7: ['8.8.8.128/25'] });
    expect(formatStatus(status).split('\n').slice(2, 5)).toEqual([
      '  pools:       zeta 8.8.8.1/32 8.8.8.2/31 8.8.8.4/30 8.8.8.8/29 8.8.8.16/28 8.8.8.32/27 8.8.8.64/26 (127)',
      '               7 8.8.8.128/25 (128)',
      '               not provisioned 8.8.8.0/32 (1)',
    ]);
  });
});
