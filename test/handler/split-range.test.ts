/**
 * One range split between pools of one stack (ByoipSendingPool's
 * `addresses`): each pool moves only its part, siblings are not foreign to
 * each other, a resize moves addresses between them in one deploy whatever
 * the order CloudFormation updates them in, and nothing is lost or in two
 * claims. Real handlers and SDK clients, a local SES v2 endpoint.
 */
import { renderSiblingClaim } from '../../src/handler/resource-properties';
import { rangeOf } from '../../src/range/ipv4-cidr';
import { deployWorld, properties, RANGE, request, run, STACK_ID } from '../support/deploy-harness';
import { DEFAULT_POOL, LocalSesEndpoint } from '../support/local-ses-endpoint';

// A ceiling for a slow machine, not a timing assertion.
jest.setTimeout(120_000);

const T = 'transactional';
const M = 'marketing';
const ADDRESSES = rangeOf(RANGE).addresses();

const world = deployWorld({ seed: 23 });
let ep: LocalSesEndpoint;
beforeEach(() => {
  ep = world.ep;
  ep.provisionRange(RANGE);
  ep.createPool(T);
  ep.createPool(M);
});

/** The addresses of `blocks` (canonical CIDR inside RANGE). */
const ips = (...blocks: string[]) => blocks.flatMap((b) => rangeOf(b).addresses());
const block = (suffix: string) => `203.0.113.${suffix}`;

/** The properties of pool `pool` taking `own`, with its siblings' claims. */
function props(pool: string, own: string[], siblings: Record<string, string[]> = {}) {
  const claims = Object.entries(siblings).map(([poolName, addresses]) => renderSiblingClaim({ poolName, addresses }));
  return properties({ PoolName: pool, Addresses: own, ...(claims.length > 0 ? { SiblingClaims: claims } : {}) });
}

/** What the account's pools hold of the range, each as a sorted list. */
function split(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const ip of ADDRESSES) {
    const pool = ep.poolOf(ip) ?? 'missing';
    (out[pool] ??= []).push(ip);
  }
  return out;
}

const moves = () => ep.calls.filter((c) => c.operation === 'PutDedicatedIpInPool' && c.outcome === 'ok');

/** Both pools created: T takes `t`, M takes `m`; the calls forgotten; returns the physical IDs. */
async function deployedSplit(t: string[], m: string[]) {
  ep.setStackStatus(STACK_ID, 'CREATE_IN_PROGRESS');
  const tCreated = await run(request('Create', props(T, t, { [M]: m }), { LogicalResourceId: 'TPoolAddresses' }));
  const mCreated = await run(request('Create', props(M, m, { [T]: t }), { LogicalResourceId: 'MPoolAddresses' }));
  ep.setStackStatus(STACK_ID, 'UPDATE_IN_PROGRESS');
  ep.resetCalls();
  return { t: tCreated.physicalId, m: mCreated.physicalId };
}

/** An Update of pool `pool` from `before` to `after`. */
function update(pool: string, physicalId: string, before: ReturnType<typeof props>, after: ReturnType<typeof props>) {
  return request('Update', after, { PhysicalResourceId: physicalId, OldResourceProperties: before, LogicalResourceId: `${pool}PoolAddresses` });
}

test('a split fill moves each pool\'s part once, and leaves the rest in the default pool', async () => {
  const ids = await deployedSplit([block('0/27')], [block('32/27'), block('64/26')]);
  expect(ids).toEqual({ t: `${T}|${RANGE}`, m: `${M}|${RANGE}` }); // the physical ID format of every release
  expect(split()).toEqual({
    [T]: ips(block('0/27')),
    [M]: ips(block('32/27'), block('64/26')),
    [DEFAULT_POOL]: ips(block('128/25')),
  });
});

test('a split fill moves 128 addresses, not 256: the time follows the addresses that move', async () => {
  ep.setStackStatus(STACK_ID, 'CREATE_IN_PROGRESS');
  await run(request('Create', props(T, [block('0/26')], { [M]: [block('64/26')] })));
  await run(request('Create', props(M, [block('64/26')], { [T]: [block('0/26')] })));
  expect(moves()).toHaveLength(128);
});

test('a pool\'s checks are about its part: addresses of the range in a foreign pool outside it do not stop it', async () => {
  ep.createPool('someone-else');
  ep.provisionAddress(block('200'), { pool: 'someone-else' });
  ep.removeAddress(block('201'));
  ep.setStackStatus(STACK_ID, 'CREATE_IN_PROGRESS');
  await run(request('Create', props(T, [block('0/26')])));
  expect(split()[T]).toEqual(ips(block('0/26')));
  expect(ep.poolOf(block('200'))).toBe('someone-else');
});

test('a pool still refuses its own addresses that sit in a foreign pool, naming its part', async () => {
  ep.createPool('someone-else');
  ep.provisionAddress(block('5'), { pool: 'someone-else' });
  ep.setStackStatus(STACK_ID, 'CREATE_IN_PROGRESS');
  await expect(run(request('Create', props(T, [block('0/26')])))).rejects.toThrow('1 address of 203.0.113.0/24 is in other dedicated IP pools: someone-else');
  expect(moves()).toHaveLength(0);
});

describe('a resize moves addresses between the two pools in one deploy, whatever the order', () => {
  // T grows from .0/26 to .0/25, taking .64/26 from M, which moves to .128/26.
  const before = { t: [block('0/26')], m: [block('64/26')] };
  const after = { t: [block('0/25')], m: [block('128/26')] };
  const expected = () => ({
    [T]: ips(block('0/25')),
    [M]: ips(block('128/26')),
    [DEFAULT_POOL]: ips(block('192/26')),
  });

  test.each([
    ['the growing pool first', [T, M]],
    ['the shrinking pool first', [M, T]],
  ])('%s', async (_order, order) => {
    const ids = await deployedSplit(before.t, before.m);
    const updates: Record<string, ReturnType<typeof update>> = {
      [T]: update(T, ids.t, props(T, before.t, { [M]: before.m }), props(T, after.t, { [M]: after.m })),
      [M]: update(M, ids.m, props(M, before.m, { [T]: before.t }), props(M, after.m, { [T]: after.t })),
    };
    for (const pool of order) {
      const { physicalId } = await run(updates[pool]);
      // An in-place update: CloudFormation sends no DELETE for an old physical ID.
      expect(physicalId).toBe(pool === T ? ids.t : ids.m);
      // No address is ever in two claims: each sits in one pool, none is lost.
      expect(Object.values(split()).flat().sort()).toEqual([...ADDRESSES].sort());
    }
    expect(split()).toEqual(expected());
    // Each address that changes pool moves once: .64/26 from M to T, .128/26 into M.
    expect(moves()).toHaveLength(128);
    expect(moves().filter((c) => c.pool === DEFAULT_POOL)).toHaveLength(0);
  });
});

describe('CloudFormation\'s rollback of a resize that failed', () => {
  const before = { t: [block('0/26')], m: [block('64/26')] };
  const after = { t: [block('0/25')], m: [block('128/26')] };

  /** The rollback of `forward`: the stack says so, the properties come back swapped. */
  const rollbackOf = (forward: ReturnType<typeof update>) => {
    ep.setStackStatus(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
    return request('Update', forward.OldResourceProperties!, {
      PhysicalResourceId: forward.PhysicalResourceId, OldResourceProperties: forward.ResourceProperties, LogicalResourceId: forward.LogicalResourceId,
    });
  };

  test.each([
    ['with a rollback for both pools', true],
    ['with a rollback for the pool that was updated only', false],
  ])('restores the split %s', async (_how, failedOneRollsBack) => {
    const ids = await deployedSplit(before.t, before.m);
    const tForward = update(T, ids.t, props(T, before.t, { [M]: before.m }), props(T, after.t, { [M]: after.m }));
    const mForward = update(M, ids.m, props(M, before.m, { [T]: before.t }), props(M, after.m, { [T]: after.t }));
    // The shrinking pool goes first and succeeds; the growing one fails before it writes.
    await run(mForward);
    ep.createPool('someone-else');
    ep.provisionAddress(block('10'), { pool: 'someone-else' });
    await expect(run(tForward)).rejects.toThrow('in other dedicated IP pools: someone-else');
    ep.provisionAddress(block('10'), { pool: T });
    // CloudFormation rolls back in reverse order.
    if (failedOneRollsBack) {
      await run(rollbackOf(tForward));
    }
    await run(rollbackOf(mForward));
    expect(split()).toEqual({
      [T]: ips(block('0/26')),
      [M]: ips(block('64/26')),
      [DEFAULT_POOL]: ips(block('128/25')),
    });
  });
});

describe('a new pool that takes part of an existing pool\'s range', () => {
  /** T holds the whole range (deployed before splits existed); C is added with .128/25, T keeps .0/25. */
  async function wholeT() {
    ep.setStackStatus(STACK_ID, 'CREATE_IN_PROGRESS');
    const { physicalId } = await run(request('Create', properties({ PoolName: T }), { LogicalResourceId: 'TPoolAddresses' }));
    ep.setStackStatus(STACK_ID, 'UPDATE_IN_PROGRESS');
    ep.createPool('carrier');
    ep.resetCalls();
    return physicalId;
  }
  const C = 'carrier';
  const cCreate = () => request('Create', props(C, [block('128/25')], { [T]: [block('0/25')] }), { LogicalResourceId: 'CPoolAddresses' });
  const tShrink = (id: string) => update(T, id, properties({ PoolName: T }), props(T, [block('0/25')], { [C]: [block('128/25')] }));

  test.each([
    ['the new pool first', 'C'],
    ['the existing pool first', 'T'],
  ])('gets its addresses in one deploy, %s, each moving once', async (_order, first) => {
    const id = await wholeT();
    if (first === 'C') {
      const { data } = await run(cCreate());
      // Left with the sibling, which hands them over in its own update.
      expect(split()[C]).toBeUndefined();
      expect(data?.AddressesInPool).toBe('0');
      await run(tShrink(id));
    } else {
      await run(tShrink(id));
      await run(cCreate());
    }
    expect(split()).toEqual({ [T]: ips(block('0/25')), [C]: ips(block('128/25')) });
    expect(moves()).toHaveLength(128);
  });

  test('a Create that fails leaves the existing pool as it was (CloudFormation will not roll it back: it was not updated)', async () => {
    await wholeT();
    ep.provisionAddress(block('200'), { pool: T });
    ep.createPool('someone-else');
    ep.provisionAddress(block('201'), { pool: 'someone-else' });
    await expect(run(cCreate())).rejects.toThrow('in other dedicated IP pools: someone-else');
    expect(split()[T]).toHaveLength(255);
    expect(moves()).toHaveLength(0);
  });

  test('the rollback\'s DELETE of the new pool, before the existing one was updated, leaves the existing pool whole', async () => {
    await wholeT();
    const { physicalId } = await run(cCreate());
    // Another resource fails: CloudFormation deletes what it created.
    ep.setStackStatus(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
    await run(request('Delete', cCreate().ResourceProperties, { PhysicalResourceId: physicalId, LogicalResourceId: 'CPoolAddresses' }));
    expect(split()).toEqual({ [T]: ADDRESSES });
  });

  test('the rollback after the existing pool handed its addresses over gives them back to it', async () => {
    const id = await wholeT();
    const { physicalId } = await run(cCreate());
    const shrink = tShrink(id);
    await run(shrink);
    // Another resource fails: CloudFormation rolls T back, then deletes C.
    ep.setStackStatus(STACK_ID, 'UPDATE_ROLLBACK_IN_PROGRESS');
    await run(request('Update', shrink.OldResourceProperties!, {
      PhysicalResourceId: id, OldResourceProperties: shrink.ResourceProperties, LogicalResourceId: 'TPoolAddresses',
    }));
    await run(request('Delete', cCreate().ResourceProperties, { PhysicalResourceId: physicalId, LogicalResourceId: 'CPoolAddresses' }));
    expect(split()).toEqual({ [T]: ADDRESSES });
  });
});

test('a shrink sends what the pool no longer takes back to the default pool, with the same physical ID', async () => {
  const ids = await deployedSplit([block('0/27')], [block('128/25')]);
  const { physicalId } = await run(update(M, ids.m, props(M, [block('128/25')], { [T]: [block('0/27')] }), props(M, [block('128/26')], { [T]: [block('0/27')] })));
  expect(physicalId).toBe(ids.m);
  // /25 -> /26: the /26 stays, the other half goes.
  expect(split()[M]).toEqual(ips(block('128/26')));
  expect(ips(block('192/26')).every((ip) => ep.poolOf(ip) === DEFAULT_POOL)).toBe(true);
  expect(moves()).toHaveLength(64);
  expect(split()[T]).toEqual(ips(block('0/27')));
});

test('a grow takes only the new addresses from the default pool', async () => {
  const ids = await deployedSplit([block('0/27')], [block('128/26')]);
  await run(update(M, ids.m, props(M, [block('128/26')], { [T]: [block('0/27')] }), props(M, [block('128/25')], { [T]: [block('0/27')] })));
  expect(split()[M]).toEqual(ips(block('128/25')));
  expect(moves()).toHaveLength(64);
});

test('a pool that takes the whole range after a split takes its sibling\'s addresses when the sibling goes in the same deploy', async () => {
  const ids = await deployedSplit([block('0/25')], [block('128/25')]);
  // M grows to the whole range; T leaves the template (its DELETE comes last, in the cleanup).
  await run(update(M, ids.m, props(M, [block('128/25')], { [T]: [block('0/25')] }), properties({ PoolName: M })));
  expect(split()).toEqual({ [M]: ADDRESSES });
  ep.resetCalls();
  await run(request('Delete', props(T, [block('0/25')], { [M]: [block('128/25')] }), { PhysicalResourceId: ids.t }));
  expect(split()).toEqual({ [M]: ADDRESSES });
  expect(moves()).toHaveLength(0);
});

test('destroy releases exactly the pool\'s addresses; its sibling\'s are never touched', async () => {
  const ids = await deployedSplit([block('0/26')], [block('64/26')]);
  ep.setStackStatus(STACK_ID, 'DELETE_IN_PROGRESS');
  await run(request('Delete', props(T, [block('0/26')], { [M]: [block('64/26')] }), { PhysicalResourceId: ids.t }));
  expect(split()).toEqual({ [M]: ips(block('64/26')), [DEFAULT_POOL]: [...ips(block('0/26')), ...ips(block('128/25'))] });
  expect(moves().every((c) => c.pool === DEFAULT_POOL)).toBe(true);
  expect(moves()).toHaveLength(64);
});

test('a grow that fails part-way puts each address back where it was: the sibling\'s into the sibling', async () => {
  const ids = await deployedSplit([block('0/26')], [block('64/26')]);
  ep.failWhen((call) => (call.operation === 'PutDedicatedIpInPool' && call.ip === block('100') && call.pool === T
    ? { status: 400, errorType: 'BadRequestException', message: 'Nope.' } : undefined));
  const grow = update(T, ids.t, props(T, [block('0/26')], { [M]: [block('64/26')] }), props(T, [block('0/25')], { [M]: [] as string[] }));
  // (The sibling's new claim is empty only in this test's properties, which the handler does not read for the put-back.)
  grow.ResourceProperties.SiblingClaims = undefined;
  await expect(run(grow)).rejects.toThrow('were put back into marketing');
  expect(split()).toEqual({
    [T]: ips(block('0/26')),
    [M]: ips(block('64/26')),
    [DEFAULT_POOL]: ips(block('128/25')),
  });
});

test('a warm-up change of a split pool moves nothing and touches only its part', async () => {
  const ids = await deployedSplit([block('0/26')], [block('64/26')]);
  ep.provisionRange(block('0/26'), { pool: T, warmupPercentage: 30 });
  ep.provisionRange(block('64/26'), { pool: M, warmupPercentage: 30 });
  const before = props(T, [block('0/26')], { [M]: [block('64/26')] });
  await run(update(T, ids.t, before, { ...before, Warmup: 'ALREADY_WARM' as never }));
  expect(moves()).toHaveLength(0);
  expect(ips(block('0/26')).every((ip) => ep.warmupOf(ip)?.warmupPercentage === 100)).toBe(true);
  expect(ips(block('64/26')).every((ip) => ep.warmupOf(ip)?.warmupPercentage === 30)).toBe(true);
});
