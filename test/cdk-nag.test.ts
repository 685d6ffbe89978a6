/**
 * A user who runs cdk-nag's AwsSolutions checks on a stack with a
 * ByoipSendingPool sees no finding from this library's resources, with
 * cdk-nag 2 (an Aspect) and cdk-nag 3 (a validation plugin) alike.
 */
import { App, Aspects, NestedStack, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AwsSolutionsChecks as AwsSolutionsChecksV3 } from 'cdk-nag-v3';
import { ENV } from './helpers';
import { ByoipFunctions, ByoipFunctionsProps, ByoipReverseDns, ByoipSendingPool, ReputationGuard, WarmupMode } from '../src';

/** A stack with two pools (one warm, one not) and, if asked, a resource that breaks a rule. */
function stackWithPools(withViolation = false, app = new App()): { app: App; stack: Stack } {
  const stack = new Stack(app, 'Mail', { env: ENV });
  new ByoipSendingPool(stack, 'Warm', { cidr: '8.8.8.0/24', warmup: WarmupMode.ALREADY_WARM });
  new ByoipSendingPool(stack, 'Plain', { cidr: '8.8.9.0/24', dedicatedIpPoolName: 'byoip-plain' });
  new ByoipSendingPool(stack, 'Adopting', { cidr: '8.8.10.0/24', adoptAddressesFromOtherPools: true });
  if (withViolation) {
    new sns.Topic(stack, 'Unencrypted'); // AwsSolutions-SNS3: SSL not enforced
  }
  return { app, stack };
}

describe('cdk-nag 2 (Aspect)', () => {
  test('finds nothing in the library\'s resources', () => {
    const { app, stack } = stackWithPools();
    Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-'))).toEqual([]);
    expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-'))).toEqual([]);
  });

  test('still reports the user\'s own findings', () => {
    const { app, stack } = stackWithPools(true);
    Aspects.of(app).add(new AwsSolutionsChecks());
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-SNS'));
    expect(errors.map((e) => e.id)).toEqual(['/Mail/Unencrypted/Resource']);
  });
});

/** Apps as users write them: the flags `cdk init` sets, Stages, nested stacks, China's partition. */
const LAYOUTS: Array<[string, () => Stack[]]> = [
  ['the flags of cdk init', () => [stackWithPools(false, new App({ context: CURRENTLY_RECOMMENDED_FLAGS })).stack]],
  ['partition literals in China', () => {
    const app = new App({ context: { '@aws-cdk/core:enablePartitionLiterals': true } });
    const stack = new Stack(app, 'Mail', { env: { account: '111111111111', region: 'cn-north-1' } });
    new ByoipSendingPool(stack, 'Warm', { cidr: '8.8.8.0/24', warmup: WarmupMode.ALREADY_WARM });
    return [stack];
  }],
  ['a Stage and a nested stack', () => {
    const app = new App();
    const stage = new Stage(app, 'Prod', { env: ENV });
    const stack = new Stack(stage, 'Mail');
    new ByoipSendingPool(new NestedStack(stack, 'Nested'), 'Sending', { cidr: '8.8.8.0/24', warmup: WarmupMode.ALREADY_WARM });
    new ByoipSendingPool(stack, 'Other', { cidr: '8.8.9.0/24' });
    return [stack]; // the nested stack's findings are reported on its parent
  }],
];

describe.each(LAYOUTS)('in %s', (_layout, build) => {
  test('cdk-nag 2 finds nothing in the library\'s resources', () => {
    const stacks = build();
    Aspects.of(stacks[0].node.root).add(new AwsSolutionsChecks());
    for (const stack of stacks) {
      expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-'))).toEqual([]);
    }
  });

  test('cdk-nag 3 finds nothing in the library\'s resources', () => {
    const stacks = build();
    expect(new AwsSolutionsChecksV3().validateScope(stacks[0])).toEqual({ success: true, violations: [] });
  });
});

test('the warm-up wildcard is suppressed only where warm-up is granted', () => {
  const { stack } = stackWithPools();
  const plain = new Stack(new App(), 'Plain', { env: ENV });
  new ByoipSendingPool(plain, 'Sending', { cidr: '8.8.8.0/24' });
  const suppressed = (s: Stack) => JSON.stringify(s.node.findAll().map((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules')));
  expect(suppressed(stack)).toContain('AwsSolutions-IAM5[Resource::*]');
  expect(suppressed(plain).match(/AwsSolutions-IAM5\[Resource::\*\]/g)).toHaveLength(1); // the waiter's log delivery only
});

describe('cdk-nag 3 (validation plugin)', () => {
  test('finds nothing in the library\'s resources', () => {
    const { stack } = stackWithPools();
    expect(new AwsSolutionsChecksV3().validateScope(stack)).toEqual({ success: true, violations: [] });
  });

  test('still reports the user\'s own findings', () => {
    const { stack } = stackWithPools(true);
    const report = new AwsSolutionsChecksV3().validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual(['AwsSolutions-SNS3']);
  });
});

test('every suppression says why, in cdk-nag\'s form', () => {
  const { stack } = stackWithPools();
  const suppressions = stack.node.findAll().flatMap((c) =>
    ((c as { getMetadata?: (key: string) => { rules_to_suppress?: Array<{ id: string; reason: string }> } }).getMetadata?.('cdk_nag')?.rules_to_suppress ?? []),
  );
  expect(suppressions.length).toBeGreaterThan(0);
  for (const { id, reason } of suppressions) {
    expect(id).toMatch(/^AwsSolutions-(IAM5|SF2|L1)$/);
    expect(reason.length).toBeGreaterThanOrEqual(10);
  }
});

test('the tag-limited move grant on dedicated-ip-pool/* has its own suppression, apart from the read grant\'s', () => {
  const { stack } = stackWithPools();
  const policy = stack.node.findChild('SesByoipPoolAddresses').node.findChild('Role').node.findChild('DefaultPolicy');
  const reasons = policy.node.findAll()
    .flatMap((c) => ((c as { getMetadata?: (key: string) => { rules_to_suppress?: Array<{ reason: string; applies_to?: string[] }> } })
      .getMetadata?.('cdk_nag')?.rules_to_suppress ?? []))
    .filter((s) => s.applies_to?.some((finding) => finding.endsWith(':dedicated-ip-pool/*')))
    .map((s) => s.reason);
  expect(reasons).toEqual([
    expect.stringContaining('GetDedicatedIps'),
    expect.stringMatching(/PutDedicatedIpInPool .*aws:ResourceTag\/cdk-ses-byoip:stack-id/),
    expect.stringMatching(/Tagging .*aws:ResourceTag\/cdk-ses-byoip:stack-id.*aws:TagKeys/),
    expect.stringMatching(/^adoptAddressesFromOtherPools .* puts them back/),
  ]);
});

/** Stacks whose functions were shaped with ByoipFunctions.configure, before or after their pools. */
const CONFIGURED: Array<[string, (stack: Stack) => ByoipFunctionsProps, boolean]> = [
  ['a pinned older runtime, set before the pools', () => ({ runtime: lambda.Runtime.NODEJS_20_X }), true],
  ['a pinned older runtime, set after the pools', () => ({ runtime: lambda.Runtime.NODEJS_22_X }), false],
  ['a log group given by name (its ARN ends in ":*")', (stack) => ({ logGroup: logs.LogGroup.fromLogGroupName(stack, 'Shared', 'mail') }), true],
  ['a log group of the stack and a pinned runtime', (stack) => ({ logGroup: new logs.LogGroup(stack, 'Shared'), runtime: lambda.Runtime.NODEJS_20_X }), true],
];

describe.each(CONFIGURED)('with %s', (_name, settings, before) => {
  function configured(): { app: App; stack: Stack } {
    const app = new App();
    const stack = new Stack(app, 'Mail', { env: ENV });
    if (before) {
      ByoipFunctions.configure(stack, settings(stack));
    }
    new ByoipSendingPool(stack, 'Warm', { cidr: '8.8.8.0/24', warmup: WarmupMode.ALREADY_WARM });
    new ByoipSendingPool(stack, 'Plain', { cidr: '8.8.9.0/24', dedicatedIpPoolName: 'byoip-plain' });
    if (!before) {
      ByoipFunctions.configure(stack, settings(stack));
    }
    return { app, stack };
  }

  test('cdk-nag 2 finds nothing in the library\'s resources', () => {
    const { app, stack } = configured();
    Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-'))).toEqual([]);
    expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-'))).toEqual([]);
  });

  test('cdk-nag 3 finds nothing in the library\'s resources', () => {
    const { stack } = configured();
    expect(new AwsSolutionsChecksV3().validateScope(stack)).toEqual({ success: true, violations: [] });
  });
});

test('AwsSolutions-L1 is suppressed only for a runtime older than the latest (the default nodejs22.x, or one pinned), on each of the five functions, saying why', () => {
  const l1 = (stack: Stack) => stack.node.findAll()
    .flatMap((c) => ((c as { getMetadata?: (key: string) => { rules_to_suppress?: Array<{ id: string; reason: string }> } })
      .getMetadata?.('cdk_nag')?.rules_to_suppress ?? []))
    .filter((s) => s.id === 'AwsSolutions-L1');
  const withRuntime = (runtime?: lambda.Runtime) => {
    const stack = new Stack(new App(), 'Mail', { env: ENV });
    if (runtime) {
      ByoipFunctions.configure(stack, { runtime });
    }
    new ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    return stack;
  };
  expect(l1(withRuntime())).toEqual(Array(5).fill({
    id: 'AwsSolutions-L1',
    reason: 'The runtime nodejs22.x is the default of cdk-ses-byoip, the runtime it is tested on, rather than the latest Node.js runtime that aws-cdk-lib knows ' +
      '(which may not be in every Region yet); pin another with ByoipFunctions.configure().',
  }));
  const latest = lambda.Runtime.ALL.filter((r) => /^nodejs\d+\.x$/.test(r.name))
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true })).pop();
  expect(l1(withRuntime(latest))).toEqual([]);

  const pinned = withRuntime(lambda.Runtime.NODEJS_20_X);
  expect(l1(pinned)).toEqual(Array(5).fill({
    id: 'AwsSolutions-L1',
    reason: 'The runtime nodejs20.x was pinned with ByoipFunctions.configure() for this stack, instead of the latest Node.js runtime that aws-cdk-lib knows.',
  }));
  const acknowledged = JSON.stringify(pinned.node.findAll().map((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules')));
  expect(acknowledged.match(/"AwsSolutions-L1"/g)).toHaveLength(5);
});

describe('with notifyOnReverseDnsDelays', () => {
  /** The pools of stackWithPools, each telling a topic (one of the stack, one imported) about reverse DNS delays. */
  function notifying(): { app: App; stack: Stack } {
    const { app, stack } = stackWithPools();
    const key = new kms.Key(stack, 'AlertsKey', { enableKeyRotation: true });
    const alerts = new sns.Topic(stack, 'Alerts', { enforceSSL: true, masterKey: key });
    const onCall = sns.Topic.fromTopicArn(stack, 'OnCall', 'arn:aws:sns:us-east-1:111111111111:on-call');
    for (const pool of stack.node.children.filter(ByoipSendingPool.isByoipSendingPool)) {
      pool.notifyOnReverseDnsDelays(alerts);
      pool.notifyOnReverseDnsDelays(onCall);
    }
    return { app, stack };
  }

  test('cdk-nag 2 finds nothing', () => {
    const { app, stack } = notifying();
    Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-'))).toEqual([]);
    expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-'))).toEqual([]);
  });

  test('cdk-nag 3 finds nothing', () => {
    const { stack } = notifying();
    expect(new AwsSolutionsChecksV3().validateScope(stack)).toEqual({ success: true, violations: [] });
  });

  test('adds no suppression', () => {
    const suppressions = (stack: Stack) => stack.node.findAll().flatMap((c) =>
      ((c as { getMetadata?: (key: string) => { rules_to_suppress?: unknown[] } }).getMetadata?.('cdk_nag')?.rules_to_suppress ?? []));
    expect(suppressions(notifying().stack)).toEqual(suppressions(stackWithPools().stack));
  });
});

describe('ByoipReverseDns', () => {
  /** A reverse DNS that creates its zone, and one given an imported zone, with a pool of the same range. */
  function stackWithReverseDns(): { app: App; stack: Stack } {
    const { app, stack } = stackWithPools();
    const forwardZone = new route53.PublicHostedZone(stack, 'Forward', { zoneName: 'mail.example.com' });
    new ByoipReverseDns(stack, 'ReverseDns', { cidr: '8.8.8.0/24', hostname: 'mta{d}.mail.example.com', forwardZone });
    new ByoipReverseDns(stack, 'Imported', {
      cidr: '8.8.9.0/24',
      hostname: 'mx{d}.mail.example.com',
      forwardZone,
      reverseZone: route53.PublicHostedZone.fromPublicHostedZoneAttributes(stack, 'Reverse', { hostedZoneId: 'Z1', zoneName: '9.8.8.in-addr.arpa' }),
    });
    return { app, stack };
  }

  test('cdk-nag 2 finds nothing in its resources', () => {
    const { app, stack } = stackWithReverseDns();
    Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-'))).toEqual([]);
    expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-'))).toEqual([]);
  });

  test('cdk-nag 3 finds nothing in its resources', () => {
    const { stack } = stackWithReverseDns();
    expect(new AwsSolutionsChecksV3().validateScope(stack)).toEqual({ success: true, violations: [] });
  });

  test('it needs no suppression', () => {
    const { stack } = stackWithReverseDns();
    const suppressions = stack.node.findChild('ReverseDns').node.findAll().flatMap((c) =>
      ((c as { getMetadata?: (key: string) => { rules_to_suppress?: unknown[] } }).getMetadata?.('cdk_nag')?.rules_to_suppress ?? []));
    expect(suppressions).toEqual([]);
  });
});

describe('ReputationGuard', () => {
  /** A guard with its own topic on a pool's set, and one given an encrypted topic of the stack. */
  function stackWithGuards(): { app: App; stack: Stack } {
    const { app, stack } = stackWithPools();
    const [warm, plain] = stack.node.children.filter(ByoipSendingPool.isByoipSendingPool);
    new ReputationGuard(stack, 'Guard', { configurationSet: warm.configurationSet });
    const key = new kms.Key(stack, 'AlarmsKey', { enableKeyRotation: true });
    const notificationTopic = new sns.Topic(stack, 'Alarms', { enforceSSL: true, masterKey: key });
    new ReputationGuard(stack, 'PlainGuard', { configurationSet: plain.configurationSet, notificationTopic, accountWideAlarms: false });
    return { app, stack };
  }

  test('cdk-nag 2 finds nothing in its resources', () => {
    const { app, stack } = stackWithGuards();
    Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-'))).toEqual([]);
    expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-'))).toEqual([]);
  });

  test('cdk-nag 3 finds nothing in its resources', () => {
    const { stack } = stackWithGuards();
    expect(new AwsSolutionsChecksV3().validateScope(stack)).toEqual({ success: true, violations: [] });
  });

  test('it needs no suppression: its topic enforces SSL (SNS3), and the AwsSolutions pack has no SNS2 any more', () => {
    const { stack } = stackWithGuards();
    const suppressions = ['Guard', 'PlainGuard'].flatMap((id) => stack.node.findChild(id).node.findAll()).flatMap((c) =>
      ((c as { getMetadata?: (key: string) => { rules_to_suppress?: unknown[] } }).getMetadata?.('cdk_nag')?.rules_to_suppress ?? []));
    expect(suppressions).toEqual([]);
    const acknowledged = ['Guard', 'PlainGuard'].flatMap((id) => stack.node.findChild(id).node.findAll())
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'));
    expect(acknowledged).toEqual([]);
  });

  describe('with pauseSendingAtCritical', () => {
    function stackWithPause(): { app: App; stack: Stack } {
      const { app, stack } = stackWithPools();
      const [warm] = stack.node.children.filter(ByoipSendingPool.isByoipSendingPool);
      new ReputationGuard(stack, 'Guard', { configurationSet: warm.configurationSet, pauseSendingAtCritical: true });
      return { app, stack };
    }

    test('cdk-nag 2 finds nothing', () => {
      const { app, stack } = stackWithPause();
      Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
      const annotations = Annotations.fromStack(stack);
      expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-'))).toEqual([]);
      expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-'))).toEqual([]);
    });

    test('cdk-nag 3 finds nothing', () => {
      const { stack } = stackWithPause();
      expect(new AwsSolutionsChecksV3().validateScope(stack)).toEqual({ success: true, violations: [] });
    });
  });

  test('cdk-nag 3 still reports SNS3 on a topic given without SSL: the guard does not hide the user\'s own findings', () => {
    const { stack } = stackWithPools();
    const [warm] = stack.node.children.filter(ByoipSendingPool.isByoipSendingPool);
    new ReputationGuard(stack, 'Guard', { configurationSet: warm.configurationSet, notificationTopic: new sns.Topic(stack, 'NoSsl') });
    expect(new AwsSolutionsChecksV3().validateScope(stack).violations.map((v) => v.ruleName)).toEqual(['AwsSolutions-SNS3']);
  });
});
