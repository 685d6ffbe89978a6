/**
 * The two ways to acknowledge a warning, made to agree for this library's
 * own warnings on every aws-cdk-lib it supports.
 *
 * The library adds its warnings with `Annotations.addWarningV2(id)`, which
 * `Annotations.of(x).acknowledgeWarning(id)` silences. Newer CDK CLIs print
 * a hint for the other form, `Validations.of(x).acknowledge({ id })`, with a
 * prefixed ID such as `Annotation::SesByoip-DocumentationRange`. Before
 * aws-cdk-lib 2.270.0 that form does not silence an addWarningV2 warning
 * (aws/aws-cdk#37764): it acknowledges `annotation::<id>` only. It does
 * record what it acknowledged, in construct metadata, so the library reads
 * that and acknowledges its own warning in the form that works.
 */
import { Annotations, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** The prefixes CDK versions put before an annotation's ID in Validations. */
const ANNOTATION_PREFIXES = ['annotation', 'construct-annotations'];

/**
 * If `Validations.of(scope).acknowledge()` acknowledged the warning `id` on
 * `construct` or a scope above it (bare or with an annotation prefix, in
 * any case), acknowledges it with Annotations too, with the same reason.
 */
export function honourValidationsAcknowledgement(construct: IConstruct, id: string): void {
  for (const scope of construct.node.scopes) {
    for (const entry of scope.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || typeof entry.data !== 'object' || entry.data === null) {
        continue;
      }
      for (const [acknowledged, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        if (unprefixed(acknowledged) === id) {
          Annotations.of(construct).acknowledgeWarning(id, typeof reason === 'string' ? reason : undefined);
          return;
        }
      }
    }
  }
}

/** `Annotation::X` and `annotation::X` as X; other IDs as they are. */
function unprefixed(id: string): string {
  const separator = id.indexOf('::');
  if (separator > 0 && ANNOTATION_PREFIXES.includes(id.slice(0, separator).toLowerCase())) {
    return id.slice(separator + 2);
  }
  return id;
}
