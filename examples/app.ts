/**
 * The example app of cdk-ses-byoip: one stack with a ByoipSendingPool for a
 * BYOIP range, an email identity that sends through it, and a ReputationGuard.
 *
 *   npm run example                          # 203.0.113.0/24, synthesizes
 *   npm run example -- -c cidr=10.0.0.0/24   # fails: SesByoip-NotPublic
 *
 * In your own app, import from 'cdk-ses-byoip' instead of '../src'.
 */
import { Annotations, App, Stack } from 'aws-cdk-lib';
import * as ses from 'aws-cdk-lib/aws-ses';
import { ByoipRuleId, ByoipSendingPool, ReputationGuard } from '../src';

/** The range AWS's own BYOIP documentation uses (TEST-NET-3). */
const EXAMPLE_RANGE = '203.0.113.0/24';

const app = new App();
const cidr: string = app.node.tryGetContext('cidr') ?? EXAMPLE_RANGE;

// A BYOIP range belongs to one Region of one account: the stack names both.
const stack = new Stack(app, 'ByoipExample', {
  env: { account: '111122223333', region: 'us-east-1' },
});

const sending = new ByoipSendingPool(stack, 'Sending', {
  cidr,
  dedicatedIpPoolName: 'byoip-example',
  configurationSetName: 'byoip-example',
});

// Mail from this identity leaves through the BYOIP pool.
new ses.EmailIdentity(stack, 'Identity', {
  identity: ses.Identity.domain('mail.example.com'),
  configurationSet: sending.configurationSet,
});

// Alarms on the bounce and complaint rates that the range's reputation
// depends on; at the critical levels, sending through the set pauses itself.
new ReputationGuard(stack, 'ReputationGuard', {
  configurationSet: sending.configurationSet,
  pauseSendingAtCritical: true,
});

if (cidr === EXAMPLE_RANGE) {
  // The documentation range is fine here, and only here.
  Annotations.of(sending).acknowledgeWarning(
    ByoipRuleId.DOCUMENTATION_RANGE,
    'The example app uses the documentation range of the AWS BYOIP guide.',
  );
}

app.synth();
