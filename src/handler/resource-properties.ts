/**
 * The contract between ByoipSendingPool (which writes the custom resource's
 * properties at synthesis) and the deploy-time handler (which reads them):
 * one definition, so the two sides cannot drift.
 *
 * CloudFormation hands every property to the handler as a string.
 */
import { formatIpv4, hasHostBits, Ipv4Range, parseIpv4Cidr, rangeOf } from '../range/ipv4-cidr';
import { WarmupMode } from '../warmup-mode';

/** The CloudFormation type of the custom resource. */
export const POOL_ADDRESSES_RESOURCE_TYPE = 'Custom::SesByoipPoolAddresses';

/** The pool that holds the dedicated IPs that are in no named pool. */
export const DEFAULT_POOL = 'ses-default-dedicated-pool';

/**
 * The properties of the custom resource, as CloudFormation sends them. (A
 * type rather than an interface, so that it fits Record<string, unknown>.)
 */
export type PoolAddressesProperties = {
  /** The range, canonical CIDR as a literal string. */
  readonly Cidr: string;
  /** The name of the dedicated IP pool that receives the range (a Ref to the pool). */
  readonly PoolName: string;
  /** A WarmupMode value. */
  readonly Warmup: WarmupMode;
  /** "true" or "false": whether addresses found in another named pool may be taken. */
  readonly AdoptAddressesFromOtherPools: 'true' | 'false';
  /**
   * The part of the range this pool takes: canonical CIDR blocks inside
   * Cidr, /24 to /32. Absent (as in every template before it existed): the
   * whole range.
   */
  readonly Addresses?: readonly string[];
  /**
   * The other pools of the same stack that take part of the same range, one
   * string each, "<pool name>|<block>,<block>..." (see renderSiblingClaim).
   * Their addresses are not foreign to this pool: addresses move between
   * the two in one deploy, and this pool leaves in place the addresses that
   * a sibling takes. Absent: no sibling.
   */
  readonly SiblingClaims?: readonly string[];
};

/** The part of a range that one pool takes. */
export interface PoolClaim {
  readonly poolName: string;
  /** Canonical CIDR blocks inside the range. */
  readonly addresses: readonly string[];
}

/** The properties, parsed and checked. */
export interface PoolAddressesSettings {
  readonly cidr: string;
  readonly poolName: string;
  readonly warmup: WarmupMode;
  readonly adoptAddressesFromOtherPools: boolean;
  /** The blocks of the range this pool takes; undefined: the whole range. */
  readonly addresses?: readonly string[];
  /** The other pools of the stack that take part of the range. */
  readonly siblings?: readonly PoolClaim[];
}

/** Renders the properties for the custom resource (synthesis side). */
export function renderProperties(settings: PoolAddressesSettings): PoolAddressesProperties {
  return {
    Cidr: settings.cidr,
    PoolName: settings.poolName,
    Warmup: settings.warmup,
    AdoptAddressesFromOtherPools: settings.adoptAddressesFromOtherPools ? 'true' : 'false',
    // Only when given: a template without them is the same as before they existed.
    ...(settings.addresses !== undefined ? { Addresses: [...settings.addresses] } : {}),
    ...(settings.siblings !== undefined && settings.siblings.length > 0 ? { SiblingClaims: settings.siblings.map(renderSiblingClaim) } : {}),
  };
}

/** One entry of SiblingClaims: "<pool name>|<block>,<block>..." (the pool name may be a token). */
export function renderSiblingClaim(claim: PoolClaim): string {
  return `${claim.poolName}|${claim.addresses.join(',')}`;
}

/**
 * Parses the properties that CloudFormation sent (handler side). Throws with
 * the property at fault if one is missing or malformed.
 */
export function parseProperties(raw: Record<string, unknown> | undefined): PoolAddressesSettings {
  const props = raw ?? {};
  const text = (name: keyof PoolAddressesProperties): string => {
    const value = props[name];
    if (typeof value !== 'string' || value.length === 0) {
      throw new Error(`The custom resource property ${name} must be a non-empty string, got ${JSON.stringify(value)}.`);
    }
    return value;
  };
  const warmup = text('Warmup');
  if (!Object.values<string>(WarmupMode).includes(warmup)) {
    throw new Error(`The custom resource property Warmup must be one of ${Object.values(WarmupMode).join(', ')}, got ${JSON.stringify(warmup)}.`);
  }
  const adopt = text('AdoptAddressesFromOtherPools');
  if (adopt !== 'true' && adopt !== 'false') {
    throw new Error(`The custom resource property AdoptAddressesFromOtherPools must be "true" or "false", got ${JSON.stringify(adopt)}.`);
  }
  const cidr = text('Cidr');
  const range = parseRange(cidr);
  const addresses = props.Addresses === undefined ? undefined : blocksOf('Addresses', props.Addresses, range);
  const siblings = props.SiblingClaims === undefined ? undefined : listOf('SiblingClaims', props.SiblingClaims).map((entry) => {
    const [poolName, blocks, ...rest] = entry.split('|');
    if (rest.length > 0 || !POOL_NAME.test(poolName ?? '') || !blocks) {
      throw new Error(`The custom resource property SiblingClaims must hold "<pool name>|<block>,<block>..." entries, got ${JSON.stringify(entry)}.`);
    }
    return { poolName, addresses: blocksOf('SiblingClaims', blocks.split(','), range) };
  });
  return {
    cidr,
    poolName: text('PoolName'),
    warmup: warmup as WarmupMode,
    adoptAddressesFromOtherPools: adopt === 'true',
    ...(addresses !== undefined ? { addresses } : {}),
    ...(siblings !== undefined ? { siblings } : {}),
  };
}

/** The /24 of Cidr, if it is one (else the handler's own check reports it). */
function parseRange(cidr: string): Ipv4Range | undefined {
  const parsed = parseIpv4Cidr(cidr);
  return parsed.ok && !hasHostBits(parsed.value) ? new Ipv4Range(parsed.value.address, parsed.value.prefixLength) : undefined;
}

/** A property that must be a list of strings. */
function listOf(name: keyof PoolAddressesProperties, value: unknown): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new Error(`The custom resource property ${name} must be a list of strings, got ${JSON.stringify(value)}.`);
  }
  return value as string[];
}

/** CIDR blocks, each canonical, /24 to /32 and inside `range`; at least one. */
function blocksOf(name: keyof PoolAddressesProperties, value: unknown, range: Ipv4Range | undefined): string[] {
  const blocks = listOf(name, value);
  if (blocks.length === 0) {
    throw new Error(`The custom resource property ${name} must name at least one CIDR block.`);
  }
  for (const block of blocks) {
    const parsed = parseIpv4Cidr(block);
    const ok = parsed.ok && !hasHostBits(parsed.value) && parsed.value.prefixLength >= 24 &&
      (range === undefined || range.contains(new Ipv4Range(parsed.value.address, parsed.value.prefixLength)));
    if (!ok) {
      throw new Error(`The custom resource property ${name} holds ${JSON.stringify(block)}, which is not a CIDR block of /24 to /32 inside the range${range ? ` ${range.toString()}` : ''}.`);
    }
  }
  return blocks;
}

/**
 * The addresses (dotted decimal, ascending, without duplicates) that
 * `blocks` name; the whole of `range` if `blocks` is undefined.
 */
export function addressesOfBlocks(range: Ipv4Range, blocks: readonly string[] | undefined): string[] {
  if (blocks === undefined) {
    return range.addresses();
  }
  const numbers = new Set<number>();
  for (const block of blocks) {
    const parsed = rangeOf(block);
    for (let ip = parsed.network; ip <= parsed.last; ip++) {
      numbers.add(ip);
    }
  }
  return [...numbers].sort((a, b) => a - b).map(formatIpv4);
}

/** A dedicated IP pool name, as SES and CloudFormation take it. */
export const POOL_NAME = /^[a-z0-9_-]{1,64}$/;

/** What a physical ID names: the pool and the range. */
export type PoolAndRange = Pick<PoolAddressesSettings, 'cidr' | 'poolName'>;

/**
 * The physical ID of the resource: it changes when the range or the pool
 * changes, so CloudFormation then sends a DELETE for the old one. (Its
 * format is part of every deployed stack: never change it.)
 */
export function physicalIdOf(settings: PoolAndRange): string {
  return `${settings.poolName}|${settings.cidr}`;
}

/**
 * The pool and range a physical ID names, or undefined if it is not one of
 * ours (e.g. the request ID the framework uses when onEvent failed). Neither
 * a pool name nor a CIDR can hold a "|".
 */
export function parsePhysicalId(physicalId: string | undefined): PoolAndRange | undefined {
  const parts = physicalId?.split('|') ?? [];
  if (parts.length !== 2 || !POOL_NAME.test(parts[0]) || !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(parts[1])) {
    return undefined;
  }
  return { poolName: parts[0], cidr: parts[1] };
}
