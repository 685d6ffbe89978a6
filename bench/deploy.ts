/**
 * The deploy path, measured against the local SES v2 endpoint's token bucket
 * (rate R): the real handler (onEvent, then isComplete until complete, as
 * the Provider framework calls them) beside a Terraform-style baseline (one
 * PutDedicatedIpInPool and one GetDedicatedIp per address, 10 in flight, the
 * SDK's default retries), on the same endpoint, in the same run.
 *
 * Whether SES counts the calls it refuses against its rate is not
 * documented, so the main scenarios run against both kinds of bucket: one
 * where a refused call is free, and one where it takes a token too (the
 * bucket goes into debt, and a client that retries too fast stays locked out).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GetDedicatedIpCommand, PutDedicatedIpInPoolCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { App, Stack } from 'aws-cdk-lib';
import { ByoipSendingPool } from '../src';
import { isComplete, onEvent } from '../src/handler/index';
import { ResourceEvent } from '../src/handler/lifecycle';
import { renderSiblingClaim } from '../src/handler/resource-properties';
import { ipv4ToNumber as ipNumber, rangeOf } from '../src/range/ipv4-cidr';
import { WarmupMode } from '../src/warmup-mode';
import { LocalSesEndpoint } from '../test/support/local-ses-endpoint';

/** What one run did. */
export interface DeployRun {
  readonly seconds: number;
  /** Successful calls, by operation. */
  readonly reads: number;
  readonly moves: number;
  readonly warmupWrites: number;
  readonly singleReads: number;
  /** Answers: 429s (bucket and storms) and injected 500s/resets. */
  readonly throttled: number;
  readonly faults: number;
  /** Addresses of the ranges that did not end in their pool. */
  readonly misplaced: number;
  /** Failures the run reported (a real deploy would fail on them). */
  readonly failures: number;
}

/** Whether a refused (throttled) call takes a token from the bucket. */
export type BucketKind = 'refusals free' | 'refusals charged';

/** A scenario: both implementations against the same kind of endpoint. */
export interface DeployResult {
  readonly name: string;
  readonly bucket: BucketKind;
  /** The floor: calls that cannot be avoided, divided by R. */
  readonly floorSeconds: number;
  readonly floorCalls: number;
  readonly ours: DeployRun;
  readonly baseline?: DeployRun;
}

export interface DeployOptions {
  /** Token bucket rate, requests per second (1 is SES's real rate). */
  readonly rate: number;
  /** Run the five-ranges and fault scenarios too. */
  readonly full: boolean;
}

const RANGES = ['203.0.113.0/24', '198.51.100.0/24', '192.0.2.0/24', '8.8.8.0/24', '8.8.9.0/24'];
const STACK_ID = 'arn:aws:cloudformation:us-east-1:111122223333:stack/Bench/1';
const PAGE = 100;

type Faults = (ep: LocalSesEndpoint) => void;

export async function benchDeploy(options: DeployOptions): Promise<DeployResult[]> {
  const { rate } = options;
  const results: DeployResult[] = [];
  const pages = (addresses: number) => Math.ceil(addresses / PAGE);
  // The floor: the writes, plus one paged read of the account per deployment
  // (each range is its own custom resource, which must read where its
  // addresses are; the account holds every range of the scenario).
  const floor = (ranges: number, writes = ranges * 256) => {
    const calls = writes + ranges * pages(ranges * 256);
    return { floorCalls: calls, floorSeconds: calls / rate };
  };
  const FREE: BucketKind = 'refusals free';
  const CHARGED: BucketKind = 'refusals charged';

  // One range, fresh: 256 moves and one paged read of the account (3 pages).
  for (const bucket of [FREE, CHARGED]) {
    results.push({ name: 'one range, fresh', bucket, ...floor(1), ...(await both(rate, bucket, [RANGES[0]], 'concurrent')) });
  }

  // The same range again: a no-op redeploy (CloudFormation sends an Update).
  results.push({ name: 'same range again (no-op update)', bucket: FREE, ...floor(1, 0), ours: await redeploy(rate) });

  // A split resized: the growing pool takes a /26 from its sibling, which
  // takes another /26 from the default pool: 128 moves, two deployments (one
  // per pool), each reading the account once.
  const resizeCalls = RESIZE_MOVES + 2 * pages(256);
  results.push({ name: RESIZE, bucket: FREE, floorCalls: resizeCalls, floorSeconds: resizeCalls / rate, ours: await resize(rate) });

  if (options.full) {
    for (const bucket of [FREE, CHARGED]) {
      results.push({ name: 'five ranges at once', bucket, ...floor(5), ...(await both(rate, bucket, RANGES, 'concurrent')) });
    }
    results.push({ name: 'five ranges, one after another (one stack)', bucket: FREE, ...floor(5), ours: (await both(rate, FREE, RANGES, 'sequential', undefined, false)).ours });
    for (const bucket of [FREE, CHARGED]) {
      results.push({ name: FIVE_STACKS, bucket, ...floor(5), ours: await fiveStacks(rate, bucket) });
    }
    const storm: Faults = (ep) => ep.throttleFor(Math.round(30_000 / rate));
    results.push({ name: 'one range, 429 storm', bucket: FREE, ...floor(1), ...(await both(rate, FREE, [RANGES[0]], 'concurrent', storm)) });
    const flaky: Faults = (ep) => ep.failRandomly({ probability: 0.05, status: 500, errorType: 'InternalFailure' });
    results.push({ name: 'one range, 5% transient 500s', bucket: FREE, ...floor(1), ...(await both(rate, FREE, [RANGES[0]], 'concurrent', flaky)) });
  }
  return results;
}

/** Runs the handler, then the baseline, each on a fresh endpoint seeded alike. */
async function both(rate: number, bucket: BucketKind, ranges: string[], mode: 'concurrent' | 'sequential', faults?: Faults, withBaseline = true) {
  const ours = await measure(rate, bucket, ranges, faults, (ep) => fillWithHandler(ep, ranges, mode));
  const baseline = withBaseline ? await measure(rate, bucket, ranges, faults, (ep) => fillLikeTerraform(ep, ranges)) : undefined;
  return { ours, baseline };
}

/** A fresh endpoint with the ranges provisioned in the default pool and their pools created. */
async function seeded(rate: number, bucket: BucketKind, ranges: string[]): Promise<LocalSesEndpoint> {
  const ep = await LocalSesEndpoint.start({ rate, burst: 1, seed: 42, throttledCallsConsumeTokens: bucket === 'refusals charged' });
  ep.setStackStatus(STACK_ID, 'UPDATE_IN_PROGRESS');
  ranges.forEach((cidr, i) => {
    ep.provisionRange(cidr);
    ep.createPool(`pool-${i}`);
  });
  return ep;
}

/** Fills a seeded endpoint with `fill` (which returns its failures) and sums up what happened. */
type Fill = (ep: LocalSesEndpoint) => Promise<number>;

async function measure(
  rate: number, bucket: BucketKind, ranges: string[], faults: Faults | undefined, fill: Fill,
  misplacedOf?: (ep: LocalSesEndpoint) => number,
): Promise<DeployRun> {
  const ep = await seeded(rate, bucket, ranges);
  const saved = { ...process.env };
  Object.assign(process.env, ep.clientEnv());
  try {
    faults?.(ep);
    const start = performance.now();
    const failures = await fill(ep);
    const seconds = (performance.now() - start) / 1000;
    const run = summarize(ep, ranges, seconds, failures);
    return misplacedOf ? { ...run, misplaced: misplacedOf(ep) } : run;
  } finally {
    process.env = saved;
    await ep.stop();
  }
}

function summarize(ep: LocalSesEndpoint, ranges: string[], seconds: number, failures: number): DeployRun {
  const counts = ep.countCalls();
  const ok = (op: keyof typeof counts.byOperation) => counts.byOperation[op]?.ok ?? 0;
  const misplaced = ranges.reduce((n, cidr, i) => n + rangeOf(cidr).addresses().filter((ip) => ep.poolOf(ip) !== `pool-${i}`).length, 0);
  return {
    seconds,
    reads: ok('GetDedicatedIps'),
    moves: ok('PutDedicatedIpInPool'),
    warmupWrites: ok('PutDedicatedIpWarmupAttributes'),
    singleReads: ok('GetDedicatedIp'),
    throttled: ep.calls.filter((c) => c.status === 429).length,
    faults: ep.calls.filter((c) => c.outcome === 'fault' && c.status !== 429).length,
    misplaced,
    failures,
  };
}

function request(type: ResourceEvent['RequestType'], cidr: string, i: number, old?: Record<string, unknown>): ResourceEvent {
  return {
    RequestType: type,
    StackId: STACK_ID,
    RequestId: `bench-${i}`,
    LogicalResourceId: `Pool${i}`,
    PhysicalResourceId: type === 'Create' ? undefined : `pool-${i}|${cidr}`,
    ResourceProperties: { Cidr: cidr, PoolName: `pool-${i}`, Warmup: WarmupMode.LEAVE_AS_IS, AdoptAddressesFromOtherPools: 'false' },
    OldResourceProperties: old,
  };
}

/** What the Provider framework does: onEvent, then isComplete until it is complete. */
async function runHandler(event: ResourceEvent): Promise<void> {
  const context = { getRemainingTimeInMillis: () => 600_000 };
  const started = await onEvent(event, context);
  const waiting = { ...event, ...started };
  while (!(await isComplete(waiting, context)).IsComplete) {
    // The framework would wait its query interval here; the bench does not.
  }
}

async function fillWithHandler(_ep: LocalSesEndpoint, ranges: string[], mode: 'concurrent' | 'sequential'): Promise<number> {
  const log = console.log;
  console.log = () => {};
  try {
    const runs = ranges.map((cidr, i) => () => runHandler(request('Create', cidr, i)));
    if (mode === 'sequential') {
      for (const run of runs) await run();
      return 0;
    }
    const outcomes = await Promise.allSettled(runs.map((run) => run()));
    return outcomes.filter((o) => o.status === 'rejected').length;
  } finally {
    console.log = log;
  }
}

async function redeploy(rate: number): Promise<DeployRun> {
  const ranges = [RANGES[0]];
  return measure(rate, 'refusals free', ranges, undefined, async (ep) => {
    // The range is already in its pool; the update changes only the adopt flag.
    for (const ip of rangeOf(RANGES[0]).addresses()) ep.provisionAddress(ip, { pool: 'pool-0' });
    ep.resetCalls();
    const log = console.log;
    console.log = () => {};
    try {
      await runHandler(request('Update', RANGES[0], 0, { ...request('Create', RANGES[0], 0).ResourceProperties, AdoptAddressesFromOtherPools: 'true' }));
    } finally {
      console.log = log;
    }
    return 0;
  });
}

/** The name of the scenario of five stacks deployed with --concurrency 5. */
export const FIVE_STACKS = 'five stacks of one app, cdk deploy --all --concurrency 5';

/**
 * An app of five stacks of one account and Region, each with one range,
 * synthesized for real: `cdk deploy --all --concurrency 5` deploys at once
 * every stack whose dependencies are deployed, so the stacks run in the
 * order the manifest's dependencies allow (which ByoipSendingPool chains
 * across the app), five at most at a time.
 */
async function fiveStacks(rate: number, bucket: BucketKind): Promise<DeployRun> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-five-stacks-'));
  try {
    const app = new App({ outdir });
    RANGES.forEach((cidr, i) => new ByoipSendingPool(new Stack(app, `Mail${i}`, { env: { account: '111122223333', region: 'us-east-1' } }), 'Pool', {
      cidr, dedicatedIpPoolName: `pool-${i}`,
    }));
    const assembly = app.synth();
    const waitsFor = new Map(assembly.stacks.map((stack) => [Number(stack.stackName.replace('Mail', '')),
      stack.dependencies.map((d) => d.id).filter((id) => id.startsWith('Mail')).map((id) => Number(id.replace('Mail', '')))]));
    return await measure(rate, bucket, RANGES, undefined, async () => {
      const log = console.log;
      console.log = () => {};
      try {
        const done = new Map<number, Promise<void>>();
        const deploy = (i: number): Promise<void> => {
          let running = done.get(i);
          if (!running) {
            running = Promise.all((waitsFor.get(i) ?? []).map(deploy)).then(() => runHandler(request('Create', RANGES[i], i)));
            done.set(i, running);
          }
          return running;
        };
        const outcomes = await Promise.allSettled(RANGES.map((_, i) => deploy(i)));
        return outcomes.filter((o) => o.status === 'rejected').length;
      } finally {
        console.log = log;
      }
    });
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The name of the resize scenario, and the addresses that change pool in it. */
export const RESIZE = 'split resized (a /26 moves between two pools)';
const RESIZE_MOVES = 128;

/**
 * One range split between pool-0 (.0/26) and pool-1 (.64/26) of one stack,
 * resized in one deploy: pool-0 grows to .0/25 (taking .64/26 from its
 * sibling), pool-1 moves to .128/26; CloudFormation updates pool-0 first.
 */
async function resize(rate: number): Promise<DeployRun> {
  const cidr = RANGES[0];
  const block = (suffix: string) => `${cidr.replace(/\.0\/24$/, '')}.${suffix}`;
  const props = (pool: string, own: string[], sibling: string, theirs: string[]) => ({
    Cidr: cidr,
    PoolName: pool,
    Warmup: WarmupMode.LEAVE_AS_IS,
    AdoptAddressesFromOtherPools: 'false',
    Addresses: own,
    SiblingClaims: [renderSiblingClaim({ poolName: sibling, addresses: theirs })],
  });
  const before = { t: [block('0/26')], m: [block('64/26')] };
  const after = { t: [block('0/25')], m: [block('128/26')] };
  const update = (i: number, old: Record<string, unknown>, next: Record<string, unknown>): ResourceEvent => ({
    RequestType: 'Update',
    StackId: STACK_ID,
    RequestId: `bench-resize-${i}`,
    LogicalResourceId: `Pool${i}`,
    PhysicalResourceId: `pool-${i}|${cidr}`,
    ResourceProperties: next,
    OldResourceProperties: old,
  });
  const run = await measure(rate, 'refusals free', [cidr], undefined, async (ep) => {
    ep.createPool('pool-1');
    for (const ip of rangeOf(before.t[0]).addresses()) ep.provisionAddress(ip, { pool: 'pool-0' });
    for (const ip of rangeOf(before.m[0]).addresses()) ep.provisionAddress(ip, { pool: 'pool-1' });
    ep.resetCalls();
    const log = console.log;
    console.log = () => {};
    try {
      await runHandler(update(0, props('pool-0', before.t, 'pool-1', before.m), props('pool-0', after.t, 'pool-1', after.m)));
      await runHandler(update(1, props('pool-1', before.m, 'pool-0', before.t), props('pool-1', after.m, 'pool-0', after.t)));
    } finally {
      console.log = log;
    }
    return 0;
  }, (ep) => {
    // Misplaced: an address of the range that is not where the new split puts it.
    const want = (ip: string) => (rangeOf(after.t[0]).contains(ipNumber(ip)) ? 'pool-0'
      : rangeOf(after.m[0]).contains(ipNumber(ip)) ? 'pool-1' : 'ses-default-dedicated-pool');
    return rangeOf(cidr).addresses().filter((ip) => ep.poolOf(ip) !== want(ip)).length;
  });
  return run;
}

/**
 * The Terraform aws_sesv2_dedicated_ip_assignment way: one resource per
 * address, each a PutDedicatedIpInPool then a GetDedicatedIp, 10 resources
 * in flight (Terraform's default parallelism), the SDK's default retries
 * (standard mode, 3 attempts). Returns how many resources failed.
 */
async function fillLikeTerraform(_ep: LocalSesEndpoint, ranges: string[]): Promise<number> {
  const client = new SESv2Client({});
  const work = ranges.flatMap((cidr, i) => rangeOf(cidr).addresses().map((ip) => ({ ip, pool: `pool-${i}` })));
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < work.length) {
      const { ip, pool } = work[next++];
      try {
        await client.send(new PutDedicatedIpInPoolCommand({ Ip: ip, DestinationPoolName: pool }));
        await client.send(new GetDedicatedIpCommand({ Ip: ip }));
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  client.destroy();
  return failures;
}
