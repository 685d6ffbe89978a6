import { rangeOf } from '../../src/range/ipv4-cidr';
import { AddressesInput, checkAddresses, readAddresses } from '../../src/rules/address-rules';
import { Finding, formatFinding } from '../../src/rules/finding';
import { ByoipRuleId } from '../../src/rules/rule-id';

const RANGE = rangeOf('8.8.8.0/24');

/** A literal list (no tokens). */
function list(...entries: unknown[]): AddressesInput {
  return { kind: 'list', entries: entries.map((value) => ({ value, isToken: false })) };
}

/** The rule IDs of the findings for `input`, in order. */
function rules(input: AddressesInput): string[] {
  return checkAddresses(RANGE, input).findings.map((f) => f.ruleId);
}

/**
 * The list that the fix of `finding` suggests for `entries`: the list it
 * spells out (`addresses: [...]`), or `entries` with the entry at fault
 * replaced by the block it suggests (`write "x"`, `e.g. "x"`).
 */
function fixedList(entries: readonly unknown[], finding: Finding): unknown[] | undefined {
  const spelled = /addresses: \[([^\]]*)\]/.exec(finding.fix);
  if (spelled) {
    return [...spelled[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  }
  const block = /(?:write|e\.g\.) "([^"]+)"/.exec(finding.fix);
  const index = /^addresses\[(\d+)\]/.exec(finding.problem);
  return block && index ? entries.map((entry, i) => (i === Number(index[1]) ? block[1] : entry)) : undefined;
}

describe('readAddresses', () => {
  const isToken = (x: unknown) => x === 'TOKEN' || (Array.isArray(x) && x[0] === 'LIST-TOKEN');

  test('marks the token entries of a list', () => {
    expect(readAddresses(['8.8.8.0/26', 'TOKEN'], isToken)).toEqual({
      kind: 'list',
      entries: [{ value: '8.8.8.0/26', isToken: false }, { value: 'TOKEN', isToken: true }],
    });
  });

  test('tells a list token and a value that is not a list', () => {
    expect(readAddresses(['LIST-TOKEN'], isToken)).toEqual({ kind: 'token', text: 'LIST-TOKEN' });
    expect(readAddresses('8.8.8.0/26', isToken)).toEqual({ kind: 'notList', value: '8.8.8.0/26' });
  });
});

describe('checkAddresses', () => {
  test.each([
    [['8.8.8.0/24']],
    [['8.8.8.0/27']],
    [['8.8.8.32/27', '8.8.8.64/26']],
    [['8.8.8.255/32', '8.8.8.0/32', '8.8.8.64/26']],
  ])('accepts %j, blocks inside the range that do not overlap', (...entries) => {
    const verdict = checkAddresses(RANGE, list(...entries[0]));
    expect(verdict.findings).toEqual([]);
    expect(verdict.complete).toBe(true);
    expect(verdict.blocks.map(String)).toEqual(entries[0]);
  });

  test.each([
    ['an empty list', list(), [ByoipRuleId.INVALID_ADDRESSES]],
    ['a value that is not a list', { kind: 'notList', value: '8.8.8.0/26' } as const, [ByoipRuleId.INVALID_ADDRESSES]],
    ['no prefix length', list('8.8.8.0'), [ByoipRuleId.INVALID_ADDRESSES]],
    ['a leading zero', list('8.8.8.010/31'), [ByoipRuleId.INVALID_ADDRESSES]],
    ['a netmask', list('8.8.8.0/255.255.255.192'), [ByoipRuleId.INVALID_ADDRESSES]],
    ['a prefix shorter than 24', list('8.8.8.0/23'), [ByoipRuleId.INVALID_ADDRESSES]],
    ['host bits', list('8.8.8.1/26'), [ByoipRuleId.INVALID_ADDRESSES]],
    ['a block of another range', list('8.8.9.0/26'), [ByoipRuleId.ADDRESSES_OUTSIDE_RANGE]],
    ['a list token', { kind: 'token', text: '#{Token[TOKEN.1]}' } as const, [ByoipRuleId.UNRESOLVED_ADDRESSES]],
    ['a token entry', { kind: 'list', entries: [{ value: '${Token[TOKEN.1]}', isToken: true }] } as const, [ByoipRuleId.UNRESOLVED_ADDRESSES]],
    ['the same block twice', list('8.8.8.0/26', '8.8.8.0/26'), [ByoipRuleId.OVERLAPPING_ADDRESSES]],
    ['a block inside another', list('8.8.8.0/25', '8.8.8.64/32'), [ByoipRuleId.OVERLAPPING_ADDRESSES]],
  ])('fails for %s', (_, input, expected) => {
    expect(rules(input)).toEqual(expected);
  });

  test('one finding per bad entry, one rule each, then one per overlapping pair of good entries', () => {
    const input: AddressesInput = {
      kind: 'list',
      entries: [
        { value: '8.8.8.0/25', isToken: false },
        { value: '8.8.8.1/26', isToken: false },
        { value: '8.8.0.0/16', isToken: false },
        { value: '8.8.9.0/26', isToken: false },
        { value: '${Token[TOKEN.1]}', isToken: true },
        { value: '8.8.8.0/26', isToken: false },
        { value: '8.8.8.0/27', isToken: false },
      ],
    };
    expect(rules(input)).toEqual([
      ByoipRuleId.INVALID_ADDRESSES, // host bits
      ByoipRuleId.INVALID_ADDRESSES, // a /16
      ByoipRuleId.ADDRESSES_OUTSIDE_RANGE,
      ByoipRuleId.UNRESOLVED_ADDRESSES,
      ByoipRuleId.OVERLAPPING_ADDRESSES, // [5] in [0]
      ByoipRuleId.OVERLAPPING_ADDRESSES, // [6] in [0]
      ByoipRuleId.OVERLAPPING_ADDRESSES, // [6] in [5]
    ]);
    const verdict = checkAddresses(RANGE, input);
    expect(verdict.complete).toBe(false);
    expect(verdict.blocks.map(String)).toEqual(['8.8.8.0/25', '8.8.8.0/26', '8.8.8.0/27']);
  });

  test('a list with overlapping entries is complete: its part of the range is known', () => {
    expect(checkAddresses(RANGE, list('8.8.8.0/25', '8.8.8.0/26')).complete).toBe(true);
  });

  describe('messages', () => {
    const message = (input: AddressesInput) => formatFinding(checkAddresses(RANGE, input).findings[0]);
    const ALLOWED = 'Allowed: CIDR blocks inside 8.8.8.0/24 in strict dotted-decimal notation "a.b.c.d/n": four decimal octets 0-255 without leading zeros, "/" and a prefix length from 24 (the whole range) to 32 (one address), the address being the first of its block.';

    test('InvalidAddresses for an empty list', () => {
      expect(message(list())).toBe(
        '[SesByoip-InvalidAddresses] addresses is an empty list, so the pool would take no address of its range 8.8.8.0/24.' +
          ' Allowed: at least one CIDR block inside 8.8.8.0/24, from /24 (the whole range) to /32 (one address); without addresses, the pool takes the whole range.' +
          ' Fix: list the blocks of 8.8.8.0/24 that this pool takes, e.g. addresses: ["8.8.8.0/25"] for its first 128 addresses, or leave addresses unset to take all of it.',
      );
    });

    test('InvalidAddresses for an entry that is not CIDR suggests its strict form', () => {
      expect(message(list(' 8.8.8.064 /26'))).toBe(
        `[SesByoip-InvalidAddresses] addresses[0] " 8.8.8.064 /26" is not an IPv4 CIDR block: it contains whitespace. ${ALLOWED} Fix: write "8.8.8.64/26" if that is the block you meant.`,
      );
    });

    test('InvalidAddresses for an entry that is not CIDR shows a free block when no strict form passes', () => {
      expect(message(list('8.8.8.0', '8.8.8.0/25'))).toBe(
        `[SesByoip-InvalidAddresses] addresses[0] "8.8.8.0" is not an IPv4 CIDR block: it has no prefix length (the "/24" part). ${ALLOWED}` +
          ' Fix: write the block as four decimal octets, "/" and a prefix length from 24 to 32, e.g. "8.8.8.128/25", with nothing around it.',
      );
    });

    test('InvalidAddresses for a bare address suggests the block of that one address, not the whole range', () => {
      expect(message(list('8.8.8.5'))).toBe(
        `[SesByoip-InvalidAddresses] addresses[0] "8.8.8.5" is not an IPv4 CIDR block: it has no prefix length (the "/24" part). ${ALLOWED}` +
          ' Fix: write "8.8.8.5/32" if that is the block you meant.',
      );
      expect(checkAddresses(RANGE, list(' 8.8.08.5 ')).findings[0].fix).toBe('write "8.8.8.5/32" if that is the block you meant.');
      expect(checkAddresses(RANGE, list('8.8.8.5', '8.8.8.200')).findings.map((f) => f.fix)).toEqual([
        'write "8.8.8.5/32" if that is the block you meant.',
        'write "8.8.8.200/32" if that is the block you meant.',
      ]);
    });

    test('InvalidAddresses for a bare address that another entry or pool takes, or outside the range: no /32 of it', () => {
      expect(checkAddresses(RANGE, list('8.8.8.5', '8.8.8.0/25')).findings[0].fix).toBe(
        'write the block as four decimal octets, "/" and a prefix length from 24 to 32, e.g. "8.8.8.128/25", with nothing around it.',
      );
      expect(checkAddresses(RANGE, list('8.8.8.5'), [rangeOf('8.8.8.0/30'), rangeOf('8.8.8.4/31')]).findings[0].fix).not.toContain('8.8.8.5/32');
      expect(checkAddresses(RANGE, list('9.9.9.9')).findings[0].fix).not.toContain('9.9.9.9/32');
    });

    test('InvalidAddresses for a non-string entry (JavaScript callers)', () => {
      expect(message(list(42))).toContain('addresses[0] 42 is not an IPv4 CIDR block: it is number, not a string.');
    });

    test('InvalidAddresses for a block larger than the range', () => {
      expect(message(list('8.8.0.0/16'))).toBe(
        `[SesByoip-InvalidAddresses] addresses[0] "8.8.0.0/16" is a /16 (65536 addresses), larger than a BYOIP range: a pool takes at most its whole /24. ${ALLOWED}` +
          ' Fix: leave addresses unset to take the whole range 8.8.8.0/24, or list the blocks of it that this pool takes.',
      );
      expect(checkAddresses(RANGE, list('8.8.8.0/25', '8.9.0.0/16')).findings[0].fix).toBe('list only blocks of 8.8.8.0/24, with a prefix length from 24 to 32.');
    });

    test('InvalidAddresses for host bits names the canonical block and suggests it inside the range', () => {
      expect(message(list('8.8.8.65/26'))).toBe(
        `[SesByoip-InvalidAddresses] addresses[0] "8.8.8.65/26" has host bits set: its address is not the first address of the /26 it names, "8.8.8.64/26". ${ALLOWED}` +
          ' Fix: write "8.8.8.64/26" if that is the block you meant (the bits are never masked for you, so a typo cannot select other addresses).',
      );
    });

    test.each([
      ['outside the range', ['8.8.9.65/26'], '"8.8.9.64/26"'],
      ['overlapping another entry', ['8.8.8.0/25', '8.8.8.65/26'], '"8.8.8.64/26"'],
    ])('InvalidAddresses for host bits names the canonical block but does not suggest it %s', (_, entries, canonical) => {
      const finding = checkAddresses(RANGE, list(...entries)).findings[0];
      expect(finding.problem).toContain(`the /26 it names, ${canonical}.`);
      expect(finding.fix).toBe('write the first address of a /26 inside 8.8.8.0/24 (the bits are never masked for you, so a typo cannot select other addresses).');
    });

    test('AddressesOutsideRange suggests the same addresses of the range', () => {
      expect(message(list('8.8.9.64/26'))).toBe(
        '[SesByoip-AddressesOutsideRange] addresses[0] "8.8.9.64/26" is not inside the pool\'s range 8.8.8.0/24 (8.8.8.0 to 8.8.8.255); a pool takes addresses of its own range only.' +
          ' Allowed: CIDR blocks inside 8.8.8.0/24.' +
          ' Fix: write "8.8.8.64/26" if you meant those addresses of 8.8.8.0/24; addresses of another range go in a ByoipSendingPool of that range.',
      );
      expect(checkAddresses(RANGE, list('8.8.8.64/26', '8.8.9.64/26')).findings[0].fix).toBe(
        'list only blocks of 8.8.8.0/24; addresses of another range go in a ByoipSendingPool of that range.',
      );
    });

    test('UnresolvedAddresses for a token entry and for a list token', () => {
      expect(message({ kind: 'list', entries: [{ value: '8.8.8.0/26', isToken: false }, { value: '${Token[TOKEN.7]}', isToken: true }] })).toBe(
        '[SesByoip-UnresolvedAddresses] addresses[1] is a token ("${Token[TOKEN.7]}"), a value only known at deploy time, so it cannot be checked against the range and the other pools.' +
          ' Allowed: literal CIDR blocks, known when the app is synthesized.' +
          ' Fix: pass the blocks as plain strings (in code, or from cdk.json or `-c` context), not as a CloudFormation parameter, import or attribute.',
      );
      expect(message({ kind: 'token', text: '#{Token[TOKEN.8]}' })).toContain(
        '[SesByoip-UnresolvedAddresses] addresses is a token ("#{Token[TOKEN.8]}"), a value only known at deploy time, so the pool\'s part of 8.8.8.0/24 cannot be checked',
      );
    });

    test('OverlappingAddresses within a pool names both entries and the shared block', () => {
      expect(message(list('8.8.8.0/25', '8.8.8.128/26', '8.8.8.64/26'))).toBe(
        '[SesByoip-OverlappingAddresses] addresses[2] "8.8.8.64/26" overlaps addresses[0] "8.8.8.0/25": both hold 8.8.8.64/26 (64 addresses), so the pool lists addresses twice.' +
          ' Allowed: blocks of 8.8.8.0/24 that do not overlap: each address listed once.' +
          ' Fix: list each address once, e.g. addresses: ["8.8.8.0/25", "8.8.8.128/26"].',
      );
      expect(message(list('8.8.8.7/32', '8.8.8.7/32'))).toContain('both hold 8.8.8.7/32 (1 address), so the pool lists an address twice.');
    });
  });

  test.each([
    [[' 8.8.8.064 /26']],
    [['8.8.8.65/26']],
    [['8.8.9.64/26']],
    [['8.8.8.0', '8.8.8.0/25']],
    [['8.8.8.0/25', '8.8.8.128/26', '8.8.8.64/26']],
    [['8.8.8.0/26', '8.8.8.0/26']],
    [[]],
  ])('every list that a fix for %j suggests passes every address rule', (entries) => {
    const findings = checkAddresses(RANGE, list(...entries)).findings;
    const fixed = findings.map((f) => fixedList(entries, f)).filter((l): l is unknown[] => l !== undefined);
    expect(fixed).toHaveLength(findings.length);
    for (const blocks of fixed) {
      expect(checkAddresses(RANGE, list(...blocks)).findings).toEqual([]);
    }
  });
});

describe('checkAddresses with the blocks that the other pools of the range take', () => {
  /** Another pool of the range takes its first half. */
  const FIRST_HALF = [rangeOf('8.8.8.0/25')];
  const ALL = [RANGE];

  /** The fix of the only finding for `input`, given what `others` take. */
  function fixFor(input: AddressesInput, others: typeof FIRST_HALF): string {
    const findings = checkAddresses(RANGE, input, others).findings;
    expect(findings).toHaveLength(1);
    return findings[0].fix;
  }

  test('the findings and blocks do not change, only the fixes', () => {
    for (const entries of [[], ['8.8.8.5/26'], ['8.8.8.0/23'], ['8.8.8.0/26', '8.8.8.0/26'], ['8.8.8.64/26']]) {
      const alone = checkAddresses(RANGE, list(...entries));
      const withOthers = checkAddresses(RANGE, list(...entries), FIRST_HALF);
      expect(withOthers.findings.map((f) => [f.ruleId, f.problem, f.allowed])).toEqual(alone.findings.map((f) => [f.ruleId, f.problem, f.allowed]));
      expect(withOthers.blocks).toEqual(alone.blocks);
    }
  });

  test('an empty list: a block no other pool takes, and not "leave addresses unset"', () => {
    expect(fixFor(list(), FIRST_HALF)).toBe(
      'list the blocks of 8.8.8.0/24 that this pool takes, free of the other pools of the range, e.g. addresses: ["8.8.8.128/25"] (other pools take part of the range, so addresses cannot be left unset).',
    );
    expect(fixFor({ kind: 'notList', value: '8.8.8.0/26' }, FIRST_HALF)).toBe(
      'pass a list of blocks free of the other pools of the range, e.g. addresses: ["8.8.8.128/25"] (other pools take part of the range, so addresses cannot be left unset).',
    );
  });

  test('host bits: the canonical block is not suggested when another pool takes it; a free block of at most its size is', () => {
    expect(fixFor(list('8.8.8.5/26'), FIRST_HALF)).toBe(
      'write a block of 8.8.8.0/24 free of the other entries and of the other pools of the range, e.g. "8.8.8.128/26" (the bits are never masked for you, so a typo cannot select other addresses).',
    );
    // The canonical block is free: it is still the fix.
    expect(fixFor(list('8.8.8.129/26'), FIRST_HALF)).toBe(
      'write "8.8.8.128/26" if that is the block you meant (the bits are never masked for you, so a typo cannot select other addresses).',
    );
  });

  test('a block larger than the range: a free block, not "leave addresses unset"', () => {
    expect(fixFor(list('8.8.8.0/23'), FIRST_HALF)).toBe(
      'list only blocks of 8.8.8.0/24 free of the other pools of the range, with a prefix length from 24 to 32, e.g. "8.8.8.128/25".',
    );
    // Free of the pool's other entries too.
    expect(fixFor(list('8.8.8.0/23', '8.8.8.128/26'), FIRST_HALF)).toContain('e.g. "8.8.8.192/26".');
  });

  test('the strict form of an entry or the same block of the range is not suggested when another pool takes it', () => {
    expect(fixFor(list(' 8.8.8.064 /26'), FIRST_HALF)).toBe(
      'write the block as four decimal octets, "/" and a prefix length from 24 to 32, e.g. "8.8.8.128/25", with nothing around it.',
    );
    expect(fixFor(list('8.8.9.64/26'), FIRST_HALF)).toBe('list only blocks of 8.8.8.0/24; addresses of another range go in a ByoipSendingPool of that range.');
  });

  test('an entry listed twice: the example leaves out what the other pools take', () => {
    const findings = checkAddresses(RANGE, list('8.8.8.0/26', '8.8.8.0/26', '8.8.8.128/26'), FIRST_HALF).findings;
    expect(findings.map((f) => f.fix)).toEqual(['list each address once, e.g. addresses: ["8.8.8.128/26"].']);
    expect(fixFor(list('8.8.8.0/26', '8.8.8.0/26'), FIRST_HALF)).toBe('list each address once: remove addresses[1] or the part of it that addresses[0] holds.');
  });

  test('when the other pools take the whole range, no example and no "leave addresses unset"', () => {
    const fixes = [list(), { kind: 'notList', value: 5 } as const, list('8.8.8.5/26'), list('8.8.8.0/23'), list('8.8.8.0/24 ')].map((input) => fixFor(input, ALL));
    expect(fixes.slice(0, 2)).toEqual([
      'list the blocks of 8.8.8.0/24 that this pool takes; the other pools of 8.8.8.0/24 in this account and Region take all of it now: free addresses in one of them first.',
      'pass a list of blocks of 8.8.8.0/24; the other pools of 8.8.8.0/24 in this account and Region take all of it now: free addresses in one of them first.',
    ]);
    for (const fix of fixes) {
      expect(fix).not.toMatch(/leave addresses unset|"8\.8\.8\.\d+\/\d+"/);
    }
  });

  test.each([
    [[]],
    [{ notList: '8.8.8.0/26' }],
    [['8.8.8.5/26']],
    [['8.8.8.0/23']],
    [['8.8.8.0/23', '8.8.8.128/26']],
    [['8.8.8.64/25']],
    [[' 8.8.8.064 /26']],
    [['8.8.8.0', '8.8.8.128/26']],
    [['8.8.8.0/26', '8.8.8.0/26', '8.8.8.128/26']],
    [['8.8.8.192/26', '8.8.8.193/26']],
  ])('every list that a fix for %j suggests passes every address rule and is free of the other pools', (entries) => {
    const input = Array.isArray(entries) ? list(...entries) : ({ kind: 'notList', value: entries.notList } as const);
    const given = Array.isArray(entries) ? entries : [];
    for (const others of [FIRST_HALF, [rangeOf('8.8.8.0/26'), rangeOf('8.8.8.128/27')]]) {
      const findings = checkAddresses(RANGE, input, others).findings;
      const fixed = findings.map((f) => fixedList(given, f)).filter((l): l is unknown[] => l !== undefined);
      expect(findings.filter((f) => /leave addresses unset/.test(f.fix))).toEqual([]);
      expect(fixed.length).toBeGreaterThan(0);
      for (const blocks of fixed) {
        const verdict = checkAddresses(RANGE, list(...blocks));
        expect(verdict.findings).toEqual([]);
        // An entry that overlaps another pool is a finding of its own (the pool's, not the fix's): only the suggested blocks count.
        const suggested = verdict.blocks.filter((b) => !given.includes(b.toString()));
        expect(suggested.filter((b) => others.some((o) => o.overlaps(b)))).toEqual([]);
      }
    }
  });
});
