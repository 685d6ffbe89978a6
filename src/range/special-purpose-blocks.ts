import { Ipv4Range, rangeOf } from './ipv4-cidr';

/** An IANA special-purpose IPv4 block (RFC 6890 registry) and why it is special. */
export interface SpecialPurposeBlock {
  /** The block, e.g. 10.0.0.0/8. */
  readonly range: Ipv4Range;
  /** What the block is for, e.g. "Private-Use". */
  readonly name: string;
  /** The RFC that reserves it. */
  readonly rfc: string;
}

function block(cidr: string, name: string, rfc: string): SpecialPurposeBlock {
  return { range: rangeOf(cidr), name, rfc };
}

/**
 * Blocks that are never routed on the public Internet (or never as unicast
 * sources), so a range inside one of them cannot be a BYOIP range.
 */
export const NON_PUBLIC_BLOCKS: readonly SpecialPurposeBlock[] = [
  block('0.0.0.0/8', '"This network"', 'RFC 791'),
  block('10.0.0.0/8', 'Private-Use', 'RFC 1918'),
  block('100.64.0.0/10', 'Shared Address Space (carrier-grade NAT)', 'RFC 6598'),
  block('127.0.0.0/8', 'Loopback', 'RFC 1122'),
  block('169.254.0.0/16', 'Link-Local', 'RFC 3927'),
  block('172.16.0.0/12', 'Private-Use', 'RFC 1918'),
  block('192.0.0.0/24', 'IETF Protocol Assignments', 'RFC 6890'),
  block('192.88.99.0/24', 'Deprecated 6to4 Relay Anycast', 'RFC 7526'),
  block('192.168.0.0/16', 'Private-Use', 'RFC 1918'),
  block('198.18.0.0/15', 'Benchmarking', 'RFC 2544'),
  block('224.0.0.0/4', 'Multicast', 'RFC 5771'),
  block('240.0.0.0/4', 'Reserved for future use, with the limited broadcast address', 'RFC 1112'),
];

/**
 * The documentation blocks (TEST-NET-1/2/3): public-looking, fine in examples,
 * never a real customer range.
 */
export const DOCUMENTATION_BLOCKS: readonly SpecialPurposeBlock[] = [
  block('192.0.2.0/24', 'Documentation (TEST-NET-1)', 'RFC 5737'),
  block('198.51.100.0/24', 'Documentation (TEST-NET-2)', 'RFC 5737'),
  block('203.0.113.0/24', 'Documentation (TEST-NET-3)', 'RFC 5737'),
];

/** The first block of `blocks` that overlaps `range`, if any. */
export function findOverlappingBlock(
  range: Ipv4Range,
  blocks: readonly SpecialPurposeBlock[],
): SpecialPurposeBlock | undefined {
  return blocks.find((b) => b.range.overlaps(range));
}
