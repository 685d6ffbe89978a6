/**
 * How a construct hands ByoipChecks its facts: the one interface between the
 * checks engine (byoip-checks.ts) and the constructs it checks, so that the
 * engine imports none of them and a new construct adds its rules without
 * editing the engine.
 *
 * A construct module registers its kind once, when it is loaded:
 *
 *     registerCheckedKind({
 *       name: 'ByoipHealthMonitor',
 *       is: isBrandedHealthMonitor,
 *       warnings: [ByoipRuleId.SOME_WARNING],
 *       factsOf: (node) => ({ errors: checkMonitor(monitorFacts(node)) }),
 *     });
 *
 * and applies the default checks in its constructor
 * (`ByoipChecks._applyDefault(this)`). The rules themselves stay pure
 * functions over facts, in src/rules; `factsOf` reads the construct (its
 * stack, tokens, escape hatches) and calls them.
 *
 * Constructs are recognized by their brand (a `Symbol.for` property), not
 * by a method: a construct made by another copy of this library in the same
 * app carries the same brand, and `factsOf` reads only attributes that every
 * copy has, so whichever copy's checks validate the app check it too.
 */
import { IConstruct } from 'constructs';
import type { Ipv4Range } from '../range/ipv4-cidr';
import type { AddressesInput } from '../rules/address-rules';
import type { Finding } from '../rules/finding';

/** One kind of construct that ByoipChecks checks. */
export interface CheckedKind {
  /** The construct's class name, for messages and debugging. */
  readonly name: string;
  /** True if `node` is of this kind (by its brand: copies of this library included). */
  readonly is: (node: IConstruct) => boolean;
  /**
   * The IDs of the acknowledgeable warnings that constructs of this kind add
   * when they are created (Annotations.addWarningV2). The checks honour
   * every way to acknowledge them (see acknowledgements.ts).
   */
  readonly warnings: readonly string[];
  /**
   * What one construct of this kind tells the checks. Called when the app
   * is validated, after every aspect ran, once per synthesis of a Stage.
   */
  readonly factsOf: (node: IConstruct) => CheckedFacts;
}

/** What one construct tells the checks. */
export interface CheckedFacts {
  /**
   * Its errors on its own (the rules over this construct alone), in the
   * order to report them.
   */
  readonly errors: readonly Finding[];
  /**
   * Its claim on a BYOIP range, for the rules between the claims of the app
   * (MultiRegion, DuplicateRange, RegionalQuota, OverlappingAddresses, and
   * the fixes of the address rules, which depend on the other claims).
   * Undefined: the construct claims no range (a reverse DNS, a guard).
   */
  readonly rangeClaim?: RangeClaimFacts;
  /**
   * Values that no two constructs of the app may hold (a pool name in one
   * account and Region, the reverse DNS of a range ...). Two holders of one
   * value are one finding, on the later one in construct-tree order.
   */
  readonly uniqueValues?: readonly UniqueValue[];
}

/**
 * A construct's claim on a BYOIP range. Present even when the range is not
 * usable (the construct still counts as a claimant for the quota's context
 * key); the range rules between claims see only a usable range in a known
 * account and Region.
 */
export interface RangeClaimFacts {
  /** The range, if `cidr` is a literal that passed the range rules. */
  readonly range?: Ipv4Range;
  /** Its part of the range (`addresses`, the whole range if none), with `range`. */
  readonly addresses?: AddressesInput;
  /** The account it deploys to, if known at synthesis. */
  readonly account?: string;
  /** The Region it deploys to, if known at synthesis. */
  readonly region?: string;
}

/** A value that no two constructs of the app may hold. */
export interface UniqueValue {
  /** The ByoipRuleId of the finding that a second holder gets. */
  readonly ruleId: string;
  /** The value as compared (with its scope, e.g. account and Region): equal keys conflict. */
  readonly key: string;
  /**
   * The finding on the later holder, given the construct paths of the
   * earlier ones (in construct-tree order) and whether a key of the same
   * rule is held by any construct of the app (so that a fix suggests only a
   * free value).
   */
  readonly conflict: (earlier: readonly string[], isTaken: (key: string) => boolean) => Finding;
}

const kinds: CheckedKind[] = [];

/** Registers a kind of checked construct; registering it again changes nothing. */
export function registerCheckedKind(kind: CheckedKind): void {
  if (!kinds.some((k) => k.name === kind.name)) {
    kinds.push(kind);
  }
}

/** The kind of `node`, if it is a checked construct. */
export function checkedKindOf(node: IConstruct): CheckedKind | undefined {
  return kinds.find((kind) => kind.is(node));
}
