/**
 * Lambda entry points of the custom resource that fills a BYOIP pool, for
 * the CDK Provider framework: `onEvent` and `isComplete`. Bundled with the
 * AWS SDK into one asset at build time (see .projenrc.ts).
 *
 * The SES client takes the SDK's standard configuration: credentials,
 * Region and endpoint overrides such as AWS_ENDPOINT_URL_SESV2. Retries are
 * the pacer's job, so the SDK makes one attempt per call.
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { AdaptivePacer, SYSTEM_CLOCK } from './pacer';
import * as lifecycle from './pool-addresses';
import { SesGateway } from './ses-client';

/** The part of the Lambda context the handlers use. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** Time kept back at the end of an invocation, at most: covers one slow SES call. */
const RESERVE_MS = 15_000;
/** A single SES call gives up after this long (then it counts as transient). */
const REQUEST_TIMEOUT_MS = 10_000;

export async function onEvent(event: lifecycle.ResourceEvent, context: LambdaContext): Promise<lifecycle.OnEventResponse> {
  return lifecycle.onEvent(event, invocation(event, context));
}

export async function isComplete(event: lifecycle.ResourceEvent, context: LambdaContext): Promise<lifecycle.IsCompleteResponse> {
  return lifecycle.isComplete(event, invocation(event, context));
}

/**
 * A fresh SES client and pacer for one invocation, with a deadline that
 * leaves time to answer before the Lambda timeout: 15 s, or a quarter of the
 * remaining time if that is shorter.
 */
function invocation(event: lifecycle.ResourceEvent, context: LambdaContext): lifecycle.Invocation {
  const remaining = context.getRemainingTimeInMillis();
  const deadline = SYSTEM_CLOCK.now() + remaining - Math.min(RESERVE_MS, remaining / 4);
  const client = new SESv2Client({
    maxAttempts: 1,
    // A call that hangs, before or after its headers, gives up and counts as transient.
    requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true, socketTimeout: REQUEST_TIMEOUT_MS, connectionTimeout: 5_000 },
  });
  // arn:aws:cloudformation:<region>:<account>:stack/<name>/<id>
  const [, , , region = '?', account = '?'] = event.StackId.split(':');
  return {
    ses: new SesGateway(client, new AdaptivePacer(SYSTEM_CLOCK), deadline),
    log: (message, details) => console.log(JSON.stringify({ message, ...details })),
    account,
    region: process.env.AWS_REGION ?? region,
    now: () => Date.now(),
  };
}
