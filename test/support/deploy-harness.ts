/**
 * Drives the real custom resource handlers (src/handler/index.ts) as
 * CloudFormation and the CDK Provider framework do: the request events, the
 * Lambda context, and onEvent followed by isComplete until it completes. The
 * handlers' SES and CloudFormation clients reach a LocalSesEndpoint through
 * the environment of its `clientEnv()`.
 */
import { LocalSesEndpoint, LocalSesEndpointOptions } from './local-ses-endpoint';
import { isComplete, onEvent } from '../../src/handler/index';
import { ResourceEvent } from '../../src/handler/lifecycle';
import { PoolAddressesProperties } from '../../src/handler/resource-properties';
import { WarmupMode } from '../../src/warmup-mode';

export const STACK_ID = 'arn:aws:cloudformation:us-east-1:111122223333:stack/Mail/5f7c3e10-0000-0000-0000-000000000000';
export const RANGE = '203.0.113.0/24';
export const POOL = 'byoip-pool';

/** A fresh local endpoint per test, which the handlers reach, and their log lines. */
export interface DeployWorld {
  readonly ep: LocalSesEndpoint;
  readonly logs: readonly string[];
  /** Replaces the endpoint with a fresh one started with `options` (the test's seeding is lost). */
  restart(options: LocalSesEndpointOptions): Promise<LocalSesEndpoint>;
}

/**
 * Registers beforeEach/afterEach hooks: each test gets a fresh endpoint
 * (the stack UPDATE_IN_PROGRESS), the handlers' environment pointing at it,
 * and their console.log lines captured.
 */
export function deployWorld(options: LocalSesEndpointOptions): DeployWorld {
  const savedEnv = { ...process.env };
  let ep: LocalSesEndpoint | undefined;
  let logs: string[] = [];
  const start = async (startOptions: LocalSesEndpointOptions) => {
    ep = await LocalSesEndpoint.start(startOptions);
    Object.assign(process.env, ep.clientEnv());
    ep.setStackStatus(STACK_ID, 'UPDATE_IN_PROGRESS');
    return ep;
  };
  beforeEach(async () => {
    await start(options);
    logs = [];
    jest.spyOn(console, 'log').mockImplementation((line: string) => {
      logs.push(line);
    });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    process.env = { ...savedEnv };
    await ep?.stop();
  });
  return {
    get ep() {
      return ep!;
    },
    get logs() {
      return logs;
    },
    restart: async (restartOptions) => {
      await ep?.stop();
      return start(restartOptions);
    },
  };
}

/** The custom resource's properties, as CloudFormation sends them. */
export function properties(overrides: Partial<PoolAddressesProperties> = {}): PoolAddressesProperties {
  return { Cidr: RANGE, PoolName: POOL, Warmup: WarmupMode.LEAVE_AS_IS, AdoptAddressesFromOtherPools: 'false', ...overrides };
}

/** A CloudFormation request for the custom resource. */
export function request(
  type: ResourceEvent['RequestType'],
  props: Record<string, unknown>,
  extra: Partial<ResourceEvent> = {},
): ResourceEvent {
  return {
    RequestType: type,
    StackId: STACK_ID,
    RequestId: `req-${Math.random()}`,
    LogicalResourceId: 'SendingPoolAddresses',
    ResourceType: 'Custom::SesByoipPoolAddresses',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/secret-signature',
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:111122223333:function:x', ...props },
    ...extra,
  };
}

/** A Lambda context whose invocation has `ms` left. */
export function context(ms = 60_000) {
  const end = Date.now() + ms;
  return { getRemainingTimeInMillis: () => end - Date.now() };
}

/**
 * Runs a request as the Provider framework does: onEvent, then isComplete
 * until it reports completion, each invocation with `budgetMs`.
 */
export async function run(event: ResourceEvent, budgetMs = 60_000) {
  const started = await onEvent(event, context(budgetMs));
  // The framework passes onEvent's answer on to isComplete, merged into the event.
  const waiting = { ...event, ...started };
  for (let checks = 1; checks <= 200; checks++) {
    const result = await isComplete(waiting, context(budgetMs));
    if (result.IsComplete) {
      return { physicalId: started.PhysicalResourceId, data: result.Data, checks };
    }
    expect(result.Data).toBeUndefined(); // the framework refuses Data with IsComplete false
  }
  throw new Error('never completed');
}

/**
 * onEvent, then isComplete once with `budgetMs`: a fill cut off part-way (as
 * when the invocation's time ends, or the Lambda function is killed).
 */
export async function startAndCutOff(event: ResourceEvent, budgetMs: number) {
  const started = await onEvent(event, context());
  const waiting = { ...event, ...started };
  expect(await isComplete(waiting, context(budgetMs))).toEqual({ IsComplete: false });
  return waiting;
}
