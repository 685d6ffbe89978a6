/**
 * CloudFormation's side of a deploy of one stack, for tests: turns a
 * template change into the requests CloudFormation sends to the pool custom
 * resources (`requestSequence`), and plays them through the real handlers
 * against a LocalSesEndpoint (`SimulatedStack.deploy`), then records the
 * stack as deployed in the endpoint (DescribeStacks, ListStackResources,
 * GetTemplate), as `ses-byoip plan` reads it.
 *
 * Written from CloudFormation's documented behaviour, independently of
 * src/cli/plan.ts, so that a test comparing the two checks one model against
 * the other (and the handlers):
 * - the custom resources are created or updated in DependsOn order (each
 *   pool's waits for the one registered before it); one whose resolved
 *   properties did not change gets no request;
 * - a new pool (AWS::SES::DedicatedIpPool) exists before the custom
 *   resources that refer to it; a pool whose PoolName changed is replaced
 *   by a new one; a pool without PoolName gets a generated name;
 * - an Update that returns a new physical ID, and a custom resource removed
 *   from the template, get a DELETE in the cleanup, once every create and
 *   update succeeded, in the reverse of the deployed template's order.
 */
import { request, run, STACK_ID } from './deploy-harness';
import { LocalSesEndpoint } from './local-ses-endpoint';
import { ResourceEvent } from '../../src/handler/lifecycle';

type Json = Record<string, unknown>;
/** A CloudFormation template, as JSON. */
export type TemplateJson = Readonly<Json>;

const POOL_TYPE = 'AWS::SES::DedicatedIpPool';
const ADDRESSES_TYPE = 'Custom::SesByoipPoolAddresses';

/** A stack as deployed: its template, the names of its pools and the physical IDs and properties of its custom resources. */
export interface Deployment {
  readonly template: TemplateJson;
  /** Pool logical ID -> pool name. */
  readonly poolNames: ReadonlyMap<string, string>;
  /** Custom resource logical ID -> its physical ID. */
  readonly physicalIds: ReadonlyMap<string, string>;
  /** Custom resource logical ID -> its properties, resolved (as CloudFormation sends them). */
  readonly properties: ReadonlyMap<string, Json>;
}

/** One request to a pool custom resource. */
export interface CloudFormationRequest {
  readonly type: ResourceEvent['RequestType'];
  readonly logicalId: string;
  /** ResourceProperties: the new properties (a Delete: the deployed ones). */
  readonly properties: Json;
  /** An Update's OldResourceProperties. */
  readonly oldProperties?: Json;
  /** The physical ID CloudFormation names (an Update, a Delete). */
  readonly physicalId?: string;
}

/** The requests of a deploy, and the pool names once deployed. */
export interface RequestSequence {
  /** The creates and updates, in order. */
  readonly requests: readonly CloudFormationRequest[];
  /** The pools that the deploy creates (logical ID -> name), before the requests. */
  readonly newPools: ReadonlyMap<string, string>;
  /** Every pool's name after the deploy. */
  readonly poolNames: ReadonlyMap<string, string>;
  /** The resolved properties of every custom resource after the deploy. */
  readonly properties: ReadonlyMap<string, Json>;
}

/**
 * The creates and updates that take a stack from `before` (undefined: not
 * deployed) to `template` (the cleanup DELETEs depend on the physical IDs
 * the updates return: see SimulatedStack.deploy).
 *
 * @param generatedName the name CloudFormation gives a new pool without PoolName
 */
export function requestSequence(
  before: Deployment | undefined,
  template: TemplateJson,
  generatedName: (poolLogicalId: string) => string,
): RequestSequence {
  const resources = resourcesOf(template);
  const oldResources = before ? resourcesOf(before.template) : {};
  const poolNames = new Map<string, string>();
  const newPools = new Map<string, string>();
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== POOL_TYPE) continue;
    const name = (resource.Properties as Json | undefined)?.PoolName;
    const old = oldResources[id];
    const kept = old?.Type === POOL_TYPE && JSON.stringify((old.Properties as Json | undefined)?.PoolName) === JSON.stringify(name);
    const poolName = kept ? before!.poolNames.get(id)! : typeof name === 'string' ? name : generatedName(id);
    poolNames.set(id, poolName);
    if (!kept) newPools.set(id, poolName);
  }
  const properties = new Map<string, Json>();
  const requests: CloudFormationRequest[] = [];
  for (const id of dependsOnOrder(template)) {
    const resolved = resolve(resources[id].Properties, poolNames) as Json;
    properties.set(id, resolved);
    const old = before?.properties.get(id);
    if (old === undefined) {
      requests.push({ type: 'Create', logicalId: id, properties: resolved });
    } else if (JSON.stringify(sorted(old)) !== JSON.stringify(sorted(resolved))) {
      requests.push({ type: 'Update', logicalId: id, properties: resolved, oldProperties: old, physicalId: before!.physicalIds.get(id) });
    }
  }
  return { requests, newPools, poolNames, properties };
}

/** A stack (STACK_ID of deploy-harness.ts) that the tests deploy, one template after another, through the real handlers. */
export class SimulatedStack {
  /** What is deployed now; undefined before the first deploy. */
  public deployed: Deployment | undefined;
  private generated = 0;

  constructor(private readonly ep: LocalSesEndpoint) {}

  /**
   * Deploys `template` as CloudFormation would: creates the new pools in the
   * endpoint, sends the creates and updates in order to the real handlers,
   * then the cleanup DELETEs, and records the stack as deployed. Returns
   * every request sent, in order.
   */
  public async deploy(template: TemplateJson): Promise<CloudFormationRequest[]> {
    const before = this.deployed;
    const sequence = requestSequence(before, template, (id) => `${id.toLowerCase().slice(0, 48)}-gen${++this.generated}`);
    sequence.newPools.forEach((name) => this.ep.createPool(name));
    this.ep.setStackStatus(STACK_ID, before ? 'UPDATE_IN_PROGRESS' : 'CREATE_IN_PROGRESS');
    const sent: CloudFormationRequest[] = [];
    const physicalIds = new Map<string, string>(before?.physicalIds ?? []);
    const cleanups = new Map<string, CloudFormationRequest>();
    for (const req of sequence.requests) {
      const { physicalId } = await run(request(req.type, req.properties, {
        LogicalResourceId: req.logicalId,
        ...(req.physicalId !== undefined ? { PhysicalResourceId: req.physicalId } : {}),
        ...(req.oldProperties !== undefined ? { OldResourceProperties: req.oldProperties } : {}),
      }));
      sent.push(req);
      physicalIds.set(req.logicalId, physicalId);
      if (req.type === 'Update' && physicalId !== req.physicalId) {
        cleanups.set(req.logicalId, { type: 'Delete', logicalId: req.logicalId, properties: req.oldProperties!, physicalId: req.physicalId });
      }
    }
    const removed = before ? [...before.physicalIds.keys()].filter((id) => !sequence.properties.has(id)) : [];
    for (const id of removed) {
      cleanups.set(id, { type: 'Delete', logicalId: id, properties: before!.properties.get(id)!, physicalId: before!.physicalIds.get(id) });
      physicalIds.delete(id);
    }
    if (cleanups.size > 0) {
      this.ep.setStackStatus(STACK_ID, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
      // Dependents first: the reverse of the deployed template's order.
      for (const id of dependsOnOrder(before!.template).reverse().filter((i) => cleanups.has(i))) {
        const req = cleanups.get(id)!;
        await run(request('Delete', req.properties, { LogicalResourceId: id, PhysicalResourceId: req.physicalId }));
        sent.push(req);
      }
    }
    this.deployed = { template, poolNames: sequence.poolNames, physicalIds, properties: sequence.properties };
    this.record(before ? 'UPDATE_COMPLETE' : 'CREATE_COMPLETE');
    return sent;
  }

  /** Records the deployed stack in the endpoint, in `status`. */
  public record(status: string): void {
    const deployed = this.deployed!;
    this.ep.setStack(STACK_ID, {
      status,
      template: deployed.template,
      resources: [
        ...[...deployed.poolNames].map(([logicalId, physicalId]) => ({ logicalId, physicalId, type: POOL_TYPE })),
        ...[...deployed.physicalIds].map(([logicalId, physicalId]) => ({ logicalId, physicalId, type: ADDRESSES_TYPE })),
      ],
    });
  }
}

function resourcesOf(template: TemplateJson): Record<string, Json> {
  return (template.Resources ?? {}) as Record<string, Json>;
}

/** The custom resources of `template` in DependsOn order (else the template's). */
function dependsOnOrder(template: TemplateJson): string[] {
  const resources = resourcesOf(template);
  const ids = Object.keys(resources).filter((id) => resources[id].Type === ADDRESSES_TYPE);
  const deps = (id: string): string[] => [resources[id]?.DependsOn ?? []].flat() as string[];
  const order: string[] = [];
  const visit = (id: string) => {
    if (order.includes(id)) return;
    deps(id).filter((d) => ids.includes(d)).forEach(visit);
    order.push(id);
  };
  ids.forEach(visit);
  return order;
}

/** A template value as CloudFormation resolves it: a Ref to a pool is its name, Fn::Join joins, strings stay. */
function resolve(value: unknown, poolNames: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, poolNames));
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Json;
  if ('Ref' in object) {
    const name = poolNames.get(object.Ref as string);
    if (name === undefined) throw new Error(`the test model resolves Refs to pools only, not ${JSON.stringify(object)}`);
    return name;
  }
  if ('Fn::Join' in object) {
    const [delimiter, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => resolve(p, poolNames)).join(delimiter);
  }
  if ('Fn::GetAtt' in object) return `arn:aws:lambda:us-east-1:111122223333:function:${(object['Fn::GetAtt'] as string[])[0]}`;
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolve(v, poolNames)]));
}

function sorted(value: Json): Json {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
}
