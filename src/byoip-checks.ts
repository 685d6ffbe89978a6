import { AspectPriority, Aspects, IAspect, Stage, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { honourAppAcknowledgement, honourValidationsAcknowledgement } from './private/acknowledgements';
import { CheckedFacts, CheckedKind, checkedKindOf, UniqueValue } from './private/checked-construct';
import { Ipv4Range, rangeOf } from './range/ipv4-cidr';
import { checkAddresses } from './rules/address-rules';
import { checkClaims, checkOverlappingClaims, DEFAULT_MAX_RANGES_PER_REGION, MAX_RANGES_CONTEXT_KEY, parseContextQuota, QuotaSource, RangeClaim } from './rules/app-rules';
import { Finding, formatFinding } from './rules/finding';

/**
 * Properties of ByoipChecks.
 */
export interface ByoipChecksProps {
  /**
   * The most distinct BYOIP ranges one account may hold in one Region. Raise
   * it when AWS has raised your quota; lower it to keep a tighter limit.
   *
   * Without code, the context key `cdk-ses-byoip:maxRangesPerRegion` (in
   * cdk.json or with `-c`) sets it for the default checks; an explicit
   * ByoipChecks wins over it.
   *
   * @default 5 (the SES BYOIP quota)
   */
  readonly maxRangesPerRegion?: number;
}

/**
 * The synthesis-time checks of SES BYOIP ranges.
 *
 * Every ByoipSendingPool is checked without any setup: the construct applies
 * a default instance of this aspect. Add an instance yourself only to change
 * its settings; it then replaces the default for every pool below the scope
 * it is added to, including pools in nested Stages, which CDK aspects do not
 * reach on their own:
 *
 *     Aspects.of(app).add(new ByoipChecks({ maxRangesPerRegion: 8 }));
 *
 * Without code, the context key `cdk-ses-byoip:maxRangesPerRegion` sets
 * the quota of the default checks (`cdk synth -c
 * cdk-ses-byoip:maxRangesPerRegion=8`, or in cdk.json); an explicit
 * instance wins over it.
 *
 * The nearest instance above a pool governs it (if one scope has several,
 * the last one added). The quota belongs to an account and Region: if its
 * pools are governed by different explicit limits, the largest applies. The
 * rules run once per pool whatever the number of instances.
 *
 * Errors do not stop construction: each one becomes a validation error of the
 * pool, so `app.synth()` (and `cdk synth`) fails once with every violation of
 * the app, each with its rule ID, construct path, the value received, what is
 * allowed and how to fix it. The rules (see ByoipRuleId) are: InvalidCidr,
 * PrefixLength, HostBits, NotPublic, DocumentationRange (a warning, added when
 * the pool is created), InvalidAddresses, AddressesOutsideRange,
 * UnresolvedAddresses, OverlappingAddresses, RegionalQuota, DuplicateRange,
 * MultiRegion, ManagedScaling, UnresolvedEnvironment, UnresolvedCidr,
 * InvalidPoolName, ReservedPoolName and DuplicatePoolName (a literal pool
 * name used twice in one account and Region, reported once, on the later
 * pool); for a ByoipReverseDns, the range rules (or UnresolvedCidr), then
 * InvalidHostnamePattern (a token pattern is one too: its names cannot be
 * made), HostnameOutsideZone (only when it makes the A records) and
 * ReverseZoneMismatch, and DuplicateReverseDns (two of one range anywhere in
 * the app, reported once, on the later one). A ByoipReverseDns is not a
 * claim on its range: it takes no part in RegionalQuota, DuplicateRange or
 * MultiRegion and needs no account or Region. For a ReputationGuard,
 * InvalidThreshold (one finding per problem), and two warnings added when
 * the guard is created: ReputationMetricsOff and DuplicateAccountAlarms (its
 * account-wide alarms duplicate those of a guard created before it in the
 * same account and Region); a guard is not a claim on any range either.
 *
 * One input, one rule: a range that fails its rules hides the pool's
 * `addresses`, and an entry of `addresses` gets one finding at most (a bad
 * entry takes no part in the checks between pools). Between pools, a range
 * used in several accounts or Regions is a MultiRegion whatever the split;
 * else two pools that take the whole range (no `addresses`, or blocks that
 * cover all of it) are a DuplicateRange; else two pools that share an
 * address are an OverlappingAddresses, one per pair. A range split between
 * pools counts once toward the quota.
 */
export class ByoipChecks implements IAspect {
  /**
   * The context key that sets the quota of the default checks, without code:
   * `"cdk-ses-byoip:maxRangesPerRegion": 8` in the context of cdk.json, or
   * `cdk synth -c cdk-ses-byoip:maxRangesPerRegion=8`. An explicit
   * ByoipChecks wins over it.
   */
  public static readonly MAX_RANGES_PER_REGION_CONTEXT_KEY = MAX_RANGES_CONTEXT_KEY;

  /**
   * Makes sure the checks run for `construct`, a checked construct (see
   * private/checked-construct.ts), whichever Stage it is in.
   * @internal
   */
  public static _applyDefault(construct: IConstruct): void {
    Aspects.of(construct).add(DEFAULT_CHECKS, { priority: AspectPriority.READONLY });
  }

  /** The most distinct ranges allowed per account and Region. */
  public readonly maxRangesPerRegion: number;

  constructor(props: ByoipChecksProps = {}) {
    Object.defineProperty(this, CHECKS_BRAND, { value: 'explicit', configurable: true });
    const max = props.maxRangesPerRegion ?? DEFAULT_MAX_RANGES_PER_REGION;
    if (Token.isUnresolved(max) || !Number.isInteger(max) || max < 1) {
      throw new Error(
        `ByoipChecks: maxRangesPerRegion must be a whole number of at least 1, got ${Token.isUnresolved(max) ? 'a token' : max}. ` +
          `Use the number of BYOIP ranges per Region that AWS allows your account (${DEFAULT_MAX_RANGES_PER_REGION} unless AWS raised it).`,
      );
    }
    this.maxRangesPerRegion = max;
  }

  /**
   * For each checked construct it visits (a ByoipSendingPool, a
   * ByoipReverseDns, a ReputationGuard ...): registers the construct's
   * validation (once, whatever the number of instances), and marks the app's
   * findings as stale, since this Stage's aspects may have changed the tree
   * since they were computed. Other constructs are left alone; the tree is
   * not changed.
   */
  public visit(node: IConstruct): void {
    const kind = checkedKindOf(node);
    if (!kind) {
      return;
    }
    AppReport.invalidate(node);
    // The acknowledgements of the construct's warnings, in either form (see
    // private/acknowledgements.ts). Not a change to the tree: they only drop
    // warnings the user asked to drop.
    for (const warningId of kind.warnings) {
      honourValidationsAcknowledgement(node, warningId);
      honourAppAcknowledgement(node, warningId);
    }
    const checked = node as IConstruct & Record<symbol, unknown>;
    if (!checked[VALIDATION_MARK]) {
      Object.defineProperty(checked, VALIDATION_MARK, { value: true });
      checked.node.addValidation({ validate: () => AppReport.for(checked).messagesFor(checked) });
    }
  }
}

/**
 * Marks ByoipChecks instances ('default' or 'explicit') and pools whose
 * validation is registered; Symbol.for, so that copies of this library in
 * one app agree.
 */
const CHECKS_BRAND = Symbol.for('cdk-ses-byoip.ByoipChecks');
const VALIDATION_MARK = Symbol.for('cdk-ses-byoip.ByoipChecks.validation');

/** The instance that ByoipSendingPool applies; every other instance is explicit. */
const DEFAULT_CHECKS = new ByoipChecks();
Object.defineProperty(DEFAULT_CHECKS, CHECKS_BRAND, { value: 'default' });

/** The explicit ByoipChecks limit carried by `aspect`, if it is one. */
function explicitLimitOf(aspect: IAspect): number | undefined {
  const brand = (aspect as unknown as Record<symbol, unknown>)[CHECKS_BRAND];
  return brand === 'explicit' ? (aspect as ByoipChecks).maxRangesPerRegion : undefined;
}

/** One checked construct as the checks see it. */
interface CheckedRecord {
  readonly construct: IConstruct;
  readonly kind: CheckedKind;
  /** The Stage that validates the construct: its nearest Stage, or the root. */
  readonly unit: IConstruct;
  /** The limit of the nearest explicit ByoipChecks above the construct, if any. */
  readonly explicitLimit?: number;
  /** Its error findings, formatted, filled in by the report. */
  readonly errors: string[];
}

/**
 * The findings of every checked construct of one app (see CheckedKind),
 * computed in one pass over the whole construct tree (across Stage
 * boundaries), then served to each construct's validation.
 *
 * CDK runs each Stage's aspects just before it validates that Stage, nested
 * Stages first. The report is dropped whenever a ByoipChecks visits a checked
 * construct (see ByoipChecks.visit), so it is computed once per validated
 * Stage, after that Stage's aspects, and reused for all of its constructs.
 */
class AppReport {
  /** The current report for the app of `construct`, computed if there is none. */
  public static for(construct: IConstruct): AppReport {
    const root = construct.node.root;
    let report = AppReport.reports.get(root);
    if (!report || !report.records.has(construct)) {
      report = new AppReport(root);
      AppReport.reports.set(root, report);
    }
    return report;
  }

  /** Drops the report of the app of `construct`. */
  public static invalidate(construct: IConstruct): void {
    AppReport.reports.delete(construct.node.root);
  }

  private static readonly reports = new WeakMap<IConstruct, AppReport>();

  /** Every checked construct of the app, in construct-tree order. */
  private readonly records = new Map<IConstruct, CheckedRecord>();
  /** For each Stage (or the root), its first construct with errors. */
  private readonly firstWithErrors = new Map<IConstruct, CheckedRecord>();

  private constructor(root: IConstruct) {
    for (const record of collectChecked(root)) {
      this.records.set(record.construct, record);
    }
    const checked = [...this.records.values()].map((record) => ({ record, facts: record.kind.factsOf(record.construct) }));
    const claimants = checked
      .filter(({ facts }) => facts.rangeClaim !== undefined)
      .map(({ record, facts }) => ({ record, ...claimOf(record, facts) }));
    const claims = new Map<RangeClaim, CheckedRecord>();
    const claimByRecord = new Map<CheckedRecord, RangeClaim>();
    for (const { record, claim } of claimants) {
      if (claim) {
        claims.set(claim, record);
        claimByRecord.set(record, claim);
      }
    }
    // The address findings need every claim: their fixes suggest no block
    // that another claim of the same range, account and Region takes. They
    // come before the claimant's own errors.
    const othersOf = otherClaimsOf([...claims.keys()]);
    for (const { record, facts } of checked) {
      const { range, addresses } = facts.rangeClaim ?? {};
      const claim = claimByRecord.get(record);
      const addressFindings = range && addresses ? checkAddresses(range, addresses, claim ? othersOf(claim) : []).findings : [];
      record.errors.push(...[...addressFindings, ...facts.errors].map(formatFinding));
    }
    // Ranges first (MultiRegion, DuplicateRange, RegionalQuota), then the
    // addresses that claims splitting a range share.
    const rangeFindings = checkClaims([...claims.keys()]);
    for (const [claim, finding] of rangeFindings) {
      claims.get(claim)!.errors.push(formatFinding(finding));
    }
    for (const { claim, finding } of checkOverlappingClaims([...claims.keys()], rangeFindings)) {
      claims.get(claim)!.errors.push(formatFinding(finding));
    }
    // A bad context quota is one thing to fix: reported once, on the first
    // claimant it would govern.
    for (const { record, quotaSource } of claimants) {
      const context = quotaSource === 'ByoipChecks' ? undefined : parseContextQuota(record.construct.node.tryGetContext(MAX_RANGES_CONTEXT_KEY));
      if (typeof context === 'object') {
        record.errors.push(formatFinding(context));
        break;
      }
    }
    for (const { record, finding } of uniqueValueConflicts(checked)) {
      record.errors.push(formatFinding(finding));
    }
    for (const record of this.records.values()) {
      if (record.errors.length > 0 && !this.firstWithErrors.has(record.unit)) {
        this.firstWithErrors.set(record.unit, record);
      }
    }
  }

  /**
   * The error messages of `construct`. CDK validates each Stage on its own,
   * nested Stages first, and stops at the first Stage with errors; so the
   * first construct with errors in a Stage also lists the errors of
   * constructs outside that Stage, and one synthesis reports every violation
   * of the app.
   */
  public messagesFor(construct: IConstruct): string[] {
    const record = this.records.get(construct);
    if (!record || record.errors.length === 0) {
      return [];
    }
    const messages = [...record.errors];
    if (this.firstWithErrors.get(record.unit) === record) {
      const outside = [...this.records.values()].filter((r) => r.unit !== record.unit && r.errors.length > 0);
      if (outside.length > 0) {
        const count = outside.reduce((n, r) => n + r.errors.length, 0);
        const where = record.unit.node.path === '' ? 'the app root' : `Stage ${record.unit.node.path}`;
        messages.push(
          `${count} more BYOIP error${count === 1 ? '' : 's'} in this app outside ${where} (CDK validates each Stage separately):` +
            outside.flatMap((r) => r.errors.map((e) => `\n    [${r.construct.node.path}] ${e}`)).join(''),
        );
      }
    }
    return messages;
  }
}

/**
 * Every checked construct under `root`, in construct-tree order, crossing
 * Stage boundaries, each with the limit of the explicit ByoipChecks that
 * governs it, if any.
 */
function collectChecked(root: IConstruct): CheckedRecord[] {
  const records: CheckedRecord[] = [];
  const pending: Array<{ node: IConstruct; limit?: number; unit: IConstruct }> = [{ node: root, unit: root }];
  while (pending.length > 0) {
    const { node, limit: inherited, unit: parentUnit } = pending.pop()!;
    const limit = explicitLimitOn(node) ?? inherited;
    const unit = Stage.isStage(node) ? node : parentUnit;
    const kind = checkedKindOf(node);
    if (kind) {
      records.push({ construct: node, kind, unit, explicitLimit: limit, errors: [] });
    }
    const children = node.node.children;
    for (let i = children.length - 1; i >= 0; i--) {
      pending.push({ node: children[i], limit, unit });
    }
  }
  return records;
}

/** The quota that governs a claimant, and where it comes from, if it is set explicitly. */
interface ClaimQuota {
  readonly maxRangesPerRegion?: number;
  readonly quotaSource?: QuotaSource;
}

/**
 * The claim that `record` makes on its account and Region, if its range is
 * usable and its environment known, with the quota that governs it. The
 * claim carries the blocks of its `addresses` that pass, so a bad entry takes
 * no part in the checks between claims.
 */
function claimOf(record: CheckedRecord, facts: CheckedFacts): ClaimQuota & { readonly claim?: RangeClaim } {
  const quota: ClaimQuota = record.explicitLimit !== undefined
    ? { maxRangesPerRegion: record.explicitLimit, quotaSource: 'ByoipChecks' }
    : contextQuota(record.construct);
  const { range, addresses, account, region } = facts.rangeClaim ?? {};
  if (!range || !addresses || account === undefined || region === undefined) {
    return quota;
  }
  const claim: RangeClaim = {
    addresses: checkAddresses(range, addresses).blocks.map(String),
    range: range.toString(),
    account,
    region,
    path: record.construct.node.path,
    ...quota,
  };
  return { ...quota, claim };
}

/**
 * One finding per value held by several constructs (see UniqueValue), on the
 * last holder in construct-tree order, naming the others.
 */
function uniqueValueConflicts(
  checked: ReadonlyArray<{ readonly record: CheckedRecord; readonly facts: CheckedFacts }>,
): Array<{ readonly record: CheckedRecord; readonly finding: Finding }> {
  const holders = new Map<string, Array<{ record: CheckedRecord; value: UniqueValue }>>();
  const keyOf = (ruleId: string, key: string) => `${ruleId}\n${key}`;
  for (const { record, facts } of checked) {
    for (const value of facts.uniqueValues ?? []) {
      const key = keyOf(value.ruleId, value.key);
      holders.set(key, [...(holders.get(key) ?? []), { record, value }]);
    }
  }
  const out: Array<{ record: CheckedRecord; finding: Finding }> = [];
  for (const group of holders.values()) {
    if (group.length < 2) {
      continue;
    }
    const later = group[group.length - 1];
    const earlier = group.slice(0, -1).map((h) => h.record.construct.node.path);
    out.push({ record: later.record, finding: later.value.conflict(earlier, (key) => holders.has(keyOf(later.value.ruleId, key))) });
  }
  return out;
}

/**
 * The quota that the context key sets for `construct` (which no explicit
 * ByoipChecks governs), if it is set and valid.
 */
function contextQuota(construct: IConstruct): ClaimQuota {
  const limit = parseContextQuota(construct.node.tryGetContext(MAX_RANGES_CONTEXT_KEY));
  if (typeof limit === 'object') {
    // A bad value is its own error: until it is fixed the quota is unknown,
    // and judging the ranges by SES's default would add an error that the
    // fix of the value may make moot.
    return { maxRangesPerRegion: Number.MAX_SAFE_INTEGER, quotaSource: 'context' };
  }
  return limit === undefined ? {} : { maxRangesPerRegion: limit, quotaSource: 'context' };
}

/** The limit of the last explicit ByoipChecks added to `node` itself, if any. */
function explicitLimitOn(node: IConstruct): number | undefined {
  let found: number | undefined;
  for (const aspect of Aspects.of(node).all) {
    found = explicitLimitOf(aspect) ?? found;
  }
  return found;
}

/**
 * For each claim, the blocks that the other claims of its range in the same
 * account and Region take (a whole claim: the range).
 */
function otherClaimsOf(claims: readonly RangeClaim[]): (claim: RangeClaim) => Ipv4Range[] {
  const groups = new Map<string, RangeClaim[]>();
  for (const claim of claims) {
    const key = `${claim.range} ${claim.account}/${claim.region}`;
    groups.set(key, [...(groups.get(key) ?? []), claim]);
  }
  return (claim) => (groups.get(`${claim.range} ${claim.account}/${claim.region}`) ?? [])
    .filter((other) => other !== claim)
    .flatMap((other) => (other.addresses ?? [other.range]).map(rangeOf));
}
