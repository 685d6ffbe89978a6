/**
 * Integration test of ByoipSendingPool, for integ-runner.
 *
 * `npm test` checks the committed snapshot offline (no AWS account needed).
 * A maintainer with a BYOIP range that AWS has provisioned can deploy it for
 * real and check, with SES v2 calls, that the range ends up in the pool:
 *
 *   SES_BYOIP_INTEG_CIDR=198.51.100.0/24 SES_BYOIP_INTEG_ACCOUNT=111122223333 \
 *   SES_BYOIP_INTEG_REGION=us-east-1 npx projen integ:deploy
 *
 * (see README, "Integration tests").
 */
import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { Annotations, App, Stack } from 'aws-cdk-lib';
import { ByoipRuleId, ByoipSendingPool, WarmupMode } from '../src';
import { rangeOf } from '../src/range/ipv4-cidr';

/** The range AWS's BYOIP documentation uses: fine for the snapshot, never deployed. */
const DOCUMENTATION_RANGE = '203.0.113.0/24';
const cidr = process.env.SES_BYOIP_INTEG_CIDR ?? DOCUMENTATION_RANGE;
// A BYOIP range belongs to one account and Region: both stacks name them.
const env = {
  account: process.env.SES_BYOIP_INTEG_ACCOUNT ?? '111122223333',
  region: process.env.SES_BYOIP_INTEG_REGION ?? 'us-east-1',
};
const POOL_NAME = 'ses-byoip-integ';

const app = new App();
const stack = new Stack(app, 'SesByoipInteg', { env });
const sending = new ByoipSendingPool(stack, 'Sending', {
  cidr,
  dedicatedIpPoolName: POOL_NAME,
  configurationSetName: 'ses-byoip-integ',
  warmup: WarmupMode.LEAVE_AS_IS,
});
if (cidr === DOCUMENTATION_RANGE) {
  Annotations.of(sending).acknowledgeWarning(ByoipRuleId.DOCUMENTATION_RANGE, 'The snapshot uses the documentation range.');
}

const integ = new IntegTest(app, 'ByoipSendingPoolInteg', {
  testCases: [stack],
  // The assertions live in the same account and Region as the pool.
  assertionStack: new Stack(app, 'SesByoipIntegAssertions', { env }),
});

// The first, a middle and the last address of the range are in the pool once the stack is deployed.
const addresses = rangeOf(cidr).addresses();
for (const ip of [addresses[0], addresses[128], addresses[addresses.length - 1]]) {
  integ.assertions
    .awsApiCall('SESv2', 'GetDedicatedIp', { Ip: ip })
    .expect(ExpectedResult.objectLike({ DedicatedIp: { Ip: ip, PoolName: POOL_NAME } }));
}
// And the configuration set sends through that pool.
integ.assertions
  .awsApiCall('SESv2', 'GetConfigurationSet', { ConfigurationSetName: 'ses-byoip-integ' })
  .expect(ExpectedResult.objectLike({ DeliveryOptions: { SendingPoolName: POOL_NAME } }));

app.synth();
