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
 * warning is added is lost too: aws-cdk-lib (2.257 to 2.278 at least) looks
 * for earlier acknowledgements on the scopes between the App and the
 * construct, never on the App itself. The library looks there as well.
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
 * object on the App under this symbol, whose `acks` is a Map from construct
 * path ('' for the App) to what was acknowledged there. Internal to
 * aws-cdk-lib, and its shape has changed:
 * - 2.257: a Set of IDs;
 * - 2.278 (warnings with a context, aws/aws-cdk#38836): a Map from ID to
 *   records `{ where? }`; a record with a non-empty `where` acknowledges only
 *   warnings whose context matches it, and this library's warnings have none.
 * Read defensively: an unknown shape acknowledges nothing, and
 * test/private/acknowledgements.test.ts, run against the lowest and the
 * newest aws-cdk-lib (.ci/newest-cdk), fails on it.
 */
const CDK_ACKNOWLEDGEMENTS = Symbol.for('@aws-cdk/core.Acknowledgements');

/**
 * If `Annotations.of(app).acknowledgeWarning(id)` was called on the App of
 * `construct`, acknowledges the warning `id` on `construct` (which also
 * works when that call came before the warning was added).
 */
export function honourAppAcknowledgement(construct: IConstruct, id: string): void {
  if (idsAcknowledgedOnApp(construct.node.root)?.has(id)) {
    Annotations.of(construct).acknowledgeWarning(id);
  }
}

/**
 * Like honourAppAcknowledgement, and also for `acknowledgeWarning(id)` called
 * on `construct` itself before the warning was added, which aws-cdk-lib 2.257
 * does not look at either (2.271 and later do: aws/aws-cdk#38820).
 */
export function honourEarlierAcknowledgement(construct: IConstruct, id: string): void {
  const root = construct.node.root;
  if (idsAcknowledgedOnApp(root)?.has(id) || idsAcknowledgedAt(root, construct.node.path)?.has(id)) {
    Annotations.of(construct).acknowledgeWarning(id);
  }
}

/**
 * The IDs acknowledged on the App `root` itself, for every warning (not
 * narrowed by a `where` filter); empty if nothing was acknowledged there;
 * undefined if aws-cdk-lib keeps them in a shape this function does not know.
 */
export function idsAcknowledgedOnApp(root: IConstruct): ReadonlySet<string> | undefined {
  return idsAcknowledgedAt(root, '');
}

/** As idsAcknowledgedOnApp, for the construct at `path` ('' for the App). */
function idsAcknowledgedAt(root: IConstruct, path: string): ReadonlySet<string> | undefined {
  const store = (root as unknown as Record<symbol, unknown>)[CDK_ACKNOWLEDGEMENTS] as { acks?: unknown } | undefined;
  if (store === undefined) {
    return new Set();
  }
  if (!(store.acks instanceof Map)) {
    return undefined;
  }
  const atPath: unknown = store.acks.get(path);
  if (atPath === undefined) {
    return new Set();
  }
  if (atPath instanceof Set) {
    return new Set([...atPath].filter((id): id is string => typeof id === 'string'));
  }
  if (!(atPath instanceof Map)) {
    return undefined;
  }
  const ids = new Set<string>();
  for (const [id, records] of atPath) {
    if (!Array.isArray(records)) {
      return undefined;
    }
    if (typeof id === 'string' && records.some(isUnfiltered)) {
      ids.add(id);
    }
  }
  return ids;
}

/** An acknowledgement record of every warning of its ID: no `where`, or an empty one. */
function isUnfiltered(record: unknown): boolean {
  const where = typeof record === 'object' && record !== null ? (record as { where?: unknown }).where : undefined;
  return where === undefined || where === null || (typeof where === 'object' && Object.keys(where).length === 0);
}

/** `Annotation::X` and `annotation::X` as X; other IDs as they are. */
function unprefixed(id: string): string {
  const separator = id.indexOf('::');
  if (separator > 0 && ANNOTATION_PREFIXES.includes(id.slice(0, separator).toLowerCase())) {
    return id.slice(separator + 2);
  }
  return id;
}
