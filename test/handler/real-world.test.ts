/**
 * The deploy path in the world as it is, not as the local endpoint is by
 * default: CloudFormation's rollbacks, ranges that drift under a stack, a
 * second deployer on the same range, IAM and SES that take seconds to see a
 * change, and properties the handler cannot read. Real handlers, real SDK
 * clients, a local SES v2 endpoint (which also answers DescribeStacks).
 */
import { DeleteDedicatedIpPoolCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { isComplete, onEvent } from '../../src/handler/index';
import { rangeOf } from '../../src/range/ipv4-cidr';
import { WarmupMode } from '../../src/warmup-mode';
import { context, deployWorld, POOL, properties, RANGE, request, run, STACK_ID, startAndCutOff } from '../support/deploy-harness';
import { DEFAULT_POOL, LocalSesEndpoint, SesCall } from '../support/local-ses-endpoint';

// A ceiling for a slow machine, not a timing assertion.
jest.setTimeout(120_000);

const ADDRESSES = rangeOf(RANGE).addresses();
const NEW_RANGE = '8.8.8.0/24';
const NEW_ADDRESSES = rangeOf(NEW_RANGE).addresses();

const world = deployWorld({ seed: 11 });
let ep: LocalSesEndpoint;
beforeEach(() => {
  ep = world.ep;
});
const logText = () => world.logs.join('\n');

/** The range deployed into POOL by a Create, with the calls forgotten; returns the physical ID. */
async function deployed(props = properties()): Promise<string> {
  ep.provisionRange(RANGE);
  ep.createPool(POOL);
  ep.setStackStatus(STACK_ID, 'CREATE_IN_PROGRESS');
  const { physicalId } = await run(request('Create', props));
  ep.setStackStatus(STACK_ID, 'UPDATE_IN_PROGRESS');
  ep.resetCalls();
  return physicalId;
}

/** CloudFormation's rollback of an update: the stack says so, and the properties come back swapped. */
function rollbackOf(forward: ReturnType<typeof request>, physicalId: string) {
  ep.setStackStatus(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
  return request('Update', forward.OldResourceProperties!, { PhysicalResourceId: physicalId, OldResourceProperties: forward.ResourceProperties });
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

const inPool = (pool: string, addresses: readonly string[]) => addresses.filter((ip) => ep.poolOf(ip) === pool);
const attempts = (operation: string, ip: string) => ep.calls.filter((c) => c.operation === operation && c.ip === ip).length;
const okCalls = (match: (call: SesCall) => boolean) => ep.calls.filter((c) => c.outcome === 'ok' && match(c)).length;

/** Waits until `condition` holds (no assertion on how long it took). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('1. a rollback never fails because of the world', () => {
  test('the rollback of a rename that failed because an address went missing succeeds, restores the rest and warns', async () => {
    const physicalId = await deployed();
    ep.removeAddress('203.0.113.7');
    ep.createPool('elsewhere');
    ep.provisionAddress('203.0.113.8', { pool: 'elsewhere' });
    ep.createPool('byoip-pool-2');
    const rename = request('Update', properties({ PoolName: 'byoip-pool-2' }), { PhysicalResourceId: physicalId, OldResourceProperties: properties() });

    // The forward update fails, as it should, before any write.
    const error = await failureOf(run(rename));
    expect(error.message).toContain('1 of the 256 addresses of 203.0.113.0/24 is not a dedicated IP');
    expect(ep.calls.filter((c) => c.operation === 'PutDedicatedIpInPool')).toHaveLength(0);

    // Its rollback goes through: what can be restored is, the rest is named.
    const { physicalId: after, data } = await run(rollbackOf(rename, physicalId));
    expect(after).toBe(physicalId);
    expect(inPool(POOL, ADDRESSES)).toHaveLength(254);
    expect(ep.poolOf('203.0.113.8')).toBe('elsewhere');
    expect(data?.AddressesInPool).toBe('254');
    expect(data?.Warnings).toContain('203.0.113.7');
    expect(data?.Warnings).toContain('elsewhere');
    expect(JSON.stringify(data).length).toBeLessThan(3_000);
    expect(logText()).toContain('rollback');
  });

  test('a forward update in the same situation still fails (only the stack\'s status tells a rollback)', async () => {
    const physicalId = await deployed();
    ep.removeAddress('203.0.113.7');
    ep.createPool('byoip-pool-2');
    // An update that looks like a rollback (old pool back), but the stack is not rolling back.
    const update = request('Update', properties(), { PhysicalResourceId: physicalId, OldResourceProperties: properties({ PoolName: 'byoip-pool-2' }) });
    await expect(run(update)).rejects.toThrow('1 of the 256 addresses of 203.0.113.0/24 is not a dedicated IP');
  });

  test('a rollback whose moves SES refuses restores what it can and succeeds', async () => {
    const physicalId = await deployed();
    ep.createPool('byoip-pool-2');
    const rename = request('Update', properties({ PoolName: 'byoip-pool-2' }), { PhysicalResourceId: physicalId, OldResourceProperties: properties() });
    // The forward rename fails part-way, and so does its put-back on one address.
    ep.failWhen((call) => {
      if (call.operation !== 'PutDedicatedIpInPool') return undefined;
      if (call.ip === '203.0.113.100' && call.pool === 'byoip-pool-2') return { status: 400, errorType: 'BadRequestException', message: 'Nope.' };
      if (call.ip === '203.0.113.3' && call.pool === POOL) return { status: 400, errorType: 'BadRequestException', message: 'Stuck.' };
      return undefined;
    });
    await expect(run(rename)).rejects.toThrow('Putting back the addresses moved so far failed');
    // The rollback meets the same refusal, and still succeeds.
    const { data } = await run(rollbackOf(rename, physicalId));
    expect(data?.Warnings).toContain('203.0.113.3');
    expect(data?.Warnings).toContain('Stuck.');
    expect(inPool(POOL, ADDRESSES)).toHaveLength(255);
    expect(ep.poolOf('203.0.113.3')).toBe('byoip-pool-2');
  });

  test('a rollback that runs out of time succeeds with a warning instead of failing', async () => {
    const physicalId = await deployed();
    ep.createPool('byoip-pool-2');
    for (const ip of ADDRESSES.slice(0, 40)) ep.provisionAddress(ip, { pool: 'byoip-pool-2' });
    const rename = request('Update', properties({ PoolName: 'byoip-pool-2' }), { PhysicalResourceId: physicalId, OldResourceProperties: properties() });
    const rollback = rollbackOf(rename, physicalId);
    const started = await onEvent(rollback, context());
    const result = await isComplete({ ...rollback, ...started, ByoipDeadline: Date.now() - 1 }, context());
    expect(result.IsComplete).toBe(true);
    expect(result.Data?.Warnings).toContain('did not finish within 45 minutes');
  });
});

describe('1b. a rollback is told even when the stack\'s status cannot be read, and never fails on its own properties', () => {
  const unreadableStatus = () => ep.failWhen((call) => (call.operation === 'DescribeStacks'
    ? { status: 400, errorType: 'ValidationError', message: 'Rate exceeded' } : undefined));

  test('without the stack\'s status, the rollback of a failed update is told by its physical ID, and succeeds', async () => {
    const physicalId = await deployed();
    ep.removeAddress('203.0.113.7');
    ep.createPool('byoip-pool-2');
    const rename = request('Update', properties({ PoolName: 'byoip-pool-2' }), { PhysicalResourceId: physicalId, OldResourceProperties: properties() });
    await expect(run(rename)).rejects.toThrow('1 of the 256 addresses');
    const rollback = rollbackOf(rename, physicalId);
    unreadableStatus();
    const { data } = await run(rollback);
    expect(data?.Warnings).toContain('203.0.113.7');
    expect(logText()).toContain('the stack\'s status could not be read');
  });

  test('a stack DELETE whose status onEvent could not read is told by isComplete, which reads it again', async () => {
    const physicalId = await deployed();
    ep.provisionRange(NEW_RANGE);
    for (const ip of NEW_ADDRESSES.slice(0, 3)) ep.provisionAddress(ip, { pool: POOL });
    ep.setStackStatus(STACK_ID, 'DELETE_IN_PROGRESS');
    ep.failWhen((call) => (call.operation === 'DescribeStacks' && call.n === 1
      ? { status: 400, errorType: 'ValidationError', message: 'Rate exceeded' } : undefined));
    await run(request('Delete', properties(), { PhysicalResourceId: physicalId }));
    expect(ep.addressesIn(POOL)).toEqual([]);
  });

  test('a rollback to properties it cannot read moves nothing and succeeds, saying so', async () => {
    const physicalId = await deployed();
    ep.setStackStatus(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
    const future = { ...properties(), Warmup: 'SOME_FUTURE_MODE' };
    const { physicalId: after, data } = await run(request('Update', future, { PhysicalResourceId: physicalId, OldResourceProperties: properties() }));
    expect(after).toBe(physicalId);
    expect(data?.Warnings).toContain('Nothing was restored: the properties to roll back to cannot be read');
    expect(okCalls((c) => c.operation.startsWith('Put'))).toBe(0);
    expect(ep.addressesIn(POOL)).toEqual(ADDRESSES);
  });
});

describe('2. a failed range change in the same pool leaves nothing of the new range behind', () => {
  async function forwardCutOff(physicalId: string) {
    ep.provisionRange(NEW_RANGE);
    ep.setRate(200, 1);
    const forward = request('Update', properties({ Cidr: NEW_RANGE }), { PhysicalResourceId: physicalId, OldResourceProperties: properties() });
    // The update is cut off part-way and never resumes: a Lambda timeout, no put-back.
    await startAndCutOff(forward, 400);
    ep.setRate(Infinity);
    expect(inPool(POOL, NEW_ADDRESSES).length).toBeGreaterThan(0);
    return forward;
  }

  test('after a forward update that died part-way, the rollback releases the new range once the old one is in', async () => {
    const physicalId = await deployed();
    const forward = await forwardCutOff(physicalId);
    ep.resetCalls();

    await run(rollbackOf(forward, physicalId));
    expect(ep.addressesIn(POOL)).toEqual(ADDRESSES);
    expect(NEW_ADDRESSES.every((ip) => ep.poolOf(ip) === DEFAULT_POOL)).toBe(true);
    // The pool is never emptied: the old range is in before the new one leaves.
    const firstRelease = ep.calls.findIndex((c) => c.operation === 'PutDedicatedIpInPool' && c.pool === DEFAULT_POOL);
    const lastFill = ep.calls.map((c) => c.operation === 'PutDedicatedIpInPool' && c.pool === POOL).lastIndexOf(true);
    expect(firstRelease).toBeGreaterThan(lastFill);

    // ... and destroying the stack then leaves the pool empty.
    ep.setStackStatus(STACK_ID, 'DELETE_IN_PROGRESS');
    await run(request('Delete', properties(), { PhysicalResourceId: physicalId }));
    expect(ep.addressesIn(POOL)).toEqual([]);
  });

  test('after a forward update whose put-back failed too, the rollback releases the new range', async () => {
    const physicalId = await deployed();
    ep.provisionRange(NEW_RANGE);
    ep.failWhen((call) => {
      if (call.operation !== 'PutDedicatedIpInPool') return undefined;
      if (call.ip === '8.8.8.60' && call.pool === POOL) return { status: 400, errorType: 'BadRequestException', message: 'Nope.' };
      if (call.pool === DEFAULT_POOL && call.ip?.startsWith('8.8.8.')) return { status: 400, errorType: 'BadRequestException', message: 'Down.' };
      return undefined;
    });
    const forward = request('Update', properties({ Cidr: NEW_RANGE }), { PhysicalResourceId: physicalId, OldResourceProperties: properties() });
    await expect(run(forward)).rejects.toThrow('Putting back the addresses moved so far failed');
    expect(inPool(POOL, NEW_ADDRESSES)).toHaveLength(60);
    ep.clearFaults();

    await run(rollbackOf(forward, physicalId));
    expect(ep.addressesIn(POOL)).toEqual(ADDRESSES);
  });

  test('the rollback of a range change that succeeded (a later resource failed) also ends with the old range only', async () => {
    const physicalId = await deployed();
    ep.provisionRange(NEW_RANGE);
    const forward = request('Update', properties({ Cidr: NEW_RANGE }), { PhysicalResourceId: physicalId, OldResourceProperties: properties() });
    const { physicalId: newId } = await run(forward);
    expect(ep.addressesIn(POOL)).toHaveLength(512); // the old range waits for the cleanup DELETE

    // CloudFormation rolls back with the new physical ID, then deletes it with the new range's properties.
    const { physicalId: back } = await run(rollbackOf(forward, newId));
    expect(back).toBe(physicalId);
    ep.setStackStatus(STACK_ID, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    await run(request('Delete', properties({ Cidr: NEW_RANGE }), { PhysicalResourceId: newId }));
    expect(ep.addressesIn(POOL)).toEqual(ADDRESSES);
  });

  test('the rollback does not release the new range while the old one is not back: the pool is never emptied', async () => {
    const physicalId = await deployed();
    const forward = await forwardCutOff(physicalId);
    const leftOfNew = inPool(POOL, NEW_ADDRESSES);
    ep.createPool('elsewhere');
    for (const ip of ADDRESSES) ep.provisionAddress(ip, { pool: 'elsewhere' }); // the old range was taken meanwhile
    const { data } = await run(rollbackOf(forward, physicalId));
    expect(ep.addressesIn(POOL)).toEqual(leftOfNew);
    expect(data?.Warnings).toContain(`${NEW_RANGE} is left in pool ${POOL}, since ${RANGE} is not all back in pool ${POOL}`);
  });

  test('a stack being destroyed releases every address left in its pool, of any range', async () => {
    const physicalId = await deployed();
    ep.provisionRange(NEW_RANGE);
    for (const ip of NEW_ADDRESSES.slice(0, 5)) ep.provisionAddress(ip, { pool: POOL });
    ep.setStackStatus(STACK_ID, 'DELETE_IN_PROGRESS');
    await run(request('Delete', properties(), { PhysicalResourceId: physicalId }));
    expect(ep.addressesIn(POOL)).toEqual([]);
    expect(logText()).toContain('8.8.8.0');
  });

  test('a DELETE of an old resource during an update\'s cleanup releases only its own range', async () => {
    const physicalId = await deployed();
    ep.provisionRange(NEW_RANGE);
    for (const ip of NEW_ADDRESSES) ep.provisionAddress(ip, { pool: POOL });
    ep.setStackStatus(STACK_ID, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
    await run(request('Delete', properties(), { PhysicalResourceId: physicalId }));
    expect(ep.addressesIn(POOL)).toEqual(NEW_ADDRESSES);
  });
});

describe('3. success is verified by reading back', () => {
  test('fails, naming the pool that took them, when addresses leave the pool while it fills; then puts back the rest', async () => {
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.createPool('rival');
    // Another deployer takes the first ten addresses right after this one moved them all.
    ep.failWhen((call) => {
      if (call.operation === 'PutDedicatedIpInPool' && call.n === 256) {
        ADDRESSES.slice(0, 10).forEach((ip) => ep.provisionAddress(ip, { pool: 'rival' }));
      }
      return undefined;
    });
    const error = await failureOf(run(request('Create', properties())));
    expect(error.message).toContain('10 of the 256 addresses of 203.0.113.0/24 are not in pool byoip-pool after the moves: pool rival took 10 (203.0.113.0, 203.0.113.1, 203.0.113.2');
    expect(error.message).toContain('The 246 addresses moved so far were put back into ses-default-dedicated-pool.');
    expect(ep.addressesIn(POOL)).toEqual([]);
    expect(ep.addressesIn('rival')).toEqual(ADDRESSES.slice(0, 10));
  });

  test('two deployers filling the same range into two pools at once: at least one fails, and one that succeeds has a full pool', async () => {
    ep.provisionRange(RANGE);
    ep.createPool('pool-a');
    ep.createPool('pool-b');
    // Both check the range before either writes; both write; then both read back.
    const events = await Promise.all(['pool-a', 'pool-b'].map(async (pool) => {
      const event = request('Create', properties({ PoolName: pool }));
      return { ...event, ...(await onEvent(event, context())) };
    }));
    const moves = ep.hold((call) => call.operation === 'PutDedicatedIpInPool');
    const readBacks = ep.hold((call) => call.operation === 'GetDedicatedIps' && call.pool !== undefined);
    const outcomes = Promise.allSettled(events.map(async (event) => {
      for (;;) {
        const result = await isComplete(event, context());
        if (result.IsComplete) return result;
      }
    }));
    await until(() => okCalls((c) => c.operation === 'GetDedicatedIps') === 12); // onEvent's and isComplete's reads, both deployers
    moves.release();
    await until(() => okCalls((c) => c.operation === 'PutDedicatedIpInPool') === 512);
    readBacks.release();
    const settled = await outcomes;

    // Today both reported success, and one pool ended empty.
    const failed = settled.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(failed.length).toBeGreaterThan(0);
    settled.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') expect(ep.addressesIn(['pool-a', 'pool-b'][i])).toEqual(ADDRESSES);
    });
    for (const { reason } of failed) {
      expect((reason as Error).message).toMatch(/^\d+ of the 256 addresses of 203\.0\.113\.0\/24 are not in pool pool-[ab] after the moves: pool pool-[ab] took \d+/);
    }
  });

  test('a later check that finds addresses taken meanwhile says so, instead of advising to take them', async () => {
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.createPool('rival');
    ep.setRate(200, 1);
    const waiting = await startAndCutOff(request('Create', properties()), 400);
    ep.setRate(Infinity);
    ep.provisionAddress('203.0.113.250', { pool: 'rival' });
    const error = await failureOf(isComplete(waiting, context()));
    expect(error.message).toMatch(/^1 address of 203\.0\.113\.0\/24 was moved into other dedicated IP pools while this deployment ran: rival \(1: 203\.0\.113\.250\)\. Something else/);
    expect(error.message).not.toContain('adoptAddressesFromOtherPools');
    expect(error.message).not.toContain('Nothing was moved');
    expect(error.message).toMatch(/The \d+ addresses moved so far were put back into ses-default-dedicated-pool\.$/);
  });
});

describe('5. IAM and SES take seconds to see a change', () => {
  test('a move denied while the role\'s new policy propagates is retried, with a log line saying why', async () => {
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.denyFor(2_500, { operations: ['PutDedicatedIpInPool'] });
    await run(request('Create', properties()));
    expect(ep.addressesIn(POOL)).toEqual(ADDRESSES);
    expect(logText()).toMatch(/answered AccessDeniedException \(.*\)\. Nothing has been written into pool byoip-pool yet, and the role's permissions may not have propagated/);
  });

  test('reads denied at first (a role created seconds ago) are retried too, and DescribeStacks with them', async () => {
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.denyFor(2_000, { operations: ['GetDedicatedIps', 'DescribeStacks'] });
    await run(request('Create', properties()));
    expect(ep.addressesIn(POOL)).toEqual(ADDRESSES);
  });

  test('an address that SES says it cannot find is gone, not late: no grace for it', async () => {
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.failWhen((call) => (call.operation === 'PutDedicatedIpInPool' && call.ip === '203.0.113.0' && call.pool === POOL
      ? { status: 404, errorType: 'NotFoundException', message: 'Could not find dedicated IP 203.0.113.0 under this account.' } : undefined));
    await expect(run(request('Create', properties()))).rejects.toThrow('SES no longer finds address 203.0.113.0 of 203.0.113.0/24');
    expect(attempts('PutDedicatedIpInPool', '203.0.113.0')).toBe(1);
    expect(logText()).not.toContain('may not be found yet');
  });

  test('a pool created seconds ago that SES does not find yet is retried', async () => {
    ep.provisionRange(RANGE);
    ep.createPool(POOL, { visibleAfterMs: 2_500 });
    await run(request('Create', properties()));
    expect(ep.addressesIn(POOL)).toEqual(ADDRESSES);
    expect(logText()).toMatch(/answered NotFoundException \(Pool byoip-pool does not exist\)\. Nothing has been written into pool byoip-pool yet, and a pool created seconds ago may not be found yet/);
  });

  test('once a write has succeeded, AccessDenied is final at once: a permission removed mid-operation is no delay', async () => {
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.failWhen((call) => (call.operation === 'PutDedicatedIpInPool' && call.pool === POOL && call.n >= 20
      ? { status: 403, errorType: 'AccessDeniedException', message: 'not authorized' } : undefined));
    await expect(run(request('Create', properties()))).rejects.toThrow('SES PutDedicatedIpInPool 203.0.113.19 into byoip-pool failed: AccessDeniedException');
    expect(attempts('PutDedicatedIpInPool', '203.0.113.19')).toBe(1); // no retry
    expect(ep.addressesIn(POOL)).toEqual([]);
  });

  test('a later invocation, more than a minute into the operation, treats AccessDenied as final at once', async () => {
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.setRate(200, 1);
    const cutOff = await startAndCutOff(request('Create', properties()), 400);
    const waiting = { ...cutOff, ByoipStartedAt: Date.now() - 9 * 60_000 }; // as a second invocation starts in Lambda
    ep.setRate(Infinity);
    expect(ep.addressesIn(POOL).length).toBeGreaterThan(0);
    ep.failWhen((call) => (call.operation === 'PutDedicatedIpInPool' && call.pool === POOL
      ? { status: 403, errorType: 'AccessDeniedException', message: 'not authorized' } : undefined));
    ep.resetCalls();
    await expect(isComplete(waiting, context())).rejects.toThrow('AccessDeniedException');
    expect(ep.calls.filter((c) => c.fault === 'failWhen')).toHaveLength(1);
    expect(ep.addressesIn(POOL)).toEqual([]);
  });

  test('a denial that outlasts the grace becomes final: about a minute after the operation began', async () => {
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    const event = request('Create', properties());
    const started = await onEvent(event, context());
    ep.denyFor(120_000, { operations: ['PutDedicatedIpInPool'] });
    // The operation began 58 s ago: two seconds of grace are left.
    const waiting = { ...event, ...started, ByoipStartedAt: Date.now() - 58_000 };
    const error = await failureOf(isComplete(waiting, context()));
    expect(error.message).toContain('AccessDeniedException');
    expect(ep.calls.filter((c) => c.fault === 'denyFor').length).toBeGreaterThan(1);
    expect(ep.calls.filter((c) => c.fault === 'denyFor').length).toBeLessThan(6);
  });
});

describe('7. ALREADY_WARM writes warm-up only on the addresses in the pool at the end', () => {
  test('addresses left in another pool by a tolerant update keep their warm-up', async () => {
    const physicalId = await deployed();
    ep.createPool('elsewhere');
    ep.provisionAddress('203.0.113.20', { pool: 'elsewhere', warmupPercentage: 40 });
    ep.provisionAddress('203.0.113.21', { pool: POOL, warmupPercentage: 40 });
    const update = request('Update', properties({ Warmup: WarmupMode.ALREADY_WARM }), { PhysicalResourceId: physicalId, OldResourceProperties: properties() });
    await run(update);
    expect(ep.warmupOf('203.0.113.20')!.warmupPercentage).toBe(40);
    expect(ep.warmupOf('203.0.113.21')!.warmupPercentage).toBe(100);
    expect(ep.calls.filter((c) => c.operation === 'PutDedicatedIpWarmupAttributes' && c.outcome === 'ok').map((c) => c.ip)).toEqual(['203.0.113.21']);
  });
});

describe('8. when in doubt, move nothing', () => {
  test('a failed update whose previous properties cannot be read puts nothing back, and says so', async () => {
    const physicalId = await deployed();
    ep.provisionAddress('203.0.113.9'); // drifted back to the default pool: the update moves it in
    ep.failWhen((call) => (call.operation === 'PutDedicatedIpInPool' && call.ip === '203.0.113.9'
      ? { status: 400, errorType: 'BadRequestException', message: 'Nope.' } : undefined));
    const old = { ...properties(), Warmup: 'SOME_FUTURE_MODE' };
    const error = await failureOf(run(request('Update', properties(), { PhysicalResourceId: physicalId, OldResourceProperties: old })));
    expect(error.message).toContain('BadRequestException: Nope.');
    expect(error.message).toContain('previous properties');
    expect(error.message).toContain('nothing was put back');
    expect(inPool(POOL, ADDRESSES)).toHaveLength(255);
  });

  test('an update whose new properties cannot be read fails before any SES call of its own', async () => {
    const physicalId = await deployed();
    const error = await failureOf(run(request('Update', { ...properties(), Warmup: 'SOME_FUTURE_MODE' }, { PhysicalResourceId: physicalId, OldResourceProperties: properties() })));
    expect(error.message).toContain('The custom resource property Warmup must be one of');
    expect(ep.calls.filter((c) => c.operation !== 'DescribeStacks')).toEqual([]);
    expect(ep.addressesIn(POOL)).toEqual(ADDRESSES);
  });
});

describe('10. DELETE checks what it releases against the physical ID', () => {
  test('when the properties disagree with the physical ID, it releases what the physical ID names, and logs why', async () => {
    const physicalId = await deployed();
    ep.provisionRange(NEW_RANGE);
    ep.createPool('other');
    for (const ip of NEW_ADDRESSES) ep.provisionAddress(ip, { pool: 'other' });
    ep.setStackStatus(STACK_ID, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
    await run(request('Delete', properties({ Cidr: NEW_RANGE, PoolName: 'other' }), { PhysicalResourceId: physicalId }));
    expect(ep.addressesIn(POOL)).toEqual([]);
    expect(ep.addressesIn('other')).toEqual(NEW_ADDRESSES);
    expect(logText()).toContain(`physical ID ${POOL}|${RANGE}`);
  });

  test('when the properties cannot be read, it releases what the physical ID names', async () => {
    const physicalId = await deployed();
    ep.setStackStatus(STACK_ID, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
    await run(request('Delete', { Cidr: 42 }, { PhysicalResourceId: physicalId }));
    expect(ep.addressesIn(POOL)).toEqual([]);
  });
});

describe('11. a failed or rolled-back operation leaves every pool it took from as it found it', () => {
  const LEGACY = ADDRESSES.slice(0, 64);
  /** The range provisioned, its first /26 in pool legacy (another configuration set still sends from it). */
  function withLegacyPool() {
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.createPool('legacy');
    LEGACY.forEach((ip) => ep.provisionAddress(ip, { pool: 'legacy' }));
  }
  const adopting = () => properties({ AdoptAddressesFromOtherPools: 'true' });

  test('a Create that adopted addresses and then failed puts them back into the pool they came from', async () => {
    withLegacyPool();
    // The last adopted address is refused: the others of legacy are in the pool by then.
    ep.failWhen((call) => (call.operation === 'PutDedicatedIpInPool' && call.ip === '203.0.113.63' && call.pool === POOL
      ? { status: 400, errorType: 'BadRequestException', message: 'Nope.' } : undefined));
    const error = await failureOf(run(request('Create', adopting())));
    expect(okCalls((c) => c.operation === 'PutDedicatedIpInPool' && c.pool === POOL && LEGACY.includes(c.ip!))).toBe(63);
    expect(error.message).toContain('BadRequestException: Nope.');
    expect(ep.addressesIn('legacy')).toEqual(LEGACY);
    expect(ep.addressesIn(POOL)).toEqual([]);
    expect(ep.addressesIn(DEFAULT_POOL)).toEqual(ADDRESSES.slice(64));
  });

  test('the DELETE of a Create rolled back (ROLLBACK_IN_PROGRESS) puts adopted addresses back where they were', async () => {
    withLegacyPool();
    ep.setStackStatus(STACK_ID, 'CREATE_IN_PROGRESS');
    const { physicalId } = await run(request('Create', adopting()));
    expect(ep.addressesIn(POOL)).toEqual(ADDRESSES);
    // A later resource of the stack fails: CloudFormation deletes what it created.
    ep.setStackStatus(STACK_ID, 'ROLLBACK_IN_PROGRESS');
    await run(request('Delete', adopting(), { PhysicalResourceId: physicalId }));
    expect(ep.addressesIn('legacy')).toEqual(LEGACY);
    expect(ep.addressesIn(POOL)).toEqual([]);
    expect(ep.addressesIn(DEFAULT_POOL)).toEqual(ADDRESSES.slice(64));
  });

  test('an adopted address whose pool was deleted meanwhile goes to the default pool: the stack\'s pool must be left empty', async () => {
    withLegacyPool();
    ep.setStackStatus(STACK_ID, 'CREATE_IN_PROGRESS');
    const { physicalId } = await run(request('Create', adopting()));
    const client = new SESv2Client({ endpoint: ep.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    await client.send(new DeleteDedicatedIpPoolCommand({ PoolName: 'legacy' }));
    ep.setStackStatus(STACK_ID, 'ROLLBACK_IN_PROGRESS');
    await run(request('Delete', adopting(), { PhysicalResourceId: physicalId }));
    expect(ep.addressesIn(POOL)).toEqual([]);
    expect(ep.addressesIn(DEFAULT_POOL)).toEqual(ADDRESSES);
    expect(logText()).toContain('203.0.113.0 cannot go back to pool legacy');
  });

  test('destroying the stack later releases adopted addresses to the default pool, as documented', async () => {
    withLegacyPool();
    ep.setStackStatus(STACK_ID, 'CREATE_IN_PROGRESS');
    const { physicalId } = await run(request('Create', adopting()));
    ep.setStackStatus(STACK_ID, 'DELETE_IN_PROGRESS');
    await run(request('Delete', adopting(), { PhysicalResourceId: physicalId }));
    expect(ep.addressesIn('legacy')).toEqual([]);
    expect(ep.addressesIn(DEFAULT_POOL)).toEqual(ADDRESSES);
  });

  test('the rollback of an update that adopted addresses puts them back where they were', async () => {
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.createPool('legacy');
    ep.setStackStatus(STACK_ID, 'CREATE_IN_PROGRESS');
    const half = properties({ Addresses: ['203.0.113.128/25'] });
    const { physicalId } = await run(request('Create', half));
    LEGACY.forEach((ip) => ep.provisionAddress(ip, { pool: 'legacy' }));
    ep.setStackStatus(STACK_ID, 'UPDATE_IN_PROGRESS');
    const grow = request('Update', adopting(), { PhysicalResourceId: physicalId, OldResourceProperties: half });
    await run(grow);
    expect(ep.addressesIn(POOL)).toEqual(ADDRESSES);
    await run(rollbackOf(grow, physicalId));
    expect(ep.addressesIn('legacy')).toEqual(LEGACY);
    expect(ep.addressesIn(POOL)).toEqual(ADDRESSES.slice(128));
    expect(ep.addressesIn(DEFAULT_POOL)).toEqual(ADDRESSES.slice(64, 128));
  });
});

describe('12. the IAM grace belongs to each permission, not to "nothing written yet"', () => {
  test('an update that grows a pool and asks for ALREADY_WARM rides out a warm-up permission still propagating', async () => {
    ep.provisionRange(RANGE, { warmupPercentage: 40 });
    ep.createPool(POOL);
    ep.setStackStatus(STACK_ID, 'CREATE_IN_PROGRESS');
    const part = properties({ Addresses: ['203.0.113.0/26'] });
    const { physicalId } = await run(request('Create', part));
    ep.setStackStatus(STACK_ID, 'UPDATE_IN_PROGRESS');
    // The new statement for PutDedicatedIpWarmupAttributes propagates while the moves (with the old grant) go on.
    ep.denyFor(1_500, { operations: ['PutDedicatedIpWarmupAttributes'] });
    await run(request('Update', properties({ Warmup: WarmupMode.ALREADY_WARM }), { PhysicalResourceId: physicalId, OldResourceProperties: part }));
    expect(ep.addressesIn(POOL)).toEqual(ADDRESSES);
    expect(ADDRESSES.every((ip) => ep.warmupOf(ip)!.warmupPercentage === 100)).toBe(true);
    expect(logText()).toMatch(/PutDedicatedIpWarmupAttributes .* answered AccessDeniedException/);
  });
});

describe('13. a rollback never fails, whether or not the stack\'s status can be read', () => {
  // A permissions boundary or an SCP that denies it, or throttling past the retries: the same to the handler.
  const unreadableStatus = () => ep.failWhen((call) => (call.operation === 'DescribeStacks'
    ? { status: 400, errorType: 'ValidationError', message: 'Rate exceeded' } : undefined));

  test('the rollback of a resize that failed on a foreign address, which it meets again, succeeds without DescribeStacks', async () => {
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.createPool('legacy');
    ep.setStackStatus(STACK_ID, 'CREATE_IN_PROGRESS');
    const half = properties({ Addresses: ['203.0.113.0/25'] });
    const { physicalId } = await run(request('Create', half));
    ep.setStackStatus(STACK_ID, 'UPDATE_IN_PROGRESS');
    ep.provisionAddress('203.0.113.5', { pool: 'legacy' }); // moved by hand since the deploy
    const grow = request('Update', properties(), { PhysicalResourceId: physicalId, OldResourceProperties: half });
    await expect(run(grow)).rejects.toThrow('1 address of 203.0.113.0/24 is in other dedicated IP pools: legacy');

    unreadableStatus();
    const rollback = request('Update', half, { PhysicalResourceId: physicalId, OldResourceProperties: properties() });
    const { physicalId: after, data } = await run(rollback);
    expect(after).toBe(physicalId);
    expect(data?.Warnings).toContain('203.0.113.5');
    expect(ep.poolOf('203.0.113.5')).toBe('legacy');
    expect(inPool(POOL, ADDRESSES)).toHaveLength(127);
  });

  test('without DescribeStacks, a forward update that would fail still fails when the pool says it is one', async () => {
    ep.provisionRange(RANGE);
    ep.createPool(POOL);
    ep.createPool('legacy');
    ep.setStackStatus(STACK_ID, 'CREATE_IN_PROGRESS');
    const half = properties({ Addresses: ['203.0.113.0/25'] });
    const { physicalId } = await run(request('Create', half));
    ep.provisionAddress('203.0.113.200', { pool: 'legacy' });
    unreadableStatus();
    const grow = request('Update', properties(), { PhysicalResourceId: physicalId, OldResourceProperties: half });
    await expect(run(grow)).rejects.toThrow('1 address of 203.0.113.0/24 is in other dedicated IP pools: legacy');
  });
});
