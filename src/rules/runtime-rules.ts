import { Finding } from './finding';
import { ByoipRuleId } from './rule-id';

/**
 * The runtime of the library's Lambda functions when ByoipFunctions.configure()
 * sets none: the runtime the library is tested on, not the latest that the
 * installed aws-cdk-lib knows (a runtime days old is not in every Region yet,
 * and each aws-cdk-lib upgrade would change every function). Move it to a newer
 * runtime before its deprecation date below (a test fails on that day).
 */
export const DEFAULT_NODE_RUNTIME = 'nodejs22.x';

/**
 * The day AWS Lambda deprecates each Node.js runtime the library accepts
 * (nodejs20.x and later), from the "Lambda runtimes" page of the AWS Lambda
 * Developer Guide (supported runtimes, deprecation date). From that day Lambda
 * no longer patches the runtime; it then blocks creating, and later updating,
 * functions on it. A runtime not listed has no announced date.
 */
export const NODE_RUNTIME_DEPRECATION: Readonly<Record<string, string>> = {
  'nodejs20.x': '2026-04-30',
  'nodejs22.x': '2027-04-30',
  'nodejs24.x': '2028-04-30',
};

/** The runtime of the library's functions in one stack, as the DeprecatedRuntime rule sees it. */
export interface RuntimeFacts {
  /** The stack's path, for the message. */
  readonly stackPath: string;
  /** The runtime's name, e.g. `nodejs20.x`. */
  readonly runtime: string;
  /** True if ByoipFunctions.configure() set it; false for the library's default. */
  readonly pinned: boolean;
  /** The names of the Node.js runtimes the installed aws-cdk-lib knows, to suggest one. */
  readonly known: readonly string[];
}

/**
 * The DeprecatedRuntime warning, if `facts.runtime` is past its deprecation
 * date on `today` (a UTC day), with the runtime to move to.
 */
export function checkRuntimeDeprecation(facts: RuntimeFacts, today: Date): Finding | undefined {
  const deprecatedOn = NODE_RUNTIME_DEPRECATION[facts.runtime];
  if (!isDeprecated(facts.runtime, today)) {
    return undefined;
  }
  const current = versionOf(facts.runtime);
  const candidates = [...new Set(facts.known)]
    .filter((name) => versionOf(name) > current && !isDeprecated(name, today))
    .sort((a, b) => versionOf(a) - versionOf(b));
  const allowed = candidates.length > 0
    ? candidates.map((name) => (NODE_RUNTIME_DEPRECATION[name] ? `${name} (until ${NODE_RUNTIME_DEPRECATION[name]})` : name)).join(', ')
    : 'none that this aws-cdk-lib knows';
  let fix: string;
  if (candidates.includes(DEFAULT_NODE_RUNTIME) && facts.pinned) {
    fix = `leave runtime out of ByoipFunctions.configure() for the library's default, ${DEFAULT_NODE_RUNTIME} (or pin lambda.Runtime.${constantOf(DEFAULT_NODE_RUNTIME)} or later).`;
  } else if (candidates.length > 0) {
    fix = `pin a newer runtime: ByoipFunctions.configure(stack, { runtime: lambda.Runtime.${constantOf(candidates[0])} }).`;
  } else {
    fix = 'upgrade aws-cdk-lib to a release that knows a newer Node.js runtime, and pin it with ByoipFunctions.configure().';
  }
  return {
    ruleId: ByoipRuleId.DEPRECATED_RUNTIME,
    severity: 'warning',
    problem: `the Lambda functions of this library in stack '${facts.stackPath}' run on ${facts.runtime}, ` +
      `${facts.pinned ? 'set with ByoipFunctions.configure()' : 'the library\'s default'}, which AWS Lambda deprecated on ${deprecatedOn}: ` +
      'it gets no more security patches, and Lambda then blocks creating and later updating functions on it, which would make deploys of this stack fail.',
    allowed: `a Node.js runtime that AWS Lambda has not deprecated: ${allowed}.`,
    fix: `${fix} Changing the runtime updates the functions in place and moves no address. ` +
      `To keep ${facts.runtime} for now, acknowledge this warning: Annotations.of(stack).acknowledgeWarning('${ByoipRuleId.DEPRECATED_RUNTIME}', reason).`,
  };
}

/** True if `runtime` has a deprecation date and `today` (a UTC day) is that day or later. */
function isDeprecated(runtime: string, today: Date): boolean {
  const deprecatedOn = NODE_RUNTIME_DEPRECATION[runtime];
  return deprecatedOn !== undefined && today.toISOString().slice(0, 10) >= deprecatedOn;
}

/** The major version of a `nodejsNN.x` name; 0 for any other. */
function versionOf(runtime: string): number {
  return Number(/^nodejs(\d+)\.x$/.exec(runtime)?.[1] ?? 0);
}

/** The aws-cdk-lib constant of a `nodejsNN.x` runtime: NODEJS_NN_X. */
function constantOf(runtime: string): string {
  return `NODEJS_${versionOf(runtime)}_X`;
}
