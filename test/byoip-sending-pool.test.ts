import { Annotations as CoreAnnotations, App, CfnParameter, Duration, Fn, Stack, Token, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ENV } from './helpers';
import { ByoipRuleId, ByoipSendingPool } from '../src';

function newStack(): Stack {
  return new Stack(new App(), 'Mail', { env: ENV });
}

describe('ByoipSendingPool', () => {
  test('creates a STANDARD dedicated IP pool and a configuration set that sends through it', () => {
    const stack = newStack();
    new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });

    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SES::DedicatedIpPool', 1);
    template.resourceCountIs('AWS::SES::ConfigurationSet', 1);
    template.hasResourceProperties('AWS::SES::DedicatedIpPool', {
      ScalingMode: 'STANDARD',
      PoolName: Match.absent(),
    });
    const poolId = template.getResourceId('AWS::SES::DedicatedIpPool');
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      Name: Match.absent(),
      DeliveryOptions: { SendingPoolName: { Ref: poolId }, TlsPolicy: Match.absent() },
      ReputationOptions: { ReputationMetricsEnabled: true },
      SendingOptions: Match.absent(),
      SuppressionOptions: Match.absent(),
      TrackingOptions: Match.absent(),
      VdmOptions: Match.absent(),
    });
  });

  test('names the pool and the configuration set when asked', () => {
    const stack = newStack();
    new ByoipSendingPool(stack, 'Sending', {
      cidr: '8.8.8.0/24',
      dedicatedIpPoolName: 'byoip-8-8-8',
      configurationSetName: 'byoip-mail',
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SES::DedicatedIpPool', { PoolName: 'byoip-8-8-8', ScalingMode: 'STANDARD' });
    template.hasResourceProperties('AWS::SES::ConfigurationSet', { Name: 'byoip-mail' });
  });

  test('passes the configuration set options through to ses.ConfigurationSet', () => {
    const stack = newStack();
    new ByoipSendingPool(stack, 'Sending', {
      cidr: '8.8.8.0/24',
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: false,
      sendingEnabled: false,
      suppressionReasons: ses.SuppressionReasons.COMPLAINTS_ONLY,
      customTrackingRedirectDomain: 'track.example.com',
      customTrackingHttpsPolicy: ses.HttpsPolicy.REQUIRE,
      vdmOptions: { engagementMetrics: true, optimizedSharedDelivery: false },
      maxDeliveryDuration: Duration.hours(2),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SES::ConfigurationSet', {
      DeliveryOptions: { TlsPolicy: 'REQUIRE', MaxDeliverySeconds: 7200, SendingPoolName: Match.anyValue() },
      ReputationOptions: { ReputationMetricsEnabled: false },
      SendingOptions: { SendingEnabled: false },
      SuppressionOptions: { SuppressedReasons: ['COMPLAINT'] },
      TrackingOptions: { CustomRedirectDomain: 'track.example.com', HttpsPolicy: 'REQUIRE' },
      VdmOptions: {
        DashboardOptions: { EngagementMetrics: 'ENABLED' },
        GuardianOptions: { OptimizedSharedDelivery: 'DISABLED' },
      },
    });
  });

  test('passes the suppression and auto-validation switches through', () => {
    const stack = newStack();
    new ByoipSendingPool(stack, 'Off', { cidr: '8.8.8.0/24', disableSuppressionList: true, disableAutoValidation: true });
    new ByoipSendingPool(stack, 'High', {
      cidr: '8.8.9.0/24',
      autoValidationThreshold: ses.AutoValidationThreshold.HIGH,
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      SuppressionOptions: {
        SuppressedReasons: [],
        ValidationOptions: { ConditionThreshold: { ConditionThresholdEnabled: 'DISABLED' } },
      },
    });
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      SuppressionOptions: {
        ValidationOptions: {
          ConditionThreshold: {
            ConditionThresholdEnabled: 'ENABLED',
            OverallConfidenceThreshold: { ConfidenceVerdictThreshold: 'HIGH' },
          },
        },
      },
    });
  });

  test('exposes the pool, the configuration set, their names and the range', () => {
    const stack = newStack();
    const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });

    expect(sending.cidr).toBe('8.8.8.0/24');
    expect(stack.resolve(sending.dedicatedIpPool.dedicatedIpPoolName)).toEqual({ Ref: 'SendingDedicatedIpPool39921166' });
    expect(stack.resolve(sending.dedicatedIpPoolName)).toEqual({ Ref: 'SendingDedicatedIpPool39921166' });
    expect(stack.resolve(sending.configurationSet.configurationSetName)).toEqual({ Ref: 'SendingConfigurationSetA216B40C' });
    expect(stack.resolve(sending.configurationSetName)).toEqual({ Ref: 'SendingConfigurationSetA216B40C' });
    expect(ByoipSendingPool.isByoipSendingPool(sending)).toBe(true);
    expect(ByoipSendingPool.isByoipSendingPool(stack)).toBe(false);
    expect(ByoipSendingPool.isByoipSendingPool(undefined)).toBe(false);
  });

  test('exposes the ARNs of the pool and of the configuration set', () => {
    const stack = newStack();
    const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    const arn = (resource: string, ref: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ses:us-east-1:111111111111:${resource}/`, { Ref: ref }]],
    });
    expect(stack.resolve(sending.dedicatedIpPoolArn)).toEqual(arn('dedicated-ip-pool', 'SendingDedicatedIpPool39921166'));
    expect(stack.resolve(sending.configurationSetArn)).toEqual(arn('configuration-set', 'SendingConfigurationSetA216B40C'));
  });

  describe('grantSendEmail', () => {
    const policyOf = (stack: Stack) => Template.fromStack(stack).findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^Sender') }] },
    });
    const statementsOf = (stack: Stack) => Object.values(policyOf(stack)).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const arn = (resource: string, name: unknown) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ses:us-east-1:111111111111:${resource}/`, name]],
    });
    const flatArn = (resource: string, name: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ses:us-east-1:111111111111:${resource}/${name}`]],
    });

    test('grants SendEmail and SendRawEmail on the configuration set and the identities given', () => {
      const stack = newStack();
      const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
      const identity = new ses.EmailIdentity(stack, 'Identity', { identity: ses.Identity.domain('example.com') });
      const imported = ses.EmailIdentity.fromEmailIdentityName(stack, 'Imported', 'example.org');
      const role = new iam.Role(stack, 'Sender', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      const grant = sending.grantSendEmail(role, identity, imported);
      expect(grant.success).toBe(true);
      expect(statementsOf(stack)).toEqual([{
        Effect: 'Allow',
        Action: ['ses:SendEmail', 'ses:SendRawEmail'],
        Resource: [
          arn('configuration-set', { Ref: 'SendingConfigurationSetA216B40C' }),
          arn('identity', { Ref: 'Identity2D60E2CC' }),
          flatArn('identity', 'example.org'),
        ],
      }]);
    });

    test('grants on every identity of the account and Region when none is given', () => {
      const stack = newStack();
      const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
      const role = new iam.Role(stack, 'Sender', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      sending.grantSendEmail(role);
      expect(statementsOf(stack)).toEqual([{
        Effect: 'Allow',
        Action: ['ses:SendEmail', 'ses:SendRawEmail'],
        Resource: [arn('configuration-set', { Ref: 'SendingConfigurationSetA216B40C' }), flatArn('identity', '*')],
      }]);
    });
  });

  test('an email identity can send through its configuration set', () => {
    const stack = newStack();
    const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    new ses.EmailIdentity(stack, 'Identity', {
      identity: ses.Identity.domain('example.com'),
      configurationSet: sending.configurationSet,
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SES::EmailIdentity', {
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: 'SendingConfigurationSetA216B40C' } },
    });
  });

  test('adds event destinations to its configuration set', () => {
    const stack = newStack();
    const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    const topic = new sns.Topic(stack, 'Events');
    sending.addEventDestination('ToSns', { destination: ses.EventDestination.snsTopic(topic) });
    Template.fromStack(stack).hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: 'SendingConfigurationSetA216B40C' },
      EventDestination: { Enabled: true, SnsDestination: { TopicARN: { Ref: Match.anyValue() } } },
    });
  });

  test('does not throw at construction for a bad range: synthesis does', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: ENV });
    const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '10.0.0.7/16' });
    expect(sending.cidr).toBe('10.0.0.7/16');
    expect(() => app.synth()).toThrow(/\[SesByoip-PrefixLength\]/);
  });
});

describe('DocumentationRange warning', () => {
  test('warns on the construct and does not fail synthesis', () => {
    const stack = newStack();
    new ByoipSendingPool(stack, 'Sending', { cidr: '203.0.113.0/24' });
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning(
      '/Mail/Sending',
      Match.stringLikeRegexp(/^\[SesByoip-DocumentationRange\] cidr "203.0.113.0\/24" is 203.0.113.0\/24, Documentation \(TEST-NET-3\)/.source),
    );
    annotations.hasNoError('*', Match.anyValue());
  });

  test('no warning for a range of your own', () => {
    const stack = newStack();
    new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('no warning for a range that fails a rule: the error says it all', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: ENV });
    new ByoipSendingPool(stack, 'Sending', { cidr: '203.0.113.7/24' });
    expect(stack.node.findAll().flatMap((c) => c.node.metadata).filter((m) => m.type === 'aws:cdk:warning')).toEqual([]);
  });

  test.each([
    ['the construct, after creating it', (_stack: Stack, create: () => ByoipSendingPool) => {
      const pool = create();
      CoreAnnotations.of(pool).acknowledgeWarning(ByoipRuleId.DOCUMENTATION_RANGE, 'example');
    }],
    ['the stack, before creating the construct', (stack: Stack, create: () => ByoipSendingPool) => {
      CoreAnnotations.of(stack).acknowledgeWarning('SesByoip-DocumentationRange', 'example');
      create();
    }],
    ['the stack, after creating the construct', (stack: Stack, create: () => ByoipSendingPool) => {
      create();
      CoreAnnotations.of(stack).acknowledgeWarning('SesByoip-DocumentationRange', 'example');
    }],
    // aws-cdk-lib 2.257 never looks at the App for earlier acknowledgements: the library does.
    ['the app, before creating the construct', (stack: Stack, create: () => ByoipSendingPool) => {
      CoreAnnotations.of(stack.node.root).acknowledgeWarning('SesByoip-DocumentationRange', 'example');
      create();
    }],
    ['the app, after creating the construct', (stack: Stack, create: () => ByoipSendingPool) => {
      create();
      CoreAnnotations.of(stack.node.root).acknowledgeWarning('SesByoip-DocumentationRange', 'example');
    }],
  ])('is silenced by acknowledgeWarning on %s', (_where, acknowledge) => {
    const stack = newStack();
    acknowledge(stack, () => new ByoipSendingPool(stack, 'Sending', { cidr: '198.51.100.0/24' }));
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  // The CLI prints a hint for Validations.of(x).acknowledge, with a prefix
  // that differs between versions; aws-cdk-lib 2.257 to 2.269 do not apply it
  // to addWarningV2 warnings (aws/aws-cdk#37764): the library does.
  test.each([
    'SesByoip-DocumentationRange',
    'Annotation::SesByoip-DocumentationRange',
    'annotation::SesByoip-DocumentationRange',
    'Construct-Annotations::SesByoip-DocumentationRange',
  ])('is silenced by Validations.of(x).acknowledge({ id: %j }), on the construct or a scope above it', (id) => {
    for (const where of ['pool', 'stack'] as const) {
      const stack = newStack();
      const pool = new ByoipSendingPool(stack, 'Sending', { cidr: '198.51.100.0/24' });
      Validations.of(where === 'pool' ? pool : stack).acknowledge({ id, reason: 'example app' });
      Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    }
  });

  test('is not silenced by acknowledging another rule with Validations', () => {
    const stack = newStack();
    const pool = new ByoipSendingPool(stack, 'Sending', { cidr: '198.51.100.0/24' });
    Validations.of(pool).acknowledge({ id: 'Annotation::SomethingElse', reason: 'x' });
    Annotations.fromStack(stack).hasWarning('/Mail/Sending', Match.stringLikeRegexp('SesByoip-DocumentationRange'));
  });

  test('the CLI hint passed to acknowledgeWarning does nothing (aws-cdk-lib matches IDs exactly): README says so', () => {
    const stack = newStack();
    const pool = new ByoipSendingPool(stack, 'Sending', { cidr: '198.51.100.0/24' });
    CoreAnnotations.of(pool).acknowledgeWarning('Annotation::SesByoip-DocumentationRange', 'x');
    Annotations.fromStack(stack).hasWarning('/Mail/Sending', Match.stringLikeRegexp('SesByoip-DocumentationRange'));
  });
});

describe('the addresses attributes', () => {
  test('without addresses: the whole range, 256 addresses', () => {
    const pool = new ByoipSendingPool(newStack(), 'Sending', { cidr: '8.8.8.0/24' });
    expect(pool.addresses).toEqual(['8.8.8.0/24']);
    expect(pool.addressCount).toBe(256);
  });

  test.each([
    [['8.8.8.0/27'], 32],
    [['8.8.8.32/27', '8.8.8.64/26'], 96],
    [['8.8.8.7/32'], 1],
    [['8.8.8.0/24'], 256],
    [['8.8.8.128/25', '8.8.8.0/25'], 256],
    [['8.8.8.0/25', '8.8.8.0/26'], 128], // overlapping entries (an error): distinct addresses
  ])('%j: the blocks as given, %d distinct addresses', (addresses, count) => {
    const pool = new ByoipSendingPool(newStack(), 'Sending', { cidr: '8.8.8.0/24', addresses });
    expect(pool.addresses).toEqual(addresses);
    expect(pool.addressCount).toBe(count);
  });

  test('keeps its own copy of the list', () => {
    const addresses = ['8.8.8.0/27'];
    const pool = new ByoipSendingPool(newStack(), 'Sending', { cidr: '8.8.8.0/24', addresses });
    addresses.push('8.8.8.32/27');
    expect(pool.addresses).toEqual(['8.8.8.0/27']);
    expect(pool.addressCount).toBe(32);
  });

  test.each([
    ['an entry is a token', '8.8.8.0/24', () => ['8.8.8.0/26', Fn.importValue('Block')]],
    ['the list is a token', '8.8.8.0/24', (stack: Stack) => new CfnParameter(stack, 'Blocks', { type: 'CommaDelimitedList' }).valueAsList],
    ['the range is a token', Fn.importValue('Range'), () => ['8.8.8.0/26']],
    ['the range fails the checks', '10.0.0.0/24', () => ['10.0.0.0/26']],
    ['the range fails the checks (no addresses)', '8.8.8.1/24', () => undefined],
    ['an entry fails the checks', '8.8.8.0/24', () => ['8.8.8.0/26', '8.8.8.1/26']],
    ['an entry is outside the range', '8.8.8.0/24', () => ['8.8.9.0/26']],
    ['the list is empty', '8.8.8.0/24', () => []],
  ])('addressCount is undefined when %s', (_, cidr, addresses) => {
    const stack = newStack();
    const given = addresses(stack);
    const pool = new ByoipSendingPool(stack, 'Sending', { cidr, addresses: given });
    expect(pool.addressCount).toBeUndefined();
    expect(pool.addresses).toEqual(given ?? [cidr]);
  });

  test('a list token stays a list token', () => {
    const stack = newStack();
    const pool = new ByoipSendingPool(stack, 'Sending', {
      cidr: '8.8.8.0/24',
      addresses: new CfnParameter(stack, 'Blocks', { type: 'CommaDelimitedList' }).valueAsList,
    });
    expect(Token.isUnresolved(pool.addresses)).toBe(true);
    expect(stack.resolve(pool.addresses)).toEqual({ Ref: 'Blocks' });
  });
});
