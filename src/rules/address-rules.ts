import { Finding } from './finding';
import { looseReading } from './range-rules';
import { ByoipRuleId } from './rule-id';
import { quote } from '../private/display';
import { fewestBlocks, formatIpv4, hasHostBits, Ipv4Range, parseIpv4Cidr } from '../range/ipv4-cidr';

/** The shortest prefix of a block of `addresses`: the whole /24 range. */
const MIN_BLOCK_PREFIX = 24;

/** Examples longer than this are left out of messages rather than cut. */
const MAX_EXAMPLE_BLOCKS = 8;

/** The `addresses` of a pool as the address rules see them, tokens marked. */
export type AddressesInput =
  | {
    /** The list itself is a token (a CommaDelimitedList parameter, Fn.split ...). */
    readonly kind: 'token';
    readonly text: string;
  }
  | {
    /** Not a list at all (JavaScript callers). */
    readonly kind: 'notList';
    readonly value: unknown;
  }
  | {
    readonly kind: 'list';
    readonly entries: readonly AddressEntry[];
  };

/** One entry of `addresses`. */
export interface AddressEntry {
  /** The entry as given (a string for TypeScript callers). */
  readonly value: unknown;
  /** True if the entry is or holds a token. */
  readonly isToken: boolean;
}

/**
 * `addresses` as the rules take it; `isToken` tells tokens (CDK's
 * Token.isUnresolved), so that the rules need no CDK.
 */
export function readAddresses(value: unknown, isToken: (x: unknown) => boolean): AddressesInput {
  if (!Array.isArray(value)) {
    return { kind: 'notList', value };
  }
  if (isToken(value)) {
    return { kind: 'token', text: String(value[0]) };
  }
  return { kind: 'list', entries: value.map((entry: unknown) => ({ value: entry, isToken: isToken(entry) })) };
}

/** What the address rules say about the `addresses` of one pool. */
export interface AddressesVerdict {
  /** One finding per bad entry (or one for the list), then one per pair of overlapping entries. */
  readonly findings: Finding[];
  /** The entries that pass (valid blocks inside the range), in the order given. */
  readonly blocks: Ipv4Range[];
  /** True if every entry passes: the pool's part of the range is known in full. */
  readonly complete: boolean;
}

/**
 * Applies the address rules to the `addresses` of a pool whose range,
 * `range`, passed the range rules. Each entry gets one finding at most:
 * UnresolvedAddresses, InvalidAddresses (not CIDR, a prefix shorter than
 * 24, host bits), AddressesOutsideRange, in that order; then
 * OverlappingAddresses for each pair of entries that pass and share
 * addresses.
 *
 * `others` are the blocks of `range` that the other pools of the range in
 * the same account and Region take (their blocks that pass; a pool without
 * `addresses` takes the whole range). They change no finding, only the
 * fixes: a fix suggests no block that another pool takes (so that following
 * it does not fail the next synthesis with OverlappingAddresses), and
 * suggests leaving `addresses` unset only if no other pool takes any of
 * the range.
 */
export function checkAddresses(range: Ipv4Range, input: AddressesInput, others: readonly Ipv4Range[] = []): AddressesVerdict {
  if (input.kind === 'token') {
    return { findings: [unresolvedList(range, input.text)], blocks: [], complete: false };
  }
  if (input.kind === 'notList') {
    return { findings: [notAList(range, input.value, others)], blocks: [], complete: false };
  }
  if (input.entries.length === 0) {
    return { findings: [emptyList(range, others)], blocks: [], complete: false };
  }
  // The blocks that pass, first, so that fixes never suggest one that overlaps them.
  const passing = input.entries.map((entry) => (entry.isToken ? undefined : passingBlock(range, entry.value)));
  const blocks = passing.filter((b): b is Ipv4Range => b !== undefined);
  const findings: Finding[] = [];
  input.entries.forEach((entry, index) => {
    if (passing[index]) {
      return;
    }
    findings.push(entry.isToken ? unresolvedEntry(index, entry.value) : entryFinding(range, index, entry.value, blocks, others));
  });
  findings.push(...overlappingEntries(range, input.entries, passing, others));
  return { findings, blocks, complete: blocks.length === input.entries.length };
}

/** The distinct addresses that `blocks` hold. */
export function addressesOf(blocks: readonly Ipv4Range[]): Set<number> {
  const addresses = new Set<number>();
  for (const block of blocks) {
    for (let ip = block.network; ip <= block.last; ip++) {
      addresses.add(ip);
    }
  }
  return addresses;
}

/**
 * The strict block that an entry of `addresses` reads as, if it reads as
 * one: its strict form if written loosely (`" 8.8.08.0 / 26"` gives
 * `"8.8.8.0/26"`), or the block of one address for an address without a
 * prefix length (`"8.8.8.5"` gives `"8.8.8.5/32"`, not its /24: a pool's
 * part of a range is often a few addresses). The CLI's `--addresses` reads
 * its entries the same way.
 */
export function meantBlock(entry: string): string | undefined {
  return looseReading(entry) ?? looseReading(`${entry}/32`);
}

/** The blocks as a list in code, e.g. `["8.8.8.0/26", "8.8.8.64/32"]`. */
export function codeList(blocks: readonly Ipv4Range[]): string {
  return `[${blocks.map((b) => `"${b}"`).join(', ')}]`;
}

/**
 * `addresses` as the fewest blocks, for an example in a message, if there
 * are a few (at most eight).
 */
export function exampleBlocks(addresses: Iterable<number>): Ipv4Range[] | undefined {
  const blocks = fewestBlocks(addresses);
  return blocks.length > 0 && blocks.length <= MAX_EXAMPLE_BLOCKS ? blocks : undefined;
}

/** The entry as a block, if it passes: strict CIDR, /24 to /32, no host bits, inside `range`. */
function passingBlock(range: Ipv4Range, value: unknown): Ipv4Range | undefined {
  const parsed = parseIpv4Cidr(value as string);
  if (!parsed.ok || parsed.value.prefixLength < MIN_BLOCK_PREFIX || hasHostBits(parsed.value)) {
    return undefined;
  }
  const block = new Ipv4Range(parsed.value.address, parsed.value.prefixLength);
  return range.contains(block) ? block : undefined;
}

/** `text` if it names a block that would pass and overlaps none of `others`, for a fix. */
function usableBlock(range: Ipv4Range, text: string | undefined, others: readonly Ipv4Range[]): string | undefined {
  const block = text === undefined ? undefined : passingBlock(range, text);
  return block && !others.some((other) => other.overlaps(block)) ? block.toString() : undefined;
}

/**
 * The finding of one literal entry that does not pass; its fix suggests no
 * block that overlaps `passing` (the pool's other entries) or `others` (the
 * other pools of the range).
 */
function entryFinding(
  range: Ipv4Range, index: number, value: unknown, passing: readonly Ipv4Range[], others: readonly Ipv4Range[],
): Finding {
  const entry = `addresses[${index}] ${shown(value)}`;
  const parsed = parseIpv4Cidr(value as string);
  const taken = [...passing, ...others];
  if (!parsed.ok) {
    return invalidEntry(range, entry, value, parsed.problem, taken);
  }
  const { address, prefixLength } = parsed.value;
  if (prefixLength < MIN_BLOCK_PREFIX) {
    return tooLarge(range, entry, Ipv4Range.containing(address, prefixLength), passing, others);
  }
  if (hasHostBits(parsed.value)) {
    return hostBits(range, entry, Ipv4Range.containing(address, prefixLength), passing, others);
  }
  return outsideRange(range, entry, new Ipv4Range(address, prefixLength), taken);
}

/** What InvalidAddresses allows. */
function blocksAllowed(range: Ipv4Range): string {
  return `CIDR blocks inside ${range} in strict dotted-decimal notation "a.b.c.d/n": four decimal octets 0-255 without leading zeros, "/" and a prefix length from 24 (the whole range) to 32 (one address), the address being the first of its block.`;
}

/** A block of `range` outside `taken` for an example, `"a.b.c.d/n"`, if there is one. */
function firstFreeBlock(range: Ipv4Range, taken: readonly Ipv4Range[]): string | undefined {
  const used = addressesOf(taken);
  const blocks = fewestBlocks([...addressesOf([range])].filter((ip) => !used.has(ip)));
  return blocks.length > 0 ? `"${blocks[0]}"` : undefined;
}

/**
 * The largest block of `range` (the first of its size) that overlaps none
 * of `taken` and holds at most `maxSize` addresses, if there is one.
 */
function largestFreeBlock(range: Ipv4Range, taken: readonly Ipv4Range[], maxSize = range.size): Ipv4Range | undefined {
  for (let prefix = MIN_BLOCK_PREFIX; prefix <= 32; prefix++) {
    const size = 2 ** (32 - prefix);
    if (size > maxSize) {
      continue;
    }
    for (let network = range.network; network <= range.last; network += size) {
      const block = new Ipv4Range(network, prefix);
      if (!taken.some((t) => t.overlaps(block))) {
        return block;
      }
    }
  }
  return undefined;
}

/** What a fix says when other pools of the range take all of it. */
function allTaken(range: Ipv4Range): string {
  return `the other pools of ${range} in this account and Region take all of it now: free addresses in one of them first`;
}

/** SesByoip-InvalidAddresses: an empty list. */
function emptyList(range: Ipv4Range, others: readonly Ipv4Range[]): Finding {
  const half = new Ipv4Range(range.network, MIN_BLOCK_PREFIX + 1);
  const free = largestFreeBlock(range, others);
  return {
    ruleId: ByoipRuleId.INVALID_ADDRESSES,
    severity: 'error',
    problem: `addresses is an empty list, so the pool would take no address of its range ${range}.`,
    allowed: `at least one CIDR block inside ${range}, from /24 (the whole range) to /32 (one address); without addresses, the pool takes the whole range.`,
    fix: others.length === 0
      ? `list the blocks of ${range} that this pool takes, e.g. addresses: ["${half}"] for its first 128 addresses, or leave addresses unset to take all of it.`
      : free
        ? `list the blocks of ${range} that this pool takes, free of the other pools of the range, e.g. addresses: ["${free}"] (other pools take part of the range, so addresses cannot be left unset).`
        : `list the blocks of ${range} that this pool takes; ${allTaken(range)}.`,
  };
}

/** SesByoip-InvalidAddresses: not a list (JavaScript callers). */
function notAList(range: Ipv4Range, value: unknown, others: readonly Ipv4Range[]): Finding {
  const half = new Ipv4Range(range.network, MIN_BLOCK_PREFIX + 1);
  const free = largestFreeBlock(range, others);
  return {
    ruleId: ByoipRuleId.INVALID_ADDRESSES,
    severity: 'error',
    problem: `addresses is ${shown(value)}, not a list of CIDR blocks.`,
    allowed: `a list of CIDR blocks inside ${range}, from /24 (the whole range) to /32 (one address).`,
    fix: others.length === 0
      ? `pass a list, e.g. addresses: ["${half}"], or leave addresses unset to take the whole range.`
      : free
        ? `pass a list of blocks free of the other pools of the range, e.g. addresses: ["${free}"] (other pools take part of the range, so addresses cannot be left unset).`
        : `pass a list of blocks of ${range}; ${allTaken(range)}.`,
  };
}

/** SesByoip-InvalidAddresses: not strict dotted-decimal CIDR. */
function invalidEntry(range: Ipv4Range, entry: string, value: unknown, problem: string, passing: readonly Ipv4Range[]): Finding {
  const meant = usableBlock(range, typeof value === 'string' ? meantBlock(value) : undefined, passing);
  const example = firstFreeBlock(range, passing);
  return {
    ruleId: ByoipRuleId.INVALID_ADDRESSES,
    severity: 'error',
    problem: `${entry} is not an IPv4 CIDR block: it ${problem}.`,
    allowed: blocksAllowed(range),
    fix: meant
      ? `write "${meant}" if that is the block you meant.`
      : `write the block as four decimal octets, "/" and a prefix length from 24 to 32${example ? `, e.g. ${example}` : ''}, with nothing around it.`,
  };
}

/**
 * SesByoip-InvalidAddresses: a block larger than a /24. Leaving addresses
 * unset is suggested only if nothing else of the range is taken, by this
 * pool (`passing`) or another (`others`).
 */
function tooLarge(range: Ipv4Range, entry: string, block: Ipv4Range, passing: readonly Ipv4Range[], others: readonly Ipv4Range[]): Finding {
  const wholeRange = block.contains(range) && passing.length === 0 && others.length === 0;
  const free = others.length > 0 ? largestFreeBlock(range, [...passing, ...others]) : undefined;
  return {
    ruleId: ByoipRuleId.INVALID_ADDRESSES,
    severity: 'error',
    problem: `${entry} is a /${block.prefixLength} (${block.size} addresses), larger than a BYOIP range: a pool takes at most its whole /24.`,
    allowed: blocksAllowed(range),
    fix: wholeRange
      ? `leave addresses unset to take the whole range ${range}, or list the blocks of it that this pool takes.`
      : others.length === 0
        ? `list only blocks of ${range}, with a prefix length from 24 to 32.`
        : `list only blocks of ${range} free of the other pools of the range, with a prefix length from 24 to 32` +
          (free ? `, e.g. "${free}".` : passing.length > 0 ? ', or remove this entry.' : `; ${allTaken(range)}.`),
  };
}

/** SesByoip-InvalidAddresses: host bits set. */
function hostBits(range: Ipv4Range, entry: string, canonical: Ipv4Range, passing: readonly Ipv4Range[], others: readonly Ipv4Range[]): Finding {
  const taken = [...passing, ...others];
  const fix = usableBlock(range, canonical.toString(), taken);
  const never = 'the bits are never masked for you, so a typo cannot select other addresses';
  // Another pool takes the block meant (or it is outside the range): a /n that no entry or pool takes.
  const free = others.length > 0 ? largestFreeBlock(range, taken, canonical.size) : undefined;
  return {
    ruleId: ByoipRuleId.INVALID_ADDRESSES,
    severity: 'error',
    problem: `${entry} has host bits set: its address is not the first address of the /${canonical.prefixLength} it names, "${canonical}".`,
    allowed: blocksAllowed(range),
    fix: fix
      ? `write "${fix}" if that is the block you meant (${never}).`
      : others.length === 0
        ? `write the first address of a /${canonical.prefixLength} inside ${range} (${never}).`
        : free
          ? `write a block of ${range} free of the other entries and of the other pools of the range, e.g. "${free}" (${never}).`
          : passing.length > 0
            ? `remove this entry: the other entries and the other pools of ${range} in this account and Region take all of it (${never}).`
            : `write a block of ${range} free of the other pools of the range; ${allTaken(range)} (${never}).`,
  };
}

/** SesByoip-AddressesOutsideRange: a valid block that is not inside the pool's range. */
function outsideRange(range: Ipv4Range, entry: string, block: Ipv4Range, passing: readonly Ipv4Range[]): Finding {
  // The same addresses of this range: "8.8.9.64/26" for 8.8.8.0/24 is "8.8.8.64/26".
  const samePlace = new Ipv4Range(range.network + (block.network % range.size), block.prefixLength).toString();
  const meant = usableBlock(range, samePlace, passing);
  return {
    ruleId: ByoipRuleId.ADDRESSES_OUTSIDE_RANGE,
    severity: 'error',
    problem: `${entry} is not inside the pool's range ${range} (${formatIpv4(range.network)} to ${formatIpv4(range.last)}); a pool takes addresses of its own range only.`,
    allowed: `CIDR blocks inside ${range}.`,
    fix: meant
      ? `write "${meant}" if you meant those addresses of ${range}; addresses of another range go in a ByoipSendingPool of that range.`
      : `list only blocks of ${range}; addresses of another range go in a ByoipSendingPool of that range.`,
  };
}

const UNRESOLVED_ALLOWED = 'literal CIDR blocks, known when the app is synthesized.';
const UNRESOLVED_FIX = 'pass the blocks as plain strings (in code, or from cdk.json or `-c` context), not as a CloudFormation parameter, import or attribute.';

/** SesByoip-UnresolvedAddresses: the list is a token. */
function unresolvedList(range: Ipv4Range, text: string): Finding {
  return {
    ruleId: ByoipRuleId.UNRESOLVED_ADDRESSES,
    severity: 'error',
    problem: `addresses is a token (${quote(text)}), a value only known at deploy time, so the pool's part of ${range} cannot be checked against the range and the other pools.`,
    allowed: UNRESOLVED_ALLOWED,
    fix: UNRESOLVED_FIX,
  };
}

/** SesByoip-UnresolvedAddresses: an entry is a token. */
function unresolvedEntry(index: number, value: unknown): Finding {
  return {
    ruleId: ByoipRuleId.UNRESOLVED_ADDRESSES,
    severity: 'error',
    problem: `addresses[${index}] is a token (${quote(value)}), a value only known at deploy time, so it cannot be checked against the range and the other pools.`,
    allowed: UNRESOLVED_ALLOWED,
    fix: UNRESOLVED_FIX,
  };
}

/**
 * SesByoip-OverlappingAddresses: one finding per pair of passing entries
 * that share addresses, on the later entry. The example leaves out what
 * `others` (the other pools of the range) take.
 */
function overlappingEntries(
  range: Ipv4Range, entries: readonly AddressEntry[], passing: readonly (Ipv4Range | undefined)[], others: readonly Ipv4Range[],
): Finding[] {
  const findings: Finding[] = [];
  const elsewhere = addressesOf(others);
  const union = exampleBlocks([...addressesOf(passing.filter((b): b is Ipv4Range => b !== undefined))].filter((ip) => !elsewhere.has(ip)));
  for (let later = 0; later < passing.length; later++) {
    const b = passing[later];
    for (let earlier = 0; b && earlier < later; earlier++) {
      const a = passing[earlier];
      if (!a?.overlaps(b)) {
        continue;
      }
      // Two CIDR blocks that overlap: one holds the other.
      const shared = a.contains(b) ? b : a;
      findings.push({
        ruleId: ByoipRuleId.OVERLAPPING_ADDRESSES,
        severity: 'error',
        problem: `addresses[${later}] ${shown(entries[later].value)} overlaps addresses[${earlier}] ${shown(entries[earlier].value)}: both hold ${shared} (${plural(shared.size, 'address', 'addresses')}), so the pool lists ${shared.size === 1 ? 'an address' : 'addresses'} twice.`,
        allowed: `blocks of ${range} that do not overlap: each address listed once.`,
        fix: union
          ? `list each address once, e.g. addresses: ${codeList(union)}.`
          : `list each address once: remove addresses[${later}] or the part of it that addresses[${earlier}] holds.`,
      });
    }
  }
  return findings;
}

/** A value for a message: a string quoted, anything else as JSON (JavaScript callers). */
function shown(value: unknown): string {
  return typeof value === 'string' ? quote(value) : JSON.stringify(value) ?? String(value);
}

/** `1 address`, `2 addresses`. */
export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
