/**
 * The handler's decisions, with the SES client replaced by aws-sdk-client-mock:
 * what it reads, what it writes, what it refuses, what it reports.
 */
import {
  GetDedicatedIpsCommand,
  NotFoundException,
  PutDedicatedIpInPoolCommand,
  PutDedicatedIpWarmupAttributesCommand,
  SESv2Client,
  SESv2ServiceException,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { Invocation, isComplete, onEvent, ResourceEvent } from '../../src/handler/lifecycle';
import { AdaptivePacer, Clock } from '../../src/handler/pacer';
import { DEFAULT_POOL, PoolAddressesProperties } from '../../src/handler/resource-properties';
import { SesGateway } from '../../src/handler/ses-client';
import { rangeOf } from '../../src/range/ipv4-cidr';
import { WarmupMode } from '../../src/warmup-mode';

const RANGE = '192.0.2.0/24';
const ADDRESSES = rangeOf(RANGE).addresses();
const ses = mockClient(SESv2Client);

/** A clock where sleeping takes no real time. */
const clock: Clock = { now: () => fakeNow, sleep: async (ms) => { fakeNow += ms; }, random: () => 0.5 };
let fakeNow = 0;

/** The account: address -> pool (undefined: no pool) and warm-up. */
let account: Map<string, { pool?: string; warmup: number }>;
let logs: string[];
/** What DescribeStacks says of the stack. */
let stackStatus: string;

beforeEach(() => {
  ses.reset();
  fakeNow = 0;
  logs = [];
  stackStatus = 'UPDATE_IN_PROGRESS';
  account = new Map(ADDRESSES.map((ip) => [ip, { warmup: 0 }]));
  // Each call takes 1 ms of the fake clock.
  ses.on(GetDedicatedIpsCommand).callsFake(({ NextToken, PageSize }) => {
    fakeNow += 1;
    const all = [...account.entries()];
    const start = Number(NextToken ?? 0);
    const end = Math.min(all.length, start + (PageSize ?? 100));
    return {
      DedicatedIps: all.slice(start, end).map(([Ip, { pool, warmup }]) => ({ Ip, PoolName: pool, WarmupStatus: 'DONE', WarmupPercentage: warmup })),
      NextToken: end < all.length ? String(end) : undefined,
    };
  });
  ses.on(PutDedicatedIpInPoolCommand).callsFake(({ Ip, DestinationPoolName }) => {
    fakeNow += 1;
    const entry = account.get(Ip!);
    if (!entry) throw new NotFoundException({ message: `Could not find dedicated IP ${Ip} under this account.`, $metadata: {} });
    entry.pool = DestinationPoolName === DEFAULT_POOL ? undefined : DestinationPoolName;
    return {};
  });
  ses.on(PutDedicatedIpWarmupAttributesCommand).callsFake(({ Ip, WarmupPercentage }) => {
    account.get(Ip!)!.warmup = WarmupPercentage!;
    return {};
  });
});

function invocation(budgetMs = Infinity): Invocation {
  return {
    ses: new SesGateway(new SESv2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }), new AdaptivePacer(clock), budgetMs),
    stackStatus: async () => stackStatus,
    log: (message) => logs.push(message),
    account: '111122223333',
    region: 'eu-west-1',
    now: () => 1_000_000 + fakeNow,
  };
}

function props(overrides: Partial<PoolAddressesProperties> = {}): Record<string, unknown> {
  return { Cidr: RANGE, PoolName: 'mail', Warmup: WarmupMode.LEAVE_AS_IS, AdoptAddressesFromOtherPools: 'false', ...overrides };
}

function event(RequestType: ResourceEvent['RequestType'], ResourceProperties = props(), extra: Partial<ResourceEvent> = {}): ResourceEvent {
  return { RequestType, StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/s/1', RequestId: 'r', LogicalResourceId: 'L', ResourceProperties, ...extra };
}

const puts = () => ses.commandCalls(PutDedicatedIpInPoolCommand).map((c) => `${c.args[0].input.Ip}>${c.args[0].input.DestinationPoolName}`);

describe('onEvent', () => {
  test('Create reads the whole state, writes nothing, names the physical resource after pool and range, and sets the deadline', async () => {
    await expect(onEvent(event('Create'), invocation())).resolves.toEqual({
      PhysicalResourceId: `mail|${RANGE}`,
      ByoipDeadline: 1_000_000 + 45 * 60 * 1000,
      ByoipStartedAt: 1_000_000,
    });
    expect(ses.commandCalls(GetDedicatedIpsCommand).length).toBe(3); // 256 addresses, pages of 100
    expect(puts()).toEqual([]);
  });

  test('Delete does not call SES at all', async () => {
    await expect(onEvent(event('Delete', props(), { PhysicalResourceId: 'mail|x' }), invocation())).resolves.toEqual({
      PhysicalResourceId: 'mail|x',
      ByoipDeadline: 1_000_000 + 45 * 60 * 1000,
      ByoipStartedAt: 1_000_000,
      ByoipStackStatus: 'UPDATE_IN_PROGRESS',
    });
    expect(ses.calls()).toHaveLength(0);
  });

  test.each([
    [{ Cidr: '' }, 'The custom resource property Cidr must be a non-empty string, got "".'],
    [{ PoolName: undefined }, 'The custom resource property PoolName must be a non-empty string, got undefined.'],
    [{ Warmup: 'HOT' }, 'The custom resource property Warmup must be one of LEAVE_AS_IS, ALREADY_WARM, got "HOT".'],
    [{ AdoptAddressesFromOtherPools: 'yes' }, 'The custom resource property AdoptAddressesFromOtherPools must be "true" or "false", got "yes".'],
    [{ Cidr: '192.0.2.0/23' }, '192.0.2.0/23 is not a BYOIP range: [SesByoip-PrefixLength]'],
  ])('fails on malformed properties %j, before calling SES', async (overrides, message) => {
    await expect(onEvent(event('Create', props(overrides as Partial<PoolAddressesProperties>)), invocation())).rejects.toThrow(message);
    expect(ses.calls()).toHaveLength(0);
  });

  test('fails when an address is missing, naming the account and Region', async () => {
    account.delete('192.0.2.77');
    await expect(onEvent(event('Create'), invocation())).rejects.toThrow(
      /^1 of the 256 addresses of 192.0.2.0\/24 is not a dedicated IP of account 111122223333 in eu-west-1 \(192.0.2.77\)/,
    );
  });

  test('Update: addresses in the previous pool are ours; in any other pool they are foreign', async () => {
    account.get('192.0.2.1')!.pool = 'old';
    await expect(onEvent(event('Update', props(), { PhysicalResourceId: 'old|x', OldResourceProperties: props({ PoolName: 'old' }) }), invocation()))
      .resolves.toMatchObject({ PhysicalResourceId: `mail|${RANGE}` });
    await expect(onEvent(event('Update', props(), { PhysicalResourceId: 'x', OldResourceProperties: props({ PoolName: 'other' }) }), invocation()))
      .rejects.toThrow('1 address of 192.0.2.0/24 is in other dedicated IP pools: old (1: 192.0.2.1).');
  });
});

describe('isComplete', () => {
  test('moves only the addresses not in the pool yet, then reports completion with small Data', async () => {
    for (const ip of ADDRESSES.slice(0, 200)) account.get(ip)!.pool = 'mail';
    const result = await isComplete(event('Create'), invocation());
    expect(result).toEqual({ IsComplete: true, Data: { AddressesInPool: '256' } });
    expect(puts()).toEqual(ADDRESSES.slice(200).map((ip) => `${ip}>mail`));
  });

  test('writes warm-up only for ALREADY_WARM, and only where it is not 100', async () => {
    for (const ip of ADDRESSES.slice(3)) account.get(ip)!.warmup = 100;
    await isComplete(event('Create', props({ Warmup: WarmupMode.ALREADY_WARM })), invocation());
    expect(ses.commandCalls(PutDedicatedIpWarmupAttributesCommand).map((c) => c.args[0].input)).toEqual(
      ADDRESSES.slice(0, 3).map((Ip) => ({ Ip, WarmupPercentage: 100 })),
    );
  });

  test('returns "not complete", without Data, when the time budget ends', async () => {
    const result = await isComplete(event('Create'), invocation(20));
    expect(result).toEqual({ IsComplete: false });
    expect(puts().length).toBeGreaterThan(0);
    expect(puts().length).toBeLessThan(20);
  });

  test('Delete moves back only the range\'s addresses that are in this pool', async () => {
    account.set('203.0.113.1', { pool: 'mail', warmup: 0 }); // not in the range
    account.get('192.0.2.5')!.pool = 'mail';
    account.get('192.0.2.6')!.pool = 'other';
    await expect(isComplete(event('Delete'), invocation())).resolves.toEqual({ IsComplete: true });
    expect(puts()).toEqual([`192.0.2.5>${DEFAULT_POOL}`]);
  });

  test('cuts a long failure reason to fit in CloudFormation\'s response, without a stack trace', async () => {
    ses.on(PutDedicatedIpInPoolCommand).rejects(
      new SESv2ServiceException({ name: 'BadRequestException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'x'.repeat(5000) }),
    );
    const error = (await isComplete(event('Update', props(), { PhysicalResourceId: 'p' }), invocation()).catch((e: Error) => e)) as Error;
    expect(error.message.length).toBeLessThanOrEqual(1500);
    expect(error.message).toMatch(/^SES PutDedicatedIpInPool 192\.0\.2\.0 into mail failed: BadRequestException: xxx.*\.\.\.$/);
    expect(error.stack).toBe(`Error: ${error.message}`);
    expect(ses.commandCalls(PutDedicatedIpInPoolCommand)).toHaveLength(1); // final errors are not retried, and an Update is not rolled back
  });
});
