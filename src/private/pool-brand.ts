/**
 * Marks ByoipSendingPool instances so they can be recognized without an
 * `instanceof` (which fails across copies of the library) and without the
 * checks importing the construct module.
 */
const POOL_BRAND = Symbol.for('cdk-ses-byoip.ByoipSendingPool');

/** Marks `construct` as a ByoipSendingPool. */
export function brandAsPool(construct: object): void {
  Object.defineProperty(construct, POOL_BRAND, { value: true });
}

/** True if `x` was marked by {@link brandAsPool}. */
export function isBrandedPool(x: unknown): boolean {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[POOL_BRAND] === true;
}

/** Marks ByoipReverseDns instances, for the same reasons as POOL_BRAND. */
const REVERSE_DNS_BRAND = Symbol.for('cdk-ses-byoip.ByoipReverseDns');

/** Marks `construct` as a ByoipReverseDns. */
export function brandAsReverseDns(construct: object): void {
  Object.defineProperty(construct, REVERSE_DNS_BRAND, { value: true });
}

/** True if `x` was marked by {@link brandAsReverseDns}. */
export function isBrandedReverseDns(x: unknown): boolean {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[REVERSE_DNS_BRAND] === true;
}

/** Marks ReputationGuard instances, for the same reasons as POOL_BRAND. */
const REPUTATION_GUARD_BRAND = Symbol.for('cdk-ses-byoip.ReputationGuard');

/** Marks `construct` as a ReputationGuard. */
export function brandAsReputationGuard(construct: object): void {
  Object.defineProperty(construct, REPUTATION_GUARD_BRAND, { value: true });
}

/** True if `x` was marked by {@link brandAsReputationGuard}. */
export function isBrandedReputationGuard(x: unknown): boolean {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[REPUTATION_GUARD_BRAND] === true;
}
