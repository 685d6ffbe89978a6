import { App, Annotations as CoreAnnotations, CfnParameter, Stack, Stage, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ENV, synthError } from './helpers';
import { ByoipRuleId, ByoipSendingPool, ReputationGuard, ReputationGuardProps } from '../src';

/** A fresh stack with a configuration set named `marketing` and a guard on it. */
function guarded(props: Partial<ReputationGuardProps> = {}, setProps: ses.ConfigurationSetProps = {}) {
  const app = new App();
  const stack = new Stack(app, 'Mail', { env: ENV });
  const configurationSet = new ses.ConfigurationSet(stack, 'Set', { configurationSetName: 'marketing', ...setProps });
  const guard = new ReputationGuard(stack, 'Guard', { configurationSet, ...props });
  return { app, stack, guard, configurationSet };
}

const TOPIC = { Ref: Match.stringLikeRegexp('^GuardTopic') };
const SET_DIMENSION = [{ Name: 'ses:configuration-set', Value: { Ref: Match.stringLikeRegexp('^Set') } }];

describe('alarms on the configuration set', () => {
  test.each([
    ['BounceRateWarningAlarm', 'Reputation.BounceRate', 0.025],
    ['BounceRateCriticalAlarm', 'Reputation.BounceRate', 0.04],
    ['ComplaintRateWarningAlarm', 'Reputation.ComplaintRate', 0.0005],
    ['ComplaintRateCriticalAlarm', 'Reputation.ComplaintRate', 0.0008],
  ])('%s watches %s at %d by default', (id, metricName, threshold) => {
    const { stack } = guarded();
    const template = Template.fromStack(stack);
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    const logicalId = Object.keys(alarms).find((k) => k.startsWith(`Guard${id}`))!;
    expect(alarms[logicalId].Properties).toEqual({
      Namespace: 'AWS/SES',
      MetricName: metricName,
      Dimensions: SET_DIMENSION.map((d) => ({ Name: d.Name, Value: { Ref: expect.stringMatching(/^Set/) } })),
      Statistic: 'Maximum',
      Period: 3600,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'ignore',
      AlarmActions: [{ Ref: expect.stringMatching(/^GuardTopic/) }],
      OKActions: [{ Ref: expect.stringMatching(/^GuardTopic/) }],
      AlarmDescription: expect.anything(),
    });
  });

  test('the thresholds given are used', () => {
    const { stack } = guarded({ bounceRateWarning: 0.01, bounceRateCritical: 0.02, complaintRateWarning: 0.0001, complaintRateCritical: 0.0002 });
    const thresholds = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm', { Properties: { Dimensions: Match.anyValue() } }))
      .map((r) => r.Properties.Threshold).sort();
    expect(thresholds).toEqual([0.0001, 0.0002, 0.01, 0.02]);
  });

  test('the attributes are the four alarms', () => {
    const { guard } = guarded();
    expect([guard.bounceRateWarningAlarm, guard.bounceRateCriticalAlarm, guard.complaintRateWarningAlarm, guard.complaintRateCriticalAlarm]
      .map((a) => a.node.id)).toEqual(['BounceRateWarningAlarm', 'BounceRateCriticalAlarm', 'ComplaintRateWarningAlarm', 'ComplaintRateCriticalAlarm']);
    expect(ReputationGuard.isReputationGuard(guard)).toBe(true);
  });
});

describe('metrics', () => {
  test('metricBounceRate and metricComplaintRate: namespace, name, dimension, Maximum over an hour', () => {
    const { stack, guard } = guarded();
    for (const [metric, name] of [[guard.metricBounceRate(), 'Reputation.BounceRate'], [guard.metricComplaintRate(), 'Reputation.ComplaintRate']] as const) {
      expect(metric).toBeInstanceOf(cloudwatch.Metric);
      expect(metric.namespace).toBe('AWS/SES');
      expect(metric.metricName).toBe(name);
      expect(metric.statistic).toBe('Maximum');
      expect(metric.period.toSeconds()).toBe(3600);
      expect(stack.resolve(metric.dimensions)).toEqual({ 'ses:configuration-set': { Ref: expect.stringMatching(/^Set/) } });
    }
  });

  test('options override the defaults', () => {
    const { guard } = guarded();
    const metric = guard.metricBounceRate({ statistic: 'Average', label: 'Bounces' });
    expect(metric.statistic).toBe('Average');
    expect(metric.label).toBe('Bounces');
  });
});

describe('account-wide alarms', () => {
  test.each([
    ['AccountBounceRateAlarm', 'Reputation.BounceRate', 0.04],
    ['AccountComplaintRateAlarm', 'Reputation.ComplaintRate', 0.0008],
  ])('%s watches %s without dimension at the critical threshold, notifying the topic', (id, metricName, threshold) => {
    const { stack, guard } = guarded();
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SES',
      MetricName: metricName,
      Dimensions: Match.absent(),
      Statistic: 'Maximum',
      Period: 3600,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'ignore',
      AlarmActions: [TOPIC],
      OKActions: [TOPIC],
    });
    expect((guard as unknown as Record<string, cloudwatch.Alarm>)[id[0].toLowerCase() + id.slice(1)].node.id).toBe(id);
  });

  test('follow the critical thresholds given', () => {
    const { stack } = guarded({ bounceRateCritical: 0.03 });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Reputation.BounceRate', Dimensions: Match.absent(), Threshold: 0.03 });
  });

  test('accountWideAlarms: false leaves them out', () => {
    const { stack, guard } = guarded({ accountWideAlarms: false });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    expect(template.findResources('AWS::CloudWatch::Alarm', { Properties: { Dimensions: Match.absent() } })).toEqual({});
    expect(guard.accountBounceRateAlarm).toBeUndefined();
    expect(guard.accountComplaintRateAlarm).toBeUndefined();
  });

  test('six alarms by default', () => {
    Template.fromStack(guarded().stack).resourceCountIs('AWS::CloudWatch::Alarm', 6);
  });
});

describe('notification topic', () => {
  test('by default a new topic that accepts only SSL, exposed as notificationTopic', () => {
    const { stack, guard } = guarded();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    expect(guard.notificationTopic).toBeInstanceOf(sns.Topic);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      }),
    });
  });

  test('a topic given gets every alarm\'s ALARM and OK, and no topic is created', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: ENV });
    const topic = sns.Topic.fromTopicArn(stack, 'OnCall', 'arn:aws:sns:us-east-1:111111111111:on-call');
    const guard = new ReputationGuard(stack, 'Guard', { configurationSet: new ses.ConfigurationSet(stack, 'Set'), notificationTopic: topic });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    expect(guard.notificationTopic).toBe(topic);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(6);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual(['arn:aws:sns:us-east-1:111111111111:on-call']);
      expect(alarm.Properties.OKActions).toEqual(['arn:aws:sns:us-east-1:111111111111:on-call']);
    }
  });
});

describe('SesByoip-InvalidThreshold', () => {
  test.each([
    ['0', { bounceRateWarning: 0 }, '[SesByoip-InvalidThreshold] bounceRateWarning is 0, which is not a rate between 0 and 1.'],
    ['1', { bounceRateCritical: 1 }, '[SesByoip-InvalidThreshold] bounceRateCritical is 1, which is not a rate between 0 and 1.'],
    ['a negative number', { complaintRateWarning: -0.1 }, '[SesByoip-InvalidThreshold] complaintRateWarning is -0.1, which is not a rate between 0 and 1.'],
    ['a percentage', { complaintRateCritical: 5 }, '[SesByoip-InvalidThreshold] complaintRateCritical is 5, which is not a rate between 0 and 1. Allowed: a literal number greater than 0 and less than 1: a fraction, as CloudWatch reports the rate (0.04 is 4%). Fix: write the rate as a fraction: 5% is 0.05; or leave complaintRateCritical out for 0.0008.'],
    ['NaN', { bounceRateWarning: NaN }, '[SesByoip-InvalidThreshold] bounceRateWarning is NaN, which is not a rate between 0 and 1.'],
    ['a bounce warning not below critical', { bounceRateWarning: 0.05 }, '[SesByoip-InvalidThreshold] bounceRateWarning is 0.05 (5%), which is not below bounceRateCritical, 0.04 (4%): the warning about the bounce rate would never come before the critical alarm. Allowed: bounceRateWarning less than bounceRateCritical. Fix: lower bounceRateWarning or raise bounceRateCritical (the defaults are 0.025 and 0.04).'],
    ['a complaint warning equal to critical', { complaintRateWarning: 0.0008 }, '[SesByoip-InvalidThreshold] complaintRateWarning is 0.0008 (0.08%), which is not below complaintRateCritical, 0.0008 (0.08%)'],
  ])('fails synthesis for %s, once', (_case, props, message) => {
    const { app } = guarded(props);
    const error = synthError(app);
    expect(error).toContain(message);
    expect(error.split('[SesByoip-InvalidThreshold]')).toHaveLength(2);
    expect(error).toContain('[Mail/Guard] [SesByoip-InvalidThreshold]');
  });

  test('fails synthesis for a token, once, and judges no pair with it', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: ENV });
    const token = new CfnParameter(stack, 'Threshold', { type: 'Number' }).valueAsNumber;
    new ReputationGuard(stack, 'Guard', { configurationSet: new ses.ConfigurationSet(stack, 'Set'), bounceRateWarning: token });
    const error = synthError(app);
    expect(error).toContain('[SesByoip-InvalidThreshold] bounceRateWarning is a token (a parameter, an import ...), not a number known at synthesis');
    expect(error.split('[SesByoip-InvalidThreshold]')).toHaveLength(2);
  });

  test('fails synthesis once per problem', () => {
    const { app } = guarded({ bounceRateWarning: 2, bounceRateCritical: 0, complaintRateWarning: 0.002, complaintRateCritical: 0.001 });
    const error = synthError(app);
    expect(error.match(/\[SesByoip-InvalidThreshold\] \w+/g)).toEqual([
      '[SesByoip-InvalidThreshold] bounceRateWarning',
      '[SesByoip-InvalidThreshold] bounceRateCritical',
      '[SesByoip-InvalidThreshold] complaintRateWarning',
    ]);
  });

  test('the defaults and valid thresholds synthesize', () => {
    expect(() => guarded().app.synth()).not.toThrow();
    const custom = guarded({ bounceRateWarning: 0.01, bounceRateCritical: 0.05, complaintRateWarning: 0.0001, complaintRateCritical: 0.001 });
    expect(() => custom.app.synth()).not.toThrow();
  });

  test('a guard needs no account or Region and is not a claim on a range', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail');
    new ReputationGuard(stack, 'Guard', { configurationSet: ses.ConfigurationSet.fromConfigurationSetName(stack, 'Set', 'marketing') });
    expect(() => app.synth()).not.toThrow();
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('SesByoip-ReputationMetricsOff', () => {
  const warningOf = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('SesByoip-ReputationMetricsOff'));

  test('warns on the guard when the set\'s reputation metrics are off', () => {
    const { stack } = guarded({}, { reputationMetrics: false });
    const warnings = warningOf(stack);
    expect(warnings.map((w) => w.id)).toEqual(['/Mail/Guard']);
    expect(warnings[0].entry.data).toContain('[SesByoip-ReputationMetricsOff] the configuration set Mail/Set has its reputation metrics turned off');
  });

  test('warns when the L1 was changed to turn them off', () => {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: ENV });
    const configurationSet = new ses.ConfigurationSet(stack, 'Set');
    (configurationSet.node.defaultChild as ses.CfnConfigurationSet).reputationOptions = { reputationMetricsEnabled: false };
    new ReputationGuard(stack, 'Guard', { configurationSet });
    expect(warningOf(stack)).toHaveLength(1);
  });

  test.each([
    ['on', { reputationMetrics: true }],
    ['unset (CloudFormation turns them on)', {}],
  ])('no warning when they are %s', (_case, setProps) => {
    const { stack } = guarded({}, setProps);
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('no warning for a ByoipSendingPool\'s set; a warning if the pool turned them off', () => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    const sending = new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    new ReputationGuard(stack, 'Guard', { configurationSet: sending.configurationSet });
    expect(warningOf(stack)).toEqual([]);

    const off = new Stack(new App(), 'Mail', { env: ENV });
    const quiet = new ByoipSendingPool(off, 'Sending', { cidr: '8.8.8.0/24', reputationMetrics: false });
    new ReputationGuard(off, 'Guard', { configurationSet: quiet.configurationSet });
    expect(warningOf(off).map((w) => w.id)).toEqual(['/Mail/Guard']);
  });

  test('no warning for an imported set (nothing to see)', () => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    new ReputationGuard(stack, 'Guard', { configurationSet: ses.ConfigurationSet.fromConfigurationSetName(stack, 'Set', 'x') });
    expect(warningOf(stack)).toEqual([]);
  });

  test.each([
    ['the guard', (guard: ReputationGuard) => CoreAnnotations.of(guard).acknowledgeWarning(ByoipRuleId.REPUTATION_METRICS_OFF, 'dashboards only')],
    ['the stack', (guard: ReputationGuard) => CoreAnnotations.of(Stack.of(guard)).acknowledgeWarning('SesByoip-ReputationMetricsOff', 'dashboards only')],
    ['the App', (guard: ReputationGuard) => CoreAnnotations.of(guard.node.root).acknowledgeWarning('SesByoip-ReputationMetricsOff', 'dashboards only')],
  ])('is silenced by acknowledgeWarning on %s', (_where, acknowledge) => {
    const { stack, guard } = guarded({}, { reputationMetrics: false });
    acknowledge(guard);
    expect(warningOf(stack)).toEqual([]);
  });

  test('is a warning, not an error: synthesis succeeds', () => {
    expect(() => guarded({}, { reputationMetrics: false }).app.synth()).not.toThrow();
  });
});

describe('pauseSendingAtCritical', () => {
  test('is off by default: no function, no role', () => {
    const { stack } = guarded();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Function', 0);
    template.resourceCountIs('AWS::Lambda::Permission', 0);
  });

  test('adds a function that only the two critical alarms of the set start, with a permission for each', () => {
    const { stack, guard } = guarded({ pauseSendingAtCritical: true });
    expect(guard.pauseFunction).toBeDefined();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::Lambda::Permission', 2);
    const fnArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^GuardPauseFunction'), 'Arn'] };
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    const withFunction = Object.keys(alarms)
      .filter((id) => JSON.stringify(alarms[id].Properties.AlarmActions).includes('GuardPauseFunction'))
      .map((id) => id.replace(/[0-9A-F]{8}$/, ''));
    expect(withFunction.sort()).toEqual(['GuardBounceRateCriticalAlarm', 'GuardComplaintRateCriticalAlarm']);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: fnArn,
      Principal: 'lambda.alarms.cloudwatch.amazonaws.com',
    });
    // The OK actions stay the topic's: the function never turns sending back on.
    for (const id of Object.keys(alarms)) {
      expect(JSON.stringify(alarms[id].Properties.OKActions ?? [])).not.toContain('GuardPauseFunction');
    }
  });

  test('names the set it may pause in its environment, the variable the function reads', () => {
    const { stack } = guarded({ pauseSendingAtCritical: true });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { CONFIGURATION_SET_ENV } = require('../src/pause-sending/index');
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: { Variables: { [CONFIGURATION_SET_ENV]: { Ref: Match.stringLikeRegexp('^Set') } } },
    });
  });

  test('its role may read and set the sending options of this configuration set only', () => {
    const { stack } = guarded({ pauseSendingAtCritical: true });
    const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const sesStatements = statements.filter((st: any) => JSON.stringify(st.Action).includes('ses:'));
    expect(sesStatements).toEqual([{
      Effect: 'Allow',
      Action: ['ses:GetConfigurationSet', 'ses:PutConfigurationSetSendingOptions'],
      Resource: {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:us-east-1:111111111111:configuration-set/', { Ref: expect.stringMatching(/^Set/) }]],
      },
    }]);
  });
});

describe('SesByoip-DuplicateAccountAlarms', () => {
  const WEST = { account: ENV.account, region: 'us-west-2' };
  const warningsOf = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('SesByoip-DuplicateAccountAlarms'));

  /** A guard on a configuration set of its own, in `stack`. */
  function guard(stack: Stack, id: string, props: Partial<ReputationGuardProps> = {}): ReputationGuard {
    const configurationSet = new ses.ConfigurationSet(stack, `${id}Set`);
    return new ReputationGuard(stack, id, { configurationSet, ...props });
  }

  const MESSAGE =
    '[SesByoip-DuplicateAccountAlarms] this guard\'s account-wide alarms (accountWideAlarms, true by default) watch the same account-wide bounce and complaint rates' +
    ' as those of Mail/First, in account 111111111111, Region us-east-1: every alarm on them would go off, and notify, twice.' +
    ' Allowed: the account-wide alarms in one ReputationGuard per account and Region; every guard keeps the alarms of its own configuration set.' +
    ' Fix: set accountWideAlarms: false on every guard of this account and Region but one (here, to keep those of Mail/First),' +
    ' or acknowledge this warning with Annotations.of(guard).acknowledgeWarning(\'SesByoip-DuplicateAccountAlarms\', reason) if both are meant (e.g. other topics or thresholds).';

  describe('compliant', () => {
    test('accountWideAlarms: false on all guards but one: no warning', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: ENV });
      guard(stack, 'First');
      guard(stack, 'Second', { accountWideAlarms: false });
      guard(new Stack(app, 'Other', { env: ENV }), 'Third', { accountWideAlarms: false });
      expect(warningsOf(stack)).toEqual([]);
      expect(() => app.synth()).not.toThrow();
    });

    test('guards of other Regions or accounts, or of environment-agnostic stacks (unknown), warn of nothing', () => {
      const app = new App();
      const east = new Stack(app, 'East', { env: ENV });
      guard(east, 'First');
      const west = new Stack(app, 'West', { env: WEST });
      guard(west, 'Second');
      const other = new Stack(app, 'Other', { env: { account: '222222222222', region: ENV.region } });
      guard(other, 'Third');
      guard(new Stack(app, 'Agnostic'), 'Fourth');
      const agnostic = new Stack(app, 'Agnostic2');
      guard(agnostic, 'Fifth');
      for (const stack of [east, west, other, agnostic]) {
        expect(warningsOf(stack)).toEqual([]);
      }
    });
  });

  describe('non-compliant', () => {
    test('warns once, on the later guard of one stack, with the exact message; synthesis succeeds', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: ENV });
      guard(stack, 'First');
      guard(stack, 'Second');
      const warnings = warningsOf(stack);
      expect(warnings.map((w) => w.id)).toEqual(['/Mail/Second']);
      expect(warnings[0].entry.data).toContain(MESSAGE);
      expect(() => app.synth()).not.toThrow();
    });

    test('warns across two stacks of one account and Region', () => {
      const app = new App();
      const first = new Stack(app, 'Mail', { env: ENV });
      guard(first, 'First');
      const second = new Stack(app, 'Other', { env: ENV });
      guard(second, 'Second');
      expect(warningsOf(first)).toEqual([]);
      expect(warningsOf(second).map((w) => w.id)).toEqual(['/Other/Second']);
      expect(warningsOf(second)[0].entry.data).toContain(MESSAGE);
    });

    test('warns across a Stage', () => {
      const app = new App();
      guard(new Stack(app, 'Mail', { env: ENV }), 'First');
      const stack = new Stack(new Stage(app, 'Prod', { env: ENV }), 'Mail');
      guard(stack, 'Second');
      expect(warningsOf(stack).map((w) => w.id)).toEqual(['/Prod/Mail/Second']);
      expect(warningsOf(stack)[0].entry.data).toContain('as those of Mail/First, in account 111111111111, Region us-east-1');
    });

    test('three guards: the second and third warn, each naming those before it', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: ENV });
      guard(stack, 'First');
      guard(stack, 'Second');
      guard(stack, 'Third');
      const warnings = warningsOf(stack);
      expect(warnings.map((w) => w.id)).toEqual(['/Mail/Second', '/Mail/Third']);
      expect(warnings[1].entry.data).toContain('as those of Mail/First, Mail/Second, in account');
    });

    test('warns for guards in one environment-agnostic stack: its account and Region are one', () => {
      const app = new App();
      const stack = new Stack(app, 'Mail');
      guard(stack, 'First');
      guard(stack, 'Second');
      expect(warningsOf(stack).map((w) => w.id)).toEqual(['/Mail/Second']);
      expect(warningsOf(stack)[0].entry.data).toContain('as those of Mail/First, in the same stack: every alarm');
    });
  });

  describe('acknowledged as the other warnings are', () => {
    /** Two guards in one stack, `acknowledge` called where the case says. */
    function acknowledged(acknowledge: (stack: Stack, create: () => ReputationGuard) => void): Stack {
      const app = new App();
      const stack = new Stack(app, 'Mail', { env: ENV });
      guard(stack, 'First');
      acknowledge(stack, () => guard(stack, 'Second'));
      return stack;
    }

    test.each([
      ['the guard, after creating it', (_: Stack, create: () => ReputationGuard) => CoreAnnotations.of(create()).acknowledgeWarning(ByoipRuleId.DUPLICATE_ACCOUNT_ALARMS, 'two teams')],
      ['the stack, before creating it', (stack: Stack, create: () => ReputationGuard) => {
        CoreAnnotations.of(stack).acknowledgeWarning('SesByoip-DuplicateAccountAlarms', 'two teams');
        create();
      }],
      ['the App, before creating it', (stack: Stack, create: () => ReputationGuard) => {
        CoreAnnotations.of(stack.node.root).acknowledgeWarning('SesByoip-DuplicateAccountAlarms', 'two teams');
        create();
      }],
      ['the App, after creating it', (stack: Stack, create: () => ReputationGuard) => {
        create();
        CoreAnnotations.of(stack.node.root).acknowledgeWarning('SesByoip-DuplicateAccountAlarms', 'two teams');
      }],
    ])('is silenced by Annotations.of(x).acknowledgeWarning on %s', (_where, acknowledge) => {
      expect(warningsOf(acknowledged(acknowledge))).toEqual([]);
    });

    test.each([
      'SesByoip-DuplicateAccountAlarms',
      'Annotation::SesByoip-DuplicateAccountAlarms',
    ])('is silenced by Validations.of(x).acknowledge({ id: %j }), on the guard or its stack', (id) => {
      for (const where of ['guard', 'stack'] as const) {
        const stack = acknowledged((s, create) => {
          const second = create();
          Validations.of(where === 'guard' ? second : s).acknowledge({ id, reason: 'two teams' });
        });
        expect(warningsOf(stack)).toEqual([]);
      }
    });

    test('is not silenced by acknowledging the other warning of guards', () => {
      const stack = acknowledged((_, create) => CoreAnnotations.of(create()).acknowledgeWarning(ByoipRuleId.REPUTATION_METRICS_OFF, 'x'));
      expect(warningsOf(stack)).toHaveLength(1);
    });
  });

  test('is a ByoipRuleId', () => {
    expect(ByoipRuleId.DUPLICATE_ACCOUNT_ALARMS).toBe('SesByoip-DuplicateAccountAlarms');
  });
});
