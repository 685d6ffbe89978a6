import { formatFinding } from '../../src/rules/finding';
import { checkRuntimeDeprecation, DEFAULT_NODE_RUNTIME, NODE_RUNTIME_DEPRECATION } from '../../src/rules/runtime-rules';

/** The Node.js runtimes of aws-cdk-lib 2.257 and 2.278 from nodejs20.x on. */
const KNOWN_2_257 = ['nodejs20.x', 'nodejs22.x', 'nodejs24.x'];
const KNOWN_2_278 = [...KNOWN_2_257, 'nodejs26.x'];

const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

describe('SesByoip-DeprecatedRuntime', () => {
  test('the default is nodejs22.x, deprecated by AWS Lambda on 2027-04-30; nodejs20.x on 2026-04-30', () => {
    expect(DEFAULT_NODE_RUNTIME).toBe('nodejs22.x');
    expect(NODE_RUNTIME_DEPRECATION).toEqual({ 'nodejs20.x': '2026-04-30', 'nodejs22.x': '2027-04-30', 'nodejs24.x': '2028-04-30' });
  });

  test.each([
    ['nodejs20.x', '2026-04-29'],
    ['nodejs22.x', '2026-12-07'],
    ['nodejs22.x', '2027-04-29'],
    ['nodejs24.x', '2027-12-31'],
    ['nodejs26.x', '2030-01-01'], // no date announced: not deprecated
  ])('%s is not deprecated on %s', (runtime, today) => {
    expect(checkRuntimeDeprecation({ stackPath: 'Mail', runtime, pinned: true, known: KNOWN_2_278 }, day(today))).toBeUndefined();
  });

  test('a pinned nodejs20.x from 2026-04-30 on: a warning whose fix is the default', () => {
    const finding = checkRuntimeDeprecation({ stackPath: 'Mail', runtime: 'nodejs20.x', pinned: true, known: KNOWN_2_257 }, day('2026-04-30'));
    expect(finding && formatFinding(finding)).toBe(
      '[SesByoip-DeprecatedRuntime] the Lambda functions of this library in stack \'Mail\' run on nodejs20.x, set with ByoipFunctions.configure(), ' +
      'which AWS Lambda deprecated on 2026-04-30: it gets no more security patches, and Lambda then blocks creating and later updating ' +
      'functions on it, which would make deploys of this stack fail. ' +
      'Allowed: a Node.js runtime that AWS Lambda has not deprecated: nodejs22.x (until 2027-04-30), nodejs24.x (until 2028-04-30). ' +
      'Fix: leave runtime out of ByoipFunctions.configure() for the library\'s default, nodejs22.x (or pin lambda.Runtime.NODEJS_22_X or later). ' +
      'Changing the runtime updates the functions in place and moves no address. To keep nodejs20.x for now, acknowledge this warning: ' +
      'Annotations.of(stack).acknowledgeWarning(\'SesByoip-DeprecatedRuntime\', reason).',
    );
    expect(finding?.severity).toBe('warning');
  });

  test('the default once it is deprecated: the fix pins the next runtime that is not', () => {
    const finding = checkRuntimeDeprecation({ stackPath: 'Prod/Mail', runtime: 'nodejs22.x', pinned: false, known: KNOWN_2_278 }, day('2027-05-01'));
    expect(finding?.problem).toBe(
      'the Lambda functions of this library in stack \'Prod/Mail\' run on nodejs22.x, the library\'s default, which AWS Lambda deprecated on 2027-04-30: ' +
      'it gets no more security patches, and Lambda then blocks creating and later updating functions on it, which would make deploys of this stack fail.');
    expect(finding?.allowed).toBe('a Node.js runtime that AWS Lambda has not deprecated: nodejs24.x (until 2028-04-30), nodejs26.x.');
    expect(finding?.fix).toMatch(/^pin a newer runtime: ByoipFunctions\.configure\(stack, \{ runtime: lambda\.Runtime\.NODEJS_24_X \}\)\. Changing the runtime/);
  });

  test('an aws-cdk-lib that knows no runtime that is not deprecated: the fix says to upgrade it', () => {
    const finding = checkRuntimeDeprecation({ stackPath: 'Mail', runtime: 'nodejs22.x', pinned: true, known: ['nodejs20.x', 'nodejs22.x'] }, day('2027-05-01'));
    expect(finding?.allowed).toBe('a Node.js runtime that AWS Lambda has not deprecated: none that this aws-cdk-lib knows.');
    expect(finding?.fix).toMatch(/^upgrade aws-cdk-lib to a release that knows a newer Node\.js runtime, and pin it with ByoipFunctions\.configure\(\)\./);
  });
});
