import { cli } from './run-cli';
import { formatResume, summarize } from '../../src/cli/resume';
import { LocalSesEndpoint } from '../support/local-ses-endpoint';

// A ceiling for a slow machine, not a timing assertion.
jest.setTimeout(60_000);

const SET = 'transactional';
/** A reputation metric of a configuration set, as SES publishes it. */
const rate = (metricName: string, set: string) => ({ metricName, dimensions: { 'ses:configuration-set': set } });
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

describe('ses-byoip resume against a local SES v2 endpoint', () => {
  let ep: LocalSesEndpoint;
  beforeEach(async () => {
    ep = await LocalSesEndpoint.start();
  });
  afterEach(() => ep.stop());

  const writes = () => ep.calls.filter((c) => c.operation === 'PutConfigurationSetSendingOptions');

  test('a paused set: prints its state, the account\'s and the set\'s latest rates, turns sending on, exits 0', async () => {
    ep.createConfigurationSet(SET, { sendingEnabled: false });
    ep.createConfigurationSet('marketing', { sendingEnabled: false });
    ep.putMetricData(rate('Reputation.BounceRate', SET), [{ timestamp: minutesAgo(30), value: 0.021 }, { timestamp: minutesAgo(300), value: 0.035 }]);
    ep.putMetricData(rate('Reputation.ComplaintRate', SET), [{ timestamp: minutesAgo(600), value: 0.0008 }, { timestamp: minutesAgo(2000), value: 0.9 }]);
    // Another set's rates, and the account's, are not this set's.
    ep.putMetricData(rate('Reputation.BounceRate', 'marketing'), [{ timestamp: minutesAgo(10), value: 0.5 }]);
    ep.putMetricData({ metricName: 'Reputation.BounceRate' }, [{ timestamp: minutesAgo(10), value: 0.4 }]);
    const { code, stdout, stderr } = await cli(['resume', '--configuration-set', SET], ep.clientEnv());
    expect(stdout).toBe([
      `Configuration set ${SET} in us-east-1`,
      '  before:  paused',
      '  now:     sending',
      '  account: enforcement status HEALTHY, sending enabled',
      '  rates:   bounces 2.1% (last hour), 3.5% (last 24 hours); complaints none (last hour), 0.08% (last 24 hours)',
      '',
      `Resumed: configuration set ${SET} in us-east-1 sends again.`,
      '',
    ].join('\n'));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(ep.sendingOf(SET)).toBe(true);
    expect(ep.sendingOf('marketing')).toBe(false);
    // The rates are read before the set is resumed.
    expect(ep.calls.map((c) => c.operation)).toEqual(['GetConfigurationSet', 'GetAccount', 'GetMetricData', 'PutConfigurationSetSendingOptions']);
  });

  test('--json has the rates: the highest SES published for the set in the last hour and 24 hours, as fractions', async () => {
    ep.createConfigurationSet(SET, { sendingEnabled: false });
    ep.putMetricData(rate('Reputation.BounceRate', SET), [{ timestamp: minutesAgo(30), value: 0.021 }, { timestamp: minutesAgo(40), value: 0.012 }]);
    const { code, stdout } = await cli(['resume', '--configuration-set', SET, '--json'], ep.clientEnv());
    expect(JSON.parse(stdout)).toMatchObject({
      action: 'RESUMED',
      rates: { bounceRate: { lastHour: 0.021, lastDay: 0.021 }, complaintRate: { lastHour: null, lastDay: null } },
      ratesUnknown: null,
    });
    expect(code).toBe(0);
  });

  test('no rate published yet: says why (SES publishes them after the first bounce or complaint)', async () => {
    ep.createConfigurationSet(SET, { sendingEnabled: false });
    const { code, stdout } = await cli(['resume', '--configuration-set', SET], ep.clientEnv());
    expect(stdout).toContain('\n  rates:   none published in the last 24 hours (SES publishes them only after the first bounce or complaint, ' +
      'and only while the set\'s reputation metrics are on)\n');
    expect(code).toBe(0);
  });

  test('the rates cannot be read (no cloudwatch:GetMetricData): it still resumes, and says why', async () => {
    ep.createConfigurationSet(SET, { sendingEnabled: false });
    ep.failWhen((call) => call.operation === 'GetMetricData'
      ? { status: 403, errorType: 'AccessDenied', message: 'User is not authorized to perform: cloudwatch:GetMetricData' } : undefined);
    const text = await cli(['resume', '--configuration-set', SET], ep.clientEnv());
    expect(text.stdout).toContain('\n  rates:   could not be read (no permission: the credentials need cloudwatch:GetMetricData)\n');
    expect(text.code).toBe(0);
    expect(ep.sendingOf(SET)).toBe(true);
    ep.createConfigurationSet(SET, { sendingEnabled: false });
    const json = await cli(['resume', '--configuration-set', SET, '--json'], ep.clientEnv());
    expect(JSON.parse(json.stdout)).toMatchObject({ action: 'RESUMED', rates: null, ratesUnknown: 'no permission: the credentials need cloudwatch:GetMetricData' });
  });

  test('already sending: exits 0 and writes nothing', async () => {
    ep.createConfigurationSet(SET);
    const { code, stdout } = await cli(['resume', '--configuration-set', SET, '--json'], ep.clientEnv());
    expect(JSON.parse(stdout)).toEqual({
      configurationSet: SET,
      region: 'us-east-1',
      action: 'ALREADY_SENDING',
      wasSending: true,
      sending: true,
      account: { enforcementStatus: 'HEALTHY', sendingEnabled: true },
      accountError: null,
      rates: { bounceRate: { lastHour: null, lastDay: null }, complaintRate: { lastHour: null, lastDay: null } },
      ratesUnknown: null,
      message: `Configuration set ${SET} in us-east-1 was already sending: nothing changed.`,
    });
    expect(writes()).toEqual([]);
    expect(code).toBe(0);
  });

  test('--json: the result of a resume, with --region', async () => {
    ep.createConfigurationSet(SET, { sendingEnabled: false });
    const { code, stdout } = await cli(['resume', '--configuration-set', SET, '--region', 'eu-west-1', '--json'], ep.clientEnv());
    expect(JSON.parse(stdout)).toMatchObject({ configurationSet: SET, region: 'eu-west-1', action: 'RESUMED', wasSending: false, sending: true });
    expect(code).toBe(0);
  });

  test('no such configuration set: the result, exit 3, nothing written', async () => {
    ep.createConfigurationSet('Transactional', { sendingEnabled: false });
    const text = await cli(['resume', '--configuration-set', SET], ep.clientEnv());
    expect(text.stdout).toContain(`There is no configuration set ${SET} in us-east-1: check the name (it is case-sensitive) and --region.`);
    expect(text.code).toBe(3);
    const json = await cli(['resume', '--configuration-set', SET, '--json'], ep.clientEnv());
    expect(JSON.parse(json.stdout)).toMatchObject({ action: 'NOT_FOUND', wasSending: null, sending: false, account: null });
    expect(json.code).toBe(3);
    expect(writes()).toEqual([]);
  });

  test('an account under review, or paused as a whole: resumes the set and says the mail may still not flow', async () => {
    ep.createConfigurationSet(SET, { sendingEnabled: false });
    ep.setAccount({ enforcementStatus: 'PROBATION' });
    let run = await cli(['resume', '--configuration-set', SET], ep.clientEnv());
    expect(run.stdout).toContain('  account: enforcement status PROBATION, sending enabled');
    expect(run.stdout).toContain('The account is under review in us-east-1 (enforcement status PROBATION)');
    expect(run.code).toBe(0);

    ep.createConfigurationSet(SET, { sendingEnabled: false });
    ep.setAccount({ enforcementStatus: 'SHUTDOWN', sendingEnabled: false });
    run = await cli(['resume', '--configuration-set', SET, '--json'], ep.clientEnv());
    expect(JSON.parse(run.stdout)).toMatchObject({
      action: 'RESUMED',
      account: { enforcementStatus: 'SHUTDOWN', sendingEnabled: false },
      message: expect.stringContaining('But sending is paused for the whole account in us-east-1'),
    });
    expect(ep.sendingOf(SET)).toBe(true);
    expect(run.code).toBe(0);
  });

  test('the account cannot be read: it still resumes, and says so', async () => {
    ep.createConfigurationSet(SET, { sendingEnabled: false });
    ep.failWhen((call) => call.operation === 'GetAccount'
      ? { status: 403, errorType: 'AccessDeniedException', message: 'User is not authorized to perform: ses:GetAccount' } : undefined);
    const { code, stdout } = await cli(['resume', '--configuration-set', SET], ep.clientEnv());
    expect(stdout).toContain('  account: could not be read (AccessDeniedException: User is not authorized to perform: ses:GetAccount)');
    expect(stdout).toContain("The account's status could not be read (AccessDeniedException: User is not authorized to perform: ses:GetAccount); the configuration set was resumed anyway.");
    expect(ep.sendingOf(SET)).toBe(true);
    expect(code).toBe(0);
  });

  test('throttling is retried, with a note on stderr', async () => {
    ep.createConfigurationSet(SET, { sendingEnabled: false });
    ep.throttleNext(3);
    const { code, stdout, stderr } = await cli(['resume', '--configuration-set', SET, '--json'], ep.clientEnv());
    expect(stderr).toMatch(/^ses-byoip: SES is throttling/m);
    expect(JSON.parse(stdout)).toMatchObject({ action: 'RESUMED' });
    expect(ep.sendingOf(SET)).toBe(true);
    expect(code).toBe(0);
  });

  test('SES cannot be reached or refuses: API_FAILURE, exit 4, naming the permissions', async () => {
    ep.createConfigurationSet(SET, { sendingEnabled: false });
    ep.failWhen(() => ({ status: 403, errorType: 'AccessDeniedException', message: 'User is not authorized to perform: ses:GetConfigurationSet' }));
    const denied = await cli(['resume', '--configuration-set', SET, '--json'], ep.clientEnv());
    const problem = `SES GetConfigurationSet ${SET} failed: AccessDeniedException: User is not authorized to perform: ses:GetConfigurationSet. ` +
      `The credentials need ses:GetConfigurationSet and ses:PutConfigurationSetSendingOptions on configuration set ${SET} in us-east-1 (and ses:GetAccount to show the account's status).`;
    expect(JSON.parse(denied.stdout)).toEqual({ error: { code: 'API_FAILURE', exitCode: 4, message: problem, problems: [problem] } });
    expect(denied.code).toBe(4);
    expect(ep.sendingOf(SET)).toBe(false);

    await ep.stop();
    const unreachable = await cli(['resume', '--configuration-set', SET, '--timeout', '2'], ep.clientEnv());
    expect(unreachable.stderr).toBe(`ses-byoip: SES GetConfigurationSet failed: nothing answers at ${ep.url} (connection refused). Is AWS_ENDPOINT_URL_SESV2 (${ep.url}) right, and is that endpoint up?\n`);
    expect(unreachable.stdout).toBe('');
    expect(unreachable.code).toBe(4);
  });

  test('a stalled endpoint: --timeout ends it with exit 4', async () => {
    ep.createConfigurationSet(SET, { sendingEnabled: false });
    ep.delayResponses(30_000);
    const { code, stderr } = await cli(['resume', '--configuration-set', SET, '--timeout', '1'], ep.clientEnv());
    expect(stderr).toMatch(/^ses-byoip: Gave up after 1 s \(--timeout\): SES did not answer in time in us-east-1/m);
    expect(code).toBe(4);
  });

  test.each([
    [['resume'], '--configuration-set is required: the name of the configuration set to turn sending back on for.'],
    [['resume', '--configuration-set', 'my set'], '--configuration-set "my set" is not a configuration set name: up to 64 letters, digits, "_" and "-".'],
    [['resume', '--configuration-set', SET, '--region', 'Europe'], '--region "Europe" is not an AWS Region name: give it as AWS writes it, e.g. --region eu-west-1.'],
    [['resume', '--configuration-set', SET, '--timeout', '0'], expect.stringMatching(/^--timeout "0" is not a number of seconds/)],
    [['resume', '--configuration-set', SET, '--cidr', '8.8.8.0/24'], expect.stringMatching(/^Unknown option '--cidr'/)],
  ])('%j: invalid input, exit 2, no SES call', async (args, problem) => {
    const { code, stdout, stderr } = await cli(args, ep.clientEnv());
    expect(stderr.split('\n')[0].slice('ses-byoip: '.length)).toEqual(problem);
    expect(stdout).toBe('');
    expect(code).toBe(2);
    expect(ep.calls).toEqual([]);
  });

  test('no AWS Region: invalid input, exit 2', async () => {
    const { AWS_REGION: _, ...env } = ep.clientEnv();
    const { code, stderr } = await cli(['resume', '--configuration-set', SET], { ...env, AWS_CONFIG_FILE: '/nonexistent' });
    expect(stderr).toBe('ses-byoip: No AWS Region: pass --region (e.g. --region us-east-1) or set AWS_REGION.\n');
    expect(code).toBe(2);
  });

  test('--help shows the options and exit codes', async () => {
    const { code, stdout } = await cli(['resume', '--help']);
    expect(stdout).toMatch(/^Usage: ses-byoip resume --configuration-set <name> \[--region <region>\] \[--timeout <seconds>\] \[--json\]/);
    expect(stdout).toContain('3 no such configuration set');
    expect(code).toBe(0);
  });
});

describe('summarize and formatResume', () => {
  test('an account that could not be read is shown as such', () => {
    const result = summarize(SET, 'eu-west-1', false, undefined, 'TimeoutError: socket timed out.', { unknown: 'CloudWatch did not answer in time' });
    expect(result).toMatchObject({ action: 'RESUMED', account: null, accountError: 'TimeoutError: socket timed out.' });
    expect(formatResume(result)).toContain('  account: could not be read (TimeoutError: socket timed out.)');
    expect(result.message).toContain("The account's status could not be read (TimeoutError: socket timed out); the configuration set was resumed anyway.");
    expect(formatResume(result)).toContain('  rates:   could not be read (CloudWatch did not answer in time)');
  });

  test('rates as percentages of two significant digits', () => {
    const result = summarize(SET, 'eu-west-1', true, { sendingEnabled: true }, null, {
      rates: { bounceRate: { lastHour: 0, lastDay: 0.1 }, complaintRate: { lastHour: 0.00012345, lastDay: 0.0015 } },
    });
    expect(formatResume(result)).toContain('  rates:   bounces 0% (last hour), 10% (last 24 hours); complaints 0.012% (last hour), 0.15% (last 24 hours)\n');
  });
});
