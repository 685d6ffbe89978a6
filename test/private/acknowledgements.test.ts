import { Annotations as CoreAnnotations, App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as ses from 'aws-cdk-lib/aws-ses';
import { ByoipReverseDns, ByoipSendingPool, ReputationGuard } from '../../src';
import { idsAcknowledgedOnApp } from '../../src/private/acknowledgements';
import { ENV } from '../helpers';

/** An App-like root that holds `acks` where aws-cdk-lib keeps its acknowledgement store. */
function rootWith(acks: unknown): App {
  return { [Symbol.for('@aws-cdk/core.Acknowledgements')]: { acks } } as unknown as App;
}

describe('idsAcknowledgedOnApp: the IDs acknowledged on the App, from aws-cdk-lib\'s internal store', () => {
  test('reads the store of the aws-cdk-lib installed (a new shape fails here, not silently for users)', () => {
    const app = new App();
    expect(idsAcknowledgedOnApp(app)).toEqual(new Set()); // no store yet
    CoreAnnotations.of(app).acknowledgeWarning('SesByoip-DocumentationRange', 'example');
    CoreAnnotations.of(new Stack(app, 'Mail')).acknowledgeWarning('SesByoip-Other', 'on the stack, not the App');
    expect(idsAcknowledgedOnApp(app)).toEqual(new Set(['SesByoip-DocumentationRange']));
  });

  test('aws-cdk-lib 2.257 (before aws/aws-cdk#38836): a Map from construct path to a Set of IDs', () => {
    const acks = new Map([['', new Set(['A', 'B'])], ['Mail', new Set(['C'])]]);
    expect(idsAcknowledgedOnApp(rootWith(acks))).toEqual(new Set(['A', 'B']));
  });

  test('2.278 (warnings with a context, aws/aws-cdk#38836): a Map from path to a Map from ID to records; a `where` filter matches none of ours', () => {
    const acks = new Map([
      ['', new Map<string, Array<{ where?: object }>>([
        ['A', [{ where: undefined }]],
        ['B', [{ where: {} }]],
        ['Filtered', [{ where: { service: 'sns' } }]],
        ['Both', [{ where: { service: 'sns' } }, {}]],
      ])],
      ['Mail', new Map([['C', [{}]]])],
    ]);
    expect(idsAcknowledgedOnApp(rootWith(acks))).toEqual(new Set(['A', 'B', 'Both']));
  });

  test.each([
    ['acks is not a Map', { '': ['A'] }],
    ['the App\'s entry is neither a Set nor a Map', new Map([['', ['A']]])],
    ['records are not arrays', new Map([['', new Map([['A', { where: undefined }]])]])],
  ])('an unknown shape (%s) is undefined, not "nothing acknowledged"', (_case, acks) => {
    expect(idsAcknowledgedOnApp(rootWith(acks))).toBeUndefined();
  });

  test('no store, or no entry for the App: nothing acknowledged', () => {
    expect(idsAcknowledgedOnApp({} as App)).toEqual(new Set());
    expect(idsAcknowledgedOnApp(rootWith(new Map([['Mail', new Set(['A'])]])))).toEqual(new Set());
  });
});

// README: `Annotations.of(app).acknowledgeWarning(...)` works before the
// constructs exist. aws-cdk-lib never looks at the App itself for earlier
// acknowledgements (2.257 to 2.278 at least): the library does.
describe('acknowledgeWarning on the App before the construct exists', () => {
  test('silences the DocumentationRange warning of a ByoipSendingPool and a ByoipReverseDns', () => {
    const app = new App();
    CoreAnnotations.of(app).acknowledgeWarning('SesByoip-DocumentationRange', 'example');
    const stack = new Stack(app, 'Mail', { env: ENV });
    new ByoipSendingPool(stack, 'Sending', { cidr: '198.51.100.0/24' });
    const forwardZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'mail.example.com' });
    new ByoipReverseDns(stack, 'ReverseDns', { cidr: '198.51.100.0/24', hostname: 'mta{d}.mail.example.com', forwardZone });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('SesByoip-DocumentationRange'));
  });

  test('silences the ReputationMetricsOff warning of a ReputationGuard', () => {
    const app = new App();
    CoreAnnotations.of(app).acknowledgeWarning('SesByoip-ReputationMetricsOff', 'dashboards only');
    const stack = new Stack(app, 'Mail', { env: ENV });
    const configurationSet = new ses.ConfigurationSet(stack, 'Set', { reputationMetrics: false });
    new ReputationGuard(stack, 'Guard', { configurationSet });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('SesByoip-ReputationMetricsOff'));
  });

  test('does not silence another warning', () => {
    const app = new App();
    CoreAnnotations.of(app).acknowledgeWarning('SesByoip-SomethingElse', 'example');
    const stack = new Stack(app, 'Mail', { env: ENV });
    new ByoipSendingPool(stack, 'Sending', { cidr: '198.51.100.0/24' });
    Annotations.fromStack(stack).hasWarning('/Mail/Sending', Match.stringLikeRegexp('SesByoip-DocumentationRange'));
  });
});
