import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
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
  NotFoundException,
  paginateGetDedicatedIps,
  PutDedicatedIpInPoolCommand,
  PutDedicatedIpPoolScalingAttributesCommand,
  PutDedicatedIpWarmupAttributesCommand,
  SESv2Client,
  SESv2ServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
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
    expect(Object.keys(env).sort()).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_ENDPOINT_URL_CLOUDFORMATION', 'AWS_ENDPOINT_URL_SESV2', 'AWS_REGION', 'AWS_SECRET_ACCESS_KEY']);
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
