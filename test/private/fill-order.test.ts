import { Annotations, App, CfnOutput, Stack, Stage } from 'aws-cdk-lib';
import { ByoipSendingPool } from '../../src';
import { CONCURRENT_FILLS } from '../../src/private/fill-order';

const ENV = { account: '111122223333', region: 'us-east-1' };

/** The stack dependencies of the synthesized assembly (of `stage`, or of the App), by stack name. */
function dependencies(app: App, stage?: Stage): Record<string, string[]> {
  const assembly = app.synth();
  const stacks = stage ? assembly.getNestedAssembly(stage.artifactId).stacks : assembly.stacks;
  return Object.fromEntries(stacks.map((s) => [s.stackName, s.dependencies.map((d) => d.id).filter((id) => !id.endsWith('.assets')).sort()]));
}

function pool(stack: Stack, third: number): ByoipSendingPool {
  return new ByoipSendingPool(stack, 'Pool', { cidr: `8.8.${third}.0/24` });
}

test('the stacks of one account and Region that fill pools deploy one after another, in the order of their paths', () => {
  const app = new App();
  const stacks = ['C', 'A', 'B'].map((name) => new Stack(app, name, { env: ENV }));
  stacks.forEach((stack, i) => pool(stack, i));
  expect(dependencies(app)).toEqual({ A: [], B: ['A'], C: ['B'] });
});

test('the order agrees with the stacks\' own dependencies, references included', () => {
  const app = new App();
  const [a, b, c] = ['A', 'B', 'C'].map((name) => new Stack(app, name, { env: ENV }));
  const pools = [a, b, c].map((stack, i) => pool(stack, i));
  // A refers to C's pool (an output with its name): CDK makes A deploy after C.
  new CfnOutput(a, 'PoolOfC', { value: pools[2].dedicatedIpPoolName });
  const deps = dependencies(app);
  expect(deps).toEqual({ B: [], C: ['B'], A: ['C'] });
});

test('stacks of other accounts or Regions, and stacks without pools, are left alone', () => {
  const app = new App();
  pool(new Stack(app, 'East', { env: ENV }), 1);
  pool(new Stack(app, 'West', { env: { ...ENV, region: 'us-west-2' } }), 2);
  new Stack(app, 'Plain', { env: ENV });
  expect(dependencies(app)).toEqual({ East: [], West: [], Plain: [] });
});

test('pools of one account and Region in two Stages cannot be chained: each Stage\'s stack is warned, acknowledgeably', () => {
  const app = new App();
  const one = new Stage(app, 'One');
  const two = new Stage(app, 'Two');
  pool(new Stack(one, 'Mail', { env: ENV }), 1);
  const second = new Stack(two, 'Mail', { env: ENV });
  pool(second, 2);
  const assembly = app.synth();
  const warnings = (stage: Stage) => assembly.getNestedAssembly(stage.artifactId).stacks
    .flatMap((s) => s.findMetadataByType('aws:cdk:warning'))
    .map((m) => String(m.data))
    .filter((data) => data.includes(CONCURRENT_FILLS));
  expect(warnings(one)).toEqual([expect.stringContaining('and so does Two/Mail in another Stage')]);
  expect(warnings(two)).toEqual([expect.stringContaining('and so does One/Mail in another Stage')]);

  // Acknowledged (as the message says), it is gone.
  const acknowledged = new App();
  const three = new Stage(acknowledged, 'Three');
  const four = new Stage(acknowledged, 'Four');
  [three, four].forEach((stage, i) => {
    const stack = new Stack(stage, 'Mail', { env: ENV });
    pool(stack, i);
    Annotations.of(stack).acknowledgeWarning(CONCURRENT_FILLS, 'deployed one Stage after the other');
  });
  const quiet = acknowledged.synth();
  expect([three, four].flatMap((stage) => quiet.getNestedAssembly(stage.artifactId).stacks.flatMap((s) => s.findMetadataByType('aws:cdk:warning')))
    .filter((m) => String(m.data).includes(CONCURRENT_FILLS))).toEqual([]);
});
