/**
 * Applies the planner's moves to SES, within the invocation's time budget
 * and at the pace SES allows (the gateway's pacer), reads back, and keeps
 * the pool's memory (its tags, see pool-memory.ts). The only code of the
 * handler that talks to SES; what to move, and where, is the planner's.
 */
import { Move, someOf } from './planner';
import { DEFAULT_POOL } from './resource-properties';
import { AccountState, errorMessage, SesCallError, SesGateway } from './ses-client';

/** Writes one line to the log. */
export type Logger = (message: string, details?: Record<string, unknown>) => void;

/** How often to log progress, in writes. */
const PROGRESS_EVERY = 32;
/** A tolerant operation stops trying after this many refused writes in a row: SES refuses them all. */
const REFUSALS_BEFORE_GIVING_UP = 5;

/** Thrown when SES no longer finds an address (or the pool) to move it into its pool. */
export class AddressGone extends Error {}

/** How a batch of writes is named: in progress lines, and in the warning about those refused. */
export interface WriteNames {
  /** e.g. "moved" (32/256 addresses) */
  readonly done: string;
  /** e.g. "moves into pool P" (3 were refused) */
  readonly writes: string;
  /** The pool named in progress lines. */
  readonly pool: string;
  /** The range the addresses belong to, for messages. */
  readonly range?: string;
}

export interface ExecutorOptions {
  readonly ses: SesGateway;
  readonly log: Logger;
  /** Throws once the whole operation's deadline has passed; called before each write. */
  readonly checkDeadline: () => void;
  /**
   * Whether refused writes are warned about (and the rest go on) instead of
   * failing at the first: a rollback, or an update that may be one.
   */
  readonly tolerant: boolean;
  /** Records a warning about something left as it is. */
  readonly warn: (warning: string) => void;
  /** The ARN of a dedicated IP pool, for its tags. */
  readonly poolArn: (pool: string) => string;
  /** "account A in R", for messages. */
  readonly where: string;
}

export class Executor {
  constructor(private readonly options: ExecutorOptions) {}

  /** Every dedicated IP of the account, with progress in the log. */
  public async readAccount(): Promise<AccountState> {
    return this.options.ses.readAccountState((n) => this.options.log(`read ${n} dedicated IPs of the account so far`));
  }

  /** The dedicated IPs in one pool (cheaper than the account's when it holds several ranges). */
  public async readPool(pool: string): Promise<AccountState> {
    return this.options.ses.readPool(pool);
  }

  /**
   * Makes the moves in order, checking the deadline before each. A move into
   * a pool that SES answers with NotFound fails (the address or the pool is
   * gone: AddressGone); a move out of one is done (the address is gone).
   * Unless tolerant, the first failure is thrown; a tolerant executor goes
   * on with the others (after REFUSALS_BEFORE_GIVING_UP refusals in a row
   * it gives up on the rest), warns once about those refused, and returns them.
   */
  public async applyMoves(moves: readonly Move[], names: WriteNames): Promise<Set<string>> {
    return this.writeEach(moves.map((m) => m.address), async (address, index) => {
      const move = moves[index];
      const answer = await this.move(move);
      if (answer === 'not-found' && (move.reason === 'fill' || move.reason === 'adopt')) {
        throw new AddressGone(`SES no longer finds address ${address}${names.range ? ` of ${names.range}` : ''}, or pool ${move.to}, in ${this.options.where}.`);
      }
    }, names);
  }

  /**
   * One move. An address that goes back to the pool it was adopted from
   * goes to the default pool instead if that pool is gone (deleted since):
   * it must leave a pool that may be deleted next.
   */
  private async move(move: Move): Promise<'moved' | 'not-found'> {
    // (A pool an address was adopted from is no new pool: if SES does not find it, it is gone.)
    const answer = await this.options.ses.moveToPool(move.address, move.to, move.reason !== 'restore');
    if (answer === 'not-found' && move.reason === 'restore' && move.to !== DEFAULT_POOL) {
      this.options.log(`${move.address} cannot go back to pool ${move.to} (SES does not find it, or the address): releasing it to ${DEFAULT_POOL}`);
      return this.options.ses.moveToPool(move.address, DEFAULT_POOL);
    }
    return answer;
  }

  /** Sets the warm-up of each address to `percentage`, as applyMoves does its moves. */
  public async setWarmup(addresses: readonly string[], percentage: number, names: WriteNames): Promise<Set<string>> {
    return this.writeEach(addresses, (address) => this.options.ses.setWarmup(address, percentage), names);
  }

  /**
   * Reads the account, asks `planOf` for the moves against what it read,
   * makes them, and again, until no move is left (an address may come back
   * while this runs) or a pass moves nothing (SES no longer finds the ones
   * it lists). Errors are thrown. Returns how many it moved.
   */
  public async reconcile(what: string, planOf: (state: AccountState) => readonly Move[]): Promise<number> {
    const { ses, log } = this.options;
    let moved = 0;
    for (;;) {
      const moves = planOf(await ses.readAccountState());
      if (moves.length === 0) {
        log(`${what}: no address is left to move`, this.stats());
        return moved;
      }
      const targets = [...new Set(moves.map((m) => m.to))];
      log(`${what}: ${moves.length} addresses to move to ${targets.join(', ')} (${someOf(moves.map((m) => m.address))})`);
      let movedThisPass = 0;
      for (const [index, move] of moves.entries()) {
        this.options.checkDeadline();
        if ((await this.move(move)) === 'moved') {
          movedThisPass++;
        }
        this.progress('moved out', index + 1, moves.length, move.from);
      }
      moved += movedThisPass;
      if (movedThisPass === 0) {
        log(`${what}: SES lists ${someOf(moves.map((m) => m.address))} but does not find them to move: left as they are`);
        return moved;
      }
    }
  }

  /**
   * The tags of a pool, or undefined (logged) if they cannot be read: the
   * pool is gone, or the role may not read them. What they hold is a help,
   * never a must.
   */
  public async readMemory(pool: string): Promise<Readonly<Record<string, string>> | undefined> {
    try {
      const tags = await this.options.ses.readTags(this.options.poolArn(pool));
      if (tags === 'not-found') {
        this.options.log(`the tags of pool ${pool} cannot be read: SES does not find the pool`);
        return undefined;
      }
      return tags;
    } catch (error) {
      if (!(error instanceof SesCallError)) {
        throw error;
      }
      this.options.log(`the tags of pool ${pool} cannot be read: ${errorMessage(error)}`);
      return undefined;
    }
  }

  /** Sets `tags` on the pool and removes `remove` (keys); throws an SesCallError if SES refuses. */
  public async remember(pool: string, tags: Readonly<Record<string, string>>, remove: readonly string[] = []): Promise<void> {
    const arn = this.options.poolArn(pool);
    const stale = remove.filter((key) => !(key in tags));
    if (Object.keys(tags).length > 0) {
      await this.options.ses.tag(arn, tags);
    }
    if (stale.length > 0) {
      await this.options.ses.untag(arn, stale);
    }
  }

  /** The calls and pacing so far, for log lines. */
  public stats(): Record<string, unknown> {
    const { ses } = this.options;
    return { calls: { ...ses.counts }, pacing: ses.pacer.stats };
  }

  private async writeEach(
    addresses: readonly string[],
    write: (address: string, index: number) => Promise<void>,
    names: WriteNames,
  ): Promise<Set<string>> {
    const refused = new Map<string, string>();
    let inARow = 0;
    for (const [index, address] of addresses.entries()) {
      this.options.checkDeadline();
      try {
        await write(address, index);
        inARow = 0;
      } catch (error) {
        if (!this.options.tolerant || !(error instanceof SesCallError || error instanceof AddressGone)) {
          throw error;
        }
        refused.set(address, errorMessage(error));
        if (++inARow >= REFUSALS_BEFORE_GIVING_UP) {
          addresses.slice(index + 1).forEach((rest) => refused.set(rest, `not tried after ${inARow} refusals in a row`));
          break;
        }
      }
      this.progress(names.done, index + 1, addresses.length, names.pool);
    }
    if (refused.size > 0) {
      const examples = [...refused].slice(0, 3).map(([address, why]) => `${address} (${why})`).join('; ');
      this.options.warn(`SES refused ${refused.size} of ${addresses.length} ${names.writes}: ${examples}${refused.size > 3 ? ` and ${refused.size - 3} more` : ''}.`);
    }
    return new Set(refused.keys());
  }

  private progress(verb: string, done: number, total: number, pool: string): void {
    if (done % PROGRESS_EVERY === 0 || done === total) {
      const { throttled, retried } = this.options.ses.pacer.stats;
      this.options.log(`${verb} ${done}/${total} addresses (pool ${pool}; throttled ${throttled === 1 ? 'once' : `${throttled} times`}, ${retried} ${retried === 1 ? 'retry' : 'retries'})`);
    }
  }
}
