import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** Where a construct deploys, as far as synthesis knows it. */
export interface KnownEnvironment {
  /** The top-level stack that deploys it (for a nested stack, the stack that holds it). */
  readonly stack: Stack;
  /** The account, or undefined if it is not known at synthesis (a token). */
  readonly account?: string;
  /** The Region, or undefined if it is not known at synthesis (a token). */
  readonly region?: string;
}

/** The account and Region that `construct` deploys to, where known, and its top-level stack. */
export function knownEnvironmentOf(construct: IConstruct): KnownEnvironment {
  const stack = Stack.of(construct);
  let top = stack;
  while (top.nestedStackParent) {
    top = top.nestedStackParent;
  }
  return {
    stack: top,
    account: Token.isUnresolved(stack.account) ? undefined : stack.account,
    region: Token.isUnresolved(stack.region) ? undefined : stack.region,
  };
}
