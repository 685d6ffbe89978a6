/**
 * Lambda entry points of the custom resource that fills a BYOIP pool, for
 * the CDK Provider framework: `onEvent` and `isComplete`. Bundled with the
 * AWS SDK into one asset at build time (see .projenrc.ts).
 *
 * The clients take the SDK's standard configuration: credentials, Region
 * and endpoint overrides such as AWS_ENDPOINT_URL_SESV2 and
 * AWS_ENDPOINT_URL_CLOUDFORMATION. SES retries are the pacer's job, so the
 * SES client makes one attempt per call.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import * as lifecycle from './lifecycle';
import { AdaptivePacer, SYSTEM_CLOCK } from './pacer';
import { PROPAGATION_GRACE_MS, PropagationGrace } from './propagation';
import { createSesClient, SesGateway } from './ses-client';
import { readStackStatus } from './stack-status';

/** The part of the Lambda context the handlers use. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** Time kept back at the end of an invocation, at most: covers one slow SES call. */
const RESERVE_MS = 15_000;

export async function onEvent(event: lifecycle.ResourceEvent, context: LambdaContext): Promise<lifecycle.OnEventResponse> {
  return lifecycle.onEvent(event, invocation(event, context));
}

export async function isComplete(event: lifecycle.ResourceEvent, context: LambdaContext): Promise<lifecycle.IsCompleteResponse> {
  return lifecycle.isComplete(event, invocation(event, context));
}

/**
 * Fresh clients and pacer for one invocation, with a deadline that leaves
 * time to answer before the Lambda timeout (15 s, or a quarter of the
 * remaining time if that is shorter), and the propagation grace, which ends
 * a minute after the operation began (onEvent's start, passed on to isComplete).
 */
function invocation(event: lifecycle.ResourceEvent, context: LambdaContext): lifecycle.Invocation {
  const remaining = context.getRemainingTimeInMillis();
  const clock = SYSTEM_CLOCK;
  const deadline = clock.now() + remaining - Math.min(RESERVE_MS, remaining / 4);
  const log: lifecycle.Logger = (message, details) => console.log(JSON.stringify({ message, ...details }));
  const startedAt = event.ByoipStartedAt ?? Date.now();
  const grace = new PropagationGrace(clock, clock.now() + (startedAt + PROPAGATION_GRACE_MS - Date.now()), log);
  // arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<id>
  const [, partition = 'aws', , region = '?', account = '?'] = event.StackId.split(':');
  let cloudFormation: CloudFormationClient | undefined;
  return {
    ses: new SesGateway(createSesClient(), new AdaptivePacer(clock), deadline, grace),
    stackStatus: (stackId) => readStackStatus(cloudFormation ??= new CloudFormationClient({
      // CloudFormation throttles its own API (the CDK CLI polls it during a deploy): retry a few times.
      maxAttempts: 6,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 10_000, throwOnRequestTimeout: true },
    }), stackId, grace),
    log,
    partition,
    account,
    region: process.env.AWS_REGION ?? region,
    now: () => Date.now(),
  };
}
