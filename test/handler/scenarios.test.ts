/**
 * Deploy scenarios: the real handlers (src/handler/index.ts) and the real SDK
 * client, talking HTTP to a local SES v2 endpoint through
 * AWS_ENDPOINT_URL_SESV2. After each scenario, every address of the account
 * must be where it belongs: none lost, none outside the range touched.
 */
import { isComplete, onEvent } from '../../src/handler/index';
import { rangeOf } from '../../src/range/ipv4-cidr';
import { WarmupMode } from '../../src/warmup-mode';
import { context, deployWorld, POOL, properties, RANGE, request, run, startAndCutOff } from '../support/deploy-harness';
import { DEFAULT_POOL, LocalSesEndpoint } from '../support/local-ses-endpoint';

// A ceiling for a slow machine, not a timing assertion.
jest.setTimeout(120_000);

const OTHER_RANGE = '198.51.100.0/24';
const ADDRESSES = rangeOf(RANGE).addresses();

const world = deployWorld({ seed: 7 });
let ep: LocalSesEndpoint;
beforeEach(() => {
  ep = world.ep;
});
const logText = () => world.logs.join('\n');

/** The addresses of the account, by pool. */
function byPool(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [ip, { pool }] of Object.entries(ep.snapshot())) {
    (out[pool] ??= []).push(ip);
  }
  return out;
}

/** How many times each address was moved successfully, by destination. */
function moves(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of ep.calls) {
    if (call.operation === 'PutDedicatedIpInPool' && call.outcome === 'ok') {
      const key = `${call.ip} -> ${call.pool}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

function writes(): number {
  return ep.calls.filter((c) => c.operation.startsWith('Put') && c.outcome === 'ok').length;
}

/** The account holds the range in `pool`, and the bystanders where they were. */
function expectRangeIn(pool: string) {
  const pools = byPool();
  expect((pools[pool] ?? []).filter((ip) => ADDRESSES.includes(ip)).sort()).toEqual([...ADDRESSES].sort());
  expect(ep.addressesIn('marketing')).toEqual(['192.0.2.10', '192.0.2.11']);
  expect(rangeOf(OTHER_RANGE).addresses().every((ip) => ep.poolOf(ip) === DEFAULT_POOL)).toBe(true);
}

/** Bystanders: another range in the default pool, and addresses in someone else's pool. */
function seedBystanders() {
  ep.provisionRange(OTHER_RANGE);
  ep.createPool('marketing');
  ep.provisionAddress('192.0.2.10', { pool: 'marketing' });
  ep.provisionAddress('192.0.2.11', { pool: 'marketing' });
}

describe('create', () => {
  test('moves each of the 256 addresses into the pool exactly once, and nothing else', async () => {
    seedBystanders();
    ep.provisionRange(RANGE);
    ep.createPool(POOL);

    const { physicalId, data } = await run(request('Create', properties()));

    expect(physicalId).toBe(`${POOL}|${RANGE}`);
    expectRangeIn(POOL);
    const moved = moves();
    expect(moved.size).toBe(256);
    expect([...moved.keys()].every((key) => key.endsWith(`-> ${POOL}`))).toBe(true);
    expect([...moved.values()].every((n) => n === 1)).toBe(true);
    expect([...moved.keys()].every((key) => ADDRESSES.includes(key.split(' ')[0]))).toBe(true);
    expect(ep.countCalls().byOperation.PutDedicatedIpWarmupAttributes).toBeUndefined();
    expect(JSON.stringify(data).length).toBeLessThan(200);
    expect(data).toEqual({ AddressesInPool: '256' });
  });

  test('fails before any write when the range is not provisioned at all', async () => {
    ep.provisionRange(OTHER_RANGE);
    ep.createPool(POOL);
    await expect(onEvent(request('Create', properties()), context())).rejects.toThrow(
      '256 of the 256 addresses of 203.0.113.0/24 are not dedicated IPs of account 111122223333 in us-east-1 (203.0.113.0, 203.0.113.1, 203.0.113.2, 203.0.113.3, 203.0.113.4 and 251 more): ' +
        'the BYOIP range has not been provisioned to account 111122223333 in Region us-east-1 yet, or it was approved for another Region.',
    );
    expect(writes()).toBe(0);
  });

  test('fails before any write when the range is partly provisioned, naming the missing addresses', async () => {
    ep.provisionRange(RANGE, { except: ['203.0.113.17', '203.0.113.200'] });
    ep.createPool(POOL);
    const error = await onEvent(request('Create', properties()), context()).catch((e: Error) => e);
    expect((error as Error).message).toContain('2 of the 256 addresses of 203.0.113.0/24 are not dedicated IPs of account 111122223333 in us-east-1 (203.0.113.17, 203.0.113.200)');
    expect((error as Error).message).toContain('Nothing was moved.');
    expect(writes()).toBe(0);
  });

  test('fails before any write when addresses sit in another pool, naming it', async () => {
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.createPool('transactional');
    for (const ip of ['203.0.113.5', '203.0.113.6', '203.0.113.7']) {
      ep.provisionAddress(ip, { pool: 'transactional' });
    }
    await expect(onEvent(request('Create', properties()), context())).rejects.toThrow(
      '3 addresses of 203.0.113.0/24 are in other dedicated IP pools: transactional (3: 203.0.113.5, 203.0.113.6, 203.0.113.7).',
    );
    expect(writes()).toBe(0);
    expect(ep.addressesIn('transactional')).toHaveLength(3);
  });

  test('takes addresses from another pool when adoptAddressesFromOtherPools is true', async () => {
    seedBystanders();
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.createPool('transactional');
    ep.provisionAddress('203.0.113.5', { pool: 'transactional' });
    await run(request('Create', properties({ AdoptAddressesFromOtherPools: 'true' })));
    expectRangeIn(POOL);
    expect(ep.addressesIn('transactional')).toEqual([]);
  });

  test('fails when a later check finds foreign addresses, and puts back what it moved', async () => {
    seedBystanders();
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.createPool('transactional');
    ep.setRate(200, 1);
    const waiting = await startAndCutOff(request('Create', properties()), 400);
    const movedSoFar = ep.addressesIn(POOL).length;
    expect(movedSoFar).toBeGreaterThan(0);
    ep.provisionAddress('203.0.113.255', { pool: 'transactional' });
    await expect(isComplete(waiting, context())).rejects.toThrow(
      '1 address of 203.0.113.0/24 was moved into other dedicated IP pools while this deployment ran: transactional (1: 203.0.113.255). ' +
        'Something else (another app, pipeline or person) is changing this range: make sure only one deployment manages it, then deploy again. ' +
        `The ${movedSoFar} addresses moved so far were put back into ses-default-dedicated-pool.`,
    );
    expect(ep.addressesIn(POOL)).toEqual([]);
    expect(ep.addressesIn('transactional')).toEqual(['203.0.113.255']);
  });

  test('fails once the operation\'s deadline has passed, and puts back what it moved', async () => {
    seedBystanders();
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.setRate(200, 1);
    const waiting = await startAndCutOff(request('Create', properties()), 400);
    expect(waiting.ByoipDeadline).toBeGreaterThan(Date.now() + 44 * 60_000);
    await expect(isComplete({ ...waiting, ByoipDeadline: Date.now() - 1 }, context())).rejects.toThrow(
      /^The operation did not finish within 45 minutes: SES's one request per second is shared with everything else in account 111122223333 in us-east-1\..* The \d+ addresses moved so far were put back into ses-default-dedicated-pool\.$/,
    );
    expectRangeIn(DEFAULT_POOL);
  });

  test('is already done when the range is in the pool', async () => {
    ep.provisionRange(RANGE, { pool: undefined });
    ep.createPool(POOL);
    for (const ip of ADDRESSES) ep.provisionAddress(ip, { pool: POOL });
    await run(request('Create', properties()));
    expect(writes()).toBe(0);
  });

  test('reads a default pool reported by name like one reported by omission', async () => {
    ep = await world.restart({ defaultPoolReporting: 'named' });
    seedBystanders();
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    await run(request('Create', properties()));
    expectRangeIn(POOL);
  });

  test('pages through the account state whatever the page size', async () => {
    seedBystanders();
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.forcePageSize(7);
    await run(request('Create', properties()));
    expectRangeIn(POOL);
    expect(ep.countCalls().byOperation.GetDedicatedIps!.ok).toBeGreaterThanOrEqual(2 * Math.ceil(516 / 7));
  });
});

describe('pacing and faults', () => {
  test('adapts to throttling instead of failing, and never moves an address twice', async () => {
    seedBystanders();
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.setRate(200, 1);
    await run(request('Create', properties()));
    expectRangeIn(POOL);
    expect(ep.countCalls().throttled).toBeGreaterThan(0);
    expect([...moves().values()].every((n) => n === 1)).toBe(true);
  });

  test('rides out a storm of 429s', async () => {
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.throttleFor(1_500);
    await run(request('Create', properties()));
    expect(ep.addressesIn(POOL)).toHaveLength(256);
    expect(ep.countCalls().fault).toBeGreaterThan(5);
  });

  test('retries a move whose answer was lost after SES made it', async () => {
    seedBystanders();
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.resetConnections({ probability: 0.05, afterProcessing: true });
    await run(request('Create', properties()));
    expectRangeIn(POOL);
    expect(ep.countCalls().fault).toBeGreaterThan(0);
  });

  test('retries transient errors: 500s, ConcurrentModification, connection resets, slow answers', async () => {
    seedBystanders();
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.failRandomly({ probability: 0.05, status: 500, errorType: 'InternalFailure' });
    ep.failRandomly({ probability: 0.03, status: 500, errorType: 'ConcurrentModificationException' });
    ep.resetConnections({ probability: 0.03 });
    ep.delayResponses(20, { probability: 0.05 });
    await run(request('Create', properties()));
    expectRangeIn(POOL);
    expect(ep.countCalls().fault).toBeGreaterThan(0);
  });

  test('fails fast on a real error with SES\'s message, after putting back what it moved', async () => {
    seedBystanders();
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.failWhen((call) =>
      call.operation === 'PutDedicatedIpInPool' && call.n === 100
        ? { status: 403, errorType: 'AccessDeniedException', message: 'User is not authorized to perform ses:PutDedicatedIpInPool' }
        : undefined,
    );
    const event = request('Create', properties());
    const { PhysicalResourceId } = await onEvent(event, context());
    const error = (await isComplete({ ...event, PhysicalResourceId }, context()).catch((e: Error) => e)) as Error;

    expect(error.message).toBe(
      'SES PutDedicatedIpInPool 203.0.113.99 into byoip-pool failed: AccessDeniedException: User is not authorized to perform ses:PutDedicatedIpInPool ' +
        'The 99 addresses moved so far were put back into ses-default-dedicated-pool.',
    );
    expect(error.stack).toBe(`Error: ${error.message}`);
    expect(ep.calls.filter((c) => c.operation === 'PutDedicatedIpInPool' && c.ip === '203.0.113.99')).toHaveLength(1); // one attempt: no retry of a final error;
    expect(ep.addressesIn(POOL)).toEqual([]);
    expectRangeIn(DEFAULT_POOL);
  });

  test('stops before the time budget ends and resumes from the state in SES', async () => {
    seedBystanders();
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.setRate(100, 1);
    const { checks } = await run(request('Create', properties()), 800);
    expect(checks).toBeGreaterThan(2);
    expectRangeIn(POOL);
    expect([...moves().values()].every((n) => n === 1)).toBe(true);
  });

  test.each([
    ['free', false],
    ['charged (a refused call takes a token too)', true],
  ])('five ranges deployed at once share one bucket, refusals %s, and all complete', async (_kind, charged) => {
    if (charged) {
      ep = await world.restart({ seed: 7, throttledCallsConsumeTokens: true });
    }
    const ranges = ['203.0.113.0/24', '198.51.100.0/24', '192.0.2.0/24', '8.8.8.0/24', '8.8.9.0/24'];
    ranges.forEach((cidr, i) => {
      ep.provisionRange(cidr);
      ep.createPool(`pool-${i}`);
    });
    ep.setRate(1_000, 1);
    await Promise.all(ranges.map((cidr, i) => run(request('Create', properties({ Cidr: cidr, PoolName: `pool-${i}` })))));
    ranges.forEach((cidr, i) => expect(ep.addressesIn(`pool-${i}`)).toEqual(rangeOf(cidr).addresses()));
    expect([...moves().values()].every((n) => n === 1)).toBe(true);
    expect(moves().size).toBe(1280);
  });
});

describe('warm-up', () => {
  test('ALREADY_WARM writes 100 only on addresses not at 100 yet', async () => {
    ep.provisionRange(RANGE, { warmupPercentage: 100 });
    for (const ip of ['203.0.113.1', '203.0.113.2']) ep.provisionAddress(ip, { warmupPercentage: 40 });
    ep.createPool(POOL);
    await run(request('Create', properties({ Warmup: WarmupMode.ALREADY_WARM })));
    const warmupWrites = ep.calls.filter((c) => c.operation === 'PutDedicatedIpWarmupAttributes' && c.outcome === 'ok');
    expect(warmupWrites.map((c) => c.ip)).toEqual(['203.0.113.1', '203.0.113.2']);
    expect(ADDRESSES.every((ip) => ep.warmupOf(ip)!.warmupPercentage === 100)).toBe(true);
  });

  test('LEAVE_AS_IS never writes warm-up', async () => {
    ep.provisionRange(RANGE, { warmupPercentage: 10 });
    ep.createPool(POOL);
    await run(request('Create', properties({ Warmup: WarmupMode.LEAVE_AS_IS })));
    expect(ep.countCalls().byOperation.PutDedicatedIpWarmupAttributes).toBeUndefined();
    expect(ep.warmupOf('203.0.113.1')!.warmupPercentage).toBe(10);
  });
});

describe('update', () => {
  async function created(props = properties()) {
    seedBystanders();
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    const { physicalId } = await run(request('Create', props));
    ep.resetCalls();
    return physicalId;
  }

  test('same range, same pool: no write at all', async () => {
    const physicalId = await created(properties({ AdoptAddressesFromOtherPools: 'true' }));
    const { physicalId: after } = await run(
      request('Update', properties(), { PhysicalResourceId: physicalId, OldResourceProperties: properties({ AdoptAddressesFromOtherPools: 'true' }) }),
    );
    expect(after).toBe(physicalId);
    expect(writes()).toBe(0);
    expect(ep.countCalls().byOperation.GetDedicatedIps!.ok).toBeGreaterThan(0);
    expectRangeIn(POOL);
  });

  test('same range, same pool: addresses that went missing or elsewhere since are left alone, not an error', async () => {
    const physicalId = await created();
    ep.createPool('elsewhere');
    ep.provisionAddress('203.0.113.20', { pool: 'elsewhere' });
    ep.removeAddress('203.0.113.21');
    ep.provisionAddress('203.0.113.22'); // drifted back to the default pool: moved back in
    const update = request('Update', properties({ Warmup: WarmupMode.ALREADY_WARM }), { PhysicalResourceId: physicalId, OldResourceProperties: properties() });
    await run(update);
    // The rollback of that update (properties swapped) goes through as well.
    await run({ ...update, ResourceProperties: properties(), OldResourceProperties: properties({ Warmup: WarmupMode.ALREADY_WARM }) });
    expect(ep.poolOf('203.0.113.20')).toBe('elsewhere');
    expect(ep.poolOf('203.0.113.22')).toBe(POOL);
    expect(ep.addressesIn(POOL)).toHaveLength(254);
    expect(logText()).toContain('warning, left as it is: 1 of the 256 addresses of 203.0.113.0/24 is not a dedicated IP');
  });

  test('range changed: a new ID, the new range filled, and the cleanup DELETE releases only the old range', async () => {
    const physicalId = await created();
    const NEW_RANGE = '8.8.8.0/24';
    ep.provisionRange(NEW_RANGE);
    const newProps = properties({ Cidr: NEW_RANGE });
    const { physicalId: newId } = await run(request('Update', newProps, { PhysicalResourceId: physicalId, OldResourceProperties: properties() }));
    expect(newId).not.toBe(physicalId);
    expect(ep.addressesIn(POOL)).toHaveLength(512);

    // CloudFormation's cleanup: DELETE of the old physical ID, with the old properties.
    await run(request('Delete', properties(), { PhysicalResourceId: physicalId }));
    expect(ep.addressesIn(POOL)).toEqual(rangeOf(NEW_RANGE).addresses());
    expect(ADDRESSES.every((ip) => ep.poolOf(ip) === DEFAULT_POOL)).toBe(true);
  });

  test('pool renamed: the old pool\'s addresses are ours, and the cleanup DELETE does not undo the move', async () => {
    const physicalId = await created();
    ep.createPool('byoip-pool-2');
    const newProps = properties({ PoolName: 'byoip-pool-2' });
    const { physicalId: newId } = await run(request('Update', newProps, { PhysicalResourceId: physicalId, OldResourceProperties: properties() }));
    expect(newId).toBe(`byoip-pool-2|${RANGE}`);
    expectRangeIn('byoip-pool-2');

    ep.resetCalls();
    await run(request('Delete', properties(), { PhysicalResourceId: physicalId }));
    expect(writes()).toBe(0);
    expectRangeIn('byoip-pool-2');
  });
});

describe('failed updates and their rollback', () => {
  async function created() {
    seedBystanders();
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    const { physicalId } = await run(request('Create', properties()));
    ep.resetCalls();
    return physicalId;
  }

  test('a range change that fails after one move says "the 1 address moved so far was put back"', async () => {
    const physicalId = await created();
    const NEW_RANGE = '8.8.8.0/24';
    ep.provisionRange(NEW_RANGE);
    ep.failWhen((call) =>
      call.operation === 'PutDedicatedIpInPool' && call.ip === '8.8.8.1' ? { status: 400, errorType: 'BadRequestException', message: 'Nope.' } : undefined,
    );
    const forward = request('Update', properties({ Cidr: NEW_RANGE }), { PhysicalResourceId: physicalId, OldResourceProperties: properties() });
    await expect(run(forward)).rejects.toThrow(
      'SES PutDedicatedIpInPool 8.8.8.1 into byoip-pool failed: BadRequestException: Nope. The 1 address moved so far was put back into ses-default-dedicated-pool.',
    );
  });

  test('a range change that fails part-way puts the new range back, and the rollback leaves the pool as it was', async () => {
    const physicalId = await created();
    const NEW_RANGE = '8.8.8.0/24';
    ep.provisionRange(NEW_RANGE);
    ep.failWhen((call) =>
      call.operation === 'PutDedicatedIpInPool' && call.ip === '8.8.8.49' ? { status: 400, errorType: 'BadRequestException', message: 'Nope.' } : undefined,
    );
    const forward = request('Update', properties({ Cidr: NEW_RANGE }), { PhysicalResourceId: physicalId, OldResourceProperties: properties() });
    await expect(run(forward)).rejects.toThrow(
      'SES PutDedicatedIpInPool 8.8.8.49 into byoip-pool failed: BadRequestException: Nope. The 49 addresses moved so far were put back into ses-default-dedicated-pool.',
    );
    ep.clearFaults();
    // CloudFormation keeps the old physical ID and rolls back with the properties swapped.
    await run(request('Update', properties(), { PhysicalResourceId: physicalId, OldResourceProperties: properties({ Cidr: NEW_RANGE }) }));
    expect(ep.addressesIn(POOL)).toEqual(ADDRESSES);
    // ... and destroying the stack later leaves the pool empty, so CloudFormation can delete it.
    await run(request('Delete', properties(), { PhysicalResourceId: physicalId }));
    expect(ep.addressesIn(POOL)).toEqual([]);
  });

  test('a pool rename that fails part-way puts the addresses back into the old pool', async () => {
    const physicalId = await created();
    ep.createPool('byoip-pool-2');
    ep.failWhen((call) =>
      call.operation === 'PutDedicatedIpInPool' && call.ip === '203.0.113.30' ? { status: 400, errorType: 'BadRequestException', message: 'Nope.' } : undefined,
    );
    const rename = request('Update', properties({ PoolName: 'byoip-pool-2' }), { PhysicalResourceId: physicalId, OldResourceProperties: properties() });
    await expect(run(rename)).rejects.toThrow('The 30 addresses moved so far were put back into byoip-pool.');
    expectRangeIn(POOL);
    expect(ep.addressesIn('byoip-pool-2')).toEqual([]);
  });
});

describe('delete', () => {
  test('moves every address of the range in the pool back to the default pool, leaving the rest alone', async () => {
    seedBystanders();
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    const { physicalId } = await run(request('Create', properties()));
    ep.createPool('elsewhere');
    ep.provisionAddress('203.0.113.50', { pool: 'elsewhere' }); // moved by someone since
    ep.removeAddress('203.0.113.51'); // gone from the account
    ep.resetCalls();

    await run(request('Delete', properties(), { PhysicalResourceId: physicalId }));

    expect(ep.addressesIn(POOL)).toEqual([]);
    expect(ep.poolOf('203.0.113.50')).toBe('elsewhere');
    expect(ADDRESSES.filter((ip) => ip !== '203.0.113.50' && ip !== '203.0.113.51').every((ip) => ep.poolOf(ip) === DEFAULT_POOL)).toBe(true);
    expect(moves().size).toBe(254);
    expect(ep.addressesIn('marketing')).toEqual(['192.0.2.10', '192.0.2.11']);
  });

  test('treats an address that vanished between the read and the move as done', async () => {
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    const { physicalId } = await run(request('Create', properties()));
    ep.failWhen((call) =>
      call.operation === 'PutDedicatedIpInPool' && call.ip === '203.0.113.3'
        ? { status: 404, errorType: 'NotFoundException', message: 'Could not find dedicated IP 203.0.113.3 under this account.' }
        : undefined,
    );
    await run(request('Delete', properties(), { PhysicalResourceId: physicalId }));
    expect(ep.addressesIn(POOL)).toEqual(['203.0.113.3']);
  });

  test('reads again before it reports done, in case an address came back meanwhile', async () => {
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    const { physicalId } = await run(request('Create', properties()));
    // A straggling fill puts one address back while the delete runs.
    ep.failWhen((call) => {
      if (call.operation === 'PutDedicatedIpInPool' && call.n === 10) ep.provisionAddress('203.0.113.0', { pool: POOL });
      return undefined;
    });
    await run(request('Delete', properties(), { PhysicalResourceId: physicalId }));
    expect(ep.addressesIn(POOL)).toEqual([]);
  });

  test('succeeds without touching SES when neither the physical ID nor the properties name a range', async () => {
    const result = await isComplete(request('Delete', properties({ Cidr: '10.0.0.0/24' }), { PhysicalResourceId: 'x' }), context());
    expect(result).toEqual({ IsComplete: true });
    expect(ep.calls.filter((c) => c.operation !== 'DescribeStacks')).toEqual([]);
  });
});

describe('logs', () => {
  test('tell the progress and never contain the ResponseURL', async () => {
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    await run(request('Create', properties()));
    const text = logText();
    expect(text).toContain('moved 128/256 addresses');
    expect(text).toContain('moved 256/256 addresses');
    expect(text).not.toContain('secret-signature');
  });
});
