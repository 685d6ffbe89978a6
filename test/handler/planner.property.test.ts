/**
 * Property tests of the planner alone (pure functions, thousands of cases
 * a second): random accounts (a range split among the stack's pools as
 * the previous properties say, then drifted: addresses moved by hand,
 * taken into another pool, or gone), random new properties (resize,
 * rename, range change, siblings, adoption) and every failure point.
 * The lifecycle's model test (lifecycle.property.test.ts) drives the same
 * planner through CloudFormation's requests.
 */
import * as fc from 'fast-check';
import { FillRequest, Move, planFill, planPutBack, planRelease } from '../../src/handler/planner';
import { adoptionTags, readAdoption } from '../../src/handler/pool-memory';
import { addressesOfBlocks, DEFAULT_POOL, PoolAddressesSettings } from '../../src/handler/resource-properties';
import { DedicatedIpState } from '../../src/handler/ses-client';
import { fewestBlocks, Ipv4Range, rangeOf } from '../../src/range/ipv4-cidr';
import { WarmupMode } from '../../src/warmup-mode';

const R1 = rangeOf('203.0.113.0/24');
const R2 = rangeOf('8.8.8.0/24');
const LEGACY = 'legacy';
const RUNS = Number(process.env.PLANNER_PROPERTY_RUNS ?? 1000);

/** Claims of a range by up to three pools, each /28 to one of them or to none. */
const claims = (range: Ipv4Range) => fc.array(fc.integer({ min: -1, max: 2 }), { minLength: 16, maxLength: 16 }).map((owners) =>
  [0, 1, 2].map((i) => {
    const numbers = owners.flatMap((owner, n) => (owner === i ? Array.from({ length: 16 }, (_, k) => range.network + n * 16 + k) : []));
    return numbers.length === 0 ? undefined : fewestBlocks(numbers).map(String);
  }));

/** One pool's properties in a layout of claims: pool `i` of `names`, with its siblings. */
type Claims = ReadonlyArray<string[] | undefined>;

function settingsOf(range: Ipv4Range, blocks: Claims, names: readonly string[], i: number, adopt: boolean): PoolAddressesSettings {
  const siblings = blocks.flatMap((b, j) => (j !== i && b ? [{ poolName: names[j], addresses: b }] : []));
  return {
    cidr: range.toString(),
    poolName: names[i],
    warmup: WarmupMode.LEAVE_AS_IS,
    adoptAddressesFromOtherPools: adopt,
    addresses: blocks[i]!,
    ...(siblings.length > 0 ? { siblings } : {}),
  };
}

/** The account as the previous properties left it (each claim in its pool, the rest in the default pool), then drifted. */
type Drift = ReadonlyArray<[number, number]>;

function accountOf(range: Ipv4Range, blocks: Claims, names: readonly string[], drift: Drift): Map<string, DedicatedIpState> {
  const state = new Map<string, DedicatedIpState>();
  for (const r of [R1, R2]) {
    r.addresses().forEach((ip) => state.set(ip, { ip, pool: DEFAULT_POOL }));
  }
  blocks.forEach((b, i) => b && addressesOfBlocks(range, b).forEach((ip) => state.set(ip, { ip, pool: names[i] })));
  const addresses = range.addresses();
  for (const [index, kind] of drift) {
    const ip = addresses[index];
    if (kind === 0) state.set(ip, { ip, pool: LEGACY });
    else if (kind === 1) state.set(ip, { ip, pool: DEFAULT_POOL });
    else state.delete(ip);
  }
  return state;
}

/** Makes the moves on `state`; returns the moves whose `from` is not where the address is. */
function apply(state: Map<string, DedicatedIpState>, moves: readonly Move[]): Move[] {
  const wrong: Move[] = [];
  for (const move of moves) {
    if (state.get(move.address)?.pool !== move.from) wrong.push(move);
    state.set(move.address, { ip: move.address, pool: move.to });
  }
  return wrong;
}

/** A forward Create or Update of pool 0 (maybe renamed, resized, moved to another range), against a drifted account. */
const updates = fc.record({
  kind: fc.constantFrom('Create' as const, 'Update' as const),
  before: claims(R1),
  after: claims(R1),
  rename: fc.boolean(),
  rangeChange: fc.nat(4).map((n) => n === 0),
  adopt: fc.boolean(),
  drift: fc.array(fc.tuple(fc.nat(255), fc.nat(2)), { maxLength: 6 }),
  failAt: fc.nat(300),
});

function requestOf(u: UpdateCase): { request: FillRequest; state: Map<string, DedicatedIpState> } {
  // Pool 0 is the one planned: it takes part of the range before and after.
  fc.pre(u.before[0] !== undefined && u.after[0] !== undefined);
  const names = ['alpha', 'beta', 'gamma'];
  const newNames = u.rename ? ['alpha-2', 'beta', 'gamma'] : names;
  const range = u.rangeChange ? R2 : R1;
  const previous = u.kind === 'Update' ? settingsOf(R1, u.before, names, 0, false) : undefined;
  const settings = settingsOf(range, u.rangeChange ? u.after.map((b) => b?.map((x) => x.replace('203.0.113.', '8.8.8.'))) : u.after, newNames, 0, u.adopt);
  const state = accountOf(R1, u.kind === 'Update' ? u.before : u.before.map(() => undefined), names, u.drift);
  return { request: { kind: u.kind, phase: 'forward', settings, previous }, state };
}
type UpdateCase = typeof updates extends fc.Arbitrary<infer T> ? T : never;

describe('planFill', () => {
  test('moves only addresses of the range, each once, from where it is, and never out of a pool the stack does not manage unless it adopts', () => {
    fc.assert(fc.property(updates, (u) => {
      const { request, state } = requestOf(u);
      const plan = planFill(request, state);
      const range = rangeOf(request.settings.cidr);
      const seen = new Set<string>();
      // Collected, then compared once: an expect() per move costs more than the planner.
      const wrong = plan.moves.filter((move) => {
        const twice = seen.has(move.address);
        seen.add(move.address);
        const foreign = move.from === LEGACY && !(move.reason === 'adopt' && request.settings.adoptAddressesFromOtherPools);
        return twice || foreign || !range.contains(toNumber(move.address)) || state.get(move.address)?.pool !== move.from;
      });
      expect(wrong).toEqual([]);
    }), { numRuns: RUNS });
  });

  test('once its moves are made, the pool holds its claim (but what it may not take) and nothing else of the range', () => {
    fc.assert(fc.property(updates, (u) => {
      const { request, state } = requestOf(u);
      const plan = planFill(request, state);
      fc.pre(!plan.fails);
      expect(apply(state, plan.moves)).toEqual([]);
      const { settings, previous } = request;
      const own = new Set(plan.addresses);
      const notTaken = new Set([...plan.missing, ...plan.waiting, ...[...plan.foreign.values()].flat()]);
      const renamedFrom = previous !== undefined && previous.poolName !== settings.poolName ? previous.poolName : undefined;
      const wrong = rangeOf(settings.cidr).addresses().filter((ip) => {
        const where = state.get(ip)?.pool;
        return own.has(ip)
          ? !notTaken.has(ip) && where !== settings.poolName
          : where === settings.poolName || (where !== undefined && where === renamedFrom);
      });
      expect(wrong).toEqual([]);
      expect(plan.expected.filter((ip) => state.get(ip)?.pool !== settings.poolName)).toEqual([]);
    }), { numRuns: RUNS });
  });

  test('a failure at any move, and the put-back, leave every address it moved in where it was (or in the pool that claimed it before)', () => {
    fc.assert(fc.property(updates, (u) => {
      const { request, state } = requestOf(u);
      const plan = planFill(request, state);
      fc.pre(!plan.fails);
      const before = new Map(state);
      const into = plan.moves.filter((m) => m.to === request.settings.poolName);
      const made = [...into, ...plan.moves.filter((m) => m.to !== request.settings.poolName)].slice(0, u.failAt % (plan.moves.length + 1));
      expect(apply(state, made)).toEqual([]);
      const adopted = new Map(made.filter((m) => m.reason === 'adopt').map((m): [string, string] => [m.address, m.from]));
      for (let pass = 0; pass < 3; pass++) {
        expect(apply(state, planPutBack({ ...request, adopted }, state))).toEqual([]);
      }
      expect(planPutBack({ ...request, adopted }, state)).toEqual([]);
      const previousOwner = (ip: string) => {
        const p = request.previous;
        if (!p || p.cidr !== request.settings.cidr) return undefined;
        if (addressesOfBlocks(rangeOf(p.cidr), p.addresses).includes(ip)) return p.poolName;
        return p.siblings?.find((s) => addressesOfBlocks(rangeOf(p.cidr), s.addresses).includes(ip))?.poolName;
      };
      const wrong = made.filter((m) => m.to === request.settings.poolName).filter((move) => {
        const was = before.get(move.address)!.pool;
        const now = state.get(move.address)!.pool;
        return now !== was && !(was === DEFAULT_POOL && now === previousOwner(move.address));
      });
      expect(wrong).toEqual([]);
    }), { numRuns: RUNS });
  });
});

describe('planRelease', () => {
  test('a DELETE moves out of the pool only what it names, to the default pool or where it was adopted from', () => {
    const drifts = fc.array(fc.tuple(fc.nat(255), fc.nat(2)), { maxLength: 6 });
    fc.assert(fc.property(claims(R1), fc.boolean(), drifts, fc.boolean(), (blocks, wholePool, drift, undo) => {
      const names = ['alpha', 'beta', 'gamma'];
      const state = accountOf(R1, blocks, names, drift);
      // Another range's addresses in the pool (a range change that is not cleaned up yet).
      R2.addresses().slice(0, 3).forEach((ip) => state.set(ip, { ip, pool: 'alpha' }));
      const adopted = undo ? new Map(R1.addresses().slice(0, 8).map((ip): [string, string] => [ip, LEGACY])) : undefined;
      const moves = planRelease({ phase: wholePool ? 'stack-going-away' : 'cleanup', target: { cidr: R1.toString(), poolName: 'alpha' }, adopted }, state);
      const wrong = moves.filter((move) => move.from !== 'alpha' || move.to !== (adopted?.get(move.address) ?? DEFAULT_POOL) ||
        !(wholePool || R1.contains(toNumber(move.address))));
      expect(wrong).toEqual([]);
      expect(apply(state, moves)).toEqual([]);
      const left = [...state.values()].filter((a) => a.pool === 'alpha');
      expect(left.filter((a) => wholePool || R1.contains(toNumber(a.ip)))).toEqual([]);
    }), { numRuns: RUNS });
  });
});

describe('the adoption record', () => {
  // Up to 50 pools (SES's quota per account and Region), names up to 64 characters.
  const pools = fc.oneof(fc.constantFrom(LEGACY, 'a', 'old_pool-2'), fc.stringMatching(/^[a-z0-9_-]{1,64}$/));
  test('reads back as written, in three tags for most, each of 256 characters at most, SES\'s characters only', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(255), pools), { minLength: 1, maxLength: 256 }), fc.boolean(), (entries, create) => {
      const addresses = R1.addresses();
      const sources = new Map(entries.map(([i, pool]): [string, string] => [addresses[i], pool]));
      fc.pre(new Set(sources.values()).size <= 50);
      const record = { operation: '0123456789abcdef', from: create ? undefined : 'fedcba9876543210', to: '00112233aabbccdd', range: R1.toString(), sources };
      const tags = adoptionTags(record);
      const names = [...new Set(sources.values())].join(' ').length;
      expect(Object.keys(tags).length).toBeLessThanOrEqual(2 + Math.ceil(names / 200));
      const wrong = Object.values(tags).filter((value) => value.length > 256 || !/^[\p{L}\p{N}\s_.:/=+-]*$/u.test(value));
      expect(wrong).toEqual([]);
      const read = readAdoption(tags)!;
      expect({ ...read, sources: new Map([...read.sources].sort()) }).toEqual({ ...record, sources: new Map([...sources].sort()) });
    }), { numRuns: RUNS });
  });

  test('a key left over from a longer record is not read as part of a shorter one', () => {
    const sources = new Map([['203.0.113.1', 'legacy']]);
    const tags = { ...adoptionTags({ operation: 'a', to: 'b', range: R1.toString(), sources }), 'cdk-ses-byoip:adopted.names.2': 'stale' };
    expect(readAdoption(tags)?.sources).toEqual(sources);
    expect(readAdoption({ ...tags, 'cdk-ses-byoip:adopted.map': 'x'.repeat(256) })).toBeUndefined();
  });
});

function toNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}
