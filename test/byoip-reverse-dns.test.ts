import { App, CfnParameter, Duration, Fn, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { ENV, ranges, synthError, violations } from './helpers';
import { ByoipReverseDns, ByoipReverseDnsProps, ByoipRuleId, ByoipSendingPool } from '../src';

const CIDR = '8.8.8.0/24';
const QUARTERS = [0, 32, 64, 96, 128, 160, 192, 224];

/** A stack (environment-agnostic unless told) with a forward zone `mail.example.com` of the app. */
function setup(env?: typeof ENV): { app: App; stack: Stack; forwardZone: route53.IHostedZone } {
  const app = new App();
  const stack = new Stack(app, 'Dns', { env });
  const forwardZone = new route53.PublicHostedZone(stack, 'Forward', { zoneName: 'mail.example.com' });
  return { app, stack, forwardZone };
}

function reverseDns(props: Partial<ByoipReverseDnsProps> = {}, env?: typeof ENV) {
  const s = setup(env);
  const construct = new ByoipReverseDns(s.stack, 'ReverseDns', {
    cidr: CIDR,
    hostname: 'mta{d}.mail.example.com',
    forwardZone: s.forwardZone,
    ...props,
  });
  return { ...s, construct };
}

/** The record sets of the RecordSetGroup with this logical ID prefix. */
function recordSets(template: Template, idPrefix: string): Array<Record<string, any>> {
  const groups = template.findResources('AWS::Route53::RecordSetGroup');
  const id = Object.keys(groups).find((k) => k.startsWith(idPrefix));
  expect(id).toBeDefined();
  return groups[id!].Properties.RecordSets;
}

describe('records', () => {
  test('256 PTR and 256 A records in eight groups of 32 per zone, fixed by the last octet', () => {
    const { stack } = reverseDns();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Route53::RecordSetGroup', 16);
    for (const first of QUARTERS) {
      const ptr = recordSets(template, `ReverseDnsPtrRecords${first}To${first + 31}`);
      const a = recordSets(template, `ReverseDnsARecords${first}To${first + 31}`);
      expect(ptr).toHaveLength(32);
      expect(a).toHaveLength(32);
      expect(ptr.map((r) => r.Name)).toEqual(Array.from({ length: 32 }, (_, i) => `${first + i}.8.8.8.in-addr.arpa.`));
      expect(a.map((r) => r.ResourceRecords)).toEqual(Array.from({ length: 32 }, (_, i) => [`8.8.8.${first + i}`]));
    }
  });

  test('PTR values are the host names with a trailing dot, A records name them, TTL one hour', () => {
    const { stack } = reverseDns();
    const template = Template.fromStack(stack);
    expect(recordSets(template, 'ReverseDnsPtrRecords224To255')[31]).toEqual({
      Name: '255.8.8.8.in-addr.arpa.', Type: 'PTR', TTL: '3600', ResourceRecords: ['mta255.mail.example.com.'],
    });
    expect(recordSets(template, 'ReverseDnsARecords0To31')[7]).toEqual({
      Name: 'mta7.mail.example.com.', Type: 'A', TTL: '3600', ResourceRecords: ['8.8.8.7'],
    });
  });

  test('the PTR groups go to the reverse zone and the A groups to the forward zone, by HostedZoneId', () => {
    const { stack } = reverseDns();
    const template = Template.fromStack(stack);
    const zones = template.findResources('AWS::Route53::HostedZone');
    const reverseId = Object.keys(zones).find((k) => zones[k].Properties.Name === '8.8.8.in-addr.arpa.')!;
    const forwardId = Object.keys(zones).find((k) => zones[k].Properties.Name === 'mail.example.com.')!;
    template.hasResourceProperties('AWS::Route53::RecordSetGroup', { HostedZoneId: { Ref: reverseId }, RecordSets: Match.arrayWith([Match.objectLike({ Type: 'PTR' })]) });
    template.hasResourceProperties('AWS::Route53::RecordSetGroup', { HostedZoneId: { Ref: forwardId }, RecordSets: Match.arrayWith([Match.objectLike({ Type: 'A' })]) });
    expect(Object.values(template.findResources('AWS::Route53::RecordSetGroup')).every((g) =>
      g.Properties.RecordSets.every((r: { Type: string }) => r.Type === (g.Properties.HostedZoneId.Ref === reverseId ? 'PTR' : 'A')))).toBe(true);
  });

  test('ttl sets the TTL of every record', () => {
    const { stack } = reverseDns({ ttl: Duration.minutes(5) });
    const groups = Object.values(Template.fromStack(stack).findResources('AWS::Route53::RecordSetGroup'));
    expect(new Set(groups.flatMap((g) => g.Properties.RecordSets.map((r: { TTL: string }) => r.TTL)))).toEqual(new Set(['300']));
  });

  test('createForwardRecords: false makes the PTR groups only', () => {
    const { stack } = reverseDns({ createForwardRecords: false });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Route53::RecordSetGroup', 8);
    template.allResourcesProperties('AWS::Route53::RecordSetGroup', { RecordSets: Match.arrayWith([Match.objectLike({ Type: 'PTR' })]) });
  });

  describe('createForwardRecords: false', () => {
    test('names outside forwardZone synthesize: no A records to make there (the issue\'s example)', () => {
      const { app, stack } = reverseDns({ hostname: 'mta{d}.legacy.example.net', createForwardRecords: false });
      expect(() => app.synth()).not.toThrow();
      Template.fromStack(stack).resourceCountIs('AWS::Route53::RecordSetGroup', 8);
    });

    test('forwardZone is optional: PTR records only, and no forwardZone attribute', () => {
      const app = new App();
      const stack = new Stack(app, 'Dns');
      const construct = new ByoipReverseDns(stack, 'ReverseDns', { cidr: CIDR, hostname: 'mta{d}.legacy.example.net', createForwardRecords: false });
      expect(() => app.synth()).not.toThrow();
      expect(construct.forwardZone).toBeUndefined();
      expect(construct.hostnameOf('8.8.8.7')).toBe('mta7.legacy.example.net');
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::Route53::RecordSetGroup', 8);
      template.allResourcesProperties('AWS::Route53::RecordSetGroup', { RecordSets: Match.arrayWith([Match.objectLike({ Type: 'PTR' })]) });
    });

    test('an invalid pattern\'s message speaks neither of A records nor of the forward zone', () => {
      const { app } = reverseDns({ hostname: 'mta.legacy.example.net', createForwardRecords: false });
      const message = synthError(app);
      expect(violations(message)).toEqual(['Dns/ReverseDns SesByoip-InvalidHostnamePattern']);
      expect(message).toContain('Fix: write a pattern such as "mta{d}.legacy.example.net".');
      expect(message).not.toMatch(/A record|forward zone|forwardZone/);
    });
  });

  test('without forwardZone, A records on: fails at synthesis with HostnameOutsideZone, not while the app is built', () => {
    const app = new App();
    const stack = new Stack(app, 'Dns');
    expect(() => new ByoipReverseDns(stack, 'ReverseDns', { cidr: CIDR, hostname: 'mta{d}.mail.example.com' })).not.toThrow();
    const message = synthError(app);
    expect(violations(message)).toEqual(['Dns/ReverseDns SesByoip-HostnameOutsideZone']);
    expect(message).toContain('[SesByoip-HostnameOutsideZone] forwardZone is not given, so the A records of the host names (such as "mta0.mail.example.com") have no hosted zone to go in');
  });

  test('a pattern with every octet', () => {
    const { stack, construct } = reverseDns({ hostname: '{a}-{b}-{c}-{d}.mail.example.com.' });
    expect(construct.hostnameOf('8.8.8.200')).toBe('8-8-8-200.mail.example.com');
    expect(recordSets(Template.fromStack(stack), 'ReverseDnsPtrRecords192To223')[8].ResourceRecords).toEqual(['8-8-8-200.mail.example.com.']);
  });

  test('hostnameOf names an address of the range, and refuses others', () => {
    const { construct } = reverseDns();
    expect(construct.hostnameOf('8.8.8.0')).toBe('mta0.mail.example.com');
    expect(() => construct.hostnameOf('8.8.9.1')).toThrow('"8.8.9.1" is not an address of 8.8.8.0/24; pass one of 8.8.8.0 to 8.8.8.255.');
  });
});

describe('the reverse zone', () => {
  test('is created by default, named after the range, retained, with its name servers as an output', () => {
    const { stack, construct } = reverseDns();
    const template = Template.fromStack(stack);
    template.hasResource('AWS::Route53::HostedZone', {
      Properties: { Name: '8.8.8.in-addr.arpa.' },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(construct.reverseZone.zoneName).toBe('8.8.8.in-addr.arpa');
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs)).toHaveLength(1);
    const output = Object.values(outputs)[0];
    expect(output.Value).toEqual({ 'Fn::Join': [',', { 'Fn::GetAtt': [expect.stringMatching(/^ReverseDnsReverseZone/), 'NameServers'] }] });
    expect(output.Description).toContain('delegate 8.8.8.in-addr.arpa to them');
  });

  test('a given zone is used: no zone, no output', () => {
    const s = setup();
    const reverseZone = route53.PublicHostedZone.fromPublicHostedZoneAttributes(s.stack, 'Reverse', { hostedZoneId: 'ZREVERSE', zoneName: '8.8.8.in-addr.arpa' });
    new ByoipReverseDns(s.stack, 'ReverseDns', { cidr: CIDR, hostname: 'mta{d}.mail.example.com', forwardZone: s.forwardZone, reverseZone });
    const template = Template.fromStack(s.stack);
    template.resourceCountIs('AWS::Route53::HostedZone', 1); // the forward zone of the test
    expect(template.findOutputs('*')).toEqual({});
    template.hasResourceProperties('AWS::Route53::RecordSetGroup', { HostedZoneId: 'ZREVERSE' });
    expect(() => s.app.synth()).not.toThrow();
  });

  test('a forward zone imported by attributes is checked by its name (trailing dot and case allowed)', () => {
    const build = (hostname: string) => {
      const app = new App();
      const stack = new Stack(app, 'Dns');
      const forwardZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Forward', { hostedZoneId: 'ZFORWARD', zoneName: 'Example.COM.' });
      new ByoipReverseDns(stack, 'ReverseDns', { cidr: CIDR, hostname, forwardZone });
      return { app, stack };
    };
    const ok = build('mta{d}.mail.example.com');
    expect(() => ok.app.synth()).not.toThrow();
    Template.fromStack(ok.stack).hasResourceProperties('AWS::Route53::RecordSetGroup', { HostedZoneId: 'ZFORWARD' });
    expect(violations(synthError(build('mta{d}.example.org').app))).toEqual(['Dns/ReverseDns SesByoip-HostnameOutsideZone']);
  });

  test('zones imported by ID alone work: records by HostedZoneId, no name check, no crash', () => {
    const app = new App();
    const stack = new Stack(app, 'Dns');
    new ByoipReverseDns(stack, 'ReverseDns', {
      cidr: CIDR,
      hostname: 'mta{d}.mail.example.com',
      forwardZone: route53.HostedZone.fromHostedZoneId(stack, 'Forward', 'ZFORWARD'),
      reverseZone: route53.PublicHostedZone.fromPublicHostedZoneId(stack, 'Reverse', 'ZREVERSE'),
    });
    expect(() => app.synth()).not.toThrow();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Route53::RecordSetGroup', { HostedZoneId: 'ZFORWARD' });
    template.hasResourceProperties('AWS::Route53::RecordSetGroup', { HostedZoneId: 'ZREVERSE' });
  });
});

describe('the checks', () => {
  test('a valid reverse DNS synthesizes in an environment-agnostic stack, without a ByoipSendingPool', () => {
    const { app } = reverseDns();
    expect(() => app.synth()).not.toThrow();
  });

  test('does not count toward the quota: 5 pools and the reverse DNS of a 6th range synthesize', () => {
    const { app, stack, forwardZone } = setup(ENV);
    ranges(5).forEach((cidr, i) => new ByoipSendingPool(stack, `Pool${i + 1}`, { cidr }));
    new ByoipReverseDns(stack, 'ReverseDns', { cidr: '8.8.6.0/24', hostname: 'mta{d}.mail.example.com', forwardZone });
    expect(() => app.synth()).not.toThrow();
  });

  test('a pool and the reverse DNS of the same range synthesize (no DuplicateRange)', () => {
    const { app, stack, forwardZone } = setup(ENV);
    new ByoipSendingPool(stack, 'Pool', { cidr: CIDR });
    new ByoipReverseDns(stack, 'ReverseDns', { cidr: CIDR, hostname: 'mta{d}.mail.example.com', forwardZone });
    expect(() => app.synth()).not.toThrow();
  });

  test.each([
    ['SesByoip-InvalidCidr', '8.8.8.0'],
    ['SesByoip-PrefixLength', '8.8.8.0/25'],
    ['SesByoip-HostBits', '8.8.8.1/24'],
    ['SesByoip-NotPublic', '192.168.1.0/24'],
  ])('fails with %s alone for %s, even with a reverse zone and pattern that do not fit', (rule, cidr) => {
    const s = setup();
    const reverseZone = route53.PublicHostedZone.fromPublicHostedZoneAttributes(s.stack, 'Reverse', { hostedZoneId: 'Z1', zoneName: 'wrong.in-addr.arpa' });
    new ByoipReverseDns(s.stack, 'ReverseDns', { cidr, hostname: 'mta.elsewhere.org', forwardZone: s.forwardZone, reverseZone });
    expect(violations(synthError(s.app))).toEqual([`Dns/ReverseDns ${rule}`]);
  });

  test('fails with SesByoip-UnresolvedCidr alone for a parameter', () => {
    const s = setup();
    const cidr = new CfnParameter(s.stack, 'Cidr').valueAsString;
    new ByoipReverseDns(s.stack, 'ReverseDns', { cidr, hostname: 'mta{d}.mail.example.com', forwardZone: s.forwardZone });
    expect(violations(synthError(s.app))).toEqual(['Dns/ReverseDns SesByoip-UnresolvedCidr']);
  });

  test('fails with SesByoip-InvalidHostnamePattern for a pattern without {d}', () => {
    const { app } = reverseDns({ hostname: 'mta.mail.example.com' });
    const message = synthError(app);
    expect(violations(message)).toEqual(['Dns/ReverseDns SesByoip-InvalidHostnamePattern']);
    expect(message).toContain(
      '[SesByoip-InvalidHostnamePattern] hostname "mta.mail.example.com" is not a pattern of 256 distinct valid host names: ' +
      'it does not use {d}, so it gives the same name to all 256 addresses. Allowed: a host name in which {a}, {b}, {c} and {d} stand for the octets of each address, ' +
      'using {d} so that every address gets its own name: labels of 1 to 63 letters, digits and hyphens (not at either end), at most 253 characters in all, ' +
      'e.g. "mta{d}.mail.example.com". Fix: write a pattern such as "mta{d}.mail.example.com".',
    );
  });

  test('fails with SesByoip-InvalidHostnamePattern for a token pattern', () => {
    const s = setup();
    new ByoipReverseDns(s.stack, 'ReverseDns', { cidr: CIDR, hostname: Fn.importValue('Pattern'), forwardZone: s.forwardZone });
    const message = synthError(s.app);
    expect(violations(message)).toEqual(['Dns/ReverseDns SesByoip-InvalidHostnamePattern']);
    expect(message).toContain('hostname is a token');
  });

  test('fails with SesByoip-HostnameOutsideZone for names outside the forward zone', () => {
    const { app } = reverseDns({ hostname: 'mta{d}.mail.example.org' });
    const message = synthError(app);
    expect(violations(message)).toEqual(['Dns/ReverseDns SesByoip-HostnameOutsideZone']);
    expect(message).toContain(
      '[SesByoip-HostnameOutsideZone] hostname "mta{d}.mail.example.org" gives names such as "mta0.mail.example.org", which are not inside the forward zone "mail.example.com", ' +
      'so their A records cannot be made there. Allowed: names that are "mail.example.com" or end in ".mail.example.com". ' +
      'Fix: write a pattern inside the zone, e.g. "mta{d}.mail.example.com", or pass the hosted zone that holds "mta0.mail.example.org" as forwardZone.',
    );
  });

  test('fails with SesByoip-ReverseZoneMismatch for a reverse zone of another range', () => {
    const s = setup();
    const reverseZone = route53.PublicHostedZone.fromPublicHostedZoneAttributes(s.stack, 'Reverse', { hostedZoneId: 'Z1', zoneName: '8.8.8.in-addr.arpa' });
    new ByoipReverseDns(s.stack, 'ReverseDns', { cidr: '8.8.9.0/24', hostname: 'mta{d}.mail.example.com', forwardZone: s.forwardZone, reverseZone });
    const message = synthError(s.app);
    expect(violations(message)).toEqual(['Dns/ReverseDns SesByoip-ReverseZoneMismatch']);
    expect(message).toContain(
      '[SesByoip-ReverseZoneMismatch] reverseZone is named "8.8.8.in-addr.arpa", but the reverse DNS names of 8.8.9.0/24 are in "9.8.8.in-addr.arpa". ' +
      'Allowed: the hosted zone named "9.8.8.in-addr.arpa" (the zone your Regional Internet Registry delegates for 8.8.9.0/24). ' +
      'Fix: pass the hosted zone named "9.8.8.in-addr.arpa" as reverseZone, or leave reverseZone unset to create it.',
    );
  });

  test('every error of the app at once, across Stages, with the pools\'', () => {
    const app = new App();
    const stage = new Stage(app, 'Prod', { env: ENV });
    const stack = new Stack(stage, 'Dns');
    const forwardZone = new route53.PublicHostedZone(stack, 'Forward', { zoneName: 'mail.example.com' });
    new ByoipReverseDns(stack, 'ReverseDns', { cidr: CIDR, hostname: 'mta.mail.example.com', forwardZone });
    new ByoipSendingPool(new Stack(app, 'Mail', { env: ENV }), 'Pool', { cidr: '8.8.8.1/24' });
    expect(violations(synthError(app))).toEqual([
      'Prod/Dns/ReverseDns SesByoip-InvalidHostnamePattern',
      'Mail/Pool SesByoip-HostBits',
    ]);
  });

  test('warns for a documentation range, as a pool does', () => {
    const { stack } = reverseDns({ cidr: '198.51.100.0/24' });
    expect(Annotations.fromStack(stack).findWarning('/Dns/ReverseDns', Match.stringLikeRegexp('SesByoip-DocumentationRange'))).toHaveLength(1);
  });
});

describe('SesByoip-DuplicateReverseDns', () => {
  /** A ByoipReverseDns of `cidr` in `scope`, with a forward zone `mail.example.com` imported there. */
  function dns(scope: Construct, id: string, cidr = CIDR, props: Partial<ByoipReverseDnsProps> = {}): ByoipReverseDns {
    const forwardZone = route53.HostedZone.fromHostedZoneAttributes(scope, `${id}Zone`, { hostedZoneId: 'ZFORWARD', zoneName: 'mail.example.com' });
    return new ByoipReverseDns(scope, id, { cidr, hostname: 'mta{d}.mail.example.com', forwardZone, ...props });
  }

  const MESSAGE =
    '[SesByoip-DuplicateReverseDns] the reverse DNS of 8.8.8.0/24 is made here and by First/ReverseDns; a range has one set of PTR records: ' +
    'without reverseZone each construct makes its own "8.8.8.in-addr.arpa" zone, and your Regional Internet Registry delegates only one; ' +
    'in one shared zone both write the same 256 PTR records, and the deploy fails. ' +
    'Allowed: one ByoipReverseDns per range in the app (all stacks, all Stages). ' +
    'Fix: keep the ByoipReverseDns at First/ReverseDns and remove this one (one name per address: code that needs the names can call hostnameOf() on the one kept).';

  describe('compliant', () => {
    test('the reverse DNS of two ranges, in two stacks and a Stage, synthesizes', () => {
      const app = new App();
      dns(new Stack(app, 'First'), 'ReverseDns');
      dns(new Stack(app, 'Second'), 'ReverseDns', '8.8.9.0/24');
      dns(new Stack(new Stage(app, 'Prod'), 'Dns'), 'ReverseDns', '8.8.10.0/24');
      expect(() => app.synth()).not.toThrow();
    });

    test('a bad range is its own error, not a duplicate of the range it resembles', () => {
      const app = new App();
      const stack = new Stack(app, 'First');
      dns(stack, 'ReverseDns');
      dns(stack, 'Typo', '8.8.8.1/24');
      expect(violations(synthError(app))).toEqual(['First/Typo SesByoip-HostBits']);
    });
  });

  describe('non-compliant', () => {
    test('fails once, on the later construct of one stack, with the exact message', () => {
      const app = new App();
      const stack = new Stack(app, 'First');
      dns(stack, 'ReverseDns');
      dns(stack, 'Again');
      const message = synthError(app);
      expect(violations(message)).toEqual(['First/Again SesByoip-DuplicateReverseDns']);
      expect(message).toContain(`[First/Again] ${MESSAGE}`);
    });

    test('fails across two stacks, with a shared reverse zone, or without one in another account and Region', () => {
      for (const shared of [false, true]) {
        const app = new App();
        const first = new Stack(app, 'First', { env: ENV });
        const reverseZone = shared ? new route53.PublicHostedZone(first, 'Reverse', { zoneName: '8.8.8.in-addr.arpa' }) : undefined;
        dns(first, 'ReverseDns', CIDR, { reverseZone });
        const env = shared ? ENV : { account: '222222222222', region: 'eu-west-1' };
        dns(new Stack(app, 'Second', { env }), 'ReverseDns', CIDR, { reverseZone, createForwardRecords: false });
        const message = synthError(app);
        expect(violations(message)).toEqual(['Second/ReverseDns SesByoip-DuplicateReverseDns']);
        expect(message).toContain(`[Second/ReverseDns] ${MESSAGE}`);
      }
    });

    test('fails across a Stage, also when the Stage is synthesized alone', () => {
      const app = new App();
      dns(new Stack(app, 'First'), 'ReverseDns');
      const stage = new Stage(app, 'Prod');
      const stack = new Stack(stage, 'Dns');
      dns(stack, 'ReverseDns');
      expect(violations(synthError(app))).toEqual(['Prod/Dns/ReverseDns SesByoip-DuplicateReverseDns']);
      expect(() => Template.fromStack(stack)).toThrow(/SesByoip-DuplicateReverseDns/);
    });

    test('three of one range are one finding, on the last, naming the others', () => {
      const app = new App();
      dns(new Stack(app, 'First'), 'ReverseDns');
      dns(new Stack(app, 'Second'), 'ReverseDns');
      dns(new Stack(new Stage(app, 'Prod'), 'Dns'), 'ReverseDns');
      const message = synthError(app);
      expect(violations(message)).toEqual(['Prod/Dns/ReverseDns SesByoip-DuplicateReverseDns']);
      expect(message).toContain('the reverse DNS of 8.8.8.0/24 is made here and by First/ReverseDns, Second/ReverseDns;');
      expect(message).toContain('Fix: keep one ByoipReverseDns for 8.8.8.0/24 (First/ReverseDns, Second/ReverseDns or this one) and remove the others');
    });

    test('reported with the construct\'s own errors, after them', () => {
      const app = new App();
      const stack = new Stack(app, 'First');
      dns(stack, 'ReverseDns');
      dns(stack, 'Again', CIDR, { hostname: 'mta.mail.example.com' });
      expect(violations(synthError(app))).toEqual(['First/Again SesByoip-InvalidHostnamePattern', 'First/Again SesByoip-DuplicateReverseDns']);
    });
  });

  test('is a ByoipRuleId', () => {
    expect(ByoipRuleId.DUPLICATE_REVERSE_DNS).toBe('SesByoip-DuplicateReverseDns');
  });
});
