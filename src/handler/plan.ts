/**
 * The handler's decisions, as pure functions of the account's state: where
 * each address of the range is, what must move, what must not be touched.
 */
import { DEFAULT_POOL } from './resource-properties';
import { AccountState } from './ses-client';

/** Where the addresses of a range stand with respect to a target pool. */
export interface Assessment {
  /** Addresses already in the target pool. */
  readonly inPlace: readonly string[];
  /** Addresses to move into the target: in the default pool or in one of our own pools. */
  readonly toMove: readonly string[];
  /** Addresses in some other named pool, by pool. */
  readonly foreign: ReadonlyMap<string, readonly string[]>;
  /** Addresses that are not dedicated IPs of the account at all. */
  readonly missing: readonly string[];
}

/**
 * Sorts the range's addresses by where they are.
 *
 * @param addresses the range's addresses, in order
 * @param target the pool that should hold them
 * @param ownPools other pools whose addresses are ours to move (the previous pool of an update)
 */
export function assess(
  addresses: readonly string[],
  state: AccountState,
  target: string,
  ownPools: readonly string[] = [],
): Assessment {
  const inPlace: string[] = [];
  const toMove: string[] = [];
  const missing: string[] = [];
  const foreign = new Map<string, string[]>();
  for (const ip of addresses) {
    const pool = state.get(ip)?.pool;
    if (pool === undefined) {
      missing.push(ip);
    } else if (pool === target) {
      inPlace.push(ip);
    } else if (pool === DEFAULT_POOL || ownPools.includes(pool)) {
      toMove.push(ip);
    } else {
      const list = foreign.get(pool);
      if (list) {
        list.push(ip);
      } else {
        foreign.set(pool, [ip]);
      }
    }
  }
  return { inPlace, toMove, foreign, missing };
}

/** All the addresses of `foreign`, in range order. */
export function foreignAddresses(assessment: Assessment, addresses: readonly string[]): string[] {
  const all = new Set([...assessment.foreign.values()].flat());
  return addresses.filter((ip) => all.has(ip));
}

/** The range's addresses that sit in `pool` now. */
export function addressesIn(addresses: readonly string[], state: AccountState, pool: string): string[] {
  return addresses.filter((ip) => state.get(ip)?.pool === pool);
}

/** The range's addresses whose warm-up is not `percentage` yet. */
export function warmupToWrite(addresses: readonly string[], state: AccountState, percentage: number): string[] {
  return addresses.filter((ip) => {
    const current = state.get(ip);
    return current !== undefined && current.warmupPercentage !== percentage;
  });
}

/** "a, b, c and 7 more" for messages. */
export function someOf(items: readonly string[], max = 5): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
