import { formatFinding } from '../../src/rules/finding';
import { checkRange, RangeVerdict, validSuggestion } from '../../src/rules/range-rules';
import { ByoipRuleId } from '../../src/rules/rule-id';

function ruleOf(verdict: RangeVerdict): string {
  if (verdict.accepted) {
    return verdict.warning ? verdict.warning.ruleId : 'accepted';
  }
  return verdict.finding.ruleId;
}

describe('checkRange', () => {
  test.each([
    ['8.8.8.0/24'],
    ['1.0.0.0/24'],
    ['223.255.255.0/24'],
    ['9.255.255.0/24'], // just below 10/8
    ['11.0.0.0/24'], // just above 10/8
    ['100.63.255.0/24'], // just below 100.64/10
    ['100.128.0.0/24'], // just above 100.64/10
    ['172.15.255.0/24'], // just below 172.16/12
    ['172.32.0.0/24'], // just above 172.16/12
    ['192.0.1.0/24'], // between 192.0.0.0/24 and 192.0.2.0/24
    ['192.0.3.0/24'],
    ['192.88.98.0/24'],
    ['192.88.100.0/24'],
    ['192.167.255.0/24'],
    ['192.169.0.0/24'],
    ['198.17.255.0/24'], // just below 198.18/15
    ['198.20.0.0/24'], // just above 198.18/15
    ['198.51.99.0/24'],
    ['203.0.112.0/24'],
    ['203.0.114.0/24'],
  ])('accepts the public range %s without finding', (cidr) => {
    const verdict = checkRange(cidr);
    expect(verdict).toEqual({ accepted: true, range: expect.anything(), warning: undefined });
    expect(verdict.accepted && verdict.range.toString()).toBe(cidr);
  });

  test.each([
    ['0.0.0.0/24', '0.0.0.0/8'],
    ['0.255.255.0/24', '0.0.0.0/8'],
    ['10.0.0.0/24', '10.0.0.0/8'],
    ['10.255.255.0/24', '10.0.0.0/8'],
    ['100.64.0.0/24', '100.64.0.0/10'],
    ['100.127.255.0/24', '100.64.0.0/10'],
    ['127.0.0.0/24', '127.0.0.0/8'],
    ['169.254.1.0/24', '169.254.0.0/16'],
    ['172.16.0.0/24', '172.16.0.0/12'],
    ['172.31.255.0/24', '172.16.0.0/12'],
    ['192.0.0.0/24', '192.0.0.0/24'],
    ['192.88.99.0/24', '192.88.99.0/24'],
    ['192.168.0.0/24', '192.168.0.0/16'],
    ['192.168.255.0/24', '192.168.0.0/16'],
    ['198.18.0.0/24', '198.18.0.0/15'],
    ['198.19.255.0/24', '198.18.0.0/15'],
    ['224.0.0.0/24', '224.0.0.0/4'],
    ['239.255.255.0/24', '224.0.0.0/4'],
    ['240.0.0.0/24', '240.0.0.0/4'],
    ['255.255.255.0/24', '240.0.0.0/4'],
  ])('fails %s with NotPublic, naming %s', (cidr, block) => {
    const verdict = checkRange(cidr);
    expect(ruleOf(verdict)).toBe(ByoipRuleId.NOT_PUBLIC);
    expect(!verdict.accepted && verdict.finding.problem).toContain(`inside ${block} (`);
  });

  test.each([
    ['192.0.2.0/24', 'TEST-NET-1'],
    ['198.51.100.0/24', 'TEST-NET-2'],
    ['203.0.113.0/24', 'TEST-NET-3'],
  ])('accepts the documentation range %s with a DocumentationRange warning', (cidr, name) => {
    const verdict = checkRange(cidr);
    expect(verdict.accepted).toBe(true);
    expect(verdict.accepted && verdict.warning).toMatchObject({
      ruleId: ByoipRuleId.DOCUMENTATION_RANGE,
      severity: 'warning',
    });
    expect(verdict.accepted && verdict.warning?.problem).toContain(name);
  });

  test.each([
    ['198.51.100.0/23', ByoipRuleId.PREFIX_LENGTH],
    ['198.51.100.0/25', ByoipRuleId.PREFIX_LENGTH],
    ['198.51.100.7/32', ByoipRuleId.PREFIX_LENGTH],
    ['8.0.0.0/8', ByoipRuleId.PREFIX_LENGTH],
    ['0.0.0.0/0', ByoipRuleId.PREFIX_LENGTH],
    ['10.0.0.0/16', ByoipRuleId.PREFIX_LENGTH], // not a /24 first, private second
    ['10.1.2.3/16', ByoipRuleId.PREFIX_LENGTH],
    ['198.51.100.7/24', ByoipRuleId.HOST_BITS],
    ['8.8.8.8/24', ByoipRuleId.HOST_BITS],
    ['10.0.0.7/24', ByoipRuleId.HOST_BITS], // host bits first, private second
    ['10.0.0.0', ByoipRuleId.INVALID_CIDR],
    ['010.0.0.0/24', ByoipRuleId.INVALID_CIDR],
    ['010.0.0.0/16', ByoipRuleId.INVALID_CIDR],
    ['2001:db8::/32', ByoipRuleId.INVALID_CIDR],
  ])('reports exactly one rule for %s: %s', (cidr, rule) => {
    expect(ruleOf(checkRange(cidr))).toBe(rule);
  });

  test('PrefixLength names the enclosing /24 of a smaller block', () => {
    const verdict = checkRange('8.8.8.7/32');
    expect(!verdict.accepted && formatFinding(verdict.finding)).toBe(
      '[SesByoip-PrefixLength] cidr "8.8.8.7/32" is a /32 (1 address); SES BYOIP takes whole /24 ranges, not single addresses or smaller blocks.' +
        ' Allowed: a /24: 256 addresses, a.b.c.0 to a.b.c.255.' +
        ' Fix: bring the whole /24 that contains it, "8.8.8.0/24", if that is the range AWS approved.',
    );
  });

  test('PrefixLength explains that a larger block is deployed one /24 at a time', () => {
    const verdict = checkRange('8.8.0.0/16');
    expect(!verdict.accepted && verdict.finding.problem).toContain('is a /16 (256 ranges of /24)');
    expect(!verdict.accepted && verdict.finding.fix).toBe(
      'create one ByoipSendingPool per /24 that AWS approved, e.g. "8.8.0.0/24" (each counts toward the account\'s BYOIP quota in the Region).',
    );
  });

  test('HostBits names the canonical range and never masks silently', () => {
    const verdict = checkRange('8.8.8.7/24');
    expect(verdict.accepted).toBe(false);
    expect(!verdict.accepted && formatFinding(verdict.finding)).toBe(
      '[SesByoip-HostBits] cidr "8.8.8.7/24" has host bits set: its address is not the first address of the /24 it names, "8.8.8.0/24".' +
        ' Allowed: the network address of the /24, ending in ".0".' +
        ' Fix: write "8.8.8.0/24" if that is the range AWS approved (the bits are never masked for you, so a typo cannot select another range).',
    );
  });

  test('InvalidCidr quotes the input so that whitespace shows, says why, and reads what was meant', () => {
    const verdict = checkRange(' 8.8.8.0/24');
    expect(!verdict.accepted && formatFinding(verdict.finding)).toBe(
      '[SesByoip-InvalidCidr] cidr " 8.8.8.0/24" is not an IPv4 CIDR range: it contains whitespace.' +
        ' Allowed: strict dotted-decimal IPv4 CIDR notation "a.b.c.d/24": four decimal octets 0-255 without leading zeros, "/" and the prefix length, nothing before or after.' +
        ' Fix: write "8.8.8.0/24" if that is the range AWS approved.',
    );
  });

  test('InvalidCidr without a reading says what is needed, without an example', () => {
    const verdict = checkRange('my range');
    expect(!verdict.accepted && verdict.finding.fix).toBe(
      'write the range exactly as AWS approved it: four decimal octets, "/" and 24, with nothing around it.',
    );
  });

  test.each([undefined, null])('fails %s with "cidr is required", not a quoted "undefined"', (missing) => {
    const verdict = checkRange(missing as unknown as string);
    expect(ruleOf(verdict)).toBe(ByoipRuleId.INVALID_CIDR);
    const message = !verdict.accepted ? formatFinding(verdict.finding) : '';
    expect(message).toMatch(/^\[SesByoip-InvalidCidr\] cidr is required, but none was given/);
    expect(message).not.toContain('"undefined"');
    expect(message).not.toContain('"null"');
  });

  describe('every range a message suggests passes every rule, warnings included', () => {
    /** The quoted ranges of a finding's fix and allowed parts (the problem quotes the input). */
    const suggested = (cidr: string): string[] => {
      const verdict = checkRange(cidr);
      const finding = verdict.accepted ? verdict.warning : verdict.finding;
      const text = finding ? `${finding.allowed} ${finding.fix}` : '';
      return [...text.matchAll(/\d+\.\d+\.\d+\.\d+\/\d+/g)].map((m) => m[0]);
    };

    test.each([
      '10.0.0.0/23', '0.0.0.0/0', '10.0.0.7/24', '10.0.0.7/32', '192.168.1.0/25', '100.64.0.0/10',
      '198.51.100.0/23', '198.51.100.7/24', '203.0.113.0/25', '192.0.2.9/24', '010.0.0.0/24', ' 10.0.0.0/24',
      '198.051.100.0/24', '224.0.0.0/4', '240.0.0.0/8', '127.0.0.1/32', 'abc',
    ])('%s: no suggestion that would fail the next run', (cidr) => {
      for (const range of suggested(cidr)) {
        expect(validSuggestion(range)).toBe(range);
      }
    });

    test.each([
      ['8.8.8.0/23', '8.8.8.0/24'],
      ['8.8.8.9/30', '8.8.8.0/24'],
      ['8.8.8.9/24', '8.8.8.0/24'],
      ['08.8.8.0/24', '8.8.8.0/24'],
      ['8.8.8.0 /24', '8.8.8.0/24'],
    ])('%s still gets the valid suggestion %s', (cidr, expected) => {
      expect(suggested(cidr)).toEqual([expected]);
    });

    test('a private /23 is told what is needed without an example, and that none of it can be', () => {
      const verdict = checkRange('10.0.0.0/23');
      expect(!verdict.accepted && verdict.finding.fix).toBe(
        'create one ByoipSendingPool per public /24 that AWS approved (each counts toward the account\'s BYOIP quota in the Region);' +
          ' none of this block can be: all of it is Private-Use address space (RFC 1918), not routed on the public Internet.',
      );
    });

    test('0.0.0.0/0 is told what is needed without an example', () => {
      const verdict = checkRange('0.0.0.0/0');
      expect(!verdict.accepted && verdict.finding.fix).toBe(
        'create one ByoipSendingPool per public /24 that AWS approved (each counts toward the account\'s BYOIP quota in the Region).',
      );
    });

    test('a private range with host bits is not pointed at its private network address', () => {
      const verdict = checkRange('10.0.0.7/24');
      expect(!verdict.accepted && formatFinding(verdict.finding)).not.toContain('10.0.0.0/24');
    });
  });

  test('InvalidCidr cuts a very long input short in its message', () => {
    const verdict = checkRange('x'.repeat(500));
    expect(!verdict.accepted && verdict.finding.problem).toContain(`"${'x'.repeat(80)}..."`);
  });

  test('NotPublic message gives the value, the block, what is allowed and the fix', () => {
    const verdict = checkRange('10.0.0.0/24');
    expect(!verdict.accepted && formatFinding(verdict.finding)).toBe(
      '[SesByoip-NotPublic] cidr "10.0.0.0/24" is inside 10.0.0.0/8 (Private-Use, RFC 1918), which is not routed on the public Internet and cannot be brought to Amazon SES.' +
        ' Allowed: a public IPv4 /24 registered to your organization with a Regional Internet Registry (ARIN, RIPE NCC, APNIC, LACNIC or AFRINIC).' +
        ' Fix: use the public /24 that AWS approved for SES BYOIP in this account and Region.',
    );
  });

  test('every rejection is an error and every message carries its rule ID', () => {
    for (const cidr of ['x', '10.0.0.0/16', '8.8.8.8/24', '10.0.0.0/24']) {
      const verdict = checkRange(cidr);
      expect(verdict.accepted).toBe(false);
      if (!verdict.accepted) {
        expect(verdict.finding.severity).toBe('error');
        expect(formatFinding(verdict.finding)).toMatch(new RegExp(`^\\[${verdict.finding.ruleId}\\] .+ Allowed: .+ Fix: .+`));
      }
    }
  });
});
