import { AspectPriority, Aspects, IAspect, Stack, Stage, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import type { ByoipSendingPool } from './byoip-sending-pool';
import { isBrandedPool } from './private/pool-brand';
import { checkClaims, DEFAULT_MAX_RANGES_PER_REGION, RangeClaim } from './rules/app-rules';
import { Finding, formatFinding } from './rules/finding';
import { checkPool, PoolFacts } from './rules/pool-rules';
import { checkRange } from './rules/range-rules';

/**
 * Properties of ByoipChecks.
 */
export interface ByoipChecksProps {
  /**
   * The most distinct BYOIP ranges one account may hold in one Region. Raise
   * it when AWS has raised your quota; lower it to keep a tighter limit.
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
 * the pool is created), RegionalQuota, DuplicateRange, MultiRegion,
 * ManagedScaling, UnresolvedEnvironment, UnresolvedCidr and ReservedPoolName.
 */
export class ByoipChecks implements IAspect {
  /**
   * Makes sure the checks run for `pool`, whichever Stage it is in.
   * @internal
   */
  public static _applyDefault(pool: ByoipSendingPool): void {
    Aspects.of(pool).add(DEFAULT_CHECKS, { priority: AspectPriority.READONLY });
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
    if (!isBrandedPool(node)) {
      return;
    }
    AppReport.invalidate(node);
    const pool = node as ByoipSendingPool & Record<symbol, unknown>;
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

/** One pool as the checks see it. */
interface PoolRecord {
  readonly pool: ByoipSendingPool;
  /** The limit of the nearest explicit ByoipChecks above the pool, if any. */
  readonly maxRangesPerRegion?: number;
  /** The Stage that validates the pool: its nearest Stage, or the root. */
  readonly unit: IConstruct;
  /** Its error findings, formatted, filled in by the report. */
  readonly errors: string[];
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
  public static for(pool: ByoipSendingPool): AppReport {
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

  private readonly records = new Map<ByoipSendingPool, PoolRecord>();
  /** For each Stage (or the root), its first pool with errors. */
  private readonly firstWithErrors = new Map<IConstruct, PoolRecord>();

  private constructor(root: IConstruct) {
    for (const record of collectPools(root)) {
      this.records.set(record.pool, record);
    }
    const claims = new Map<RangeClaim, PoolRecord>();
    for (const record of this.records.values()) {
      const { findings, claim } = checkOnePool(record);
      record.errors.push(...findings.map(formatFinding));
      if (claim) {
        claims.set(claim, record);
      }
    }
    for (const [claim, finding] of checkClaims([...claims.keys()])) {
      claims.get(claim)!.errors.push(formatFinding(finding));
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
  public messagesFor(pool: ByoipSendingPool): string[] {
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
            outside.flatMap((r) => r.errors.map((e) => `\n    [${r.pool.node.path}] ${e}`)).join(''),
        );
      }
    }
    return messages;
  }
}

/**
 * Every ByoipSendingPool under `root`, in construct-tree order, crossing
 * Stage boundaries, each with the ByoipChecks that governs it.
 */
function collectPools(root: IConstruct): PoolRecord[] {
  const records: PoolRecord[] = [];
  const pending: Array<{ node: IConstruct; limit?: number; unit: IConstruct }> = [{ node: root, unit: root }];
  while (pending.length > 0) {
    const { node, limit: inherited, unit: parentUnit } = pending.pop()!;
    const limit = explicitLimitOn(node) ?? inherited;
    const unit = Stage.isStage(node) ? node : parentUnit;
    if (isBrandedPool(node)) {
      records.push({ pool: node as ByoipSendingPool, maxRangesPerRegion: limit, unit, errors: [] });
    }
    const children = node.node.children;
    for (let i = children.length - 1; i >= 0; i--) {
      pending.push({ node: children[i], limit, unit });
    }
  }
  return records;
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
 * The findings about one pool on its own, and the claim its range makes on
 * its account and Region if the range is valid and the environment known.
 */
function checkOnePool(record: PoolRecord): { findings: Finding[]; claim?: RangeClaim } {
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
  if (facts.account === undefined || facts.region === undefined) {
    return { findings };
  }
  const claim: RangeClaim = {
    range: verdict.range.toString(),
    account: facts.account,
    region: facts.region,
    path: pool.node.path,
    maxRangesPerRegion: record.maxRangesPerRegion,
  };
  return { findings, claim };
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
