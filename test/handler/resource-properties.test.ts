import { parsePhysicalId, parseProperties, physicalIdOf, renderProperties } from '../../src/handler/resource-properties';
import { WarmupMode } from '../../src/warmup-mode';

test('what the construct renders, the handler parses back', () => {
  const settings = { cidr: '198.51.100.0/24', poolName: 'p', warmup: WarmupMode.ALREADY_WARM, adoptAddressesFromOtherPools: true };
  const rendered = renderProperties(settings);
  expect(rendered).toEqual({ Cidr: '198.51.100.0/24', PoolName: 'p', Warmup: 'ALREADY_WARM', AdoptAddressesFromOtherPools: 'true' });
  expect(parseProperties({ ServiceToken: 'arn', ...rendered })).toEqual(settings);
});

test('the physical ID changes with the range and with the pool', () => {
  const a = physicalIdOf({ cidr: '198.51.100.0/24', poolName: 'p' });
  expect(a).toBe('p|198.51.100.0/24');
  expect(physicalIdOf({ cidr: '198.51.101.0/24', poolName: 'p' })).not.toBe(a);
  expect(physicalIdOf({ cidr: '198.51.100.0/24', poolName: 'q' })).not.toBe(a);
});

test('fails on missing properties', () => {
  expect(() => parseProperties(undefined)).toThrow('The custom resource property Warmup must be a non-empty string, got undefined.');
});

test('a physical ID names its pool and range back; anything else names nothing', () => {
  expect(parsePhysicalId('byoip-pool|198.51.100.0/24')).toEqual({ poolName: 'byoip-pool', cidr: '198.51.100.0/24' });
  for (const other of [undefined, '', 'req-1234', 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED', 'p|q|198.51.100.0/24', 'Bad Pool|198.51.100.0/24', 'p|not-a-range']) {
    expect(parsePhysicalId(other)).toBeUndefined();
  }
});
