import { AspectPriority, Aspects, IAspect, Stack, Stage, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import type { ByoipReverseDns } from './byoip-reverse-dns';
import type { ByoipSendingPool } from './byoip-sending-pool';
import { honourAppAcknowledgement, honourValidationsAcknowledgement } from './private/acknowledgements';
import { quote } from './private/display';
import { isBrandedPool, isBrandedReputationGuard, isBrandedReverseDns } from './private/pool-brand';
import { Ipv4Range, rangeOf } from './range/ipv4-cidr';
import type { ReputationGuard } from './reputation-guard';
import { AddressesInput, checkAddresses, readAddresses } from './rules/address-rules';
import { checkClaims, checkOverlappingClaims, DEFAULT_MAX_RANGES_PER_REGION, MAX_RANGES_CONTEXT_KEY, QuotaSource, RangeClaim } from './rules/app-rules';
import { Finding, formatFinding } from './rules/finding';
import { checkPool, PoolFacts } from './rules/pool-rules';
import { checkRange } from './rules/range-rules';
import { checkThresholds } from './rules/reputation-rules';
import { checkReverseDns, ReverseDnsFacts } from './rules/reverse-dns-rules';
import { ByoipRuleId } from './rules/rule-id';

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
 * InvalidPoolName and ReservedPoolName; for a ByoipReverseDns, the range
 * rules (or UnresolvedCidr), then InvalidHostnamePattern (a token pattern is
 * one too: its names cannot be made), HostnameOutsideZone and
 * ReverseZoneMismatch. A ByoipReverseDns is not a claim on its range: it
 * takes no part in RegionalQuota, DuplicateRange or MultiRegion and needs no
 * account or Region. For a ReputationGuard, InvalidThreshold (one finding
 * per problem) and ReputationMetricsOff (a warning, added when the guard is
 * created); a guard is not a claim on any range either.
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
   * Makes sure the checks run for `construct` (a ByoipSendingPool, a
   * ByoipReverseDns or a ReputationGuard), whichever Stage it is in.
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
   * For each ByoipSendingPool it visits: registers the pool's validation
   * (once, whatever the number of instances), and marks the app's findings
   * as stale, since this Stage's aspects may have changed the tree since they
   * were computed. Other constructs are left alone; the tree is not changed.
   */
  public visit(node: IConstruct): void {
    if (!isBrandedPool(node) && !isBrandedReverseDns(node) && !isBrandedReputationGuard(node)) {
      return;
    }
    AppReport.invalidate(node);
    const pool = node as IConstruct & Record<symbol, unknown>;
    // The acknowledgement of the construct's warning, in either form (see
    // private/acknowledgements.ts). Not a change to the tree: it only drops
    // a warning the user asked to drop.
    const warningId = isBrandedReputationGuard(node) ? ByoipRuleId.REPUTATION_METRICS_OFF : ByoipRuleId.DOCUMENTATION_RANGE;
    honourValidationsAcknowledgement(pool, warningId);
    honourAppAcknowledgement(pool, warningId);
    if (!pool[VALIDATION_MARK]) {
      Object.defineProperty(pool, VALIDATION_MARK, { value: true });
      pool.node.addValidation({ validate: () => AppReport.for(pool).messagesFor(pool) });
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

/** One checked construct as the checks see it: a pool or a reverse DNS. */
interface CheckedRecord {
  readonly construct: IConstruct;
  /** The Stage that validates the construct: its nearest Stage, or the root. */
  readonly unit: IConstruct;
  /** Its error findings, formatted, filled in by the report. */
  readonly errors: string[];
}

/** One ByoipReverseDns as the checks see it: not a claim on its range. */
interface ReverseDnsRecord extends CheckedRecord {
  readonly kind: 'reverseDns';
  readonly reverseDns: ByoipReverseDns;
}

/** One ReputationGuard as the checks see it: not a claim on any range. */
interface ReputationGuardRecord extends CheckedRecord {
  readonly kind: 'reputationGuard';
  readonly guard: ReputationGuard;
}

/** One pool as the checks see it. */
interface PoolRecord extends CheckedRecord {
  readonly kind: 'pool';
  readonly pool: ByoipSendingPool;
  /** The limit of the nearest explicit ByoipChecks above the pool, or of the context key, if any. */
  readonly maxRangesPerRegion?: number;
  /** Where maxRangesPerRegion comes from. */
  readonly quotaSource?: QuotaSource;
}

/**
 * The findings of every ByoipSendingPool of one app, computed in one pass
 * over the whole construct tree (across Stage boundaries), then served to
 * each pool's validation.
 *
 * CDK runs each Stage's aspects just before it validates that Stage, nested
 * Stages first. The report is dropped whenever a ByoipChecks visits a pool
 * (see ByoipChecks.visit), so it is computed once per validated Stage, after
 * that Stage's aspects, and reused for all of its pools.
 */
class AppReport {
  /** The current report for the app of `pool`, computed if there is none. */
  public static for(pool: IConstruct): AppReport {
    const root = pool.node.root;
    let report = AppReport.reports.get(root);
    if (!report || !report.records.has(pool)) {
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
  private readonly records = new Map<IConstruct, PoolRecord | ReverseDnsRecord | ReputationGuardRecord>();
  /** For each Stage (or the root), its first construct with errors. */
  private readonly firstWithErrors = new Map<IConstruct, CheckedRecord>();

  private constructor(root: IConstruct) {
    for (const record of collectPools(root)) {
      this.records.set(record.construct, record);
    }
    const pools = [...this.records.values()].filter((r): r is PoolRecord => r.kind === 'pool');
    // A reverse DNS is not a claim on its range: its own rules only.
    for (const record of this.records.values()) {
      if (record.kind === 'reverseDns') {
        record.errors.push(...checkReverseDns(reverseDnsFacts(record.reverseDns)).filter((f) => f.severity === 'error').map(formatFinding));
      } else if (record.kind === 'reputationGuard') {
        record.errors.push(...checkThresholds(record.guard._thresholdFacts).map(formatFinding));
      }
    }
    const claims = new Map<RangeClaim, PoolRecord>();
    const checked = pools.map((record) => ({ record, ...checkOnePool(record) }));
    for (const { record, claim } of checked) {
      if (claim) {
        claims.set(claim, record);
      }
    }
    // The address findings need every claim: their fixes suggest no block
    // that another pool of the same range, account and Region takes.
    const othersOf = otherClaimsOf([...claims.keys()]);
    for (const { record, findings, addresses, claim } of checked) {
      const addressFindings = addresses
        ? checkAddresses(addresses.range, addresses.input, claim ? othersOf(claim) : []).findings
        : [];
      record.errors.push(...[...addressFindings, ...findings].map(formatFinding));
    }
    // Ranges first (MultiRegion, DuplicateRange, RegionalQuota), then the
    // addresses that pools splitting a range share.
    const rangeFindings = checkClaims([...claims.keys()]);
    for (const [claim, finding] of rangeFindings) {
      claims.get(claim)!.errors.push(formatFinding(finding));
    }
    for (const { claim, finding } of checkOverlappingClaims([...claims.keys()], rangeFindings)) {
      claims.get(claim)!.errors.push(formatFinding(finding));
    }
    // A bad context quota is one thing to fix: reported once, on the first
    // pool it would govern.
    for (const record of pools) {
      const context = record.quotaSource === 'ByoipChecks' ? undefined : parseContextQuota(record.pool.node.tryGetContext(MAX_RANGES_CONTEXT_KEY));
      if (typeof context === 'object') {
        record.errors.push(formatFinding(context));
        break;
      }
    }
    for (const record of this.records.values()) {
      if (record.errors.length > 0 && !this.firstWithErrors.has(record.unit)) {
        this.firstWithErrors.set(record.unit, record);
      }
    }
  }

  /**
   * The error messages of `pool`. CDK validates each Stage on its own, nested
   * Stages first, and stops at the first Stage with errors; so the first pool
   * with errors in a Stage also lists the errors of pools outside that Stage,
   * and one synthesis reports every violation of the app.
   */
  public messagesFor(pool: IConstruct): string[] {
    const record = this.records.get(pool);
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
 * Every ByoipSendingPool, ByoipReverseDns and ReputationGuard under `root`, in construct-tree
 * order, crossing Stage boundaries, each pool with the ByoipChecks that
 * governs it.
 */
function collectPools(root: IConstruct): Array<PoolRecord | ReverseDnsRecord | ReputationGuardRecord> {
  const records: Array<PoolRecord | ReverseDnsRecord | ReputationGuardRecord> = [];
  const pending: Array<{ node: IConstruct; limit?: number; unit: IConstruct }> = [{ node: root, unit: root }];
  while (pending.length > 0) {
    const { node, limit: inherited, unit: parentUnit } = pending.pop()!;
    const limit = explicitLimitOn(node) ?? inherited;
    const unit = Stage.isStage(node) ? node : parentUnit;
    if (isBrandedPool(node)) {
      const pool = node as ByoipSendingPool;
      const quota = limit !== undefined ? { maxRangesPerRegion: limit, quotaSource: 'ByoipChecks' as const } : contextQuota(pool);
      records.push({ kind: 'pool', construct: pool, pool, ...quota, unit, errors: [] });
    } else if (isBrandedReverseDns(node)) {
      records.push({ kind: 'reverseDns', construct: node, reverseDns: node as ByoipReverseDns, unit, errors: [] });
    } else if (isBrandedReputationGuard(node)) {
      records.push({ kind: 'reputationGuard', construct: node, guard: node as ReputationGuard, unit, errors: [] });
    }
    const children = node.node.children;
    for (let i = children.length - 1; i >= 0; i--) {
      pending.push({ node: children[i], limit, unit });
    }
  }
  return records;
}

/**
 * The quota that the context key sets for `pool` (which no explicit
 * ByoipChecks governs), if it is set and valid.
 */
function contextQuota(pool: IConstruct): Pick<PoolRecord, 'maxRangesPerRegion' | 'quotaSource'> {
  const limit = parseContextQuota(pool.node.tryGetContext(MAX_RANGES_CONTEXT_KEY));
  if (typeof limit === 'object') {
    // A bad value is its own error: until it is fixed the quota is unknown,
    // and judging the ranges by SES's default would add an error that the
    // fix of the value may make moot.
    return { maxRangesPerRegion: Number.MAX_SAFE_INTEGER, quotaSource: 'context' };
  }
  return limit === undefined ? {} : { maxRangesPerRegion: limit, quotaSource: 'context' };
}

/**
 * The context value as a quota: undefined if unset, a number if valid
 * (a whole number of at least 1, as a number from cdk.json or a string from
 * `-c`), else the finding that says what is wrong with it.
 */
function parseContextQuota(value: unknown): number | Finding | undefined {
  if (value === undefined) {
    return undefined;
  }
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (Number.isInteger(number) && number >= 1) {
    return number;
  }
  return {
    ruleId: ByoipRuleId.REGIONAL_QUOTA,
    severity: 'error',
    problem: `the context key ${MAX_RANGES_CONTEXT_KEY} is ${typeof value === 'string' ? quote(value) : JSON.stringify(value) ?? String(value)}, which is not a number of ranges, so the BYOIP quota cannot be checked.`,
    allowed: `a whole number of at least 1: the BYOIP ranges per Region that AWS allows your account (${DEFAULT_MAX_RANGES_PER_REGION} unless AWS raised it).`,
    fix: `set it to a number, e.g. "${MAX_RANGES_CONTEXT_KEY}": 8 in the context of cdk.json or -c ${MAX_RANGES_CONTEXT_KEY}=8, or remove it to use SES's default of ${DEFAULT_MAX_RANGES_PER_REGION}.`,
  };
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

/** What one pool on its own tells the checks. */
interface PoolCheck {
  /** The findings about the pool other than those of its `addresses`. */
  readonly findings: Finding[];
  /**
   * The pool's `addresses` to check, with its range, if the range passes;
   * their findings depend on the other pools (see otherClaimsOf).
   */
  readonly addresses?: { readonly range: Ipv4Range; readonly input: AddressesInput };
  /** The claim its range makes on its account and Region, if the range is valid and the environment known. */
  readonly claim?: RangeClaim;
}

/**
 * The findings about one pool on its own, and the claim its range makes on
 * its account and Region if the range is valid and the environment known.
 *
 * The `addresses` are checked only if the range passes (one input, one
 * rule: a bad range is its own finding); the claim carries the blocks that
 * pass, so a bad entry takes no part in the checks between pools.
 */
function checkOnePool(record: PoolRecord): PoolCheck {
  const { pool } = record;
  const stack = Stack.of(pool);
  const facts: PoolFacts = {
    cidr: pool.cidr,
    cidrIsToken: Token.isUnresolved(pool.cidr),
    stackId: topLevelStack(stack).node.id,
    account: Token.isUnresolved(stack.account) ? undefined : stack.account,
    region: Token.isUnresolved(stack.region) ? undefined : stack.region,
    ...deployedPoolProperties(pool),
  };
  const findings = checkPool(facts);
  if (facts.cidrIsToken) {
    return { findings };
  }
  const verdict = checkRange(facts.cidr);
  if (!verdict.accepted) {
    return { findings: [verdict.finding, ...findings] };
  }
  // A pool of an older copy of this library has no addresses attribute: it takes the whole range.
  const given = (pool as { addresses?: unknown }).addresses ?? [pool.cidr];
  const input = readAddresses(given, (x) => Token.isUnresolved(x));
  const addresses = { range: verdict.range, input };
  if (facts.account === undefined || facts.region === undefined) {
    return { findings, addresses };
  }
  const claim: RangeClaim = {
    addresses: checkAddresses(verdict.range, input).blocks.map(String),
    range: verdict.range.toString(),
    account: facts.account,
    region: facts.region,
    path: pool.node.path,
    maxRangesPerRegion: record.maxRangesPerRegion,
    quotaSource: record.quotaSource,
  };
  return { findings, addresses, claim };
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

/** The stack that holds `stack` if it is a nested stack (its env comes from there). */
function topLevelStack(stack: Stack): Stack {
  let top = stack;
  while (top.nestedStackParent) {
    top = top.nestedStackParent;
  }
  return top;
}

/**
 * The PoolName and ScalingMode the pool will be deployed with, as rendered
 * into the template: L1 property changes and raw overrides (escape hatches)
 * included. Values that are not literal strings are left out.
 *
 * CfnResource has no public API for its rendered properties with overrides:
 * this uses the internal _toCloudFormation(), as CDK's synthesis does. The
 * escape-hatch tests of ManagedScaling and ReservedPoolName pin it down; check
 * them when upgrading aws-cdk-lib.
 */
function deployedPoolProperties(pool: ByoipSendingPool): Pick<PoolFacts, 'poolName' | 'scalingMode'> {
  const cfn = pool.dedicatedIpPool.node.defaultChild as unknown as RenderableResource & IConstruct;
  const rendered: RenderedTemplate = Stack.of(cfn).resolve(cfn._toCloudFormation());
  const properties = Object.values(rendered.Resources ?? {})[0]?.Properties ?? {};
  const literal = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return { poolName: literal(properties.PoolName), scalingMode: literal(properties.ScalingMode) };
}

/** The part of CfnResource's internal rendering API used above. */
interface RenderableResource {
  _toCloudFormation(): object;
}

/** The template fragment that a CfnResource renders, once resolved. */
interface RenderedTemplate {
  readonly Resources?: Record<string, { readonly Properties?: Record<string, unknown> }>;
}
