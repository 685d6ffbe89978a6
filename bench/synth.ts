/**
 * Synthesis at scale, each measurement in a fresh Node.js process: the
 * library against the same app written with plain aws-cdk-lib constructs,
 * and the synthesis checks alone as the number of ranges grows.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';

export interface SynthResult {
  readonly stacks: number;
  readonly byoip: Measurement;
  readonly plain: Measurement;
}

export interface ChecksResult {
  readonly ranges: number;
  readonly environments: number;
  readonly ms: number;
}

export interface Measurement {
  readonly ms: number;
  readonly maxRssMb: number;
}

const SCRIPT = path.join(__dirname, 'synth-app.ts');

/** Runs one measurement `repeat` times, keeping the median time. */
function run(kind: string, n: number, repeat: number): Measurement {
  const runs: Measurement[] = [];
  for (let i = 0; i < repeat; i++) {
    const out = execFileSync(process.execPath, [require.resolve('ts-node/dist/bin'), '-T', SCRIPT, kind, String(n)], {
      encoding: 'utf-8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 2 ** 20,
    });
    runs.push(JSON.parse(out.trim().split('\n').pop()!));
  }
  runs.sort((a, b) => a.ms - b.ms);
  return runs[Math.floor(runs.length / 2)];
}

export function benchSynth(stackCounts: number[], repeat: number): SynthResult[] {
  return stackCounts.map((stacks) => ({ stacks, byoip: run('byoip', stacks, repeat), plain: run('plain', stacks, repeat) }));
}

export function benchChecks(rangeCounts: number[], repeat: number): ChecksResult[] {
  return rangeCounts.map((ranges) => ({ ranges, environments: ranges / 5, ms: run('checks', ranges, repeat).ms }));
}
