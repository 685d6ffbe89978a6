/**
 * The handler's thin layer over the SES v2 API: the operations it needs,
 * each paced and retried by an AdaptivePacer, with SES's errors sorted into
 * throttling, transient and final, and with the propagation grace for
 * AccessDenied and NotFound before the operation's first write.
 */
import {
  GetAccountCommand,
  GetConfigurationSetCommand,
  ListConfigurationSetsCommand,
  GetDedicatedIpsCommand,
  ListTagsForResourceCommand,
  PutConfigurationSetSendingOptionsCommand,
  PutDedicatedIpInPoolCommand,
  PutDedicatedIpWarmupAttributesCommand,
  SESv2Client,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-sesv2';
import { AdaptivePacer, FailureKind, OutOfTime } from './pacer';
import { PropagationGrace, propagationDelayOf } from './propagation';
import { DEFAULT_POOL } from './resource-properties';

/** How long to wait for a connection, and for a whole answer, by default. */
const CONNECTION_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * An SES client for the pacer: one attempt per call (retries are the
 * pacer's), and a call that hangs, before or after its headers, gives up
 * (and counts as transient) instead of waiting for ever. Credentials,
 * Region and endpoint overrides (AWS_ENDPOINT_URL_SESV2) come from the SDK's
 * standard configuration.
 */
export function createSesClient(options: { readonly region?: string; readonly requestTimeoutMs?: number } = {}): SESv2Client {
  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  return new SESv2Client({
    region: options.region,
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: Math.min(CONNECTION_TIMEOUT_MS, requestTimeout),
      requestTimeout,
      throwOnRequestTimeout: true,
      socketTimeout: requestTimeout,
    },
  });
}

/** Where one dedicated IP of the account is, and its warm-up. */
export interface DedicatedIpState {
  readonly ip: string;
  /** Its pool; DEFAULT_POOL if it is in no named pool. */
  readonly pool: string;
  /** 0-100, or undefined if SES did not say. */
  readonly warmupPercentage?: number;
  /** IN_PROGRESS, DONE or NOT_APPLICABLE, or undefined if SES did not say. */
  readonly warmupStatus?: string;
}

/** The account's dedicated IPs in this Region, by address. */
export type AccountState = ReadonlyMap<string, DedicatedIpState>;

/** The page size of GetDedicatedIps. */
const PAGE_SIZE = 100;

/** Counts of successful calls by kind. */
export interface CallCounts {
  reads: number;
  moves: number;
  warmupWrites: number;
}

/** Whether SES sends the mail of the account in this Region, from GetAccount. */
export interface AccountSendingState {
  /** HEALTHY, PROBATION or SHUTDOWN (SES's review of the account), or undefined if SES did not say. */
  readonly enforcementStatus?: string;
  /** False when SES (or someone) paused all sending of the account in this Region. */
  readonly sendingEnabled: boolean;
  /** False in the SES sandbox. */
  readonly productionAccessEnabled?: boolean;
}

/**
 * SES v2 operations as the handler uses them. Every call goes through the
 * pacer and must start before `deadline` (else OutOfTime). With a `grace`,
 * AccessDenied (and NotFound where a new pool may be the cause) is retried
 * until the operation's first write.
 */
export class SesGateway {
  public readonly counts: CallCounts = { reads: 0, moves: 0, warmupWrites: 0 };

  constructor(
    private readonly client: SESv2Client,
    public readonly pacer: AdaptivePacer,
    private readonly deadline: number,
    private readonly grace?: PropagationGrace,
  ) {}

  /** Reads every dedicated IP of the account, following NextToken to the end. */
  public async readAccountState(onPage?: (addressesSoFar: number) => void): Promise<AccountState> {
    return this.readDedicatedIps(undefined, onPage);
  }

  /**
   * Reads the dedicated IPs in one named pool: cheaper than the whole
   * account's when the account holds several ranges.
   */
  public async readPool(pool: string): Promise<AccountState> {
    return this.readDedicatedIps(pool);
  }

  /**
   * Moves one address into `pool` (DEFAULT_POOL releases it from its pool).
   * @param poolMayBeNew false for a pool that existed before the operation
   *   (e.g. one an address was adopted from): NotFound then gets no grace
   * @returns 'not-found' if SES does not know the address (or the pool)
   */
  public async moveToPool(ip: string, pool: string, poolMayBeNew = true): Promise<'moved' | 'not-found'> {
    try {
      const send = () => this.client.send(new PutDedicatedIpInPoolCommand({ Ip: ip, DestinationPoolName: pool }));
      // A named pool may be too new for SES to find (the default pool always
      // exists); an address that SES names as not found is simply gone.
      const notFoundMayPass = (error: unknown) => poolMayBeNew && pool !== DEFAULT_POOL && !errorMessage(error).includes(ip);
      await this.call(`PutDedicatedIpInPool ${ip} into ${pool}`, send, { write: true, notFoundMayPass, permission: `into pool ${pool}` });
    } catch (error) {
      if (error instanceof SesCallError && errorName(error.cause) === 'NotFoundException') {
        return 'not-found';
      }
      throw error;
    }
    this.counts.moves++;
    return 'moved';
  }

  /** Sets the warm-up percentage of one address. */
  public async setWarmup(ip: string, percentage: number): Promise<void> {
    const send = () => this.client.send(new PutDedicatedIpWarmupAttributesCommand({ Ip: ip, WarmupPercentage: percentage }));
    await this.call(`PutDedicatedIpWarmupAttributes ${ip} to ${percentage}`, send, { write: true, permission: 'with PutDedicatedIpWarmupAttributes' });
    this.counts.warmupWrites++;
  }

  /**
   * The tags of a resource (ListTagsForResource), e.g. a dedicated IP pool by
   * its ARN, or 'not-found' if there is no such resource.
   */
  public async readTags(resourceArn: string): Promise<Record<string, string> | 'not-found'> {
    try {
      const answer = await this.call(`ListTagsForResource ${resourceArn}`, () => this.client.send(new ListTagsForResourceCommand({ ResourceArn: resourceArn })),
        { notFoundMayPass: true });
      this.counts.reads++;
      return Object.fromEntries((answer?.Tags ?? []).map(({ Key, Value }) => [Key ?? '', Value ?? '']));
    } catch (error) {
      if (error instanceof SesCallError && errorName(error.cause) === 'NotFoundException') {
        return 'not-found';
      }
      throw error;
    }
  }

  /** Sets tags on a resource (TagResource): each key's value is replaced, other keys are kept. */
  public async tag(resourceArn: string, tags: Readonly<Record<string, string>>): Promise<void> {
    const input = { ResourceArn: resourceArn, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
    await this.call(`TagResource ${resourceArn}`, () => this.client.send(new TagResourceCommand(input)),
      { write: true, notFoundMayPass: true, permission: `tagging ${resourceArn}` });
  }

  /** Removes tags from a resource (UntagResource). */
  public async untag(resourceArn: string, keys: readonly string[]): Promise<void> {
    const input = { ResourceArn: resourceArn, TagKeys: [...keys] };
    await this.call(`UntagResource ${resourceArn}`, () => this.client.send(new UntagResourceCommand(input)),
      { write: true, notFoundMayPass: true, permission: `tagging ${resourceArn}` });
  }

  /**
   * Whether the configuration set sends (its SendingOptions; SES's default,
   * sending, when it says nothing), or 'not-found' if there is no such set.
   */
  public async readConfigurationSetSending(name: string): Promise<boolean | 'not-found'> {
    try {
      const answer = await this.call(`GetConfigurationSet ${name}`, () => this.client.send(new GetConfigurationSetCommand({ ConfigurationSetName: name })));
      this.counts.reads++;
      return answer.SendingOptions?.SendingEnabled ?? true;
    } catch (error) {
      if (error instanceof SesCallError && errorName(error.cause) === 'NotFoundException') {
        return 'not-found';
      }
      throw error;
    }
  }

  /**
   * Turns the sending of one configuration set on or off
   * (PutConfigurationSetSendingOptions).
   * @returns 'not-found' if there is no such set
   */
  public async setConfigurationSetSending(name: string, enabled: boolean): Promise<'done' | 'not-found'> {
    try {
      const send = () => this.client.send(new PutConfigurationSetSendingOptionsCommand({ ConfigurationSetName: name, SendingEnabled: enabled }));
      await this.call(`PutConfigurationSetSendingOptions ${name} to SendingEnabled=${enabled}`, send, { write: true, permission: 'with PutConfigurationSetSendingOptions' });
    } catch (error) {
      if (error instanceof SesCallError && errorName(error.cause) === 'NotFoundException') {
        return 'not-found';
      }
      throw error;
    }
    return 'done';
  }

  /**
   * Every configuration set of the account in this Region with the pool it
   * sends through and whether it sends (ListConfigurationSets, then one
   * GetConfigurationSet per set: at SES's one request per second, a second
   * per set). Sets that disappear meanwhile are left out.
   */
  public async readConfigurationSets(): Promise<ConfigurationSetState[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const input = { NextToken: nextToken };
      const page = await this.call('ListConfigurationSets', () => this.client.send(new ListConfigurationSetsCommand(input)));
      this.counts.reads++;
      names.push(...(page.ConfigurationSets ?? []));
      nextToken = page.NextToken || undefined;
    } while (nextToken);
    const sets: ConfigurationSetState[] = [];
    for (const name of names) {
      try {
        const answer = await this.call(`GetConfigurationSet ${name}`, () => this.client.send(new GetConfigurationSetCommand({ ConfigurationSetName: name })));
        this.counts.reads++;
        sets.push({ name, sendingPoolName: answer.DeliveryOptions?.SendingPoolName, sendingEnabled: answer.SendingOptions?.SendingEnabled ?? true });
      } catch (error) {
        if (!(error instanceof SesCallError && errorName(error.cause) === 'NotFoundException')) {
          throw error;
        }
      }
    }
    return sets;
  }

  /** The account's sending state in this Region (GetAccount). */
  public async readAccountSending(): Promise<AccountSendingState> {
    const answer = await this.call('GetAccount', () => this.client.send(new GetAccountCommand({})));
    this.counts.reads++;
    return {
      enforcementStatus: answer.EnforcementStatus,
      sendingEnabled: answer.SendingEnabled ?? true,
      productionAccessEnabled: answer.ProductionAccessEnabled,
    };
  }

  private async readDedicatedIps(pool: string | undefined, onPage?: (addressesSoFar: number) => void): Promise<AccountState> {
    const state = new Map<string, DedicatedIpState>();
    let nextToken: string | undefined;
    do {
      const input = { PageSize: PAGE_SIZE, NextToken: nextToken, PoolName: pool };
      const what = pool === undefined ? 'GetDedicatedIps' : `GetDedicatedIps of pool ${pool}`;
      const page = await this.call(what, () => this.client.send(new GetDedicatedIpsCommand(input)), { notFoundMayPass: pool !== undefined });
      this.counts.reads++;
      for (const dedicatedIp of page.DedicatedIps ?? []) {
        if (dedicatedIp.Ip) {
          state.set(dedicatedIp.Ip, {
            ip: dedicatedIp.Ip,
            pool: dedicatedIp.PoolName || DEFAULT_POOL,
            warmupPercentage: dedicatedIp.WarmupPercentage,
            warmupStatus: dedicatedIp.WarmupStatus,
          });
        }
      }
      onPage?.(state.size);
      nextToken = page.NextToken || undefined;
    } while (nextToken);
    return state;
  }

  /**
   * Runs one SES call through the pacer, with the propagation grace; a final
   * failure names the call. A successful write ends the grace for its
   * permission (and for calls that name none).
   */
  private async call<T>(
    what: string,
    send: () => Promise<T>,
    options: { write?: boolean; notFoundMayPass?: boolean | ((error: unknown) => boolean); permission?: string } = {},
  ): Promise<T> {
    for (;;) {
      try {
        const result = await this.pacer.run(send, classifySesError, this.deadline);
        if (options.write) {
          this.grace?.operationHasWritten(options.permission);
        }
        return result;
      } catch (error) {
        if (error instanceof OutOfTime) {
          throw error;
        }
        const { notFoundMayPass = false } = options;
        const delay = propagationDelayOf(error, typeof notFoundMayPass === 'function' ? notFoundMayPass(error) : notFoundMayPass);
        if (!(await this.grace?.retry(delay, `SES ${what}`, error, options.write ? options.permission : undefined))) {
          throw new SesCallError(what, error);
        }
      }
    }
  }
}

/** One configuration set: the pool it sends through (if any) and whether it sends. */
export interface ConfigurationSetState {
  readonly name: string;
  readonly sendingPoolName?: string;
  readonly sendingEnabled: boolean;
}

/** A final failure of an SES call, naming the call and SES's answer. */
export class SesCallError extends Error {
  constructor(what: string, public readonly cause: unknown) {
    super(`SES ${what} failed: ${describeSesError(cause)}`);
    this.name = 'SesCallError';
  }
}

const THROTTLING_ERRORS = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling']);
const TRANSIENT_ERRORS = new Set([
  'ConcurrentModificationException',
  'InternalFailure',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const NETWORK_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

/**
 * Sorts an SES (or network) error: throttling is adapted to, transient
 * errors are retried, anything else (BadRequest, AccessDenied, NotFound ...)
 * is final.
 */
export function classifySesError(error: unknown): FailureKind {
  const name = errorName(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (THROTTLING_ERRORS.has(name) || status === 429) {
    return 'throttled';
  }
  const code = (error as { code?: string })?.code;
  if (TRANSIENT_ERRORS.has(name) || (status !== undefined && status >= 500) || (code && NETWORK_ERROR_CODES.has(code))) {
    return 'transient';
  }
  if (status === undefined && /socket hang up|ECONNRESET|EPIPE/i.test(errorMessage(error))) {
    return 'transient';
  }
  return 'fatal';
}

/** The error's name (SES exception name), or '' if it has none. */
export function errorName(error: unknown): string {
  return typeof (error as { name?: unknown })?.name === 'string' ? (error as { name: string }).name : '';
}

/** The error's message, or its string form. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** "Name: message" of an SES error, for failure reasons. */
export function describeSesError(error: unknown): string {
  const name = errorName(error);
  const message = errorMessage(error);
  return name && name !== 'Error' && !message.startsWith(name) ? `${name}: ${message}` : message;
}
