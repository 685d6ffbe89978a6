/**
 * `ses-byoip plan` end to end: real apps synthesized into temporary cloud
 * assemblies, the bundled CLI (and main() in this process where stdin must
 * be a terminal) against a local endpoint that answers SES, CloudFormation
 * and STS, and stacks deployed through the real handlers as CloudFormation
 * would (test/support/cloudformation-deploy.ts).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Fn, Stack, Stage } from 'aws-cdk-lib';
import { cli, CliRun } from './run-cli';
import { ByoipSendingPool } from '../../src';
import { readCloudAssembly } from '../../src/cli/cloud-assembly';
import { main } from '../../src/cli/main';
import { cloudFormationRequests, PlanResult } from '../../src/cli/plan';
import { rangeOf } from '../../src/range/ipv4-cidr';
import { SimulatedStack, TemplateJson } from '../support/cloudformation-deploy';
import { deployWorld, RANGE, STACK_ID } from '../support/deploy-harness';
import { DEFAULT_POOL, LocalSesEndpoint } from '../support/local-ses-endpoint';

// A ceiling for a slow machine, not a timing assertion.
jest.setTimeout(120_000);

const ENV = { account: '111122223333', region: 'us-east-1' };
const ADDRESSES = rangeOf(RANGE).addresses();
/** The addresses of `blocks`, e.g. ips('0/26') for 203.0.113.0/26. */
const ips = (...blocks: string[]) => blocks.flatMap((b) => rangeOf(`203.0.113.${b}`).addresses());
const block = (suffix: string) => `203.0.113.${suffix}`;

const world = deployWorld({ seed: 7 });
let ep: LocalSesEndpoint;
let cfn: SimulatedStack;
let root: string;
beforeEach(() => {
  ep = world.ep;
  ep.provisionRange(RANGE);
  cfn = new SimulatedStack(ep);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-test-'));
  // deployWorld seeds the stack as UPDATE_IN_PROGRESS; the tests deploy it (or not) themselves.
  ep.removeStack('Mail');
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** A synthesized app: its cloud assembly directory, and the template of its stack Mail. */
interface Synthesized {
  readonly dir: string;
  readonly template: TemplateJson;
}

/** Synthesizes an app with one stack, Mail (in ENV, the harness's stack), that `build` fills. */
function synth(build: (stack: Stack) => void): Synthesized {
  const dir = fs.mkdtempSync(path.join(root, 'cdk.out-'));
  const app = new App({ outdir: dir });
  build(new Stack(app, 'Mail', { env: ENV }));
  app.synth();
  return { dir, template: JSON.parse(fs.readFileSync(path.join(dir, 'Mail.template.json'), 'utf8')) };
}

/**
 * The app's stacks made environment-agnostic in its manifest, as cdk synth
 * writes a stack without env. (The library's own synthesis check refuses a
 * ByoipSendingPool in such a stack, SesByoip-UnresolvedEnvironment, so only
 * an assembly written otherwise, or a stack without pools, is one.)
 */
function environmentAgnostic(app: Synthesized): Synthesized {
  const manifest = path.join(app.dir, 'manifest.json');
  fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace(/aws:\/\/111122223333\/us-east-1/g, 'aws://unknown-account/unknown-region'));
  return app;
}

/** A range split between transactional (`t`) and marketing (`m`), registered in `order`. */
function split(t: string[], m: string[], order: 'transactional first' | 'marketing first' = 'transactional first', names = { t: 'transactional', m: 'marketing' }) {
  return synth((stack) => {
    const transactional = () => new ByoipSendingPool(stack, 'Transactional', { cidr: RANGE, addresses: t.map(block), dedicatedIpPoolName: names.t });
    const marketing = () => new ByoipSendingPool(stack, 'Marketing', { cidr: RANGE, addresses: m.map(block), dedicatedIpPoolName: names.m });
    if (order === 'transactional first') {
      transactional();
      marketing();
    } else {
      marketing();
      transactional();
    }
  });
}

/** Runs the bundled CLI's plan against the endpoint. */
function plan(...args: string[]): Promise<CliRun> {
  return cli(['plan', ...args], ep.clientEnv());
}

/** Runs plan --json and parses its document. */
async function planJson(...args: string[]): Promise<{ run: CliRun; result: PlanResult }> {
  const run = await plan(...args, '--json');
  return { run, result: JSON.parse(run.stdout) };
}

/** Runs main() in this process (the endpoint's environment is the process's), with stdin a terminal that answers `answer`. */
async function inProcess(args: string[], answer?: string): Promise<CliRun & { asked: boolean }> {
  let stdout = '';
  let stderr = '';
  let asked = false;
  const code = await main(args, {
    out: (text) => (stdout += text),
    err: (text) => (stderr += text),
    ...(answer !== undefined ? {
      input: {
        isTerminal: true,
        readLine: async () => {
          asked = true;
          return answer;
        },
      },
    } : {}),
  });
  return { code, stdout, stderr, asked };
}

/** The moves the endpoint made: each successful PutDedicatedIpInPool, as [address, destination pool]. */
function movesMade(): Array<[string, string]> {
  return ep.calls.filter((c) => c.operation === 'PutDedicatedIpInPool' && c.outcome === 'ok').map((c) => [c.ip!, c.pool!]);
}

/**
 * The moves the plan says cdk deploy makes, in order, as [address,
 * destination pool]; a new pool's placeholder as the name the deploy gave it.
 */
function plannedDeployMoves(result: PlanResult): Array<[string, string]> {
  const newPools = Object.assign({}, ...result.stacks.map((s) => s.newPools)) as Record<string, string>;
  const real = (pool: string) => (newPools[pool] !== undefined ? cfn.deployed!.poolNames.get(newPools[pool])! : pool);
  return result.pools
    .filter((p) => p.action === 'create' || p.action === 'update' || p.action === 'cleanup')
    .flatMap((p) => p.moves.map((m): [string, string] => [m.address, real(m.to)]));
}

/** Where each address of the range is, as pool -> addresses. */
function layout(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const ip of ADDRESSES) {
    (out[ep.poolOf(ip) ?? 'missing'] ??= []).push(ip);
  }
  return out;
}

describe('the plan is what the handler does', () => {
  /**
   * Plans `app` over what is deployed, deploys it through the real
   * handlers as CloudFormation would, and checks that the endpoint made
   * exactly the moves the plan lists, in the same order.
   */
  async function planThenDeploy(app: Synthesized): Promise<PlanResult> {
    const { run, result } = await planJson('--app', app.dir);
    expect(run.code).toBe(result.summary.moves > 0 ? 5 : 0);
    ep.resetCalls();
    await cfn.deploy(app.template);
    expect(movesMade()).toEqual(plannedDeployMoves(result));
    // Nothing is left to move afterwards.
    const after = await planJson('--app', app.dir);
    expect(after.result.summary).toMatchObject({ moves: 0, blocked: 0 });
    expect(after.run.code).toBe(0);
    return result;
  }

  test('a fresh fill: the stack is not deployed, a pool with a generated name', async () => {
    const app = synth((stack) => {
      new ByoipSendingPool(stack, 'Transactional', { cidr: RANGE, addresses: [block('0/26')], dedicatedIpPoolName: 'transactional' });
      new ByoipSendingPool(stack, 'Marketing', { cidr: RANGE, addresses: [block('64/26')] });
    });
    const result = await planThenDeploy(app);
    expect(result.stacks).toEqual([expect.objectContaining({ stack: 'Mail', deployed: false, status: null, account: ENV.account, region: ENV.region })]);
    expect(result.pools.map((p) => [p.action, p.newPool === undefined ? p.pool : 'placeholder', p.addresses, p.moves.length])).toEqual([
      ['create', 'transactional', [block('0/26')], 64],
      ['create', 'placeholder', [block('64/26')], 64],
    ]);
    expect(result.summary).toMatchObject({ moves: 128, deployMoves: 128, driftMoves: 0, blocked: 0 });
  });

  describe.each(['transactional first', 'marketing first'] as const)('a resize of a split, %s in the template', (order) => {
    test('transactional grows from .0/26 to .0/25, taking .64/26 from marketing, which moves to .128/26', async () => {
      await cfn.deploy(split(['0/26'], ['64/26'], order).template);
      const result = await planThenDeploy(split(['0/25'], ['128/26'], order));
      expect(result.pools.map((p) => [p.pool, p.action])).toEqual(order === 'transactional first'
        ? [['transactional', 'update'], ['marketing', 'update']]
        : [['marketing', 'update'], ['transactional', 'update']]);
      expect(layout()).toEqual({ transactional: ips('0/25'), marketing: ips('128/26'), [DEFAULT_POOL]: ips('192/26') });
      // Each address moves once: .64/26 straight from marketing to transactional.
      expect(result.summary.deployMoves).toBe(128);
    });
  });

  test('a rename of one pool of a split: the new pool takes its addresses, the cleanup releases nothing more', async () => {
    await cfn.deploy(split(['0/26'], ['64/26']).template);
    const result = await planThenDeploy(split(['0/26'], ['64/26'], 'transactional first', { t: 'tx', m: 'marketing' }));
    expect(result.pools.map((p) => [p.pool, p.action, p.moves.length])).toEqual([
      ['tx', 'update', 64],
      ['marketing', 'update', 0],
      ['transactional', 'cleanup', 0],
    ]);
    expect(result.pools[0].moves[0]).toEqual({ address: block('0'), from: 'transactional', to: 'tx', reason: 'fill' });
    expect(layout()).toEqual({ tx: ips('0/26'), marketing: ips('64/26'), [DEFAULT_POOL]: ips('128/25') });
  });

  test('a removed pool: its cleanup releases its addresses', async () => {
    await cfn.deploy(split(['0/26'], ['64/26']).template);
    const app = synth((stack) => {
      new ByoipSendingPool(stack, 'Transactional', { cidr: RANGE, addresses: [block('0/26')], dedicatedIpPoolName: 'transactional' });
    });
    const result = await planThenDeploy(app);
    expect(result.pools.map((p) => [p.pool, p.action, p.why, p.moves.length])).toEqual([
      ['transactional', 'update', 'the properties changed', 0],
      ['marketing', 'cleanup', 'removed from the app', 64],
    ]);
    expect(layout()).toEqual({ transactional: ips('0/26'), [DEFAULT_POOL]: [...ips('64/26'), ...ips('128/25')].sort((a, b) => rangeOf(`${a}/32`).network - rangeOf(`${b}/32`).network) });
  });

  test('a change of the whole range\'s pool name, without addresses', async () => {
    await cfn.deploy(synth((stack) => new ByoipSendingPool(stack, 'Pool', { cidr: RANGE, dedicatedIpPoolName: 'old-name' })).template);
    const result = await planThenDeploy(synth((stack) => new ByoipSendingPool(stack, 'Pool', { cidr: RANGE, dedicatedIpPoolName: 'new-name' })));
    expect(result.pools.map((p) => [p.pool, p.action, p.moves.length])).toEqual([['new-name', 'update', 256], ['old-name', 'cleanup', 0]]);
  });
});

describe('text output', () => {
  test('a fresh fill: each pool with its blocks, moves grouped as blocks, the time, exit 5', async () => {
    const app = synth((stack) => {
      new ByoipSendingPool(stack, 'Transactional', { cidr: RANGE, addresses: [block('0/26')], dedicatedIpPoolName: 'transactional' });
      new ByoipSendingPool(stack, 'Marketing', { cidr: RANGE, addresses: [block('64/26')] });
    });
    const { code, stdout, stderr } = await plan('--app', app.dir);
    const marketingPool = Object.keys(app.template.Resources as object).find((id) => id.startsWith('MarketingDedicatedIpPool'));
    expect(stdout).toBe([
      'Stack Mail, account 111122223333 in us-east-1: not deployed yet',
      `  transactional ${block('0/26')} (of ${RANGE}): create (new), 64 moves, ~72 s`,
      `    ${block('0/26')}  ses-default-dedicated-pool -> transactional`,
      `  (new pool ${marketingPool}) ${block('64/26')} (of ${RANGE}): create (new), 64 moves, ~72 s`,
      `    ${block('64/26')}  ses-default-dedicated-pool -> (new pool ${marketingPool})`,
      '',
      'cdk deploy would make 128 moves (~2 min 24 s at SES\'s one request per second).',
      '',
    ].join('\n'));
    expect(stderr).toBe([100, 200, 256].map((n) => `ses-byoip: read ${n} dedicated IPs of account 111122223333 in us-east-1 so far\n`).join(''));
    expect(code).toBe(5);
  });

  test('a deployed stack in sync: one line per pool, exit 0', async () => {
    const app = split(['0/26'], ['64/26']);
    await cfn.deploy(app.template);
    const { code, stdout } = await plan('--app', app.dir);
    expect(stdout).toBe([
      'Stack Mail, account 111122223333 in us-east-1: deployed (CREATE_COMPLETE)',
      `  transactional ${block('0/26')} (of ${RANGE}): in sync`,
      `  marketing ${block('64/26')} (of ${RANGE}): in sync`,
      '',
      'Nothing would move: every address is where the app puts it.',
      '',
    ].join('\n'));
    expect(code).toBe(0);
  });

  test('a removed pool shows its cleanup releases', async () => {
    await cfn.deploy(split(['0/26'], ['64/26']).template);
    const app = synth((stack) => new ByoipSendingPool(stack, 'Transactional', { cidr: RANGE, addresses: [block('0/26')], dedicatedIpPoolName: 'transactional' }));
    const { stdout } = await plan('--app', app.dir);
    expect(stdout).toContain([
      `  marketing ${block('64/26')} (of ${RANGE}): cleanup (removed from the app), 64 moves, ~70 s`,
      `    ${block('64/26')}  marketing -> ses-default-dedicated-pool`,
    ].join('\n'));
  });
});

describe('drift', () => {
  let app: Synthesized;
  beforeEach(async () => {
    app = split(['0/26'], ['64/26']);
    await cfn.deploy(app.template);
    // By hand: two of transactional's addresses back to the default pool, one into marketing.
    for (const ip of [block('2'), block('3')]) ep.provisionAddress(ip);
    ep.provisionAddress(block('9'), { pool: 'marketing' });
  });

  test('the moves back, which cdk deploy will not make, and exit 5', async () => {
    const { code, stdout } = await plan('--app', app.dir);
    expect(stdout).toContain([
      `  transactional ${block('0/26')} (of ${RANGE}): drift, 3 moves back pending`,
      `    ${block('2/31')}  ses-default-dedicated-pool -> transactional`,
      `    ${block('9')}/32  marketing -> transactional`,
      '    pending moves back, which cdk deploy will NOT make (the properties did not change): run ses-byoip plan --apply',
      `  marketing ${block('64/26')} (of ${RANGE}): in sync`,
    ].join('\n'));
    expect(stdout).toContain('3 moves back pending that cdk deploy will not make: run ses-byoip plan --apply.');
    expect(code).toBe(5);
  });

  test('each move back is planned once, even when both pools see it', async () => {
    const { result } = await planJson('--app', app.dir);
    expect(result.pools.flatMap((p) => p.moves.map((m) => m.address))).toEqual([block('2'), block('3'), block('9')]);
    expect(result.summary).toMatchObject({ moves: 3, driftMoves: 3, deployMoves: 0, seconds: 0 });
  });

  test('--apply --yes moves them back through the pacer, reads back, and exits 0', async () => {
    ep.resetCalls();
    const { code, stdout } = await plan('--app', app.dir, '--apply', '--yes');
    expect(movesMade()).toEqual([[block('2'), 'transactional'], [block('3'), 'transactional'], [block('9'), 'transactional']]);
    expect(layout()).toEqual({ transactional: ips('0/26'), marketing: ips('64/26'), [DEFAULT_POOL]: ips('128/25') });
    expect(stdout).toContain('After --apply:\n\nStack Mail');
    expect(stdout).toMatch(/Nothing would move: every address is where the app puts it\.\n--apply moved 3 addresses back\.\n$/);
    expect(code).toBe(0);
  });

  test('--apply --json: the plan after, with the moves made', async () => {
    const { code, result } = await planJson('--app', app.dir, '--apply', '--yes').then(({ run, result: r }) => ({ code: run.code, result: r }));
    expect(result.applied).toEqual([
      { address: block('2'), from: DEFAULT_POOL, to: 'transactional', reason: 'fill' },
      { address: block('3'), from: DEFAULT_POOL, to: 'transactional', reason: 'fill' },
      { address: block('9'), from: 'marketing', to: 'transactional', reason: 'fill' },
    ]);
    expect(result.summary.moves).toBe(0);
    expect(code).toBe(0);
  });

  test('--apply without --yes and without a terminal refuses, reads nothing, and says to pass --yes', async () => {
    ep.resetCalls();
    const { code, stdout, stderr } = await plan('--app', app.dir, '--apply');
    expect(stderr).toBe('ses-byoip: --apply asks before it moves addresses, but stdin is not a terminal: pass --yes to move them without asking.\n');
    expect(stdout).toBe('');
    expect(ep.calls).toEqual([]);
    expect(code).toBe(2);
  });

  test('--apply on a terminal asks; "y" moves them back', async () => {
    const { code, stderr, asked } = await inProcess(['plan', '--app', app.dir, '--apply'], 'y');
    expect(asked).toBe(true);
    expect(stderr).toContain('ses-byoip: Move 3 addresses back to the deployed layout (account 111122223333 in us-east-1, ~3 s at SES\'s one request per second)? [y/N] ');
    expect(layout().transactional).toEqual(ips('0/26'));
    expect(code).toBe(0);
  });

  test('--apply on a terminal asks; anything else moves nothing, and the moves stay pending (exit 5)', async () => {
    ep.resetCalls();
    const { code, stderr } = await inProcess(['plan', '--app', app.dir, '--apply'], '');
    expect(stderr).toContain('ses-byoip: nothing moved.\n');
    expect(movesMade()).toEqual([]);
    expect(code).toBe(5);
  });

  test.each(['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_FAILED'])('--apply refuses, before it moves anything, while the stack is %s', async (status) => {
    ep.setStackStatus(STACK_ID, status);
    ep.resetCalls();
    const { code, stderr } = await plan('--app', app.dir, '--apply', '--yes');
    expect(stderr).toContain(`ses-byoip: --apply moves addresses back to the deployed layout, but stack Mail is ${status}: its layout is not settled`);
    expect(movesMade()).toEqual([]);
    expect(code).toBe(2);
  });

  test('--apply refuses, before it moves anything, when a pool has changes to deploy', async () => {
    ep.resetCalls();
    const changed = split(['0/25'], ['128/26']);
    const { code, stderr } = await plan('--app', changed.dir, '--apply', '--yes');
    expect(stderr).toMatch(/^ses-byoip: --apply only moves addresses back to the deployed layout, but pool transactional of stack Mail \(TransactionalPoolAddresses\w+\) has changes to deploy \(update: the properties changed\): run cdk deploy instead, then ses-byoip plan again\.$/m);
    expect(movesMade()).toEqual([]);
    expect(code).toBe(2);
  });
});

test('--apply never takes an address out of a foreign pool: an adoption is left out, and named', async () => {
  ep.createPool('someone-else');
  const app = synth((stack) => new ByoipSendingPool(stack, 'Pool', { cidr: RANGE, dedicatedIpPoolName: 'mail', adoptAddressesFromOtherPools: true }));
  await cfn.deploy(app.template);
  ep.provisionAddress(block('7'), { pool: 'someone-else' });
  ep.provisionAddress(block('8'));
  const { code, stderr } = await plan('--app', app.dir, '--apply', '--yes');
  expect(stderr).toContain(`ses-byoip: --apply leaves 1 address (${block('7')}/32) in pool someone-else, which is not a pool of stack Mail: pool mail would adopt them`);
  expect(ep.poolOf(block('7'))).toBe('someone-else');
  expect(ep.poolOf(block('8'))).toBe('mail');
  expect(code).toBe(5);
});

describe('blocked', () => {
  test('addresses in another pool and addresses not in the account stop the deploy: exit 3, with the fix', async () => {
    ep.createPool('someone-else');
    ep.provisionAddress(block('5'), { pool: 'someone-else' });
    ep.removeAddress(block('200'));
    ep.removeAddress(block('201'));
    const app = synth((stack) => {
      new ByoipSendingPool(stack, 'Transactional', { cidr: RANGE, addresses: [block('0/25')], dedicatedIpPoolName: 'transactional' });
      new ByoipSendingPool(stack, 'Marketing', { cidr: RANGE, addresses: [block('128/25')], dedicatedIpPoolName: 'marketing' });
    });
    const { code, stdout } = await plan('--app', app.dir);
    expect(stdout).toContain([
      `  transactional ${block('0/25')} (of ${RANGE}): create (new): BLOCKED, cdk deploy would fail here`,
      `    ${block('5')}/32  in pool someone-else`,
      `    1 address of ${RANGE} is in other dedicated IP pools: someone-else (1: ${block('5')}/32). They may be in use by another configuration, ` +
        'so cdk deploy does not take them into pool transactional: it fails before it moves anything. Move them to ses-default-dedicated-pool first ' +
        `(e.g. \`aws sesv2 put-dedicated-ip-in-pool --ip ${block('5')} --destination-pool-name ses-default-dedicated-pool --region us-east-1\`), ` +
        'or set adoptAddressesFromOtherPools: true to take them.',
      `  marketing ${block('128/25')} (of ${RANGE}): create (new): BLOCKED, cdk deploy would fail here`,
      `    ${block('200/31')}  not a dedicated IP of the account`,
      `    2 of this pool's 128 addresses of ${RANGE} are not dedicated IPs of account 111122223333 in us-east-1 (${block('200/31')}): ` +
        'the BYOIP range has not been provisioned to account 111122223333 in Region us-east-1 yet, or it was approved for another Region. ' +
        `Wait for AWS to confirm the range is provisioned (\`ses-byoip status --cidr ${RANGE} --region us-east-1\` shows it), then deploy.`,
    ].join('\n'));
    expect(stdout).toMatch(/^  cdk deploy would fail at pool transactional \(TransactionalPoolAddresses\w+\), before it moves anything there, and roll back/m);
    expect(stdout).toContain('Blocked: cdk deploy of Mail would fail (3 addresses stop it)');
    // The handler agrees: the deploy fails at transactional, having moved nothing.
    await expect(cfn.deploy(app.template)).rejects.toThrow('1 address of 203.0.113.0/24 is in other dedicated IP pools: someone-else');
    expect(movesMade()).toEqual([]);
    expect(code).toBe(3);
  });

  test('five blocks not in the account: four named "and 1 more block"', async () => {
    for (const last of ['1', '3', '5', '7', '9']) ep.removeAddress(block(last));
    const app = synth((stack) => new ByoipSendingPool(stack, 'Pool', { cidr: RANGE, dedicatedIpPoolName: 'mail' }));
    const { code, stdout } = await plan('--app', app.dir);
    expect(stdout).toContain(`    5 of the 256 addresses of ${RANGE} are not dedicated IPs of account 111122223333 in us-east-1 ` +
      `(${block('1')}/32, ${block('3')}/32, ${block('5')}/32, ${block('7')}/32 and 1 more block): `);
    expect(code).toBe(3);
  });

  test('--json: blocked addresses with their pool (null when not in the account), and blocked wins over pending', async () => {
    ep.removeAddress(block('200'));
    const app = synth((stack) => {
      new ByoipSendingPool(stack, 'Transactional', { cidr: RANGE, addresses: [block('0/25')], dedicatedIpPoolName: 'transactional' });
      new ByoipSendingPool(stack, 'Marketing', { cidr: RANGE, addresses: [block('128/25')], dedicatedIpPoolName: 'marketing' });
    });
    const { run, result } = await planJson('--app', app.dir);
    expect(result.pools[1]).toMatchObject({
      pool: 'marketing',
      action: 'create',
      moves: [],
      blocked: [{ address: block('200'), pool: null, reason: 'missing' }],
      problems: [expect.stringMatching(/^1 of this pool's 128 addresses of 203\.0\.113\.0\/24 is not a dedicated IP of account 111122223333 in us-east-1/)],
    });
    expect(result.pools[0].moves).toHaveLength(128);
    expect(result.summary).toMatchObject({ blocked: 1, moves: 128 });
    expect(result.stacks[0].failsAt).toBe(result.pools[1].logicalId);
    expect(run.code).toBe(3);
  });

  test('the pools after the one that would fail are shown, but not reached: their moves are not counted', async () => {
    ep.removeAddress(block('5'));
    const app = synth((stack) => {
      new ByoipSendingPool(stack, 'Transactional', { cidr: RANGE, addresses: [block('0/25')], dedicatedIpPoolName: 'transactional' });
      new ByoipSendingPool(stack, 'Marketing', { cidr: RANGE, addresses: [block('128/25')], dedicatedIpPoolName: 'marketing' });
    });
    const { run, result } = await planJson('--app', app.dir);
    expect(result.pools.map((p) => [p.pool, p.reached, p.moves.length])).toEqual([['transactional', true, 0], ['marketing', false, 128]]);
    expect(result.summary).toMatchObject({ blocked: 1, moves: 0, deployMoves: 0 });
    const { stdout } = await plan('--app', app.dir);
    expect(stdout).toContain(`  marketing ${block('128/25')} (of ${RANGE}): create (new), 128 moves, ~2 min 16 s, not reached: the deploy fails before`);
    expect(run.code).toBe(3);
  });
});

describe('--json', () => {
  test('the contract: pools with stack, pool, cidr, addresses, moves and blocked; a summary', async () => {
    await cfn.deploy(split(['0/26'], ['64/26']).template);
    const { run, result } = await planJson('--app', split(['0/26'], ['64/27']).dir);
    expect(Object.keys(result)).toEqual(['app', 'stacks', 'pools', 'summary']);
    expect(result.pools).toEqual([
      {
        stack: 'Mail',
        logicalId: expect.stringMatching(/^TransactionalPoolAddresses/),
        pool: 'transactional',
        cidr: RANGE,
        addresses: [block('0/26')],
        action: 'update',
        why: 'the properties changed',
        moves: [],
        blocked: [],
        problems: [],
        warnings: [],
        waiting: [],
        // No move: the reads of onEvent and isComplete (3 pages of 100 each), and the record of the properties on the pool.
        seconds: 7,
        reached: true,
      },
      expect.objectContaining({
        stack: 'Mail',
        pool: 'marketing',
        cidr: RANGE,
        addresses: [block('64/27')],
        action: 'update',
        moves: ips('96/27').map((address) => ({ address, from: 'marketing', to: DEFAULT_POOL, reason: 'release' })),
        blocked: [],
      }),
    ]);
    expect(result.summary).toEqual({ moves: 32, blocked: 0, deployMoves: 32, driftMoves: 0, seconds: 7 + 32 + 8 });
    expect(run.code).toBe(5);
  });

  test('a pool whose name is not known yet: the placeholder, and newPool its logical ID', async () => {
    const app = synth((stack) => new ByoipSendingPool(stack, 'Pool', { cidr: RANGE }));
    const { result } = await planJson('--app', app.dir);
    const poolId = Object.keys(app.template.Resources as object).find((id) => id.startsWith('PoolDedicatedIpPool'))!;
    expect(result.pools[0]).toMatchObject({ pool: `new-pool--${poolId.toLowerCase()}`, newPool: poolId, action: 'create' });
    expect(result.stacks[0].newPools).toEqual({ [`new-pool--${poolId.toLowerCase()}`]: poolId });
  });
});

describe('stacks and environments', () => {
  test('environment-agnostic: the SDK\'s Region and the caller\'s account, with a note', async () => {
    const app = environmentAgnostic(synth((stack) => new ByoipSendingPool(stack, 'Pool', { cidr: RANGE, dedicatedIpPoolName: 'mail' })));
    const { code, stdout, stderr } = await plan('--app', app.dir);
    expect(stderr).toContain('ses-byoip: note: stack Mail is environment-agnostic: planned for account 111122223333 in us-east-1 (the credentials\' account and the SDK\'s Region)');
    expect(stdout).toMatch(/^Stack Mail, account 111122223333 in us-east-1: not deployed yet\n/);
    expect(code).toBe(5);
  });

  test('an environment-agnostic stack without any Region configured is an input problem', async () => {
    const app = environmentAgnostic(synth((stack) => new ByoipSendingPool(stack, 'Pool', { cidr: RANGE })));
    const env = { ...ep.clientEnv(), AWS_CONFIG_FILE: '/nonexistent' } as Record<string, string>;
    delete env.AWS_REGION;
    const { code, stderr } = await cli(['plan', '--app', app.dir], env);
    expect(stderr).toBe('ses-byoip: No AWS Region for stack Mail, which is environment-agnostic: set AWS_REGION (or the region of your AWS profile) to the Region that cdk deploy deploys it to.\n');
    expect(code).toBe(2);
  });

  test('credentials of another account: one clear line naming both, exit 2', async () => {
    ep.setCallerAccount('444455556666');
    const app = synth((stack) => new ByoipSendingPool(stack, 'Pool', { cidr: RANGE, dedicatedIpPoolName: 'mail' }));
    const { code, stdout, stderr } = await plan('--app', app.dir, '--json');
    const problem = 'Stack Mail deploys to account 111122223333, but the AWS credentials are those of account 444455556666: ' +
      'use credentials of account 111122223333 (e.g. AWS_PROFILE=<a profile of account 111122223333>) to plan it, as to deploy it.';
    expect(stderr).toBe(`ses-byoip: ${problem}\n`);
    expect(JSON.parse(stdout)).toEqual({ error: { code: 'INVALID_INPUT', exitCode: 2, message: problem, problems: [problem] } });
    expect(ep.calls.some((c) => c.operation === 'GetDedicatedIps')).toBe(false);
    expect(code).toBe(2);
  });

  test('--stack picks stacks by name or display name; a named stack without pools is shown, an unnamed one skipped', async () => {
    const dir = path.join(root, 'multi');
    const app = new App({ outdir: dir });
    new ByoipSendingPool(new Stack(app, 'Mail', { env: ENV }), 'Pool', { cidr: RANGE, dedicatedIpPoolName: 'mail' });
    new Stack(app, 'Web', { env: ENV, stackName: 'web-stack' });
    app.synth();
    const all = await planJson('--app', dir);
    expect(all.result.stacks.map((s) => s.stack)).toEqual(['Mail']);
    const named = await plan('--app', dir, '--stack', 'Web', '--stack', 'Mail');
    expect(named.stdout).toContain('Stack Web (web-stack), account 111122223333 in us-east-1: not deployed yet\n  It holds no BYOIP pool, in the app or deployed.\n');
    expect(named.stdout.indexOf('Stack Mail')).toBeLessThan(named.stdout.indexOf('Stack Web'));
  });

  test('an unknown --stack exits 2 and lists the stacks of the app', async () => {
    const app = synth((stack) => new ByoipSendingPool(stack, 'Pool', { cidr: RANGE, dedicatedIpPoolName: 'mail' }));
    const { code, stderr } = await plan('--app', app.dir, '--stack', 'Prod/Mail');
    expect(stderr).toBe('ses-byoip: --stack "Prod/Mail" is not a stack of the app: the app\'s stacks are Mail. Give a stack name or display name, e.g. --stack Mail.\n');
    expect(code).toBe(2);
  });

  test('a pool whose name the template alone does not give cannot be planned: exit 2, saying why', async () => {
    const app = synth((stack) => new ByoipSendingPool(stack, 'Pool', { cidr: RANGE, dedicatedIpPoolName: Fn.importValue('pool-name') }));
    const { code, stderr } = await plan('--app', app.dir);
    expect(stderr).toMatch(/^ses-byoip: Stack Mail cannot be planned: The property PoolName of PoolPoolAddresses\w+ \(Custom::SesByoipPoolAddresses\) holds .*can be read from the template\.\n$/);
    expect(code).toBe(2);
  });
});

describe('several stacks', () => {
  /** Seeds stack `name` as deployed from its template in `dir`, its pools named as their PoolName says. */
  function seedDeployed(dir: string, name: string): void {
    const [stack] = readCloudAssembly(dir).filter((s) => s.stackName === name);
    const resources = stack.template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const pools = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SES::DedicatedIpPool');
    const addresses = Object.entries(resources).filter(([, r]) => r.Type === 'Custom::SesByoipPoolAddresses');
    const nameOf = (ref: unknown) => resources[(ref as { Ref: string }).Ref].Properties.PoolName as string;
    ep.setStack(`arn:aws:cloudformation:us-east-1:111122223333:stack/${name}/1`, {
      template: stack.template,
      resources: [
        ...pools.map(([logicalId, r]) => ({ logicalId, physicalId: r.Properties.PoolName as string, type: r.Type })),
        ...addresses.map(([logicalId, r]) => ({ logicalId, physicalId: `${nameOf(r.Properties.PoolName)}|${r.Properties.Cidr}`, type: r.Type })),
      ],
    });
  }

  test('stacks of one account and Region share the simulated layout, in the app\'s order', async () => {
    // Deployed: stack Old holds the range in pool old.
    const before = path.join(root, 'before');
    const v1 = new App({ outdir: before });
    new ByoipSendingPool(new Stack(v1, 'Old', { env: ENV }), 'Pool', { cidr: RANGE, dedicatedIpPoolName: 'old' });
    v1.synth();
    seedDeployed(before, 'Old');
    ep.createPool('old');
    ep.provisionRange(RANGE, { pool: 'old' });
    // The app: Old gives the range up, New takes it.
    const after = path.join(root, 'after');
    const v2 = new App({ outdir: after });
    new Stack(v2, 'Old', { env: ENV });
    new ByoipSendingPool(new Stack(v2, 'New', { env: ENV }), 'Pool', { cidr: RANGE, dedicatedIpPoolName: 'new' });
    v2.synth();

    const both = await planJson('--app', after, '--stack', 'Old', '--stack', 'New');
    expect(both.result.pools.map((p) => [p.stack, p.pool, p.action, p.moves.length, p.blocked.length])).toEqual([
      ['Old', 'old', 'cleanup', 256, 0],
      ['New', 'new', 'create', 256, 0],
    ]);
    expect(both.result.pools[1].moves[0]).toMatchObject({ from: DEFAULT_POOL, to: 'new' });
    // SES is read once for both.
    expect(ep.calls.filter((c) => c.operation === 'GetDedicatedIps')).toHaveLength(3);
    expect(both.run.code).toBe(5);

    // Deployed alone, New would find the range in pool old.
    const alone = await planJson('--app', after);
    expect(alone.result.pools.map((p) => [p.stack, p.action, p.blocked.length])).toEqual([['New', 'create', 256]]);
    expect(alone.run.code).toBe(3);
  });

  test('a Stage\'s stack by its display name', async () => {
    const dir = path.join(root, 'staged');
    const app = new App({ outdir: dir });
    new ByoipSendingPool(new Stack(new Stage(app, 'Prod', { env: ENV }), 'Mail'), 'Pool', { cidr: RANGE, dedicatedIpPoolName: 'prod' });
    app.synth();
    const { result } = await planJson('--app', dir, '--stack', 'Prod/Mail');
    expect(result.stacks).toEqual([expect.objectContaining({ stack: 'Prod/Mail', stackName: 'Prod-Mail', deployed: false })]);
    expect(result.pools.map((p) => [p.stack, p.pool, p.moves.length])).toEqual([['Prod/Mail', 'prod', 256]]);
  });

  test('an app without pools: nothing to plan, no AWS call, exit 0', async () => {
    const dir = path.join(root, 'empty');
    const app = new App({ outdir: dir });
    new Stack(app, 'Web', { env: ENV });
    app.synth();
    ep.resetCalls();
    const { code, stdout } = await plan('--app', dir);
    expect(stdout).toBe(`No stack of the app in ${dir} holds a BYOIP pool (a ByoipSendingPool): nothing to plan. Name a stack with --stack to see the release of pools removed from it.\n`);
    expect(ep.calls).toEqual([]);
    expect(code).toBe(0);
  });
});

describe('cloudFormationRequests', () => {
  test('follows the DependsOn chain, not the order of the template\'s keys', () => {
    const app = split(['0/26'], ['64/26'], 'marketing first');
    const [stack] = readCloudAssembly(app.dir);
    const resources = stack.template.Resources as Record<string, unknown>;
    const reversed = { ...stack, template: { ...stack.template, Resources: Object.fromEntries(Object.entries(resources).reverse()) } };
    const order = (s: typeof stack) => cloudFormationRequests(s, undefined).requests.map((r) => [r.kind, r.logicalId.replace(/PoolAddresses\w+$/, '')]);
    expect(order(stack)).toEqual([['Create', 'Marketing'], ['Create', 'Transactional']]);
    expect(order(reversed)).toEqual(order(stack));
  });
});

describe('bad input and failures', () => {
  test.each([
    [['--app', '/nonexistent/cdk.out'], 'The directory "/nonexistent/cdk.out" does not exist: run cdk synth first, or pass --app <dir> with the directory that cdk synth writes (cdk.out unless its --output says otherwise).'],
    [['--yes'], '--yes answers the question of --apply: pass --apply too, or leave --yes out.'],
    [['--timeout', '0'], '--timeout "0" is not a number of seconds from 1 to 3600: e.g. --timeout 300 (default 120).'],
    [['--app', 'a', '--app', 'b'], '--app is given 2 times ("a", "b"): give it once.'],
    [['--stacks', 'Mail'], 'Unknown option \'--stacks\'. See ses-byoip --help.'],
  ])('%j: exit 2, one line', async (args, problem) => {
    const { code, stdout, stderr } = await plan(...args);
    expect(stderr).toBe(`ses-byoip: ${problem}\n`);
    expect(stdout).toBe('');
    expect(code).toBe(2);
  });

  test('without --app, reads cdk.out in the working directory', async () => {
    const { code, stderr } = await plan();
    expect(stderr).toMatch(/^ses-byoip: The directory "cdk.out" does not exist: run cdk synth first/);
    expect(code).toBe(2);
  });

  test('--timeout: a stalled SES endpoint ends with the one-line reason, exit 4', async () => {
    const app = synth((stack) => new ByoipSendingPool(stack, 'Pool', { cidr: RANGE, dedicatedIpPoolName: 'mail' }));
    ep.delayResponses(30_000);
    const started = Date.now();
    const { code, stderr } = await plan('--app', app.dir, '--timeout', '1');
    expect(stderr).toBe('ses-byoip: Gave up after 1 s (--timeout): SES did not answer in time in us-east-1 (a stalled connection or endpoint). Try again later, or pass a longer --timeout.\n');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(code).toBe(4);
  });

  test.each([
    ['GetTemplate', 'cloudformation:GetTemplate'],
    ['ListStackResources', 'cloudformation:ListStackResources'],
    ['DescribeStacks', 'cloudformation:DescribeStacks'],
  ] as const)('CloudFormation %s denied: one line naming the call and the permission, exit 4', async (operation, permission) => {
    const app = split(['0/26'], ['64/26']);
    await cfn.deploy(app.template);
    ep.failWhen((call) => (call.operation === operation ? { status: 403, errorType: 'AccessDenied', message: `User is not authorized to perform: ${permission}` } : undefined));
    const { code, stderr } = await plan('--app', app.dir);
    expect(stderr).toBe(`ses-byoip: CloudFormation ${operation} of stack Mail in us-east-1 failed: AccessDenied: User is not authorized to perform: ${permission}. ` +
      `The credentials need ${permission} on that stack.\n`);
    expect(code).toBe(4);
  });

  test('SES GetDedicatedIps denied: the permission, exit 4', async () => {
    const app = synth((stack) => new ByoipSendingPool(stack, 'Pool', { cidr: RANGE, dedicatedIpPoolName: 'mail' }));
    ep.failWhen((call) => (call.operation === 'GetDedicatedIps' ? { status: 403, errorType: 'AccessDeniedException', message: 'not authorized to perform ses:GetDedicatedIps' } : undefined));
    const { code, stderr } = await plan('--app', app.dir);
    expect(stderr).toBe('ses-byoip: SES GetDedicatedIps failed: AccessDeniedException: not authorized to perform ses:GetDedicatedIps. The credentials need ses:GetDedicatedIps in us-east-1.\n');
    expect(code).toBe(4);
  });

  test('--apply: PutDedicatedIpInPool denied names the permission, exit 4', async () => {
    const app = split(['0/26'], ['64/26']);
    await cfn.deploy(app.template);
    ep.provisionAddress(block('2'));
    ep.failWhen((call) => (call.operation === 'PutDedicatedIpInPool' ? { status: 403, errorType: 'AccessDeniedException', message: 'not authorized to perform ses:PutDedicatedIpInPool' } : undefined));
    const { code, stderr } = await plan('--app', app.dir, '--apply', '--yes');
    expect(stderr).toMatch(/^ses-byoip: SES PutDedicatedIpInPool 203\.0\.113\.2 into transactional failed: AccessDeniedException: .*\. The credentials need ses:PutDedicatedIpInPool on pool transactional, its sibling pools and ses-default-dedicated-pool in us-east-1; run ses-byoip plan again to see what is left\.$/m);
    expect(code).toBe(4);
  });

  test('--apply: a move refused after one made says "1 address was moved back before"', async () => {
    const app = split(['0/26'], ['64/26']);
    await cfn.deploy(app.template);
    ep.provisionAddress(block('2'));
    ep.provisionAddress(block('70'));
    ep.failWhen((call) => (call.operation === 'PutDedicatedIpInPool' && call.ip === block('70')
      ? { status: 403, errorType: 'AccessDeniedException', message: 'not authorized to perform ses:PutDedicatedIpInPool' } : undefined));
    const { code, stderr } = await plan('--app', app.dir, '--apply', '--yes');
    expect(stderr).toMatch(/ in us-east-1; 1 address was moved back before; run ses-byoip plan again to see what is left\.$/m);
    expect(code).toBe(4);
  });

  test('AWS unreachable: one line, exit 4', async () => {
    const app = synth((stack) => new ByoipSendingPool(stack, 'Pool', { cidr: RANGE, dedicatedIpPoolName: 'mail' }));
    const closed = await LocalSesEndpoint.start();
    const env = closed.clientEnv();
    await closed.stop();
    const { code, stderr } = await cli(['plan', '--app', app.dir, '--timeout', '20'], env);
    expect(stderr).toBe(`ses-byoip: STS GetCallerIdentity failed: nothing answers at ${closed.url} (connection refused). Is AWS_ENDPOINT_URL_STS (${closed.url}) right, and is that endpoint up?\n`);
    expect(code).toBe(4);
  });
});
