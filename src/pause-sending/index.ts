/**
 * Lambda entry point of the function that pauses one configuration set's
 * sending when a critical reputation alarm fires: `handler`, the action of
 * the alarms (`LambdaAction(fn, { useUniquePermissionId: true })`). Bundled
 * with the AWS SDK into one asset at build time (see .projenrc.ts).
 *
 * Environment: CONFIGURATION_SET_NAME, the one set it may pause. The SES
 * client takes the SDK's standard configuration (credentials, Region,
 * AWS_ENDPOINT_URL_SESV2); retries are the pacer's, as in the deploy handler.
 * IAM: ses:GetConfigurationSet and ses:PutConfigurationSetSendingOptions on
 * that configuration set's ARN only.
 */
import { pauseOnAlarm, Logger, PauseResult } from './pause';
import { AdaptivePacer, SYSTEM_CLOCK } from '../handler/pacer';
import { createSesClient, SesGateway } from '../handler/ses-client';

export type { PauseResult } from './pause';

/** The environment variable that names the configuration set. */
export const CONFIGURATION_SET_ENV = 'CONFIGURATION_SET_NAME';

/** The part of the Lambda context the handler uses. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** Time kept back at the end of an invocation, at most: covers one slow SES call. */
const RESERVE_MS = 10_000;
/** The time the handler gives itself without a context (run by hand). */
const NO_CONTEXT_MS = 60_000;

export async function handler(event: unknown, context?: LambdaContext): Promise<PauseResult> {
  const log: Logger = (message, details) => console.log(JSON.stringify({ message, ...details }));
  const configurationSet = process.env[CONFIGURATION_SET_ENV];
  if (!configurationSet) {
    throw new Error(`${CONFIGURATION_SET_ENV} is not set: the function does not know which configuration set it may pause.`);
  }
  const remaining = context?.getRemainingTimeInMillis() ?? NO_CONTEXT_MS;
  const deadline = SYSTEM_CLOCK.now() + remaining - Math.min(RESERVE_MS, remaining / 4);
  const pacer = new AdaptivePacer(SYSTEM_CLOCK, {
    onWait: ({ reason, delayMs, stats }) => log(`SES ${reason === 'throttled' ? 'throttled' : 'failed transiently'}: retrying in ${Math.ceil(delayMs)} ms`, { ...stats }),
  });
  const client = createSesClient();
  try {
    return await pauseOnAlarm(event, new SesGateway(client, pacer, deadline), configurationSet, log);
  } finally {
    client.destroy();
  }
}
