/**
 * One synthesis measurement, run in a child process of its own so that its
 * peak memory is its own: `synth-app.ts <byoip|plain|checks> <n>`.
 *
 * - byoip: an app of n stacks, each with one ByoipSendingPool, synthesized;
 * - plain: the same app with ses.DedicatedIpPool + ses.ConfigurationSet;
 * - checks: n ByoipSendingPools in n/5 stacks (one account+Region each),
 *   and the time of the synthesis checks alone (every pool validated).
 *
 * Prints one JSON line: { ms, maxRssMb }.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as ses from 'aws-cdk-lib/aws-ses';
import { ByoipChecks, ByoipSendingPool } from '../src';

const [kind, count] = [process.argv[2], Number(process.argv[3])];

/** The n-th distinct public /24: 8.<a>.<b>.0/24. */
function cidr(n: number): string {
  return `8.${16 + Math.floor(n / 256)}.${n % 256}.0/24`;
}

function envOf(n: number) {
  return { account: String(100000000000 + n), region: 'us-east-1' };
}

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ses-byoip-bench-'));
const start = performance.now();
let ms: number;
if (kind === 'checks') {
  const app = new App({ outdir });
  const pools: ByoipSendingPool[] = [];
  for (let s = 0; s < count / 5; s++) {
    const stack = new Stack(app, `S${s}`, { env: envOf(s) });
    for (let p = 0; p < 5; p++) {
      pools.push(new ByoipSendingPool(stack, `P${p}`, { cidr: cidr(s * 5 + p) }));
    }
  }
  const checks = new ByoipChecks();
  pools.forEach((pool) => checks.visit(pool));
  const checkStart = performance.now();
  const errors = pools.flatMap((pool) => pool.node.validate());
  ms = performance.now() - checkStart;
  if (errors.length > 0) throw new Error(errors[0]);
} else {
  const app = new App({ outdir });
  for (let s = 0; s < count; s++) {
    const stack = new Stack(app, `S${s}`, { env: envOf(s) });
    if (kind === 'byoip') {
      new ByoipSendingPool(stack, 'Sending', { cidr: cidr(s) });
    } else {
      const pool = new ses.DedicatedIpPool(stack, 'Pool', { scalingMode: ses.ScalingMode.STANDARD });
      new ses.ConfigurationSet(stack, 'ConfigurationSet', { dedicatedIpPool: pool, reputationMetrics: true });
    }
  }
  app.synth();
  ms = performance.now() - start;
}
fs.rmSync(outdir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
