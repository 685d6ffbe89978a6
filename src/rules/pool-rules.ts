import { Finding, listSome } from './finding';
import { checkRange } from './range-rules';
import { ByoipRuleId } from './rule-id';
import { POOL_NAME } from '../handler/resource-properties';
import { quote } from '../private/display';

/** The names SES gives its own pools; a pool of ours must not take them. */
export const RESERVED_POOL_NAMES: readonly string[] = ['ses-default-dedicated-pool', 'ses-shared-pool'];

const MAX_POOL_NAME_LENGTH = 64;

/** True if SES would accept `name` for a pool of ours: the pattern, and not one of its own pools. */
export function isUsablePoolName(name: string): boolean {
  return POOL_NAME.test(name) && !RESERVED_POOL_NAMES.includes(name);
}

/** What the pool rules need to know about one pool, read from the construct tree. */
export interface PoolFacts {
  /** The `cidr` prop as given (the string form of a token if it is one). */
  readonly cidr: string;
  /** True if `cidr` is a token (a parameter, an import ...). */
  readonly cidrIsToken: boolean;
  /** The construct ID of the stack that holds the pool (the top-level stack, for a nested stack). */
  readonly stackId: string;
  /** The stack's account, or undefined if it is not known at synthesis. */
  readonly account?: string;
  /** The stack's Region, or undefined if it is not known at synthesis. */
  readonly region?: string;
  /** The pool's ScalingMode as it will be deployed (after escape hatches), if literal. */
  readonly scalingMode?: string;
  /** The pool's PoolName as it will be deployed (after escape hatches), if literal. */
  readonly poolName?: string;
}

/**
 * The rules about the pool and its stack rather than the range itself:
 * UnresolvedCidr, UnresolvedEnvironment, ManagedScaling, InvalidPoolName,
 * ReservedPoolName.
 */
export function checkPool(facts: PoolFacts): Finding[] {
  return [unresolvedCidr, unresolvedEnvironment, managedScaling, invalidPoolName, reservedPoolName]
    .map((rule) => rule(facts))
    .filter((f): f is Finding => f !== undefined);
}

/** SesByoip-UnresolvedCidr: the range is not known at synthesis. */
function unresolvedCidr(facts: PoolFacts): Finding | undefined {
  if (!facts.cidrIsToken) {
    return undefined;
  }
  return {
    ruleId: ByoipRuleId.UNRESOLVED_CIDR,
    severity: 'error',
    problem: `cidr is a token (${quote(facts.cidr)}), a value only known at deploy time, so the range cannot be checked against the BYOIP rules.`,
    allowed: 'a literal string known when the app is synthesized: the /24 of your AWS approval.',
    fix: 'pass the range as a plain string (in code, or from cdk.json or `-c` context), not as a CloudFormation parameter, import or attribute.',
  };
}

/** SesByoip-UnresolvedEnvironment: the stack's account or Region is a token. */
function unresolvedEnvironment(facts: PoolFacts): Finding | undefined {
  if (facts.account !== undefined && facts.region !== undefined) {
    return undefined;
  }
  const unknown = [facts.account === undefined ? 'account' : undefined, facts.region === undefined ? 'Region' : undefined]
    .filter((x) => x !== undefined)
    .join(' and ');
  return {
    ruleId: ByoipRuleId.UNRESOLVED_ENVIRONMENT,
    severity: 'error',
    problem: `stack "${facts.stackId}" is environment-agnostic: its ${unknown} ${unknown.includes(' and ') ? 'are' : 'is'} not known at synthesis, and a BYOIP range belongs to one Region of one account.`,
    allowed: 'a stack with an explicit account ID and Region.',
    fix: `give the stack (or the Stage that holds it) the account and Region that AWS approved the range for, e.g. new Stack(scope, '${facts.stackId}', { env: { account: '111122223333', region: 'us-east-1' } }).`,
  };
}

/** SesByoip-ManagedScaling: the pool was switched to MANAGED scaling. */
function managedScaling(facts: PoolFacts): Finding | undefined {
  if (facts.scalingMode !== 'MANAGED') {
    return undefined;
  }
  return {
    ruleId: ByoipRuleId.MANAGED_SCALING,
    severity: 'error',
    problem: `the dedicated IP pool has ScalingMode ${quote(facts.scalingMode)}; BYOIP addresses are standard dedicated IPs, and SES manages the addresses of a MANAGED pool itself (it can release addresses it finds redundant).`,
    allowed: 'ScalingMode "STANDARD", which ByoipSendingPool sets.',
    fix: 'remove the escape hatch or override that sets ScalingMode to MANAGED.',
  };
}

/** SesByoip-InvalidPoolName: a name SES refuses (the pattern of CreateDedicatedIpPool). */
function invalidPoolName(facts: PoolFacts): Finding | undefined {
  const name = facts.poolName;
  if (name === undefined || POOL_NAME.test(name)) {
    return undefined;
  }
  const example = [suggestPoolName(name), poolNameForRange(facts.cidr)].find((n) => n !== undefined);
  return {
    ruleId: ByoipRuleId.INVALID_POOL_NAME,
    severity: 'error',
    problem: `dedicatedIpPoolName ${quote(name)} is not a name SES accepts: it ${whatIsWrongWith(name)}.`,
    allowed: `lowercase letters, digits, "_" and "-", from 1 to ${MAX_POOL_NAME_LENGTH} characters.`,
    fix: example
      ? `choose a name of those characters, e.g. "${example}", or leave dedicatedIpPoolName unset: CloudFormation then generates one.`
      : 'choose a name of those characters, or leave dedicatedIpPoolName unset: CloudFormation then generates one.',
  };
}

/** What makes `name` fail POOL_NAME, as a phrase after "it". */
function whatIsWrongWith(name: string): string {
  if (name.length === 0) {
    return 'is empty';
  }
  const problems: string[] = [];
  const bad = [...new Set([...name].filter((c) => !/[a-z0-9_-]/.test(c)))];
  if (bad.length > 0) {
    const shown = bad.slice(0, 8).map((c) => quote(c)).join(', ');
    problems.push(`contains ${bad.length === 1 ? 'the character' : 'the characters'} ${shown}${bad.length > 8 ? ' and more' : ''}`);
  }
  if (name.length > MAX_POOL_NAME_LENGTH) {
    problems.push(`is ${name.length} characters long`);
  }
  return problems.join(' and ');
}

/** `name` made acceptable (lowercase, other characters as "-", cut to 64), if anything is left of it. */
function suggestPoolName(name: string): string | undefined {
  const candidate = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_POOL_NAME_LENGTH)
    .replace(/-+$/, '');
  return candidate.length > 0 && isUsablePoolName(candidate) ? candidate : undefined;
}

/** A pool name derived from the pool's own range, `byoip-a-b-c-0`, if the range is valid. */
function poolNameForRange(cidr: string): string | undefined {
  const verdict = typeof cidr === 'string' ? checkRange(cidr) : undefined;
  if (!verdict?.accepted) {
    return undefined;
  }
  const name = `byoip-${verdict.range.toString().replace(/\/\d+$/, '').replace(/\./g, '-')}`;
  return isUsablePoolName(name) ? name : undefined;
}

/** SesByoip-ReservedPoolName: the pool takes the name of one of SES's own pools. */
function reservedPoolName(facts: PoolFacts): Finding | undefined {
  if (facts.poolName === undefined || !RESERVED_POOL_NAMES.includes(facts.poolName)) {
    return undefined;
  }
  const example = poolNameForRange(facts.cidr);
  return {
    ruleId: ByoipRuleId.RESERVED_POOL_NAME,
    severity: 'error',
    problem: `dedicatedIpPoolName ${quote(facts.poolName)} is the name of a pool that SES manages itself (ses-default-dedicated-pool holds the dedicated IPs that are in no pool, ses-shared-pool is the shared pool).`,
    allowed: 'any other name of lowercase letters, digits, "_" and "-" (at most 64), or no name at all: CloudFormation then generates one.',
    fix: example ? `choose another name, e.g. "${example}", or leave dedicatedIpPoolName unset.` : 'choose another name, or leave dedicatedIpPoolName unset.',
  };
}

/** Where a pool name must be unique, for DuplicatePoolName. */
export type PoolNameScope =
  | { readonly account: string; readonly region: string }
  /** An environment-agnostic stack: its pools share an account and Region, whichever they are. */
  | { readonly stackPath: string };

/**
 * The key under which a pool name must be unique: the name in its account
 * and Region, or in its stack when they are not known.
 */
export function poolNameKey(scope: PoolNameScope, name: string): string {
  return 'stackPath' in scope ? `stack ${scope.stackPath}: ${name}` : `${scope.account}/${scope.region}: ${name}`;
}

/**
 * SesByoip-DuplicatePoolName: the pools at `earlier` (construct paths, in
 * construct-tree order) have the name `name` in the same scope; reported on
 * the later pool, whose range is `cidr`. `isTaken` tells whether a name is
 * held in the scope, so that the example is free.
 */
export function duplicatePoolName(
  name: string, cidr: string, scope: PoolNameScope, earlier: readonly string[], isTaken: (name: string) => boolean,
): Finding {
  const candidates = [poolNameForRange(cidr), ...Array.from({ length: 8 }, (_, i) => `${name.slice(0, MAX_POOL_NAME_LENGTH - 2)}-${i + 2}`)];
  const example = candidates.find((n): n is string => n !== undefined && n !== name && isUsablePoolName(n) && !isTaken(n));
  const where = 'stackPath' in scope ? ', in the same stack' : ` in account ${scope.account}, Region ${scope.region}`;
  return {
    ruleId: ByoipRuleId.DUPLICATE_POOL_NAME,
    severity: 'error',
    problem: `dedicatedIpPoolName ${quote(name)} is also the name of ${listSome(earlier)}${where}; ` +
      'a dedicated IP pool\'s name is unique in its account and Region, so the deploy that creates the second pool fails.',
    allowed: 'a name of its own for each ByoipSendingPool of an account and Region (pools of other accounts or Regions may share a name).',
    fix: `give this pool another name${example ? `, e.g. "${example}"` : ''}, or leave dedicatedIpPoolName unset: CloudFormation then generates a unique one.`,
  };
}
