import { mkdtempSync, readFileSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { cli, CliRun } from './run-cli';
import { ByoipSendingPool } from '../../src';
import * as dnsCommand from '../../src/cli/dns';
import { ErrorJson, ExitCode } from '../../src/cli/errors';
import { main } from '../../src/cli/main';
import * as planCommand from '../../src/cli/plan';
import * as requestCommand from '../../src/cli/request';
import * as resumeCommand from '../../src/cli/resume';
import * as statusCommand from '../../src/cli/status';
import { LocalDnsServer } from '../support/local-dns-server';
import { LocalSesEndpoint } from '../support/local-ses-endpoint';

// A ceiling for a slow machine, not a timing assertion.
jest.setTimeout(60_000);

const RANGE = '8.8.8.0/24';
const REQUEST = ['request', '--cidr', RANGE, '--account', '111122223333', '--region', 'eu-west-1', '--registry', 'ARIN', '--use-case', 'Invoices'];
const PACKAGE_VERSION: string = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;

/** Runs main() in this process (through ts-jest), collecting what it writes. */
async function inProcess(args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { out: (text) => (stdout += text), err: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

/** The problems a run printed on stderr, without their "ses-byoip: " prefix (progress notes aside). */
function problemLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('ses-byoip: ')).map((line) => line.slice('ses-byoip: '.length));
}

/** Runs `ses-byoip dns --cidr RANGE` against a local DNS server, set up by `zone`, with `args`. */
async function dnsRun(zone: (server: LocalDnsServer) => void, args: string[]): Promise<CliRun> {
  const server = await LocalDnsServer.start();
  try {
    zone(server);
    return await cli(['dns', '--cidr', RANGE, '--resolver', server.resolver, ...args]);
  } finally {
    await server.stop();
  }
}

/** README's exit-code table, in the section "The CLI": code, name, commands. */
function readmeExitCodes(): Array<{ code: number; name: string; commands: string[] }> {
  const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The CLI'), readme.indexOf('\n## ', readme.indexOf('## The CLI') + 1));
  return [...section.matchAll(/^\| (\d+) \| `(\w+)` \| ([^|]+) \|/gm)].map(([, code, name, commands]) => ({
    code: Number(code),
    name,
    commands: [...commands.matchAll(/`(\w+)`/g)].map(([, command]) => command),
  }));
}

/** An app synthesized once: stack Mail (account 111122223333, us-east-1) with pool mail for the whole RANGE. */
let planApp: { dir: string; template: object } | undefined;
const planRoot = mkdtempSync(path.join(os.tmpdir(), 'main-test-'));
afterAll(() => rmSync(planRoot, { recursive: true, force: true }));
function synthesizedApp(): { dir: string; template: object } {
  if (!planApp) {
    const dir = path.join(planRoot, 'cdk.out');
    const app = new App({ outdir: dir });
    new ByoipSendingPool(new Stack(app, 'Mail', { env: { account: '111122223333', region: 'us-east-1' } }), 'Pool', { cidr: RANGE, dedicatedIpPoolName: 'mail' });
    app.synth();
    planApp = { dir, template: JSON.parse(readFileSync(path.join(dir, 'Mail.template.json'), 'utf8')) };
  }
  return planApp;
}

/** Stack Mail of synthesizedApp() deployed, its range in pool mail. */
function deployedApp(ep: LocalSesEndpoint): string {
  const { dir, template } = synthesizedApp();
  const resources = (template as { Resources: Record<string, { Type: string }> }).Resources;
  const id = (type: string) => Object.keys(resources).find((logicalId) => resources[logicalId].Type === type)!;
  ep.createPool('mail');
  ep.provisionRange(RANGE, { pool: 'mail' });
  ep.setStack('arn:aws:cloudformation:us-east-1:111122223333:stack/Mail/00000000-0000-0000-0000-000000000000', {
    template,
    resources: [
      { logicalId: id('AWS::SES::DedicatedIpPool'), physicalId: 'mail', type: 'AWS::SES::DedicatedIpPool' },
      { logicalId: id('Custom::SesByoipPoolAddresses'), physicalId: `mail|${RANGE}`, type: 'Custom::SesByoipPoolAddresses' },
    ],
  });
  return dir;
}

/** The exit codes a help text lists, in its "Exit codes:" paragraph. */
function helpExitCodes(help: string): number[] {
  const paragraph = help.slice(help.indexOf('Exit codes:'));
  return [...paragraph.matchAll(/(?:Exit codes: |, |\n\s+)(\d) [a-zA-Z(]/g)].map(([, code]) => Number(code));
}

describe('exit codes: README, --help and the code agree', () => {
  test('README\'s exit-code table is the ExitCode enum', () => {
    const enumEntries = Object.entries(ExitCode).filter(([, code]) => typeof code === 'number').map(([name, code]) => ({ code, name }));
    expect(readmeExitCodes().map(({ code, name }) => ({ code, name }))).toEqual(enumEntries);
  });

  test.each([
    [[], ['request', 'status', 'dns', 'resume', 'plan']],
    [['request'], ['request']],
    [['status'], ['status']],
    [['dns'], ['dns']],
    [['resume'], ['resume']],
    [['plan'], ['plan']],
  ])('the --help of %j lists the exit codes README gives it', async (command, commands) => {
    const { code, stdout } = await inProcess([...command, '--help']);
    expect(code).toBe(0);
    const documented = readmeExitCodes().filter((row) => row.commands.some((c) => commands.includes(c))).map((row) => row.code);
    expect(helpExitCodes(stdout)).toEqual(documented);
  });

  // One way to reach each exit code of each command; README's table says which there are.
  type Scenario = (ep: LocalSesEndpoint, json: string[]) => Promise<CliRun>;
  const SCENARIOS: Record<string, Record<number, Scenario>> = {
    request: {
      [ExitCode.OK]: (_, json) => cli([...REQUEST, ...json]),
      [ExitCode.UNEXPECTED]: (_, json) => {
        jest.spyOn(requestCommand, 'buildRequest').mockImplementation(() => {
          throw new TypeError('a bug');
        });
        return inProcess([...REQUEST, ...json]);
      },
      [ExitCode.INVALID_INPUT]: (_, json) => cli(['request', '--cidr', RANGE, ...json]),
    },
    status: {
      [ExitCode.OK]: (ep, json) => {
        ep.provisionRange(RANGE);
        return cli(['status', '--cidr', RANGE, ...json], ep.clientEnv());
      },
      [ExitCode.UNEXPECTED]: (_, json) => {
        jest.spyOn(statusCommand, 'readStatus').mockRejectedValue(new TypeError('a bug'));
        return inProcess(['status', '--cidr', RANGE, ...json]);
      },
      // A missing Region is a problem of the command line and its environment, not of the SES API.
      [ExitCode.INVALID_INPUT]: (_, json) => cli(['status', '--cidr', RANGE, ...json], { AWS_CONFIG_FILE: '/nonexistent' }),
      [ExitCode.NOT_READY]: (ep, json) => cli(['status', '--cidr', RANGE, ...json], ep.clientEnv()),
      [ExitCode.API_FAILURE]: (ep, json) => {
        ep.failWhen(() => ({ status: 403, errorType: 'AccessDeniedException', message: 'Not authorized' }));
        return cli(['status', '--cidr', RANGE, ...json], ep.clientEnv());
      },
    },
    dns: {
      [ExitCode.OK]: (_, json) => dnsRun((server) => server.addHealthyRange(RANGE, 'mta{d}.example.com'), json),
      [ExitCode.UNEXPECTED]: (_, json) => {
        jest.spyOn(dnsCommand, 'checkReverseDns').mockRejectedValue(new TypeError('a bug'));
        return inProcess(['dns', '--cidr', RANGE, ...json]);
      },
      [ExitCode.INVALID_INPUT]: (_, json) => cli(['dns', '--cidr', RANGE, '--resolver', 'ns1.example.com', ...json]),
      // An empty zone: no address has a PTR record.
      [ExitCode.NOT_READY]: (_, json) => dnsRun(() => undefined, json),
      [ExitCode.API_FAILURE]: async (_, json) => {
        // Nothing listens on the port any more: every query is refused.
        const closed = await LocalDnsServer.start();
        await closed.stop();
        // (Its port stays free for this moment: the CLI's query is refused.)
        return cli(['dns', '--cidr', RANGE, '--resolver', closed.resolver, ...json]);
      },
    },
    resume: {
      [ExitCode.OK]: (ep, json) => {
        ep.createConfigurationSet('transactional', { sendingEnabled: false });
        return cli(['resume', '--configuration-set', 'transactional', ...json], ep.clientEnv());
      },
      [ExitCode.UNEXPECTED]: (_, json) => {
        jest.spyOn(resumeCommand, 'resumeSending').mockRejectedValue(new TypeError('a bug'));
        return inProcess(['resume', '--configuration-set', 'transactional', ...json]);
      },
      [ExitCode.INVALID_INPUT]: (_, json) => cli(['resume', '--configuration-set', 'not a name', ...json]),
      // No such configuration set: a result, not an error.
      [ExitCode.NOT_READY]: (ep, json) => cli(['resume', '--configuration-set', 'transactional', ...json], ep.clientEnv()),
      [ExitCode.API_FAILURE]: (ep, json) => {
        ep.failWhen(() => ({ status: 403, errorType: 'AccessDeniedException', message: 'Not authorized' }));
        return cli(['resume', '--configuration-set', 'transactional', ...json], ep.clientEnv());
      },
    },
    plan: {
      // Deployed and in sync: nothing would move.
      [ExitCode.OK]: (ep, json) => cli(['plan', '--app', deployedApp(ep), ...json], ep.clientEnv()),
      [ExitCode.UNEXPECTED]: (_, json) => {
        jest.spyOn(planCommand, 'readPlan').mockRejectedValue(new TypeError('a bug'));
        return inProcess(['plan', '--app', synthesizedApp().dir, ...json]);
      },
      [ExitCode.INVALID_INPUT]: (_, json) => cli(['plan', '--app', path.join(planRoot, 'missing'), ...json]),
      // The range is not provisioned: the deploy would fail, a result.
      [ExitCode.NOT_READY]: (ep, json) => cli(['plan', '--app', synthesizedApp().dir, ...json], ep.clientEnv()),
      [ExitCode.API_FAILURE]: (ep, json) => {
        ep.failWhen(() => ({ status: 403, errorType: 'AccessDeniedException', message: 'Not authorized' }));
        return cli(['plan', '--app', synthesizedApp().dir, ...json], ep.clientEnv());
      },
      // Not deployed: the deploy would fill the pool, a result.
      [ExitCode.MOVES_PENDING]: (ep, json) => {
        ep.provisionRange(RANGE);
        return cli(['plan', '--app', synthesizedApp().dir, ...json], ep.clientEnv());
      },
    },
  };

  test.each(['request', 'status', 'dns', 'resume', 'plan'])('%s: README documents exactly the exit codes the tests below reach', (command) => {
    const documented = readmeExitCodes().filter((row) => row.commands.includes(command)).map((row) => row.code);
    expect(Object.keys(SCENARIOS[command]).map(Number)).toEqual(documented);
  });

  describe.each(readmeExitCodes().flatMap(({ code, name, commands }) => commands.map((command): [string, number, string] => [command, code, name])))(
    '%s exits %d (%s)', (command, code, name) => {
      let ep: LocalSesEndpoint;
      beforeEach(async () => {
        ep = await LocalSesEndpoint.start();
      });
      afterEach(async () => {
        jest.restoreAllMocks();
        await ep.stop();
      });

      test('as text (a failure: nothing on stdout, one line per problem on stderr)', async () => {
        const run = await SCENARIOS[command][code](ep, []);
        expect(run.code).toBe(code);
        if (name === 'OK' || name === 'NOT_READY' || name === 'MOVES_PENDING') {
          expect(run.stdout).not.toBe('');
        } else {
          expect(run.stdout).toBe('');
          expect(problemLines(run.stderr).length).toBeGreaterThan(0);
        }
      });

      test('with --json: the same code, and one JSON document on stdout (a failure: ErrorJson)', async () => {
        const run = await SCENARIOS[command][code](ep, ['--json']);
        expect(run.code).toBe(code);
        const document = JSON.parse(run.stdout);
        if (name === 'OK' || name === 'NOT_READY' || name === 'MOVES_PENDING') {
          expect(document.error).toBeUndefined();
        } else {
          const problems = problemLines(run.stderr);
          expect(document).toEqual({ error: { code: name, exitCode: code, message: problems.join(' '), problems } });
        }
      });
    });
});

describe('with --json, failures are JSON on stdout', () => {
  test.each([
    [['status', '--cidr', RANGE, '--colour', '--json'], /^Unknown option '--colour'/],
    [['status', '--json', '--cidr'], /^--cidr needs a value, as in --cidr <range>: /],
    [['status', '--cidr', '--json'], /^--cidr needs a value, as in --cidr <range>: /],
    [['status', '--cidr', '--colour', '--json'], /^--cidr needs a value, as in --cidr <range>: .*\.$/],
    [['status', RANGE, '--json'], /^Unexpected argument '8\.8\.8\.0\/24'/],
    [['deploy', '--json'], /^Unknown command "deploy": use "request", "status" or "dns" for a range, "resume" for a paused configuration set, or "plan" for what cdk deploy would move \(see ses-byoip --help\)\./],
    [['--json'], /^No command: use "request", "status" or "dns" for a range, "resume" for a paused configuration set, or "plan" for what cdk deploy would move \(see ses-byoip --help\)\./],
    [['--json', 'plan'], /^Give the command first, then its options: ses-byoip plan \[options\]/],
    [['--json', 'dns', '--cidr', RANGE], /^Give the command first, then its options: ses-byoip dns \[options\]/],
    [['dns', '--cidr', RANGE, '--resolver', '127.0.0.1', '--timeout', '1', '--timeout', '2', '--json'], /^--timeout is given 2 times/],
    [['--json', 'status', '--cidr', RANGE], /^Give the command first, then its options: ses-byoip status \[options\]/],
    [['--json', 'resume', '--configuration-set', 'x'], /^Give the command first, then its options: ses-byoip resume \[options\]/],
    [['resume', '--json'], /^--configuration-set is required: /],
    [['status', '--cidr', '10.0.0.0/24', '--json'], /^\[SesByoip-NotPublic\] /],
    [['status', '--cidr', RANGE, '--json', '--json'], /^--json is given 2 times: give it once\.$/],
    [['status', '--cidr', RANGE, '--addresses', '8.8.8.0/27', '--json'], /^--addresses needs --pool: /],
    [['status', '--cidr', RANGE, '--pool', 'mail', '--addresses', '8.8.8.0/23', '--json'], /^\[SesByoip-InvalidAddresses\] --addresses entry "8\.8\.8\.0\/23" is a \/23/],
  ])('%j: INVALID_INPUT, exit 2, the problems on stderr too', async (args, first) => {
    const { code, stdout, stderr } = await cli(args);
    const problems = problemLines(stderr);
    expect(problems[0]).toMatch(first);
    expect(JSON.parse(stdout)).toEqual({ error: { code: 'INVALID_INPUT', exitCode: 2, message: problems.join(' '), problems } });
    expect(code).toBe(2);
  });

  test('one problem per entry, as many as there are', async () => {
    const { code, stdout } = await cli(['request', '--cidr', '10.0.0.0/23', '--account', '42', '--json']);
    const document: ErrorJson = JSON.parse(stdout);
    expect(document.error.problems).toEqual([
      expect.stringMatching(/^\[SesByoip-PrefixLength\] /),
      '--account "42" is not an AWS account ID: give its 12 digits, e.g. --account 111122223333.',
      expect.stringMatching(/^--region is required/),
      expect.stringMatching(/^--registry is required/),
      expect.stringMatching(/^--use-case is required/),
    ]);
    expect(code).toBe(2);
  });

  test('SES_BYOIP_DEBUG=1 adds the stack trace on stderr, never on stdout', async () => {
    const { code, stdout, stderr } = await cli(['status', '--cidr', '10.0.0.0/24', '--json'], { SES_BYOIP_DEBUG: '1' });
    expect(stderr).toMatch(/^InvalidInput: \[SesByoip-NotPublic\] .*\n\s+at /);
    expect(JSON.parse(stdout).error.code).toBe('INVALID_INPUT');
    expect(code).toBe(2);
  });

  describe('against a local SES v2 endpoint', () => {
    let ep: LocalSesEndpoint;
    beforeEach(async () => {
      ep = await LocalSesEndpoint.start();
    });
    afterEach(() => ep.stop());

    test('status --json that is not ready prints the status, a result, with exit 3', async () => {
      ep.provisionRange(RANGE, { except: ['8.8.8.1'] });
      const { code, stdout } = await cli(['status', '--cidr', RANGE, '--json'], ep.clientEnv());
      expect(JSON.parse(stdout)).toMatchObject({ cidr: RANGE, verdict: 'PARTLY_PROVISIONED', ready: false, provisioned: 255 });
      expect(code).toBe(3);
    });

    test('progress and wait notes go to stderr, leaving one JSON document on stdout', async () => {
      ep.provisionRange(RANGE);
      ep.forcePageSize(50);
      ep.throttleNext(3);
      const { code, stdout, stderr } = await cli(['status', '--cidr', RANGE, '--json'], ep.clientEnv());
      expect(stderr).toMatch(/^ses-byoip: read 50 dedicated IPs of the account so far$/m);
      expect(stderr).toMatch(/^ses-byoip: SES is throttling/m);
      expect(JSON.parse(stdout)).toMatchObject({ verdict: 'READY' });
      expect(code).toBe(0);
    });

    test('status --json: the shape of the status, with addressBlocks (null without --addresses)', async () => {
      ep.createPool('transactional');
      ep.provisionRange(RANGE);
      for (const ip of ['8.8.8.0', '8.8.8.1']) ep.provisionAddress(ip, { pool: 'transactional' });
      const KEYS = ['cidr', 'region', 'pool', 'addressBlocks', 'verdict', 'ready', 'message', 'addresses', 'provisioned', 'missingExamples', 'pools', 'split', 'warmup', 'configurationSets'];
      const part = await cli(['status', '--cidr', RANGE, '--pool', 'transactional', '--addresses', '8.8.8.0/31', '--json'], ep.clientEnv());
      const status = JSON.parse(part.stdout);
      expect(Object.keys(status)).toEqual(KEYS);
      expect(status).toMatchObject({
        cidr: RANGE,
        pool: 'transactional',
        addressBlocks: ['8.8.8.0/31'],
        verdict: 'IN_POOL',
        ready: true,
        addresses: 256,
        provisioned: 256,
        pools: { 'transactional': 2, 'ses-default-dedicated-pool': 254 },
      });
      expect(part.code).toBe(0);
      const whole = await cli(['status', '--cidr', RANGE, '--pool', 'transactional', '--json'], ep.clientEnv());
      expect(JSON.parse(whole.stdout)).toMatchObject({ addressBlocks: null, verdict: 'READY' });
      expect(Object.keys(JSON.parse(whole.stdout))).toEqual(KEYS);
    });

    test('an API failure is API_FAILURE, exit 4', async () => {
      ep.failWhen(() => ({ status: 403, errorType: 'AccessDeniedException', message: 'User is not authorized to perform ses:GetDedicatedIps' }));
      const { code, stdout } = await cli(['status', '--cidr', RANGE, '--json'], ep.clientEnv());
      const problem = 'SES GetDedicatedIps failed: AccessDeniedException: User is not authorized to perform ses:GetDedicatedIps. The credentials need ses:GetDedicatedIps in us-east-1.';
      expect(JSON.parse(stdout)).toEqual({ error: { code: 'API_FAILURE', exitCode: 4, message: problem, problems: [problem] } });
      expect(code).toBe(4);
    });
  });

  test('an unexpected error is UNEXPECTED, exit 1', async () => {
    const spy = jest.spyOn(requestCommand, 'buildRequest').mockImplementation(() => {
      throw new TypeError('Cannot read properties of undefined');
    });
    try {
      const { code, stdout, stderr } = await inProcess([...REQUEST, '--json']);
      expect(stderr).toBe('ses-byoip: unexpected error: Cannot read properties of undefined\n');
      expect(JSON.parse(stdout)).toEqual({
        error: {
          code: 'UNEXPECTED',
          exitCode: 1,
          message: 'unexpected error: Cannot read properties of undefined',
          problems: ['unexpected error: Cannot read properties of undefined'],
        },
      });
      expect(code).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('request: warnings and the signature placeholder', () => {
  const DOCUMENTATION = ['request', '--cidr', '198.51.100.0/24', '--account', '111122223333', '--region', 'eu-west-1', '--registry', 'ARIN', '--use-case', 'x'];
  const NOTE = 'ses-byoip: note: replace [Your name, title, company and a phone number] at the end of the e-mail before sending it.';

  test('as text: the e-mail ends with the placeholder, and stderr says to replace it', async () => {
    const { code, stdout, stderr } = await cli(REQUEST);
    expect(stdout).toMatch(/\nThank you,\n\[Your name, title, company and a phone number\]\n$/);
    expect(stderr).toBe(`${NOTE}\n`);
    expect(code).toBe(0);
  });

  test('with --json: warnings and placeholders in the JSON, and stderr the same as without --json', async () => {
    const text = await cli(DOCUMENTATION);
    const json = await cli([...DOCUMENTATION, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ipRange: '198.51.100.0/24',
      warnings: [expect.stringMatching(/^\[SesByoip-DocumentationRange\] .* Fix: put your own range in the request: AWS never approves a documentation range\.$/)],
      placeholders: ['[Your name, title, company and a phone number]'],
    });
    expect(json.stderr).toBe(text.stderr);
    expect(json.stderr.split('\n')).toEqual([expect.stringMatching(/^ses-byoip: warning: \[SesByoip-DocumentationRange\] /), NOTE, '']);
    expect(json.code).toBe(0);
  });

  test('its --help and messages speak of the request, not the construct', async () => {
    const help = await cli(['request', '--help']);
    const failed = await cli(['request', '--cidr', '10.0.0.0/23', '--json']);
    for (const output of [help.stdout, failed.stdout, failed.stderr]) {
      expect(output).not.toMatch(/ByoipSendingPool|Annotations|acknowledge|construct/i);
    }
  });
});

describe('--version', () => {
  test.each([[['--version']], [['request', '--version']], [['status', '--version']], [['dns', '--version']], [['resume', '--version']], [['plan', '--version']]])('%j prints the package\'s version, from the bundle', async (args) => {
    const { code, stdout, stderr } = await cli(args);
    expect(stdout).toBe(`${PACKAGE_VERSION}\n`);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  test('--version --json prints it as JSON', async () => {
    const { code, stdout } = await cli(['--version', '--json']);
    expect(JSON.parse(stdout)).toEqual({ version: PACKAGE_VERSION });
    expect(code).toBe(0);
  });

  test('prints the package\'s version from the sources too (ts-jest)', async () => {
    await expect(inProcess(['--version'])).resolves.toEqual({ code: 0, stdout: `${PACKAGE_VERSION}\n`, stderr: '' });
  });
});

describe('an option given twice is an error naming it', () => {
  test.each([
    [['status', '--cidr', RANGE, '--cidr', '9.9.9.0/24'], '--cidr is given 2 times ("8.8.8.0/24", "9.9.9.0/24"): give it once.'],
    [['status', '--cidr', RANGE, '--timeout', '5', '--timeout=10', '--timeout', '20'], '--timeout is given 3 times ("5", "10", "20"): give it once.'],
    [[...REQUEST, '--use-case', 'Newsletters'], '--use-case is given 2 times ("Invoices", "Newsletters"): give it once.'],
    [['status', '-h', '--help'], '--help is given 2 times: give it once.'],
    [['status', '--cidr', RANGE, '--pool', 'mail', '--addresses', '8.8.8.0/27', '--addresses=8.8.8.32/27'], '--addresses is given 2 times ("8.8.8.0/27", "8.8.8.32/27"): give it once.'],
    [['--version', '--version'], '--version is given 2 times: give it once.'],
  ])('%j exits 2', async (args, problem) => {
    const { code, stdout, stderr } = await cli(args);
    expect(stderr).toBe(`ses-byoip: ${problem}\n`);
    expect(stdout).toBe('');
    expect(code).toBe(2);
  });

  test('every repeated option is named, in JSON too', async () => {
    const { code, stdout } = await cli([...REQUEST, '--json', '--json', '--account', '444455556666']);
    expect(JSON.parse(stdout).error.problems).toEqual([
      '--account is given 2 times ("111122223333", "444455556666"): give it once.',
      '--json is given 2 times: give it once.',
    ]);
    expect(code).toBe(2);
  });
});
