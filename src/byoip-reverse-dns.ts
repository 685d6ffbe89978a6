import { Annotations, CfnOutput, Duration, Fn, RemovalPolicy, Token, Tokenization } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { ByoipChecks } from './byoip-checks';
import { CheckedFacts, registerCheckedKind } from './private/checked-construct';
import { quote } from './private/display';
import { brandAsReverseDns, isBrandedReverseDns } from './private/pool-brand';
import { formatIpv4, Ipv4Range, parseDottedDecimal } from './range/ipv4-cidr';
import { formatFinding } from './rules/finding';
import { checkRange } from './rules/range-rules';
import { checkReverseDns, duplicateReverseDns, expandHostname, ReverseDnsFacts, reverseNameOf, reverseZoneNameOf } from './rules/reverse-dns-rules';
import { ByoipRuleId } from './rules/rule-id';

/**
 * Properties of a ByoipReverseDns.
 */
export interface ByoipReverseDnsProps {
  /**
   * The BYOIP range: a /24 in strict dotted-decimal CIDR notation, e.g.
   * `'198.51.100.0/24'`. Checked at synthesis by the range rules (see
   * ByoipChecks), as the cidr of a ByoipSendingPool is; unlike a pool, a
   * ByoipReverseDns does not count toward the BYOIP quota and needs no
   * account or Region (Route 53 is global).
   */
  readonly cidr: string;

  /**
   * The host name of each address, with `{a}`, `{b}`, `{c}` and `{d}`
   * standing for its octets: `'mta{d}.mail.example.com'` names 198.51.100.7
   * `mta7.mail.example.com`. It must use `{d}` and give 256 valid host
   * names, inside `forwardZone` when the construct makes their A records
   * (checked at synthesis: SesByoip-InvalidHostnamePattern,
   * SesByoip-HostnameOutsideZone).
   *
   * Each group of records is fixed by the last octet (see ByoipReverseDns),
   * so changing the pattern updates the records in place.
   */
  readonly hostname: string;

  /**
   * The hosted zone of the host names, where the A records go. When its name
   * is known at synthesis (a zone of the app, or one imported with
   * `fromHostedZoneAttributes` or `fromLookup`), the names must fall inside
   * it; a zone imported by ID alone skips that check.
   *
   * Required when `createForwardRecords` is true (the default; without it,
   * synthesis fails with SesByoip-HostnameOutsideZone). With
   * `createForwardRecords: false` it is not used: leave it out.
   *
   * @default - none; only with `createForwardRecords: false`
   */
  readonly forwardZone?: route53.IHostedZone;

  /**
   * The hosted zone of the range's reverse DNS names, `c.b.a.in-addr.arpa`
   * for the range `a.b.c.0/24` (checked at synthesis when its name is known:
   * SesByoip-ReverseZoneMismatch).
   *
   * @default - a new public hosted zone named `c.b.a.in-addr.arpa`. It is
   * kept when the stack is deleted (RemovalPolicy.RETAIN): deleting the zone
   * that your Regional Internet Registry delegates to breaks the reverse DNS
   * of every address at once, and mail with it. Its name servers are a stack
   * output: ask the registry to delegate `c.b.a.in-addr.arpa` to them. The
   * records themselves are not kept: deleting the stack (or this construct)
   * deletes them from the kept zone (kept records would collide with those
   * of the next deploy).
   */
  readonly reverseZone?: route53.IHostedZone;

  /**
   * The time to live of the PTR and A records.
   *
   * @default Duration.hours(1)
   */
  readonly ttl?: Duration;

  /**
   * Whether to create the A record of each host name in `forwardZone`, so
   * that every address is forward-confirmed (its PTR name resolves back to
   * it). Set it to false when the forward names are managed elsewhere,
   * as they often are for a range that has sent mail for years: two owners
   * of one record overwrite each other. Without A records, `forwardZone` is
   * optional and the names need not fall inside it.
   *
   * @default true
   */
  readonly createForwardRecords?: boolean;
}

/** The records of one group: the addresses whose last octet is in [first, first + size). */
const GROUP_SIZE = 32;

/**
 * Reverse DNS for an Amazon SES BYOIP range, as code: a PTR record for each
 * of its 256 addresses, named by the `hostname` pattern, and the A record of
 * each name, so that every address is forward-confirmed (mailbox providers
 * refuse or delay mail from addresses without it, and SES delays BYOIP mail
 * with `BYOIPHostNameLookupUnavailable` when it cannot look the name up).
 *
 * The records are not one resource each (a stack holds at most 500): they
 * are `AWS::Route53::RecordSetGroup` resources of 32 records, split by the
 * last octet (0-31, 32-63 ... 224-255, ids such as `PtrRecords0To31` and
 * `ARecords0To31`). The split is fixed, so a record never moves between
 * groups when the pattern changes, and each group stays within Route 53's
 * limits per change (1,000 records, 32,000 characters of values) for any
 * valid names.
 *
 * Without `reverseZone`, it creates the public hosted zone
 * `c.b.a.in-addr.arpa`, retained when the stack is deleted, and outputs its
 * name servers: your Regional Internet Registry (ARIN, RIPE NCC, APNIC,
 * LACNIC or AFRINIC) must delegate the zone to them.
 *
 * It is checked at synthesis like a ByoipSendingPool (see ByoipChecks), with
 * or without a pool of the same range in the app.
 *
 * @example
 * const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Mail', {
 *   hostedZoneId: 'Z0123456789ABCDEFGHIJ',
 *   zoneName: 'mail.example.com',
 * });
 * const reverseDns = new ByoipReverseDns(stack, 'ReverseDns', {
 *   cidr: '8.8.8.0/24',
 *   hostname: 'mta{d}.mail.example.com',
 *   forwardZone: zone,
 * });
 * reverseDns.hostnameOf('8.8.8.7'); // 'mta7.mail.example.com'
 */
export class ByoipReverseDns extends Construct {
  /**
   * True if `x` is a ByoipReverseDns (works across copies of this library).
   */
  public static isByoipReverseDns(x: any): x is ByoipReverseDns {
    return isBrandedReverseDns(x);
  }

  /** The range, as given. */
  public readonly cidr: string;

  /** The host name pattern, as given. */
  public readonly hostname: string;

  /** The hosted zone of the host names, if one was given (none is needed with `createForwardRecords: false`). */
  public readonly forwardZone?: route53.IHostedZone;

  /** The hosted zone that holds the PTR records: the one given, or the one created. */
  public readonly reverseZone: route53.IHostedZone;

  /**
   * The zone given as `reverseZone`, if any, for the checks.
   * @internal
   */
  public readonly _givenReverseZone?: route53.IHostedZone;

  /**
   * Whether the construct makes the A records (`createForwardRecords`), for
   * the checks.
   * @internal
   */
  public readonly _createForwardRecords: boolean;

  /** The range, if `cidr` is a literal that passes the range rules. */
  private readonly range?: Ipv4Range;

  constructor(scope: Construct, id: string, givenProps: ByoipReverseDnsProps) {
    super(scope, id);
    brandAsReverseDns(this);
    ByoipChecks._applyDefault(this);
    // JavaScript callers may give no props at all: the checks then report the missing cidr.
    const props: ByoipReverseDnsProps = givenProps ?? ({} as ByoipReverseDnsProps);
    this.cidr = props.cidr;
    this.hostname = props.hostname;
    this.forwardZone = props.forwardZone;
    this._givenReverseZone = props.reverseZone;
    this._createForwardRecords = props.createForwardRecords ?? true;

    // Errors wait for synthesis (ByoipChecks), collected with every other
    // one of the app; the documentation-range warning is added now, so that
    // acknowledgeWarning() on this construct works whenever it is called.
    const verdict = Token.isUnresolved(props.cidr) ? undefined : checkRange(props.cidr);
    if (verdict?.accepted) {
      this.range = verdict.range;
      if (verdict.warning) {
        Annotations.of(this).addWarningV2(verdict.warning.ruleId, formatFinding(verdict.warning));
      }
    }

    if (props.reverseZone) {
      this.reverseZone = props.reverseZone;
    } else {
      // Without a usable range synthesis fails; the name only has to be valid until then.
      const zoneName = this.range ? reverseZoneNameOf(this.range) : 'invalid-range.in-addr.arpa';
      const zone = new route53.PublicHostedZone(this, 'ReverseZone', { zoneName });
      zone.applyRemovalPolicy(RemovalPolicy.RETAIN);
      new CfnOutput(this, 'ReverseZoneNameServers', {
        description:
          `Name servers of the reverse DNS zone ${zoneName} of ${props.cidr}: ask your Regional Internet Registry ` +
          `(ARIN, RIPE NCC, APNIC, LACNIC or AFRINIC) to delegate ${zoneName} to them (a domain object with these nserver entries).`,
        value: Fn.join(',', zone.hostedZoneNameServers!),
      });
      this.reverseZone = zone;
    }

    const range = this.range;
    if (!range || props.hostname === undefined || Token.isUnresolved(props.hostname)) {
      return;
    }
    const ttl = Tokenization.stringifyNumber((props.ttl ?? Duration.hours(1)).toSeconds());
    // Without a forward zone, the A records wait for one: synthesis fails (HostnameOutsideZone).
    const forwardZone = this._createForwardRecords ? props.forwardZone : undefined;
    for (let first = 0; first < range.size; first += GROUP_SIZE) {
      const addresses = Array.from({ length: GROUP_SIZE }, (_, i) => range.network + first + i);
      const suffix = `${first}To${first + GROUP_SIZE - 1}`;
      new route53.CfnRecordSetGroup(this, `PtrRecords${suffix}`, {
        hostedZoneId: this.reverseZone.hostedZoneId,
        comment: `PTR records of ${formatIpv4(addresses[0])} to ${formatIpv4(addresses[GROUP_SIZE - 1])}`,
        recordSets: addresses.map((address) => ({
          name: reverseNameOf(address),
          type: 'PTR',
          ttl,
          resourceRecords: [`${expandHostname(props.hostname, address)}.`],
        })),
      });
      if (forwardZone) {
        new route53.CfnRecordSetGroup(this, `ARecords${suffix}`, {
          hostedZoneId: forwardZone.hostedZoneId,
          comment: `A records of the host names of ${formatIpv4(addresses[0])} to ${formatIpv4(addresses[GROUP_SIZE - 1])}`,
          recordSets: addresses.map((address) => ({
            name: `${expandHostname(props.hostname, address)}.`,
            type: 'A',
            ttl,
            resourceRecords: [formatIpv4(address)],
          })),
        });
      }
    }
  }

  /**
   * The host name that the pattern gives `address`, an address of the
   * range in dotted decimal, without a trailing dot: `hostnameOf('8.8.8.7')`
   * is `'mta7.mail.example.com'` for the pattern `'mta{d}.mail.example.com'`.
   * Throws if the range is not a valid literal /24 or the address is not in it.
   */
  public hostnameOf(address: string): string {
    if (!this.range) {
      throw new Error(`ByoipReverseDns ${this.node.path}: cidr ${quote(this.cidr)} is not a valid BYOIP range, so its addresses have no host names (see the synthesis errors).`);
    }
    const parsed = typeof address === 'string' ? parseDottedDecimal(address) : undefined;
    if (!parsed?.ok || !this.range.contains(parsed.value)) {
      throw new Error(`ByoipReverseDns ${this.node.path}: ${quote(address)} is not an address of ${this.range}; pass one of ${formatIpv4(this.range.network)} to ${formatIpv4(this.range.last)}.`);
    }
    return expandHostname(this.hostname, parsed.value);
  }
}

// What a reverse DNS tells ByoipChecks (see private/checked-construct.ts).
registerCheckedKind({
  name: 'ByoipReverseDns',
  is: isBrandedReverseDns,
  warnings: [ByoipRuleId.DOCUMENTATION_RANGE],
  factsOf: (node) => checkedFactsOf(node as ByoipReverseDns),
});

/**
 * The errors of one ByoipReverseDns on its own, and its range as a value no
 * other ByoipReverseDns of the app may hold (DuplicateReverseDns), if the
 * range passes its rules. It is not a claim on its range: it takes no part
 * in the range rules between pools.
 */
function checkedFactsOf(reverseDns: ByoipReverseDns): CheckedFacts {
  const errors = checkReverseDns(reverseDnsFacts(reverseDns)).filter((f) => f.severity === 'error');
  const verdict = Token.isUnresolved(reverseDns.cidr) ? undefined : checkRange(reverseDns.cidr);
  if (!verdict?.accepted) {
    return { errors };
  }
  const range = verdict.range;
  return {
    errors,
    uniqueValues: [{
      ruleId: ByoipRuleId.DUPLICATE_REVERSE_DNS,
      key: range.toString(),
      conflict: (earlier) => duplicateReverseDns(range, earlier),
    }],
  };
}

/**
 * What the reverse DNS rules need from one ByoipReverseDns. A zone's name is
 * left out when it is not known at synthesis: a token, or a zone imported by
 * ID alone, whose `zoneName` throws.
 */
function reverseDnsFacts(reverseDns: ByoipReverseDns): ReverseDnsFacts {
  return {
    cidr: reverseDns.cidr,
    cidrIsToken: Token.isUnresolved(reverseDns.cidr),
    hostname: reverseDns.hostname,
    hostnameIsToken: Token.isUnresolved(reverseDns.hostname),
    forwardZoneName: knownZoneName(reverseDns.forwardZone),
    hasForwardZone: reverseDns.forwardZone !== undefined,
    // A reverse DNS of an older copy of this library always makes them.
    createsForwardRecords: (reverseDns as { _createForwardRecords?: boolean })._createForwardRecords ?? true,
    givenReverseZoneName: knownZoneName(reverseDns._givenReverseZone),
  };
}

/** The name of `zone`, if it is given and its name is a literal known at synthesis. */
function knownZoneName(zone: { readonly zoneName: string } | undefined): string | undefined {
  let name: unknown;
  try {
    name = zone?.zoneName;
  } catch {
    return undefined; // imported by ID alone
  }
  return typeof name === 'string' && !Token.isUnresolved(name) ? name : undefined;
}
