import { Finding } from './finding';
import { ByoipRuleId } from './rule-id';
import { quote } from '../private/display';
import { hasHostBits, Ipv4Range, ParsedCidr, parseIpv4Cidr } from '../range/ipv4-cidr';
import {
  DOCUMENTATION_BLOCKS,
  findOverlappingBlock,
  NON_PUBLIC_BLOCKS,
  SpecialPurposeBlock,
} from '../range/special-purpose-blocks';

/** The only prefix length SES BYOIP accepts. */
export const BYOIP_PREFIX_LENGTH = 24;

/**
 * What the range rules say about one input: either an accepted /24 (perhaps
 * with a warning), or the one finding that rejects it.
 */
export type RangeVerdict =
  | { readonly accepted: true; readonly range: Ipv4Range; readonly warning?: Finding }
  | { readonly accepted: false; readonly finding: Finding };

/**
 * Applies the range rules to one CIDR string, most specific first, and stops
 * at the first that fires: one input, one finding.
 *
 * Order: InvalidCidr, PrefixLength, HostBits, NotPublic, then the
 * DocumentationRange warning on an otherwise accepted range.
 */
export function checkRange(cidr: string): RangeVerdict {
  if (cidr === undefined || cidr === null) {
    return reject(missingCidr(cidr));
  }
  const parsed = parseIpv4Cidr(cidr);
  if (!parsed.ok) {
    return reject(invalidCidr(cidr, parsed.problem));
  }
  const rejection = prefixLength(cidr, parsed.value) ?? hostBits(cidr, parsed.value);
  if (rejection) {
    return reject(rejection);
  }
  const range = new Ipv4Range(parsed.value.address, parsed.value.prefixLength);
  const nonPublic = findOverlappingBlock(range, NON_PUBLIC_BLOCKS);
  if (nonPublic) {
    return reject(notPublic(cidr, nonPublic));
  }
  const documentation = findOverlappingBlock(range, DOCUMENTATION_BLOCKS);
  return {
    accepted: true,
    range,
    warning: documentation ? documentationRange(cidr, documentation) : undefined,
  };
}

function reject(finding: Finding): RangeVerdict {
  return { accepted: false, finding };
}

/**
 * `candidate` if it passes every range rule, warnings included, so that a
 * message can suggest it; undefined otherwise. A fix that fails the next
 * run (a private /24 inside a private /23, a documentation range) is no fix:
 * then the message says what is needed without an example.
 */
export function validSuggestion(candidate: string): string | undefined {
  const verdict = checkRange(candidate);
  return verdict.accepted && !verdict.warning ? candidate : undefined;
}

/**
 * The strict form of a range written loosely (spaces, leading zeros), if it
 * reads as one: `" 8.8.08.0 / 24"` gives `"8.8.8.0/24"`.
 */
export function looseReading(cidr: string): string | undefined {
  const match = /^\s*(\d{1,3})\s*\.\s*(\d{1,3})\s*\.\s*(\d{1,3})\s*\.\s*(\d{1,3})\s*\/\s*(\d{1,2})\s*$/.exec(cidr);
  if (!match) {
    return undefined;
  }
  const [a, b, c, d, prefix] = match.slice(1).map(Number);
  if ([a, b, c, d].some((octet) => octet > 255) || prefix > 32) {
    return undefined;
  }
  return `${a}.${b}.${c}.${d}/${prefix}`;
}

/** SesByoip-InvalidCidr, for no range at all (JavaScript callers, a missing config value). */
function missingCidr(cidr: undefined | null): Finding {
  return {
    ruleId: ByoipRuleId.INVALID_CIDR,
    severity: 'error',
    problem: `cidr is required, but none was given (the value is ${cidr === null ? 'null' : 'undefined'}).`,
    allowed: 'the /24 that AWS approved, as a string in strict dotted-decimal CIDR notation "a.b.c.0/24".',
    fix: 'pass the range as the cidr property; if it comes from configuration (cdk.json, -c, an environment variable), check that the value is set where the app reads it.',
  };
}

/** SesByoip-InvalidCidr: not strict dotted-decimal IPv4 CIDR. */
function invalidCidr(cidr: string, problem: string): Finding {
  const meant = typeof cidr === 'string' ? looseReading(cidr) : undefined;
  const suggestion = meant === undefined ? undefined : validSuggestion(meant);
  return {
    ruleId: ByoipRuleId.INVALID_CIDR,
    severity: 'error',
    problem: `cidr ${quote(cidr)} is not an IPv4 CIDR range: it ${problem}.`,
    allowed:
      'strict dotted-decimal IPv4 CIDR notation "a.b.c.d/24": four decimal octets 0-255 without leading zeros, "/" and the prefix length, nothing before or after.',
    fix: suggestion
      ? `write "${suggestion}" if that is the range AWS approved.`
      : 'write the range exactly as AWS approved it: four decimal octets, "/" and 24, with nothing around it.',
  };
}

/** SesByoip-PrefixLength: a valid CIDR that is not a /24. */
function prefixLength(cidr: string, parsed: ParsedCidr): Finding | undefined {
  const n = parsed.prefixLength;
  if (n === BYOIP_PREFIX_LENGTH) {
    return undefined;
  }
  // The /24 that holds the address: inside a shorter prefix, its first /24.
  const example = validSuggestion(Ipv4Range.containing(parsed.address, BYOIP_PREFIX_LENGTH).toString());
  const size = 2 ** (32 - n);
  const problem =
    n > BYOIP_PREFIX_LENGTH
      ? `cidr ${quote(cidr)} is a /${n} (${size} address${size === 1 ? '' : 'es'}); SES BYOIP takes whole /24 ranges, not single addresses or smaller blocks.`
      : `cidr ${quote(cidr)} is a /${n} (${2 ** (BYOIP_PREFIX_LENGTH - n)} ranges of /24); SES BYOIP onboards one /24 at a time.`;
  let fix: string;
  if (n > BYOIP_PREFIX_LENGTH) {
    fix = example
      ? `bring the whole /24 that contains it, "${example}", if that is the range AWS approved.`
      : 'use the whole public /24 that AWS approved for this account and Region.';
  } else if (example) {
    fix = `create one ByoipSendingPool per /24 that AWS approved, e.g. "${example}" (each counts toward the account's BYOIP quota in the Region).`;
  } else {
    // No /24 of it can be deployed if the whole block is not public: say so.
    const block = NON_PUBLIC_BLOCKS.find((b) => b.range.contains(new Ipv4Range(Ipv4Range.containing(parsed.address, n).network, n)));
    fix = 'create one ByoipSendingPool per public /24 that AWS approved (each counts toward the account\'s BYOIP quota in the Region)' +
      (block ? `; none of this block can be: all of it is ${block.name} address space (${block.rfc}), not routed on the public Internet.` : '.');
  }
  return {
    ruleId: ByoipRuleId.PREFIX_LENGTH,
    severity: 'error',
    problem,
    allowed: 'a /24: 256 addresses, a.b.c.0 to a.b.c.255.',
    fix,
  };
}

/** SesByoip-HostBits: a /24 whose address part is not its network address. */
function hostBits(cidr: string, parsed: ParsedCidr): Finding | undefined {
  if (!hasHostBits(parsed)) {
    return undefined;
  }
  const canonical = validSuggestion(Ipv4Range.containing(parsed.address, parsed.prefixLength).toString());
  const never = 'the bits are never masked for you, so a typo cannot select another range';
  return {
    ruleId: ByoipRuleId.HOST_BITS,
    severity: 'error',
    problem: canonical
      ? `cidr ${quote(cidr)} has host bits set: its address is not the first address of the /24 it names, "${canonical}".`
      : `cidr ${quote(cidr)} has host bits set: its address is not the first address of the /24 it names.`,
    allowed: 'the network address of the /24, ending in ".0".',
    fix: canonical
      ? `write "${canonical}" if that is the range AWS approved (${never}).`
      : `write the first address (ending in ".0") of the public /24 that AWS approved (${never}).`,
  };
}

/** SesByoip-NotPublic: inside a special-purpose block that is not publicly routed. */
function notPublic(cidr: string, block: SpecialPurposeBlock): Finding {
  return {
    ruleId: ByoipRuleId.NOT_PUBLIC,
    severity: 'error',
    problem: `cidr ${quote(cidr)} is inside ${block.range} (${block.name}, ${block.rfc}), which is not routed on the public Internet and cannot be brought to Amazon SES.`,
    allowed:
      'a public IPv4 /24 registered to your organization with a Regional Internet Registry (ARIN, RIPE NCC, APNIC, LACNIC or AFRINIC).',
    fix: 'use the public /24 that AWS approved for SES BYOIP in this account and Region.',
  };
}

/** SesByoip-DocumentationRange (warning): TEST-NET-1/2/3. */
function documentationRange(cidr: string, block: SpecialPurposeBlock): Finding {
  return {
    ruleId: ByoipRuleId.DOCUMENTATION_RANGE,
    severity: 'warning',
    problem: `cidr ${quote(cidr)} is ${block.range}, ${block.name} (${block.rfc}): a range reserved for examples, which AWS will never approve for BYOIP.`,
    allowed: 'documentation ranges in examples and tests; a range of your own everywhere else.',
    fix: `deploy your approved range instead, or, if this is an example, acknowledge the warning: Annotations.of(scope).acknowledgeWarning('${ByoipRuleId.DOCUMENTATION_RANGE}', 'why').`,
  };
}
