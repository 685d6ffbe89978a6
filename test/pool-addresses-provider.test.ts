import { App, CfnResource, Fn, NestedStack, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ENV } from './helpers';
import { ByoipFunctions, ByoipSendingPool, WarmupMode } from '../src';

/** The ARN of a pool of the test account and Region, as the template writes it. */
function poolArn(name: string | { Ref: string }) {
  const prefix = `:ses:${ENV.region}:${ENV.account}:dedicated-ip-pool/`;
  return { 'Fn::Join': ['', typeof name === 'string' ? ['arn:', { Ref: 'AWS::Partition' }, `${prefix}${name}`] : ['arn:', { Ref: 'AWS::Partition' }, prefix, name]] };
}

/** The IAM statements of the handler's role. */
/** The handler may write its own tag keys only. */
const OWN_TAG_KEYS = { 'ForAllValues:StringLike': { 'aws:TagKeys': ['cdk-ses-byoip:applied', 'cdk-ses-byoip:adopted*'] } };

function handlerStatements(template: Template): Array<Record<string, unknown>> {
  const roles = template.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('cdk-ses-byoip') } });
  const [roleId] = Object.keys(roles);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]),
  );
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

describe('the custom resource of ByoipSendingPool', () => {
  test('carries the literal range and a reference to the pool, and the configuration set waits for it', () => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    const template = Template.fromStack(stack);
    const poolId = template.getResourceId('AWS::SES::DedicatedIpPool');
    template.hasResourceProperties('Custom::SesByoipPoolAddresses', {
      Cidr: '8.8.8.0/24',
      PoolName: { Ref: poolId },
      Warmup: 'LEAVE_AS_IS',
      AdoptAddressesFromOtherPools: 'false',
      ServiceTimeout: '3600',
    });
    const resourceId = template.getResourceId('Custom::SesByoipPoolAddresses');
    template.hasResource('AWS::SES::ConfigurationSet', { DependsOn: [resourceId] });
  });

  test('passes warm-up and adoption choices', () => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24', warmup: WarmupMode.ALREADY_WARM, adoptAddressesFromOtherPools: true });
    Template.fromStack(stack).hasResourceProperties('Custom::SesByoipPoolAddresses', {
      Warmup: 'ALREADY_WARM',
      AdoptAddressesFromOtherPools: 'true',
    });
  });
});

describe('the custom resource of a pool with addresses', () => {
  /** The Properties of the custom resource of `pool`; `unchecked`: synthesized without validation. */
  function propertiesOf(stack: Stack, pool: ByoipSendingPool, unchecked = false): Record<string, unknown> {
    const logicalId = stack.getLogicalId(pool.node.findChild('PoolAddresses').node.defaultChild as CfnResource);
    const template = unchecked
      ? (stack.node.root as App).synth({ skipValidation: true }).getStackByName(stack.stackName).template
      : Template.fromStack(stack).toJSON();
    return template.Resources[logicalId].Properties;
  }

  const poolRef = (stack: Stack, pool: ByoipSendingPool) => stack.resolve(pool.dedicatedIpPoolName);

  test('without addresses, carries exactly the properties of every release before them, in the same order', () => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    const pool = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    // Pools that split another range, and one that splits this one, in the same stack change nothing.
    new ByoipSendingPool(stack, 'A', { cidr: '8.8.9.0/24', addresses: ['8.8.9.0/25'] });
    new ByoipSendingPool(stack, 'B', { cidr: '8.8.9.0/24', addresses: ['8.8.9.128/25'] });
    const properties = propertiesOf(stack, pool);
    expect(properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': ['SesByoipPoolAddressesProviderframeworkonEvent225FDD20', 'Arn'] },
      ServiceTimeout: '3600',
      Cidr: '8.8.8.0/24',
      PoolName: { Ref: 'SendingDedicatedIpPool39921166' },
      Warmup: 'LEAVE_AS_IS',
      AdoptAddressesFromOtherPools: 'false',
    });
    expect(Object.keys(properties)).toEqual(['ServiceToken', 'ServiceTimeout', 'Cidr', 'PoolName', 'Warmup', 'AdoptAddressesFromOtherPools']);
    expect(stack.getLogicalId(pool.node.findChild('PoolAddresses').node.defaultChild as CfnResource)).toBe('SendingPoolAddresses2A762892');
  });

  test('carries the blocks as given, and no SiblingClaims without a sibling', () => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    const pool = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24', addresses: ['8.8.8.64/26', '8.8.8.0/27'] });
    // Another range, and a pool of this range in another stack, are not siblings.
    new ByoipSendingPool(stack, 'Other', { cidr: '8.8.9.0/24', addresses: ['8.8.9.0/26'] });
    new ByoipSendingPool(new Stack(stack.node.scope as App, 'Elsewhere', { env: ENV }), 'Far', { cidr: '8.8.8.0/24', addresses: ['8.8.8.128/25'] });
    const properties = propertiesOf(stack, pool);
    expect(properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': ['SesByoipPoolAddressesProviderframeworkonEvent225FDD20', 'Arn'] },
      ServiceTimeout: '3600',
      Cidr: '8.8.8.0/24',
      PoolName: poolRef(stack, pool),
      Warmup: 'LEAVE_AS_IS',
      AdoptAddressesFromOtherPools: 'false',
      Addresses: ['8.8.8.64/26', '8.8.8.0/27'],
    });
    expect(properties).not.toHaveProperty('SiblingClaims');
  });

  test('two pools that split a range in one stack each carry the claim of the other, with a reference to its pool', () => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    const transactional = new ByoipSendingPool(stack, 'Transactional', { cidr: '8.8.8.0/24', addresses: ['8.8.8.0/27'] });
    const marketing = new ByoipSendingPool(stack, 'Marketing', { cidr: '8.8.8.0/24', addresses: ['8.8.8.32/27', '8.8.8.64/26'] });
    expect(propertiesOf(stack, transactional).SiblingClaims).toEqual([
      { 'Fn::Join': ['', [poolRef(stack, marketing), '|8.8.8.32/27,8.8.8.64/26']] },
    ]);
    expect(propertiesOf(stack, marketing).SiblingClaims).toEqual([
      { 'Fn::Join': ['', [poolRef(stack, transactional), '|8.8.8.0/27']] },
    ]);
  });

  test('pools created later count, in the order they are created', () => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    const first = new ByoipSendingPool(stack, 'First', { cidr: '8.8.8.0/24', addresses: ['8.8.8.0/26'] });
    const second = new ByoipSendingPool(stack, 'Second', { cidr: '8.8.8.0/24', addresses: ['8.8.8.64/26'], dedicatedIpPoolName: 'marketing' });
    const third = new ByoipSendingPool(stack, 'Third', { cidr: '8.8.8.0/24', addresses: ['8.8.8.128/25'] });
    expect(propertiesOf(stack, first).SiblingClaims).toEqual([
      { 'Fn::Join': ['', [poolRef(stack, second), '|8.8.8.64/26']] },
      { 'Fn::Join': ['', [poolRef(stack, third), '|8.8.8.128/25']] },
    ]);
  });

  test('a pool without addresses, or with blocks that fail the checks, is nobody\'s sibling and has none', () => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    const pool = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24', addresses: ['8.8.8.0/26'] });
    new ByoipSendingPool(stack, 'Whole', { cidr: '8.8.8.0/24' });
    const bad = new ByoipSendingPool(stack, 'Bad', { cidr: '8.8.8.0/24', addresses: ['8.8.8.64/26', '8.8.8.65/26'] });
    const token = new ByoipSendingPool(stack, 'Token', { cidr: '8.8.8.0/24', addresses: [Fn.importValue('Block')] });
    // (The app fails its checks: OverlappingAddresses, InvalidAddresses, UnresolvedAddresses.)
    expect(propertiesOf(stack, pool, true)).not.toHaveProperty('SiblingClaims');
    expect(propertiesOf(stack, bad, true)).not.toHaveProperty('SiblingClaims');
    expect(propertiesOf(stack, token, true)).not.toHaveProperty('SiblingClaims');
    expect(propertiesOf(stack, token, true).Addresses).toEqual([{ 'Fn::ImportValue': 'Block' }]);
  });

  test('pools in a nested stack have their own provider, and are not siblings of the parent\'s pools', () => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    const parent = new ByoipSendingPool(stack, 'Parent', { cidr: '8.8.8.0/24', addresses: ['8.8.8.0/25'] });
    const nested = new NestedStack(stack, 'Nested');
    const child = new ByoipSendingPool(nested, 'Child', { cidr: '8.8.8.0/24', addresses: ['8.8.8.128/26'] });
    const sibling = new ByoipSendingPool(nested, 'Sibling', { cidr: '8.8.8.0/24', addresses: ['8.8.8.192/26'] });
    expect(propertiesOf(stack, parent)).not.toHaveProperty('SiblingClaims');
    expect(propertiesOf(nested, child).SiblingClaims).toEqual([{ 'Fn::Join': ['', [poolRef(nested, sibling), '|8.8.8.192/26']] }]);
  });
});

describe('the provider', () => {
  test('fills the pools of a stack one after the other', () => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    const pools = ['8.8.8.0/24', '8.8.9.0/24', '8.8.10.0/24'].map((cidr, i) => new ByoipSendingPool(stack, `P${i}`, { cidr }));
    const template = Template.fromStack(stack);
    const ids = pools.map((p) => stack.getLogicalId(p.node.findChild('PoolAddresses').node.defaultChild as CfnResource));
    template.hasResource('Custom::SesByoipPoolAddresses', { Properties: { Cidr: '8.8.9.0/24' }, DependsOn: [ids[0]] });
    template.hasResource('Custom::SesByoipPoolAddresses', { Properties: { Cidr: '8.8.10.0/24' }, DependsOn: [ids[1]] });
    template.hasResource('Custom::SesByoipPoolAddresses', { Properties: { Cidr: '8.8.8.0/24' }, DependsOn: Match.absent() });
  });

  test('is created once per stack and shared by every pool in it', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: ENV });
    new ByoipSendingPool(stack, 'A', { cidr: '8.8.8.0/24' });
    new ByoipSendingPool(stack, 'B', { cidr: '8.8.9.0/24' });
    const other = new Stack(app, 'Other', { env: ENV });
    new ByoipSendingPool(other, 'C', { cidr: '8.8.10.0/24' });

    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::SesByoipPoolAddresses', 2);
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.resourceCountIs('AWS::Lambda::Function', 5); // onEvent and isComplete, and the framework's three
    const tokens = Object.values(template.findResources('Custom::SesByoipPoolAddresses')).map((r) => JSON.stringify(r.Properties.ServiceToken));
    expect(new Set(tokens).size).toBe(1);
    Template.fromStack(other).resourceCountIs('AWS::StepFunctions::StateMachine', 1);
  });

  test('runs the bundled handler on the default Node.js runtime, nodejs22.x, within the framework\'s limits', () => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    const template = Template.fromStack(stack);
    for (const [handler, timeout] of [['index.onEvent', 300], ['index.isComplete', 600]] as const) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: handler,
        Runtime: 'nodejs22.x',
        Timeout: timeout,
        LoggingConfig: { LogGroup: Match.anyValue() },
      });
    }
    // The waiter checks every 10 s; the handler's own 45-minute deadline is what ends a long operation.
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionString: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('"IntervalSeconds":10,')])] },
    });
  });

  test('may move addresses only into its own pools (by name, and by its tag: old names included) and back into ses-default-dedicated-pool', () => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    new ByoipSendingPool(stack, 'A', { cidr: '8.8.8.0/24' });
    new ByoipSendingPool(stack, 'B', { cidr: '8.8.9.0/24' });
    const template = Template.fromStack(stack);
    const [poolA, poolB] = Object.keys(template.findResources('AWS::SES::DedicatedIpPool'));

    expect(handlerStatements(template)).toEqual([
      { Action: 'ses:GetDedicatedIps', Effect: 'Allow', Resource: poolArn('*') },
      {
        Action: 'ses:PutDedicatedIpInPool',
        Effect: 'Allow',
        Resource: [poolArn('ses-default-dedicated-pool'), poolArn({ Ref: poolA }), poolArn({ Ref: poolB })],
      },
      {
        Action: 'ses:PutDedicatedIpInPool',
        Effect: 'Allow',
        Resource: poolArn('*'),
        Condition: { StringEquals: { 'aws:ResourceTag/cdk-ses-byoip:stack-id': { Ref: 'AWS::StackId' } } },
      },
      { Action: 'cloudformation:DescribeStacks', Effect: 'Allow', Resource: { Ref: 'AWS::StackId' } },
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } },
      {
        Action: ['ses:ListTagsForResource', 'ses:TagResource', 'ses:UntagResource'],
        Effect: 'Allow',
        Resource: [poolArn({ Ref: poolA }), poolArn({ Ref: poolB })],
        Condition: OWN_TAG_KEYS,
      },
      {
        Action: ['ses:ListTagsForResource', 'ses:TagResource', 'ses:UntagResource'],
        Effect: 'Allow',
        Resource: poolArn('*'),
        Condition: { ...OWN_TAG_KEYS, StringEquals: { 'aws:ResourceTag/cdk-ses-byoip:stack-id': { Ref: 'AWS::StackId' } } },
      },
    ]);
  });

  test('may move addresses into any pool only when a pool adopts from others: to put them back where they came from', () => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    new ByoipSendingPool(stack, 'A', { cidr: '8.8.8.0/24', adoptAddressesFromOtherPools: true });
    new ByoipSendingPool(stack, 'B', { cidr: '8.8.9.0/24', adoptAddressesFromOtherPools: true });
    const anyPool = (t: Template) => handlerStatements(t).filter((s) => s.Action === 'ses:PutDedicatedIpInPool' && s.Condition === undefined && s.Resource !== undefined &&
      JSON.stringify(s.Resource) === JSON.stringify(poolArn('*')));
    expect(anyPool(Template.fromStack(stack))).toHaveLength(1);

    const plain = new Stack(new App(), 'Plain', { env: ENV });
    new ByoipSendingPool(plain, 'A', { cidr: '8.8.8.0/24' });
    expect(anyPool(Template.fromStack(plain))).toEqual([]);
  });

  test('tags every pool it serves with its stack\'s ID, which the move grant requires', () => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    new ByoipSendingPool(stack, 'A', { cidr: '8.8.8.0/24', dedicatedIpPoolName: 'byoip-a' });
    new ByoipSendingPool(stack, 'B', { cidr: '8.8.9.0/24' });
    const pools = Object.values(Template.fromStack(stack).findResources('AWS::SES::DedicatedIpPool'));
    expect(pools).toHaveLength(2);
    for (const pool of pools) {
      expect(pool.Properties.Tags).toEqual([{ Key: 'cdk-ses-byoip:stack-id', Value: { Ref: 'AWS::StackId' } }]);
    }
  });

  test('keeps its ServiceToken and the custom resource\'s logical ID stable (a change would replace the resource and empty the pool)', () => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    const template = Template.fromStack(stack);
    const [[logicalId, resource]] = Object.entries(template.findResources('Custom::SesByoipPoolAddresses'));
    // The values of the first release: deployed stacks carry them.
    expect(logicalId).toBe('SendingPoolAddresses2A762892');
    expect(resource.Properties.ServiceToken).toEqual({
      'Fn::GetAtt': ['SesByoipPoolAddressesProviderframeworkonEvent225FDD20', 'Arn'],
    });
  });

  // ByoipFunctions.configure settings: none may change the ServiceToken
  // (CloudFormation refuses a changed one) or a logical ID.
  const SETTINGS: Array<[string, (stack: Stack) => void, (stack: Stack) => void]> = [
    ['no setting', () => {}, () => {}],
    ['a runtime, a log retention and removal policy', (stack) => ByoipFunctions.configure(stack, {
      runtime: lambda.Runtime.NODEJS_20_X, logRetention: logs.RetentionDays.ONE_DAY, logRemovalPolicy: RemovalPolicy.DESTROY,
    }), () => {}],
    ['the same, set after the pool', () => {}, (stack) => ByoipFunctions.configure(stack, {
      runtime: lambda.Runtime.NODEJS_22_X, logRetention: logs.RetentionDays.INFINITE, logRemovalPolicy: RemovalPolicy.DESTROY,
    })],
    ['a runtime and a log group', (stack) => ByoipFunctions.configure(stack, {
      runtime: lambda.Runtime.NODEJS_20_X, logGroup: new logs.LogGroup(stack, 'Shared'),
    }), () => {}],
  ];

  test.each(SETTINGS)('keeps the ServiceToken and every logical ID of the custom resource and the provider\'s functions with %s', (_name, before, after) => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    before(stack);
    new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    after(stack);
    const template = Template.fromStack(stack);
    const [[logicalId, resource]] = Object.entries(template.findResources('Custom::SesByoipPoolAddresses'));
    // The values of the first release (as in the test above).
    expect(logicalId).toBe('SendingPoolAddresses2A762892');
    expect(resource.Properties.ServiceToken).toEqual({
      'Fn::GetAtt': ['SesByoipPoolAddressesProviderframeworkonEvent225FDD20', 'Arn'],
    });
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).sort()).toEqual([
      'SesByoipPoolAddressesIsComplete06E57609',
      'SesByoipPoolAddressesOnEventD9449E30',
      'SesByoipPoolAddressesProviderframeworkisComplete6D0ABB81',
      'SesByoipPoolAddressesProviderframeworkonEvent225FDD20',
      'SesByoipPoolAddressesProviderframeworkonTimeout67FAE719',
    ]);
    expect(Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))).toEqual(['SesByoipPoolAddressesProviderwaiterstatemachine0757A981']);
  });

  test('may set warm-up only when a pool asks for it (SES grants that action on "*" only)', () => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    new ByoipSendingPool(stack, 'A', { cidr: '8.8.8.0/24', warmup: WarmupMode.ALREADY_WARM });
    new ByoipSendingPool(stack, 'B', { cidr: '8.8.9.0/24', warmup: WarmupMode.ALREADY_WARM });
    const statements = handlerStatements(Template.fromStack(stack));
    expect(statements.filter((s) => s.Action === 'ses:PutDedicatedIpWarmupAttributes')).toEqual([
      { Action: 'ses:PutDedicatedIpWarmupAttributes', Effect: 'Allow', Resource: '*' },
    ]);

    const plain = new Stack(new App(), 'Plain', { env: ENV });
    new ByoipSendingPool(plain, 'A', { cidr: '8.8.8.0/24' });
    expect(JSON.stringify(handlerStatements(Template.fromStack(plain)))).not.toContain('Warmup');
  });

  test('uses no managed policy for the handler', () => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('cdk-ses-byoip'),
      ManagedPolicyArns: Match.absent(),
    });
  });
});
