import { Stage } from 'aws-cdk-lib';

/** The account and Region of the test stacks. */
export const ENV = { account: '111111111111', region: 'us-east-1' };

/** The message of the error that synthesizing `app` throws; fails the test if it does not throw. */
export function synthError(app: Stage): string {
  try {
    app.synth();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected synthesis to fail, but it succeeded');
}

/**
 * The `[construct path] [rule ID]` pairs that a synthesis error lists, in order,
 * whether CDK or the checks wrote the path (the checks do for violations of
 * other Stages).
 */
export function violations(message: string): string[] {
  return [...message.matchAll(/\[([^\]\s]+)\] \[(SesByoip-[A-Za-z]+)\]/g)].map((m) => `${m[1]} ${m[2]}`);
}

/** `n` distinct public /24 ranges: 8.8.<from>.0/24, 8.8.<from+1>.0/24 ... */
export function ranges(n: number, from = 1): string[] {
  return Array.from({ length: n }, (_, i) => `8.8.${from + i}.0/24`);
}
