/** The deploy-time handler's bundle: its size, and how long Node.js takes to load it cold. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

export interface BundleResult {
  readonly name: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Median of fresh processes, ms. */
  readonly coldImportMs: number;
}

const ROOT = path.join(__dirname, '..');
const BUNDLES = [
  ['handler (assets/handler/index/index.js)', 'assets/handler/index/index.js'],
  ['CLI (assets/cli/main/index.js)', 'assets/cli/main/index.js'],
];

export function benchBundles(repeat: number): BundleResult[] {
  return BUNDLES.map(([name, file]) => {
    const full = path.join(ROOT, file);
    const content = fs.readFileSync(full);
    const times: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const script = `const t = process.hrtime.bigint(); require(${JSON.stringify(full)}); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;
      times.push(Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'ignore'] })));
    }
    times.sort((a, b) => a - b);
    return { name, bytes: content.length, gzipBytes: zlib.gzipSync(content).length, coldImportMs: times[Math.floor(times.length / 2)] };
  });
}
