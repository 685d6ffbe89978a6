import { spawnSync } from 'child_process';
import * as path from 'path';

// A ceiling for a slow machine, not a timing assertion.
jest.setTimeout(120_000);

/**
 * The README's main command, `npm run example`, run for real: the AWS CDK CLI
 * synthesizes examples/app.ts, without AWS credentials or network.
 */
function runExample(...args: string[]) {
  const result = spawnSync('npm', ['run', '--silent', 'example', '--', ...args], {
    cwd: path.join(__dirname, '..'),
    encoding: 'utf-8',
    env: { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' },
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe('npm run example', () => {
  test('synthesizes the example app with the documentation range', () => {
    const { status, output } = runExample();
    expect(output).toContain('AWS::SES::DedicatedIpPool');
    expect(output).toContain('ScalingMode: STANDARD');
    expect(output).toContain('SendingPoolName:');
    expect(output).not.toContain('SesByoip-DocumentationRange'); // acknowledged by the example
    expect(status).toBe(0);
  });

  test('fails with the rule message for a private range given as context', () => {
    const { status, output } = runExample('-c', 'cidr=10.0.0.0/24');
    expect(output).toContain('[ByoipExample/Sending] [SesByoip-NotPublic] cidr "10.0.0.0/24" is inside 10.0.0.0/8');
    expect(status).not.toBe(0);
  });
});
