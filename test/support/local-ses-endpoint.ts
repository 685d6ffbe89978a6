/**
 * A local, in-memory stand-in for the Amazon SES v2 dedicated-IP API, for tests
 * and benchmarks. It speaks the restJson1 protocol that the real AWS SDK v3
 * client (`@aws-sdk/client-sesv2`) uses, on 127.0.0.1, so code under test runs
 * unchanged with `endpoint: ep.url` or with the environment of `ep.clientEnv()`
 * (`AWS_ENDPOINT_URL_SESV2`, and the CloudFormation, STS and CloudWatch
 * ones for the services below). Signatures are not checked.
 *
 * Operations: GetDedicatedIps, GetDedicatedIp, PutDedicatedIpInPool,
 * PutDedicatedIpWarmupAttributes, ListDedicatedIpPools, GetDedicatedIpPool,
 * CreateDedicatedIpPool, DeleteDedicatedIpPool; the resource tags of the
 * dedicated IP pools, TagResource (`POST /v2/email/tags`, body
 * `{ResourceArn, Tags}`), UntagResource (`DELETE /v2/email/tags?ResourceArn=
 * &TagKeys=a&TagKeys=b`) and ListTagsForResource (`GET /v2/email/tags?
 * ResourceArn=`), for `arn:<partition>:ses:<region>:<account>:dedicated-ip-pool/<name>`
 * only (the account must be the caller's, see `setCallerAccount`; the Region
 * is not checked) and with SES's limits (key 1-128 characters, value 0-256,
 * the characters of SES's Tag reference, no `aws:` prefix, 50 tags per pool);
 * and, for the configuration sets' sending flag, GetConfigurationSet,
 * PutConfigurationSetSendingOptions and GetAccount (seed them with
 * `createConfigurationSet` and `setAccount`). All of them take tokens, and
 * meet faults, alike. Any other route answers 404 `UnknownOperationException`.
 *
 * It also answers, in the awsQuery protocol (`POST /` with a form body,
 * routed on its `Action`; XML answers `<ActionResponse><ActionResult>` and
 * `<ErrorResponse><Error><Code>`), CloudFormation's DescribeStacks (which the
 * handler calls to tell a rollback from a forward update), ListStackResources
 * (pages of 100, or `forcePageSize`) and GetTemplate (the template as JSON
 * text), for stacks seeded with `setStack` or `setStackStatus`, by stack ID
 * or name (an unknown stack is 400 ValidationError "Stack with id X does not
 * exist"); and STS's GetCallerIdentity (account `111122223333` unless
 * `setCallerAccount`).
 *
 * And CloudWatch's GetMetricData, in the JSON protocol the SDK's CloudWatch
 * client speaks (`POST /` with `X-Amz-Target:
 * GraniteServiceVersion20100801.GetMetricData`, a JSON body whose
 * StartTime and EndTime are epoch seconds, and `x-amzn-query-mode: true`;
 * errors name their shape in the body's `__type` and the query protocol's
 * code in `x-amzn-query-error: <Code>;Sender`, e.g. 400
 * InvalidParameterValue, which the SDK throws as its
 * InvalidParameterValueException), for data points seeded
 * with `putMetricData`: MetricStat queries only (an Expression is 400), a
 * metric matched by namespace, name and exactly its dimensions, each period
 * (a multiple of 60 s, counted from the epoch) with a data point giving one
 * value by the statistic (Average, Sum, Minimum, Maximum, SampleCount),
 * newest first unless `ScanBy` says TimestampAscending, all in one page.
 *
 * CloudFormation, STS and CloudWatch have their own throttles, so
 * these calls take no token from SES's bucket and meet no hold, storm,
 * random failure, reset or delay; `failWhen` and `denyFor` apply to them
 * (403 `AccessDenied`, their protocol's code), except that `denyFor` denies
 * GetCallerIdentity only when its `operations` name it: STS answers that call
 * whatever IAM says. SES errors are an HTTP status, the
 * `x-amzn-ErrorType` header and a `{"message": ...}` body, which the SDK turns
 * into its modelled exception classes (or `SESv2ServiceException` with that
 * `name` for unmodelled ones such as AccessDeniedException).
 *
 * Defaults: no throttling (`rate` Infinity; sequential SDK calls over loopback
 * arrive about 0.6 ms apart, so even a 1000/s bucket of burst 1 would throttle
 * some of them at random), pages of 100, no faults, seed 0. Pass `rate: 1` for
 * the real SES quota.
 *
 * ## The order in which a request is handled
 * 1. Routing. An unknown route answers 404 UnknownOperationException at once:
 *    no token, no fault, no state.
 * 2. Holds (`hold`): a matching call waits, unanswered, until the hold is
 *    released, then goes on from here as if it had just arrived. For tests
 *    that need two clients' calls in a set order.
 *    429 storms (`throttleNext`, `throttleFor`): 429 TooManyRequestsException,
 *    whatever the bucket holds; no token taken, no state touched.
 * 3. The token bucket, ONE for all operations (SES throttles every control-plane
 *    call per account and Region). Empty: 429 TooManyRequestsException
 *    "Too many requests.", no state touched; the call takes a token only with
 *    `throttledCallsConsumeTokens` (the bucket may then go into debt, down to
 *    `-burst`, so a client that retries faster than `rate` stays throttled).
 * 4. The call is now ADMITTED: it has taken a token, and it gets `n`, its
 *    1-based rank among the admitted calls of its operation. Random faults
 *    draw from a seeded hash of (seed, fault kind, rank among ALL admitted
 *    calls), so the same sequence of admitted calls meets the same faults
 *    whatever the wall clock did to throttling in between.
 * 5. `resetConnections`: the socket is destroyed without an answer. By default
 *    before the service acts (no state change); with `afterProcessing` after it
 *    (the change is made but the client never hears of it).
 * 6. `denyFor` (IAM that has not propagated yet: 403 AccessDeniedException),
 *    then `failWhen(predicate)` (called once per admitted call that was not
 *    reset in 5), then `failRandomly`: the injected error is answered
 *    and the state is NOT touched (the token stays taken: the service received
 *    the call, as a real 500 would).
 * 7. The service itself: input validation (400), lookups (404) and the change.
 *    A pool created with `visibleAfterMs` is not found (404) until then, as
 *    a pool created seconds ago may not be found yet (by PutDedicatedIpInPool,
 *    GetDedicatedIps and the tag operations).
 * 8. `delayResponses`: the answer (already decided, state already changed) is
 *    written after the delay. Throttled answers (2, 3) are never delayed.
 *
 * Outcomes in `calls` and `countCalls()`: `ok` (2xx), `throttled` (429 from the
 * bucket only: the client went faster than `rate`), `fault` (anything injected:
 * storms, failWhen, failRandomly, resets; see `fault`), `error` (the simulated
 * service refused the request on its merits, including unknown routes).
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseDottedDecimal, rangeOf } from '../../src/range/ipv4-cidr';

/** The pool of the dedicated IPs that are in no named pool. */
export const DEFAULT_POOL = 'ses-default-dedicated-pool';
/** The shared pool, which a BYOIP account cannot use. */
export const SHARED_POOL = 'ses-shared-pool';

export type SesOperation =
  | 'GetDedicatedIps' | 'GetDedicatedIp' | 'PutDedicatedIpInPool' | 'PutDedicatedIpWarmupAttributes'
  | 'ListDedicatedIpPools' | 'GetDedicatedIpPool' | 'CreateDedicatedIpPool' | 'DeleteDedicatedIpPool'
  | 'ListConfigurationSets' | 'GetConfigurationSet' | 'PutConfigurationSetSendingOptions' | 'GetAccount'
  | 'TagResource' | 'UntagResource' | 'ListTagsForResource'
  /** CloudFormation's, not SES's: see the file header. */
  | 'DescribeStacks' | 'ListStackResources' | 'GetTemplate'
  /** STS's, not SES's: see the file header. */
  | 'GetCallerIdentity'
  /** CloudWatch's, not SES's: see the file header. */
  | 'GetMetricData'
  | 'UnknownOperation';
export type ScalingMode = 'STANDARD' | 'MANAGED';
export type WarmupStatus = 'IN_PROGRESS' | 'DONE' | 'NOT_APPLICABLE';
export type CallOutcome = 'ok' | 'throttled' | 'fault' | 'error';
export type FaultKind = 'throttleNext' | 'throttleFor' | 'failRandomly' | 'failWhen' | 'resetConnections' | 'denyFor';

export interface LocalSesEndpointOptions {
  /** Tokens per second of the shared bucket. 1 is real SES. Default Infinity (never throttles). */
  readonly rate?: number;
  /** Capacity of the bucket, which starts full. Default 1. */
  readonly burst?: number;
  /** Whether a throttled call also takes a token (see the file header). Default false. */
  readonly throttledCallsConsumeTokens?: boolean;
  /** Largest accepted PageSize, and the page size when none is given. Default 100. */
  readonly maxPageSize?: number;
  /** How an address in no named pool reports its PoolName: left out (default) or `ses-default-dedicated-pool`. */
  readonly defaultPoolReporting?: 'absent' | 'named';
  /** Whether ListDedicatedIpPools also lists the reserved pool names. Default false. */
  readonly listReservedPools?: boolean;
  /** Named pools allowed (LimitExceededException beyond). Default 50, the SES quota. */
  readonly maxPools?: number;
  /** Seed of the random faults. Default 0. */
  readonly seed?: number | string;
  /** Region given by `clientEnv()`. Default us-east-1. */
  readonly region?: string;
}

/** What `failWhen` predicates see of a call. */
export interface CallInfo {
  readonly operation: SesOperation;
  readonly ip?: string;
  /** The pool named by the call: PoolName filter, DestinationPoolName, the pool acted on or the pool of a ResourceArn. */
  readonly pool?: string;
  /** The configuration set named by the call (GetConfigurationSet, PutConfigurationSetSendingOptions). */
  readonly configurationSet?: string;
  /** The StackName of a CloudFormation call, as sent (a stack ID or a name). */
  readonly stack?: string;
  /** 1-based rank of this call among the admitted calls of its operation. */
  readonly n: number;
}

/** An error to answer instead of serving the call. */
export interface InjectedError {
  readonly status: number;
  readonly errorType: string;
  readonly message?: string;
}

export interface RandomFailureOptions {
  /** Chance, 0 to 1, that an admitted call fails. */
  readonly probability: number;
  /** Default 500. */
  readonly status?: number;
  /** Default InternalFailure. */
  readonly errorType?: string;
  readonly message?: string;
  /** Only these operations (default all). */
  readonly operations?: readonly SesOperation[];
}

export type ResetOptions = ({ readonly probability: number } | { readonly next: number }) & {
  readonly operations?: readonly SesOperation[];
  /** Reset after the service has acted (state changed, answer lost). Default false. */
  readonly afterProcessing?: boolean;
};

export interface DenyOptions {
  /** Only these operations (default all). */
  readonly operations?: readonly SesOperation[];
}

export interface CreatePoolOptions {
  readonly scalingMode?: ScalingMode;
  /** The pool exists, but SES does not find it (404) for this long. Default 0. */
  readonly visibleAfterMs?: number;
  /** The pool's resource tags (checked as TagResource checks them). Default none. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** One resource of a stack, as ListStackResources reports it. */
export interface StackResourceSeed {
  /** The logical ID in the template. */
  readonly logicalId: string;
  /** The physical ID (a pool name, a function name...). */
  readonly physicalId: string;
  /** The CloudFormation type, e.g. `AWS::SES::DedicatedIpPool`. */
  readonly type: string;
  /** Default CREATE_COMPLETE. */
  readonly status?: string;
}

/** A stack, for `setStack`. */
export interface StackSeed {
  /** What DescribeStacks reports. Default CREATE_COMPLETE. */
  readonly status?: string;
  /** What GetTemplate answers, as JSON text. Default `{"Resources": {<logicalId>: {"Type": <type>}}}` from `resources`. */
  readonly template?: object;
  /** What ListStackResources lists, in this order. Default none. */
  readonly resources?: readonly StackResourceSeed[];
}

/** What `hold` predicates see of a call (before it is admitted, so without `n`). */
export type HeldCall = Omit<CallInfo, 'n'>;

/** A hold set with `hold`. */
export interface Hold {
  /** How many calls are waiting now. */
  readonly waiting: number;
  /** Lets the held calls (and later matching ones) go on. Idempotent. */
  release(): void;
}

export interface DelayOptions {
  /** Chance, 0 to 1, that an admitted call is delayed. Default 1. */
  readonly probability?: number;
  readonly operations?: readonly SesOperation[];
}

export interface ProvisionOptions {
  /** A named pool that exists, or `ses-default-dedicated-pool` (default). */
  readonly pool?: string;
  /** Default 100. */
  readonly warmupPercentage?: number;
  /** Default derived from the percentage: DONE at 100, IN_PROGRESS otherwise. */
  readonly warmupStatus?: WarmupStatus;
}

/** A CloudWatch metric, for `putMetricData`. */
export interface MetricSeed {
  /** Default AWS/SES. */
  readonly namespace?: string;
  /** e.g. Reputation.BounceRate. */
  readonly metricName: string;
  /** By name, e.g. `{ 'ses:configuration-set': 'tx' }`. Default none (an account-wide SES metric). */
  readonly dimensions?: Readonly<Record<string, string>>;
}

/** The account, as GetAccount reports it. */
export interface AccountSettings {
  /** HEALTHY (default), PROBATION or SHUTDOWN. */
  readonly enforcementStatus?: 'HEALTHY' | 'PROBATION' | 'SHUTDOWN';
  /** Whether the account may send in this Region. Default true. */
  readonly sendingEnabled?: boolean;
  /** Out of the sandbox. Default true. */
  readonly productionAccessEnabled?: boolean;
}

export interface AddressState {
  /** The named pool, or `ses-default-dedicated-pool`. */
  readonly pool: string;
  readonly warmupPercentage: number;
  readonly warmupStatus: WarmupStatus;
}

/** One request as the endpoint handled it. */
export interface SesCall {
  /** 1-based arrival order. */
  readonly seq: number;
  readonly operation: SesOperation;
  /** Rank among the admitted calls of the operation; absent if not admitted. */
  readonly n?: number;
  readonly method: string;
  /** Path and query as received. */
  readonly path: string;
  readonly ip?: string;
  readonly pool?: string;
  readonly configurationSet?: string;
  /** The StackName of a CloudFormation call, as sent. */
  readonly stack?: string;
  /** HTTP status answered; 0 when the connection was reset. */
  readonly status: number;
  readonly errorType?: string;
  readonly outcome: CallOutcome;
  readonly fault?: FaultKind;
  readonly delayedMs?: number;
  /** Milliseconds since the endpoint started (monotonic clock). */
  readonly startMs: number;
  readonly endMs: number;
}

export interface OutcomeCounts {
  total: number;
  ok: number;
  throttled: number;
  fault: number;
  error: number;
}

export interface CallCounts extends OutcomeCounts {
  readonly byOperation: Partial<Record<SesOperation, OutcomeCounts>>;
  /** Answers per error type (resets are not answers and are not counted here). */
  readonly byErrorType: Record<string, number>;
}

interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly errorType?: string;
  readonly message?: string;
}

interface Route {
  readonly operation: SesOperation;
  readonly ip?: string;
  readonly pool?: string;
  readonly configurationSet?: string;
  /** CloudFormation calls: the StackName asked for. */
  readonly stack?: string;
  /** Tag operations: the ResourceArn, as sent. */
  readonly resourceArn?: string;
  /** awsQuery calls (CloudFormation, STS): the form body. */
  readonly form?: URLSearchParams;
  /** CloudWatch's JSON calls: the body (undefined when it is not a JSON object). */
  readonly json?: { readonly body: Body | undefined };
}

interface Stack {
  status: string;
  /** The template, as JSON text. */
  readonly template: string;
  readonly resources: ReadonlyArray<Required<StackResourceSeed> & { readonly lastUpdated: string }>;
}

interface Address {
  readonly num: number;
  pool?: string;
  warmupPercentage: number;
  warmupStatus: WarmupStatus;
}

type Body = Record<string, unknown>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const POOL_NAME = /^[a-z0-9_-]{1,64}$/;
const CONFIGURATION_SET_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** The one resource type the tag operations serve; group 1 the account, group 2 the pool name. */
const POOL_ARN = /^arn:aws[a-z-]*:ses:[a-z0-9-]+:(\d{12}):dedicated-ip-pool\/(.+)$/;
/** A CloudFormation stack ID; group 1 the stack name. */
const STACK_ID = /^arn:aws[a-z-]*:cloudformation:[a-z0-9-]+:\d{12}:stack\/([A-Za-z][A-Za-z0-9-]{0,127})\/[A-Za-z0-9-]+$/;
/** The characters SES's Tag reference allows in keys and values. */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+-]*$/u;
/** Tags per resource (SES). */
const MAX_TAGS = 50;
/** CloudFormation's page of ListStackResources. */
const STACK_RESOURCES_PAGE = 100;
const CFN_NAMESPACE = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
const DEFAULT_CALLER_ACCOUNT = '111122223333';
const THROTTLED: Reply = { status: 429, errorType: 'TooManyRequestsException', message: 'Too many requests.' };

function fail(status: number, errorType: string, message: string): Reply {
  return { status, errorType, message };
}
const badRequest = (message: string): Reply => fail(400, 'BadRequestException', message);
const notFound = (message: string): Reply => fail(404, 'NotFoundException', message);
const ipNotFound = (ip: string): Reply => notFound(`Could not find dedicated IP ${ip} under this account.`);
const poolNotFound = (pool: string): Reply => notFound(`Pool ${pool} does not exist.`);
const configurationSetNotFound = (name: string): Reply => notFound(`Configuration set <${name}> does not exist.`);

function checkProbability(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`probability must be from 0 to 1, got ${p}`);
  return p;
}

/** A canonical dotted-decimal address as a number, or undefined. */
function ipNumber(ip: string): number | undefined {
  const parsed = parseDottedDecimal(ip);
  return parsed.ok ? parsed.value : undefined;
}

/** Every address of a block (at most a /16) given in CIDR notation, in order. */
function cidrAddresses(cidr: string): string[] {
  return rangeOf(cidr).addresses();
}

function encodeToken(cursor: object): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeToken(token: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? value as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/** Why a tag key (or, with `value`, a tag value) is not one SES accepts; undefined when it is. */
function tagTextError(text: unknown, what: 'key' | 'value'): string | undefined {
  const [min, max] = what === 'key' ? [1, 128] : [0, 256];
  if (typeof text !== 'string') return `Every tag needs a string ${what === 'key' ? 'Key' : 'Value'}.`;
  const length = [...text].length;
  if (length < min || length > max) return `Tag ${what} "${text}" must be ${min} to ${max} characters long.`;
  if (!TAG_TEXT.test(text)) return `Tag ${what} "${text}" may only contain letters, digits, white space and _ . : / = + -.`;
  if (text.toLowerCase().startsWith('aws:')) return `Tag ${what} "${text}" uses the prefix aws:, which is reserved for AWS.`;
  return undefined;
}

/** The tags of a request (a list of {Key, Value}) as pairs, or why SES refuses them. */
function checkTags(tags: unknown): Array<[string, string]> | string {
  if (!Array.isArray(tags)) return 'Tags must be a list of {Key, Value}.';
  const pairs: Array<[string, string]> = [];
  for (const tag of tags as unknown[]) {
    const { Key: key, Value: value } = (typeof tag === 'object' && tag !== null ? tag : {}) as Record<string, unknown>;
    const error = tagTextError(key, 'key') ?? tagTextError(value, 'value');
    if (error) return error;
    if (pairs.some(([k]) => k === key)) return `Tag key "${String(key)}" is given twice.`;
    pairs.push([key as string, value as string]);
  }
  return pairs.length > MAX_TAGS ? `A resource can have at most ${MAX_TAGS} tags; got ${pairs.length}.` : pairs;
}

/** The stack name in a stack ID, or undefined when it is not a stack ID. */
function stackNameOf(stackId: string): string | undefined {
  return STACK_ID.exec(stackId)?.[1];
}

/** CloudFormation's and STS's operations, which use the awsQuery protocol (see the file header). */
const QUERY_OPERATIONS: readonly SesOperation[] = ['DescribeStacks', 'ListStackResources', 'GetTemplate', 'GetCallerIdentity'];

/** CloudWatch's target prefix (its JSON protocol names the operation in X-Amz-Target). */
const CLOUDWATCH_TARGET = 'GraniteServiceVersion20100801.';

/**
 * Maps a method and URL (and, for the awsQuery POST / and TagResource, the
 * body; for CloudWatch's JSON POST /, its X-Amz-Target) to an operation and
 * its parameters.
 */
function routeOf(method: string, url: URL, text: string, target?: string): Route {
  const pathname = url.pathname;
  if (method === 'POST' && pathname === '/' && target !== undefined) {
    return target === `${CLOUDWATCH_TARGET}GetMetricData` ? { operation: 'GetMetricData', json: { body: parseBody(text) } } : { operation: 'UnknownOperation' };
  }
  if (method === 'POST' && pathname === '/') {
    // CloudFormation (Version=2010-05-15) and STS (Version=2011-06-15) both
    // POST a form to /; the Action tells them apart.
    const form = new URLSearchParams(text);
    const operation = QUERY_OPERATIONS.find((op) => op === form.get('Action'));
    if (!operation) return { operation: 'UnknownOperation' };
    return operation === 'GetCallerIdentity' ? { operation, form } : { operation, form, stack: form.get('StackName') ?? undefined };
  }
  let parts: string[];
  try {
    parts = pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return { operation: 'UnknownOperation' };
  }
  if (parts.length < 3 || parts.length > 5 || parts[0] !== 'v2' || parts[1] !== 'email' || parts.includes('')) {
    return { operation: 'UnknownOperation' };
  }
  const [, , collection, id, sub] = parts;
  const key = `${method} ${collection}${id === undefined ? '' : '/{id}'}${sub === undefined ? '' : `/${sub}`}`;
  switch (key) {
    case 'GET dedicated-ips': return { operation: 'GetDedicatedIps' };
    case 'GET dedicated-ips/{id}': return { operation: 'GetDedicatedIp', ip: id };
    case 'PUT dedicated-ips/{id}/pool': return { operation: 'PutDedicatedIpInPool', ip: id };
    case 'PUT dedicated-ips/{id}/warmup': return { operation: 'PutDedicatedIpWarmupAttributes', ip: id };
    case 'GET dedicated-ip-pools': return { operation: 'ListDedicatedIpPools' };
    case 'POST dedicated-ip-pools': return { operation: 'CreateDedicatedIpPool' };
    case 'GET dedicated-ip-pools/{id}': return { operation: 'GetDedicatedIpPool', pool: id };
    case 'DELETE dedicated-ip-pools/{id}': return { operation: 'DeleteDedicatedIpPool', pool: id };
    // The SDK sends ListConfigurationSets as POST list-configuration-sets, its paging in the body.
    case 'POST list-configuration-sets': return { operation: 'ListConfigurationSets' };
    case 'GET configuration-sets/{id}': return { operation: 'GetConfigurationSet', configurationSet: id };
    case 'PUT configuration-sets/{id}/sending': return { operation: 'PutConfigurationSetSendingOptions', configurationSet: id };
    case 'GET account': return { operation: 'GetAccount' };
    // The tag operations name their resource in the body (TagResource) or the query.
    case 'POST tags': {
      const arn = parseBody(text)?.ResourceArn;
      return tagRoute('TagResource', typeof arn === 'string' ? arn : undefined);
    }
    case 'DELETE tags': return tagRoute('UntagResource', url.searchParams.get('ResourceArn') ?? undefined);
    case 'GET tags': return tagRoute('ListTagsForResource', url.searchParams.get('ResourceArn') ?? undefined);
    default: return { operation: 'UnknownOperation' };
  }
}

function tagRoute(operation: SesOperation, resourceArn: string | undefined): Route {
  return { operation, resourceArn, pool: resourceArn === undefined ? undefined : POOL_ARN.exec(resourceArn)?.[2] };
}

/** The local SES v2 endpoint. Create it with {@link LocalSesEndpoint.start}. */
export class LocalSesEndpoint {
  /** Starts an endpoint on 127.0.0.1 on a free port. */
  public static async start(options: LocalSesEndpointOptions = {}): Promise<LocalSesEndpoint> {
    const endpoint = new LocalSesEndpoint(options);
    await new Promise<void>((resolve, reject) => {
      endpoint.server.once('error', reject);
      endpoint.server.listen(0, '127.0.0.1', () => resolve());
    });
    endpoint.port = (endpoint.server.address() as AddressInfo).port;
    return endpoint;
  }

  private readonly server: http.Server;
  private readonly options: Required<Omit<LocalSesEndpointOptions, 'rate' | 'burst'>>;
  private readonly t0 = performance.now();
  private readonly pools = new Map<string, ScalingMode>();
  /** When each pool that is not found at first becomes visible (endpoint ms). */
  private readonly poolVisibleAt = new Map<string, number>();
  /** The resource tags of the named pools that have any. */
  private readonly poolTagMap = new Map<string, Map<string, string>>();
  /** Stacks by stack ID. */
  private readonly stacks = new Map<string, Stack>();
  private callerAccount = DEFAULT_CALLER_ACCOUNT;
  /** Configuration sets by name: whether each sends. */
  private readonly configurationSets = new Map<string, { sendingEnabled: boolean; sendingPoolName?: string }>();
  private account: Required<AccountSettings> = { enforcementStatus: 'HEALTHY', sendingEnabled: true, productionAccessEnabled: true };
  private readonly addresses = new Map<string, Address>();
  /** CloudWatch data points by metric (metricKey), in the order seeded. */
  private readonly metrics = new Map<string, Array<{ readonly t: number; readonly value: number }>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private log: SesCall[] = [];
  private rate = Infinity;
  private burst = 1;
  private tokens = 1;
  private lastRefill = 0;
  private arrivals = 0;
  private unanswered = 0;
  private admitted = 0;
  private readonly admittedPerOperation = new Map<SesOperation, number>();
  // Faults.
  private throttleRemaining = 0;
  private throttleUntil = -Infinity;
  private randomFailure?: Required<Omit<RandomFailureOptions, 'operations'>> & { operations?: readonly SesOperation[] };
  private reset?: { probability: number; next: number; operations?: readonly SesOperation[]; afterProcessing: boolean };
  private delay?: { ms: number; probability: number; operations?: readonly SesOperation[] };
  private forcedPageSize?: number;
  private deny?: { until: number; operations?: readonly SesOperation[] };
  private holds: Array<{ matches: (call: HeldCall) => boolean; waiting: Array<() => void> }> = [];
  private predicate?: (call: CallInfo) => InjectedError | undefined;
  private stopped = false;
  private port = 0;

  private constructor(options: LocalSesEndpointOptions) {
    this.options = {
      throttledCallsConsumeTokens: options.throttledCallsConsumeTokens ?? false,
      maxPageSize: options.maxPageSize ?? 100,
      defaultPoolReporting: options.defaultPoolReporting ?? 'absent',
      listReservedPools: options.listReservedPools ?? false,
      maxPools: options.maxPools ?? 50,
      seed: options.seed ?? 0,
      region: options.region ?? 'us-east-1',
    };
    this.setRate(options.rate ?? Infinity, options.burst ?? 1);
    this.server = http.createServer((req, res) => this.onRequest(req, res));
  }

  /** `http://127.0.0.1:<port>` (still known after `stop()`). */
  public get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Every request handled so far, in arrival order (copies). */
  public get calls(): SesCall[] {
    return this.log.map((c) => ({ ...c })).sort((a, b) => a.seq - b.seq);
  }

  /** Requests received and not yet answered (being delayed, for instance). */
  public get inFlight(): number {
    return this.unanswered;
  }

  /** Closes the server and every connection (keep-alive and delayed ones). Idempotent. */
  public async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.timers.forEach(clearTimeout);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** The environment for code that uses the SDK's standard configuration (dummy credentials). */
  public clientEnv(): Record<string, string> {
    return {
      AWS_ENDPOINT_URL_SESV2: this.url,
      AWS_ENDPOINT_URL_CLOUDFORMATION: this.url,
      AWS_ENDPOINT_URL_STS: this.url,
      AWS_ENDPOINT_URL_CLOUDWATCH: this.url,
      AWS_REGION: this.options.region,
      AWS_ACCESS_KEY_ID: 'AKIDLOCALSESENDPOINT',
      AWS_SECRET_ACCESS_KEY: 'local-ses-endpoint-dummy-secret',
    };
  }

  // ---- Rate ------------------------------------------------------------------

  /** Changes the bucket (Infinity: no throttling); tokens beyond the new capacity are dropped. */
  public setRate(rate: number, burst: number = this.burst): void {
    if (!(rate > 0)) throw new RangeError(`rate must be positive, got ${rate}`);
    if (!(burst >= 1 && Number.isFinite(burst))) throw new RangeError(`burst must be at least 1, got ${burst}`);
    const now = this.now();
    if (this.rate === Infinity) this.tokens = burst;
    else this.refill(now);
    this.rate = rate;
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
    this.lastRefill = now;
  }

  /** Tokens in the bucket now (negative: debt); Infinity when the rate is. */
  public tokensAvailable(): number {
    if (this.rate === Infinity) return Infinity;
    this.refill(this.now());
    return this.tokens;
  }

  // ---- Faults ----------------------------------------------------------------

  /** The next `n` requests get 429, whatever the bucket holds. */
  public throttleNext(n: number): void {
    this.throttleRemaining = n;
  }

  /** Every request in the next `ms` milliseconds gets 429, whatever the bucket holds. */
  public throttleFor(ms: number): void {
    this.throttleUntil = this.now() + ms;
  }

  /** Admitted calls fail with the given chance (seeded): by default 500 InternalFailure. Replaces the previous setting. */
  public failRandomly(options: RandomFailureOptions): void {
    this.randomFailure = {
      probability: checkProbability(options.probability),
      status: options.status ?? 500,
      errorType: options.errorType ?? 'InternalFailure',
      message: options.message ?? 'We encountered an internal error. Please try again.',
      operations: options.operations,
    };
  }

  /** Destroys sockets without answering: the next `n` admitted calls, or each with a chance (seeded). */
  public resetConnections(options: ResetOptions): void {
    const random = 'probability' in options;
    this.reset = {
      probability: random ? checkProbability(options.probability) : 0,
      next: random ? 0 : options.next,
      operations: options.operations,
      afterProcessing: options.afterProcessing ?? false,
    };
  }

  /** Delays answers by `ms` (for all admitted calls, or each with a chance, seeded). */
  public delayResponses(ms: number, options: DelayOptions = {}): void {
    this.delay = { ms, probability: checkProbability(options.probability ?? 1), operations: options.operations };
  }

  /** Every page (GetDedicatedIps, ListDedicatedIpPools, ListConfigurationSets, ListStackResources) holds `n` items whatever was asked; undefined to stop. */
  public forcePageSize(n: number | undefined): void {
    if (n !== undefined && !(Number.isInteger(n) && n >= 1)) throw new RangeError(`page size must be a positive integer, got ${n}`);
    this.forcedPageSize = n;
  }

  /**
   * IAM that lags: every admitted call in the next `ms` milliseconds (of the
   * given operations) is answered 403 AccessDeniedException, as when a role's
   * policy changed seconds ago. The call takes its token: SES received it.
   */
  public denyFor(ms: number, options: DenyOptions = {}): void {
    this.deny = { until: this.now() + ms, operations: options.operations };
  }

  /**
   * Holds the calls for which `predicate` is true (SES calls, before the
   * token bucket) until `release()`: they wait unanswered, then go on as if
   * they had just arrived. Lets a test put two clients' calls in a set order.
   */
  public hold(predicate: (call: HeldCall) => boolean): Hold {
    const entry = { matches: predicate, waiting: [] as Array<() => void> };
    this.holds.push(entry);
    return {
      release: () => {
        this.holds = this.holds.filter((h) => h !== entry);
        entry.waiting.splice(0).forEach((resume) => resume());
      },
      get waiting() {
        return entry.waiting.length;
      },
    };
  }

  /** Fails admitted calls for which `predicate` returns an error. Replaces the previous predicate. */
  public failWhen(predicate: (call: CallInfo) => InjectedError | undefined): void {
    this.predicate = predicate;
  }

  /** Removes every fault (not the rate). */
  public clearFaults(): void {
    this.throttleRemaining = 0;
    this.throttleUntil = -Infinity;
    this.randomFailure = undefined;
    this.reset = undefined;
    this.delay = undefined;
    this.forcedPageSize = undefined;
    this.predicate = undefined;
    this.deny = undefined;
  }

  // ---- Seeding ---------------------------------------------------------------

  /** Creates a named pool (STANDARD unless said otherwise), with `tags` if given. */
  public createPool(name: string, options: ScalingMode | CreatePoolOptions = {}): void {
    const { scalingMode = 'STANDARD', visibleAfterMs = 0, tags = {} } = typeof options === 'string' ? { scalingMode: options } : options;
    if (!POOL_NAME.test(name) || name === DEFAULT_POOL || name === SHARED_POOL) throw new Error(`invalid pool name "${name}"`);
    if (this.pools.has(name)) throw new Error(`pool ${name} already exists`);
    const pairs = tagPairs(tags);
    this.pools.set(name, scalingMode);
    this.poolTagMap.set(name, new Map(pairs));
    if (visibleAfterMs > 0) this.poolVisibleAt.set(name, this.now() + visibleAfterMs);
  }

  /** Replaces the resource tags of a named pool (checked as TagResource checks them). */
  public setPoolTags(name: string, tags: Readonly<Record<string, string>>): void {
    if (!this.pools.has(name)) throw new Error(`pool ${name} does not exist`);
    this.poolTagMap.set(name, new Map(tagPairs(tags)));
  }

  /**
   * Sets (or replaces) a stack, by its ID (`arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`),
   * for DescribeStacks, ListStackResources and GetTemplate. A stack of the
   * same name and another ID is removed: a live stack's name is unique.
   */
  public setStack(stackId: string, stack: StackSeed = {}): void {
    const name = stackNameOf(stackId);
    if (name === undefined) throw new Error(`invalid stack ID "${stackId}": expected arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`);
    const lastUpdated = new Date().toISOString();
    const resources = (stack.resources ?? []).map((r) => ({ ...r, status: r.status ?? 'CREATE_COMPLETE', lastUpdated }));
    const duplicate = resources.find((r, i) => resources.findIndex((o) => o.logicalId === r.logicalId) !== i);
    if (duplicate) throw new Error(`stack ${name} lists the logical ID ${duplicate.logicalId} twice`);
    const template = JSON.stringify(stack.template ?? { Resources: Object.fromEntries(resources.map((r) => [r.logicalId, { Type: r.type }])) });
    if (typeof template !== 'string') throw new Error(`the template of stack ${name} is not a JSON object`);
    [...this.stacks.keys()].filter((id) => id !== stackId && stackNameOf(id) === name).forEach((id) => this.stacks.delete(id));
    this.stacks.set(stackId, { status: stack.status ?? 'CREATE_COMPLETE', template, resources });
  }

  /** Sets the status DescribeStacks reports for a stack, by its ID (an ARN); creates the stack (no resources) if need be. */
  public setStackStatus(stackId: string, status: string): void {
    const stack = this.stacks.get(stackId);
    if (stack) stack.status = status;
    else this.setStack(stackId, { status });
  }

  /** Takes a stack (by ID or name) away: CloudFormation then answers "does not exist". False if there was none. */
  public removeStack(stackIdOrName: string): boolean {
    const stackId = this.findStack(stackIdOrName);
    return stackId !== undefined && this.stacks.delete(stackId);
  }

  /** The account that STS's GetCallerIdentity reports, and that the tag operations' ARNs must name. Default 111122223333. */
  public setCallerAccount(account: string): void {
    if (!/^\d{12}$/.test(account)) throw new Error(`invalid account ID "${account}": expected 12 digits`);
    this.callerAccount = account;
  }

  /** Creates (or resets) a configuration set; it sends unless `sendingEnabled` is false, through `sendingPoolName` if given. */
  public createConfigurationSet(name: string, options: { readonly sendingEnabled?: boolean; readonly sendingPoolName?: string } = {}): void {
    if (!CONFIGURATION_SET_NAME.test(name)) throw new Error(`invalid configuration set name "${name}"`);
    this.configurationSets.set(name, { sendingEnabled: options.sendingEnabled ?? true, sendingPoolName: options.sendingPoolName });
  }

  /** Takes a configuration set out of the account; false if it was not in it. */
  public deleteConfigurationSet(name: string): boolean {
    return this.configurationSets.delete(name);
  }

  /** Changes what GetAccount reports (the fields given; the others stay). */
  public setAccount(settings: AccountSettings): void {
    this.account = { ...this.account, ...Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) };
  }

  /**
   * Adds CloudWatch data points to a metric (namespace AWS/SES unless
   * given; no dimensions is the account-wide metric), for GetMetricData.
   */
  public putMetricData(metric: MetricSeed, datapoints: ReadonlyArray<{ readonly timestamp: Date; readonly value: number }>): void {
    for (const { timestamp, value } of datapoints) {
      if (!Number.isFinite(value)) throw new Error(`data point value ${value} is not a number`);
      if (Number.isNaN(timestamp.getTime())) throw new Error('data point timestamp is not a date');
    }
    const key = metricKey(metric.namespace ?? 'AWS/SES', metric.metricName, metric.dimensions ?? {});
    this.metrics.set(key, [...this.metrics.get(key) ?? [], ...datapoints.map(({ timestamp, value }) => ({ t: timestamp.getTime(), value }))]);
  }

  /** Adds (or resets) the addresses of a range, but `except`; returns those added. */
  public provisionRange(cidr: string, options: ProvisionOptions & { readonly except?: readonly string[] } = {}): string[] {
    const except = new Set(options.except ?? []);
    const added = cidrAddresses(cidr).filter((ip) => !except.has(ip));
    added.forEach((ip) => this.provisionAddress(ip, options));
    return added;
  }

  /** Adds (or resets) one address of the account. */
  public provisionAddress(ip: string, options: ProvisionOptions = {}): void {
    const num = ipNumber(ip);
    if (num === undefined) throw new Error(`invalid IPv4 address "${ip}"`);
    const pool = options.pool ?? DEFAULT_POOL;
    if (pool !== DEFAULT_POOL && !this.pools.has(pool)) throw new Error(`pool ${pool} does not exist`);
    const warmupPercentage = options.warmupPercentage ?? 100;
    this.addresses.set(ip, {
      num,
      pool: pool === DEFAULT_POOL ? undefined : pool,
      warmupPercentage,
      warmupStatus: options.warmupStatus ?? (warmupPercentage === 100 ? 'DONE' : 'IN_PROGRESS'),
    });
  }

  /** Takes an address out of the account; false if it was not in it. */
  public removeAddress(ip: string): boolean {
    return this.addresses.delete(ip);
  }

  // ---- Reading ---------------------------------------------------------------

  /** The pool of an address (`ses-default-dedicated-pool` for none), undefined if not in the account. */
  public poolOf(ip: string): string | undefined {
    const a = this.addresses.get(ip);
    return a && (a.pool ?? DEFAULT_POOL);
  }

  /** The addresses in a pool, in numeric order. */
  public addressesIn(pool: string): string[] {
    return this.sortedAddresses().filter(([, a]) => (a.pool ?? DEFAULT_POOL) === pool).map(([ip]) => ip);
  }

  public warmupOf(ip: string): { warmupPercentage: number; warmupStatus: WarmupStatus } | undefined {
    const a = this.addresses.get(ip);
    return a && { warmupPercentage: a.warmupPercentage, warmupStatus: a.warmupStatus };
  }

  /** A plain copy of the account's addresses, keyed in numeric order. */
  public snapshot(): Record<string, AddressState> {
    const out: Record<string, AddressState> = {};
    for (const [ip, a] of this.sortedAddresses()) {
      out[ip] = { pool: a.pool ?? DEFAULT_POOL, warmupPercentage: a.warmupPercentage, warmupStatus: a.warmupStatus };
    }
    return out;
  }

  /** Whether a configuration set sends; undefined if there is no such set. */
  public sendingOf(configurationSet: string): boolean | undefined {
    return this.configurationSets.get(configurationSet)?.sendingEnabled;
  }

  /** A copy of the resource tags of a named pool; undefined if there is no such pool. */
  public poolTags(name: string): Record<string, string> | undefined {
    return this.pools.has(name) ? Object.fromEntries(this.poolTagMap.get(name) ?? []) : undefined;
  }

  /** The named pools and their scaling modes. */
  public poolModes(): Record<string, ScalingMode> {
    return Object.fromEntries([...this.pools].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** Calls per outcome, per operation and per error type. */
  public countCalls(): CallCounts {
    const zero = (): OutcomeCounts => ({ total: 0, ok: 0, throttled: 0, fault: 0, error: 0 });
    const all = zero();
    const byOperation: Partial<Record<SesOperation, OutcomeCounts>> = {};
    const byErrorType: Record<string, number> = {};
    for (const c of this.log) {
      const op = (byOperation[c.operation] ??= zero());
      for (const counts of [all, op]) {
        counts.total++;
        counts[c.outcome]++;
      }
      if (c.errorType) byErrorType[c.errorType] = (byErrorType[c.errorType] ?? 0) + 1;
    }
    return { ...all, byOperation, byErrorType };
  }

  /** Forgets the recorded calls (not the per-operation ranks `n`). */
  public resetCalls(): void {
    this.log = [];
  }

  // ---- Request pipeline (see the file header) ------------------------------------

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const seq = ++this.arrivals;
    this.unanswered++;
    const startMs = this.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        this.handle(req, res, seq, startMs, Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        const call = { seq, operation: 'UnknownOperation' as const, method: req.method ?? '', path: req.url ?? '', startMs };
        this.answer(res, call, fail(500, 'InternalFailure', `local SES endpoint failed (a failWhen predicate threw, or a bug): ${(e as Error).stack}`), 'error');
      }
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, seq: number, startMs: number, text: string): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const target = req.headers['x-amz-target'];
    const route = routeOf(req.method ?? '', url, text, typeof target === 'string' ? target : undefined);
    const body = route.form || route.json ? {} : parseBody(text);
    const bodyPool = body?.DestinationPoolName ?? body?.PoolName;
    const pool = route.pool ?? (typeof bodyPool === 'string' ? bodyPool : undefined) ?? url.searchParams.get('PoolName') ?? undefined;
    const call: Mutable<Partial<SesCall>> & Pick<SesCall, 'seq' | 'operation'> = {
      seq, operation: route.operation, method: req.method ?? '', path: req.url ?? '', ip: route.ip, pool, configurationSet: route.configurationSet, stack: route.stack, startMs,
    };
    if (route.operation === 'UnknownOperation') {
      const message = `No operation matches ${req.method} ${url.pathname}.`;
      return this.answer(res, call, fail(404, 'UnknownOperationException', message), 'error');
    }
    if (route.form) return this.queryCall(res, call, route);
    if (route.json) return this.cloudWatchCall(res, call, route);
    const configurationSet = route.configurationSet;
    const held = this.holds.find((h) => h.matches({ operation: route.operation, ip: route.ip, pool, configurationSet }));
    if (held) {
      held.waiting.push(() => this.handle(req, res, seq, startMs, text));
      return;
    }
    const now = this.now();
    if (this.throttleRemaining > 0) {
      this.throttleRemaining--;
      return this.answer(res, call, THROTTLED, 'fault', 'throttleNext');
    }
    if (now < this.throttleUntil) return this.answer(res, call, THROTTLED, 'fault', 'throttleFor');
    if (!this.takeToken(now)) return this.answer(res, call, THROTTLED, 'throttled');

    const rank = ++this.admitted;
    const n = (this.admittedPerOperation.get(route.operation) ?? 0) + 1;
    this.admittedPerOperation.set(route.operation, n);
    call.n = n;
    const applies = (operations?: readonly SesOperation[]) => !operations || operations.includes(route.operation);

    let reset = false;
    if (this.reset && applies(this.reset.operations)) {
      if (this.reset.next > 0) {
        this.reset.next--;
        reset = true;
      } else {
        reset = this.draw('reset', rank) < this.reset.probability;
      }
    }
    if (reset && !this.reset!.afterProcessing) return this.destroy(req, call);

    const denied = this.denied(route.operation, now);
    const injected = denied ? undefined : this.predicate?.({ operation: route.operation, ip: route.ip, pool, configurationSet, n });
    const random = this.randomFailure;
    let reply: Reply;
    let outcome: CallOutcome;
    if (denied) {
      reply = denied;
      outcome = 'fault';
      call.fault = 'denyFor';
    } else if (injected) {
      reply = fail(injected.status, injected.errorType, injected.message ?? 'Injected failure.');
      outcome = 'fault';
      call.fault = 'failWhen';
    } else if (random && applies(random.operations) && this.draw('fail', rank) < random.probability) {
      reply = fail(random.status, random.errorType, random.message);
      outcome = 'fault';
      call.fault = 'failRandomly';
    } else {
      reply = body === undefined ? badRequest('The request body is not a JSON object.') : this.execute(route, url.searchParams, body);
      outcome = reply.status < 300 ? 'ok' : 'error';
    }
    if (reset) return this.destroy(req, call);

    const delay = this.delay;
    if (delay && delay.ms > 0 && applies(delay.operations) && this.draw('delay', rank) < delay.probability) {
      call.delayedMs = delay.ms;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.answer(res, call, reply, outcome, call.fault);
      }, delay.ms);
      this.timers.add(timer);
      return;
    }
    this.answer(res, call, reply, outcome, call.fault);
  }

  private answer(res: http.ServerResponse, call: Partial<SesCall> & Pick<SesCall, 'seq' | 'operation'>, reply: Reply,
    outcome: CallOutcome, fault?: FaultKind): void {
    const payload = JSON.stringify(reply.errorType ? { message: reply.message } : reply.body ?? {});
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(payload),
      'x-amzn-RequestId': `local-ses-${call.seq}`,
    };
    if (reply.errorType) headers['x-amzn-ErrorType'] = reply.errorType;
    res.writeHead(reply.status, headers);
    res.end(payload);
    this.record(call, { status: reply.status, errorType: reply.errorType, outcome, fault });
  }

  private destroy(req: http.IncomingMessage, call: Partial<SesCall> & Pick<SesCall, 'seq' | 'operation'>): void {
    req.socket.destroy();
    this.record(call, { status: 0, outcome: 'fault', fault: 'resetConnections' });
  }

  private record(call: Partial<SesCall> & Pick<SesCall, 'seq' | 'operation'>, result: Pick<SesCall, 'status' | 'errorType' | 'outcome' | 'fault'>): void {
    this.unanswered--;
    const entry = { ...call, ...result, endMs: this.now() } as SesCall;
    for (const key of Object.keys(entry) as (keyof SesCall)[]) {
      if (entry[key] === undefined) delete (entry as Partial<SesCall>)[key];
    }
    this.log.push(entry);
  }

  /** The AccessDenied answer while `denyFor` lasts, for the operations it names (GetCallerIdentity only if named). */
  private denied(operation: SesOperation, now: number): Reply | undefined {
    const deny = this.deny;
    if (!deny || now >= deny.until) return undefined;
    if (deny.operations ? !deny.operations.includes(operation) : operation === 'GetCallerIdentity') return undefined;
    const service = operation === 'GetCallerIdentity' ? 'sts' : operation === 'GetMetricData' ? 'cloudwatch' : QUERY_OPERATIONS.includes(operation) ? 'cloudformation' : 'ses';
    return fail(403, service === 'ses' ? 'AccessDeniedException' : 'AccessDenied',
      `User: ${this.callerArn()} is not authorized to perform: ${service}:${operation} (local endpoint: IAM has not propagated yet)`);
  }

  /**
   * A CloudFormation or STS call, in the awsQuery form (XML). Not metered
   * by SES's bucket; `denyFor` and `failWhen` apply.
   */
  private queryCall(res: http.ServerResponse, call: Mutable<Partial<SesCall>> & Pick<SesCall, 'seq' | 'operation'>, route: Route): void {
    const operation = route.operation;
    const n = (this.admittedPerOperation.get(operation) ?? 0) + 1;
    this.admittedPerOperation.set(operation, n);
    call.n = n;
    const denied = this.denied(operation, this.now());
    const injected = denied ? undefined : this.predicate?.({ operation, stack: route.stack, n });
    const reply = denied ?? (injected ? fail(injected.status, injected.errorType, injected.message ?? 'Injected failure.') : this.serveQuery(route));
    const sts = operation === 'GetCallerIdentity';
    const namespace = sts ? STS_NAMESPACE : CFN_NAMESPACE;
    const requestId = `local-${sts ? 'sts' : 'cfn'}-${call.seq}`;
    const xml = reply.errorType
      ? `<ErrorResponse xmlns="${namespace}"><Error><Type>${reply.status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${escapeXml(reply.errorType)}</Code>` +
        `<Message>${escapeXml(reply.message ?? '')}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
      : `<${operation}Response xmlns="${namespace}"><${operation}Result>${String(reply.body)}</${operation}Result>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
    res.writeHead(reply.status, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(xml), 'x-amzn-RequestId': requestId });
    res.end(xml);
    const fault: FaultKind | undefined = denied ? 'denyFor' : injected ? 'failWhen' : undefined;
    this.record(call, { status: reply.status, errorType: reply.errorType, outcome: fault ? 'fault' : reply.status < 300 ? 'ok' : 'error', fault });
  }

  /**
   * A CloudWatch call, in its JSON form (see the file header). Not metered
   * by SES's bucket; `denyFor` and `failWhen` apply.
   */
  private cloudWatchCall(res: http.ServerResponse, call: Mutable<Partial<SesCall>> & Pick<SesCall, 'seq' | 'operation'>, route: Route): void {
    const operation = route.operation;
    const n = (this.admittedPerOperation.get(operation) ?? 0) + 1;
    this.admittedPerOperation.set(operation, n);
    call.n = n;
    const denied = this.denied(operation, this.now());
    const injected = denied ? undefined : this.predicate?.({ operation, n });
    const reply = denied ?? (injected ? fail(injected.status, injected.errorType, injected.message ?? 'Injected failure.') : this.getMetricData(route.json?.body));
    // The body names the error's shape (InvalidParameterValueException), the header its query code (InvalidParameterValue).
    const shape = reply.errorType?.endsWith('Exception') ? reply.errorType : `${reply.errorType}Exception`;
    const payload = JSON.stringify(reply.errorType ? { __type: `com.amazonaws.cloudwatch#${shape}`, message: reply.message } : reply.body);
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': 'application/x-amz-json-1.0',
      'Content-Length': Buffer.byteLength(payload),
      'x-amzn-RequestId': `local-cw-${call.seq}`,
    };
    if (reply.errorType) headers['x-amzn-query-error'] = `${reply.errorType};${reply.status >= 500 ? 'Receiver' : 'Sender'}`;
    res.writeHead(reply.status, headers);
    res.end(payload);
    const fault: FaultKind | undefined = denied ? 'denyFor' : injected ? 'failWhen' : undefined;
    this.record(call, { status: reply.status, errorType: reply.errorType, outcome: fault ? 'fault' : reply.status < 300 ? 'ok' : 'error', fault });
  }

  /** GetMetricData over the seeded data points (see the file header), or the 400 answer. */
  private getMetricData(input: Body | undefined): Reply {
    const invalid = (message: string): Reply => fail(400, 'InvalidParameterValue', message);
    if (input === undefined) return invalid('The request body is not a JSON object.');
    const start = epochMs(input.StartTime);
    const end = epochMs(input.EndTime);
    if (start === undefined || end === undefined) return invalid('StartTime and EndTime are required.');
    if (start >= end) return invalid('The StartTime must be before the EndTime.');
    const queries = Array.isArray(input.MetricDataQueries) ? input.MetricDataQueries as Body[] : [];
    if (queries.length < 1 || queries.length > 500) return invalid('MetricDataQueries must hold 1 to 500 queries.');
    const ids = new Set<string>();
    const results: Body[] = [];
    for (const query of queries) {
      const id = String(query.Id);
      if (!/^[a-z][a-zA-Z0-9_]*$/.test(id)) return invalid(`The Id ${id} must start with a lowercase letter, then letters, digits and "_".`);
      if (ids.has(id)) return invalid(`The Id ${id} is used twice.`);
      ids.add(id);
      if (query.Expression !== undefined) return invalid(`The local endpoint serves MetricStat queries only, not Expression (query ${id}).`);
      const stat = query.MetricStat as Body | undefined;
      const metric = stat?.Metric as Body | undefined;
      if (!stat || !metric) return invalid(`Query ${id} has no MetricStat.`);
      const period = Number(stat.Period);
      if (!Number.isInteger(period) || period < 60 || period % 60 !== 0) return invalid(`The period ${String(stat.Period)} is not a multiple of 60 (query ${id}).`);
      const statistic = String(stat.Stat);
      const aggregate = STATISTICS[statistic];
      if (!aggregate) return invalid(`The statistic ${statistic} is not one of ${Object.keys(STATISTICS).join(', ')} (query ${id}).`);
      const dimensions = Object.fromEntries(((metric.Dimensions ?? []) as Body[]).map((d) => [String(d.Name), String(d.Value)]));
      const points = (this.metrics.get(metricKey(String(metric.Namespace), String(metric.MetricName), dimensions)) ?? [])
        .filter((p) => p.t >= start && p.t < end);
      const buckets = new Map<number, number[]>();
      for (const p of points) {
        const bucket = Math.floor(p.t / (period * 1000)) * period * 1000;
        buckets.set(bucket, [...buckets.get(bucket) ?? [], p.value]);
      }
      const ascending = input.ScanBy === 'TimestampAscending';
      const times = [...buckets.keys()].sort((a, b) => (ascending ? a - b : b - a));
      results.push({
        Id: id,
        Label: typeof query.Label === 'string' ? query.Label : String(metric.MetricName),
        Timestamps: times.map((t) => t / 1000),
        Values: times.map((t) => aggregate(buckets.get(t)!)),
        StatusCode: 'Complete',
      });
    }
    return { status: 200, body: { MetricDataResults: results, Messages: [] } };
  }

  /** The answer of a CloudFormation or STS call: its Result's inner XML as `body`, or the error. */
  private serveQuery(route: Route): Reply {
    const form = route.form ?? new URLSearchParams();
    const validation = (message: string): Reply => fail(400, 'ValidationError', message);
    if (route.operation === 'GetCallerIdentity') {
      return { status: 200, body: `<Arn>${escapeXml(this.callerArn())}</Arn><UserId>AROALOCALSESENDPOINT:fn</UserId><Account>${this.callerAccount}</Account>` };
    }
    const changeSet = form.get('ChangeSetName');
    if (route.operation === 'GetTemplate' && changeSet !== null) return validation(`The local endpoint serves no change sets (ChangeSetName ${changeSet}).`);
    const stage = form.get('TemplateStage');
    if (route.operation === 'GetTemplate' && stage !== null && stage !== 'Original' && stage !== 'Processed') {
      return validation(`1 validation error detected: Value '${stage}' at 'templateStage' failed to satisfy constraint: Member must satisfy enum value set: [Original, Processed]`);
    }
    const stackId = this.findStack(route.stack);
    if (stackId === undefined) return validation(`Stack with id ${route.stack ?? ''} does not exist`);
    const stack = this.stacks.get(stackId)!;
    switch (route.operation) {
      case 'DescribeStacks': return { status: 200, body: describeStacksXml(stackId, stack.status) };
      case 'GetTemplate':
        return {
          status: 200,
          body: `<TemplateBody>${escapeXml(stack.template)}</TemplateBody><StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable>`,
        };
      case 'ListStackResources': {
        const token = form.get('NextToken');
        const decoded = token === null ? { op: 'ListStackResources', stack: stackId, after: 0 } : decodeToken(token);
        const after = decoded?.after;
        if (decoded?.op !== 'ListStackResources' || decoded.stack !== stackId || typeof after !== 'number' || !Number.isInteger(after) || after < 0) {
          return validation('Invalid NextToken');
        }
        const size = this.forcedPageSize ?? STACK_RESOURCES_PAGE;
        const page = stack.resources.slice(after, after + size);
        const more = after + size < stack.resources.length;
        return {
          status: 200,
          body: `<StackResourceSummaries>${page.map(stackResourceXml).join('')}</StackResourceSummaries>` +
            (more ? `<NextToken>${encodeToken({ op: 'ListStackResources', stack: stackId, after: after + size })}</NextToken>` : ''),
        };
      }
      default: throw new Error(`unrouted operation ${route.operation}`);
    }
  }

  // ---- The service -------------------------------------------------------------

  private execute(route: Route, query: URLSearchParams, body: Body): Reply {
    const ip = route.ip ?? '';
    if (route.ip !== undefined && ipNumber(ip) === undefined) return badRequest(`${ip} is not a valid IPv4 address.`);
    const address = this.addresses.get(ip);
    switch (route.operation) {
      case 'GetDedicatedIps': return this.getDedicatedIps(query);
      case 'GetDedicatedIp':
        return address ? { status: 200, body: { DedicatedIp: this.ipJson(ip, address) } } : ipNotFound(ip);
      case 'PutDedicatedIpInPool': {
        const dest = body.DestinationPoolName;
        if (typeof dest !== 'string' || dest === '') return badRequest('DestinationPoolName is required.');
        if (!address) return ipNotFound(ip);
        if (dest === SHARED_POOL) return badRequest(`Dedicated IP ${ip} cannot be moved to ${SHARED_POOL}.`);
        if (dest !== DEFAULT_POOL && !this.poolFound(dest)) return poolNotFound(dest);
        if (this.pools.get(dest) === 'MANAGED') return badRequest(`Pool ${dest} is a managed pool; standard dedicated IPs cannot be moved into it.`);
        address.pool = dest === DEFAULT_POOL ? undefined : dest;
        return { status: 200, body: {} };
      }
      case 'PutDedicatedIpWarmupAttributes': {
        const pct = body.WarmupPercentage;
        if (typeof pct !== 'number' || !Number.isInteger(pct) || pct < 0 || pct > 100) {
          return badRequest('WarmupPercentage must be an integer from 0 to 100.');
        }
        if (!address) return ipNotFound(ip);
        address.warmupPercentage = pct;
        address.warmupStatus = pct === 100 ? 'DONE' : 'IN_PROGRESS';
        return { status: 200, body: {} };
      }
      case 'ListDedicatedIpPools': return this.listPools(query);
      case 'ListConfigurationSets': return this.listConfigurationSets(new URLSearchParams({
        ...(body.PageSize !== undefined ? { PageSize: String(body.PageSize) } : {}),
        ...(typeof body.NextToken === 'string' ? { NextToken: body.NextToken } : {}),
      }));
      case 'GetDedicatedIpPool': {
        const mode = this.pools.get(route.pool ?? '');
        return mode ? { status: 200, body: { DedicatedIpPool: { PoolName: route.pool, ScalingMode: mode } } } : poolNotFound(route.pool ?? '');
      }
      case 'CreateDedicatedIpPool': {
        const { PoolName: name, ScalingMode: mode = 'STANDARD', Tags: tags = [] } = body;
        if (typeof name !== 'string' || !POOL_NAME.test(name)) return badRequest('PoolName must match ^[a-z0-9_-]{1,64}$.');
        if (mode !== 'STANDARD' && mode !== 'MANAGED') return badRequest(`Invalid ScalingMode ${String(mode)}.`);
        const pairs = checkTags(tags);
        if (typeof pairs === 'string') return badRequest(pairs);
        if (name === DEFAULT_POOL || name === SHARED_POOL) return badRequest(`Pool name ${name} is reserved.`);
        if (this.pools.has(name)) return fail(400, 'AlreadyExistsException', `Pool ${name} already exists.`);
        if (this.pools.size >= this.options.maxPools) {
          return fail(400, 'LimitExceededException', `Maximum number of dedicated IP pools (${this.options.maxPools}) reached.`);
        }
        this.pools.set(name, mode);
        this.poolTagMap.set(name, new Map(pairs));
        return { status: 200, body: {} };
      }
      case 'DeleteDedicatedIpPool': {
        const name = route.pool ?? '';
        if (name === DEFAULT_POOL || name === SHARED_POOL) return badRequest(`Pool ${name} cannot be deleted.`);
        const mode = this.pools.get(name);
        if (!mode) return poolNotFound(name);
        const members = [...this.addresses.values()].filter((a) => a.pool === name);
        if (mode === 'STANDARD' && members.length > 0) {
          return badRequest(`Pool ${name} still holds ${members.length} dedicated IPs; move them out before deleting it.`);
        }
        members.forEach((a) => (a.pool = undefined));
        this.pools.delete(name);
        this.poolTagMap.delete(name);
        return { status: 200, body: {} };
      }
      case 'GetConfigurationSet': {
        const name = route.configurationSet ?? '';
        const set = this.configurationSets.get(name);
        if (!set) return configurationSetNotFound(name);
        return {
          status: 200,
          body: {
            ConfigurationSetName: name,
            SendingOptions: { SendingEnabled: set.sendingEnabled },
            ...(set.sendingPoolName ? { DeliveryOptions: { SendingPoolName: set.sendingPoolName } } : {}),
            ReputationOptions: { ReputationMetricsEnabled: true },
          },
        };
      }
      case 'PutConfigurationSetSendingOptions': {
        const name = route.configurationSet ?? '';
        const enabled = body.SendingEnabled;
        if (enabled !== undefined && typeof enabled !== 'boolean') return badRequest('SendingEnabled must be a boolean.');
        const set = this.configurationSets.get(name);
        if (!set) return configurationSetNotFound(name);
        // As SES: SendingEnabled left out means false.
        set.sendingEnabled = enabled === true;
        return { status: 200, body: {} };
      }
      case 'GetAccount': {
        const a = this.account;
        return {
          status: 200,
          body: {
            EnforcementStatus: a.enforcementStatus,
            SendingEnabled: a.sendingEnabled,
            ProductionAccessEnabled: a.productionAccessEnabled,
            DedicatedIpAutoWarmupEnabled: false,
          },
        };
      }
      case 'TagResource': {
        const arnError = this.poolArnError(route);
        if (arnError) return arnError;
        if (body.Tags === undefined) return badRequest('Tags is required.');
        const pairs = checkTags(body.Tags);
        if (typeof pairs === 'string') return badRequest(pairs);
        const lookup = this.taggedPool(route);
        if (typeof lookup !== 'string') return lookup;
        const tags = new Map(this.poolTagMap.get(lookup));
        pairs.forEach(([key, value]) => tags.set(key, value));
        if (tags.size > MAX_TAGS) return badRequest(`A resource can have at most ${MAX_TAGS} tags; pool ${lookup} would have ${tags.size}.`);
        this.poolTagMap.set(lookup, tags);
        return { status: 200, body: {} };
      }
      case 'UntagResource': {
        const arnError = this.poolArnError(route);
        if (arnError) return arnError;
        const keys = query.getAll('TagKeys');
        if (keys.length === 0) return badRequest('TagKeys is required.');
        const keyError = keys.map((key) => tagTextError(key, 'key')).find((e) => e !== undefined);
        if (keyError) return badRequest(keyError);
        const lookup = this.taggedPool(route);
        if (typeof lookup !== 'string') return lookup;
        keys.forEach((key) => this.poolTagMap.get(lookup)?.delete(key));
        return { status: 200, body: {} };
      }
      case 'ListTagsForResource': {
        const lookup = this.poolArnError(route) ?? this.taggedPool(route);
        if (typeof lookup !== 'string') return lookup;
        return { status: 200, body: { Tags: [...this.poolTagMap.get(lookup) ?? []].map(([Key, Value]) => ({ Key, Value })) } };
      }
      default: throw new Error(`unrouted operation ${route.operation}`);
    }
  }

  /** The 400 answer for a tag call without a ResourceArn of a dedicated IP pool. */
  private poolArnError(route: Route): Reply | undefined {
    const arn = route.resourceArn;
    if (arn === undefined || arn === '') return badRequest('ResourceArn is required.');
    if (!POOL_ARN.test(arn)) {
      return badRequest(`ResourceArn ${arn} is not valid here: the local endpoint tags only arn:<partition>:ses:<region>:<account>:dedicated-ip-pool/<name>.`);
    }
    return undefined;
  }

  /** The pool a tag call's (valid) ResourceArn names, or the 404 answer when it is not found in this account. */
  private taggedPool(route: Route): string | Reply {
    const [, account, name] = POOL_ARN.exec(route.resourceArn ?? '') ?? [];
    if (account !== this.callerAccount) return notFound(`Resource ${route.resourceArn} is not in this account (${this.callerAccount}).`);
    return this.poolFound(name) ? name : poolNotFound(name);
  }

  private getDedicatedIps(query: URLSearchParams): Reply {
    const size = this.pageSize(query);
    if (typeof size !== 'number') return size;
    const filter = query.get('PoolName') ?? undefined;
    if (filter !== undefined && filter !== DEFAULT_POOL && !this.poolFound(filter)) return poolNotFound(filter);
    const cursor = this.cursor(query, 'GetDedicatedIps', filter, -1);
    if (typeof cursor !== 'number') return cursor;
    const matching = this.sortedAddresses()
      .filter(([, a]) => a.num > cursor && (filter === undefined || (a.pool ?? DEFAULT_POOL) === filter));
    const page = matching.slice(0, size);
    const more = matching.length > page.length;
    return {
      status: 200,
      body: {
        DedicatedIps: page.map(([ip, a]) => this.ipJson(ip, a)),
        ...(more ? { NextToken: encodeToken({ op: 'GetDedicatedIps', pool: filter ?? null, after: page[page.length - 1][1].num }) } : {}),
      },
    };
  }

  private listConfigurationSets(query: URLSearchParams): Reply {
    const size = this.pageSize(query);
    if (typeof size !== 'number') return size;
    const cursor = this.cursor(query, 'ListConfigurationSets', undefined, '');
    if (typeof cursor !== 'string') return cursor;
    const matching = [...this.configurationSets.keys()].sort().filter((name) => name > cursor);
    const page = matching.slice(0, size);
    const more = matching.length > page.length;
    return {
      status: 200,
      body: {
        ConfigurationSets: page,
        ...(more ? { NextToken: encodeToken({ op: 'ListConfigurationSets', pool: null, after: page[page.length - 1] }) } : {}),
      },
    };
  }

  private listPools(query: URLSearchParams): Reply {
    const size = this.pageSize(query);
    if (typeof size !== 'number') return size;
    const cursor = this.cursor(query, 'ListDedicatedIpPools', undefined, '');
    if (typeof cursor !== 'string') return cursor;
    const names = [...this.pools.keys(), ...(this.options.listReservedPools ? [DEFAULT_POOL, SHARED_POOL] : [])].sort();
    const matching = names.filter((name) => name > cursor);
    const page = matching.slice(0, size);
    const more = matching.length > page.length;
    return {
      status: 200,
      body: {
        DedicatedIpPools: page,
        ...(more ? { NextToken: encodeToken({ op: 'ListDedicatedIpPools', pool: null, after: page[page.length - 1] }) } : {}),
      },
    };
  }

  /** The page size to serve, or the 400 answer for an invalid PageSize. */
  private pageSize(query: URLSearchParams): number | Reply {
    const text = query.get('PageSize');
    const max = this.options.maxPageSize;
    if (text !== null) {
      const size = Number(text);
      if (!Number.isInteger(size) || size < 1 || size > max) return badRequest(`PageSize must be an integer from 1 to ${max}.`);
      return this.forcedPageSize ?? size;
    }
    return this.forcedPageSize ?? max;
  }

  /** The position after which a page starts, from NextToken, or the 400 answer for a token of another listing. */
  private cursor<T extends number | string>(query: URLSearchParams, op: SesOperation, pool: string | undefined, start: T): T | Reply {
    const token = query.get('NextToken');
    if (token === null) return start;
    const decoded = decodeToken(token);
    if (!decoded || decoded.op !== op || decoded.pool !== (pool ?? null) || typeof decoded.after !== typeof start) {
      return badRequest('The NextToken is not valid for this request.');
    }
    return decoded.after as T;
  }

  private ipJson(ip: string, a: Address): Record<string, unknown> {
    const pool = a.pool ?? (this.options.defaultPoolReporting === 'named' ? DEFAULT_POOL : undefined);
    return { Ip: ip, WarmupStatus: a.warmupStatus, WarmupPercentage: a.warmupPercentage, ...(pool ? { PoolName: pool } : {}) };
  }

  // ---- Helpers -----------------------------------------------------------------

  /** Whether the pool exists and SES finds it already (see `visibleAfterMs`). */
  private poolFound(name: string): boolean {
    return this.pools.has(name) && this.now() >= (this.poolVisibleAt.get(name) ?? 0);
  }

  private sortedAddresses(): [string, Address][] {
    return [...this.addresses].sort(([, a], [, b]) => a.num - b.num);
  }

  /** The stack ID a StackName (an ID or a name) designates, if there is such a stack. */
  private findStack(stackIdOrName: string | undefined): string | undefined {
    if (stackIdOrName === undefined) return undefined;
    return this.stacks.has(stackIdOrName) ? stackIdOrName : [...this.stacks.keys()].find((id) => stackNameOf(id) === stackIdOrName);
  }

  /** Who GetCallerIdentity says the caller is. */
  private callerArn(): string {
    const region = this.options.region;
    const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
    return `arn:${partition}:sts::${this.callerAccount}:assumed-role/handler/fn`;
  }

  private now(): number {
    return performance.now() - this.t0;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastRefill) / 1000) * this.rate);
    this.lastRefill = now;
  }

  private takeToken(now: number): boolean {
    if (this.rate === Infinity) return true;
    this.refill(now);
    if (this.tokens >= 1 - 1e-9) {
      this.tokens -= 1;
      return true;
    }
    if (this.options.throttledCallsConsumeTokens) this.tokens = Math.max(-this.burst, this.tokens - 1);
    return false;
  }

  /** A number in [0, 1) fixed by the seed, the fault kind and the rank of the admitted call. */
  private draw(stream: string, rank: number): number {
    const digest = createHash('sha256').update(`${this.options.seed}\0${stream}\0${rank}`).digest();
    return digest.readUIntBE(0, 6) / 2 ** 48;
  }
}

/** The statistics GetMetricData computes, over the values of one period. */
const STATISTICS: Record<string, (values: readonly number[]) => number> = {
  Average: (values) => values.reduce((a, b) => a + b, 0) / values.length,
  Sum: (values) => values.reduce((a, b) => a + b, 0),
  Minimum: (values) => Math.min(...values),
  Maximum: (values) => Math.max(...values),
  SampleCount: (values) => values.length,
};

/** The key of a metric: its namespace, name and dimensions (sorted by name). */
function metricKey(namespace: string, metricName: string, dimensions: Readonly<Record<string, string>>): string {
  return JSON.stringify([namespace, metricName, Object.entries(dimensions).sort(([a], [b]) => (a < b ? -1 : 1))]);
}

/** A timestamp of CloudWatch's JSON protocol (epoch seconds, or an ISO string) in ms, or undefined. */
function epochMs(value: unknown): number | undefined {
  const ms = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The tags of a test helper's record, checked as TagResource checks them; throws if SES would refuse them. */
function tagPairs(tags: Readonly<Record<string, string>>): Array<[string, string]> {
  const pairs = checkTags(Object.entries(tags).map(([Key, Value]) => ({ Key, Value })));
  if (typeof pairs === 'string') throw new Error(pairs);
  return pairs;
}

/** The DescribeStacksResult of one stack. */
function describeStacksXml(stackId: string, status: string): string {
  return `<Stacks><member><StackName>${escapeXml(stackNameOf(stackId) ?? stackId)}</StackName><StackId>${escapeXml(stackId)}</StackId>` +
    `<CreationTime>2026-01-01T00:00:00.000Z</CreationTime><StackStatus>${escapeXml(status)}</StackStatus></member></Stacks>`;
}

/** One member of ListStackResources' StackResourceSummaries. */
function stackResourceXml(r: Stack['resources'][number]): string {
  return `<member><LogicalResourceId>${escapeXml(r.logicalId)}</LogicalResourceId><PhysicalResourceId>${escapeXml(r.physicalId)}</PhysicalResourceId>` +
    `<ResourceType>${escapeXml(r.type)}</ResourceType><LastUpdatedTimestamp>${r.lastUpdated}</LastUpdatedTimestamp>` +
    `<ResourceStatus>${escapeXml(r.status)}</ResourceStatus></member>`;
}

/** The JSON object of a request body ({} when empty), or undefined when it is not one. */
function parseBody(text: string): Body | undefined {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Body : undefined;
  } catch {
    return undefined;
  }
}
