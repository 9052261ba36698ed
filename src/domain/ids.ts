/**
 * Identifiers. A poll id carries its shard in its first character, so the store can route a
 * poll to its database without a lookup table; adding shards never moves existing polls.
 */
import { randomBytes, randomFillSync, randomInt } from 'node:crypto';

/** No 0/O/1/l/I: ids are read aloud and typed from screens. */
export const ID_ALPHABET = '23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ';
export const MAX_SHARDS = ID_ALPHABET.length;
const POLL_ID_RE = new RegExp(`^[${ID_ALPHABET}]{12}$`);

export function randomId(length: number): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  // Rejection sampling keeps every character uniformly likely.
  const limit = 256 - (256 % ID_ALPHABET.length);
  for (let i = 0; i < bytes.length && out.length < length; i++) {
    const b = bytes[i]!;
    if (b < limit) out += ID_ALPHABET[b % ID_ALPHABET.length];
  }
  while (out.length < length) out += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return out;
}

export function newPollId(shard: number): string {
  if (!Number.isInteger(shard) || shard < 0 || shard >= MAX_SHARDS) throw new RangeError(`shard ${shard} out of range`);
  return ID_ALPHABET[shard] + randomId(11);
}

export function isPollId(value: string): boolean {
  return POLL_ID_RE.test(value);
}

/** The shard a poll lives on, read from its id. */
export function shardOf(pollId: string): number {
  return ID_ALPHABET.indexOf(pollId[0] ?? '');
}

export const newOptionId = (): string => randomId(6);
/** Random bytes drawn from a pooled buffer: one syscall per 4 KiB instead of one per vote. */
const pool = Buffer.allocUnsafe(4096);
let poolOffset = pool.length;
function pooledRandom(n: number): Buffer {
  if (poolOffset + n > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + n);
  poolOffset += n;
  return out;
}

export const newReceiptId = (): string => 'r_' + pooledRandom(12).toString('base64url');
export const newVoterId = (): string => pooledRandom(12).toString('base64url');
export const newOwnerToken = (): string => 'pco_' + randomBytes(24).toString('base64url');
export const newEventId = (): string => randomBytes(12).toString('base64url');
