import { App, Aspects, CfnParameter, Fn, NestedStack, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { ENV, synthError, violations } from './helpers';
import { ByoipChecks, ByoipSendingPool } from '../src';

const EAST = ENV;
const WEST = { account: '111111111111', region: 'us-west-2' };
const OTHER_ACCOUNT = { account: '222222222222', region: 'us-east-1' };

/** n distinct public /24 ranges, 8.8.<from>.0/24 onwards. */
const ranges = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `8.8.${from + i}.0/24`);

function addPools(scope: Construct, cidrs: string[], prefix = 'Pool'): void {
  cidrs.forEach((cidr, i) => new ByoipSendingPool(scope, `${prefix}${i + 1}`, { cidr }));
}

describe('each rule, through app.synth()', () => {
  test('a valid app synthesizes', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    addPools(stack, ranges(5));
    expect(() => app.synth()).not.toThrow();
  });

  test.each([
    ['SesByoip-InvalidCidr', '8.8.8.0'],
    ['SesByoip-InvalidCidr', '8.8.08.0/24'],
    ['SesByoip-PrefixLength', '8.8.8.0/25'],
    ['SesByoip-HostBits', '8.8.8.1/24'],
    ['SesByoip-NotPublic', '192.168.1.0/24'],
  ])('%s fails synthesis for %s, alone', (rule, cidr) => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    new ByoipSendingPool(stack, 'Sending', { cidr });
    const message = synthError(app);
    expect(violations(message)).toEqual([`Mail/Sending ${rule}`]);
    expect(message).toContain(JSON.stringify(cidr));
    expect(message).toMatch(/ Allowed: .+ Fix: /);
  });

  test('SesByoip-UnresolvedCidr: a CloudFormation parameter, alone', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    const cidr = new CfnParameter(stack, 'Cidr', { default: '8.8.8.0/24' });
    new ByoipSendingPool(stack, 'Sending', { cidr: cidr.valueAsString });
    expect(violations(synthError(app))).toEqual(['Mail/Sending SesByoip-UnresolvedCidr']);
  });

  test('SesByoip-UnresolvedCidr: an import, alone', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    new ByoipSendingPool(stack, 'Sending', { cidr: Fn.importValue('ByoipRange') });
    expect(violations(synthError(app))).toEqual(['Mail/Sending SesByoip-UnresolvedCidr']);
  });

  test('SesByoip-UnresolvedEnvironment: an environment-agnostic stack', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail');
    new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    const message = synthError(app);
    expect(violations(message)).toEqual(['Mail/Sending SesByoip-UnresolvedEnvironment']);
    expect(message).toContain('its account and Region are not known');
  });

  test('SesByoip-UnresolvedEnvironment: a stack with an account but no Region', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: { account: '111111111111' } });
    new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    const message = synthError(app);
    expect(violations(message)).toEqual(['Mail/Sending SesByoip-UnresolvedEnvironment']);
    expect(message).toContain('its Region is not known');
  });

  test('a nested stack inherits the environment of its parent', () => {
    const app = new App();
    const nested = new NestedStack(new Stack(app, 'Mail', { env: EAST }), 'Nested');
    new ByoipSendingPool(nested, 'Sending', { cidr: '8.8.8.0/24' });
    new ByoipSendingPool(nested, 'Again', { cidr: '8.8.8.0/24' });
    expect(violations(synthError(app))).toEqual([
      'Mail/Nested/Sending SesByoip-DuplicateRange',
      'Mail/Nested/Again SesByoip-DuplicateRange',
    ]);
  });

  test('SesByoip-ReservedPoolName: the name of an SES pool', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    new ByoipSendingPool(stack, 'A', { cidr: '8.8.8.0/24', dedicatedIpPoolName: 'ses-default-dedicated-pool' });
    new ByoipSendingPool(stack, 'B', { cidr: '8.8.9.0/24', dedicatedIpPoolName: 'ses-shared-pool' });
    new ByoipSendingPool(stack, 'C', { cidr: '8.8.10.0/24', dedicatedIpPoolName: 'ses-shared-pool-2' });
    expect(violations(synthError(app))).toEqual(['Mail/A SesByoip-ReservedPoolName', 'Mail/B SesByoip-ReservedPoolName']);
  });

  test('SesByoip-ReservedPoolName: a name set through an override', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    (sending.dedicatedIpPool.node.defaultChild as ses.CfnDedicatedIpPool).addPropertyOverride('PoolName', 'ses-shared-pool');
    expect(violations(synthError(app))).toEqual(['Mail/Sending SesByoip-ReservedPoolName']);
  });

  test('SesByoip-ManagedScaling: the L1 property changed through an escape hatch', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    (sending.dedicatedIpPool.node.defaultChild as ses.CfnDedicatedIpPool).scalingMode = 'MANAGED';
    const message = synthError(app);
    expect(violations(message)).toEqual(['Mail/Sending SesByoip-ManagedScaling']);
    expect(message).toContain('ScalingMode "MANAGED"');
  });

  test('SesByoip-ManagedScaling: a raw property override', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    (sending.dedicatedIpPool.node.defaultChild as ses.CfnDedicatedIpPool).addOverride('Properties.ScalingMode', 'MANAGED');
    expect(violations(synthError(app))).toEqual(['Mail/Sending SesByoip-ManagedScaling']);
  });

  test('SesByoip-DuplicateRange: the same range twice in one stack, reported on both', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    addPools(stack, ['8.8.8.0/24', '8.8.8.0/24']);
    const message = synthError(app);
    expect(violations(message)).toEqual(['Mail/Pool1 SesByoip-DuplicateRange', 'Mail/Pool2 SesByoip-DuplicateRange']);
    expect(message).toContain('(also by Mail/Pool2)');
  });

  test('SesByoip-DuplicateRange: across two stacks of one account and Region', () => {
    const app = new App();
    addPools(new Stack(app, 'A', { env: EAST }), ['8.8.8.0/24']);
    addPools(new Stack(app, 'B', { env: EAST }), ['8.8.8.0/24']);
    expect(violations(synthError(app))).toEqual(['A/Pool1 SesByoip-DuplicateRange', 'B/Pool1 SesByoip-DuplicateRange']);
  });

  test('SesByoip-MultiRegion, not DuplicateRange: the same range in two Regions', () => {
    const app = new App();
    addPools(new Stack(app, 'East', { env: EAST }), ['8.8.8.0/24']);
    addPools(new Stack(app, 'West', { env: WEST }), ['8.8.8.0/24']);
    expect(violations(synthError(app))).toEqual(['East/Pool1 SesByoip-MultiRegion', 'West/Pool1 SesByoip-MultiRegion']);
  });

  test('SesByoip-MultiRegion: the same range in two accounts', () => {
    const app = new App();
    addPools(new Stack(app, 'Mine', { env: EAST }), ['8.8.8.0/24']);
    addPools(new Stack(app, 'Theirs', { env: OTHER_ACCOUNT }), ['8.8.8.0/24']);
    expect(violations(synthError(app))).toEqual(['Mine/Pool1 SesByoip-MultiRegion', 'Theirs/Pool1 SesByoip-MultiRegion']);
  });

  test('a multi-Region, multi-account app with distinct ranges synthesizes', () => {
    const app = new App();
    addPools(new Stack(app, 'East', { env: EAST }), ranges(5, 1));
    addPools(new Stack(app, 'West', { env: WEST }), ranges(5, 10));
    addPools(new Stack(app, 'Other', { env: OTHER_ACCOUNT }), ranges(5, 20));
    expect(() => app.synth()).not.toThrow();
  });

  test('SesByoip-RegionalQuota: a sixth range in one stack', () => {
    const app = new App();
    addPools(new Stack(app, 'Mail', { env: EAST }), ranges(6));
    const message = synthError(app);
    expect(violations(message)).toEqual(['Mail/Pool6 SesByoip-RegionalQuota']);
    expect(message).toContain('more than its quota of 5; range 8.8.6.0/24 is number 6');
  });

  test('SesByoip-RegionalQuota: counted across stacks', () => {
    const app = new App();
    addPools(new Stack(app, 'A', { env: EAST }), ranges(3, 1));
    addPools(new Stack(app, 'B', { env: EAST }), ranges(3, 10));
    addPools(new Stack(app, 'West', { env: WEST }), ranges(5, 20));
    expect(violations(synthError(app))).toEqual(['B/Pool3 SesByoip-RegionalQuota']);
  });

  test('duplicates do not count twice toward the quota', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    addPools(stack, [...ranges(5), '8.8.5.0/24']);
    expect(violations(synthError(app))).toEqual(['Mail/Pool5 SesByoip-DuplicateRange', 'Mail/Pool6 SesByoip-DuplicateRange']);
  });

  test('rejected ranges do not count toward the quota', () => {
    const app = new App();
    addPools(new Stack(app, 'Mail', { env: EAST }), [...ranges(5), '10.0.0.0/24']);
    expect(violations(synthError(app))).toEqual(['Mail/Pool6 SesByoip-NotPublic']);
  });
});

describe('one error lists every violation', () => {
  test('across stacks, in construct-tree order, after construction succeeded', () => {
    const app = new App();
    const a = new Stack(app, 'A', { env: EAST });
    const b = new Stack(app, 'B', { env: WEST });
    new ByoipSendingPool(a, 'Private', { cidr: '10.1.0.0/24' });
    new ByoipSendingPool(a, 'Good', { cidr: '8.8.8.0/24' });
    new ByoipSendingPool(b, 'Short', { cidr: '8.8.9.0/26' });
    new ByoipSendingPool(b, 'Typo', { cidr: '8.8.10.0 /24' });
    expect(violations(synthError(app))).toEqual([
      'A/Private SesByoip-NotPublic',
      'B/Short SesByoip-PrefixLength',
      'B/Typo SesByoip-InvalidCidr',
    ]);
  });

  test('a pool with several independent problems reports each once', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail');
    const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.1/24', dedicatedIpPoolName: 'ses-shared-pool' });
    (sending.dedicatedIpPool.node.defaultChild as ses.CfnDedicatedIpPool).scalingMode = 'MANAGED';
    expect(violations(synthError(app))).toEqual([
      'Mail/Sending SesByoip-HostBits',
      'Mail/Sending SesByoip-UnresolvedEnvironment',
      'Mail/Sending SesByoip-ManagedScaling',
      'Mail/Sending SesByoip-ReservedPoolName',
    ]);
  });

  test('across Stages: violations in nested Stages and at the root in a single error', () => {
    const app = new App();
    addPools(new Stack(app, 'Root', { env: EAST }), ['10.0.0.0/24']);
    const beta = new Stage(app, 'Beta');
    addPools(new Stack(beta, 'Mail', { env: EAST }), ['8.8.8.1/24']);
    const prod = new Stage(app, 'Prod');
    const inner = new Stage(prod, 'Inner');
    addPools(new Stack(inner, 'Mail', { env: EAST }), ['8.8.8.0/20']);
    addPools(new Stack(prod, 'Mail', { env: EAST }), ['172.16.0.0/24']);

    const message = synthError(app);
    expect(violations(message).sort()).toEqual(
      [
        'Root/Pool1 SesByoip-NotPublic',
        'Beta/Mail/Pool1 SesByoip-HostBits',
        'Prod/Inner/Mail/Pool1 SesByoip-PrefixLength',
        'Prod/Mail/Pool1 SesByoip-NotPublic',
      ].sort(),
    );
    expect(message).toContain('3 more BYOIP errors in this app outside Stage Beta');
  });

  test('synthesizing only one Stage still reports the rest of the app', () => {
    const app = new App();
    addPools(new Stack(app, 'Root', { env: EAST }), ['10.0.0.0/24']);
    const beta = new Stage(app, 'Beta');
    const stack = new Stack(beta, 'Mail', { env: EAST });
    addPools(stack, ['8.8.8.1/24']);
    expect(violations(synthError(beta))).toEqual(['Beta/Mail/Pool1 SesByoip-HostBits', 'Root/Pool1 SesByoip-NotPublic']);
    expect(() => Template.fromStack(stack)).toThrow(/SesByoip-HostBits/);
  });

  test('a Stage without violations synthesizes on its own even if another part of the app fails', () => {
    const app = new App();
    addPools(new Stack(app, 'Root', { env: EAST }), ['10.0.0.0/24']);
    const beta = new Stage(app, 'Beta');
    const stack = new Stack(beta, 'Mail', { env: EAST });
    addPools(stack, ['8.8.8.0/24']);
    expect(() => Template.fromStack(stack)).not.toThrow();
    expect(violations(synthError(app))).toEqual(['Root/Pool1 SesByoip-NotPublic']);
  });

  test('a second synthesis reports the same violations again', () => {
    const app = new App();
    addPools(new Stack(app, 'Mail', { env: EAST }), ['8.8.8.1/24', '10.0.0.0/24']);
    const first = synthError(app);
    expect(synthError(app)).toBe(first);
  });
});

describe('Stages count like any other scope', () => {
  test('the quota counts ranges in Stages and at the root together', () => {
    const app = new App();
    addPools(new Stack(app, 'Root', { env: EAST }), ranges(3, 1));
    const stage = new Stage(app, 'Prod');
    addPools(new Stack(stage, 'Mail', { env: EAST }), ranges(3, 10));
    const message = synthError(app);
    expect(violations(message)).toEqual(['Prod/Mail/Pool3 SesByoip-RegionalQuota']);
  });

  test('the same range in a Stage and at the root is a duplicate', () => {
    const app = new App();
    addPools(new Stack(app, 'Root', { env: EAST }), ['8.8.8.0/24']);
    addPools(new Stack(new Stage(app, 'Prod'), 'Mail', { env: EAST }), ['8.8.8.0/24']);
    expect(violations(synthError(app))).toEqual([
      'Prod/Mail/Pool1 SesByoip-DuplicateRange',
      'Root/Pool1 SesByoip-DuplicateRange',
    ]);
  });

  test('a range in a Stage with its own env and one at the root in another Region is MultiRegion', () => {
    const app = new App();
    addPools(new Stack(app, 'Root', { env: EAST }), ['8.8.8.0/24']);
    addPools(new Stack(new Stage(app, 'Prod', { env: WEST }), 'Mail'), ['8.8.8.0/24']);
    expect(violations(synthError(app))).toEqual(['Prod/Mail/Pool1 SesByoip-MultiRegion', 'Root/Pool1 SesByoip-MultiRegion']);
  });
});

describe('an explicit ByoipChecks replaces the default', () => {
  test('a raised quota allows more ranges', () => {
    const app = new App();
    addPools(new Stack(app, 'Mail', { env: EAST }), ranges(8));
    Aspects.of(app).add(new ByoipChecks({ maxRangesPerRegion: 8 }));
    expect(() => app.synth()).not.toThrow();
  });

  test('the raised quota is still enforced', () => {
    const app = new App();
    addPools(new Stack(app, 'Mail', { env: EAST }), ranges(9));
    Aspects.of(app).add(new ByoipChecks({ maxRangesPerRegion: 8 }));
    const message = synthError(app);
    expect(violations(message)).toEqual(['Mail/Pool9 SesByoip-RegionalQuota']);
    expect(message).toContain('more than its quota of 8');
  });

  test('a lowered quota allows fewer ranges', () => {
    const app = new App();
    addPools(new Stack(app, 'Mail', { env: EAST }), ranges(3));
    Aspects.of(app).add(new ByoipChecks({ maxRangesPerRegion: 2 }));
    expect(violations(synthError(app))).toEqual(['Mail/Pool3 SesByoip-RegionalQuota']);
  });

  test('an instance added to the app governs pools in nested Stages', () => {
    const app = new App();
    Aspects.of(app).add(new ByoipChecks({ maxRangesPerRegion: 8 }));
    const stage = new Stage(new Stage(app, 'Prod'), 'Inner');
    addPools(new Stack(stage, 'Mail', { env: EAST }), ranges(6));
    addPools(new Stack(app, 'Root', { env: EAST }), ranges(2, 10));
    expect(() => app.synth()).not.toThrow();
  });

  test('the nearest instance governs: one on a Stage overrides one on the app', () => {
    const app = new App();
    Aspects.of(app).add(new ByoipChecks({ maxRangesPerRegion: 8 }));
    const stage = new Stage(app, 'Prod');
    Aspects.of(stage).add(new ByoipChecks({ maxRangesPerRegion: 1 }));
    addPools(new Stack(stage, 'Mail', { env: WEST }), ranges(2));
    addPools(new Stack(app, 'Root', { env: EAST }), ranges(8, 10));
    expect(violations(synthError(app))).toEqual(['Prod/Mail/Pool2 SesByoip-RegionalQuota']);
  });

  test('the rules run once per pool, however many instances apply', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    Aspects.of(app).add(new ByoipChecks());
    Aspects.of(stack).add(new ByoipChecks());
    addPools(stack, ['10.0.0.0/24']);
    const message = synthError(app);
    expect(violations(message)).toEqual(['Mail/Pool1 SesByoip-NotPublic']);
    expect(message.match(/SesByoip-NotPublic/g)).toHaveLength(1);
  });

  test.each([0, -1, 1.5, Number.NaN, Infinity])('fails for maxRangesPerRegion %p', (max) => {
    expect(() => new ByoipChecks({ maxRangesPerRegion: max })).toThrow(
      `ByoipChecks: maxRangesPerRegion must be a whole number of at least 1, got ${max}.`,
    );
  });

  test('defaults to the SES quota of 5', () => {
    expect(new ByoipChecks().maxRangesPerRegion).toBe(5);
    expect(new ByoipChecks({ maxRangesPerRegion: 12 }).maxRangesPerRegion).toBe(12);
  });

  test('leaves constructs other than ByoipSendingPool alone', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail');
    new ses.DedicatedIpPool(stack, 'Plain', { dedicatedIpPoolName: 'ses-shared-pool' });
    Aspects.of(app).add(new ByoipChecks());
    expect(() => app.synth()).not.toThrow();
  });
});
