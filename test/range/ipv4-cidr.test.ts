import {
  fewestBlocks,
  formatIpv4,
  hasHostBits,
  ipv4ToNumber,
  Ipv4Range,
  rangeOf,
  parseDottedDecimal,
  parseIpv4Cidr,
} from '../../src/range/ipv4-cidr';

describe('parseIpv4Cidr', () => {
  test.each([
    ['198.51.100.0/24', 0xc6336400, 24],
    ['0.0.0.0/0', 0, 0],
    ['255.255.255.255/32', 0xffffffff, 32],
    ['1.2.3.4/8', 0x01020304, 8],
    ['10.0.0.0/10', 0x0a000000, 10],
    ['100.64.0.0/24', 0x64400000, 24],
  ])('accepts %s', (text, address, prefixLength) => {
    expect(parseIpv4Cidr(text)).toEqual({ ok: true, value: { address, prefixLength } });
  });

  test.each([
    // [input, words the reason must contain]
    ['', 'is empty'],
    [' 198.51.100.0/24', 'whitespace'],
    ['198.51.100.0/24 ', 'whitespace'],
    ['198.51.100.0 /24', 'whitespace'],
    ['198.51.100.0/24\n', 'whitespace'],
    ['198.51.100.0\t/24', 'whitespace'],
    ['198.51.100.0', 'no prefix length'],
    ['198.51.100.0/', 'empty prefix length'],
    ['/24', 'no address'],
    ['198.51.100.0/24/24', 'more than one "/"'],
    ['198.51.100/24', '3 dot-separated parts'],
    ['198.51/24', '2 dot-separated parts'],
    ['3325256704/24', '1 dot-separated part'],
    ['198.51.100.0.0/24', '5 dot-separated parts'],
    ['198.51..0/24', 'empty octet'],
    ['.51.100.0/24', 'empty octet'],
    ['198.51.100./24', 'empty octet'],
    ['198.051.100.0/24', 'leading zero'],
    ['010.0.0.0/24', 'leading zero'],
    ['00.0.0.0/24', 'leading zero'],
    ['255.01.01.255/24', 'leading zero'],
    ['0x0a.0.0.0/24', 'not a decimal number'],
    ['0xc6.51.100.0/24', 'not a decimal number'],
    ['198.51.100.0/0x18', 'not a decimal number'],
    ['1e2.0.0.0/24', 'not a decimal number'],
    ['+1.0.0.0/24', 'not a decimal number'],
    ['-1.0.0.0/24', 'not a decimal number'],
    ['198.51.100.0/+24', 'not a decimal number'],
    ['198.51.100.0/-24', 'not a decimal number'],
    ['198.51.100.0/24.0', 'netmask'],
    ['198.51.100.0/255.255.255.0', 'netmask'],
    ['256.0.0.0/24', 'greater than 255'],
    ['198.51.100.300/24', 'greater than 255'],
    ['198.51.100.0/33', 'greater than 32'],
    ['198.51.100.0/024', 'leading zero'],
    ['198.51.100.0/00', 'leading zero'],
    ['2001:db8::/32', 'IPv6'],
    ['::ffff:198.51.100.0/120', 'IPv6'],
    ['１９８.51.100.0/24', 'not a decimal number'], // full-width digits
    ['198.51.100.0/２４', 'not a decimal number'],
    ['198,51,100,0/24', '1 dot-separated part'],
    ['a.b.c.d/24', 'not a decimal number'],
    ['198.51.100.0\\24', 'no prefix length'],
  ])('rejects %j', (text, reason) => {
    const result = parseIpv4Cidr(text);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.problem).toContain(reason);
  });

  test('rejects values that are not strings (plain JavaScript callers)', () => {
    expect(parseIpv4Cidr(undefined as unknown as string)).toEqual({ ok: false, problem: 'is undefined, not a string' });
    expect(parseIpv4Cidr(null as unknown as string)).toEqual({ ok: false, problem: 'is null, not a string' });
  });

  test('keeps its message short on a very long input', () => {
    const result = parseIpv4Cidr(`${'1.'.repeat(100_000)}1/24`);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem.length).toBeLessThan(200);
    const octet = parseIpv4Cidr(`1.1.1.${'9'.repeat(10_000)}/24`);
    expect(!octet.ok && octet.problem).toBe(`has octet "${'9'.repeat(20)}...", greater than 255`);
  });

  test.each([
    ['8.8.8.0/24\u200b', 'has prefix length "24\\u200b", which is not a decimal number'],
    ['8.8.8.0/2\u00a04', 'contains whitespace'],
    ['8.8.\u0660.0/24', 'has octet "\\u0660", which is not a decimal number'],
  ])('names invisible and look-alike characters: %s', (escaped, problem) => {
    const result = parseIpv4Cidr(JSON.parse(`"${escaped}"`));
    expect(!result.ok && result.problem).toContain(problem);
  });
});

describe('parseDottedDecimal', () => {
  test('parses an address to an unsigned integer', () => {
    expect(parseDottedDecimal('203.0.113.255')).toEqual({ ok: true, value: 0xcb0071ff });
  });
  test('returns the problem of a bad address', () => {
    const result = parseDottedDecimal('203.0.113');
    expect(!result.ok && result.problem).toContain('exactly 4 decimal octets');
  });
});

describe('hasHostBits', () => {
  test.each([
    ['198.51.100.0/24', false],
    ['198.51.100.7/24', true],
    ['198.51.100.255/24', true],
    ['198.51.0.0/16', false],
    ['198.51.1.0/16', true],
    ['198.51.100.7/32', false],
    ['0.0.0.0/0', false],
    ['1.0.0.0/0', true],
  ])('%s -> %s', (text, expected) => {
    const parsed = parseIpv4Cidr(text);
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(hasHostBits(parsed.value)).toBe(expected);
  });
});

describe('formatIpv4', () => {
  test.each([
    [0, '0.0.0.0'],
    [0xffffffff, '255.255.255.255'],
    [0xc6336407, '198.51.100.7'],
  ])('%d -> %s', (n, text) => {
    expect(formatIpv4(n)).toBe(text);
  });
});

describe('Ipv4Range', () => {
  const range = rangeOf('198.51.100.0/24');

  test('lists the 256 addresses of a /24 in order', () => {
    const addresses = range.addresses();
    expect(addresses).toHaveLength(256);
    expect(addresses[0]).toBe('198.51.100.0');
    expect(addresses[1]).toBe('198.51.100.1');
    expect(addresses[255]).toBe('198.51.100.255');
    expect(new Set(addresses).size).toBe(256);
  });

  test('lists the addresses of a block that ends the address space', () => {
    expect(rangeOf('255.255.255.252/30').addresses()).toEqual([
      '255.255.255.252',
      '255.255.255.253',
      '255.255.255.254',
      '255.255.255.255',
    ]);
  });

  test('fails to list the addresses of a block larger than a /16', () => {
    expect(() => rangeOf('10.0.0.0/8').addresses()).toThrow(/refusing to list the 16777216 addresses/);
  });

  test('knows its size, last address and canonical form', () => {
    expect(range.size).toBe(256);
    expect(formatIpv4(range.last)).toBe('198.51.100.255');
    expect(range.toString()).toBe('198.51.100.0/24');
    expect(rangeOf('0.0.0.0/0').size).toBe(2 ** 32);
  });

  test('contains its own addresses and sub-blocks, nothing else', () => {
    expect(range.contains(0xc6336400)).toBe(true);
    expect(range.contains(0xc63364ff)).toBe(true);
    expect(range.contains(0xc63363ff)).toBe(false);
    expect(range.contains(0xc6336500)).toBe(false);
    expect(range.contains(rangeOf('198.51.100.128/25'))).toBe(true);
    expect(range.contains(range)).toBe(true);
    expect(range.contains(rangeOf('198.51.0.0/16'))).toBe(false);
    expect(rangeOf('198.51.0.0/16').contains(range)).toBe(true);
  });

  test('overlaps blocks that share an address', () => {
    expect(range.overlaps(rangeOf('198.51.0.0/16'))).toBe(true);
    expect(range.overlaps(rangeOf('198.51.100.255/32'))).toBe(true);
    expect(range.overlaps(rangeOf('198.51.101.0/24'))).toBe(false);
    expect(range.overlaps(rangeOf('198.51.99.0/24'))).toBe(false);
  });

  test('containing() clears host bits', () => {
    expect(Ipv4Range.containing(0xc6336407, 24).toString()).toBe('198.51.100.0/24');
    expect(Ipv4Range.containing(0xffffffff, 4).toString()).toBe('240.0.0.0/4');
    expect(Ipv4Range.containing(0xc6336407, 0).toString()).toBe('0.0.0.0/0');
  });

  test('fails to construct an invalid block', () => {
    expect(() => new Ipv4Range(0xc6336407, 24)).toThrow(/host bits set/);
    expect(() => new Ipv4Range(0, 33)).toThrow(/prefix length must be an integer from 0 to 32/);
    expect(() => new Ipv4Range(-1, 24)).toThrow(/unsigned 32-bit integer/);
    expect(() => new Ipv4Range(2 ** 32, 24)).toThrow(/unsigned 32-bit integer/);
    expect(() => rangeOf('10.0.0.0')).toThrow(/no prefix length/);
  });
});

describe('fewestBlocks', () => {
  const blocks = (ips: string[]) => fewestBlocks(ips.map(ipv4ToNumber)).map(String);
  const all = (cidr: string) => rangeOf(cidr).addresses();

  test.each([
    [[], []],
    [['8.8.8.7'], ['8.8.8.7/32']],
    [all('8.8.8.0/24'), ['8.8.8.0/24']],
    [[...all('8.8.8.0/26'), '8.8.8.128'], ['8.8.8.0/26', '8.8.8.128/32']],
    [all('8.8.8.0/24').slice(1), ['8.8.8.1/32', '8.8.8.2/31', '8.8.8.4/30', '8.8.8.8/29', '8.8.8.16/28', '8.8.8.32/27', '8.8.8.64/26', '8.8.8.128/25']],
    [[...all('8.8.8.64/26'), ...all('8.8.8.0/26')].reverse(), ['8.8.8.0/25']],
    [['8.8.8.1', '8.8.8.1', '8.8.8.2'], ['8.8.8.1/32', '8.8.8.2/32']],
    [['8.8.8.255', '8.8.9.0'], ['8.8.8.255/32', '8.8.9.0/32']],
  ])('%j gives %j', (ips, expected) => {
    expect(blocks(ips)).toEqual(expected);
  });

  test('the blocks hold exactly the addresses given', () => {
    const ips = all('8.8.8.0/24').filter((_, i) => (i * 7) % 5 !== 0);
    const back = fewestBlocks(ips.map(ipv4ToNumber)).flatMap((b) => b.addresses());
    expect(back).toEqual(ips);
  });
});
