import { Annotations as CoreAnnotations, App, CfnParameter, CfnResource, Duration, Fn, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
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

describe('notifyOnReverseDnsDelays', () => {
  function withNotifications(): { stack: Stack; sending: ByoipSendingPool; topic: sns.ITopic; alarm: ReturnType<ByoipSendingPool['notifyOnReverseDnsDelays']> } {
    const stack = newStack();
    const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24', configurationSetName: 'byoip-mail' });
    const topic = new sns.Topic(stack, 'Alerts');
    const alarm = sending.notifyOnReverseDnsDelays(topic);
    return { stack, sending, topic, alarm };
  }
  const CONFIGURATION_SET = { Ref: 'SendingConfigurationSetA216B40C' };
  /** The logical ID of the log group of a pool's delayed events. */
  const eventLogId = (stack: Stack, pool = 'Sending'): string =>
    stack.resolve((stack.node.findChild(pool).node.findChild('ReverseDnsDelayEventLog').node.defaultChild as CfnResource).logicalId);

  test('publishes the delivery delays of the configuration set, and nothing else, to the default bus', () => {
    const { stack } = withNotifications();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SES::ConfigurationSetEventDestination', 1);
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: CONFIGURATION_SET,
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['deliveryDelay'], // ses.EmailSendingEvent.DELIVERY_DELAY
        EventBridgeDestination: {
          EventBusArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:us-east-1:111111111111:event-bus/default']] },
        },
        SnsDestination: Match.absent(),
        CloudWatchDestination: Match.absent(),
        KinesisFirehoseDestination: Match.absent(),
      },
    });
  });

  test('matches exactly the BYOIP host name delays of this configuration set, on the default bus, into a log group', () => {
    const { stack } = withNotifications();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::Rule', 1);
    const rules = Object.values(template.findResources('AWS::Events::Rule')) as any[];
    expect(rules[0].Properties.EventBusName).toBe('default');
    // The whole event (no Input), into the log group; never the topic: one message per delayed e-mail.
    expect(rules[0].Properties.Targets).toEqual([{
      Id: 'Target0',
      Arn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:us-east-1:111111111111:log-group:', { Ref: eventLogId(stack) }]] },
    }]);
    expect(rules[0].Properties.State).toBe('ENABLED');
    expect(rules[0].Properties.EventPattern).toEqual({
      'source': ['aws.ses'],
      'detail-type': ['Email Delivery Delayed'],
      'detail': {
        eventType: ['DeliveryDelay'],
        deliveryDelay: { delayType: ['BYOIPHostNameLookupUnavailable'] },
        mail: { tags: { 'ses:configuration-set': [CONFIGURATION_SET] } },
      },
    });
  });

  test('keeps the delayed events three months by default, in a log group that outlives the stack', () => {
    const { stack } = withNotifications();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Logs::LogGroup', 3); // the provider's two, and this one
    expect(template.toJSON().Resources[eventLogId(stack)]).toEqual({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 90 }, // and a name that CloudFormation gives
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test.each([
    [{ logRetention: logs.RetentionDays.ONE_YEAR }, 365, 'Retain'],
    [{ logRetention: logs.RetentionDays.ONE_WEEK, logRemovalPolicy: RemovalPolicy.DESTROY }, 7, 'Delete'],
    [{ logRemovalPolicy: RemovalPolicy.DESTROY }, 90, 'Delete'],
  ])('keeps them as %j asks', (options, days, policy) => {
    const stack = newStack();
    const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    sending.notifyOnReverseDnsDelays(new sns.Topic(stack, 'Alerts'), options);
    expect(Template.fromStack(stack).toJSON().Resources[eventLogId(stack)]).toEqual({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: days },
      DeletionPolicy: policy,
      UpdateReplacePolicy: policy,
    });
  });

  test('keeps them forever with RetentionDays.INFINITE, as logs.LogGroup renders it', () => {
    const stack = newStack();
    const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    sending.notifyOnReverseDnsDelays(new sns.Topic(stack, 'Alerts'), { logRetention: logs.RetentionDays.INFINITE });
    expect(Template.fromStack(stack).toJSON().Resources[eventLogId(stack)].Properties).toBeUndefined();
  });

  test('fails with logRemovalPolicy SNAPSHOT, which log groups do not support', () => {
    const stack = newStack();
    const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    expect(() => sending.notifyOnReverseDnsDelays(new sns.Topic(stack, 'Alerts'), { logRemovalPolicy: RemovalPolicy.SNAPSHOT })).toThrow(new Error(
      'notifyOnReverseDnsDelays() of Mail/Sending got logRemovalPolicy SNAPSHOT, which log groups do not support. ' +
      'Use RemovalPolicy.RETAIN (the default: the delayed events outlive the stack) or RemovalPolicy.DESTROY.'));
  });

  test('fails when called again with other log settings: the first call made the log group', () => {
    const { stack, sending } = withNotifications();
    const other = sns.Topic.fromTopicArn(stack, 'OnCall', 'arn:aws:sns:us-east-1:111111111111:on-call');
    expect(() => sending.notifyOnReverseDnsDelays(other, { logRetention: logs.RetentionDays.ONE_YEAR })).toThrow(new Error(
      'notifyOnReverseDnsDelays() of Mail/Sending was called again with other log settings (logRetention ONE_YEAR, logRemovalPolicy retain) ' +
      'than its first call (logRetention THREE_MONTHS, logRemovalPolicy retain), which made the log group of the delayed events. ' +
      'Give the same settings to every call, or leave them out of the later calls.'));
    // The same settings, given again or left out, are fine.
    sending.notifyOnReverseDnsDelays(other, { logRetention: logs.RetentionDays.THREE_MONTHS, logRemovalPolicy: RemovalPolicy.RETAIN });
    sending.notifyOnReverseDnsDelays(other);
  });

  test('lets EventBridge write there with one CloudWatch Logs resource policy per stack, whatever the pools (an account holds 10 per Region)', () => {
    const { stack } = withNotifications();
    const other = new ByoipSendingPool(stack, 'Other', { cidr: '8.8.9.0/24' });
    other.notifyOnReverseDnsDelays(sns.Topic.fromTopicArn(stack, 'OnCall', 'arn:aws:sns:us-east-1:111111111111:on-call'));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Logs::ResourcePolicy', 1);
    const eventLogs = ['Sending', 'Other'].map((id) => eventLogId(stack, id));
    const policy = stack.node.findChild('SesByoipEventLogsPolicy') as logs.ResourcePolicy;
    expect(stack.resolve(policy.document.toJSON())).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Principal: { Service: ['events.amazonaws.com', 'delivery.logs.amazonaws.com'] },
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: eventLogs.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })),
      }],
    });
    const rendered = JSON.stringify(Object.values(template.findResources('AWS::Logs::ResourcePolicy'))[0]);
    for (const id of eventLogs) {
      expect(rendered).toContain(id);
    }
    // Without a function: not aws-cdk-lib's CloudWatchLogGroup target, whose
    // custom resource sets one account-wide policy per rule.
    template.resourceCountIs('AWS::Lambda::Function', 5); // the provider's
    template.resourceCountIs('Custom::CloudwatchLogResourcePolicy', 0);
  });

  test('alarms on the rule\'s invocations of its target and tells the topic when delays start and when they stop', () => {
    const { stack, alarm } = withNotifications();
    const template = Template.fromStack(stack);
    const ruleId = template.getResourceId('AWS::Events::Rule');
    const topicId = template.getResourceId('AWS::SNS::Topic');
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Events',
      MetricName: 'Invocations',
      Dimensions: [{ Name: 'RuleName', Value: { Ref: ruleId } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topicId }],
      OKActions: [{ Ref: topicId }],
      InsufficientDataActions: Match.absent(),
      // Where to find the delayed messages.
      AlarmDescription: {
        'Fn::Join': ['', [
          Match.stringLikeRegexp('BYOIPHostNameLookupUnavailable.*The delayed messages are in CloudWatch Logs log group $'),
          { Ref: eventLogId(stack) },
          '.',
        ]],
      },
    });
    expect(stack.resolve(alarm.alarmArn)).toEqual({ 'Fn::GetAtt': [template.getResourceId('AWS::CloudWatch::Alarm'), 'Arn'] });
  });

  test('called twice with the same topic: one destination, one rule, one alarm, one action each', () => {
    const { stack, sending, topic, alarm } = withNotifications();
    expect(sending.notifyOnReverseDnsDelays(topic)).toBe(alarm);
    expect(sending.notifyOnReverseDnsDelays(sns.Topic.fromTopicArn(stack, 'Same', topic.topicArn))).toBe(alarm);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SES::ConfigurationSetEventDestination', 1);
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    template.resourceCountIs('AWS::Logs::LogGroup', 3);
    template.resourceCountIs('AWS::Logs::ResourcePolicy', 1);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [Match.anyValue()],
      OKActions: [Match.anyValue()],
    });
  });

  test('called again with another topic: the same alarm tells both topics', () => {
    const { stack, sending, alarm } = withNotifications();
    const other = sns.Topic.fromTopicArn(stack, 'OnCall', 'arn:aws:sns:us-east-1:111111111111:on-call');
    expect(sending.notifyOnReverseDnsDelays(other)).toBe(alarm);
    const template = Template.fromStack(stack);
    const topicId = template.getResourceId('AWS::SNS::Topic');
    template.resourceCountIs('AWS::SES::ConfigurationSetEventDestination', 1);
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    const both = [{ Ref: topicId }, 'arn:aws:sns:us-east-1:111111111111:on-call'];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: both, OKActions: both });
  });

  test('each pool of a stack watches its own configuration set', () => {
    const { stack, sending } = withNotifications();
    const other = new ByoipSendingPool(stack, 'Other', { cidr: '8.8.9.0/24' });
    other.notifyOnReverseDnsDelays(sns.Topic.fromTopicArn(stack, 'OnCall', 'arn:aws:sns:us-east-1:111111111111:on-call'));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SES::ConfigurationSetEventDestination', 2);
    template.resourceCountIs('AWS::Events::Rule', 2);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    const tagsOf = (rule: any) => rule.Properties.EventPattern.detail.mail.tags['ses:configuration-set'];
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rules.map(tagsOf)).toEqual(expect.arrayContaining([
      [stack.resolve(sending.configurationSetName)],
      [stack.resolve(other.configurationSetName)],
    ]));
  });

  describe('the rule\'s event pattern, run against SES events', () => {
    /**
     * The subset of EventBridge pattern matching that the rule uses: every
     * field of the pattern must be in the event; a list matches a value in it,
     * or a list of which any element is in it; an object matches an object
     * field by field.
     */
    function matches(pattern: Record<string, unknown>, event: unknown): boolean {
      if (typeof event !== 'object' || event === null || Array.isArray(event)) {
        return false;
      }
      return Object.entries(pattern).every(([key, expected]) => {
        const actual = (event as Record<string, unknown>)[key];
        if (Array.isArray(expected)) {
          const values = Array.isArray(actual) ? actual : [actual];
          return values.some((value) => (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
            && expected.includes(value));
        }
        return matches(expected as Record<string, unknown>, actual);
      });
    }

    /** The pattern of the template, with the configuration set's name in place of its Ref. */
    function deployedPattern(): Record<string, unknown> {
      const { stack } = withNotifications();
      const rule = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'))[0] as any;
      return JSON.parse(JSON.stringify(rule.Properties.EventPattern).split(JSON.stringify(CONFIGURATION_SET)).join('"byoip-mail"'));
    }

    /** An SES event as EventBridge delivers it (SES event record as the detail). */
    function sesEvent(detailType: string, detail: Record<string, unknown>, configurationSet = 'byoip-mail', source = 'aws.ses') {
      return {
        'version': '0',
        'id': '3f2f5a1c-7e1e-4b62-9d7c-2a1c0f4e5b6d',
        'detail-type': detailType,
        source,
        'account': '111111111111',
        'time': '2024-05-06T07:08:09Z',
        'region': 'us-east-1',
        'resources': [`arn:aws:ses:us-east-1:111111111111:configuration-set/${configurationSet}`],
        'detail': {
          ...detail,
          mail: {
            timestamp: '2024-05-06T06:58:09.512Z',
            source: 'sender@example.com',
            sourceArn: 'arn:aws:ses:us-east-1:111111111111:identity/example.com',
            sendingAccountId: '111111111111',
            messageId: '0100018f4c7a1b2c-6d1e2f3a-4b5c-4d6e-8f70-81a2b3c4d5e6-000000',
            destination: ['recipient@example.net'],
            headersTruncated: false,
            headers: [{ name: 'From', value: 'sender@example.com' }, { name: 'To', value: 'recipient@example.net' }],
            commonHeaders: { from: ['sender@example.com'], to: ['recipient@example.net'], subject: 'Your receipt' },
            tags: {
              'ses:configuration-set': [configurationSet],
              'ses:source-ip': ['192.0.2.10'],
              'ses:from-domain': ['example.com'],
              'ses:caller-identity': ['mailer'],
              'ses:outgoing-ip': ['8.8.8.17'],
            },
          },
        },
      };
    }
    const delay = (delayType: string) => ({
      eventType: 'DeliveryDelay',
      deliveryDelay: {
        timestamp: '2024-05-06T07:08:09.101Z',
        delayType,
        expirationTime: '2024-05-06T20:58:09.512Z',
        delayedRecipients: [{ emailAddress: 'recipient@example.net', status: '4.4.7', diagnosticCode: 'smtp; 421 4.4.7 delivery delayed' }],
      },
    });
    const bounce = {
      eventType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [{ emailAddress: 'recipient@example.net', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
        timestamp: '2024-05-06T07:08:09.101Z',
        feedbackId: '0100018f4c7a1b2c-aaaa-bbbb-cccc-dddddddddddd-000000',
        reportingMTA: 'dsn; a8-12.smtp-out.amazonses.com',
      },
    };

    test('matches a BYOIPHostNameLookupUnavailable delay of this configuration set', () => {
      expect(matches(deployedPattern(), sesEvent('Email Delivery Delayed', delay('BYOIPHostNameLookupUnavailable')))).toBe(true);
    });

    test('matches when the message carries other configuration set tags too', () => {
      const event = sesEvent('Email Delivery Delayed', delay('BYOIPHostNameLookupUnavailable'));
      (event.detail.mail.tags as Record<string, string[]>)['ses:configuration-set'] = ['other-set', 'byoip-mail'];
      expect(matches(deployedPattern(), event)).toBe(true);
    });

    test.each([
      ['another delay type', sesEvent('Email Delivery Delayed', delay('TransientCommunicationFailure'))],
      ['a full mailbox', sesEvent('Email Delivery Delayed', delay('MailboxFull'))],
      ['a bounce', sesEvent('Email Bounced', bounce)],
      ['a bounce with the delay\'s detail-type', sesEvent('Email Delivery Delayed', bounce)],
      ['the same detail from another source', sesEvent('Email Delivery Delayed', delay('BYOIPHostNameLookupUnavailable'), 'byoip-mail', 'com.example.mailer')],
      ['the same delay of another configuration set', sesEvent('Email Delivery Delayed', delay('BYOIPHostNameLookupUnavailable'), 'marketing')],
    ])('does not match %s', (_name, event) => {
      expect(matches(deployedPattern(), event)).toBe(false);
    });

    test('the matcher itself: scalars in lists, lists of tags, nested objects, missing fields', () => {
      expect(matches({ a: ['x'] }, { a: 'x' })).toBe(true);
      expect(matches({ a: ['x'] }, { a: ['y', 'x'] })).toBe(true);
      expect(matches({ a: ['x'] }, { a: ['y'] })).toBe(false);
      expect(matches({ a: { b: ['x'] } }, { a: { b: 'x', c: 1 } })).toBe(true);
      expect(matches({ a: { b: ['x'] } }, { a: 'x' })).toBe(false);
      expect(matches({ a: ['x'] }, {})).toBe(false);
    });
  });
});
