import { App, AspectPriority, Aspects, CfnParameter, Fn, NestedStack, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct, IConstruct } from 'constructs';
import { ENV, ranges, synthError, violations } from './helpers';
import { ByoipChecks, ByoipRuleId, ByoipSendingPool } from '../src';
import { registerCheckedKind } from '../src/private/checked-construct';

const EAST = ENV;
const WEST = { account: '111111111111', region: 'us-west-2' };
const OTHER_ACCOUNT = { account: '222222222222', region: 'us-east-1' };

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
  ])('fails with %s alone for %s', (rule, cidr) => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    new ByoipSendingPool(stack, 'Sending', { cidr });
    const message = synthError(app);
    expect(violations(message)).toEqual([`Mail/Sending ${rule}`]);
    expect(message).toContain(JSON.stringify(cidr));
    expect(message).toMatch(/ Allowed: .+ Fix: /);
  });

  test('fails with SesByoip-UnresolvedCidr alone for a CloudFormation parameter', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    const cidr = new CfnParameter(stack, 'Cidr', { default: '8.8.8.0/24' });
    new ByoipSendingPool(stack, 'Sending', { cidr: cidr.valueAsString });
    expect(violations(synthError(app))).toEqual(['Mail/Sending SesByoip-UnresolvedCidr']);
  });

  test('fails with SesByoip-UnresolvedCidr alone for an import', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    new ByoipSendingPool(stack, 'Sending', { cidr: Fn.importValue('ByoipRange') });
    expect(violations(synthError(app))).toEqual(['Mail/Sending SesByoip-UnresolvedCidr']);
  });

  test('fails with SesByoip-UnresolvedEnvironment for an environment-agnostic stack', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail');
    new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    const message = synthError(app);
    expect(violations(message)).toEqual(['Mail/Sending SesByoip-UnresolvedEnvironment']);
    expect(message).toContain('its account and Region are not known');
  });

  test('fails with SesByoip-UnresolvedEnvironment for a stack with an account but no Region', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: { account: '111111111111' } });
    new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    const message = synthError(app);
    expect(violations(message)).toEqual(['Mail/Sending SesByoip-UnresolvedEnvironment']);
    expect(message).toContain('its Region is not known');
  });

  test('fails with DuplicateRange in a nested stack, which inherits the environment of its parent', () => {
    const app = new App();
    const nested = new NestedStack(new Stack(app, 'Mail', { env: EAST }), 'Nested');
    new ByoipSendingPool(nested, 'Sending', { cidr: '8.8.8.0/24' });
    new ByoipSendingPool(nested, 'Again', { cidr: '8.8.8.0/24' });
    expect(violations(synthError(app))).toEqual([
      'Mail/Nested/Again SesByoip-DuplicateRange',
    ]);
  });

  test('fails with SesByoip-ReservedPoolName for the names of SES pools', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    new ByoipSendingPool(stack, 'A', { cidr: '8.8.8.0/24', dedicatedIpPoolName: 'ses-default-dedicated-pool' });
    new ByoipSendingPool(stack, 'B', { cidr: '8.8.9.0/24', dedicatedIpPoolName: 'ses-shared-pool' });
    new ByoipSendingPool(stack, 'C', { cidr: '8.8.10.0/24', dedicatedIpPoolName: 'ses-shared-pool-2' });
    expect(violations(synthError(app))).toEqual(['Mail/A SesByoip-ReservedPoolName', 'Mail/B SesByoip-ReservedPoolName']);
  });

  test('fails with SesByoip-ReservedPoolName for a name set through an override', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    (sending.dedicatedIpPool.node.defaultChild as ses.CfnDedicatedIpPool).addPropertyOverride('PoolName', 'ses-shared-pool');
    expect(violations(synthError(app))).toEqual(['Mail/Sending SesByoip-ReservedPoolName']);
  });

  test('fails with SesByoip-InvalidPoolName at synthesis, with the other problems, not while the app is built', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    expect(() => new ByoipSendingPool(stack, 'A', { cidr: '8.8.8.0/24', dedicatedIpPoolName: 'my pool!' })).not.toThrow();
    new ByoipSendingPool(stack, 'B', { cidr: '10.0.0.0/24', dedicatedIpPoolName: 'X'.repeat(70) });
    const message = synthError(app);
    expect(violations(message)).toEqual(['Mail/A SesByoip-InvalidPoolName', 'Mail/B SesByoip-NotPublic', 'Mail/B SesByoip-InvalidPoolName']);
    expect(message).toContain('dedicatedIpPoolName "my pool!" is not a name SES accepts: it contains the characters " ", "!".');
    expect(message).toContain('e.g. "my-pool"');
  });

  test('fails with SesByoip-InvalidPoolName for a bad name set through an override', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    (sending.dedicatedIpPool.node.defaultChild as ses.CfnDedicatedIpPool).addPropertyOverride('PoolName', 'Bad_Name');
    expect(violations(synthError(app))).toEqual(['Mail/Sending SesByoip-InvalidPoolName']);
  });

  test('ReservedPoolName still sees the name the user gave, and derives its example from the pool\'s range', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    new ByoipSendingPool(stack, 'Other', { cidr: '8.8.4.0/24' });
    new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24', dedicatedIpPoolName: 'ses-shared-pool' });
    const message = synthError(app);
    expect(violations(message)).toEqual(['Mail/Sending SesByoip-ReservedPoolName']);
    expect(message).toContain('e.g. "byoip-8-8-8-0"');
  });

  test('a valid literal name is given to aws-cdk-lib as before', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24', dedicatedIpPoolName: 'byoip-8-8-8' });
    Template.fromStack(stack).hasResourceProperties('AWS::SES::DedicatedIpPool', { PoolName: 'byoip-8-8-8', ScalingMode: 'STANDARD' });
  });

  test('a pool name that is a token (a parameter) is accepted and left for SES to check at deploy', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    const name = new CfnParameter(stack, 'PoolName').valueAsString;
    expect(() => new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24', dedicatedIpPoolName: name })).not.toThrow();
    expect(() => app.synth()).not.toThrow();
    Template.fromStack(stack).hasResourceProperties('AWS::SES::DedicatedIpPool', { PoolName: { Ref: 'PoolName' } });
  });

  test.each([
    ['no cidr property', { cidr: undefined }],
    ['no props at all', undefined],
  ])('fails with "cidr is required" for %s (JavaScript callers, missing config)', (_, props) => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    expect(() => new ByoipSendingPool(stack, 'Sending', props as any)).not.toThrow();
    const message = synthError(app);
    expect(violations(message)).toEqual(['Mail/Sending SesByoip-InvalidCidr']);
    expect(message).toContain('[SesByoip-InvalidCidr] cidr is required, but none was given (the value is undefined).');
    expect(message).not.toContain('"undefined"');
  });

  test('fails with SesByoip-ManagedScaling for the L1 property changed through an escape hatch', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    (sending.dedicatedIpPool.node.defaultChild as ses.CfnDedicatedIpPool).scalingMode = 'MANAGED';
    const message = synthError(app);
    expect(violations(message)).toEqual(['Mail/Sending SesByoip-ManagedScaling']);
    expect(message).toContain('ScalingMode "MANAGED"');
  });

  test('fails with SesByoip-ManagedScaling for a raw property override', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    (sending.dedicatedIpPool.node.defaultChild as ses.CfnDedicatedIpPool).addOverride('Properties.ScalingMode', 'MANAGED');
    expect(violations(synthError(app))).toEqual(['Mail/Sending SesByoip-ManagedScaling']);
  });

  test('fails with SesByoip-DuplicateRange once, on the later claim, for a range used twice in one stack', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    addPools(stack, ['8.8.8.0/24', '8.8.8.0/24']);
    const message = synthError(app);
    expect(violations(message)).toEqual(['Mail/Pool2 SesByoip-DuplicateRange']);
    expect(message).toContain(': here and by Mail/Pool1;');
    expect(message.match(/SesByoip-DuplicateRange/g)).toHaveLength(1);
  });

  test('fails with SesByoip-DuplicateRange across two stacks of one account and Region', () => {
    const app = new App();
    addPools(new Stack(app, 'A', { env: EAST }), ['8.8.8.0/24']);
    addPools(new Stack(app, 'B', { env: EAST }), ['8.8.8.0/24']);
    expect(violations(synthError(app))).toEqual(['B/Pool1 SesByoip-DuplicateRange']);
  });

  test('fails with SesByoip-MultiRegion, not DuplicateRange, for the same range in two Regions', () => {
    const app = new App();
    addPools(new Stack(app, 'East', { env: EAST }), ['8.8.8.0/24']);
    addPools(new Stack(app, 'West', { env: WEST }), ['8.8.8.0/24']);
    const message = synthError(app);
    expect(violations(message)).toEqual(['West/Pool1 SesByoip-MultiRegion']);
    expect(message.match(/SesByoip-MultiRegion/g)).toHaveLength(1);
    expect(message).toContain('111111111111/us-east-1 (East/Pool1), 111111111111/us-west-2 (West/Pool1)');
  });

  test('fails with SesByoip-MultiRegion for the same range in two accounts', () => {
    const app = new App();
    addPools(new Stack(app, 'Mine', { env: EAST }), ['8.8.8.0/24']);
    addPools(new Stack(app, 'Theirs', { env: OTHER_ACCOUNT }), ['8.8.8.0/24']);
    expect(violations(synthError(app))).toEqual(['Theirs/Pool1 SesByoip-MultiRegion']);
  });

  test('a multi-Region, multi-account app with distinct ranges synthesizes', () => {
    const app = new App();
    addPools(new Stack(app, 'East', { env: EAST }), ranges(5, 1));
    addPools(new Stack(app, 'West', { env: WEST }), ranges(5, 10));
    addPools(new Stack(app, 'Other', { env: OTHER_ACCOUNT }), ranges(5, 20));
    expect(() => app.synth()).not.toThrow();
  });

  test('fails with SesByoip-RegionalQuota for a sixth range in one stack', () => {
    const app = new App();
    addPools(new Stack(app, 'Mail', { env: EAST }), ranges(6));
    const message = synthError(app);
    expect(violations(message)).toEqual(['Mail/Pool6 SesByoip-RegionalQuota']);
    expect(message).toContain('more than its quota of 5; range 8.8.6.0/24 is number 6');
  });

  test('fails with SesByoip-RegionalQuota counted across stacks', () => {
    const app = new App();
    addPools(new Stack(app, 'A', { env: EAST }), ranges(3, 1));
    addPools(new Stack(app, 'B', { env: EAST }), ranges(3, 10));
    addPools(new Stack(app, 'West', { env: WEST }), ranges(5, 20));
    expect(violations(synthError(app))).toEqual(['B/Pool3 SesByoip-RegionalQuota']);
  });

  test('fails with DuplicateRange only: duplicates do not count twice toward the quota', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    addPools(stack, [...ranges(5), '8.8.5.0/24']);
    expect(violations(synthError(app))).toEqual(['Mail/Pool6 SesByoip-DuplicateRange']);
  });

  test('fails with NotPublic only: rejected ranges do not count toward the quota', () => {
    const app = new App();
    addPools(new Stack(app, 'Mail', { env: EAST }), [...ranges(5), '10.0.0.0/24']);
    expect(violations(synthError(app))).toEqual(['Mail/Pool6 SesByoip-NotPublic']);
  });
});

describe('one error lists every violation', () => {
  test('fails once for violations across stacks, in construct-tree order, after construction succeeded', () => {
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

  test('fails with each independent problem of one pool, once', () => {
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

  test('fails once for violations in nested Stages and at the root', () => {
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

  test('fails when only one Stage is synthesized, also reporting the rest of the app', () => {
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

  test('fails again with the same violations on a second synthesis', () => {
    const app = new App();
    addPools(new Stack(app, 'Mail', { env: EAST }), ['8.8.8.1/24', '10.0.0.0/24']);
    const first = synthError(app);
    expect(synthError(app)).toBe(first);
  });
});

describe('Stages count like any other scope', () => {
  test('fails with RegionalQuota counting ranges in Stages and at the root together', () => {
    const app = new App();
    addPools(new Stack(app, 'Root', { env: EAST }), ranges(3, 1));
    const stage = new Stage(app, 'Prod');
    addPools(new Stack(stage, 'Mail', { env: EAST }), ranges(3, 10));
    const message = synthError(app);
    expect(violations(message)).toEqual(['Prod/Mail/Pool3 SesByoip-RegionalQuota']);
  });

  test('fails with DuplicateRange for the same range in a Stage and at the root', () => {
    const app = new App();
    addPools(new Stack(app, 'Root', { env: EAST }), ['8.8.8.0/24']);
    addPools(new Stack(new Stage(app, 'Prod'), 'Mail', { env: EAST }), ['8.8.8.0/24']);
    expect(violations(synthError(app))).toEqual(['Prod/Mail/Pool1 SesByoip-DuplicateRange']);
  });

  test('fails with MultiRegion for a range in a Stage with its own env and at the root in another Region', () => {
    const app = new App();
    addPools(new Stack(app, 'Root', { env: EAST }), ['8.8.8.0/24']);
    addPools(new Stack(new Stage(app, 'Prod', { env: WEST }), 'Mail'), ['8.8.8.0/24']);
    expect(violations(synthError(app))).toEqual(['Prod/Mail/Pool1 SesByoip-MultiRegion']);
  });
});

describe('the checks see the tree as aspects leave it', () => {
  /** Sets ScalingMode MANAGED on every CfnDedicatedIpPool it visits. */
  const makeManaged = { visit: (node: IConstruct) => { if (node instanceof ses.CfnDedicatedIpPool) node.scalingMode = 'MANAGED'; } };

  test('fails with ManagedScaling when an app aspect makes a root pool MANAGED, while a Stage holds another pool', () => {
    const app = new App();
    addPools(new Stack(app, 'Root', { env: EAST }), ['8.8.8.0/24']);
    addPools(new Stack(new Stage(app, 'Beta'), 'Mail', { env: EAST }), ['8.8.9.0/24']);
    Aspects.of(app).add(makeManaged, { priority: AspectPriority.MUTATING });
    expect(violations(synthError(app))).toEqual(['Root/Pool1 SesByoip-ManagedScaling']);
  });

  test('fails with ManagedScaling when the aspect runs with aspect stabilization', () => {
    const app = new App({ context: { '@aws-cdk/core:aspectStabilization': true } });
    addPools(new Stack(app, 'Root', { env: EAST }), ['8.8.8.0/24']);
    addPools(new Stack(new Stage(app, 'Beta'), 'Mail', { env: EAST }), ['8.8.9.0/24']);
    Aspects.of(app).add(makeManaged, { priority: AspectPriority.MUTATING });
    expect(violations(synthError(app))).toEqual(['Root/Pool1 SesByoip-ManagedScaling']);
  });

  test('uses a ByoipChecks added after a Stage was synthesized on its own', () => {
    const app = new App();
    addPools(new Stack(app, 'Root', { env: EAST }), ranges(5, 10));
    const stack = new Stack(new Stage(app, 'Beta'), 'Mail', { env: EAST });
    addPools(stack, ranges(3));
    expect(() => Template.fromStack(stack)).toThrow(/SesByoip-RegionalQuota/);
    Aspects.of(app).add(new ByoipChecks({ maxRangesPerRegion: 10 }));
    expect(() => app.synth()).not.toThrow();
  });
});

describe('an explicit ByoipChecks replaces the default', () => {
  test('a raised quota allows more ranges', () => {
    const app = new App();
    addPools(new Stack(app, 'Mail', { env: EAST }), ranges(8));
    Aspects.of(app).add(new ByoipChecks({ maxRangesPerRegion: 8 }));
    expect(() => app.synth()).not.toThrow();
  });

  test('fails beyond the raised quota', () => {
    const app = new App();
    addPools(new Stack(app, 'Mail', { env: EAST }), ranges(9));
    Aspects.of(app).add(new ByoipChecks({ maxRangesPerRegion: 8 }));
    const message = synthError(app);
    expect(violations(message)).toEqual(['Mail/Pool9 SesByoip-RegionalQuota']);
    expect(message).toContain('more than its quota of 8');
  });

  test('fails beyond a lowered quota', () => {
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

  test('fails by the nearest instance: one on a Stage overrides one on the app', () => {
    const app = new App();
    Aspects.of(app).add(new ByoipChecks({ maxRangesPerRegion: 8 }));
    const stage = new Stage(app, 'Prod');
    Aspects.of(stage).add(new ByoipChecks({ maxRangesPerRegion: 1 }));
    addPools(new Stack(stage, 'Mail', { env: WEST }), ranges(2));
    addPools(new Stack(app, 'Root', { env: EAST }), ranges(8, 10));
    expect(violations(synthError(app))).toEqual(['Prod/Mail/Pool2 SesByoip-RegionalQuota']);
  });

  test('fails with each violation once, however many instances apply', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: EAST });
    Aspects.of(app).add(new ByoipChecks());
    Aspects.of(stack).add(new ByoipChecks());
    addPools(stack, ['10.0.0.0/24']);
    const message = synthError(app);
    expect(violations(message)).toEqual(['Mail/Pool1 SesByoip-NotPublic']);
    expect(message.match(/SesByoip-NotPublic/g)).toHaveLength(1);
  });

  test('the quota of an account and Region does not depend on the order of its stacks', () => {
    for (const raisedFirst of [true, false]) {
      const app = new App();
      const raised = () => {
        const stack = new Stack(app, 'Raised', { env: EAST });
        Aspects.of(stack).add(new ByoipChecks({ maxRangesPerRegion: 8 }));
        addPools(stack, ranges(6));
      };
      const plain = () => addPools(new Stack(app, 'Plain', { env: EAST }), ranges(1, 20));
      if (raisedFirst) {
        raised();
        plain();
      } else {
        plain();
        raised();
      }
      expect(() => app.synth()).not.toThrow();
    }
  });

  test('an explicit instance with the default limit still overrides a larger one above it', () => {
    const app = new App();
    Aspects.of(app).add(new ByoipChecks({ maxRangesPerRegion: 8 }));
    const stack = new Stack(app, 'Mail', { env: EAST });
    Aspects.of(stack).add(new ByoipChecks());
    addPools(stack, ranges(6));
    expect(violations(synthError(app))).toEqual(['Mail/Pool6 SesByoip-RegionalQuota']);
  });

  test.each([0, -1, 1.5, Number.NaN, Infinity])('fails for maxRangesPerRegion %p', (max) => {
    expect(() => new ByoipChecks({ maxRangesPerRegion: max })).toThrow(
      `ByoipChecks: maxRangesPerRegion must be a whole number of at least 1, got ${max}.`,
    );
  });

  describe('the context key cdk-ses-byoip:maxRangesPerRegion', () => {
    const KEY = 'cdk-ses-byoip:maxRangesPerRegion';

    test('is the key ByoipChecks names', () => {
      expect(ByoipChecks.MAX_RANGES_PER_REGION_CONTEXT_KEY).toBe(KEY);
    });

    test.each([8, '8'])('raises the quota of the default checks (%p: cdk.json gives a number, -c a string)', (value) => {
      const app = new App({ context: { [KEY]: value } });
      addPools(new Stack(app, 'Mail', { env: EAST }), ranges(8));
      expect(() => app.synth()).not.toThrow();
    });

    test('fails beyond the quota it sets, and says where the quota comes from', () => {
      const app = new App({ context: { [KEY]: '7' } });
      addPools(new Stack(app, 'Mail', { env: EAST }), ranges(8));
      const message = synthError(app);
      expect(violations(message)).toEqual(['Mail/Pool8 SesByoip-RegionalQuota']);
      expect(message).toContain('more than its quota of 7');
      expect(message).toContain('Allowed: at most 7 ranges per Region per account (the context key cdk-ses-byoip:maxRangesPerRegion).');
    });

    test('an explicit ByoipChecks wins over it', () => {
      const app = new App({ context: { [KEY]: 8 } });
      addPools(new Stack(app, 'Mail', { env: EAST }), ranges(7));
      Aspects.of(app).add(new ByoipChecks({ maxRangesPerRegion: 6 }));
      expect(violations(synthError(app))).toEqual(['Mail/Pool7 SesByoip-RegionalQuota']);
    });

    test('the default quota\'s message names both ways to raise it', () => {
      const app = new App();
      addPools(new Stack(app, 'Mail', { env: EAST }), ranges(6));
      const message = synthError(app);
      expect(message).toContain('"cdk-ses-byoip:maxRangesPerRegion": 6 in the context of cdk.json (or -c cdk-ses-byoip:maxRangesPerRegion=6)');
      expect(message).toContain('Aspects.of(app).add(new ByoipChecks({ maxRangesPerRegion: 6 }))');
    });

    test.each([
      ['eight', '"eight"'], ['1.5', '"1.5"'], [2.5, '2.5'], [true, 'true'],
    ])('fails once, naming the key and the value, for %p', (value, shown) => {
      const app = new App({ context: { [KEY]: value } });
      addPools(new Stack(app, 'Mail', { env: EAST }), ranges(2));
      const message = synthError(app);
      expect(violations(message)).toEqual(['Mail/Pool1 SesByoip-RegionalQuota']);
      expect(message).toContain(`the context key ${KEY} is ${shown}, which is not a number of ranges`);
    });

    test.each([
      ['0', '"0"'], [0, '0'], ['-1', '"-1"'], [-3, '-3'],
    ])('fails once for %p, saying it is below the minimum of 1, with the fix', (value, shown) => {
      const app = new App({ context: { [KEY]: value } });
      addPools(new Stack(app, 'Mail', { env: EAST }), ranges(2));
      const message = synthError(app);
      expect(violations(message)).toEqual(['Mail/Pool1 SesByoip-RegionalQuota']);
      expect(message).toContain(
        `[SesByoip-RegionalQuota] the context key ${KEY} is ${shown}, below 1, the smallest quota: a quota allows at least one range, so the BYOIP quota cannot be checked.` +
          ' Allowed: a whole number of at least 1: the BYOIP ranges per Region that AWS allows your account (5 unless AWS raised it).' +
          ` Fix: set it to the quota AWS gives your account, e.g. -c ${KEY}=5 (SES's default), or remove it to use SES's default of 5.`,
      );
      expect(message).not.toContain('not a number');
    });

    test('a bad value is the only quota error, even with more ranges than SES\'s default', () => {
      const app = new App({ context: { [KEY]: 'abc' } });
      addPools(new Stack(app, 'Mail', { env: EAST }), ranges(6));
      const message = synthError(app);
      expect(violations(message)).toEqual(['Mail/Pool1 SesByoip-RegionalQuota']);
      expect(message).toContain('is "abc", which is not a number of ranges');
    });

    test('a bad value is not reported for pools that an explicit ByoipChecks governs', () => {
      const app = new App({ context: { [KEY]: 'eight' } });
      addPools(new Stack(app, 'Mail', { env: EAST }), ranges(2));
      Aspects.of(app).add(new ByoipChecks({ maxRangesPerRegion: 6 }));
      expect(() => app.synth()).not.toThrow();
    });
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

describe('addresses: one range split between pools', () => {
  const RANGE = '8.8.8.0/24';

  /** A pool taking `addresses` of RANGE (the whole range if undefined). */
  function split(scope: Construct, id: string, addresses?: string[], cidr = RANGE): ByoipSendingPool {
    return new ByoipSendingPool(scope, id, { cidr, addresses });
  }

  describe('compliant', () => {
    test('a range split between pools of one stack synthesizes', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: EAST });
      split(stack, 'Transactional', ['8.8.8.0/27']);
      split(stack, 'Marketing', ['8.8.8.32/27', '8.8.8.64/26']);
      split(stack, 'Spare', ['8.8.8.255/32']);
      expect(() => app.synth()).not.toThrow();
    });

    test('a range split between stacks and Stages of one account and Region synthesizes', () => {
      const app = new App();
      split(new Stack(app, 'Root', { env: EAST }), 'A', ['8.8.8.0/25']);
      split(new Stack(new Stage(app, 'Prod'), 'Mail', { env: EAST }), 'B', ['8.8.8.128/26']);
      split(new Stack(new Stage(new Stage(app, 'Deep'), 'Inner'), 'Mail', { env: EAST }), 'C', ['8.8.8.192/26']);
      expect(() => app.synth()).not.toThrow();
    });

    test('a range split between pools counts once toward the quota', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: EAST });
      addPools(stack, ranges(4, 1));
      split(stack, 'A', ['8.8.8.0/26']);
      split(new Stack(app, 'Other', { env: EAST }), 'B', ['8.8.8.64/26']);
      split(new Stack(new Stage(app, 'Prod'), 'Mail', { env: EAST }), 'C', ['8.8.8.128/25']);
      expect(() => app.synth()).not.toThrow();
    });

    test('one range more than the quota, split or not, fails with RegionalQuota once', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: EAST });
      split(stack, 'A', ['8.8.8.0/26']);
      split(stack, 'B', ['8.8.8.64/26']);
      addPools(stack, ranges(5, 20));
      expect(violations(synthError(app))).toEqual(['Mail/Pool5 SesByoip-RegionalQuota']);
    });
  });

  describe('SesByoip-InvalidAddresses', () => {
    test.each([
      [[]],
      [['8.8.8.0']],
      [['8.8.8.0/26 ']],
      [['8.8.08.0/26']],
      [['8.8.8.0/23']],
      [['8.8.8.64/25']],
    ])('fails alone for %j', (addresses) => {
      const app = new App();
      split(new Stack(app, 'Mail', { env: EAST }), 'Sending', addresses);
      const message = synthError(app);
      expect(violations(message)).toEqual(['Mail/Sending SesByoip-InvalidAddresses']);
      expect(message).toMatch(/ Allowed: .+ Fix: /);
    });

    test('fails once per bad entry, with the exact message', () => {
      const app = new App();
      split(new Stack(app, 'Mail', { env: EAST }), 'Sending', ['8.8.8.1/26', '8.8.8.128/25', 'all']);
      const message = synthError(app);
      expect(violations(message)).toEqual(['Mail/Sending SesByoip-InvalidAddresses', 'Mail/Sending SesByoip-InvalidAddresses']);
      expect(message).toContain(
        '[Mail/Sending] [SesByoip-InvalidAddresses] addresses[0] "8.8.8.1/26" has host bits set: its address is not the first address of the /26 it names, "8.8.8.0/26".' +
          ' Allowed: CIDR blocks inside 8.8.8.0/24 in strict dotted-decimal notation "a.b.c.d/n": four decimal octets 0-255 without leading zeros, "/" and a prefix length from 24 (the whole range) to 32 (one address), the address being the first of its block.' +
          ' Fix: write "8.8.8.0/26" if that is the block you meant (the bits are never masked for you, so a typo cannot select other addresses).',
      );
      expect(message).toContain('addresses[2] "all" is not an IPv4 CIDR block');
    });

    test('fails for a bare address, suggesting the block of that address; the suggestion synthesizes', () => {
      const build = (addresses: string[]) => {
        const app = new App();
        split(new Stack(app, 'Mail', { env: EAST }), 'Sending', addresses);
        return app;
      };
      const message = synthError(build(['8.8.8.5']));
      expect(violations(message)).toEqual(['Mail/Sending SesByoip-InvalidAddresses']);
      expect(message).toContain('Fix: write "8.8.8.5/32" if that is the block you meant.');
      expect(message).not.toContain('"8.8.8.0/24"');
      expect(() => build(['8.8.8.5/32']).synth()).not.toThrow();
    });

    test('fails for an empty list even without a sibling', () => {
      const app = new App();
      split(new Stack(app, 'Mail', { env: EAST }), 'Sending', []);
      expect(synthError(app)).toContain('[SesByoip-InvalidAddresses] addresses is an empty list, so the pool would take no address of its range 8.8.8.0/24.');
    });

    test('fails for addresses that are not a list (JavaScript callers), without failing construction', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: EAST });
      expect(() => new ByoipSendingPool(stack, 'Sending', { cidr: RANGE, addresses: '8.8.8.0/26' as any })).not.toThrow();
      expect(() => new ByoipSendingPool(stack, 'Number', { cidr: '8.8.9.0/24', addresses: 5 as any })).not.toThrow();
      const message = synthError(app);
      expect(violations(message)).toEqual(['Mail/Sending SesByoip-InvalidAddresses', 'Mail/Number SesByoip-InvalidAddresses']);
      expect(message).toContain('addresses is "8.8.8.0/26", not a list of CIDR blocks.');
      expect(message).toContain('addresses is 5, not a list of CIDR blocks.');
    });
  });

  describe('SesByoip-AddressesOutsideRange', () => {
    test('fails once per block outside the range, with the exact message', () => {
      const app = new App();
      split(new Stack(app, 'Mail', { env: EAST }), 'Sending', ['8.8.8.0/26', '8.8.9.64/26', '9.9.9.9/32']);
      const message = synthError(app);
      expect(violations(message)).toEqual(['Mail/Sending SesByoip-AddressesOutsideRange', 'Mail/Sending SesByoip-AddressesOutsideRange']);
      expect(message).toContain(
        '[Mail/Sending] [SesByoip-AddressesOutsideRange] addresses[1] "8.8.9.64/26" is not inside the pool\'s range 8.8.8.0/24 (8.8.8.0 to 8.8.8.255); a pool takes addresses of its own range only.' +
          ' Allowed: CIDR blocks inside 8.8.8.0/24.' +
          ' Fix: write "8.8.8.64/26" if you meant those addresses of 8.8.8.0/24; addresses of another range go in a ByoipSendingPool of that range.',
      );
    });

    test('a block of another pool\'s range is outside, not an overlap', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: EAST });
      split(stack, 'A', ['8.8.9.0/26'], '8.8.9.0/24');
      split(stack, 'B', ['8.8.9.0/26']);
      expect(violations(synthError(app))).toEqual(['Mail/B SesByoip-AddressesOutsideRange']);
    });
  });

  describe('SesByoip-UnresolvedAddresses', () => {
    test('fails for a list parameter, with the exact message', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: EAST });
      const pool = split(stack, 'Sending', new CfnParameter(stack, 'Blocks', { type: 'CommaDelimitedList' }).valueAsList);
      const message = synthError(app);
      expect(violations(message)).toEqual(['Mail/Sending SesByoip-UnresolvedAddresses']);
      expect(message).toContain(
        `[Mail/Sending] [SesByoip-UnresolvedAddresses] addresses is a token (${JSON.stringify(pool.addresses[0])}), a value only known at deploy time, so the pool's part of 8.8.8.0/24 cannot be checked against the range and the other pools.` +
          ' Allowed: literal CIDR blocks, known when the app is synthesized.' +
          ' Fix: pass the blocks as plain strings (in code, or from cdk.json or `-c` context), not as a CloudFormation parameter, import or attribute.',
      );
    });

    test('fails once per token entry; the literal entries are still checked', () => {
      const app = new App();
      split(new Stack(app, 'Mail', { env: EAST }), 'Sending', ['8.8.8.0/26', Fn.importValue('Block'), `8.8.8.${Fn.importValue('Last')}/32`, '8.8.8.1/26']);
      expect(violations(synthError(app))).toEqual([
        'Mail/Sending SesByoip-UnresolvedAddresses',
        'Mail/Sending SesByoip-UnresolvedAddresses',
        'Mail/Sending SesByoip-InvalidAddresses',
      ]);
    });
  });

  describe('SesByoip-OverlappingAddresses', () => {
    test('fails on the later pool of one stack, with the exact message', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: EAST });
      split(stack, 'Transactional', ['8.8.8.0/27']);
      split(stack, 'Marketing', ['8.8.8.0/26', '8.8.8.64/32']);
      const message = synthError(app);
      expect(violations(message)).toEqual(['Mail/Marketing SesByoip-OverlappingAddresses']);
      expect(message).toContain(
        '[Mail/Marketing] [SesByoip-OverlappingAddresses] 8.8.8.0/27 (32 addresses) of range 8.8.8.0/24 are claimed here and by Mail/Transactional in account 111111111111, Region us-east-1;' +
          ' an address can sit in one dedicated IP pool only.' +
          ' Allowed: pools that split one range take blocks that do not overlap; the addresses that no pool takes stay in ses-default-dedicated-pool.' +
          ' Fix: claim each address once: take 8.8.8.0/27 out of the addresses of Mail/Transactional or of this pool,' +
          ' e.g. addresses: ["8.8.8.32/27", "8.8.8.64/32"] here (its part that no other pool of the range takes).',
      );
    });

    test('the fix it suggests synthesizes', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: EAST });
      split(stack, 'Transactional', ['8.8.8.0/27']);
      split(stack, 'Marketing', ['8.8.8.32/27', '8.8.8.64/32']);
      expect(() => app.synth()).not.toThrow();
    });

    test('fails across stacks and across Stages', () => {
      const app = new App();
      split(new Stack(app, 'Root', { env: EAST }), 'A', ['8.8.8.0/25']);
      split(new Stack(app, 'Other', { env: EAST }), 'B', ['8.8.8.64/26']);
      split(new Stack(new Stage(app, 'Prod'), 'Mail', { env: EAST }), 'C', ['8.8.8.128/32', '8.8.8.63/32']);
      const message = synthError(app);
      expect(violations(message).sort()).toEqual([
        'Other/B SesByoip-OverlappingAddresses',
        'Prod/Mail/C SesByoip-OverlappingAddresses',
      ]);
      expect(message).toContain('8.8.8.63/32 (1 address) of range 8.8.8.0/24 is claimed here and by Root/A in account 111111111111');
    });

    test('fails once per conflicting pair: three pools that overlap pairwise are three findings', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: EAST });
      split(stack, 'A', ['8.8.8.0/25']);
      split(stack, 'B', ['8.8.8.64/26', '8.8.8.128/26']);
      split(stack, 'C', ['8.8.8.96/27', '8.8.8.160/27']);
      const message = synthError(app);
      expect(violations(message)).toEqual([
        'Mail/B SesByoip-OverlappingAddresses',
        'Mail/C SesByoip-OverlappingAddresses',
        'Mail/C SesByoip-OverlappingAddresses',
      ]);
      expect(message).toContain('[Mail/C] [SesByoip-OverlappingAddresses] 8.8.8.96/27 (32 addresses) of range 8.8.8.0/24 are claimed here and by Mail/A');
      expect(message).toContain('[Mail/C] [SesByoip-OverlappingAddresses] 8.8.8.96/27, 8.8.8.160/27 (64 addresses) of range 8.8.8.0/24 are claimed here and by Mail/B');
    });

    test('fails only for the pairs that conflict', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: EAST });
      split(stack, 'A', ['8.8.8.0/26']);
      split(stack, 'B', ['8.8.8.64/26']);
      split(stack, 'C', ['8.8.8.60/30', '8.8.8.128/25']);
      split(stack, 'D', ['8.8.8.192/32']);
      expect(violations(synthError(app))).toEqual(['Mail/C SesByoip-OverlappingAddresses', 'Mail/D SesByoip-OverlappingAddresses']);
    });

    test('a pool without addresses claims the whole range, whichever comes first', () => {
      for (const wholeFirst of [true, false]) {
        const app = new App();
        const stack = new Stack(app, 'Mail', { env: EAST });
        if (wholeFirst) {
          split(stack, 'Whole');
          split(stack, 'Part', ['8.8.8.0/26']);
        } else {
          split(stack, 'Part', ['8.8.8.0/26']);
          split(stack, 'Whole');
        }
        const message = synthError(app);
        expect(violations(message)).toEqual([`Mail/${wholeFirst ? 'Part' : 'Whole'} SesByoip-OverlappingAddresses`]);
        expect(message).toContain(wholeFirst ? 'claimed here and by Mail/Whole (the whole range)' : 'e.g. addresses: ["8.8.8.64/26", "8.8.8.128/25"] here');
      }
    });

    test('fails for one pool that lists an address twice, naming the entries', () => {
      const app = new App();
      split(new Stack(app, 'Mail', { env: EAST }), 'Sending', ['8.8.8.0/25', '8.8.8.32/27']);
      const message = synthError(app);
      expect(violations(message)).toEqual(['Mail/Sending SesByoip-OverlappingAddresses']);
      expect(message).toContain(
        '[SesByoip-OverlappingAddresses] addresses[1] "8.8.8.32/27" overlaps addresses[0] "8.8.8.0/25": both hold 8.8.8.32/27 (32 addresses), so the pool lists addresses twice.' +
          ' Allowed: blocks of 8.8.8.0/24 that do not overlap: each address listed once. Fix: list each address once, e.g. addresses: ["8.8.8.0/25"].',
      );
    });

    test('a bad entry takes no part in the checks between pools', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: EAST });
      split(stack, 'A', ['8.8.8.0/25']);
      split(stack, 'B', ['8.8.8.1/25', '8.8.8.0/23', '8.8.8.128/25', Fn.importValue('Block')]);
      expect(violations(synthError(app))).toEqual([
        'Mail/B SesByoip-InvalidAddresses',
        'Mail/B SesByoip-InvalidAddresses',
        'Mail/B SesByoip-UnresolvedAddresses',
      ]);
    });
  });

  describe('one input, one rule', () => {
    test.each([
      ['SesByoip-HostBits', '8.8.8.1/24'],
      ['SesByoip-InvalidCidr', '8.8.8.0'],
      ['SesByoip-NotPublic', '10.0.0.0/24'],
    ])('a bad cidr reports %s alone: its addresses are not checked', (rule, cidr) => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: EAST });
      split(stack, 'Sending', ['8.8.8.1/26', '9.9.9.0/24', Fn.importValue('X')], cidr);
      split(stack, 'Other', ['8.8.8.0/26']);
      expect(violations(synthError(app))).toEqual([`Mail/Sending ${rule}`]);
    });

    test('a cidr that is a token reports UnresolvedCidr alone', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: EAST });
      split(stack, 'Sending', [], Fn.importValue('Range'));
      expect(violations(synthError(app))).toEqual(['Mail/Sending SesByoip-UnresolvedCidr']);
    });

    test('the addresses of a pool in an environment-agnostic stack are still checked on their own', () => {
      const app = new App();
      split(new Stack(app, 'Mail'), 'Sending', ['8.8.8.0/25', '8.8.8.0/26']);
      split(new Stack(app, 'Known', { env: EAST }), 'Other', ['8.8.8.0/25']);
      expect(violations(synthError(app))).toEqual([
        'Mail/Sending SesByoip-OverlappingAddresses',
        'Mail/Sending SesByoip-UnresolvedEnvironment',
      ]);
    });

    test('MultiRegion, not OverlappingAddresses, for pools of two Regions that overlap', () => {
      const app = new App();
      split(new Stack(app, 'East', { env: EAST }), 'A', ['8.8.8.0/25']);
      split(new Stack(app, 'East2', { env: EAST }), 'B', ['8.8.8.0/26']);
      split(new Stack(new Stage(app, 'Prod', { env: WEST }), 'Mail'), 'C', ['8.8.8.0/25']);
      const message = synthError(app);
      expect(violations(message)).toEqual(['Prod/Mail/C SesByoip-MultiRegion']);
      expect(message).toContain('range 8.8.8.0/24 is used in 2 account/Region pairs: 111111111111/us-east-1 (East/A, East2/B), 111111111111/us-west-2 (Prod/Mail/C)');
    });

    test('MultiRegion for pools that split a range between two accounts without overlapping', () => {
      const app = new App();
      split(new Stack(app, 'Mine', { env: EAST }), 'A', ['8.8.8.0/25']);
      split(new Stack(app, 'Theirs', { env: OTHER_ACCOUNT }), 'B', ['8.8.8.128/25']);
      expect(violations(synthError(app))).toEqual(['Theirs/B SesByoip-MultiRegion']);
    });

    test.each([
      ['no addresses', undefined],
      ['the /24 itself', ['8.8.8.0/24']],
      ['blocks that cover all of it', ['8.8.8.128/25', '8.8.8.0/25']],
    ])('DuplicateRange, not OverlappingAddresses, for two pools that take the whole range (%s)', (_, addresses) => {
      const app = new App();
      split(new Stack(app, 'A', { env: EAST }), 'Pool');
      split(new Stack(app, 'B', { env: EAST }), 'Pool', addresses);
      expect(violations(synthError(app))).toEqual(['B/Pool SesByoip-DuplicateRange']);
    });

    test('DuplicateRange for the whole pools, OverlappingAddresses for a partial one', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: EAST });
      split(stack, 'A');
      split(stack, 'Part', ['8.8.8.0/26']);
      split(stack, 'B');
      expect(violations(synthError(app))).toEqual([
        'Mail/Part SesByoip-OverlappingAddresses',
        'Mail/B SesByoip-DuplicateRange',
      ]);
    });
  });

  describe('the fixes suggest no block that another pool of the range takes', () => {
    /** The fix of the only finding of `path` in a synthesis error, and its problem. */
    function findingOf(message: string, path: string): { problem: string; fix: string } {
      const lines = message.split('\n').filter((line) => line.includes(`[${path}] [SesByoip-`));
      expect(lines).toHaveLength(1);
      const [problem, fix] = lines[0].split(' Fix: ');
      return { problem, fix };
    }

    /**
     * The addresses that a fix suggests for a pool that has `entries`: the
     * list it spells out, or `entries` with the entry at fault replaced by
     * the block it suggests.
     */
    function suggested(entries: readonly string[], { problem, fix }: { problem: string; fix: string }): string[] {
      const spelled = /addresses: \[([^\]]*)\]/.exec(fix);
      if (spelled) {
        return [...spelled[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
      }
      const block = /(?:write|e\.g\.) "([^"]+)"/.exec(fix);
      const index = /\] addresses\[(\d+)\]/.exec(problem);
      expect(block && index).toBeTruthy();
      return entries.map((entry, i) => (i === Number(index![1]) ? block![1] : entry));
    }

    /** An app where pool A takes `aTakes` (in a Stage if `inStage`) and pool B has `bAddresses`, both of RANGE. */
    function app(aTakes: string[] | undefined, bAddresses: string[] | undefined, inStage: boolean): App {
      const root = new App();
      const aScope = inStage ? new Stack(new Stage(root, 'Prod'), 'Mail', { env: EAST }) : new Stack(root, 'Other', { env: EAST });
      split(aScope, 'A', aTakes);
      split(new Stack(root, 'Mail', { env: EAST }), 'B', bAddresses);
      return root;
    }

    test.each([
      ['an empty list', [], 'list the blocks of 8.8.8.0/24 that this pool takes, free of the other pools of the range, e.g. addresses: ["8.8.8.128/25"] (other pools take part of the range, so addresses cannot be left unset).', ['8.8.8.128/25']],
      ['host bits', ['8.8.8.5/26'], 'write a block of 8.8.8.0/24 free of the other entries and of the other pools of the range, e.g. "8.8.8.128/26" (the bits are never masked for you, so a typo cannot select other addresses).', ['8.8.8.128/26']],
      ['a /23', ['8.8.8.0/23'], 'list only blocks of 8.8.8.0/24 free of the other pools of the range, with a prefix length from 24 to 32, e.g. "8.8.8.128/25".', ['8.8.8.128/25']],
    ])('%s, with another pool taking 8.8.8.0/25: the suggestion synthesizes', (_, addresses, expectedFix, expectedAddresses) => {
      for (const inStage of [false, true]) {
        const message = synthError(app(['8.8.8.0/25'], addresses, inStage));
        expect(violations(message)).toEqual(['Mail/B SesByoip-InvalidAddresses']);
        const finding = findingOf(message, 'Mail/B');
        expect(finding.fix).toBe(expectedFix);
        expect(finding.fix).not.toContain('leave addresses unset');
        const fixed = suggested(addresses, finding);
        expect(fixed).toEqual(expectedAddresses);
        expect(() => app(['8.8.8.0/25'], fixed, inStage).synth()).not.toThrow();
      }
    });

    test.each([
      ['an empty list', []],
      ['a /23', ['8.8.8.0/23']],
    ])('%s, with no other pool of the range: leaving addresses unset is suggested, and synthesizes', (_, addresses) => {
      const build = (b: string[] | undefined) => {
        const root = new App();
        split(new Stack(root, 'Other', { env: EAST }), 'A', ['8.8.9.0/25'], '8.8.9.0/24');
        split(new Stack(root, 'Agnostic'), 'D', ['8.8.8.0/25']);
        split(new Stack(root, 'Mail', { env: EAST }), 'B', b);
        return root;
      };
      // A is of another range, and D (no environment, an UnresolvedEnvironment) claims nothing in B's account and Region.
      const message = synthError(build(addresses));
      expect(findingOf(message, 'Mail/B').fix).toContain('leave addresses unset');
      expect(violations(synthError(build(undefined)))).toEqual(['Agnostic/D SesByoip-UnresolvedEnvironment']);
    });

    test('with another pool taking the whole range, no example and no "leave addresses unset"', () => {
      const message = synthError(app(undefined, [], false));
      expect(violations(message)).toEqual(['Mail/B SesByoip-InvalidAddresses']);
      expect(findingOf(message, 'Mail/B').fix).toBe(
        'list the blocks of 8.8.8.0/24 that this pool takes; the other pools of 8.8.8.0/24 in this account and Region take all of it now: free addresses in one of them first.',
      );
    });

    test('a pool without addresses that overlaps a split is asked for addresses; the example synthesizes', () => {
      const build = (b?: string[], c = false) => {
        const root = new App();
        const stack = new Stack(root, 'Mail', { env: EAST });
        split(stack, 'A', ['8.8.8.0/26']);
        split(stack, 'B', b);
        if (c) {
          split(stack, 'C');
        }
        return root;
      };
      const message = synthError(build());
      const fix = 'claim each address once: give this pool addresses that leave 8.8.8.0/26 free (it takes the whole range), e.g. addresses: ["8.8.8.64/26", "8.8.8.128/25"] here (the part of the range that no other pool takes).';
      expect(findingOf(message, 'Mail/B').fix).toBe(fix);
      expect(() => build(suggested([], findingOf(message, 'Mail/B'))).synth()).not.toThrow();
      // With a third pool taking the whole range, nothing is free: no example, and nothing about this pool's (missing) addresses.
      const withC = synthError(build(undefined, true));
      expect(violations(withC)).toEqual(['Mail/B SesByoip-OverlappingAddresses', 'Mail/C SesByoip-DuplicateRange']);
      expect(findingOf(withC, 'Mail/B').fix).toBe(
        'claim each address once: give this pool addresses that leave 8.8.8.0/26 free (it takes the whole range);' +
          ' the other pools of 8.8.8.0/24 in this account and Region take all of it now: free addresses in one of them first.',
      );
    });
  });
});

describe('the checked constructs: one interface, no engine edits', () => {
  /** A construct of a kind the engine has never heard of, with a rule of its own and a unique value. */
  const MONITOR_BRAND = Symbol.for('cdk-ses-byoip.test.Monitor');
  class Monitor extends Construct {
    constructor(scope: Construct, id: string, public readonly target: string) {
      super(scope, id);
      Object.defineProperty(this, MONITOR_BRAND, { value: true });
      ByoipChecks._applyDefault(this);
    }
  }
  registerCheckedKind({
    name: 'Monitor',
    is: (node) => (node as unknown as Record<symbol, unknown>)[MONITOR_BRAND] === true,
    warnings: [],
    factsOf: (node) => {
      const monitor = node as Monitor;
      const finding = (ruleId: string, problem: string) => ({ ruleId, severity: 'error' as const, problem, allowed: 'a.', fix: 'b.' });
      return {
        errors: monitor.target === '' ? [finding('SesByoip-TestEmpty', 'target is empty.')] : [],
        uniqueValues: [{
          ruleId: 'SesByoip-TestDuplicate',
          key: monitor.target,
          conflict: (earlier, isTaken) => finding('SesByoip-TestDuplicate', `target ${monitor.target} is also watched by ${earlier.join(', ')}; "x" is ${isTaken('x') ? 'taken' : 'free'}.`),
        }],
      };
    },
  });

  test('a new kind\'s errors and unique values reach synthesis, with the pools\', across stacks and Stages', () => {
    const app = new App();
    const root = new Stack(app, 'Root', { env: EAST });
    new Monitor(root, 'A', 'x');
    new Monitor(root, 'Empty', '');
    new ByoipSendingPool(root, 'Pool', { cidr: '10.0.0.0/24' });
    new Monitor(new Stack(new Stage(app, 'Prod'), 'Mail'), 'B', 'x');
    new Monitor(new Stack(app, 'Other'), 'C', 'x');
    const message = synthError(app);
    expect(violations(message).sort()).toEqual([
      'Other/C SesByoip-TestDuplicate',
      'Root/Empty SesByoip-TestEmpty',
      'Root/Pool SesByoip-NotPublic',
    ]);
    expect(message).toContain('[SesByoip-TestDuplicate] target x is also watched by Root/A, Prod/Mail/B; "x" is taken. Allowed: a. Fix: b.');
  });

  test('a construct of another copy of this library is checked by whichever copy validates it', () => {
    const cdkModules = ['aws-cdk-lib', 'aws-cdk-lib/aws-lambda', 'aws-cdk-lib/aws-logs', 'aws-cdk-lib/aws-iam',
      'aws-cdk-lib/aws-ses', 'aws-cdk-lib/aws-stepfunctions', 'aws-cdk-lib/custom-resources', 'constructs'];
    const shared = Object.fromEntries(cdkModules.map((m) => [m, jest.requireActual(m)]));
    let copy: typeof import('../src') | undefined;
    jest.isolateModules(() => {
      for (const m of cdkModules) {
        jest.doMock(m, () => shared[m]);
      }
      copy = jest.requireActual('../src');
    });
    expect(copy!.ByoipSendingPool).not.toBe(ByoipSendingPool);
    for (const copyFirst of [true, false]) {
      // Two stacks: each copy has its own provider singleton per stack.
      const app = new App();
      const first = new Stack(app, 'First', { env: EAST });
      const second = new Stack(app, 'Second', { env: EAST });
      const [A, B] = copyFirst ? [copy!.ByoipSendingPool, ByoipSendingPool] : [ByoipSendingPool, copy!.ByoipSendingPool];
      new A(first, 'Pool', { cidr: '8.8.8.0/24' });
      new B(second, 'Pool', { cidr: '8.8.8.0/24' });
      const message = synthError(app);
      expect(violations(message)).toEqual(['Second/Pool SesByoip-DuplicateRange']);
      expect(message.match(/SesByoip-DuplicateRange/g)).toHaveLength(1);
    }
  });
});

describe('SesByoip-DuplicatePoolName', () => {
  /** A pool of `cidr` named `name` in `scope`. */
  function named(scope: Construct, id: string, cidr: string, name?: string): ByoipSendingPool {
    return new ByoipSendingPool(scope, id, { cidr, dedicatedIpPoolName: name });
  }

  const MESSAGE =
    '[SesByoip-DuplicatePoolName] dedicatedIpPoolName "marketing" is also the name of Mail/A in account 111111111111, Region us-east-1;' +
    ' a dedicated IP pool\'s name is unique in its account and Region, so the deploy that creates the second pool fails.' +
    ' Allowed: a name of its own for each ByoipSendingPool of an account and Region (pools of other accounts or Regions may share a name).' +
    ' Fix: give this pool another name, e.g. "byoip-8-8-9-0", or leave dedicatedIpPoolName unset: CloudFormation then generates a unique one.';

  describe('compliant', () => {
    test('one name in two Regions, two accounts, and generated names, synthesize', () => {
      const app = new App();
      named(new Stack(app, 'East', { env: EAST }), 'A', '8.8.8.0/24', 'marketing');
      named(new Stack(app, 'West', { env: WEST }), 'A', '8.8.9.0/24', 'marketing');
      named(new Stack(new Stage(app, 'Other'), 'Mail', { env: OTHER_ACCOUNT }), 'A', '8.8.10.0/24', 'marketing');
      const stack = new Stack(app, 'Unnamed', { env: EAST });
      named(stack, 'B', '8.8.11.0/24');
      named(stack, 'C', '8.8.12.0/24');
      expect(() => app.synth()).not.toThrow();
    });

    test('a name that is a token is left for SES to check at deploy', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: EAST });
      const name = new CfnParameter(stack, 'PoolName').valueAsString;
      named(stack, 'A', '8.8.8.0/24', name);
      named(stack, 'B', '8.8.9.0/24', name);
      expect(() => app.synth()).not.toThrow();
    });

    test('a name that breaks its own rule is not also a duplicate', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: EAST });
      named(stack, 'A', '8.8.8.0/24', 'ses-shared-pool');
      named(stack, 'B', '8.8.9.0/24', 'ses-shared-pool');
      named(stack, 'C', '8.8.10.0/24', 'Bad Name');
      named(stack, 'D', '8.8.11.0/24', 'Bad Name');
      expect(violations(synthError(app))).toEqual([
        'Mail/A SesByoip-ReservedPoolName', 'Mail/B SesByoip-ReservedPoolName', 'Mail/C SesByoip-InvalidPoolName', 'Mail/D SesByoip-InvalidPoolName',
      ]);
    });
  });

  describe('non-compliant', () => {
    test('fails once, on the later pool of one stack, with the exact message; the example synthesizes', () => {
      const build = (second: string | undefined) => {
        const app = new App();
        const stack = new Stack(app, 'Mail', { env: EAST });
        named(stack, 'A', '8.8.8.0/24', 'marketing');
        named(stack, 'B', '8.8.9.0/24', second);
        return app;
      };
      const message = synthError(build('marketing'));
      expect(violations(message)).toEqual(['Mail/B SesByoip-DuplicatePoolName']);
      expect(message).toContain(`[Mail/B] ${MESSAGE}`);
      expect(() => build('byoip-8-8-9-0').synth()).not.toThrow();
      expect(() => build(undefined).synth()).not.toThrow();
    });

    test('fails across two stacks of one account and Region', () => {
      const app = new App();
      named(new Stack(app, 'Mail', { env: EAST }), 'A', '8.8.8.0/24', 'marketing');
      named(new Stack(app, 'Other', { env: EAST }), 'B', '8.8.9.0/24', 'marketing');
      const message = synthError(app);
      expect(violations(message)).toEqual(['Other/B SesByoip-DuplicatePoolName']);
      expect(message).toContain(`[Other/B] ${MESSAGE}`);
    });

    test('fails across a Stage, also when the Stage is synthesized alone', () => {
      const app = new App();
      named(new Stack(app, 'Mail', { env: EAST }), 'A', '8.8.8.0/24', 'marketing');
      const stack = new Stack(new Stage(app, 'Prod', { env: EAST }), 'Mail');
      named(stack, 'B', '8.8.9.0/24', 'marketing');
      expect(violations(synthError(app))).toEqual(['Prod/Mail/B SesByoip-DuplicatePoolName']);
      expect(() => Template.fromStack(stack)).toThrow(/SesByoip-DuplicatePoolName/);
    });

    test('sees a name set through an override', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: EAST });
      named(stack, 'A', '8.8.8.0/24', 'marketing');
      const b = named(stack, 'B', '8.8.9.0/24');
      (b.dedicatedIpPool.node.defaultChild as ses.CfnDedicatedIpPool).addPropertyOverride('PoolName', 'marketing');
      expect(violations(synthError(app))).toEqual(['Mail/B SesByoip-DuplicatePoolName']);
    });

    test('three pools of one name are one finding, on the last, naming the others; its example is free', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: EAST });
      named(stack, 'A', '8.8.8.0/24', 'marketing');
      named(stack, 'Taken', '8.8.10.0/24', 'byoip-8-8-9-0');
      named(stack, 'B', '8.8.9.0/24', 'marketing');
      named(stack, 'C', '8.8.9.0/24', 'marketing');
      const message = synthError(app);
      expect(violations(message)).toEqual(['Mail/C SesByoip-DuplicateRange', 'Mail/C SesByoip-DuplicatePoolName']);
      expect(message).toContain('dedicatedIpPoolName "marketing" is also the name of Mail/A, Mail/B in account 111111111111, Region us-east-1;');
      expect(message).toContain('Fix: give this pool another name, e.g. "marketing-2", or leave dedicatedIpPoolName unset');
    });

    test('fails in one environment-agnostic stack: its account and Region are one', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail');
      named(stack, 'A', '8.8.8.0/24', 'marketing');
      named(stack, 'B', '8.8.9.0/24', 'marketing');
      named(new Stack(app, 'Other'), 'C', '8.8.10.0/24', 'marketing');
      const message = synthError(app);
      expect(violations(message)).toEqual([
        'Mail/A SesByoip-UnresolvedEnvironment',
        'Mail/B SesByoip-UnresolvedEnvironment',
        'Mail/B SesByoip-DuplicatePoolName',
        'Other/C SesByoip-UnresolvedEnvironment',
      ]);
      expect(message).toContain('dedicatedIpPoolName "marketing" is also the name of Mail/A, in the same stack;');
    });
  });

  test('is a ByoipRuleId', () => {
    expect(ByoipRuleId.DUPLICATE_POOL_NAME).toBe('SesByoip-DuplicatePoolName');
  });
});
