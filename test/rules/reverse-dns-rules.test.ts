import { rangeOf } from '../../src/range/ipv4-cidr';
import { formatFinding } from '../../src/rules/finding';
import { checkReverseDns, expandHostname, patternProblem, ReverseDnsFacts, reverseNameOf, reverseZoneNameOf } from '../../src/rules/reverse-dns-rules';

const RANGE = rangeOf('8.8.8.0/24');

function facts(overrides: Partial<ReverseDnsFacts> = {}): ReverseDnsFacts {
  return { cidr: '8.8.8.0/24', cidrIsToken: false, hostname: 'mta{d}.mail.example.com', hostnameIsToken: false, forwardZoneName: 'mail.example.com', ...overrides };
}

const rules = (f: ReverseDnsFacts) => checkReverseDns(f).map((x) => x.ruleId);

describe('names', () => {
  test('expandHostname replaces the octets and drops a trailing dot', () => {
    expect(expandHostname('{a}-{b}-{c}-{d}.x.example.', rangeOf('198.51.100.0/24').network + 7)).toBe('198-51-100-7.x.example');
  });

  test('reverseZoneNameOf and reverseNameOf', () => {
    expect(reverseZoneNameOf(rangeOf('198.51.100.0/24'))).toBe('100.51.198.in-addr.arpa');
    expect(reverseNameOf(rangeOf('198.51.100.0/24').network + 255)).toBe('255.100.51.198.in-addr.arpa.');
  });
});

describe('SesByoip-InvalidHostnamePattern', () => {
  test.each([
    ['mta{d}.mail.example.com'],
    ['{a}-{b}-{c}-{d}.mail.example.com'],
    ['MTA{d}.Mail.Example.com.'],
    ['x{d}-{c}.mail.example.com'],
  ])('accepts %s', (hostname) => {
    expect(patternProblem(hostname, RANGE)).toBeUndefined();
    expect(checkReverseDns(facts({ hostname, forwardZoneName: 'example.com' }))).toEqual([]);
  });

  test.each([
    ['', 'is empty'],
    ['mta.mail.example.com', 'does not use {d}, so it gives the same name to all 256 addresses'],
    ['mta{e}.mail.example.com', 'uses the unknown placeholder "{e}"'],
    ['mta{D}{x}.mail.example.com', 'uses the unknown placeholders "{D}", "{x}"'],
    ['mta{d.mail.example.com', 'has a "{" or "}" that is not part of a placeholder'],
    ['mta_{d}.mail.example.com', 'gives 8.8.8.0 the name "mta_0.mail.example.com", which has the label "mta_0", which is not letters, digits and inner hyphens'],
    ['-{d}.mail.example.com', 'gives 8.8.8.0 the name "-0.mail.example.com", which has the label "-0", which is not letters, digits and inner hyphens'],
    ['mta{d}..mail.example.com', 'gives 8.8.8.0 the name "mta0..mail.example.com", which has an empty label (two dots in a row, or a dot at the start)'],
    [`${'x'.repeat(61)}{d}.mail.example.com`, `.mail.example.co...", which has the label "${'x'.repeat(61)}100" of 64 characters`],
    [`{d}.${'abcdefghi.'.repeat(24)}abcdefghij`, 'gives 8.8.8.100 the name'],
  ])('rejects %j: it %s', (hostname, problem) => {
    expect(patternProblem(hostname, RANGE)).toContain(problem);
    expect(rules(facts({ hostname, forwardZoneName: undefined }))).toEqual(['SesByoip-InvalidHostnamePattern']);
  });

  test('the name longer than 253 characters is named with its length', () => {
    expect(patternProblem(`{d}.${'abcdefghi.'.repeat(24)}abcdefghij`, RANGE)).toMatch(/which is 254 characters long$/);
  });

  test('a token is a finding, not a crash', () => {
    expect(rules(facts({ hostname: '${Token[TOKEN.1]}', hostnameIsToken: true }))).toEqual(['SesByoip-InvalidHostnamePattern']);
  });

  test('its suggestion passes every rule: the user\'s pattern with {d}, else one inside the zone', () => {
    const fixOf = (f: ReverseDnsFacts) => checkReverseDns(f)[0].fix;
    expect(fixOf(facts({ hostname: 'mta.mail.example.com' }))).toBe('write a pattern such as "mta{d}.mail.example.com".');
    expect(fixOf(facts({ hostname: 'mta_{d}.mail.example.com', forwardZoneName: 'Other.Example.' }))).toBe('write a pattern such as "mta{d}.other.example".');
    const long = 'a'.repeat(63);
    expect(fixOf(facts({ hostname: 'x', forwardZoneName: `${long}.${long}.${long}.${long.slice(0, 58)}` }))).toBe('write a pattern of that form that falls inside the forward zone.');
  });

  test('exact message', () => {
    expect(formatFinding(checkReverseDns(facts({ hostname: 'mta{e}.mail.example.com' }))[0])).toBe(
      '[SesByoip-InvalidHostnamePattern] hostname "mta{e}.mail.example.com" is not a pattern of 256 distinct valid host names: it uses the unknown placeholder "{e}". ' +
      'Allowed: a host name in which {a}, {b}, {c} and {d} stand for the octets of each address, using {d} so that every address gets its own name: ' +
      'labels of 1 to 63 letters, digits and hyphens (not at either end), at most 253 characters in all, e.g. "mta{d}.mail.example.com". ' +
      'Fix: write a pattern such as "mta{d}.mail.example.com".',
    );
  });
});

describe('SesByoip-HostnameOutsideZone', () => {
  test.each([
    ['mail.example.com'],
    ['MAIL.example.com.'],
    ['example.com'],
  ])('accepts the names inside the zone %s', (forwardZoneName) => {
    expect(checkReverseDns(facts({ forwardZoneName }))).toEqual([]);
  });

  test('skipped when the zone\'s name is unknown', () => {
    expect(checkReverseDns(facts({ hostname: 'mta{d}.elsewhere.org', forwardZoneName: undefined }))).toEqual([]);
  });

  test.each([
    ['mta{d}.mail.example.org'],
    ['mta{d}.notmail.example.com'], // a suffix of the string, not of the labels
    ['mta{d}.example.com'], // the parent of the zone
  ])('rejects %s in mail.example.com', (hostname) => {
    expect(rules(facts({ hostname }))).toEqual(['SesByoip-HostnameOutsideZone']);
  });

  test('exact message', () => {
    expect(formatFinding(checkReverseDns(facts({ hostname: 'mx-{d}.example.net' }))[0])).toBe(
      '[SesByoip-HostnameOutsideZone] hostname "mx-{d}.example.net" gives names such as "mx-0.example.net", which are not inside the forward zone "mail.example.com", ' +
      'so their A records cannot be made there. Allowed: names that are "mail.example.com" or end in ".mail.example.com". ' +
      'Fix: write a pattern inside the zone, e.g. "mx-{d}.mail.example.com", or pass the hosted zone that holds "mx-0.example.net" as forwardZone.',
    );
  });

  test('hidden by an invalid pattern (one input, one rule)', () => {
    expect(rules(facts({ hostname: 'mta.elsewhere.org' }))).toEqual(['SesByoip-InvalidHostnamePattern']);
  });

  describe('without A records (createForwardRecords: false)', () => {
    test('does not apply: names outside the forward zone, or no forward zone at all, pass', () => {
      expect(checkReverseDns(facts({ hostname: 'mta{d}.legacy.example.net', createsForwardRecords: false }))).toEqual([]);
      expect(checkReverseDns(facts({ hostname: 'mta{d}.legacy.example.net', createsForwardRecords: false, hasForwardZone: false, forwardZoneName: undefined }))).toEqual([]);
    });

    test('an invalid pattern\'s example ignores the forward zone, and no message speaks of A records or the zone', () => {
      const [finding] = checkReverseDns(facts({ hostname: 'mta.legacy.example.net', createsForwardRecords: false }));
      expect(finding.ruleId).toBe('SesByoip-InvalidHostnamePattern');
      expect(finding.fix).toBe('write a pattern such as "mta{d}.legacy.example.net".');
      expect(formatFinding(finding)).not.toMatch(/A record|forward zone|forwardZone/);
      // With A records, the same pattern is asked to fall inside the zone.
      expect(checkReverseDns(facts({ hostname: 'mta.legacy.example.net' }))[0].fix).toBe('write a pattern such as "mta{d}.mail.example.com".');
    });
  });

  describe('no forward zone while A records are made', () => {
    test('exact message', () => {
      expect(checkReverseDns(facts({ hasForwardZone: false, forwardZoneName: undefined })).map(formatFinding)).toEqual([
        '[SesByoip-HostnameOutsideZone] forwardZone is not given, so the A records of the host names (such as "mta0.mail.example.com") have no hosted zone to go in; ' +
        'createForwardRecords is true by default. Allowed: a forwardZone that holds the host names, or createForwardRecords: false when their A records are managed elsewhere. ' +
        'Fix: pass the hosted zone that holds "mta0.mail.example.com" as forwardZone, or set createForwardRecords: false if those A records are managed elsewhere.',
      ]);
    });

    test('reported with an invalid pattern too (two inputs, two findings), without an example name', () => {
      const findings = checkReverseDns(facts({ hostname: 'mta.mail.example.com', hasForwardZone: false, forwardZoneName: undefined }));
      expect(findings.map((f) => f.ruleId)).toEqual(['SesByoip-InvalidHostnamePattern', 'SesByoip-HostnameOutsideZone']);
      expect(findings[1].fix).toBe('pass the hosted zone of the host names as forwardZone, or set createForwardRecords: false if those A records are managed elsewhere.');
    });
  });
});

describe('SesByoip-ReverseZoneMismatch', () => {
  test.each([['8.8.8.in-addr.arpa'], ['8.8.8.IN-ADDR.ARPA.']])('accepts %s', (givenReverseZoneName) => {
    expect(checkReverseDns(facts({ givenReverseZoneName }))).toEqual([]);
  });

  test.each([['8.8.8.0.in-addr.arpa'], ['8.8.in-addr.arpa'], ['example.com']])('rejects %s', (givenReverseZoneName) => {
    expect(rules(facts({ givenReverseZoneName }))).toEqual(['SesByoip-ReverseZoneMismatch']);
  });

  test('exact message', () => {
    expect(formatFinding(checkReverseDns(facts({ givenReverseZoneName: '8.8.8.8.in-addr.arpa' }))[0])).toBe(
      '[SesByoip-ReverseZoneMismatch] reverseZone is named "8.8.8.8.in-addr.arpa", but the reverse DNS names of 8.8.8.0/24 are in "8.8.8.in-addr.arpa". ' +
      'Allowed: the hosted zone named "8.8.8.in-addr.arpa" (the zone your Regional Internet Registry delegates for 8.8.8.0/24). ' +
      'Fix: pass the hosted zone named "8.8.8.in-addr.arpa" as reverseZone, or leave reverseZone unset to create it.',
    );
  });
});

describe('the range', () => {
  test('a bad range hides the other rules', () => {
    expect(rules(facts({ cidr: '8.8.8.0/23', hostname: 'x', givenReverseZoneName: 'y' }))).toEqual(['SesByoip-PrefixLength']);
  });

  test('a token range is UnresolvedCidr alone', () => {
    expect(rules(facts({ cidr: '${Token[TOKEN.2]}', cidrIsToken: true, hostname: 'x' }))).toEqual(['SesByoip-UnresolvedCidr']);
  });

  test('a documentation range is left to the construct\'s warning', () => {
    expect(checkReverseDns(facts({ cidr: '198.51.100.0/24' }))).toEqual([]);
  });
});
