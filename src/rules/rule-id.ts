/**
 * The IDs of the rules that ByoipChecks applies, as string constants (usable
 * from every jsii language, e.g. with `acknowledgeWarning`). Every finding
 * message starts with its ID in brackets, e.g. `[SesByoip-NotPublic]`.
 */
export class ByoipRuleId {
  /** The range is not strict dotted-decimal IPv4 CIDR notation `a.b.c.d/n`. */
  public static readonly INVALID_CIDR = 'SesByoip-InvalidCidr';
  /** The range is valid CIDR but its prefix length is not 24. */
  public static readonly PREFIX_LENGTH = 'SesByoip-PrefixLength';
  /** The range has host bits set, e.g. `198.51.100.7/24`. */
  public static readonly HOST_BITS = 'SesByoip-HostBits';
  /** The range lies in a special-purpose block that is not routed on the public Internet. */
  public static readonly NOT_PUBLIC = 'SesByoip-NotPublic';
  /**
   * The range is a documentation block (TEST-NET-1/2/3). A warning: acknowledge it
   * with `Annotations.of(scope).acknowledgeWarning('SesByoip-DocumentationRange', reason)`.
   */
  public static readonly DOCUMENTATION_RANGE = 'SesByoip-DocumentationRange';
  /** One account and Region would hold more ranges than its BYOIP quota. */
  public static readonly REGIONAL_QUOTA = 'SesByoip-RegionalQuota';
  /**
   * Two pools of one account and Region both take the whole of the same range
   * (no `addresses`, or blocks that cover all 256 addresses).
   */
  public static readonly DUPLICATE_RANGE = 'SesByoip-DuplicateRange';
  /** The same range is used in more than one Region or account (whole, or split between pools). */
  public static readonly MULTI_REGION = 'SesByoip-MultiRegion';
  /** The dedicated IP pool that receives the range uses MANAGED scaling. */
  public static readonly MANAGED_SCALING = 'SesByoip-ManagedScaling';
  /** The stack's account or Region is not known at synthesis. */
  public static readonly UNRESOLVED_ENVIRONMENT = 'SesByoip-UnresolvedEnvironment';
  /** The range is a token (a parameter, an import ...), not a literal string. */
  public static readonly UNRESOLVED_CIDR = 'SesByoip-UnresolvedCidr';
  /** The pool's name is not one SES accepts (lowercase letters, digits, `_` and `-`, at most 64). */
  public static readonly INVALID_POOL_NAME = 'SesByoip-InvalidPoolName';
  /** The pool is named like one of SES's own pools. */
  public static readonly RESERVED_POOL_NAME = 'SesByoip-ReservedPoolName';
  /**
   * Two ByoipSendingPools of one account and Region (any stacks, any Stages)
   * have the same literal pool name. Reported on the later one.
   */
  public static readonly DUPLICATE_POOL_NAME = 'SesByoip-DuplicatePoolName';
  /**
   * `addresses` is an empty list, or an entry is not a strict dotted-decimal
   * CIDR block of /24 to /32 whose address is the first of its block.
   */
  public static readonly INVALID_ADDRESSES = 'SesByoip-InvalidAddresses';
  /** An entry of `addresses` is a valid block that is not inside the pool's range. */
  public static readonly ADDRESSES_OUTSIDE_RANGE = 'SesByoip-AddressesOutsideRange';
  /**
   * Two pools of one account and Region take the same address of a range
   * (a pool without `addresses` takes the whole range), or one pool lists an
   * address twice.
   */
  public static readonly OVERLAPPING_ADDRESSES = 'SesByoip-OverlappingAddresses';
  /** `addresses`, or one of its entries, is a token, not a literal string. */
  public static readonly UNRESOLVED_ADDRESSES = 'SesByoip-UnresolvedAddresses';

  /**
   * The `hostname` pattern of a ByoipReverseDns does not give 256 distinct
   * valid host names (it must use `{d}`; labels of 1 to 63 letters, digits
   * and inner hyphens; at most 253 characters), or is a token.
   */
  public static readonly INVALID_HOSTNAME_PATTERN = 'SesByoip-InvalidHostnamePattern';
  /**
   * A ByoipReverseDns makes the A records of its host names (`createForwardRecords`,
   * the default) and they are not inside its `forwardZone` (checked when the zone's
   * name is known), or no `forwardZone` is given.
   */
  public static readonly HOSTNAME_OUTSIDE_ZONE = 'SesByoip-HostnameOutsideZone';
  /** The `reverseZone` given to a ByoipReverseDns is not the range's `c.b.a.in-addr.arpa` zone (checked when its name is known). */
  public static readonly REVERSE_ZONE_MISMATCH = 'SesByoip-ReverseZoneMismatch';
  /**
   * Two ByoipReverseDns of one app (any stacks, any Stages) are for the same
   * range: one range has one set of PTR records. Reported on the later one.
   */
  public static readonly DUPLICATE_REVERSE_DNS = 'SesByoip-DuplicateReverseDns';

  /**
   * A threshold of a ReputationGuard is not a number between 0 and 1
   * (exclusive, a fraction: 0.04 is 4%), is a token, or a warning threshold
   * is not below its critical threshold.
   */
  public static readonly INVALID_THRESHOLD = 'SesByoip-InvalidThreshold';
  /**
   * The configuration set of a ReputationGuard has its reputation metrics
   * turned off, so its alarms can never fire. A warning: acknowledge it with
   * `Annotations.of(guard).acknowledgeWarning('SesByoip-ReputationMetricsOff', reason)`.
   */
  public static readonly REPUTATION_METRICS_OFF = 'SesByoip-ReputationMetricsOff';
  /**
   * A ReputationGuard has account-wide alarms (`accountWideAlarms`, the
   * default) and so has a guard created before it in the same account and
   * Region: each alarm would go off twice. A warning, on the later guard:
   * acknowledge it with
   * `Annotations.of(guard).acknowledgeWarning('SesByoip-DuplicateAccountAlarms', reason)`.
   */
  public static readonly DUPLICATE_ACCOUNT_ALARMS = 'SesByoip-DuplicateAccountAlarms';

  /**
   * The library's Lambda functions in a stack run on a Node.js runtime past
   * its AWS Lambda deprecation date (nodejs20.x since 2026-04-30), pinned with
   * `ByoipFunctions.configure()` (or the default of a release of the library
   * older than that date). A warning, on the stack: acknowledge it with
   * `Annotations.of(stack).acknowledgeWarning('SesByoip-DeprecatedRuntime', reason)`.
   */
  public static readonly DEPRECATED_RUNTIME = 'SesByoip-DeprecatedRuntime';
  /**
   * Stacks in different Stages of the app fill pools in the same account and
   * Region: CDK cannot make one wait for the other, so deployed at once their
   * fills share SES's one request per second. (Stacks of one Stage are made
   * to deploy one after another.) A warning: acknowledge it with
   * `Annotations.of(stack).acknowledgeWarning('SesByoip-ConcurrentFills', reason)`.
   */
  public static readonly CONCURRENT_FILLS = 'SesByoip-ConcurrentFills';

  private constructor() {}
}
