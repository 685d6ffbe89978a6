/**
 * `npm run bench`: how close deploys come to SES's physical limit, and what
 * synthesis costs at scale. Prints tables and writes docs/benchmarks.md.
 *
 *   npm run bench                 # the full run (a few minutes), writes docs/benchmarks.md
 *   npm run bench -- --smoke      # tiny sizes, to check that it runs; writes nothing
 *   npm run bench -- --rate 5     # another token-bucket rate for the deploy path
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { benchBundles, BundleResult } from './bundle';
import { benchDeploy, BucketKind, DeployResult, DeployRun, FIVE_STACKS, RESIZE } from './deploy';
import { benchChecks, benchSynth, ChecksResult, SynthResult } from './synth';
import { Bucket, share } from '../test/support/simulated-ses';

/** Floor for a fresh fill on the default (refusals free) bucket, as a ratio of wall time. */
const FILL_TARGET = 1.1;
/** The pacer's target on both kinds of bucket, one range and five at once. */
const PACING_TARGET = 1.15;
/** CloudFormation's limit for one custom resource. */
const HOUR_SECONDS = 3600;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { smoke: { type: 'boolean' }, rate: { type: 'string' } } });
  const smoke = values.smoke ?? false;
  const rate = Number(values.rate ?? (smoke ? 200 : 20));
  const started = new Date();

  console.error(`deploy path at ${rate} requests/s...`);
  const deploy = await benchDeploy({ rate, full: !smoke });
  console.error('synthesis...');
  const synth = benchSynth(smoke ? [1, 2] : [1, 10, 100], smoke ? 1 : 3);
  console.error('checks...');
  const checks = benchChecks(smoke ? [10, 20] : [250, 500, 1000, 2000], smoke ? 1 : 3);
  console.error('bundles...');
  const bundles = benchBundles(smoke ? 2 : 10);
  console.error('projection to 1 request/s...');
  const projection = await project(smoke);

  const report = render({ rate, smoke, started, deploy, synth, checks, bundles, projection });
  process.stdout.write(report);
  if (!smoke) {
    const file = path.join(__dirname, '..', 'docs', 'benchmarks.md');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, report);
    console.error(`written to ${path.relative(process.cwd(), file)}`);
  }
}

/** The pacer on a virtual clock at SES's real rate: seconds for `callers` ranges at once. */
interface Projection {
  readonly callers: number;
  readonly bucket: BucketKind;
  readonly latencyMs: number;
  readonly seconds: number;
  readonly floorSeconds: number;
  readonly throttled: number;
}

/**
 * The deploy path at SES's real rate (1 request/s, burst 1), simulated: the
 * handler's AdaptivePacer on a virtual clock, 50 ms per call, 256 moves per
 * range plus the 3 pages of the first read. Instant, and deterministic.
 */
async function project(smoke: boolean): Promise<Projection[]> {
  const latencyMs = 50;
  const out: Projection[] = [];
  for (const callers of smoke ? [1] : [1, 2, 5]) {
    for (const bucket of ['refusals free', 'refusals charged'] as const) {
      const { seconds, throttled } = await share(callers, 259, new Bucket(1, 1, bucket === 'refusals charged'), latencyMs);
      out.push({ callers, bucket, latencyMs, seconds, floorSeconds: callers * 259, throttled });
    }
  }
  return out;
}

interface Results {
  readonly projection: Projection[];
  readonly rate: number;
  readonly smoke: boolean;
  readonly started: Date;
  readonly deploy: DeployResult[];
  readonly synth: SynthResult[];
  readonly checks: ChecksResult[];
  readonly bundles: BundleResult[];
}

function render(r: Results): string {
  const cpus = os.cpus();
  const lines: string[] = [
    '# Benchmarks',
    '',
    `Measured ${r.started.toISOString().slice(0, 16).replace('T', ' ')} UTC with \`npm run bench${r.smoke ? ' -- --smoke' : ''}\` ` +
      `on ${cpus.length} x ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
      `Node.js ${process.version}, ${os.platform()} ${os.arch()}. These machines are shared: times vary from run to run.`,
    '',
    '## Deploy path',
    '',
    'The real handler (onEvent, then isComplete until complete, as the Provider framework calls them, without its 10 s',
    'query interval) and a Terraform-style baseline (one PutDedicatedIpInPool and one GetDedicatedIp per address, 10 in',
    'flight, the SDK\'s default retries: what `aws_sesv2_dedicated_ip_assignment` does), each against the local SES v2',
    `endpoint with a token bucket of **${r.rate} requests/s** (burst 1; SES's real rate is 1/s), seeded alike.`,
    '',
    'Whether SES counts a refused (throttled) call against its rate is not documented, so the main scenarios run against',
    'both kinds of bucket: "refusals free" (the default) and "refusals charged" (a refused call takes a token too, and the',
    'bucket goes into debt, so a client that retries too fast stays locked out).',
    '',
    'The floor is the calls that cannot be avoided (the writes needed, plus one paged read of the account per range',
    'deployed: each range is its own custom resource, which must see where its addresses are) divided by the rate. Calls',
    'are successful calls by operation; the handler\'s reads are one by onEvent and one by isComplete of the whole account,',
    'and one of its pool after the moves (the read-back). Throttled counts 429 answers; "misplaced" counts addresses not in',
    'their pool at the end; "failed" counts ranges (handler) or address resources (baseline) that a deploy would report failed.',
    '',
    '| Scenario | Bucket | Implementation | Wall time | Floor | Ratio | Reads (pages / single) | Moves | Warm-up writes | Throttled | Faults | Misplaced | Failed |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const d of r.deploy) {
    const row = (label: string, run: DeployRun) =>
      `| ${d.name} | ${d.bucket} | ${label} | ${run.seconds.toFixed(1)} s | ${d.floorSeconds.toFixed(1)} s (${d.floorCalls} calls) | ` +
      `${(run.seconds / d.floorSeconds).toFixed(2)} | ${run.reads} / ${run.singleReads} | ${run.moves} | ${run.warmupWrites} | ` +
      `${run.throttled} | ${run.faults} | ${run.misplaced} | ${run.failures} |`;
    lines.push(row('cdk-ses-byoip', d.ours));
    if (d.baseline) {
      lines.push(row('Terraform-style', d.baseline));
    }
  }
  lines.push(
    '',
    'At SES\'s real rate of 1 request/s, simulated (the handler\'s own AdaptivePacer on a virtual clock, a token bucket',
    'of 1/s with burst 1, 50 ms per call, 259 calls per range), on both kinds of bucket: the same pacing, without waiting',
    '20 minutes per run.',
    '',
    '| Ranges at once | Bucket | Time | Floor | Ratio | Throttled answers |',
    '|---|---|---|---|---|---|',
    ...r.projection.map((p) =>
      `| ${p.callers} | ${p.bucket} | ${(p.seconds / 60).toFixed(1)} min | ${(p.floorSeconds / 60).toFixed(1)} min | ` +
      `${(p.seconds / p.floorSeconds).toFixed(2)} | ${p.throttled} |`),
    '',
    ...deployVerdicts(r),
    '',
  );

  lines.push(
    '## Synthesis',
    '',
    'An app of N stacks, each with one ByoipSendingPool, against the same app written with plain `ses.DedicatedIpPool` +',
    '`ses.ConfigurationSet` (no address filling, no checks): construction and `app.synth()` in a fresh process, median',
    'time and peak memory (RSS).',
    '',
    '| Stacks | cdk-ses-byoip | Plain aws-cdk-lib | Time ratio | Peak memory | Plain peak memory | Memory ratio |',
    '|---|---|---|---|---|---|---|',
    ...r.synth.map((s) =>
      `| ${s.stacks} | ${s.byoip.ms.toFixed(0)} ms | ${s.plain.ms.toFixed(0)} ms | ${(s.byoip.ms / s.plain.ms).toFixed(2)} | ` +
      `${s.byoip.maxRssMb.toFixed(0)} MB | ${s.plain.maxRssMb.toFixed(0)} MB | ${(s.byoip.maxRssMb / s.plain.maxRssMb).toFixed(2)} |`),
    '',
    'The two apps are not the same size: a stack with a ByoipSendingPool holds 19 CloudFormation resources (the pool and',
    'configuration set, and the custom resource with its provider: two Lambda functions, the Provider framework\'s three,',
    'its waiter state machine, roles, policies and log groups), against 2 for the plain one. Per resource, synthesis costs',
    'about the same; the provider is created once per stack, so more pools in a stack add little.',
    '',
    'The checks alone: N ByoipSendingPools in N/5 stacks, each stack its own account+Region, every pool validated',
    '(the whole-app analysis across stacks and Stages, then each pool\'s findings):',
    '',
    '| Ranges | Account+Region pairs | Checks time | Per range |',
    '|---|---|---|---|',
    ...r.checks.map((c) => `| ${c.ranges} | ${c.environments} | ${c.ms.toFixed(1)} ms | ${((c.ms * 1000) / c.ranges).toFixed(0)} µs |`),
    '',
    ...checksVerdict(r.checks),
    '',
    '## The handler\'s bundle',
    '',
    'Bundled with the AWS SDK by esbuild at build time. Cold import: `require()` in a fresh Node.js process, median.',
    '',
    '| Bundle | Size | Gzipped | Cold import |',
    '|---|---|---|---|',
    ...r.bundles.map((b) => `| ${b.name} | ${(b.bytes / 1024).toFixed(0)} KiB | ${(b.gzipBytes / 1024).toFixed(0)} KiB | ${b.coldImportMs.toFixed(0)} ms |`),
    '',
  );
  return `${lines.join('\n')}\n`;
}

function deployVerdicts(r: Results): string[] {
  const out: string[] = ['Against the targets:', ''];
  const find = (name: string, bucket: BucketKind = 'refusals free') => r.deploy.find((d) => d.name === name && d.bucket === bucket);
  const ratio = (d: DeployResult) => d.ours.seconds / d.floorSeconds;
  const verdict = (value: number, target: number) => `${value.toFixed(2)} x the floor (target ${target.toFixed(2)}): ${value <= target ? 'met' : 'missed'}`;
  const fresh = find('one range, fresh');
  if (fresh) {
    out.push(`- Fresh fill, refusals free: ${verdict(ratio(fresh), FILL_TARGET)}.`);
    if (fresh.baseline) {
      const b = fresh.baseline;
      out.push(b.failures > 0 || b.misplaced > 0
        ? `- The Terraform-style baseline did not finish the job: ${b.failures} of 256 address resources failed (the SDK's 3 attempts ` +
          `ran out under throttling) and ${b.misplaced} addresses were left outside the pool, after ${b.seconds.toFixed(1)} s ` +
          `(${(b.seconds / fresh.ours.seconds).toFixed(2)} x the handler's time); Terraform would need further applies.`
        : `- The Terraform-style baseline took ${(b.seconds / fresh.ours.seconds).toFixed(2)} x as long as the handler.`);
    }
  }
  for (const name of ['one range, fresh', 'five ranges at once']) {
    for (const bucket of ['refusals free', 'refusals charged'] as const) {
      const measured = find(name, bucket);
      if (measured) {
        out.push(`- ${name[0].toUpperCase()}${name.slice(1)}, ${bucket}, at ${r.rate} requests/s: ${verdict(ratio(measured), PACING_TARGET)}.`);
      }
    }
  }
  for (const callers of [1, 5]) {
    for (const p of r.projection.filter((x) => x.callers === callers)) {
      out.push(`- Simulated at SES's 1 request/s, ${callers === 1 ? 'one range' : `${callers} ranges at once`}, ${p.bucket}: ` +
        `${verdict(p.seconds / p.floorSeconds, PACING_TARGET)}; ${(p.seconds / 60).toFixed(0)} minutes for the last range` +
        (callers > 1 ? `, against CloudFormation's ${HOUR_SECONDS / 60} (and the handler's own 45-minute limit)` : '') + '.');
    }
  }
  const again = find('same range again (no-op update)');
  if (again) {
    const writes = again.ours.moves + again.ours.warmupWrites;
    out.push(`- No-op redeploy: ${writes} writes and ${again.ours.reads} reads (target: no write): ${writes === 0 ? 'met' : 'missed'}. ` +
      'The reads are two reads of the account, one by onEvent (the checks before any write) and one by isComplete (which keeps no state but SES\'s); ' +
      'with nothing moved, no read-back is needed.');
  }
  const resized = find(RESIZE);
  if (resized) {
    out.push('- Resizing a split (a /26 moves from one pool to its sibling, another /26 joins from the default pool): ' +
      `${resized.ours.moves} moves for the 128 addresses that change pool, ${ratio(resized).toFixed(2)} x the floor; ` +
      `${resized.ours.misplaced === 0 ? 'every address ends where the new split puts it' : `${resized.ours.misplaced} addresses misplaced`}.`);
  }
  const sequential = find('five ranges, one after another (one stack)');
  if (sequential) {
    out.push(`- Five ranges of one stack, filled one after another as ByoipSendingPool does: ${ratio(sequential).toFixed(2)} x the floor; ` +
      `at 1 request/s, about ${((ratio(sequential) * sequential.floorCalls) / 5 / 60).toFixed(1)} minutes per range, each within its own hour.`);
  }
  for (const bucket of ['refusals free', 'refusals charged'] as const) {
    const stacks = find(FIVE_STACKS, bucket);
    if (stacks) {
      out.push(`- Five stacks of one app, deployed with --concurrency 5, ${bucket}: ${verdict(ratio(stacks), PACING_TARGET)}. ` +
        'ByoipSendingPool makes the stacks that fill pools in one account and Region depend on each other, so CDK deploys them one after another.');
    }
  }
  const failedRuns = r.deploy.filter((d) => d.ours.failures > 0 || d.ours.misplaced > 0);
  out.push(`- Runs of the handler that failed or left an address misplaced: ${failedRuns.length === 0 ? 'none' : failedRuns.map((d) => `${d.name} (${d.bucket})`).join(', ')}` +
    ' (target: no run fails on throttling).');
  const baselineFailures = r.deploy.filter((d) => d.baseline && (d.baseline.failures > 0 || d.baseline.misplaced > 0));
  if (baselineFailures.length > 0) {
    out.push(`- The baseline failed address resources in: ${baselineFailures.map((d) => `${d.name}, ${d.bucket} (${d.baseline!.failures})`).join('; ')}.`);
  }
  return out;
}

function checksVerdict(checks: ChecksResult[]): string[] {
  if (checks.length < 2) return [];
  const first = checks[0];
  const last = checks[checks.length - 1];
  const growth = last.ms / first.ms;
  const size = last.ranges / first.ranges;
  return [`From ${first.ranges} to ${last.ranges} ranges (x${size}), the checks took x${growth.toFixed(1)} as long: ` +
    `${growth <= size * 1.5 ? 'linear' : 'faster than linear'} growth.`];
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
