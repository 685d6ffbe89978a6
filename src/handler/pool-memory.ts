/**
 * What the handler remembers on a pool, in the pool's own tags, so that it
 * needs no store of its own and no CloudFormation permission to know it:
 *
 * - `cdk-ses-byoip:applied`: the fingerprints of the properties last
 *   applied to the pool, and of those applied before them. A rollback of an
 *   update brings back properties that were applied before, which tells it
 *   from a forward update when the stack's status cannot be read.
 * - `cdk-ses-byoip:adopted`, `.map`, `.names` ...: the addresses an
 *   operation took from other pools (adoptAddressesFromOtherPools), and from
 *   which, written before the first of them moves, so that a failure, a
 *   rollback or the DELETE of a creation rolled back puts them back there.
 *
 * Pure: the encoding and decoding of those tags. Tag values hold letters,
 * digits, spaces and `_ . : / = + -` only, 256 characters at most.
 */
import { createHash } from 'node:crypto';
import { PoolAddressesSettings } from './resource-properties';
import { formatIpv4, ipv4ToNumber, rangeOf } from '../range/ipv4-cidr';

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
  /** The /24 the addresses belong to (a pool takes from one range). */
  readonly range: string;
  /** Address -> the pool it was taken from. */
  readonly sources: Adoptions;
}

/** The symbols of the map: one per source pool (SES allows 50 pools per account and Region). */
const SYMBOLS = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** In the map, an address that was not adopted. */
const NOT_ADOPTED = '.';

/**
 * The tags of an adoption record, three for most (at most 2 + the source
 * pools' names / 256 characters):
 * - ADOPTED_TAG: `op=<id> from=<fp> to=<fp> range=<cidr> names=<n>`;
 * - ADOPTED_TAG.map: one character per address of the /24, in order: `.`
 *   for one not adopted, else the symbol of the pool it came from;
 * - ADOPTED_TAG.names, .names.2 ... (n tags): the pools' names, space
 *   separated, in the order of their symbols.
 * The count in the first tag bounds what is read, so a key left over from
 * a longer record is never taken for part of this one.
 */
export function adoptionTags(record: AdoptionRecord): Record<string, string> {
  const range = rangeOf(record.range);
  const pools = [...new Set(record.sources.values())].sort();
  if (pools.length > SYMBOLS.length) {
    throw new Error(`cannot record addresses adopted from ${pools.length} pools: at most ${SYMBOLS.length}`);
  }
  const map = Array.from({ length: range.size }, () => NOT_ADOPTED);
  for (const [ip, pool] of record.sources) {
    map[ipv4ToNumber(ip) - range.network] = SYMBOLS[pools.indexOf(pool)];
  }
  const names: string[] = [];
  for (const pool of pools) {
    const last = names.length - 1;
    if (last >= 0 && names[last].length + 1 + pool.length <= MAX_TAG_VALUE) {
      names[last] += ` ${pool}`;
    } else {
      names.push(pool);
    }
  }
  return {
    [ADOPTED_TAG]: `op=${record.operation} from=${record.from ?? NONE} to=${record.to} range=${record.range} names=${names.length}`,
    [`${ADOPTED_TAG}.map`]: map.join(''),
    ...Object.fromEntries(names.map((value, i) => [namesKey(i), value])),
  };
}

/** The adoption record in `tags`, or undefined if there is none (or it is damaged: then it is not trusted). */
export function readAdoption(tags: Readonly<Record<string, string>>): AdoptionRecord | undefined {
  const header = /^op=(\S+) from=(\S+) to=(\S+) range=(\S+) names=(\d{1,2})$/.exec(tags[ADOPTED_TAG] ?? '');
  if (!header) {
    return undefined;
  }
  const [, operation, from, to, cidr, count] = header;
  let range;
  try {
    range = rangeOf(cidr);
  } catch {
    return undefined;
  }
  const map = tags[`${ADOPTED_TAG}.map`] ?? '';
  const pools = Array.from({ length: Number(count) }, (_, i) => tags[namesKey(i)]);
  if (range.prefixLength !== 24 || map.length !== range.size || pools.some((value) => value === undefined)) {
    return undefined;
  }
  const names = pools.flatMap((value) => value!.split(' ').filter(Boolean));
  const sources = new Map<string, string>();
  for (let i = 0; i < map.length; i++) {
    if (map[i] === NOT_ADOPTED) {
      continue;
    }
    const pool = names[SYMBOLS.indexOf(map[i])];
    if (pool === undefined) {
      return undefined;
    }
    sources.set(formatIpv4(range.network + i), pool);
  }
  return { operation, from: from === NONE ? undefined : from, to, range: cidr, sources };
}

/** The keys of the adoption record's tags in `tags`, to remove them. */
export function adoptionTagKeys(tags: Readonly<Record<string, string>>): string[] {
  return Object.keys(tags).filter((key) => key === ADOPTED_TAG || key.startsWith(`${ADOPTED_TAG}.`));
}

function namesKey(index: number): string {
  return index === 0 ? `${ADOPTED_TAG}.names` : `${ADOPTED_TAG}.names.${index + 1}`;
}

function isFingerprint(text: string | undefined): text is string {
  return text !== undefined && /^[0-9a-f]{16}$/.test(text);
}
