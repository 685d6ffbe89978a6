/**
 * SES allows one control-plane request per second per account and Region,
 * shared by everything there: pools filled at the same time take turns at
 * it, and each takes far longer than alone (and, where SES charges the
 * calls it refuses, collisions can push a fill past CloudFormation's hour).
 * The pools of one stack fill one after another already (their custom
 * resources are chained). This makes the stacks of one app that fill pools
 * in the same account and Region deploy one after another too, so that
 * `cdk deploy --all --concurrency N` never fills two of them at once.
 *
 * How: when a Stage (or the App) is validated, after CDK has recorded every
 * dependency between its stacks (explicit ones, and those its references
 * make), each such stack is made to depend on the one before it, in an order
 * that agrees with those dependencies (a topological order, then construct
 * paths), so no cycle can arise. Stack dependencies change only the order
 * of deployment (the manifest), not a template.
 *
 * A Stage's stacks cannot depend on another Stage's: pools of one account
 * and Region in two Stages (or in a Stage and outside it) get a warning
 * that says so and what to do.
 */
import { Annotations, Stack, Stage, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { honourAppAcknowledgement, honourValidationsAcknowledgement } from './acknowledgements';
import { ByoipRuleId } from '../rules/rule-id';

/** The warning for pools of one account and Region in several Stages (acknowledgeable). */
export const CONCURRENT_FILLS = ByoipRuleId.CONCURRENT_FILLS;

/** The stacks whose pools are filled at deploy time, each with the construct that fills them (the provider). */
const FILLING = new WeakMap<Stack, IConstruct>();
/** The Stages (and Apps) whose stacks are ordered already. */
const ORDERED = Symbol.for('cdk-ses-byoip.fillOrder');

/**
 * Records that `filler` (the provider of `stack`) fills pools at deploy
 * time, and makes sure the stacks of its Stage that fill pools in the same
 * account and Region are deployed one after another.
 */
export function fillsPools(stack: Stack, filler: IConstruct): void {
  const root = topLevel(stack);
  if (!FILLING.has(root)) {
    FILLING.set(root, filler);
  }
  const stage = Stage.of(root);
  if (!stage || (stage as unknown as Record<symbol, boolean>)[ORDERED]) {
    return;
  }
  Object.defineProperty(stage, ORDERED, { value: true });
  stage.node.addValidation({
    validate: () => {
      orderFills(stage);
      return [];
    },
  });
}

/** Chains the filling stacks of `stage`, per account and Region; warns about those of other Stages. */
function orderFills(stage: Stage): void {

  const all = stage.node.root.node.findAll().filter((c): c is Stack => Stack.isStack(c) && FILLING.has(c));
  const mine = all.filter((stack) => Stage.of(stack) === stage);
  for (const [environment, stacks] of groupBy(mine, environmentOf)) {
    if (environment !== undefined) {
      const order = deploymentOrder(stacks, stage);
      for (let i = 1; i < order.length; i++) {
        order[i].addDependency(order[i - 1], `cdk-ses-byoip: the pools of ${environment} fill one stack after another (SES allows one request per second there)`);
      }
      const elsewhere = all.filter((stack) => Stage.of(stack) !== stage && environmentOf(stack) === environment);
      if (elsewhere.length > 0) {
        warnConcurrent(order[0], environment, elsewhere);
      }
    }
  }
}

/**
 * The stacks in an order that agrees with the dependencies between the
 * Stage's stacks (a stack comes after every stack it depends on, directly
 * or through others), then with their construct paths.
 */
function deploymentOrder(stacks: readonly Stack[], stage: Stage): Stack[] {
  const everyStack = stage.node.findAll().filter((c): c is Stack => Stack.isStack(c) && Stage.of(c) === stage);
  const reach = new Map<Stack, Set<Stack>>();
  const dependsOn = (stack: Stack): Set<Stack> => {
    let found = reach.get(stack);
    if (!found) {
      found = new Set();
      reach.set(stack, found);
      for (const dependency of stack.dependencies.filter((d) => everyStack.includes(d))) {
        found.add(dependency);
        dependsOn(dependency).forEach((d) => found!.add(d));
      }
    }
    return found;
  };
  const left = [...stacks].sort((a, b) => a.node.path.localeCompare(b.node.path));
  const order: Stack[] = [];
  while (left.length > 0) {
    // The first (by path) whose dependencies among those left are all placed.
    const next = left.find((candidate) => !left.some((other) => other !== candidate && dependsOn(candidate).has(other))) ?? left[0];
    order.push(next);
    left.splice(left.indexOf(next), 1);
  }
  return order;
}

function warnConcurrent(stack: Stack, environment: string, elsewhere: readonly Stack[]): void {
  const others = elsewhere.map((s) => s.node.path).join(', ');
  // On the construct that fills the pools, below the stack: so that an acknowledgement on the stack
  // (or above), made before this warning exists, silences it too.
  const filler = FILLING.get(stack)!;
  honourValidationsAcknowledgement(filler, CONCURRENT_FILLS);
  honourAppAcknowledgement(filler, CONCURRENT_FILLS);
  Annotations.of(filler).addWarningV2(CONCURRENT_FILLS,
    `[${CONCURRENT_FILLS}] Stack ${stack.node.path} fills BYOIP pools in ${environment}, and so does ${others} in another Stage, ` +
    'which CDK cannot make it wait for: deployed at the same time, their fills share SES\'s one request per second there and take far longer. ' +
    'Deploy them one after the other (e.g. `cdk deploy` one Stage, then the other), or put the pools in one Stage. ' +
    `Acknowledge with Annotations.of(stack).acknowledgeWarning('${CONCURRENT_FILLS}', reason) once they are.`);
}

/** "account A in R", or undefined if the stack's account or Region is a token (the rules report that). */
function environmentOf(stack: Stack): string | undefined {
  return Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region) ? undefined : `account ${stack.account} in ${stack.region}`;
}

/** The stack itself, or the top-level stack a nested stack deploys with. */
function topLevel(stack: Stack): Stack {
  let current = stack;
  while (current.nestedStackParent) {
    current = current.nestedStackParent;
  }
  return current;
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...groups.get(k) ?? [], item]);
  }
  return groups;
}

/** For tests: whether `construct` is a stack that fills pools. */
export function isFillingStack(construct: IConstruct): boolean {
  return Stack.isStack(construct) && FILLING.has(construct);
}
