/**
 * The IDs of the rules that ByoipChecks applies. Every finding message starts
 * with its ID in brackets, e.g. `[SesByoip-NotPublic]`.
 */
export enum ByoipRuleId {
  /** The range is not strict dotted-decimal IPv4 CIDR notation `a.b.c.d/n`. */
  INVALID_CIDR = 'SesByoip-InvalidCidr',
  /** The range is valid CIDR but its prefix length is not 24. */
  PREFIX_LENGTH = 'SesByoip-PrefixLength',
  /** The range has host bits set, e.g. `198.51.100.7/24`. */
  HOST_BITS = 'SesByoip-HostBits',
  /** The range lies in a special-purpose block that is not routed on the public Internet. */
  NOT_PUBLIC = 'SesByoip-NotPublic',
  /**
   * The range is a documentation block (TEST-NET-1/2/3). A warning: acknowledge it
   * with `Annotations.of(scope).acknowledgeWarning('SesByoip-DocumentationRange', reason)`.
   */
  DOCUMENTATION_RANGE = 'SesByoip-DocumentationRange',
  /** One account and Region would hold more ranges than its BYOIP quota. */
  REGIONAL_QUOTA = 'SesByoip-RegionalQuota',
  /** The same range is claimed twice in one account and Region. */
  DUPLICATE_RANGE = 'SesByoip-DuplicateRange',
  /** The same range is used in more than one Region or account. */
  MULTI_REGION = 'SesByoip-MultiRegion',
  /** The dedicated IP pool that receives the range uses MANAGED scaling. */
  MANAGED_SCALING = 'SesByoip-ManagedScaling',
  /** The stack's account or Region is not known at synthesis. */
  UNRESOLVED_ENVIRONMENT = 'SesByoip-UnresolvedEnvironment',
  /** The range is a token (a parameter, an import ...), not a literal string. */
  UNRESOLVED_CIDR = 'SesByoip-UnresolvedCidr',
  /** The pool is named like one of SES's own pools. */
  RESERVED_POOL_NAME = 'SesByoip-ReservedPoolName',
}
