import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  paginateListStackResources,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricDataCommand, GetMetricDataCommandInput, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  AlreadyExistsException,
  BadRequestException,
  ConcurrentModificationException,
  CreateDedicatedIpPoolCommand,
  DeleteDedicatedIpPoolCommand,
  GetDedicatedIpCommand,
  GetDedicatedIpPoolCommand,
  GetDedicatedIpsCommand,
  LimitExceededException,
  ListDedicatedIpPoolsCommand,
  ListTagsForResourceCommand,
  NotFoundException,
  paginateGetDedicatedIps,
  PutDedicatedIpInPoolCommand,
  PutDedicatedIpPoolScalingAttributesCommand,
  PutDedicatedIpWarmupAttributesCommand,
  SESv2Client,
  SESv2ServiceException,
  TagResourceCommand,
  TooManyRequestsException,
  UntagResourceCommand,
} from '@aws-sdk/client-sesv2';
import { GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { DEFAULT_POOL, LocalSesEndpoint, LocalSesEndpointOptions, SesCall } from './local-ses-endpoint';

const RANGE = '198.51.100.0/24';
const POOL = 'byoip';

let ep: LocalSesEndpoint;
let clients: SESv2Client[] = [];

/** A real SDK client pointed at the endpoint, without retries unless asked. */
function client(extra: Partial<ConstructorParameters<typeof SESv2Client>[0]> = {}): SESv2Client {
  const c = new SESv2Client({
    endpoint: ep.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
    ...extra,
  });
  clients.push(c);
  return c;
}

async function start(options: LocalSesEndpointOptions = {}): Promise<SESv2Client> {
  ep = await LocalSesEndpoint.start(options);
  ep.createPool(POOL);
  ep.provisionRange(RANGE);
  return client();
}

interface SdkError {
  name: string;
  message: string;
  code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

/** The error a promise rejects with; fails the test if it resolves. */
async function errorOf(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (e) {
    return e as SdkError;
  }
  throw new Error('expected the call to fail');
}

/**
 * Whether an SDK error is the socket error `code` (ECONNRESET, ECONNREFUSED...).
 * Under plain Node the SDK rejects with Node's own error (`code` set; for
 * ECONNRESET and EPIPE `name` is 'TimeoutError', message 'socket hang up').
 * Under jest that error comes from another realm, so the SDK's retry middleware
 * does not recognise it as an Error and rethrows
 * `new Error('AWS SDK error wrapper for TimeoutError: socket hang up')`,
 * without `code`: only the message tells.
 */
function isSocketError(e: SdkError, code: string, text: RegExp): boolean {
  return e.code === code || (e.message.startsWith('AWS SDK error wrapper for ') && text.test(e.message));
}
const isReset = (e: SdkError) => isSocketError(e, 'ECONNRESET', /TimeoutError: socket hang up$/);

const move = (c: SESv2Client, ip: string, pool: string) =>
  c.send(new PutDedicatedIpInPoolCommand({ Ip: ip, DestinationPoolName: pool }));
const getIp = (c: SESv2Client, ip: string) => c.send(new GetDedicatedIpCommand({ Ip: ip }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds (no assertion on how long it took). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(10);
}

/** A raw HTTP exchange, for what the SDK cannot send. */
async function raw(method: string, path: string, body?: string) {
  const res = await fetch(`${ep.url}${path}`, { method, body });
  return { status: res.status, errorType: res.headers.get('x-amzn-errortype'), body: await res.json() as unknown };
}

afterEach(async () => {
  clients.forEach((c) => c.destroy());
  clients = [];
  await ep?.stop();
});

describe('operations', () => {
  test('GetDedicatedIp reads one address', async () => {
    const c = await start();
    const out = await getIp(c, '198.51.100.7');
    expect(out.DedicatedIp).toEqual({ Ip: '198.51.100.7', WarmupStatus: 'DONE', WarmupPercentage: 100 });
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.requestId).toBe('local-ses-1');
  });

  test('PutDedicatedIpInPool moves an address, and moving it to the default pool releases it', async () => {
    const c = await start();
    await move(c, '198.51.100.7', POOL);
    expect(ep.poolOf('198.51.100.7')).toBe(POOL);
    expect((await getIp(c, '198.51.100.7')).DedicatedIp?.PoolName).toBe(POOL);
    expect(ep.addressesIn(POOL)).toEqual(['198.51.100.7']);

    await move(c, '198.51.100.7', DEFAULT_POOL);
    expect(ep.poolOf('198.51.100.7')).toBe(DEFAULT_POOL);
    expect(ep.addressesIn(POOL)).toEqual([]);
    expect(ep.addressesIn(DEFAULT_POOL)).toHaveLength(256);
  });

  test('PutDedicatedIpWarmupAttributes sets the percentage and the status', async () => {
    const c = await start();
    await c.send(new PutDedicatedIpWarmupAttributesCommand({ Ip: '198.51.100.1', WarmupPercentage: 40 }));
    expect(ep.warmupOf('198.51.100.1')).toEqual({ warmupPercentage: 40, warmupStatus: 'IN_PROGRESS' });
    expect((await getIp(c, '198.51.100.1')).DedicatedIp).toMatchObject({ WarmupPercentage: 40, WarmupStatus: 'IN_PROGRESS' });
    await c.send(new PutDedicatedIpWarmupAttributesCommand({ Ip: '198.51.100.1', WarmupPercentage: 100 }));
    expect(ep.warmupOf('198.51.100.1')).toEqual({ warmupPercentage: 100, warmupStatus: 'DONE' });
  });

  test('pools: create, get, list, delete', async () => {
    const c = await start();
    await c.send(new CreateDedicatedIpPoolCommand({ PoolName: 'managed-one', ScalingMode: 'MANAGED', Tags: [{ Key: 'k', Value: 'v' }] }));
    await c.send(new CreateDedicatedIpPoolCommand({ PoolName: 'another' }));
    expect(ep.poolModes()).toEqual({ 'another': 'STANDARD', 'byoip': 'STANDARD', 'managed-one': 'MANAGED' });

    const pool = await c.send(new GetDedicatedIpPoolCommand({ PoolName: 'managed-one' }));
    expect(pool.DedicatedIpPool).toEqual({ PoolName: 'managed-one', ScalingMode: 'MANAGED' });
    const list = await c.send(new ListDedicatedIpPoolsCommand({}));
    expect(list.DedicatedIpPools).toEqual(['another', 'byoip', 'managed-one']);
    expect(list.NextToken).toBeUndefined();

    await c.send(new DeleteDedicatedIpPoolCommand({ PoolName: 'another' }));
    expect(Object.keys(ep.poolModes())).toEqual(['byoip', 'managed-one']);
  });

  test('ListDedicatedIpPools pages, and can list the reserved names', async () => {
    const c = await start({ listReservedPools: true });
    ['c', 'a', 'b'].forEach((name) => ep.createPool(name));
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await c.send(new ListDedicatedIpPoolsCommand({ PageSize: 2, NextToken: token }));
      expect(page.DedicatedIpPools!.length).toBeLessThanOrEqual(2);
      names.push(...page.DedicatedIpPools!);
      token = page.NextToken;
    } while (token);
    expect(names).toEqual(['a', 'b', 'byoip', 'c', DEFAULT_POOL, 'ses-shared-pool']);
  });

  test('the standard SDK configuration reaches the endpoint through clientEnv()', async () => {
    await start({ region: 'eu-west-1' });
    const env = ep.clientEnv();
    expect(Object.keys(env).sort()).toEqual([
      'AWS_ACCESS_KEY_ID', 'AWS_ENDPOINT_URL_CLOUDFORMATION', 'AWS_ENDPOINT_URL_CLOUDWATCH', 'AWS_ENDPOINT_URL_SESV2', 'AWS_ENDPOINT_URL_STS', 'AWS_REGION', 'AWS_SECRET_ACCESS_KEY',
    ]);
    expect(env.AWS_ENDPOINT_URL_STS).toBe(ep.url);
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const c = new SESv2Client({});
      clients.push(c);
      expect(await c.config.region()).toBe('eu-west-1');
      const out = await getIp(c, '198.51.100.9');
      expect(out.DedicatedIp?.Ip).toBe('198.51.100.9');
    } finally {
      process.env = saved;
    }
    expect(ep.calls.map((call) => call.operation)).toEqual(['GetDedicatedIp']);
  });
});

describe('GetDedicatedIps', () => {
  test('pages to the end with forced small pages, in numeric order, without duplicates', async () => {
    const c = await start();
    ep.forcePageSize(7);
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateGetDedicatedIps({ client: c }, { PageSize: 50 })) {
      pages++;
      expect(page.DedicatedIps!.length).toBeLessThanOrEqual(7);
      seen.push(...page.DedicatedIps!.map((ip) => ip.Ip!));
    }
    expect(pages).toBe(Math.ceil(256 / 7));
    expect(seen).toEqual(Array.from({ length: 256 }, (_, i) => `198.51.100.${i}`));
    expect(ep.countCalls().byOperation.GetDedicatedIps).toEqual({ total: 37, ok: 37, throttled: 0, fault: 0, error: 0 });
  });

  test('sorts numerically, not lexically', async () => {
    ep = await LocalSesEndpoint.start();
    const c = client();
    ['10.0.0.100', '9.255.255.255', '10.0.0.9', '10.0.1.0', '10.0.0.10', '100.0.0.1'].forEach((ip) => ep.provisionAddress(ip));
    const out = await c.send(new GetDedicatedIpsCommand({}));
    expect(out.DedicatedIps!.map((ip) => ip.Ip)).toEqual(['9.255.255.255', '10.0.0.9', '10.0.0.10', '10.0.0.100', '10.0.1.0', '100.0.0.1']);
    expect(Object.keys(ep.snapshot())).toEqual(out.DedicatedIps!.map((ip) => ip.Ip));
  });

  test('without PageSize a page holds maxPageSize; PageSize outside 1..maxPageSize is refused', async () => {
    const c = await start({ maxPageSize: 100 });
    const first = await c.send(new GetDedicatedIpsCommand({}));
    expect(first.DedicatedIps).toHaveLength(100);
    expect(first.NextToken).toEqual(expect.any(String));
    const second = await c.send(new GetDedicatedIpsCommand({ NextToken: first.NextToken }));
    expect(second.DedicatedIps![0].Ip).toBe('198.51.100.100');
    const last = await c.send(new GetDedicatedIpsCommand({ PageSize: 100, NextToken: second.NextToken }));
    expect(last.DedicatedIps).toHaveLength(56);
    expect(last.NextToken).toBeUndefined();

    for (const size of [0, 101, -1]) {
      const e = await errorOf(c.send(new GetDedicatedIpsCommand({ PageSize: size })));
      expect(e).toBeInstanceOf(BadRequestException);
      expect(e.message).toBe('PageSize must be an integer from 1 to 100.');
    }
  });

  test('filters by pool, with ses-default-dedicated-pool meaning no named pool', async () => {
    const c = await start();
    await move(c, '198.51.100.200', POOL);
    await move(c, '198.51.100.3', POOL);
    const inPool = await c.send(new GetDedicatedIpsCommand({ PoolName: POOL }));
    expect(inPool.DedicatedIps!.map((ip) => ip.Ip)).toEqual(['198.51.100.3', '198.51.100.200']);
    const rest = await c.send(new GetDedicatedIpsCommand({ PoolName: DEFAULT_POOL, PageSize: 100 }));
    expect(rest.DedicatedIps).toHaveLength(100);
    expect(rest.DedicatedIps!.map((ip) => ip.Ip)).not.toContain('198.51.100.3');

    const e = await errorOf(c.send(new GetDedicatedIpsCommand({ PoolName: 'nope' })));
    expect(e).toBeInstanceOf(NotFoundException);
    expect(e.$metadata?.httpStatusCode).toBe(404);
  });

  test('a NextToken only continues the listing it came from', async () => {
    const c = await start();
    const page = await c.send(new GetDedicatedIpsCommand({ PageSize: 10 }));
    const e = await errorOf(c.send(new GetDedicatedIpsCommand({ PoolName: DEFAULT_POOL, NextToken: page.NextToken })));
    expect(e).toBeInstanceOf(BadRequestException);
    const garbage = await errorOf(c.send(new GetDedicatedIpsCommand({ NextToken: 'not-a-token' })));
    expect(garbage).toBeInstanceOf(BadRequestException);
  });

  test.each([
    ['absent', undefined],
    ['named', DEFAULT_POOL],
  ] as const)('default-pool reporting %s', async (defaultPoolReporting, reported) => {
    const c = await start({ defaultPoolReporting });
    await move(c, '198.51.100.1', POOL);
    const out = await c.send(new GetDedicatedIpsCommand({ PageSize: 3 }));
    expect(out.DedicatedIps!.map((ip) => ip.PoolName)).toEqual([reported, POOL, reported]);
    expect('PoolName' in out.DedicatedIps![0]).toBe(reported !== undefined);
    expect((await getIp(c, '198.51.100.0')).DedicatedIp?.PoolName).toBe(reported);
  });
});

describe('errors', () => {
  test('an address not in the account is NotFoundException', async () => {
    const c = await start();
    ep.removeAddress('198.51.100.9');
    for (const call of [getIp(c, '203.0.113.1'), move(c, '198.51.100.9', POOL),
      c.send(new PutDedicatedIpWarmupAttributesCommand({ Ip: '203.0.113.1', WarmupPercentage: 5 }))]) {
      const e = await errorOf(call);
      expect(e).toBeInstanceOf(NotFoundException);
      expect(e.name).toBe('NotFoundException');
      expect(e.message).toMatch(/^Could not find dedicated IP (203\.0\.113\.1|198\.51\.100\.9) under this account\.$/);
      expect(e.$metadata?.httpStatusCode).toBe(404);
    }
  });

  test('moving to a pool that does not exist is NotFoundException; to the shared pool BadRequestException', async () => {
    const c = await start();
    const missing = await errorOf(move(c, '198.51.100.1', 'nope'));
    expect(missing).toBeInstanceOf(NotFoundException);
    expect(missing.message).toBe('Pool nope does not exist.');
    const shared = await errorOf(move(c, '198.51.100.1', 'ses-shared-pool'));
    expect(shared).toBeInstanceOf(BadRequestException);
    expect(shared.$metadata?.httpStatusCode).toBe(400);
    expect(ep.poolOf('198.51.100.1')).toBe(DEFAULT_POOL);
  });

  test('warm-up percentages outside 0..100 are BadRequestException', async () => {
    const c = await start();
    for (const pct of [101, -1]) {
      const e = await errorOf(c.send(new PutDedicatedIpWarmupAttributesCommand({ Ip: '198.51.100.1', WarmupPercentage: pct })));
      expect(e).toBeInstanceOf(BadRequestException);
      expect(e.name).toBe('BadRequestException');
    }
    expect(ep.warmupOf('198.51.100.1')).toEqual({ warmupPercentage: 100, warmupStatus: 'DONE' });
  });

  test('deleting a STANDARD pool that still holds addresses is BadRequestException; unknown pools NotFoundException', async () => {
    const c = await start();
    await move(c, '198.51.100.1', POOL);
    const e = await errorOf(c.send(new DeleteDedicatedIpPoolCommand({ PoolName: POOL })));
    expect(e).toBeInstanceOf(BadRequestException);
    expect(ep.poolModes()).toHaveProperty(POOL);
    expect(await errorOf(c.send(new DeleteDedicatedIpPoolCommand({ PoolName: 'nope' })))).toBeInstanceOf(NotFoundException);
    expect(await errorOf(c.send(new GetDedicatedIpPoolCommand({ PoolName: 'nope' })))).toBeInstanceOf(NotFoundException);
  });

  test('creating an existing pool is AlreadyExistsException; beyond maxPools LimitExceededException', async () => {
    const c = await start({ maxPools: 2 });
    const exists = await errorOf(c.send(new CreateDedicatedIpPoolCommand({ PoolName: POOL })));
    expect(exists).toBeInstanceOf(AlreadyExistsException);
    expect(exists.$metadata?.httpStatusCode).toBe(400);
    await c.send(new CreateDedicatedIpPoolCommand({ PoolName: 'second' }));
    const limit = await errorOf(c.send(new CreateDedicatedIpPoolCommand({ PoolName: 'third' })));
    expect(limit).toBeInstanceOf(LimitExceededException);
    expect(limit.name).toBe('LimitExceededException');
    expect(await errorOf(c.send(new CreateDedicatedIpPoolCommand({ PoolName: 'Bad Name' })))).toBeInstanceOf(BadRequestException);
  });

  test('an operation the endpoint does not serve is UnknownOperationException', async () => {
    const c = await start();
    const e = await errorOf(c.send(new PutDedicatedIpPoolScalingAttributesCommand({ PoolName: POOL, ScalingMode: 'MANAGED' })));
    expect(e).toBeInstanceOf(SESv2ServiceException);
    expect(e.name).toBe('UnknownOperationException');
    expect(e.$metadata?.httpStatusCode).toBe(404);
    expect(ep.calls[0]).toMatchObject({ operation: 'UnknownOperation', status: 404, outcome: 'error' });
  });

  test.each([
    [403, 'AccessDeniedException', SESv2ServiceException],
    [500, 'InternalFailure', SESv2ServiceException],
    [500, 'ConcurrentModificationException', ConcurrentModificationException],
    [429, 'TooManyRequestsException', TooManyRequestsException],
  ])('an injected %d %s reaches the SDK with its name, message and status', async (status, errorType, errorClass) => {
    const c = await start();
    ep.failWhen(() => ({ status, errorType, message: `injected ${errorType}` }));
    const e = await errorOf(getIp(c, '198.51.100.1'));
    expect(e).toBeInstanceOf(errorClass);
    expect(e.name).toBe(errorType);
    expect(e.message).toBe(`injected ${errorType}`);
    expect(e.$metadata?.httpStatusCode).toBe(status);
  });

  test('rejected calls leave the state unchanged', async () => {
    const c = await start();
    await move(c, '198.51.100.5', POOL);
    const before = ep.snapshot();
    const pools = ep.poolModes();
    await errorOf(move(c, '198.51.100.6', 'nope'));
    await errorOf(move(c, '198.51.100.6', 'ses-shared-pool'));
    await errorOf(c.send(new PutDedicatedIpWarmupAttributesCommand({ Ip: '198.51.100.6', WarmupPercentage: 250 })));
    await errorOf(c.send(new DeleteDedicatedIpPoolCommand({ PoolName: POOL })));
    await errorOf(c.send(new CreateDedicatedIpPoolCommand({ PoolName: POOL })));
    ep.throttleNext(1);
    await errorOf(move(c, '198.51.100.6', POOL));
    ep.failRandomly({ probability: 1 });
    await errorOf(move(c, '198.51.100.6', POOL));
    expect(ep.snapshot()).toEqual(before);
    expect(ep.poolModes()).toEqual(pools);
    expect(ep.countCalls()).toMatchObject({ total: 8, ok: 1, error: 5, fault: 2, throttled: 0 });
  });
});

describe('the token bucket', () => {
  test('back-to-back calls are throttled; a call after waiting succeeds; throttled calls change nothing', async () => {
    const c = await start({ rate: 2, burst: 1 });
    await move(c, '198.51.100.1', POOL);
    const e = await errorOf(move(c, '198.51.100.2', POOL));
    expect(e).toBeInstanceOf(TooManyRequestsException);
    expect(e.name).toBe('TooManyRequestsException');
    expect(e.message).toBe('Too many requests.');
    expect(e.$metadata?.httpStatusCode).toBe(429);
    expect(ep.poolOf('198.51.100.2')).toBe(DEFAULT_POOL);
    // One bucket for all operations: a read is throttled too.
    expect(await errorOf(getIp(c, '198.51.100.2'))).toBeInstanceOf(TooManyRequestsException);

    await sleep(600);
    await move(c, '198.51.100.2', POOL);
    expect(ep.addressesIn(POOL)).toEqual(['198.51.100.1', '198.51.100.2']);
    expect(ep.calls.map((call) => [call.outcome, call.status, call.n])).toEqual([
      ['ok', 200, 1], ['throttled', 429, undefined], ['throttled', 429, undefined], ['ok', 200, 2],
    ]);
  });

  test('throttled calls take no token unless throttledCallsConsumeTokens', async () => {
    for (const throttledCallsConsumeTokens of [false, true]) {
      // A very slow refill, so that the machine's speed cannot matter.
      const c = await start({ rate: 0.01, burst: 1, throttledCallsConsumeTokens });
      await getIp(c, '198.51.100.1');
      await errorOf(getIp(c, '198.51.100.1'));
      await errorOf(getIp(c, '198.51.100.1'));
      const tokens = ep.tokensAvailable();
      if (throttledCallsConsumeTokens) {
        expect(tokens).toBeLessThan(0);
        expect(tokens).toBeGreaterThanOrEqual(-1);
      } else {
        expect(tokens).toBeGreaterThanOrEqual(0);
      }
      await ep.stop();
    }
  });

  test('setRate changes the bucket at run time', async () => {
    const c = await start({ rate: 0.01, burst: 1 });
    await getIp(c, '198.51.100.1');
    expect(await errorOf(getIp(c, '198.51.100.1'))).toBeInstanceOf(TooManyRequestsException);
    ep.setRate(Infinity);
    expect(ep.tokensAvailable()).toBe(Infinity);
    await Promise.all(Array.from({ length: 20 }, () => getIp(c, '198.51.100.1')));
    ep.setRate(0.01, 3);
    // The bucket starts full at the new capacity: exactly 3 of 5 parallel calls pass.
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => getIp(c, '198.51.100.1')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(ep.countCalls()).toMatchObject({ ok: 24, throttled: 3 });
    expect(() => ep.setRate(0)).toThrow(RangeError);
  });

  test('the SDK retries by itself when allowed to, and each attempt is a call', async () => {
    await start();
    const retrying = client({ maxAttempts: 3 });
    // A 500 rather than a 429 keeps the test fast: the SDK backs off longer after throttling.
    ep.failWhen((call) => (call.n === 1 ? { status: 500, errorType: 'InternalFailure' } : undefined));
    expect((await getIp(retrying, '198.51.100.1')).$metadata.attempts).toBe(2);
    expect(ep.calls.map((call) => [call.status, call.n])).toEqual([[500, 1], [200, 2]]);
  });
});

describe('fault injection', () => {
  test('throttleNext and throttleFor answer 429 whatever the bucket holds', async () => {
    const c = await start();
    ep.throttleNext(3);
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(await getIp(c, '198.51.100.1').then(() => 'ok', (e: SdkError) => e.name));
    }
    expect(outcomes).toEqual(['TooManyRequestsException', 'TooManyRequestsException', 'TooManyRequestsException', 'ok']);

    ep.throttleFor(60_000);
    for (let i = 0; i < 5; i++) {
      expect(await errorOf(move(c, '198.51.100.1', POOL))).toBeInstanceOf(TooManyRequestsException);
    }
    expect(ep.poolOf('198.51.100.1')).toBe(DEFAULT_POOL);
    ep.clearFaults();
    await move(c, '198.51.100.1', POOL);
    const counts = ep.countCalls();
    expect(counts).toMatchObject({ total: 10, ok: 2, fault: 8, throttled: 0 });
    expect(counts.byErrorType).toEqual({ TooManyRequestsException: 8 });
    expect(ep.calls.filter((call) => call.fault).map((call) => call.fault)).toEqual([
      ...Array(3).fill('throttleNext'), ...Array(5).fill('throttleFor'),
    ]);
  });

  test('random failures are deterministic for a seed, and leave the state unchanged', async () => {
    const run = async (seed: number) => {
      const c = await start({ seed });
      ep.failRandomly({ probability: 0.3, errorType: 'ConcurrentModificationException', operations: ['PutDedicatedIpInPool'] });
      const failed: number[] = [];
      for (let i = 0; i < 40; i++) {
        await getIp(c, '198.51.100.1'); // not eligible: never fails
        const e = await move(c, `198.51.100.${i}`, POOL).then(() => undefined, (err: SdkError) => err);
        if (e) {
          expect(e).toBeInstanceOf(ConcurrentModificationException);
          expect(e.$metadata?.httpStatusCode).toBe(500);
          expect(ep.poolOf(`198.51.100.${i}`)).toBe(DEFAULT_POOL);
          failed.push(i);
        } else {
          expect(ep.poolOf(`198.51.100.${i}`)).toBe(POOL);
        }
      }
      expect(ep.countCalls().byOperation.GetDedicatedIp).toMatchObject({ ok: 40 });
      await ep.stop();
      return failed;
    };
    const first = await run(42);
    expect(await run(42)).toEqual(first);
    expect(first.length).toBeGreaterThan(3);
    expect(first.length).toBeLessThan(25);
    expect(await run(7)).not.toEqual(first);
  });

  test('a connection reset surfaces in the SDK as a socket error, and changes nothing', async () => {
    const c = await start();
    ep.resetConnections({ next: 1 });
    const e = await errorOf(move(c, '198.51.100.1', POOL));
    expect(isReset(e)).toBe(true);
    expect(ep.poolOf('198.51.100.1')).toBe(DEFAULT_POOL);
    await move(c, '198.51.100.1', POOL);
    expect(ep.calls.map((call) => [call.status, call.outcome, call.fault])).toEqual([[0, 'fault', 'resetConnections'], [200, 'ok', undefined]]);
  });

  test('a reset after processing applies the change but loses the answer', async () => {
    const c = await start();
    ep.resetConnections({ next: 1, afterProcessing: true, operations: ['PutDedicatedIpInPool'] });
    await getIp(c, '198.51.100.1');
    expect(isReset(await errorOf(move(c, '198.51.100.1', POOL)))).toBe(true);
    expect(ep.poolOf('198.51.100.1')).toBe(POOL);
  });

  test('random resets are deterministic for a seed', async () => {
    const run = async () => {
      const c = await start({ seed: 'resets' });
      ep.resetConnections({ probability: 0.25 });
      const pattern: boolean[] = [];
      for (let i = 0; i < 30; i++) pattern.push(await getIp(c, '198.51.100.1').then(() => true, () => false));
      await ep.stop();
      return pattern;
    };
    const first = await run();
    expect(first).toContain(false);
    expect(first).toContain(true);
    expect(await run()).toEqual(first);
  });

  test('slow answers still answer, and a client timeout shorter than the delay fails', async () => {
    const c = await start();
    ep.delayResponses(30);
    expect((await getIp(c, '198.51.100.1')).DedicatedIp?.Ip).toBe('198.51.100.1');
    expect(ep.calls[0]).toMatchObject({ delayedMs: 30, outcome: 'ok' });

    ep.delayResponses(300, { operations: ['PutDedicatedIpInPool'] });
    const impatient = client({ requestHandler: { requestTimeout: 20, throwOnRequestTimeout: true } });
    const e = await errorOf(move(impatient, '198.51.100.2', POOL));
    expect(e.name === 'TimeoutError' || e.message.startsWith('AWS SDK error wrapper for TimeoutError')).toBe(true);
    // The service acted before the slow answer, which goes to a closed socket harmlessly.
    expect(ep.poolOf('198.51.100.2')).toBe(POOL);
    await until(() => ep.calls.length === 2);
    expect(ep.calls[1]).toMatchObject({ operation: 'PutDedicatedIpInPool', status: 200, delayedMs: 300 });
  });

  test('stop() does not wait for pending slow answers', async () => {
    const c = await start();
    ep.delayResponses(60_000);
    const pending = errorOf(getIp(c, '198.51.100.1'));
    await until(() => ep.inFlight === 1);
    await ep.stop();
    expect(isReset(await pending)).toBe(true);
    expect(ep.calls).toEqual([]);
  });

  test('failWhen fails a chosen call: AccessDeniedException on the 50th PutDedicatedIpInPool', async () => {
    const c = await start();
    const seen: number[] = [];
    ep.failWhen((call) => {
      if (call.operation !== 'PutDedicatedIpInPool') return undefined;
      seen.push(call.n);
      return call.n === 50 ? { status: 403, errorType: 'AccessDeniedException', message: 'not authorized' } : undefined;
    });
    const failures: string[] = [];
    for (let i = 0; i < 60; i++) {
      await getIp(c, `198.51.100.${i}`);
      await move(c, `198.51.100.${i}`, POOL).catch((e: SdkError) => failures.push(`${i} ${e.name} ${e.$metadata?.httpStatusCode}`));
    }
    expect(failures).toEqual(['49 AccessDeniedException 403']);
    expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(ep.poolOf('198.51.100.49')).toBe(DEFAULT_POOL);
    expect(ep.addressesIn(POOL)).toHaveLength(59);
    const failed = ep.calls.find((call) => call.fault) as SesCall;
    expect(failed).toMatchObject({ operation: 'PutDedicatedIpInPool', ip: '198.51.100.49', pool: POOL, n: 50, fault: 'failWhen' });
  });

  test('clearFaults removes every fault', async () => {
    const c = await start();
    ep.forcePageSize(1);
    ep.failRandomly({ probability: 1 });
    ep.resetConnections({ probability: 1 });
    ep.delayResponses(10_000);
    ep.failWhen(() => ({ status: 500, errorType: 'InternalFailure' }));
    ep.throttleNext(5);
    ep.throttleFor(60_000);
    ep.denyFor(60_000);
    ep.clearFaults();
    const out = await c.send(new GetDedicatedIpsCommand({}));
    expect(out.DedicatedIps).toHaveLength(100);
  });
});

describe('the unkind world: IAM that lags, pools that appear late', () => {
  test('denyFor answers AccessDeniedException until the time is up, and the denied calls change nothing', async () => {
    const c = await start();
    ep.denyFor(150, { operations: ['PutDedicatedIpInPool'] });
    const denied = await errorOf(move(c, '198.51.100.1', POOL));
    expect(denied).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    expect(denied.message).toContain('is not authorized to perform: ses:PutDedicatedIpInPool');
    await getIp(c, '198.51.100.1'); // other operations are not denied
    expect(ep.poolOf('198.51.100.1')).toBe(DEFAULT_POOL);
    await sleep(200);
    await move(c, '198.51.100.1', POOL);
    expect(ep.poolOf('198.51.100.1')).toBe(POOL);
    expect(ep.calls.filter((call) => call.fault === 'denyFor')).toHaveLength(1);
  });

  test('a pool created with visibleAfterMs is not found until then', async () => {
    const c = await start();
    ep.createPool('fresh', { visibleAfterMs: 150 });
    expect((await errorOf(move(c, '198.51.100.1', 'fresh'))).name).toBe('NotFoundException');
    expect((await errorOf(c.send(new GetDedicatedIpsCommand({ PoolName: 'fresh' })))).name).toBe('NotFoundException');
    await sleep(200);
    await move(c, '198.51.100.1', 'fresh');
    expect(ep.addressesIn('fresh')).toEqual(['198.51.100.1']);
    expect(ep.poolModes()).toMatchObject({ fresh: 'STANDARD' });
  });
});

describe('holds', () => {
  test('a held call waits unanswered until released, then is served; other calls go on', async () => {
    const c = await start();
    const hold = ep.hold((call) => call.operation === 'PutDedicatedIpInPool' && call.pool === POOL);
    let moved = false;
    const pending = move(c, '198.51.100.1', POOL).then(() => {
      moved = true;
    });
    await until(() => hold.waiting === 1);
    await getIp(c, '198.51.100.2'); // not held
    await move(c, '198.51.100.3', DEFAULT_POOL); // not held
    expect(moved).toBe(false);
    expect(ep.poolOf('198.51.100.1')).toBe(DEFAULT_POOL);
    hold.release();
    await pending;
    expect(ep.poolOf('198.51.100.1')).toBe(POOL);
    expect(hold.waiting).toBe(0);
    await move(c, '198.51.100.4', POOL); // released: no longer held
  });
});

describe('resource tags of dedicated IP pools', () => {
  const ACCOUNT = '111122223333';
  const arnOf = (pool: string, account = ACCOUNT) => `arn:aws:ses:us-east-1:${account}:dedicated-ip-pool/${pool}`;
  const tag = (c: SESv2Client, pool: string, tags: Record<string, string>) =>
    c.send(new TagResourceCommand({ ResourceArn: arnOf(pool), Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
  const untag = (c: SESv2Client, pool: string, keys: string[]) => c.send(new UntagResourceCommand({ ResourceArn: arnOf(pool), TagKeys: keys }));
  const list = async (c: SESv2Client, pool: string) => (await c.send(new ListTagsForResourceCommand({ ResourceArn: arnOf(pool) }))).Tags;

  test('TagResource adds and overwrites, UntagResource removes, ListTagsForResource lists, per pool', async () => {
    const c = await start();
    ep.createPool('other', { tags: { owner: 'someone-else' } });
    expect(await list(c, POOL)).toEqual([]);
    await tag(c, POOL, { 'ses-byoip:range': '198.51.100.0/24', 'team': 'mail', 'empty': '' });
    await tag(c, POOL, { team: 'Mail Ops' });
    expect(await list(c, POOL)).toEqual([
      { Key: 'ses-byoip:range', Value: '198.51.100.0/24' }, { Key: 'team', Value: 'Mail Ops' }, { Key: 'empty', Value: '' },
    ]);
    await untag(c, POOL, ['team', 'empty', 'never-set']);
    expect(ep.poolTags(POOL)).toEqual({ 'ses-byoip:range': '198.51.100.0/24' });
    expect(ep.poolTags('other')).toEqual({ owner: 'someone-else' });
    expect(ep.poolTags('nope')).toBeUndefined();
    expect(ep.calls.map((call) => [call.operation, call.method, call.pool, call.status])).toEqual([
      ['ListTagsForResource', 'GET', POOL, 200],
      ['TagResource', 'POST', POOL, 200],
      ['TagResource', 'POST', POOL, 200],
      ['ListTagsForResource', 'GET', POOL, 200],
      ['UntagResource', 'DELETE', POOL, 200],
    ]);
  });

  test('CreateDedicatedIpPool stores its Tags; DeleteDedicatedIpPool forgets them; setPoolTags replaces them', async () => {
    const c = await start();
    await c.send(new CreateDedicatedIpPoolCommand({ PoolName: 'tagged', Tags: [{ Key: 'k', Value: 'v' }] }));
    expect(ep.poolTags('tagged')).toEqual({ k: 'v' });
    expect(await list(c, 'tagged')).toEqual([{ Key: 'k', Value: 'v' }]);
    ep.setPoolTags('tagged', { a: '1', b: '2' });
    expect(await list(c, 'tagged')).toEqual([{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }]);
    await c.send(new DeleteDedicatedIpPoolCommand({ PoolName: 'tagged' }));
    expect(ep.poolTags('tagged')).toBeUndefined();
    await c.send(new CreateDedicatedIpPoolCommand({ PoolName: 'tagged' }));
    expect(await list(c, 'tagged')).toEqual([]);
    const refused = await errorOf(c.send(new CreateDedicatedIpPoolCommand({ PoolName: 'bad-tags', Tags: [{ Key: 'aws:x', Value: 'v' }] })));
    expect(refused).toBeInstanceOf(BadRequestException);
    expect(ep.poolModes()).not.toHaveProperty('bad-tags');
  });

  test('fails with BadRequestException for a ResourceArn that is not a dedicated IP pool\'s', async () => {
    const c = await start();
    for (const arn of [
      'arn:aws:ses:us-east-1:111122223333:configuration-set/mail',
      `arn:aws:ses:us-east-1:1111:dedicated-ip-pool/${POOL}`,
      `arn:aws:sesv2:us-east-1:111122223333:dedicated-ip-pool/${POOL}`,
      POOL,
    ]) {
      for (const call of [
        () => c.send(new ListTagsForResourceCommand({ ResourceArn: arn })),
        () => c.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'k', Value: 'v' }] })),
        () => c.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['k'] })),
      ]) {
        const e = await errorOf(call());
        expect(e).toBeInstanceOf(BadRequestException);
        expect(e.message).toContain(`ResourceArn ${arn} is not valid here`);
      }
    }
    expect(ep.calls.every((call) => call.pool === undefined && call.status === 400)).toBe(true);
  });

  test('fails with NotFoundException for a pool that does not exist, is not visible yet, or is in another account', async () => {
    const c = await start();
    ep.createPool('fresh', { visibleAfterMs: 150, tags: { k: 'v' } });
    for (const call of [
      () => list(c, 'nope'), () => tag(c, 'nope', { k: 'v' }), () => untag(c, 'nope', ['k']), () => list(c, 'fresh'), () => untag(c, 'fresh', ['k']),
    ]) {
      const e = await errorOf(call());
      expect(e).toBeInstanceOf(NotFoundException);
      expect(e.$metadata?.httpStatusCode).toBe(404);
      expect(e.message).toMatch(/^Pool (nope|fresh) does not exist\.$/);
    }
    const elsewhere = await errorOf(c.send(new ListTagsForResourceCommand({ ResourceArn: arnOf(POOL, '444455556666') })));
    expect(elsewhere).toBeInstanceOf(NotFoundException);
    expect(elsewhere.message).toContain('is not in this account (111122223333)');
    expect(ep.poolTags('fresh')).toEqual({ k: 'v' });
    await sleep(200);
    expect(await list(c, 'fresh')).toEqual([{ Key: 'k', Value: 'v' }]);
  });

  test.each([
    ['an empty key', { Key: '', Value: 'v' }, 'must be 1 to 128 characters long'],
    ['a key of 129 characters', { Key: 'k'.repeat(129), Value: 'v' }, 'must be 1 to 128 characters long'],
    ['a value of 257 characters', { Key: 'k', Value: 'v'.repeat(257) }, 'must be 0 to 256 characters long'],
    ['the aws: prefix on a key', { Key: 'aws:cloudformation:stack-id', Value: 'v' }, 'the prefix aws:'],
    ['the AWS: prefix on a value', { Key: 'k', Value: 'AWS:x' }, 'the prefix aws:'],
    ['a character SES does not allow', { Key: 'k', Value: 'a#b' }, 'may only contain'],
  ])('fails with BadRequestException for %s, and changes nothing', async (_, bad, message) => {
    const c = await start();
    ep.setPoolTags(POOL, { keep: 'me' });
    const e = await errorOf(c.send(new TagResourceCommand({ ResourceArn: arnOf(POOL), Tags: [{ Key: 'ok', Value: 'ok' }, bad] })));
    expect(e).toBeInstanceOf(BadRequestException);
    expect(e.message).toContain(message);
    expect(ep.poolTags(POOL)).toEqual({ keep: 'me' });
  });

  test('keys of 128 characters, values of 256 and non-ASCII letters are accepted', async () => {
    const c = await start();
    await tag(c, POOL, { ['k'.repeat(128)]: 'v'.repeat(256), équipe: 'Zürich Mail', path: 'a/b=c+d-e_f.g:h' });
    expect(Object.keys(ep.poolTags(POOL)!)).toHaveLength(3);
  });

  test('fails with BadRequestException beyond 50 tags per pool, counting the tags it already has; overwriting is not adding', async () => {
    const c = await start();
    const many = (n: number, prefix = 't') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'v']));
    expect((await errorOf(tag(c, POOL, many(51)))).message).toBe('A resource can have at most 50 tags; got 51.');
    ep.setPoolTags(POOL, many(49));
    await tag(c, POOL, { t0: 'changed', extra: 'v' });
    expect(Object.keys(ep.poolTags(POOL)!)).toHaveLength(50);
    const e = await errorOf(tag(c, POOL, { one: 'too many' }));
    expect(e).toBeInstanceOf(BadRequestException);
    expect(e.message).toBe(`A resource can have at most 50 tags; pool ${POOL} would have 51.`);
    expect(ep.poolTags(POOL)!.t0).toBe('changed');
    const twice = await errorOf(c.send(new TagResourceCommand({ ResourceArn: arnOf(POOL), Tags: [{ Key: 'd', Value: '1' }, { Key: 'd', Value: '2' }] })));
    expect(twice.message).toBe('Tag key "d" is given twice.');
    expect(() => ep.createPool('crowded', { tags: many(51) })).toThrow('at most 50 tags');
    expect(ep.poolModes()).not.toHaveProperty('crowded');
    expect(() => ep.setPoolTags('nope', {})).toThrow('pool nope does not exist');
    expect(() => ep.setPoolTags(POOL, { 'aws:x': 'v' })).toThrow('aws:');
  });

  test('tag calls take a token from the shared bucket and meet holds, storms, denyFor, failWhen, failRandomly and resets', async () => {
    const c = await start({ rate: 0.01, burst: 1 });
    await list(c, POOL);
    expect(await errorOf(tag(c, POOL, { k: 'v' }))).toBeInstanceOf(TooManyRequestsException);
    ep.setRate(Infinity);

    const hold = ep.hold((call) => call.operation === 'TagResource' && call.pool === POOL);
    const held = tag(c, POOL, { held: 'yes' });
    await until(() => hold.waiting === 1);
    expect(ep.poolTags(POOL)).toEqual({});
    hold.release();
    await held;
    expect(ep.poolTags(POOL)).toEqual({ held: 'yes' });

    ep.throttleNext(1);
    expect(await errorOf(untag(c, POOL, ['held']))).toBeInstanceOf(TooManyRequestsException);
    ep.denyFor(60_000, { operations: ['UntagResource'] });
    const denied = await errorOf(untag(c, POOL, ['held']));
    expect(denied).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    expect(denied.message).toContain('is not authorized to perform: ses:UntagResource');
    ep.clearFaults();
    const seen: Array<[string, string | undefined, number]> = [];
    ep.failWhen((call) => {
      seen.push([call.operation, call.pool, call.n]);
      return call.operation === 'TagResource' ? { status: 500, errorType: 'ConcurrentModificationException' } : undefined;
    });
    expect(await errorOf(tag(c, POOL, { k: 'v' }))).toBeInstanceOf(ConcurrentModificationException);
    // n counts admitted calls: the throttled TagResource was not admitted.
    expect(seen).toEqual([['TagResource', POOL, 2]]);
    ep.clearFaults();
    ep.failRandomly({ probability: 1, operations: ['ListTagsForResource'] });
    expect((await errorOf(list(c, POOL))).$metadata?.httpStatusCode).toBe(500);
    ep.clearFaults();
    ep.resetConnections({ next: 1, afterProcessing: true, operations: ['TagResource'] });
    expect(isReset(await errorOf(tag(c, POOL, { lost: 'answer' })))).toBe(true);
    expect(ep.poolTags(POOL)).toEqual({ held: 'yes', lost: 'answer' });
    expect(ep.poolTags(POOL)).not.toHaveProperty('k');
    expect(ep.calls.map((call) => [call.operation, call.outcome, call.fault])).toEqual([
      ['ListTagsForResource', 'ok', undefined],
      ['TagResource', 'throttled', undefined],
      ['TagResource', 'ok', undefined],
      ['UntagResource', 'fault', 'throttleNext'],
      ['UntagResource', 'fault', 'denyFor'],
      ['TagResource', 'fault', 'failWhen'],
      ['ListTagsForResource', 'fault', 'failRandomly'],
      ['TagResource', 'fault', 'resetConnections'],
    ]);
    expect(ep.countCalls().byOperation.TagResource).toEqual({ total: 4, ok: 1, throttled: 1, fault: 2, error: 0 });
  });

  test('raw HTTP: the routes and parameters the SDK uses', async () => {
    await start();
    const arn = encodeURIComponent(arnOf(POOL));
    expect(await raw('POST', '/v2/email/tags', JSON.stringify({ ResourceArn: arnOf(POOL), Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] })))
      .toEqual({ status: 200, errorType: null, body: {} });
    expect(await raw('DELETE', `/v2/email/tags?ResourceArn=${arn}&TagKeys=a&TagKeys=c`)).toMatchObject({ status: 200 });
    expect(await raw('GET', `/v2/email/tags?ResourceArn=${arn}`)).toEqual({ status: 200, errorType: null, body: { Tags: [{ Key: 'b', Value: '2' }] } });
    expect(await raw('DELETE', `/v2/email/tags?ResourceArn=${arn}`)).toMatchObject({ status: 400, body: { message: 'TagKeys is required.' } });
    expect(await raw('POST', '/v2/email/tags', JSON.stringify({ ResourceArn: arnOf(POOL) }))).toMatchObject({ status: 400, body: { message: 'Tags is required.' } });
    expect(await raw('GET', '/v2/email/tags')).toMatchObject({ status: 400, body: { message: 'ResourceArn is required.' } });
    expect(await raw('PUT', '/v2/email/tags', '{}')).toMatchObject({ status: 404, errorType: 'UnknownOperationException' });
  });
});

describe('CloudFormation DescribeStacks', () => {
  const STACK = 'arn:aws:cloudformation:us-east-1:111122223333:stack/Mail/5f7c3e10-0000-0000-0000-000000000000';
  function cfn() {
    return new CloudFormationClient({ endpoint: ep.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
  }

  test('reports the status set for a stack, by ID or name, without taking SES tokens', async () => {
    await start({ rate: 1, burst: 1 });
    ep.setStackStatus(STACK, 'UPDATE_ROLLBACK_IN_PROGRESS');
    const stacks = cfn();
    for (const name of [STACK, 'Mail']) {
      const out = await stacks.send(new DescribeStacksCommand({ StackName: name }));
      expect(out.Stacks).toEqual([expect.objectContaining({ StackId: STACK, StackName: 'Mail', StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS' })]);
    }
    expect(ep.tokensAvailable()).toBeCloseTo(1, 1);
    stacks.destroy();
  });

  test('an unknown stack is a ValidationError; denyFor and failWhen apply', async () => {
    await start();
    ep.setStackStatus(STACK, 'UPDATE_IN_PROGRESS');
    const stacks = cfn();
    expect(await errorOf(stacks.send(new DescribeStacksCommand({ StackName: 'Other' })))).toMatchObject({
      name: 'ValidationError', message: 'Stack with id Other does not exist', $metadata: { httpStatusCode: 400 },
    });
    ep.denyFor(60_000, { operations: ['DescribeStacks'] });
    expect(await errorOf(stacks.send(new DescribeStacksCommand({ StackName: STACK })))).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    ep.clearFaults();
    ep.failWhen((call) => (call.operation === 'DescribeStacks' ? { status: 500, errorType: 'InternalFailure' } : undefined));
    expect((await errorOf(stacks.send(new DescribeStacksCommand({ StackName: STACK })))).$metadata?.httpStatusCode).toBe(500);
    expect(ep.calls.map((call) => [call.operation, call.outcome, call.fault])).toEqual([
      ['DescribeStacks', 'error', undefined],
      ['DescribeStacks', 'fault', 'denyFor'],
      ['DescribeStacks', 'fault', 'failWhen'],
    ]);
    stacks.destroy();
  });
});

describe('CloudFormation ListStackResources and GetTemplate', () => {
  const STACK = 'arn:aws:cloudformation:us-east-1:111122223333:stack/Mail/5f7c3e10-0000-0000-0000-000000000000';
  const RESOURCES = Array.from({ length: 150 }, (_, i) => ({ logicalId: `Pool${i}`, physicalId: `pool-${i}`, type: 'AWS::SES::DedicatedIpPool' }));
  let stacks: CloudFormationClient;
  function cfn(): CloudFormationClient {
    stacks = new CloudFormationClient({ endpoint: ep.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
    return stacks;
  }
  afterEach(() => stacks?.destroy());

  test('ListStackResources lists the resources set with setStack in pages of 100, by stack ID or name', async () => {
    await start();
    ep.setStack(STACK, { status: 'UPDATE_IN_PROGRESS', resources: [...RESOURCES, { logicalId: 'Fn', physicalId: 'Mail-Fn-1', type: 'AWS::Lambda::Function', status: 'UPDATE_COMPLETE' }] });
    const first = await cfn().send(new ListStackResourcesCommand({ StackName: STACK }));
    expect(first.StackResourceSummaries).toHaveLength(100);
    expect(first.StackResourceSummaries![0]).toEqual({
      LogicalResourceId: 'Pool0',
      PhysicalResourceId: 'pool-0',
      ResourceType: 'AWS::SES::DedicatedIpPool',
      ResourceStatus: 'CREATE_COMPLETE',
      LastUpdatedTimestamp: expect.any(Date),
    });
    const second = await stacks.send(new ListStackResourcesCommand({ StackName: 'Mail', NextToken: first.NextToken }));
    expect(second.StackResourceSummaries).toHaveLength(51);
    expect(second.NextToken).toBeUndefined();
    expect(second.StackResourceSummaries![50]).toMatchObject({ LogicalResourceId: 'Fn', ResourceType: 'AWS::Lambda::Function', ResourceStatus: 'UPDATE_COMPLETE' });
    expect(ep.calls.map((call) => [call.operation, call.stack, call.n])).toEqual([['ListStackResources', STACK, 1], ['ListStackResources', 'Mail', 2]]);
  });

  test('ListStackResources pages with forcePageSize and the SDK paginator; a stack without resources lists none', async () => {
    await start();
    ep.setStack(STACK, { resources: RESOURCES.slice(0, 7) });
    ep.forcePageSize(3);
    const ids: string[] = [];
    for await (const page of paginateListStackResources({ client: cfn() }, { StackName: 'Mail' })) {
      ids.push(...page.StackResourceSummaries!.map((r) => r.LogicalResourceId!));
    }
    expect(ids).toEqual(RESOURCES.slice(0, 7).map((r) => r.logicalId));
    expect(ep.countCalls().byOperation.ListStackResources).toMatchObject({ ok: 3 });
    ep.setStack(STACK);
    expect((await stacks.send(new ListStackResourcesCommand({ StackName: STACK }))).StackResourceSummaries).toEqual([]);
  });

  test('fails with ValidationError for a NextToken of another stack or none at all', async () => {
    await start();
    const OTHER = 'arn:aws:cloudformation:us-east-1:111122223333:stack/Other/1';
    ep.setStack(STACK, { resources: RESOURCES });
    ep.setStack(OTHER, { resources: RESOURCES });
    const page = await cfn().send(new ListStackResourcesCommand({ StackName: STACK }));
    for (const token of [page.NextToken, 'garbage']) {
      expect(await errorOf(stacks.send(new ListStackResourcesCommand({ StackName: OTHER, NextToken: token }))))
        .toMatchObject({ name: 'ValidationError', message: 'Invalid NextToken', $metadata: { httpStatusCode: 400 } });
    }
  });

  test('GetTemplate answers the template as JSON text, XML-escaped on the wire, with both stages', async () => {
    await start();
    const template = {
      Description: 'Pools for <mail> & "news" \u00e9\u4e2d\n',
      Resources: { Pool: { Type: 'AWS::SES::DedicatedIpPool', Properties: { PoolName: 'a&b' } } },
      Outputs: { Cdata: { Value: ']]> <![CDATA[' } },
    };
    ep.setStack(STACK, { template });
    for (const stage of [undefined, 'Original', 'Processed'] as const) {
      const out = await cfn().send(new GetTemplateCommand({ StackName: 'Mail', TemplateStage: stage }));
      expect(JSON.parse(out.TemplateBody!)).toEqual(template);
      expect(out.StagesAvailable).toEqual(['Original', 'Processed']);
      stacks.destroy();
    }
    const res = await fetch(ep.url, { method: 'POST', body: new URLSearchParams({ Action: 'GetTemplate', Version: '2010-05-15', StackName: STACK }) });
    const xml = await res.text();
    expect(xml).toContain('<TemplateBody>{"Description":"Pools for &lt;mail&gt; &amp; \\"news\\"');
    expect(xml).toContain('"Value":"]]&gt; &lt;![CDATA["');
  });

  test('GetTemplate without a template set answers one made of the resources; an unknown TemplateStage is a ValidationError', async () => {
    await start();
    ep.setStack(STACK, { resources: RESOURCES.slice(0, 2) });
    const out = await cfn().send(new GetTemplateCommand({ StackName: STACK }));
    expect(JSON.parse(out.TemplateBody!)).toEqual({
      Resources: { Pool0: { Type: 'AWS::SES::DedicatedIpPool' }, Pool1: { Type: 'AWS::SES::DedicatedIpPool' } },
    });
    const e = await errorOf(stacks.send(new GetTemplateCommand({ StackName: STACK, TemplateStage: 'Final' as never })));
    expect(e).toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    expect(e.message).toContain("Value 'Final' at 'templateStage' failed to satisfy constraint");
    expect((await errorOf(stacks.send(new GetTemplateCommand({ StackName: STACK, ChangeSetName: 'cs' })))).name).toBe('ValidationError');
  });

  test('fails with ValidationError for an unknown or removed stack; denyFor and failWhen apply; no SES token is taken', async () => {
    await start({ rate: 1, burst: 1 });
    ep.setStack(STACK, { resources: RESOURCES.slice(0, 1) });
    const c = cfn();
    expect(ep.removeStack('Mail')).toBe(true);
    expect(ep.removeStack(STACK)).toBe(false);
    for (const call of [
      () => c.send(new ListStackResourcesCommand({ StackName: 'Mail' })),
      () => c.send(new GetTemplateCommand({ StackName: STACK })),
      () => c.send(new DescribeStacksCommand({ StackName: 'Mail' })),
    ]) {
      expect(await errorOf(call())).toMatchObject({ name: 'ValidationError', message: expect.stringMatching(/^Stack with id (Mail|arn:.*) does not exist$/) });
    }
    ep.setStack(STACK);
    ep.denyFor(60_000, { operations: ['GetTemplate'] });
    const denied = await errorOf(c.send(new GetTemplateCommand({ StackName: STACK })));
    expect(denied).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(denied.message).toContain('cloudformation:GetTemplate');
    await c.send(new ListStackResourcesCommand({ StackName: STACK }));
    ep.clearFaults();
    ep.failWhen((call) => (call.stack === 'Mail' ? { status: 400, errorType: 'Throttling', message: 'Rate exceeded' } : undefined));
    expect(await errorOf(c.send(new ListStackResourcesCommand({ StackName: 'Mail' })))).toMatchObject({ name: 'Throttling', message: 'Rate exceeded' });
    await c.send(new GetTemplateCommand({ StackName: STACK }));
    expect(ep.tokensAvailable()).toBeCloseTo(1, 1);
    expect(ep.calls.map((call) => [call.operation, call.outcome, call.fault])).toEqual([
      ['ListStackResources', 'error', undefined],
      ['GetTemplate', 'error', undefined],
      ['DescribeStacks', 'error', undefined],
      ['GetTemplate', 'fault', 'denyFor'],
      ['ListStackResources', 'ok', undefined],
      ['ListStackResources', 'fault', 'failWhen'],
      ['GetTemplate', 'ok', undefined],
    ]);
  });

  test('setStack replaces a stack, and a stack of the same name; setStackStatus keeps the rest; invalid seeds fail', async () => {
    await start();
    ep.setStack(STACK, { resources: RESOURCES.slice(0, 3), template: { Resources: {} } });
    ep.setStackStatus(STACK, 'UPDATE_ROLLBACK_IN_PROGRESS');
    const c = cfn();
    expect((await c.send(new DescribeStacksCommand({ StackName: 'Mail' }))).Stacks![0]).toMatchObject({ StackId: STACK, StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS' });
    expect((await c.send(new ListStackResourcesCommand({ StackName: 'Mail' }))).StackResourceSummaries).toHaveLength(3);
    expect((await c.send(new GetTemplateCommand({ StackName: 'Mail' }))).TemplateBody).toBe('{"Resources":{}}');

    const RECREATED = STACK.replace(/[^/]+$/, 'aaaaaaaa-1111-2222-3333-444444444444');
    ep.setStack(RECREATED);
    const described = await c.send(new DescribeStacksCommand({ StackName: 'Mail' }));
    expect(described.Stacks).toEqual([expect.objectContaining({ StackId: RECREATED, StackStatus: 'CREATE_COMPLETE' })]);
    expect(await errorOf(c.send(new DescribeStacksCommand({ StackName: STACK })))).toMatchObject({ name: 'ValidationError' });

    expect(() => ep.setStack('Mail')).toThrow('invalid stack ID "Mail"');
    expect(() => ep.setStackStatus('arn:aws:cloudformation:us-east-1:1:stack/Mail/x', 'CREATE_COMPLETE')).toThrow('invalid stack ID');
    expect(() => ep.setStack(STACK, { resources: [RESOURCES[0], RESOURCES[0]] })).toThrow('lists the logical ID Pool0 twice');
  });
});

describe('STS GetCallerIdentity', () => {
  let sts: STSClient;
  const whoAmI = () => {
    sts = new STSClient({ endpoint: ep.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
    return sts.send(new GetCallerIdentityCommand({}));
  };
  afterEach(() => sts?.destroy());

  test('answers the caller account (111122223333 unless setCallerAccount), without taking an SES token', async () => {
    await start({ rate: 1, burst: 1 });
    expect(await whoAmI()).toMatchObject({
      Account: '111122223333',
      Arn: 'arn:aws:sts::111122223333:assumed-role/handler/fn',
      UserId: 'AROALOCALSESENDPOINT:fn',
      $metadata: { httpStatusCode: 200, requestId: 'local-sts-1' },
    });
    ep.setCallerAccount('444455556666');
    expect(await whoAmI()).toMatchObject({ Account: '444455556666', Arn: 'arn:aws:sts::444455556666:assumed-role/handler/fn' });
    expect(() => ep.setCallerAccount('4444')).toThrow('invalid account ID');
    expect(ep.tokensAvailable()).toBeCloseTo(1, 1);
    expect(ep.calls.map((call) => [call.operation, call.method, call.path, call.outcome, call.n])).toEqual([
      ['GetCallerIdentity', 'POST', '/', 'ok', 1], ['GetCallerIdentity', 'POST', '/', 'ok', 2],
    ]);
  });

  test('raw HTTP: the STS XML shape, in its own namespace', async () => {
    await start();
    const res = await fetch(ep.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
      '<Arn>arn:aws:sts::111122223333:assumed-role/handler/fn</Arn><UserId>AROALOCALSESENDPOINT:fn</UserId><Account>111122223333</Account>' +
      '</GetCallerIdentityResult><ResponseMetadata><RequestId>local-sts-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>');
  });

  test('the tag operations then expect ARNs of the caller account', async () => {
    const c = await start();
    ep.setCallerAccount('444455556666');
    await c.send(new TagResourceCommand({ ResourceArn: `arn:aws:ses:us-east-1:444455556666:dedicated-ip-pool/${POOL}`, Tags: [{ Key: 'k', Value: 'v' }] }));
    expect(ep.poolTags(POOL)).toEqual({ k: 'v' });
    expect(await errorOf(c.send(new ListTagsForResourceCommand({ ResourceArn: `arn:aws:ses:us-east-1:111122223333:dedicated-ip-pool/${POOL}` }))))
      .toBeInstanceOf(NotFoundException);
  });

  test('denyFor denies it only when its operations name it (STS answers it whatever IAM says); failWhen applies', async () => {
    await start();
    ep.denyFor(60_000);
    expect((await whoAmI()).Account).toBe('111122223333');
    ep.denyFor(60_000, { operations: ['GetCallerIdentity'] });
    const denied = await errorOf(whoAmI());
    expect(denied).toBeInstanceOf(STSServiceException);
    expect(denied).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(denied.message).toContain('is not authorized to perform: sts:GetCallerIdentity');
    ep.clearFaults();
    ep.failWhen((call) => (call.operation === 'GetCallerIdentity' ? { status: 503, errorType: 'ServiceUnavailable', message: 'later' } : undefined));
    expect(await errorOf(whoAmI())).toMatchObject({ name: 'ServiceUnavailable', message: 'later', $metadata: { httpStatusCode: 503 } });
    expect(ep.calls.map((call) => [call.operation, call.outcome, call.fault])).toEqual([
      ['GetCallerIdentity', 'ok', undefined],
      ['GetCallerIdentity', 'fault', 'denyFor'],
      ['GetCallerIdentity', 'fault', 'failWhen'],
    ]);
  });

  test('clientEnv() sends the real STS client, and an unknown Action is UnknownOperation', async () => {
    await start({ region: 'eu-west-1' });
    ep.setCallerAccount('444455556666');
    const saved = { ...process.env };
    Object.assign(process.env, ep.clientEnv());
    try {
      sts = new STSClient({});
      expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe('444455556666');
    } finally {
      process.env = saved;
    }
    const res = await fetch(ep.url, { method: 'POST', body: new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15' }) });
    expect(res.status).toBe(404);
    expect(ep.calls.map((call) => call.operation)).toEqual(['GetCallerIdentity', 'UnknownOperation']);
  });
});

describe('CloudWatch GetMetricData', () => {
  let cw: CloudWatchClient;
  const HOUR = 3600_000;
  const now = Date.UTC(2026, 0, 15, 12, 0, 0);
  const at = (msBefore: number) => new Date(now - msBefore);
  const bounceRate = (set: string, stat = 'Maximum', period = 3600): MetricDataQuery => ({
    Id: 'bounce',
    MetricStat: {
      Metric: { Namespace: 'AWS/SES', MetricName: 'Reputation.BounceRate', Dimensions: [{ Name: 'ses:configuration-set', Value: set }] },
      Period: period,
      Stat: stat,
    },
  });
  const getMetricData = (queries: MetricDataQuery[], from = at(24 * HOUR), to = at(0), extra: Partial<GetMetricDataCommandInput> = {}) => {
    cw = new CloudWatchClient({ endpoint: ep.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
    return cw.send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: from, EndTime: to, ...extra }));
  };
  afterEach(() => cw?.destroy());

  test('answers the seeded data points of the metric with exactly those dimensions, by period and statistic, newest first', async () => {
    await start({ rate: 1, burst: 1 });
    const tx = { metricName: 'Reputation.BounceRate', dimensions: { 'ses:configuration-set': 'tx' } };
    ep.putMetricData(tx, [
      { timestamp: at(30 * 60_000), value: 0.02 },
      { timestamp: at(20 * 60_000), value: 0.03 },
      { timestamp: at(5 * HOUR + 60_000), value: 0.01 },
      { timestamp: at(30 * HOUR), value: 0.5 }, // before StartTime
    ]);
    ep.putMetricData({ metricName: 'Reputation.BounceRate', dimensions: { 'ses:configuration-set': 'other' } }, [{ timestamp: at(60_000), value: 0.9 }]);
    ep.putMetricData({ metricName: 'Reputation.BounceRate' }, [{ timestamp: at(60_000), value: 0.7 }]); // account-wide: no dimension
    const answer = await getMetricData([bounceRate('tx'), { ...bounceRate('tx', 'Average'), Id: 'average' }, { ...bounceRate('nothing'), Id: 'none' }]);
    expect(answer.MetricDataResults).toEqual([
      { Id: 'bounce', Label: 'Reputation.BounceRate', StatusCode: 'Complete', Timestamps: [at(HOUR), at(6 * HOUR)], Values: [0.03, 0.01] },
      { Id: 'average', Label: 'Reputation.BounceRate', StatusCode: 'Complete', Timestamps: [at(HOUR), at(6 * HOUR)], Values: [0.025, 0.01] },
      { Id: 'none', Label: 'Reputation.BounceRate', StatusCode: 'Complete', Timestamps: [], Values: [] },
    ]);
    expect(answer.$metadata).toMatchObject({ httpStatusCode: 200, requestId: 'local-cw-1' });
    const oldestFirst = await getMetricData([bounceRate('tx')], at(24 * HOUR), at(0), { ScanBy: 'TimestampAscending' });
    expect(oldestFirst.MetricDataResults?.[0].Values).toEqual([0.01, 0.03]);
    // CloudWatch has its own throttle: no SES token taken.
    expect(ep.tokensAvailable()).toBeCloseTo(1, 1);
    expect(ep.calls.map((call) => [call.operation, call.method, call.path, call.outcome])).toEqual([
      ['GetMetricData', 'POST', '/', 'ok'], ['GetMetricData', 'POST', '/', 'ok'],
    ]);
  });

  test('refuses what it does not serve or CloudWatch does not accept: 400 InvalidParameterValue(Exception)', async () => {
    await start();
    const refused = [
      await errorOf(getMetricData([{ Id: 'e', Expression: 'SUM(METRICS())' }])),
      await errorOf(getMetricData([bounceRate('tx', 'p99')])),
      await errorOf(getMetricData([bounceRate('tx', 'Maximum', 90)])),
      await errorOf(getMetricData([{ ...bounceRate('tx'), Id: 'Bounce' }])),
      await errorOf(getMetricData([bounceRate('tx'), bounceRate('tx')])),
      await errorOf(getMetricData([bounceRate('tx')], at(0), at(HOUR))),
    ];
    expect(refused.map((e) => [e.name, e.$metadata?.httpStatusCode])).toEqual(Array(6).fill(['InvalidParameterValueException', 400]));
    expect(refused.map((e) => e.message)).toEqual([
      'The local endpoint serves MetricStat queries only, not Expression (query e).',
      'The statistic p99 is not one of Average, Sum, Minimum, Maximum, SampleCount (query bounce).',
      'The period 90 is not a multiple of 60 (query bounce).',
      'The Id Bounce must start with a lowercase letter, then letters, digits and "_".',
      'The Id bounce is used twice.',
      'The StartTime must be before the EndTime.',
    ]);
  });

  test('denyFor and failWhen apply (403 AccessDenied, cloudwatch:GetMetricData); clientEnv() sends the real client there', async () => {
    await start({ region: 'eu-west-1' });
    ep.denyFor(60_000);
    const denied = await errorOf(getMetricData([bounceRate('tx')]));
    expect(denied).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(denied.message).toContain('is not authorized to perform: cloudwatch:GetMetricData');
    ep.clearFaults();
    ep.putMetricData({ metricName: 'Reputation.ComplaintRate', dimensions: { 'ses:configuration-set': 'tx' } }, [{ timestamp: new Date(Date.now() - 60_000), value: 0.001 }]);
    const saved = { ...process.env };
    Object.assign(process.env, ep.clientEnv());
    try {
      cw = new CloudWatchClient({});
      const answer = await cw.send(new GetMetricDataCommand({
        MetricDataQueries: [{ Id: 'c', MetricStat: { Metric: { Namespace: 'AWS/SES', MetricName: 'Reputation.ComplaintRate', Dimensions: [{ Name: 'ses:configuration-set', Value: 'tx' }] }, Period: 60, Stat: 'Maximum' } }],
        StartTime: new Date(Date.now() - HOUR),
        EndTime: new Date(),
      }));
      expect(answer.MetricDataResults?.[0].Values).toEqual([0.001]);
    } finally {
      process.env = saved;
    }
    expect(() => ep.putMetricData({ metricName: 'Reputation.BounceRate' }, [{ timestamp: new Date(), value: Number.NaN }])).toThrow('not a number');
  });
});

describe('state and inspection', () => {
  test('provisionRange can leave addresses out; seeding checks its input', async () => {
    ep = await LocalSesEndpoint.start();
    ep.createPool(POOL);
    const added = ep.provisionRange(RANGE, { pool: POOL, warmupPercentage: 20, except: ['198.51.100.0', '198.51.100.255'] });
    expect(added).toHaveLength(254);
    expect(ep.poolOf('198.51.100.0')).toBeUndefined();
    expect(ep.addressesIn(POOL)).toEqual(added);
    expect(ep.snapshot()['198.51.100.1']).toEqual({ pool: POOL, warmupPercentage: 20, warmupStatus: 'IN_PROGRESS' });
    expect(ep.removeAddress('198.51.100.1')).toBe(true);
    expect(ep.removeAddress('198.51.100.1')).toBe(false);
    expect(ep.warmupOf('198.51.100.1')).toBeUndefined();
    expect(() => ep.provisionAddress('198.51.100.1', { pool: 'nope' })).toThrow(/does not exist/);
    expect(() => ep.provisionAddress('198.51.100.01')).toThrow(/invalid/);
    expect(() => ep.provisionRange('198.51.100.1/24')).toThrow(/host bits/);
    expect(() => ep.provisionRange('10.0.0.0/8')).toThrow(/refusing to list/);
    expect(ep.provisionRange('203.0.113.8/30')).toEqual(['203.0.113.8', '203.0.113.9', '203.0.113.10', '203.0.113.11']);
    expect(() => ep.createPool(POOL)).toThrow(/already exists/);
    expect(() => ep.createPool(DEFAULT_POOL)).toThrow(/invalid/);
  });

  test('snapshot is a copy', async () => {
    await start();
    const snap = ep.snapshot();
    (snap as Record<string, unknown>)['198.51.100.1'] = 'changed';
    expect(ep.snapshot()['198.51.100.1'].pool).toBe(DEFAULT_POOL);
  });

  test('calls record every request in order, and countCalls summarizes them', async () => {
    const c = await start();
    await move(c, '198.51.100.1', POOL);
    await errorOf(move(c, '198.51.100.1', 'nope'));
    await c.send(new GetDedicatedIpsCommand({ PoolName: POOL }));
    const calls = ep.calls;
    expect(calls.map(({ seq, operation, ip, pool, status, errorType, outcome, method }) =>
      ({ seq, operation, ip, pool, status, errorType, outcome, method }))).toEqual([
      { seq: 1, operation: 'PutDedicatedIpInPool', ip: '198.51.100.1', pool: POOL, status: 200, errorType: undefined, outcome: 'ok', method: 'PUT' },
      { seq: 2, operation: 'PutDedicatedIpInPool', ip: '198.51.100.1', pool: 'nope', status: 404, errorType: 'NotFoundException', outcome: 'error', method: 'PUT' },
      { seq: 3, operation: 'GetDedicatedIps', ip: undefined, pool: POOL, status: 200, errorType: undefined, outcome: 'ok', method: 'GET' },
    ]);
    for (const call of calls) {
      expect(call.endMs).toBeGreaterThanOrEqual(call.startMs);
    }
    expect(calls[1].startMs).toBeGreaterThanOrEqual(calls[0].endMs);
    expect(ep.countCalls()).toEqual({
      total: 3,
      ok: 2,
      throttled: 0,
      fault: 0,
      error: 1,
      byOperation: {
        PutDedicatedIpInPool: { total: 2, ok: 1, throttled: 0, fault: 0, error: 1 },
        GetDedicatedIps: { total: 1, ok: 1, throttled: 0, fault: 0, error: 0 },
      },
      byErrorType: { NotFoundException: 1 },
    });
    ep.resetCalls();
    expect(ep.calls).toEqual([]);
    expect(ep.countCalls().total).toBe(0);
  });

  test('raw HTTP: malformed bodies are BadRequestException, odd paths UnknownOperationException', async () => {
    await start();
    expect(await raw('PUT', '/v2/email/dedicated-ips/198.51.100.1/pool', '{not json')).toEqual({
      status: 400, errorType: 'BadRequestException', body: { message: 'The request body is not a JSON object.' },
    });
    expect(await raw('PUT', '/v2/email/dedicated-ips/198.51.100.1/warmup', '[1]')).toMatchObject({ status: 400 });
    for (const path of ['/v2/email/dedicated-ips/%E0%A4%A', '/v2/email/dedicated-ips/', '/v1/email/dedicated-ips', '/v2/email/dedicated-ips/1.2.3.4/pool/x']) {
      expect(await raw('GET', path)).toMatchObject({ status: 404, errorType: 'UnknownOperationException' });
    }
    expect(await raw('PATCH', '/v2/email/dedicated-ips/198.51.100.1/pool', '{}')).toMatchObject({ status: 404 });
    expect(await raw('GET', '/v2/email/dedicated-ips/198.51.100.01')).toMatchObject({ status: 400, errorType: 'BadRequestException' });
    expect(await raw('GET', '/v2/email/dedicated-ips?PageSize=abc')).toMatchObject({ status: 400 });
    expect(ep.snapshot()['198.51.100.1'].pool).toBe(DEFAULT_POOL);
  });

  test('stop closes keep-alive connections, is idempotent, and the port then refuses', async () => {
    const c = await start();
    await getIp(c, '198.51.100.1');
    await ep.stop();
    await ep.stop();
    // stop() resolves only once every connection is closed, including the idle
    // keep-alive one of `c`. That client may still try its dead socket (reset)
    // or reconnect (refused); a new client is refused.
    const old = await errorOf(getIp(c, '198.51.100.1'));
    expect(isReset(old) || isSocketError(old, 'ECONNREFUSED', /ECONNREFUSED/)).toBe(true);
    const e = await errorOf(getIp(client(), '198.51.100.1'));
    expect(isSocketError(e, 'ECONNREFUSED', /ECONNREFUSED/)).toBe(true);
  });
});
