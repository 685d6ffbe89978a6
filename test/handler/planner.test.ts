import { assess, someOf, warmupToWrite } from '../../src/handler/planner';
import { DEFAULT_POOL } from '../../src/handler/resource-properties';
import { AccountState, DedicatedIpState } from '../../src/handler/ses-client';
import { WarmupMode } from '../../src/warmup-mode';

const range = ['203.0.113.0', '203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5'];

function stateOf(entries: Array<[string, string, number?]>): AccountState {
  return new Map(entries.map(([ip, pool, warmupPercentage]): [string, DedicatedIpState] => [ip, { ip, pool, warmupPercentage }]));
}

describe('assess', () => {
  const state = stateOf([
    ['203.0.113.0', 'target'],
    ['203.0.113.1', DEFAULT_POOL],
    ['203.0.113.2', 'old'],
    ['203.0.113.3', 'someone-else'],
    ['203.0.113.4', 'someone-else'],
    ['198.51.100.9', DEFAULT_POOL], // not in the range: never considered
  ]);

  test('sorts the range by where each address is', () => {
    const result = assess(range, state, 'target', ['old']);
    expect(result.inPlace).toEqual(['203.0.113.0']);
    expect(result.toMove).toEqual(['203.0.113.1', '203.0.113.2']);
    expect([...result.foreign]).toEqual([['someone-else', ['203.0.113.3', '203.0.113.4']]]);
    expect(result.missing).toEqual(['203.0.113.5']);
  });

  test('treats a pool that is not ours as foreign', () => {
    const result = assess(range, state, 'target');
    expect(result.toMove).toEqual(['203.0.113.1']);
    expect([...result.foreign.keys()]).toEqual(['old', 'someone-else']);
  });
});

test('warmupToWrite lists, with ALREADY_WARM only, the pool\'s addresses not at 100 yet', () => {
  const state = stateOf([['203.0.113.0', 'p', 100], ['203.0.113.1', 'p', 40], ['203.0.113.2', 'p'], ['203.0.113.3', 'q', 40]]);
  const settings = { cidr: '203.0.113.0/24', poolName: 'p', warmup: WarmupMode.ALREADY_WARM, adoptAddressesFromOtherPools: false };
  expect(warmupToWrite(settings, range, state)).toEqual(['203.0.113.1', '203.0.113.2']);
  expect(warmupToWrite({ ...settings, warmup: WarmupMode.LEAVE_AS_IS }, range, state)).toEqual([]);
});

test('someOf names a few and counts the rest', () => {
  expect(someOf(['a', 'b'])).toBe('a, b');
  expect(someOf(['a', 'b', 'c', 'd', 'e', 'f', 'g'])).toBe('a, b, c, d, e and 2 more');
  expect(someOf(['a', 'b', 'c', 'd'], 3)).toBe('a, b, c and 1 more');
});
