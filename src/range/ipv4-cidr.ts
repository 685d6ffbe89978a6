/**
 * Strict IPv4 CIDR parsing and range arithmetic. Pure code, no CDK: shared by
 * the synthesis-time rules, the deploy-time handler and the CLI.
 *
 * The parser accepts exactly `a.b.c.d/n` in canonical dotted decimal: four
 * decimal octets 0-255 without leading zeros, and a decimal prefix length 0-32
 * without leading zeros. Everything else (whitespace, octal/hex/short forms,
 * netmasks, IPv6) is rejected with a reason, never guessed at.
 */

import { quote } from '../private/display';

/** The number of IPv4 addresses. */
const ADDRESS_SPACE = 2 ** 32;

/** An IPv4 block `network/prefixLength` whose host bits are all zero. */
export class Ipv4Range {
  /**
   * The block of `prefixLength` that contains `address` (host bits cleared).
   */
  public static containing(address: number, prefixLength: number): Ipv4Range {
    return new Ipv4Range(maskAddress(address, prefixLength), prefixLength);
  }

  /** The network address as an unsigned 32-bit integer. */
  public readonly network: number;
  /** The prefix length, 0 to 32. */
  public readonly prefixLength: number;

  constructor(network: number, prefixLength: number) {
    if (!Number.isInteger(prefixLength) || prefixLength < 0 || prefixLength > 32) {
      throw new RangeError(`prefix length must be an integer from 0 to 32, got ${prefixLength}`);
    }
    if (!Number.isInteger(network) || network < 0 || network >= ADDRESS_SPACE) {
      throw new RangeError(`network must be an unsigned 32-bit integer, got ${network}`);
    }
    if (maskAddress(network, prefixLength) !== network) {
      throw new RangeError(`${formatIpv4(network)}/${prefixLength} has host bits set`);
    }
    this.network = network;
    this.prefixLength = prefixLength;
  }

  /** How many addresses the block holds (256 for a /24). */
  public get size(): number {
    return 2 ** (32 - this.prefixLength);
  }

  /** The last address of the block, as an unsigned 32-bit integer. */
  public get last(): number {
    return this.network + this.size - 1;
  }

  /** True if `other` (an address or a block) lies entirely inside this block. */
  public contains(other: Ipv4Range | number): boolean {
    const [first, last] = typeof other === 'number' ? [other, other] : [other.network, other.last];
    return first >= this.network && last <= this.last;
  }

  /** True if the two blocks share at least one address. */
  public overlaps(other: Ipv4Range): boolean {
    return this.network <= other.last && other.network <= this.last;
  }

  /**
   * Every address of the block, in ascending order, in dotted decimal.
   * Meant for the /24 ranges of BYOIP (256 addresses); refuses blocks larger
   * than a /16 rather than allocating millions of strings.
   */
  public addresses(): string[] {
    if (this.prefixLength < 16) {
      throw new RangeError(`refusing to list the ${this.size} addresses of ${this.toString()}`);
    }
    const out = new Array<string>(this.size);
    for (let i = 0; i < this.size; i++) {
      out[i] = formatIpv4(this.network + i);
    }
    return out;
  }

  /** Canonical CIDR notation, e.g. `198.51.100.0/24`. */
  public toString(): string {
    return `${formatIpv4(this.network)}/${this.prefixLength}`;
  }
}

/** A syntactically valid CIDR: the address as written and its prefix length. */
export interface ParsedCidr {
  /** The address part as an unsigned 32-bit integer (host bits may be set). */
  readonly address: number;
  /** The prefix length, 0 to 32. */
  readonly prefixLength: number;
}

/** A parsed value, or why the text is not one. */
export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** The outcome of {@link parseIpv4Cidr}. */
export type CidrParseResult = ParseResult<ParsedCidr>;

const DECIMAL = /^[0-9]+$/;

/**
 * Parses strict dotted-decimal IPv4 CIDR notation `a.b.c.d/n`.
 * Host bits are not checked here (see {@link hasHostBits}).
 */
export function parseIpv4Cidr(text: string): CidrParseResult {
  const fail = (problem: string): CidrParseResult => ({ ok: false, problem });
  if (typeof text !== 'string') {
    return fail(`is ${text === null ? 'null' : typeof text}, not a string`);
  }
  if (text.length === 0) {
    return fail('is empty');
  }
  if (/\s/.test(text)) {
    return fail('contains whitespace');
  }
  if (text.includes(':')) {
    return fail('looks like an IPv6 range; SES BYOIP takes IPv4 ranges only');
  }
  const slash = text.split('/');
  if (slash.length === 1) {
    return fail('has no prefix length (the "/24" part)');
  }
  if (slash.length > 2) {
    return fail('has more than one "/"');
  }
  const [addressText, prefixText] = slash;

  const address = parseDottedDecimal(addressText);
  if (!address.ok) {
    return address;
  }
  if (prefixText.includes('.')) {
    return fail(`gives a netmask (${quote(prefixText, 20)}) where a prefix length is expected`);
  }
  const prefix = parseDecimal(prefixText, 'prefix length', 32);
  if (!prefix.ok) {
    return prefix;
  }
  return { ok: true, value: { address: address.value, prefixLength: prefix.value } };
}

/**
 * Parses a strict dotted-decimal IPv4 address to an unsigned 32-bit integer.
 */
export function parseDottedDecimal(text: string): ParseResult<number> {
  if (text.length === 0) {
    return { ok: false, problem: 'has no address before the "/"' };
  }
  const parts = text.split('.');
  if (parts.length !== 4) {
    return {
      ok: false,
      problem: `has ${parts.length} dot-separated part${parts.length === 1 ? '' : 's'} in its address (${quote(text, 40)}); exactly 4 decimal octets are required (short forms are not accepted)`,
    };
  }
  let value = 0;
  for (const part of parts) {
    const octet = parseDecimal(part, 'octet', 255);
    if (!octet.ok) {
      return octet;
    }
    value = value * 256 + octet.value;
  }
  return { ok: true, value };
}

/** Parses one decimal number without sign or leading zeros, at most `max`. */
function parseDecimal(text: string, what: string, max: number): ParseResult<number> {
  const fail = (problem: string): ParseResult<number> => ({ ok: false, problem });
  if (text.length === 0) {
    return fail(`has an empty ${what}`);
  }
  if (!DECIMAL.test(text)) {
    return fail(`has ${what} ${quote(text, 20)}, which is not a decimal number (hex, octal and other forms are not accepted)`);
  }
  if (text.length > 1 && text.startsWith('0')) {
    return fail(`has ${what} ${quote(text, 20)} with a leading zero (ambiguous: some parsers read it as octal)`);
  }
  const value = Number(text);
  if (value > max) {
    return fail(`has ${what} ${quote(text, 20)}, greater than ${max}`);
  }
  return { ok: true, value };
}

/** Clears the host bits of `address` for a block of `prefixLength`. */
function maskAddress(address: number, prefixLength: number): number {
  const blockSize = 2 ** (32 - prefixLength);
  return address - (address % blockSize);
}

/** True if the address part of a CIDR has bits set beyond its prefix length. */
export function hasHostBits(cidr: ParsedCidr): boolean {
  return maskAddress(cidr.address, cidr.prefixLength) !== cidr.address;
}

/** Formats an unsigned 32-bit integer as a dotted-decimal IPv4 address. */
export function formatIpv4(address: number): string {
  return `${Math.floor(address / 16_777_216)}.${Math.floor(address / 65_536) % 256}.${Math.floor(address / 256) % 256}.${address % 256}`;
}

/**
 * Parses a CIDR that must be a valid block (host bits clear), for fixed tables
 * and tests. Throws on anything else.
 */
export function rangeOf(text: string): Ipv4Range {
  const parsed = parseIpv4Cidr(text);
  if (!parsed.ok) {
    throw new RangeError(`${quote(text)} ${parsed.problem}`);
  }
  return new Ipv4Range(parsed.value.address, parsed.value.prefixLength);
}

/**
 * The fewest CIDR blocks that hold exactly `addresses` (unsigned 32-bit
 * integers, in any order, duplicates allowed), in ascending order: e.g.
 * .0 to .63 and .128 give `x.y.z.0/26` and `x.y.z.128/32`.
 */
export function fewestBlocks(addresses: Iterable<number>): Ipv4Range[] {
  const sorted = [...new Set(addresses)].sort((a, b) => a - b);
  const blocks: Ipv4Range[] = [];
  let i = 0;
  while (i < sorted.length) {
    // The contiguous run that starts here.
    let end = i;
    while (end + 1 < sorted.length && sorted[end + 1] === sorted[end] + 1) {
      end++;
    }
    let start = sorted[i];
    const last = sorted[end];
    while (start <= last) {
      // The largest block aligned at `start` that stays inside the run.
      let prefix = 32;
      while (prefix > 0) {
        const size = 2 ** (32 - (prefix - 1));
        if (start % size !== 0 || start + size - 1 > last) {
          break;
        }
        prefix--;
      }
      const block = new Ipv4Range(start, prefix);
      blocks.push(block);
      start = block.last + 1;
    }
    i = end + 1;
  }
  return blocks;
}

/** The address in dotted decimal as an unsigned 32-bit integer (it must be valid). */
export function ipv4ToNumber(address: string): number {
  const parsed = parseDottedDecimal(address);
  if (!parsed.ok) {
    throw new RangeError(`${quote(address)} ${parsed.problem}`);
  }
  return parsed.value;
}
