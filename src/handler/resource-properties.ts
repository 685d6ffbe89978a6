/**
 * The contract between ByoipSendingPool (which writes the custom resource's
 * properties at synthesis) and the deploy-time handler (which reads them):
 * one definition, so the two sides cannot drift.
 *
 * CloudFormation hands every property to the handler as a string.
 */
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
};

/** The properties, parsed and checked. */
export interface PoolAddressesSettings {
  readonly cidr: string;
  readonly poolName: string;
  readonly warmup: WarmupMode;
  readonly adoptAddressesFromOtherPools: boolean;
}

/** Renders the properties for the custom resource (synthesis side). */
export function renderProperties(settings: PoolAddressesSettings): PoolAddressesProperties {
  return {
    Cidr: settings.cidr,
    PoolName: settings.poolName,
    Warmup: settings.warmup,
    AdoptAddressesFromOtherPools: settings.adoptAddressesFromOtherPools ? 'true' : 'false',
  };
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
  return {
    cidr: text('Cidr'),
    poolName: text('PoolName'),
    warmup: warmup as WarmupMode,
    adoptAddressesFromOtherPools: adopt === 'true',
  };
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
