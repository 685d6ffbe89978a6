import { Finding, listSome } from './finding';
import { checkPool } from './pool-rules';
import { checkRange } from './range-rules';
import { ByoipRuleId } from './rule-id';
import { quote } from '../private/display';
import { formatIpv4, Ipv4Range } from '../range/ipv4-cidr';

/** The placeholders of a host name pattern: the four octets of the address. */
const PLACEHOLDERS = ['a', 'b', 'c', 'd'] as const;

/** The longest DNS name (without the trailing dot) and label. */
const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
/** A host name label: letters, digits and hyphens, not starting or ending with a hyphen. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

/** The generic example of a pattern, used when nothing better is known. */
const EXAMPLE_PATTERN = 'mta{d}.mail.example.com';

/** The octets of `address` (an unsigned 32-bit integer), most significant first. */
function octetsOf(address: number): number[] {
  return formatIpv4(address).split('.').map(Number);
}

/**
 * The host name that `pattern` gives the address, without a trailing dot:
 * `{a}`, `{b}`, `{c}` and `{d}` replaced by its octets. A trailing dot of the
 * pattern is dropped; other text is kept as it is.
 */
export function expandHostname(pattern: string, address: number): string {
  const [a, b, c, d] = octetsOf(address);
  const values: Record<string, number> = { a, b, c, d };
  return pattern.replace(/\.$/, '').replace(/\{([abcd])\}/g, (_, name: string) => String(values[name]));
}

/** The reverse DNS zone of a /24, e.g. `100.51.198.in-addr.arpa` for 198.51.100.0/24. */
export function reverseZoneNameOf(range: Ipv4Range): string {
  const [a, b, c] = octetsOf(range.network);
  return `${c}.${b}.${a}.in-addr.arpa`;
}

/** The fully qualified PTR record name of `address`, with its trailing dot. */
export function reverseNameOf(address: number): string {
  return `${octetsOf(address).reverse().join('.')}.in-addr.arpa.`;
}

/** A DNS name compared as DNS does: lowercase, without the trailing dot. */
function normalize(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}

/** True if `name` is `zone` or a name below it. */
function isInside(name: string, zone: string): boolean {
  const n = normalize(name);
  const z = normalize(zone);
  return n === z || n.endsWith(`.${z}`);
}

/** What the reverse DNS rules need to know about one ByoipReverseDns. */
export interface ReverseDnsFacts {
  /** The `cidr` prop as given (the string form of a token if it is one). */
  readonly cidr: string;
  /** True if `cidr` is a token. */
  readonly cidrIsToken: boolean;
  /** The `hostname` prop as given. */
  readonly hostname: string;
  /** True if `hostname` is (or contains) a token. */
  readonly hostnameIsToken: boolean;
  /** The forward zone's name, if known at synthesis (not for a zone imported by ID alone, nor a token). */
  readonly forwardZoneName?: string;
  /**
   * Whether a forward zone is given at all.
   * @default true
   */
  readonly hasForwardZone?: boolean;
  /**
   * Whether the construct makes the A records of the names in the forward
   * zone (`createForwardRecords`). Without them the forward zone plays no
   * part: it is optional, and no rule looks at it.
   * @default true
   */
  readonly createsForwardRecords?: boolean;
  /** The name of the reverse zone given as a prop, if one was given and its name is known at synthesis. */
  readonly givenReverseZoneName?: string;
}

/**
 * The rules of one ByoipReverseDns, in order: the range's own rules
 * (UnresolvedCidr, or the first range rule that fails; the
 * DocumentationRange warning is left to the construct), then
 * InvalidHostnamePattern, HostnameOutsideZone and ReverseZoneMismatch.
 *
 * One input, one rule: the names and the reverse zone derive from the
 * range, so a range that fails hides the other three rules; a pattern that
 * fails InvalidHostnamePattern hides HostnameOutsideZone for names outside
 * the zone (not for a missing zone, another input). Without A records
 * (`createsForwardRecords: false`) HostnameOutsideZone does not apply and
 * the forward zone is not looked at.
 */
export function checkReverseDns(facts: ReverseDnsFacts): Finding[] {
  if (facts.cidrIsToken) {
    // The same finding as a pool's: the wording fits any construct's cidr.
    return checkPool({ cidr: facts.cidr, cidrIsToken: true, stackId: '', account: '-', region: '-' })
      .filter((f) => f.ruleId === ByoipRuleId.UNRESOLVED_CIDR);
  }
  const verdict = checkRange(facts.cidr);
  if (!verdict.accepted) {
    return [verdict.finding];
  }
  const findings: Finding[] = [];
  const pattern = invalidHostnamePattern(facts, verdict.range);
  if (pattern) {
    findings.push(pattern);
  }
  const zone = missingForwardZone(facts, verdict.range, pattern === undefined) ?? (pattern ? undefined : hostnameOutsideZone(facts, verdict.range));
  if (zone) {
    findings.push(zone);
  }
  const mismatch = reverseZoneMismatch(facts, verdict.range);
  if (mismatch) {
    findings.push(mismatch);
  }
  return findings;
}

/**
 * What is wrong with `pattern` for `range`, as a phrase after "it", or
 * undefined if it gives 256 distinct valid host names.
 */
export function patternProblem(pattern: string, range: Ipv4Range): string | undefined {
  if (typeof pattern !== 'string' || pattern.length === 0) {
    return 'is empty';
  }
  const unknown = [...new Set(pattern.match(/\{[^{}]*\}/g) ?? [])].filter((p) => !PLACEHOLDERS.some((x) => p === `{${x}}`));
  if (unknown.length > 0) {
    return `uses ${unknown.length === 1 ? 'the unknown placeholder' : 'the unknown placeholders'} ${unknown.map((p) => quote(p)).join(', ')}`;
  }
  if (/[{}]/.test(pattern.replace(/\{[abcd]\}/g, ''))) {
    return 'has a "{" or "}" that is not part of a placeholder';
  }
  if (!pattern.includes('{d}')) {
    return 'does not use {d}, so it gives the same name to all 256 addresses';
  }
  const seen = new Set<string>();
  for (let address = range.network; address <= range.last; address++) {
    const name = expandHostname(pattern, address);
    const problem = nameProblem(name);
    if (problem) {
      return `gives ${formatIpv4(address)} the name ${quote(name)}, which ${problem}`;
    }
    if (seen.has(name.toLowerCase())) {
      return `gives the name ${quote(name)} to more than one address`;
    }
    seen.add(name.toLowerCase());
  }
  return undefined;
}

/** What makes `name` an invalid host name, as a phrase after "which", if anything. */
function nameProblem(name: string): string | undefined {
  if (name.length > MAX_NAME_LENGTH) {
    return `is ${name.length} characters long`;
  }
  if (!name.includes('.')) {
    return 'is a single label, not a host name inside a domain';
  }
  for (const label of name.split('.')) {
    if (label.length === 0) {
      return 'has an empty label (two dots in a row, or a dot at the start)';
    }
    if (label.length > MAX_LABEL_LENGTH) {
      return `has the label ${quote(label)} of ${label.length} characters`;
    }
    if (!LABEL.test(label)) {
      return `has the label ${quote(label)}, which is not letters, digits and inner hyphens`;
    }
  }
  return undefined;
}

/** True if the construct makes A records in a forward zone. */
function createsForwardRecords(facts: ReverseDnsFacts): boolean {
  return facts.createsForwardRecords ?? true;
}

/** The name of the forward zone that the names must fall inside: none without A records. */
function forwardZoneOf(facts: ReverseDnsFacts): string | undefined {
  return createsForwardRecords(facts) ? facts.forwardZoneName : undefined;
}

/** True if `pattern` passes the pattern and zone rules with these facts. */
function passesNameRules(pattern: string, facts: ReverseDnsFacts, range: Ipv4Range): boolean {
  const zone = forwardZoneOf(facts);
  return patternProblem(pattern, range) === undefined &&
    (zone === undefined || isInside(expandHostname(pattern, range.network), zone));
}

/**
 * An example pattern that passes every rule with these facts, if one is
 * found: the first of the candidates that does.
 */
function suggestPattern(facts: ReverseDnsFacts, range: Ipv4Range, candidates: Array<string | undefined>): string | undefined {
  return candidates.find((p): p is string => p !== undefined && passesNameRules(p, facts, range));
}

/** The user's pattern with `{d}` added to its first label, if that reads as a fix. */
function withOctetInFirstLabel(pattern: string): string | undefined {
  if (pattern.includes('{d}') || !/^[a-z0-9-]+\./i.test(pattern)) {
    return undefined;
  }
  const dot = pattern.indexOf('.');
  return `${pattern.slice(0, dot).replace(/-$/, '')}{d}${pattern.slice(dot)}`;
}

/** SesByoip-InvalidHostnamePattern: the pattern does not give 256 distinct valid names. */
function invalidHostnamePattern(facts: ReverseDnsFacts, range: Ipv4Range): Finding | undefined {
  const allowed =
    'a host name in which {a}, {b}, {c} and {d} stand for the octets of each address, using {d} so that every address gets its own name: ' +
    `labels of 1 to ${MAX_LABEL_LENGTH} letters, digits and hyphens (not at either end), at most ${MAX_NAME_LENGTH} characters in all, e.g. "${EXAMPLE_PATTERN}".`;
  if (facts.hostnameIsToken) {
    return {
      ruleId: ByoipRuleId.INVALID_HOSTNAME_PATTERN,
      severity: 'error',
      problem: `hostname is a token (${quote(facts.hostname)}), a value only known at deploy time, so the 256 host names cannot be made or checked.`,
      allowed,
      fix: 'pass the pattern as a plain string (in code, or from cdk.json or `-c` context), not as a CloudFormation parameter, import or attribute.',
    };
  }
  const problem = patternProblem(facts.hostname, range);
  if (problem === undefined) {
    return undefined;
  }
  const forwardZone = forwardZoneOf(facts);
  const zone = forwardZone === undefined ? undefined : normalize(forwardZone);
  const example = suggestPattern(facts, range, [
    typeof facts.hostname === 'string' ? withOctetInFirstLabel(facts.hostname) : undefined,
    zone === undefined ? EXAMPLE_PATTERN : `mta{d}.${zone}`,
  ]);
  return {
    ruleId: ByoipRuleId.INVALID_HOSTNAME_PATTERN,
    severity: 'error',
    problem: `hostname ${quote(facts.hostname)} is not a pattern of 256 distinct valid host names: it ${problem}.`,
    allowed,
    fix: example
      ? `write a pattern such as "${example}".`
      : 'write a pattern of that form that falls inside the forward zone.',
  };
}

/**
 * SesByoip-HostnameOutsideZone, for no forward zone at all while the A
 * records are made: the names are inside no zone given. `patternIsValid`:
 * the pattern passed, so a name can be shown.
 */
function missingForwardZone(facts: ReverseDnsFacts, range: Ipv4Range, patternIsValid: boolean): Finding | undefined {
  if ((facts.hasForwardZone ?? true) || !createsForwardRecords(facts)) {
    return undefined;
  }
  const first = patternIsValid ? quote(expandHostname(facts.hostname, range.network)) : undefined;
  return {
    ruleId: ByoipRuleId.HOSTNAME_OUTSIDE_ZONE,
    severity: 'error',
    problem: `forwardZone is not given, so the A records of the host names${first ? ` (such as ${first})` : ''} have no hosted zone to go in; createForwardRecords is true by default.`,
    allowed: 'a forwardZone that holds the host names, or createForwardRecords: false when their A records are managed elsewhere.',
    fix: `pass ${first ? `the hosted zone that holds ${first}` : 'the hosted zone of the host names'} as forwardZone, or set createForwardRecords: false if those A records are managed elsewhere.`,
  };
}

/** SesByoip-HostnameOutsideZone: the names are not inside the forward zone (in which their A records are made). */
function hostnameOutsideZone(facts: ReverseDnsFacts, range: Ipv4Range): Finding | undefined {
  const zone = forwardZoneOf(facts);
  if (zone === undefined || facts.hostnameIsToken) {
    return undefined;
  }
  const first = range.addresses().map((_, i) => expandHostname(facts.hostname, range.network + i)).find((name) => !isInside(name, zone));
  if (first === undefined) {
    return undefined;
  }
  const firstLabel = facts.hostname.replace(/\.$/, '').split('.')[0];
  const example = suggestPattern(facts, range, [`${firstLabel}.${normalize(zone)}`, `mta{d}.${normalize(zone)}`]);
  return {
    ruleId: ByoipRuleId.HOSTNAME_OUTSIDE_ZONE,
    severity: 'error',
    problem: `hostname ${quote(facts.hostname)} gives names such as ${quote(first)}, which are not inside the forward zone ${quote(normalize(zone))}, so their A records cannot be made there.`,
    allowed: `names that are ${quote(normalize(zone))} or end in ${quote(`.${normalize(zone)}`)}.`,
    fix: example
      ? `write a pattern inside the zone, e.g. "${example}", or pass the hosted zone that holds ${quote(first)} as forwardZone.`
      : `write a pattern inside the zone, or pass the hosted zone that holds ${quote(first)} as forwardZone.`,
  };
}

/** SesByoip-ReverseZoneMismatch: the given reverse zone is not the range's in-addr.arpa zone. */
function reverseZoneMismatch(facts: ReverseDnsFacts, range: Ipv4Range): Finding | undefined {
  const given = facts.givenReverseZoneName;
  const expected = reverseZoneNameOf(range);
  if (given === undefined || normalize(given) === expected) {
    return undefined;
  }
  return {
    ruleId: ByoipRuleId.REVERSE_ZONE_MISMATCH,
    severity: 'error',
    problem: `reverseZone is named ${quote(given)}, but the reverse DNS names of ${range} are in ${quote(expected)}.`,
    allowed: `the hosted zone named "${expected}" (the zone your Regional Internet Registry delegates for ${range}).`,
    fix: `pass the hosted zone named "${expected}" as reverseZone, or leave reverseZone unset to create it.`,
  };
}

/**
 * SesByoip-DuplicateReverseDns: the reverse DNS of `range` is made by the
 * constructs at `earlier` too; reported on the later one.
 */
export function duplicateReverseDns(range: Ipv4Range, earlier: readonly string[]): Finding {
  const zone = reverseZoneNameOf(range);
  const others = listSome(earlier);
  return {
    ruleId: ByoipRuleId.DUPLICATE_REVERSE_DNS,
    severity: 'error',
    problem: `the reverse DNS of ${range} is made here and by ${others}; a range has one set of PTR records: ` +
      `without reverseZone each construct makes its own "${zone}" zone, and your Regional Internet Registry delegates only one; ` +
      'in one shared zone both write the same 256 PTR records, and the deploy fails.',
    allowed: 'one ByoipReverseDns per range in the app (all stacks, all Stages).',
    fix: (earlier.length === 1
      ? `keep the ByoipReverseDns at ${others} and remove this one`
      : `keep one ByoipReverseDns for ${range} (${others} or this one) and remove the others`) +
      ' (one name per address: code that needs the names can call hostnameOf() on the one kept).',
  };
}
