import { Annotations as CoreAnnotations, App, Lazy, NestedStack, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ENV } from './helpers';
import { ByoipFunctions, ByoipFunctionsProps, ByoipSendingPool } from '../src';

function newStack(): Stack {
  return new Stack(new App(), 'Mail', { env: ENV });
}

function pool(stack: Stack, id = 'Sending', cidr = '8.8.8.0/24'): ByoipSendingPool {
  return new ByoipSendingPool(stack, id, { cidr });
}

/** The Runtime of every Lambda function of the template. */
function runtimes(template: Template): string[] {
  return Object.values(template.findResources('AWS::Lambda::Function')).map((f) => f.Properties.Runtime);
}

/** The latest Node.js runtime of the installed aws-cdk-lib, as cdk-nag's AwsSolutions-L1 computes it. */
const LATEST = lambda.Runtime.ALL
  .map((r) => r.name)
  .filter((n) => /^nodejs\d+\.x$/.test(n))
  .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
  .pop();

/** The library's two log groups, with this retention (days) and deletion policy. */
function expectLibraryLogGroups(template: Template, days: number, policy: 'Retain' | 'Delete'): void {
  template.resourceCountIs('AWS::Logs::LogGroup', 2);
  for (const logGroup of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
    expect(logGroup).toEqual({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: days },
      DeletionPolicy: policy,
      UpdateReplacePolicy: policy,
    });
  }
}

describe('ByoipFunctions.configure', () => {
  test('by default, every function runs on nodejs22.x (the runtime the library is tested on, whatever aws-cdk-lib knows) and logs to two log groups kept three months and retained', () => {
    const stack = newStack();
    pool(stack);
    const template = Template.fromStack(stack);
    expect(runtimes(template)).toEqual(Array(5).fill('nodejs22.x'));
    expect(LATEST).not.toBe('nodejs22.x'); // 2.257 knows nodejs24.x, 2.278 nodejs26.x
    expectLibraryLogGroups(template, 90, 'Retain');
  });

  // Upgrading from a release whose default was the latest runtime aws-cdk-lib knows.
  test('the new default is an in-place update of the five functions\' Runtime: no other property, logical ID or ServiceToken changes', () => {
    const before = newStack();
    ByoipFunctions.configure(before, { runtime: lambda.Runtime.ALL.find((r) => r.name === LATEST)! });
    pool(before);
    const after = newStack();
    pool(after);
    type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };
    const [old, now] = [before, after].map((stack) => Template.fromStack(stack).toJSON().Resources as Record<string, Resource>);
    expect(Object.keys(now)).toEqual(Object.keys(old));
    const changed = Object.keys(now).filter((id) => JSON.stringify(now[id]) !== JSON.stringify(old[id]));
    expect(changed.sort()).toEqual(Object.keys(now).filter((id) => now[id].Type === 'AWS::Lambda::Function').sort());
    // Besides the Runtime, only the template Metadata that cdk-nag reads (the
    // AwsSolutions-L1 suppression of an older runtime), which CloudFormation does not apply.
    const withoutNagMetadata = ({ Metadata, ...rest }: Resource) => {
      const { cdk_nag: _nag, ...others } = Metadata ?? {};
      return Object.keys(others).length > 0 ? { ...rest, Metadata: others } : rest;
    };
    for (const id of changed) {
      expect(withoutNagMetadata({ ...now[id], Properties: { ...now[id].Properties, Runtime: LATEST } })).toEqual(withoutNagMetadata(old[id]));
      expect(now[id].Properties.Runtime).toBe('nodejs22.x');
    }
  });

  test.each([
    ['before', true],
    ['after', false],
  ])('sets the runtime of all five functions, the Provider framework\'s included, when called %s the first pool', (_when, before) => {
    const stack = newStack();
    if (before) {
      ByoipFunctions.configure(stack, { runtime: lambda.Runtime.NODEJS_20_X });
    }
    pool(stack, 'A');
    if (!before) {
      ByoipFunctions.configure(stack, { runtime: lambda.Runtime.NODEJS_20_X });
    }
    pool(stack, 'B', '8.8.9.0/24');
    const template = Template.fromStack(stack);
    expect(runtimes(template)).toEqual(Array(5).fill('nodejs20.x'));
    for (const handler of ['index.onEvent', 'index.isComplete', 'framework.onEvent', 'framework.isComplete', 'framework.onTimeout']) {
      template.hasResourceProperties('AWS::Lambda::Function', { Handler: handler, Runtime: 'nodejs20.x' });
    }
  });

  test.each([
    ['before', true],
    ['after', false],
  ])('sets the retention and removal policy of the library\'s two log groups when called %s the first pool', (_when, before) => {
    const stack = newStack();
    const settings = { logRetention: logs.RetentionDays.ONE_YEAR, logRemovalPolicy: RemovalPolicy.DESTROY };
    if (before) {
      ByoipFunctions.configure(stack, settings);
    }
    pool(stack);
    if (!before) {
      ByoipFunctions.configure(stack, settings);
    }
    const template = Template.fromStack(stack);
    expectLibraryLogGroups(template, 365, 'Delete');
  });

  test('keeps the logs forever with RetentionDays.INFINITE, as logs.LogGroup renders it', () => {
    const stack = newStack();
    pool(stack);
    ByoipFunctions.configure(stack, { logRetention: logs.RetentionDays.INFINITE });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
    template.allResources('AWS::Logs::LogGroup', { Properties: Match.absent(), DeletionPolicy: 'Retain' });
  });

  test('with a log group: every function and the waiter log to it, every role may write to it, and the library creates no log group', () => {
    const stack = newStack();
    const shared = new logs.LogGroup(stack, 'Shared', { retention: logs.RetentionDays.ONE_WEEK });
    ByoipFunctions.configure(stack, { logGroup: shared });
    pool(stack);
    const template = Template.fromStack(stack);
    const sharedId = stack.getLogicalId(shared.node.defaultChild as logs.CfnLogGroup);

    expect(Object.keys(template.findResources('AWS::Logs::LogGroup'))).toEqual([sharedId]);
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(functions).toHaveLength(5);
    for (const fn of functions) {
      // (The framework's three also set their own log format and level.)
      expect(fn.Properties.LoggingConfig).toEqual(expect.objectContaining({ LogGroup: { Ref: sharedId } }));
    }
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: {
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [sharedId, 'Arn'] } } }],
        Level: 'ALL',
      },
    });

    // The handler's role and the framework's two, each through its own policy.
    const writers = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      policy.Properties.PolicyDocument.Statement.some((s: Record<string, unknown>) =>
        JSON.stringify(s) === JSON.stringify({
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': [sharedId, 'Arn'] },
        })));
    expect(writers.map((p) => p.Properties.Roles)).toEqual([
      [{ Ref: 'SesByoipPoolAddressesRole25634A14' }],
      [{ Ref: 'SesByoipPoolAddressesFrameworkOnEventRole93C433D7' }],
      [{ Ref: 'SesByoipPoolAddressesFrameworkWaiterRole26A997CF' }],
    ]);
  });

  test('with a log group given by name, the roles may write to its log streams', () => {
    const stack = newStack();
    ByoipFunctions.configure(stack, { logGroup: logs.LogGroup.fromLogGroupName(stack, 'Shared', 'mail-machinery') });
    pool(stack);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Logs::LogGroup', 0);
    template.allResourcesProperties('AWS::Lambda::Function', { LoggingConfig: Match.objectLike({ LogGroup: 'mail-machinery' }) });
    const arn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:logs:${ENV.region}:${ENV.account}:log-group:mail-machinery:*`]] };
    const grants = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy.Properties.PolicyDocument.Statement).includes(JSON.stringify(arn)));
    expect(grants).toHaveLength(3);
  });

  test('applies to the stack of its scope: a nested stack has its own settings', () => {
    const stack = newStack();
    const nested = new NestedStack(stack, 'Nested');
    const inNested = pool(nested as unknown as Stack, 'Inner');
    ByoipFunctions.configure(inNested, { runtime: lambda.Runtime.NODEJS_22_X });
    pool(stack, 'Outer', '8.8.9.0/24');
    expect(runtimes(Template.fromStack(nested))).toEqual(Array(5).fill('nodejs22.x'));
    expect(runtimes(Template.fromStack(stack))).toEqual(Array(5).fill('nodejs22.x'));
  });

  test('keeps its settings on the stack under a global symbol, which another copy of the library reads', () => {
    const stack = newStack();
    ByoipFunctions.configure(stack, { runtime: lambda.Runtime.NODEJS_22_X });
    const record = (stack as unknown as Record<symbol, { settings?: ByoipFunctionsProps }>)[Symbol.for('cdk-ses-byoip.ByoipFunctions')];
    expect(record.settings).toEqual({ runtime: lambda.Runtime.NODEJS_22_X });

    // A second copy of this library (its own module instances, the same aws-cdk-lib).
    const cdkModules = ['aws-cdk-lib', 'aws-cdk-lib/aws-lambda', 'aws-cdk-lib/aws-logs', 'aws-cdk-lib/aws-iam',
      'aws-cdk-lib/aws-ses', 'aws-cdk-lib/aws-stepfunctions', 'aws-cdk-lib/custom-resources', 'constructs'];
    let copy: typeof import('../src') | undefined;
    const shared = Object.fromEntries(cdkModules.map((m) => [m, jest.requireActual(m)]));
    jest.isolateModules(() => {
      for (const m of cdkModules) {
        jest.doMock(m, () => shared[m]);
      }
      copy = jest.requireActual('../src');
    });
    expect(copy!.ByoipFunctions).not.toBe(ByoipFunctions);
    new copy!.ByoipSendingPool(stack, 'Sending', { cidr: '8.8.8.0/24' });
    expect(runtimes(Template.fromStack(stack))).toEqual(Array(5).fill('nodejs22.x'));
    expect(() => copy!.ByoipFunctions.configure(stack, {})).toThrow('ByoipFunctions.configure() was called a second time');
  });
});

describe('ByoipFunctions.configure errors', () => {
  const fix = 'Use a Node.js runtime from nodejs20.x on, such as lambda.Runtime.NODEJS_22_X, ' +
    'or leave runtime out for the library\'s default, nodejs22.x.';

  test('fails when called a second time for a stack', () => {
    const stack = newStack();
    ByoipFunctions.configure(stack, { runtime: lambda.Runtime.NODEJS_22_X });
    expect(() => ByoipFunctions.configure(pool(stack), { logRetention: logs.RetentionDays.ONE_YEAR })).toThrow(new Error(
      'ByoipFunctions.configure() was called a second time for stack \'Mail\'. ' +
      'It takes every setting in one call, once per stack: merge the two calls into one.'));
  });

  test('fails when given a log group after the stack\'s first pool', () => {
    const stack = newStack();
    pool(stack);
    expect(() => ByoipFunctions.configure(stack, { logGroup: new logs.LogGroup(stack, 'Shared') })).toThrow(new Error(
      'ByoipFunctions.configure() got a logGroup for stack \'Mail\' after the library had created its functions there ' +
      '(Mail/SesByoipPoolAddresses), with log groups of their own. ' +
      'Call ByoipFunctions.configure() before the first ByoipSendingPool of stack \'Mail\' ' +
      '(runtime, logRetention and logRemovalPolicy may be set at any time).'));
  });

  test.each<[string, Omit<ByoipFunctionsProps, 'logGroup'>, string]>([
    ['logRetention', { logRetention: logs.RetentionDays.ONE_YEAR }, 'logRetention (ONE_YEAR)'],
    ['logRemovalPolicy', { logRemovalPolicy: RemovalPolicy.DESTROY }, 'logRemovalPolicy (destroy)'],
    ['both', { logRetention: logs.RetentionDays.ONE_WEEK, logRemovalPolicy: RemovalPolicy.RETAIN }, 'logRetention (ONE_WEEK) and logRemovalPolicy (retain)'],
  ])('fails with logGroup together with %s', (_name, settings, given) => {
    const stack = newStack();
    const logGroup = new logs.LogGroup(stack, 'Shared');
    expect(() => ByoipFunctions.configure(stack, { logGroup, ...settings })).toThrow(new Error(
      `ByoipFunctions.configure() for stack 'Mail' got logGroup together with ${given}. With logGroup the library creates ` +
      'no log group: set retention and removal policy on your log group, and leave logRetention and logRemovalPolicy out.'));
  });

  test('fails with logRemovalPolicy SNAPSHOT, which log groups do not support', () => {
    const stack = newStack();
    expect(() => ByoipFunctions.configure(stack, { logRemovalPolicy: RemovalPolicy.SNAPSHOT })).toThrow(new Error(
      "ByoipFunctions.configure() for stack 'Mail' got logRemovalPolicy SNAPSHOT, which log groups do not support. " +
      'Use RemovalPolicy.RETAIN (the default: the logs outlive the stack) or RemovalPolicy.DESTROY.'));
  });

  test.each([
    ['python3.12', lambda.Runtime.PYTHON_3_12],
    ['provided.al2023', lambda.Runtime.PROVIDED_AL2023],
    ['nodejs (unversioned)', new lambda.Runtime('nodejs', lambda.RuntimeFamily.NODEJS)],
  ])('fails with a runtime that is not a Node.js runtime: %s', (_name, runtime) => {
    expect(() => ByoipFunctions.configure(newStack(), { runtime })).toThrow(new Error(
      `ByoipFunctions.configure() for stack 'Mail' got runtime ${runtime.name}, which is not a Node.js runtime (nodejsNN.x): ` +
      `the library's functions are a Node.js bundle. ${fix}`));
  });

  test.each([lambda.Runtime.NODEJS_18_X, lambda.Runtime.NODEJS_16_X])('fails with a Node.js runtime older than nodejs20.x: %s', (runtime) => {
    expect(() => ByoipFunctions.configure(newStack(), { runtime })).toThrow(new Error(
      `ByoipFunctions.configure() for stack 'Mail' got runtime ${runtime.name}, older than nodejs20.x, ` +
      `which the library's handler bundle targets. ${fix}`));
  });

  test('fails with a runtime whose name is a token', () => {
    const runtime = new lambda.Runtime(Lazy.string({ produce: () => 'nodejs22.x' }), lambda.RuntimeFamily.NODEJS);
    expect(() => ByoipFunctions.configure(newStack(), { runtime })).toThrow(new Error(
      `ByoipFunctions.configure() for stack 'Mail' got a runtime whose name is a token (${runtime.name}): ` +
      `it must be known at synthesis to be checked. ${fix}`));
  });

  test('a call that fails records nothing: the corrected call works', () => {
    const stack = newStack();
    expect(() => ByoipFunctions.configure(stack, { runtime: lambda.Runtime.NODEJS_18_X })).toThrow(/older than nodejs20\.x/);
    ByoipFunctions.configure(stack, { runtime: lambda.Runtime.NODEJS_20_X });
    pool(stack);
    expect(runtimes(Template.fromStack(stack))).toEqual(Array(5).fill('nodejs20.x'));
  });
});

describe('SesByoip-DeprecatedRuntime: a runtime past its deprecation date', () => {
  /** The DeprecatedRuntime warnings of the stack's app, as [path, message]. */
  function warnings(stack: Stack): Array<[string, string]> {
    return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('SesByoip-DeprecatedRuntime'))
      .map((w) => [w.id, String(w.entry.data)]);
  }

  test('nodejs20.x (deprecated on 2026-04-30): one warning on the stack, with the fix, once per stack whatever the pools', () => {
    const stack = newStack();
    ByoipFunctions.configure(stack, { runtime: lambda.Runtime.NODEJS_20_X });
    pool(stack, 'A');
    pool(stack, 'B', '8.8.9.0/24');
    expect(warnings(stack)).toEqual([['/Mail', expect.stringMatching(
      /^\[SesByoip-DeprecatedRuntime\] the Lambda functions of this library in stack 'Mail' run on nodejs20\.x, set with ByoipFunctions\.configure\(\), which AWS Lambda deprecated on 2026-04-30: .* Fix: leave runtime out of ByoipFunctions\.configure\(\) for the library's default, nodejs22\.x .*acknowledgeWarning\('SesByoip-DeprecatedRuntime', reason\)\./,
    )]]);
    expect(() => (stack.node.root as App).synth()).not.toThrow(); // a warning, not an error
  });

  test('set after the pools, or for a nested stack: the warning is on the stack whose functions run on it', () => {
    const stack = newStack();
    pool(stack);
    ByoipFunctions.configure(stack, { runtime: lambda.Runtime.NODEJS_20_X });
    expect(warnings(stack).map(([path]) => path)).toEqual(['/Mail']);

    const parent = newStack();
    const nested = new NestedStack(parent, 'Nested');
    pool(nested as unknown as Stack);
    ByoipFunctions.configure(nested, { runtime: lambda.Runtime.NODEJS_20_X });
    pool(parent, 'Outer', '8.8.9.0/24');
    expect(warnings(parent).map(([path]) => path)).toEqual(['/Mail/Nested']);
  });

  test('no warning for a runtime Lambda has not deprecated, or a stack without the library\'s functions', () => {
    const stack = newStack();
    ByoipFunctions.configure(stack, { runtime: lambda.Runtime.ALL.find((r) => r.name === LATEST)! });
    pool(stack);
    expect(warnings(stack)).toEqual([]);

    const empty = newStack();
    ByoipFunctions.configure(empty, { runtime: lambda.Runtime.NODEJS_20_X });
    expect(warnings(empty)).toEqual([]);
  });

  // Fails on 2027-04-30, nodejs22.x's deprecation date: move DEFAULT_NODE_RUNTIME
  // (src/rules/runtime-rules.ts) to a newer runtime, and the README with it, before then.
  test('the default runtime is not past its deprecation date today', () => {
    const stack = newStack();
    pool(stack);
    expect(warnings(stack)).toEqual([]);
  });

  test.each([
    ['the stack, before', (stack: Stack, configure: () => void) => {
      CoreAnnotations.of(stack).acknowledgeWarning('SesByoip-DeprecatedRuntime', 'until the next release');
      configure();
    }],
    ['the stack, after', (stack: Stack, configure: () => void) => {
      configure();
      CoreAnnotations.of(stack).acknowledgeWarning('SesByoip-DeprecatedRuntime', 'until the next release');
    }],
    ['the App, before', (stack: Stack, configure: () => void) => {
      CoreAnnotations.of(stack.node.root).acknowledgeWarning('SesByoip-DeprecatedRuntime', 'until the next release');
      configure();
    }],
    ['the App, after', (stack: Stack, configure: () => void) => {
      configure();
      CoreAnnotations.of(stack.node.root).acknowledgeWarning('SesByoip-DeprecatedRuntime', 'until the next release');
    }],
    ['Validations on the stack, before', (stack: Stack, configure: () => void) => {
      Validations.of(stack).acknowledge({ id: 'Annotation::SesByoip-DeprecatedRuntime', reason: 'until the next release' });
      configure();
    }],
    ['Validations on the App, after', (stack: Stack, configure: () => void) => {
      configure();
      Validations.of(stack.node.root).acknowledge({ id: 'SesByoip-DeprecatedRuntime', reason: 'until the next release' });
    }],
  ])('is silenced by an acknowledgement on %s', (_where, acknowledge) => {
    const stack = newStack();
    acknowledge(stack, () => {
      ByoipFunctions.configure(stack, { runtime: lambda.Runtime.NODEJS_20_X });
      pool(stack);
    });
    expect(warnings(stack)).toEqual([]);
  });
});
