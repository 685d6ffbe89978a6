/**
 * An in-memory SES v2 account for the property tests: a stand-in for the
 * SDK client (`send`) that SesGateway calls, so the real lifecycle,
 * executor and planner run against it thousands of times a minute, without
 * HTTP. It knows what the handler calls: GetDedicatedIps (paged, by pool),
 * PutDedicatedIpInPool, PutDedicatedIpWarmupAttributes, and the tag calls
 * on dedicated IP pools. Writes can be made to fail (`failWrite`).
 *
 * What only the wire shows (throttling, resets, timeouts, the SDK's error
 * parsing) is the local HTTP endpoint's: test/support/local-ses-endpoint.ts.
 */
import {
  GetDedicatedIpsCommand,
  ListTagsForResourceCommand,
  PutDedicatedIpInPoolCommand,
  PutDedicatedIpWarmupAttributesCommand,
  SESv2Client,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-sesv2';
import { DEFAULT_POOL } from '../../src/handler/resource-properties';

/** What `failWrite` sees of a write. */
export interface WriteCall {
  readonly operation: 'PutDedicatedIpInPool' | 'PutDedicatedIpWarmupAttributes' | 'TagResource' | 'UntagResource';
  readonly ip?: string;
  readonly pool?: string;
}

function sesError(name: string, status: number, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

export class InMemorySes {
  /** Address -> pool (DEFAULT_POOL for none) and warm-up. */
  public readonly addresses = new Map<string, { pool: string; warmup: number }>();
  /** Named pools that exist, with their tags. */
  public readonly pools = new Map<string, Record<string, string>>();
  /** Every successful move, in order. */
  public readonly moves: Array<{ readonly ip: string; readonly from: string; readonly to: string }> = [];
  /** Answers a write with this error instead of making it, when it returns one. */
  public failWrite?: (call: WriteCall) => Error | undefined;

  /** The client SesGateway takes. */
  public readonly client = { send: (command: unknown) => this.send(command) } as unknown as SESv2Client;

  public provision(ips: readonly string[], pool: string = DEFAULT_POOL): void {
    ips.forEach((ip) => this.addresses.set(ip, { pool, warmup: 100 }));
  }

  public createPool(name: string): void {
    if (!this.pools.has(name)) {
      this.pools.set(name, {});
    }
  }

  /** Deletes a pool as CloudFormation would: a STANDARD pool that holds addresses cannot be deleted. */
  public deletePool(name: string): void {
    const held = [...this.addresses].filter(([, a]) => a.pool === name).map(([ip]) => ip);
    if (held.length > 0) {
      throw new Error(`pool ${name} still holds ${held.length} dedicated IPs (${held.slice(0, 3).join(', ')}): CloudFormation cannot delete it`);
    }
    this.pools.delete(name);
  }

  public poolOf(ip: string): string | undefined {
    return this.addresses.get(ip)?.pool;
  }

  /** Address -> pool, a copy. */
  public layout(): Map<string, string> {
    return new Map([...this.addresses].map(([ip, a]) => [ip, a.pool]));
  }

  private async send(command: unknown): Promise<unknown> {
    const input = (command as { input: Record<string, any> }).input;
    if (command instanceof GetDedicatedIpsCommand) {
      const pool = input.PoolName as string | undefined;
      if (pool !== undefined && pool !== DEFAULT_POOL && !this.pools.has(pool)) {
        throw sesError('NotFoundException', 404, `Pool ${pool} does not exist.`);
      }
      // One page: paging is the HTTP endpoint's to show, and the property tests read the account thousands of times.
      const all = [...this.addresses].filter(([, a]) => pool === undefined || a.pool === pool);
      return {
        DedicatedIps: all.map(([Ip, a]) => ({
          Ip, WarmupStatus: a.warmup === 100 ? 'DONE' : 'IN_PROGRESS', WarmupPercentage: a.warmup, PoolName: a.pool === DEFAULT_POOL ? undefined : a.pool,
        })),
      };
    }
    if (command instanceof PutDedicatedIpInPoolCommand) {
      const { Ip: ip, DestinationPoolName: to } = input as { Ip: string; DestinationPoolName: string };
      this.refuse({ operation: 'PutDedicatedIpInPool', ip, pool: to });
      const address = this.addresses.get(ip);
      if (!address) {
        throw sesError('NotFoundException', 404, `Could not find dedicated IP ${ip} under this account.`);
      }
      if (to !== DEFAULT_POOL && !this.pools.has(to)) {
        throw sesError('NotFoundException', 404, `Pool ${to} does not exist.`);
      }
      this.moves.push({ ip, from: address.pool, to });
      address.pool = to;
      return {};
    }
    if (command instanceof PutDedicatedIpWarmupAttributesCommand) {
      this.refuse({ operation: 'PutDedicatedIpWarmupAttributes', ip: input.Ip });
      const address = this.addresses.get(input.Ip);
      if (!address) {
        throw sesError('NotFoundException', 404, `Could not find dedicated IP ${input.Ip} under this account.`);
      }
      address.warmup = input.WarmupPercentage;
      return {};
    }
    if (command instanceof ListTagsForResourceCommand) {
      return { Tags: Object.entries(this.tagsOf(input.ResourceArn)).map(([Key, Value]) => ({ Key, Value })) };
    }
    if (command instanceof TagResourceCommand) {
      const tags = this.tagsOf(input.ResourceArn);
      this.refuse({ operation: 'TagResource', pool: poolOfArn(input.ResourceArn) });
      for (const { Key, Value } of input.Tags as Array<{ Key: string; Value: string }>) {
        if (Value.length > 256 || !/^[\p{L}\p{N}\s_.:/=+-]*$/u.test(Value)) {
          throw sesError('BadRequestException', 400, `Invalid tag value ${Value}`);
        }
        tags[Key] = Value;
      }
      if (Object.keys(tags).length > 50) {
        throw sesError('BadRequestException', 400, 'Too many tags.');
      }
      return {};
    }
    if (command instanceof UntagResourceCommand) {
      const tags = this.tagsOf(input.ResourceArn);
      this.refuse({ operation: 'UntagResource', pool: poolOfArn(input.ResourceArn) });
      (input.TagKeys as string[]).forEach((key) => delete tags[key]);
      return {};
    }
    throw new Error(`InMemorySes does not know ${(command as object).constructor.name}`);
  }

  private tagsOf(arn: string): Record<string, string> {
    const tags = this.pools.get(poolOfArn(arn));
    if (!tags) {
      throw sesError('NotFoundException', 404, `Resource ${arn} does not exist.`);
    }
    return tags;
  }

  private refuse(call: WriteCall): void {
    const error = this.failWrite?.(call);
    if (error) {
      throw error;
    }
  }
}

/** A BadRequestException, as SES answers a write it refuses. */
export function refusal(message = 'Refused.'): Error {
  return sesError('BadRequestException', 400, message);
}

function poolOfArn(arn: string): string {
  return /:dedicated-ip-pool\/(.+)$/.exec(arn)?.[1] ?? '';
}
