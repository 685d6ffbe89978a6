/**
 * Suppressing cdk-nag findings that cannot be fixed, without depending on
 * cdk-nag, in the two forms it reads:
 *
 * - cdk-nag 2 (an Aspect) reads the `cdk_nag` metadata of each CloudFormation
 *   resource: `{ rules_to_suppress: [{ id, reason, applies_to }] }`;
 * - cdk-nag 3 (a validation plugin) reads the acknowledgements that
 *   `Validations.of(scope).acknowledge()` records in construct metadata, on
 *   the resource or a scope above it, one per finding
 *   (`AwsSolutions-IAM5[Resource::*]`). They are recorded here directly:
 *   aws-cdk-lib 2.257's acknowledge() refuses IDs with more than one "::",
 *   which findings on ARNs such as `arn:<AWS::Partition>:...` have.
 */
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** One cdk-nag rule to suppress on a resource, and why. */
export interface NagSuppression {
  /** The rule, e.g. AwsSolutions-IAM5. */
  readonly id: string;
  /** Why the finding cannot be fixed (cdk-nag wants at least 10 characters). */
  readonly reason: string;
  /**
   * The findings of the rule that are suppressed, as cdk-nag names them
   * (e.g. `Resource::*`); every finding of the rule if absent.
   */
  readonly appliesTo?: readonly string[];
}

/**
 * Suppresses `suppressions` on every CloudFormation resource at or below
 * `scope` (for cdk-nag 2) and on `scope` itself (for cdk-nag 3).
 */
export function suppressNagFindings(scope: IConstruct, suppressions: readonly NagSuppression[]): void {
  for (const construct of scope.node.findAll()) {
    if (CfnResource.isCfnResource(construct)) {
      const existing = (construct.getMetadata('cdk_nag')?.rules_to_suppress ?? []) as unknown[];
      construct.addMetadata('cdk_nag', {
        rules_to_suppress: [
          ...existing,
          ...suppressions.map(({ id, reason, appliesTo }) => (appliesTo ? { id, reason, applies_to: appliesTo } : { id, reason })),
        ],
      });
    }
  }
  const acknowledged: Record<string, string> = {};
  for (const { id, reason, appliesTo } of suppressions) {
    for (const finding of appliesTo ?? [undefined]) {
      const key = finding === undefined ? id : `${id}[${finding}]`;
      // One finding may stand for two grants (the same resource ARN): keep both reasons.
      acknowledged[key] = acknowledged[key] ? `${acknowledged[key]} ${reason}` : reason;
    }
  }
  scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, acknowledged);
}

/**
 * How cdk-nag names a finding on an IAM resource (`Resource::...`): the
 * resolved value, with intrinsics flattened as cdk-nag's own
 * flattenCfnReference does (`{ Ref: X }` as `<X>`, GetAtt as `<X.Attr>`), so
 * that it matches whatever the app's feature flags render (partition
 * literals or `<AWS::Partition>`).
 */
export function nagResource(scope: IConstruct, value: string): string {
  return `Resource::${flatten(Stack.of(scope).resolve(value))}`;
}

function flatten(node: unknown): string {
  if (node === undefined) {
    return '';
  }
  if (typeof node === 'string') {
    return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  }
  const object = node as Record<string, unknown>;
  if (Array.isArray(object['Fn::Join'])) {
    const [delimiter, items] = object['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if ('Fn::Sub' in object) {
    return flatten(object['Fn::Sub']);
  }
  if (Array.isArray(object['Fn::GetAtt'])) {
    const [resource, attribute] = object['Fn::GetAtt'] as unknown[];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if ('Fn::ImportValue' in object) {
    return flatten(object['Fn::ImportValue']);
  }
  if ('Ref' in object) {
    return `<${flatten(object.Ref)}>`;
  }
  return JSON.stringify(node);
}
