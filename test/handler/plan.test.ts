import { addressesIn, assess, foreignAddresses, someOf, warmupToWrite } from '../../src/handler/plan';
import { DEFAULT_POOL } from '../../src/handler/resource-properties';
import { AccountState, DedicatedIpState } from '../../src/handler/ses-client';

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
    expect(foreignAddresses(result, range)).toEqual(['203.0.113.3', '203.0.113.4']);
  });

  test('treats a pool that is not ours as foreign', () => {
    const result = assess(range, state, 'target');
    expect(result.toMove).toEqual(['203.0.113.1']);
    expect([...result.foreign.keys()]).toEqual(['old', 'someone-else']);
  });
});

test('addressesIn lists the range addresses in one pool only', () => {
  const state = stateOf([['203.0.113.0', 'p'], ['203.0.113.1', 'q'], ['198.51.100.1', 'p']]);
  expect(addressesIn(range, state, 'p')).toEqual(['203.0.113.0']);
});

test('warmupToWrite lists the addresses not at the target yet, and ignores unknown ones', () => {
  const state = stateOf([['203.0.113.0', 'p', 100], ['203.0.113.1', 'p', 40], ['203.0.113.2', 'p']]);
  expect(warmupToWrite(range, state, 100)).toEqual(['203.0.113.1', '203.0.113.2']);
});

test('someOf names a few and counts the rest', () => {
  expect(someOf(['a', 'b'])).toBe('a, b');
  expect(someOf(['a', 'b', 'c', 'd', 'e', 'f', 'g'])).toBe('a, b, c, d, e and 2 more');
  expect(someOf(['a', 'b', 'c', 'd'], 3)).toBe('a, b, c and 1 more');
});
