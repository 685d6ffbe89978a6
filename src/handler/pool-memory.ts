/**
 * What the handler remembers on a pool, in the pool's own tags, so that it
 * needs no store of its own and no CloudFormation permission to know it:
 *
 * - `cdk-ses-byoip:applied`: the fingerprints of the properties last
 *   applied to the pool, and of those applied before them. A rollback of an
 *   update brings back properties that were applied before, which tells it
 *   from a forward update when the stack's status cannot be read.
 * - `cdk-ses-byoip:adopted`, `cdk-ses-byoip:adopted.2` ...: the addresses an
 *   operation took from other pools (adoptAddressesFromOtherPools), and from
 *   which, written before the first of them moves, so that a failure, a
 *   rollback or the DELETE of a creation rolled back puts them back there.
 *
 * Pure: the encoding and decoding of those tags. Tag values hold letters,
 * digits, spaces and `_ . : / = + -` only, 256 characters at most.
 */
import { createHash } from 'node:crypto';
import { PoolAddressesSettings } from './resource-properties';
import { fewestBlocks, ipv4ToNumber, rangeOf } from '../range/ipv4-cidr';

/** The tag that holds the fingerprints of the properties last applied, and before them. */
export const APPLIED_TAG = 'cdk-ses-byoip:applied';
/** The first tag of an adoption record; the record goes on in `<ADOPTED_TAG>.2`, `.3` ... */
export const ADOPTED_TAG = 'cdk-ses-byoip:adopted';
/** The longest tag value SES takes. */
const MAX_TAG_VALUE = 256;
/** Written where there is no fingerprint (a Create has no previous properties). */
const NONE = '-';

/** A short, stable digest of the properties: the same properties always give the same fingerprint. */
export function fingerprint(settings: PoolAddressesSettings): string {
  const canonical = JSON.stringify([
    settings.cidr,
    settings.poolName,
    settings.warmup,
    settings.adoptAddressesFromOtherPools,
    settings.addresses ?? null,
    (settings.siblings ?? []).map((s) => [s.poolName, s.addresses]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** A short, stable digest of an operation's CloudFormation RequestId (the same for all its invocations). */
export function operationId(requestId: string): string {
  return createHash('sha256').update(requestId).digest('hex').slice(0, 16);
}

/** The fingerprints of the properties last applied to a pool, and of those applied before them. */
export interface Applied {
  readonly now: string;
  readonly before?: string;
}

/** The tag that records `settings` as applied, `previous` (if any) as applied before. */
export function appliedTags(settings: PoolAddressesSettings, previous?: PoolAddressesSettings): Record<string, string> {
  return { [APPLIED_TAG]: `${fingerprint(settings)} ${previous ? fingerprint(previous) : NONE}` };
}

/** What APPLIED_TAG says, or undefined if it is absent or not ours. */
export function readApplied(tags: Readonly<Record<string, string>>): Applied | undefined {
  const [now, before, ...rest] = (tags[APPLIED_TAG] ?? '').split(' ');
  if (!isFingerprint(now) || rest.length > 0 || !(before === NONE || isFingerprint(before))) {
    return undefined;
  }
  return { now, before: before === NONE ? undefined : before };
}

/** Where the addresses that an operation adopted came from: address -> pool. */
export type Adoptions = ReadonlyMap<string, string>;

/** The addresses one operation took from other pools, and the change it made. */
export interface AdoptionRecord {
  /** operationId of the CloudFormation request that adopted them. */
  readonly operation: string;
  /** Fingerprint of the properties before the operation; undefined for a Create. */
  readonly from?: string;
  /** Fingerprint of the properties the operation applied. */
  readonly to: string;
  /** Address -> the pool it was taken from. */
  readonly sources: Adoptions;
}

/**
 * The tags of an adoption record: `op=<id> from=<fp> to=<fp>` then, per
 * source pool, `<pool>=<block>+<block>...` (a long one split into several
 * such words), the words packed into as few tags as they fit (ADOPTED_TAG,
 * then ADOPTED_TAG.2 ...): 256 scattered addresses take about 18.
 */
export function adoptionTags(record: AdoptionRecord): Record<string, string> {
  const byPool = new Map<string, number[]>();
  for (const [ip, pool] of record.sources) {
    byPool.set(pool, [...byPool.get(pool) ?? [], ipv4ToNumber(ip)]);
  }
  const words = [`op=${record.operation}`, `from=${record.from ?? NONE}`, `to=${record.to}`];
  for (const [pool, numbers] of [...byPool].sort(([a], [b]) => a.localeCompare(b))) {
    let word = '';
    for (const block of fewestBlocks(numbers).map(String)) {
      if (word !== '' && word.length + 1 + block.length <= MAX_TAG_VALUE) {
        word += `+${block}`;
      } else {
        if (word !== '') {
          words.push(word);
        }
        word = `${pool}=${block}`;
      }
    }
    words.push(word);
  }
  const values: string[] = [];
  for (const word of words) {
    const last = values.length - 1;
    if (last >= 0 && values[last].length + 1 + word.length <= MAX_TAG_VALUE) {
      values[last] += ` ${word}`;
    } else {
      values.push(word);
    }
  }
  return Object.fromEntries(values.map((value, i) => [adoptedKey(i), value]));
}

/** The adoption record in `tags`, or undefined if there is none (or it is damaged: then it is not trusted). */
export function readAdoption(tags: Readonly<Record<string, string>>): AdoptionRecord | undefined {
  const words: string[] = [];
  for (let i = 0; tags[adoptedKey(i)] !== undefined; i++) {
    words.push(...tags[adoptedKey(i)].split(' ').filter(Boolean));
  }
  const [op, from, to, ...entries] = words;
  if (!op?.startsWith('op=') || !from?.startsWith('from=') || !to?.startsWith('to=')) {
    return undefined;
  }
  const sources = new Map<string, string>();
  for (const entry of entries) {
    const [pool, blocks, ...rest] = entry.split('=');
    if (rest.length > 0 || !pool || !blocks) {
      return undefined;
    }
    for (const block of blocks.split('+')) {
      let addresses: string[] = [];
      try {
        const parsed = rangeOf(block);
        // A range's addresses come in blocks of a /24 at most.
        addresses = parsed.prefixLength >= 24 ? parsed.addresses() : [];
      } catch {
        // A damaged record is not trusted.
      }
      if (addresses.length === 0) {
        return undefined;
      }
      addresses.forEach((ip) => sources.set(ip, pool));
    }
  }
  const fromValue = from.slice('from='.length);
  return { operation: op.slice('op='.length), from: fromValue === NONE ? undefined : fromValue, to: to.slice('to='.length), sources };
}

/** The keys of the adoption record's tags in `tags`, to remove them. */
export function adoptionTagKeys(tags: Readonly<Record<string, string>>): string[] {
  return Object.keys(tags).filter((key) => key === ADOPTED_TAG || key.startsWith(`${ADOPTED_TAG}.`));
}

function adoptedKey(index: number): string {
  return index === 0 ? ADOPTED_TAG : `${ADOPTED_TAG}.${index + 1}`;
}

function isFingerprint(text: string | undefined): text is string {
  return text !== undefined && /^[0-9a-f]{16}$/.test(text);
}
