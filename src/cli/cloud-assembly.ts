/**
 * What `ses-byoip plan` reads from the synthesized app, without AWS: the
 * stacks of a cloud assembly as `cdk synth` writes it (nested assemblies of
 * Stages included), and in a template, the custom resources that fill BYOIP
 * pools, with their properties resolved to the strings the handler would
 * receive.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidInput } from './errors';
import { parseProperties, POOL_ADDRESSES_RESOURCE_TYPE, PoolAddressesProperties, PoolAddressesSettings } from '../handler/resource-properties';
import { quote } from '../private/display';

/** A CloudFormation template, as JSON. */
export type Template = Readonly<Record<string, unknown>>;

/** One CloudFormation stack of a cloud assembly. */
export interface AssemblyStack {
  /** The CloudFormation stack name: `properties.stackName` of the artifact, else its artifact ID. */
  readonly stackName: string;
  /** How the CDK CLI names the stack: its construct path, e.g. "Prod/Mail" for a stack of Stage Prod. */
  readonly displayName: string;
  /** The artifact ID in its manifest (for a stack of a Stage, e.g. "ProdMailE7D03175"). */
  readonly artifactId: string;
  /** The account of the stack's environment; undefined for an environment-agnostic stack. */
  readonly account?: string;
  /** The Region of the stack's environment; undefined for an environment-agnostic stack. */
  readonly region?: string;
  /** The path of the template file. */
  readonly templateFile: string;
  /** The template. */
  readonly template: Template;
}

/** The artifact type of a CloudFormation stack in a cloud assembly manifest. */
const STACK_ARTIFACT = 'aws:cloudformation:stack';
/** The artifact type of a nested cloud assembly (one per Stage). */
const NESTED_ASSEMBLY_ARTIFACT = 'cdk:cloud-assembly';
/** How `cdk synth` writes the environment of a stack; "unknown-account" and "unknown-region" stand for none. */
const ENVIRONMENT = /^aws:\/\/([^/]+)\/([^/]+)$/;

/** The advice for a directory that holds no cloud assembly. */
const SYNTH_FIRST = 'run cdk synth first, or pass --app <dir> with the directory that cdk synth writes (cdk.out unless its --output says otherwise)';

/**
 * Reads the stacks of the cloud assembly in `dir` (the directory that
 * `cdk synth` writes, `cdk.out` by default), following the nested
 * assemblies that Stages write, in the order of the manifests.
 *
 * @returns every stack, with its template read
 * @throws InvalidInput if `dir` is not a directory with a manifest.json,
 *   if a manifest is not a cloud assembly manifest, or if a template file
 *   or nested assembly it names is missing or not JSON
 */
export function readCloudAssembly(dir: string): AssemblyStack[] {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new InvalidInput([`The directory ${quotePath(dir)} does not exist: ${SYNTH_FIRST}.`]);
  }
  if (!stat.isDirectory()) {
    throw new InvalidInput([`${quotePath(dir)} is a file, not the directory of a cloud assembly: ${SYNTH_FIRST}.`]);
  }
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) {
    throw new InvalidInput([`The directory ${quotePath(dir)} holds no manifest.json, so it is not a cloud assembly: ${SYNTH_FIRST}.`]);
  }
  const stacks: AssemblyStack[] = [];
  readAssembly(dir, stacks, new Set());
  return stacks;
}

/** Adds the stacks of the assembly in `dir`, and of its nested assemblies, to `stacks`. */
function readAssembly(dir: string, stacks: AssemblyStack[], seen: Set<string>): void {
  const manifestFile = path.join(dir, 'manifest.json');
  // A nested assembly that names its parent (only a hand-made manifest can) is read once.
  const real = fs.realpathSync(dir);
  if (seen.has(real)) {
    return;
  }
  seen.add(real);
  const notAssembly = (why: string) => new InvalidInput([
    `The file ${quotePath(manifestFile)} is not a cloud assembly manifest (${why}): run cdk synth again to write it, or pass --app <dir> with the directory that cdk synth writes.`,
  ]);
  const manifest = readJson(manifestFile, (why) => notAssembly(why));
  if (!isObject(manifest) || typeof manifest.version !== 'string') {
    throw notAssembly('it has no "version"');
  }
  const artifacts = manifest.artifacts ?? {};
  if (!isObject(artifacts)) {
    throw notAssembly('its "artifacts" is not an object');
  }
  for (const [artifactId, artifact] of Object.entries(artifacts)) {
    if (!isObject(artifact)) {
      throw notAssembly(`the artifact ${quote(artifactId)} is not an object`);
    }
    const properties = isObject(artifact.properties) ? artifact.properties : {};
    if (artifact.type === NESTED_ASSEMBLY_ARTIFACT) {
      const directoryName = properties.directoryName;
      if (typeof directoryName !== 'string' || directoryName.length === 0) {
        throw notAssembly(`the nested assembly ${quote(artifactId)} has no "directoryName"`);
      }
      const nested = path.join(dir, directoryName);
      if (!fs.existsSync(path.join(nested, 'manifest.json'))) {
        throw new InvalidInput([
          `The nested cloud assembly ${quote(artifactId)} that ${quotePath(manifestFile)} names has no manifest.json in ${quotePath(nested)}: run cdk synth again to write the whole assembly.`,
        ]);
      }
      readAssembly(nested, stacks, seen);
    } else if (artifact.type === STACK_ARTIFACT) {
      stacks.push(readStack(dir, artifactId, artifact, properties, notAssembly));
    }
  }
}

/** One stack artifact of the manifest in `dir`, with its template. */
function readStack(
  dir: string,
  artifactId: string,
  artifact: Record<string, unknown>,
  properties: Record<string, unknown>,
  notAssembly: (why: string) => InvalidInput,
): AssemblyStack {
  const environment = typeof artifact.environment === 'string' ? ENVIRONMENT.exec(artifact.environment) : null;
  if (!environment) {
    throw notAssembly(`the stack ${quote(artifactId)} has no environment of the form aws://<account>/<region>`);
  }
  if (typeof properties.templateFile !== 'string' || properties.templateFile.length === 0) {
    throw notAssembly(`the stack ${quote(artifactId)} has no "templateFile"`);
  }
  const stackName = typeof properties.stackName === 'string' && properties.stackName.length > 0 ? properties.stackName : artifactId;
  const templateFile = path.join(dir, properties.templateFile);
  if (!fs.existsSync(templateFile)) {
    throw new InvalidInput([
      `The template file ${quotePath(templateFile)} of stack ${quote(stackName)} does not exist: run cdk synth again to write the whole assembly.`,
    ]);
  }
  const template = readJson(templateFile, (why) => new InvalidInput([
    `The template file ${quotePath(templateFile)} of stack ${quote(stackName)} is not a CloudFormation template (${why}): run cdk synth again to write it.`,
  ]));
  if (!isObject(template)) {
    throw new InvalidInput([
      `The template file ${quotePath(templateFile)} of stack ${quote(stackName)} is not a CloudFormation template (not a JSON object): run cdk synth again to write it.`,
    ]);
  }
  const [, account, region] = environment;
  return {
    stackName,
    displayName: typeof artifact.displayName === 'string' && artifact.displayName.length > 0 ? artifact.displayName : artifactId,
    artifactId,
    ...(account !== 'unknown-account' ? { account } : {}),
    ...(region !== 'unknown-region' ? { region } : {}),
    templateFile,
    template,
  };
}

/** The JSON in `file`; `failure` says why it is not JSON. */
function readJson(file: string, failure: (why: string) => Error): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw failure(`it cannot be read: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw failure(`it is not JSON: ${(error as Error).message}`);
  }
}

/** A path in a message: quoted like any value, but never cut short. */
function quotePath(file: string): string {
  return quote(file, Number.MAX_SAFE_INTEGER);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * How the placeholder name of a pool whose name is not known yet starts:
 * a pool without a literal PoolName that is not deployed yet (CloudFormation
 * will generate its name). The rest is the pool's logical ID, lowercased
 * (and shortened with a hash if it is too long), so that the placeholder is
 * a valid pool name: `parseProperties` checks the names in SiblingClaims.
 * No real name is expected to start with it (a double hyphen).
 */
export const NEW_POOL_PLACEHOLDER_PREFIX = 'new-pool--';

/** A pool name's longest length (POOL_NAME). */
const MAX_POOL_NAME_LENGTH = 64;

/** The CloudFormation type of a dedicated IP pool. */
const DEDICATED_IP_POOL_TYPE = 'AWS::SES::DedicatedIpPool';

/** One `Custom::SesByoipPoolAddresses` resource of a template, resolved. */
export interface PoolResource {
  /** The logical ID of the custom resource. */
  readonly logicalId: string;
  /** The logical ID of the AWS::SES::DedicatedIpPool of the template that its PoolName refers to (a Ref), if it does. */
  readonly poolLogicalId?: string;
  /** The properties, resolved and parsed; undefined when `unresolved` says why not. */
  readonly properties?: PoolAddressesSettings;
  /**
   * Why the properties could not be resolved (a value that the template
   * alone does not give: an import, a Fn::GetAtt, a parameter...) or do not
   * parse: one sentence that names the resource and the property.
   */
  readonly unresolved?: string;
}

/** The BYOIP pools of one template. */
export interface PoolResources {
  /** Every `Custom::SesByoipPoolAddresses` resource, in the order of the template. */
  readonly resources: readonly PoolResource[];
  /**
   * The placeholder names used for pools whose name is not known yet (see
   * NEW_POOL_PLACEHOLDER_PREFIX), each with the logical ID of its
   * AWS::SES::DedicatedIpPool: to print "(new pool <logical ID>)" instead.
   */
  readonly newPools: ReadonlyMap<string, string>;
}

/** The properties of the custom resource that the handler reads (not ServiceToken nor ServiceTimeout). */
const PROPERTY_NAMES: ReadonlyArray<keyof PoolAddressesProperties> = [
  'Cidr', 'PoolName', 'Warmup', 'AdoptAddressesFromOtherPools', 'Addresses', 'SiblingClaims',
];
/** The properties that hold lists of strings. */
const LIST_PROPERTIES: ReadonlyArray<keyof PoolAddressesProperties> = ['Addresses', 'SiblingClaims'];

/**
 * Every `Custom::SesByoipPoolAddresses` resource of `template`, with its
 * properties resolved and parsed (with `parseProperties`, as the handler
 * parses them). A `Ref` to an AWS::SES::DedicatedIpPool of the template is
 * the pool's literal PoolName if it has one, else `resolve(logicalId)` (the
 * pool's deployed name, supplied by the caller), else a placeholder (see
 * NEW_POOL_PLACEHOLDER_PREFIX, listed in `newPools`); `Fn::Join` of strings
 * and such Refs is joined. Any other value (an import, a Fn::GetAtt, a
 * parameter, a Ref to something else) leaves the resource `unresolved`.
 *
 * @param template a CloudFormation template (synthesized, or as deployed)
 * @param resolve the deployed name of the pool with this logical ID, or
 *   undefined if it is not deployed
 */
export function poolResourcesOf(template: Template, resolve: (logicalId: string) => string | undefined): PoolResources {
  const resources = isObject(template.Resources) ? template.Resources : {};
  const newPools = new Map<string, string>();
  const placeholders = new Map<string, string>();
  const parameters = isObject(template.Parameters) ? template.Parameters : {};
  const resolver = new TemplateResolver(resources, parameters, (poolLogicalId) => {
    const deployed = resolve(poolLogicalId);
    if (deployed !== undefined) {
      return deployed;
    }
    let placeholder = placeholders.get(poolLogicalId);
    if (placeholder === undefined) {
      placeholder = placeholderOf(poolLogicalId, new Set(newPools.keys()));
      placeholders.set(poolLogicalId, placeholder);
      newPools.set(placeholder, poolLogicalId);
    }
    return placeholder;
  });
  const found: PoolResource[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!isObject(resource) || resource.Type !== POOL_ADDRESSES_RESOURCE_TYPE) {
      continue;
    }
    const properties = isObject(resource.Properties) ? resource.Properties : {};
    const poolRef = isObject(properties.PoolName) ? properties.PoolName.Ref : undefined;
    const poolLogicalId = typeof poolRef === 'string' && resolver.isPool(poolRef) ? poolRef : undefined;
    const base = { logicalId, ...(poolLogicalId !== undefined ? { poolLogicalId } : {}) };
    try {
      if (resource.Condition !== undefined) {
        throw new Unresolvable(`The resource ${logicalId} (${POOL_ADDRESSES_RESOURCE_TYPE}) exists only under the condition ${quote(resource.Condition)}, which the template alone does not decide.`);
      }
      const raw: Record<string, unknown> = {};
      for (const name of PROPERTY_NAMES) {
        const value = properties[name];
        if (value !== undefined) {
          raw[name] = LIST_PROPERTIES.includes(name) && Array.isArray(value)
            ? value.map((item) => resolver.resolve(item, logicalId, name))
            : resolver.resolve(value, logicalId, name);
        }
      }
      found.push({ ...base, properties: parseProperties(raw) });
    } catch (error) {
      const why = error instanceof Unresolvable ? error.message : `The resource ${logicalId} (${POOL_ADDRESSES_RESOURCE_TYPE}) has invalid properties: ${(error as Error).message}`;
      found.push({ ...base, unresolved: why });
    }
  }
  return { resources: found, newPools };
}

/** A value that the template alone does not give. */
class Unresolvable extends Error {}

/** Resolves the values of one template's properties to strings. */
class TemplateResolver {
  constructor(
    private readonly resources: Record<string, unknown>,
    private readonly parameters: Record<string, unknown>,
    private readonly nameOf: (poolLogicalId: string) => string,
  ) {}

  /** Whether `logicalId` is an AWS::SES::DedicatedIpPool of the template. */
  public isPool(logicalId: string): boolean {
    const resource = this.resources[logicalId];
    return isObject(resource) && resource.Type === DEDICATED_IP_POOL_TYPE;
  }

  /**
   * `value` as a string: a string as it is, a Ref to a pool of the template,
   * Fn::Join of those; a list is left to parseProperties's checks.
   */
  public resolve(value: unknown, logicalId: string, property: string): unknown {
    if (!isObject(value)) {
      return value;
    }
    const keys = Object.keys(value);
    const fail = (why: string) => new Unresolvable(
      `The property ${property} of ${logicalId} (${POOL_ADDRESSES_RESOURCE_TYPE}) holds ${shown(value)}, ${why}: only strings, a Ref to an AWS::SES::DedicatedIpPool of the same stack, and Fn::Join of those can be read from the template.`,
    );
    if (keys.length === 1 && keys[0] === 'Ref') {
      const target = value.Ref;
      if (typeof target !== 'string') {
        throw fail('a Ref without a logical ID');
      }
      if (!this.isPool(target)) {
        const resource = this.resources[target];
        throw fail(isObject(resource) ? `a Ref to ${target}, which is a ${quote(resource.Type)}, not an AWS::SES::DedicatedIpPool`
          : target.startsWith('AWS::') ? `a Ref to the pseudo parameter ${target}`
            : this.parameters[target] !== undefined ? `a Ref to the parameter ${target}`
              : `a Ref to ${target}, which the template does not define`);
      }
      return this.poolName(target, fail);
    }
    if (keys.length === 1 && keys[0] === 'Fn::Join') {
      const args = value['Fn::Join'];
      if (!Array.isArray(args) || args.length !== 2 || typeof args[0] !== 'string' || !Array.isArray(args[1])) {
        throw fail('a malformed Fn::Join');
      }
      const [delimiter, parts] = args as [string, unknown[]];
      return parts.map((part) => {
        const resolved = this.resolve(part, logicalId, property);
        if (typeof resolved !== 'string') {
          throw fail('a Fn::Join of something other than strings');
        }
        return resolved;
      }).join(delimiter);
    }
    throw fail(keys.length === 1 ? `which uses ${keys[0]}` : 'an object that is neither a Ref nor a Fn::Join');
  }

  /** The name of the pool `poolLogicalId`: its literal PoolName, else its deployed name or a placeholder. */
  private poolName(poolLogicalId: string, fail: (why: string) => Unresolvable): string {
    const pool = this.resources[poolLogicalId] as Record<string, unknown>;
    const properties = isObject(pool.Properties) ? pool.Properties : {};
    const name = properties.PoolName;
    if (name === undefined) {
      return this.nameOf(poolLogicalId);
    }
    if (typeof name !== 'string') {
      throw fail(`a Ref to ${poolLogicalId}, whose PoolName is not a literal string`);
    }
    return name;
  }
}

/** A template value in a message: its JSON, cut short if long. */
function shown(value: unknown): string {
  const json = JSON.stringify(value);
  return json.length > 120 ? `${json.slice(0, 120)}...` : json;
}

/**
 * The placeholder name of the new pool `poolLogicalId`: the prefix and the
 * logical ID lowercased, shortened with a hash of the logical ID if it is
 * too long or if another logical ID (differing in case) gave the same name.
 */
function placeholderOf(poolLogicalId: string, taken: ReadonlySet<string>): string {
  const room = MAX_POOL_NAME_LENGTH - NEW_POOL_PLACEHOLDER_PREFIX.length;
  const lower = poolLogicalId.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
  const simple = NEW_POOL_PLACEHOLDER_PREFIX + lower;
  if (lower.length > 0 && lower.length <= room && !taken.has(simple)) {
    return simple;
  }
  const hash = createHash('sha256').update(poolLogicalId).digest('hex').slice(0, 8);
  return `${NEW_POOL_PLACEHOLDER_PREFIX}${lower.slice(0, room - hash.length - 1)}-${hash}`;
}
