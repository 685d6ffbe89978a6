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
 *
 * `Annotations.of(app).acknowledgeWarning(id)` called on the App before the
 * warning is added is lost too: aws-cdk-lib (2.257 at least) looks for
 * earlier acknowledgements on the scopes between the App and the construct,
 * never on the App itself. The library looks there as well.
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

/**
 * Where aws-cdk-lib keeps the acknowledgeWarning() calls of an App: an
 * object on the App under this symbol, with `acks`, a Map from construct
 * path ('' for the App) to a Set of IDs. Internal to aws-cdk-lib; read
 * defensively (nothing happens if its shape changes), and pinned by a test.
 */
const CDK_ACKNOWLEDGEMENTS = Symbol.for('@aws-cdk/core.Acknowledgements');

/**
 * If `Annotations.of(app).acknowledgeWarning(id)` was called on the App of
 * `construct`, acknowledges the warning `id` on `construct` (which also
 * works when that call came before the warning was added).
 */
export function honourAppAcknowledgement(construct: IConstruct, id: string): void {
  const store = (construct.node.root as unknown as Record<symbol, unknown>)[CDK_ACKNOWLEDGEMENTS] as { acks?: unknown } | undefined;
  const atApp = store?.acks instanceof Map ? store.acks.get('') : undefined;
  if (atApp instanceof Set && atApp.has(id)) {
    Annotations.of(construct).acknowledgeWarning(id);
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
