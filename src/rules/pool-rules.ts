import { Finding } from './finding';
import { ByoipRuleId } from './rule-id';
import { quote } from '../private/display';

/** The names SES gives its own pools; a pool of ours must not take them. */
export const RESERVED_POOL_NAMES: readonly string[] = ['ses-default-dedicated-pool', 'ses-shared-pool'];

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
 * UnresolvedCidr, UnresolvedEnvironment, ManagedScaling, ReservedPoolName.
 */
export function checkPool(facts: PoolFacts): Finding[] {
  return [unresolvedCidr, unresolvedEnvironment, managedScaling, reservedPoolName]
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
    allowed: 'a literal string known when the app is synthesized, e.g. "198.51.100.0/24".',
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

/** SesByoip-ReservedPoolName: the pool takes the name of one of SES's own pools. */
function reservedPoolName(facts: PoolFacts): Finding | undefined {
  if (facts.poolName === undefined || !RESERVED_POOL_NAMES.includes(facts.poolName)) {
    return undefined;
  }
  return {
    ruleId: ByoipRuleId.RESERVED_POOL_NAME,
    severity: 'error',
    problem: `dedicatedIpPoolName ${quote(facts.poolName)} is the name of a pool that SES manages itself (ses-default-dedicated-pool holds the dedicated IPs that are in no pool, ses-shared-pool is the shared pool).`,
    allowed: 'any other name of lowercase letters, digits, "_" and "-" (at most 64), or no name at all: CloudFormation then generates one.',
    fix: 'choose another name, e.g. "byoip-198-51-100-0", or leave dedicatedIpPoolName unset.',
  };
}
