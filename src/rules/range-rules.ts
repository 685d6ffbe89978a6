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

const EXAMPLE = '198.51.100.0/24';

/** SesByoip-InvalidCidr: not strict dotted-decimal IPv4 CIDR. */
function invalidCidr(cidr: string, problem: string): Finding {
  return {
    ruleId: ByoipRuleId.INVALID_CIDR,
    severity: 'error',
    problem: `cidr ${quote(cidr)} is not an IPv4 CIDR range: it ${problem}.`,
    allowed:
      'strict dotted-decimal IPv4 CIDR notation "a.b.c.d/24": four decimal octets 0-255 without leading zeros, "/" and the prefix length, nothing before or after.',
    fix: `write the range exactly as AWS approved it, e.g. "${EXAMPLE}".`,
  };
}

/** SesByoip-PrefixLength: a valid CIDR that is not a /24. */
function prefixLength(cidr: string, parsed: ParsedCidr): Finding | undefined {
  const n = parsed.prefixLength;
  if (n === BYOIP_PREFIX_LENGTH) {
    return undefined;
  }
  const enclosing = Ipv4Range.containing(parsed.address, BYOIP_PREFIX_LENGTH).toString();
  const size = 2 ** (32 - n);
  const problem =
    n > BYOIP_PREFIX_LENGTH
      ? `cidr ${quote(cidr)} is a /${n} (${size} address${size === 1 ? '' : 'es'}); SES BYOIP takes whole /24 ranges, not single addresses or smaller blocks.`
      : `cidr ${quote(cidr)} is a /${n} (${2 ** (BYOIP_PREFIX_LENGTH - n)} ranges of /24); SES BYOIP onboards, and this construct deploys, one /24 at a time.`;
  const fix =
    n > BYOIP_PREFIX_LENGTH
      ? `bring the whole /24 that contains it, "${enclosing}", if that is the range AWS approved.`
      : `create one ByoipSendingPool per approved /24, e.g. "${enclosing}" (each counts toward the account's BYOIP quota in the Region).`;
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
  const canonical = Ipv4Range.containing(parsed.address, parsed.prefixLength).toString();
  return {
    ruleId: ByoipRuleId.HOST_BITS,
    severity: 'error',
    problem: `cidr ${quote(cidr)} has host bits set: its address is not the first address of the /24 it names, "${canonical}".`,
    allowed: 'the network address of the /24, ending in ".0".',
    fix: `write "${canonical}" if that is the range AWS approved (the bits are never masked for you, so a typo cannot select another range).`,
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
