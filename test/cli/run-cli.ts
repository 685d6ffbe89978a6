import { execFile } from 'child_process';
import * as path from 'path';

/** The bundled CLI, as the npm package ships it (`npx projen bundle` builds it). */
export const CLI = path.join(__dirname, '..', '..', 'assets', 'cli', 'main', 'index.js');

/** What a run of the CLI gave. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the bundled CLI, as `npx ses-byoip` would, with `env` on top of a clean AWS environment. */
export function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && k !== 'SES_BYOIP_DEBUG'));
  return new Promise((resolve) => {
    execFile('node', [CLI, ...args], { env: { ...clean, AWS_EC2_METADATA_DISABLED: 'true', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}
