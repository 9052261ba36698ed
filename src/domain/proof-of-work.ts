/**
 * Proof of work for anonymous polls, without third-party services. The server hands out a
 * stateless, signed challenge `pow1.<pollId>.<difficulty>.<expiresAt>.<nonce>.<mac>`; the client
 * finds a `solution` such that SHA-256(challenge + ":" + solution) starts with `difficulty` zero
 * bits (≈ 2^difficulty hashes on average), and sends both with its vote. Verifying costs one HMAC
 * and one hash. Single use is enforced by the caller (a rate-limiter key per nonce, shared across
 * processes through Redis), not here.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Challenge {
  challenge: string;
  difficulty: number;
  expiresAt: number;
}

export type PowCheck = { ok: true; nonce: string; expiresAt: number } | { ok: false };

export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

export class ProofOfWork {
  readonly #key: Buffer;
  constructor(secret: string) {
    this.#key = Buffer.from('pow:' + secret, 'utf8');
  }

  #mac(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url').slice(0, 22);
  }

  issue(pollId: string, difficulty: number, now: number, ttlMs: number): Challenge {
    const expiresAt = now + ttlMs;
    const body = `pow1.${pollId}.${difficulty}.${expiresAt}.${randomBytes(12).toString('base64url')}`;
    return { challenge: `${body}.${this.#mac(body)}`, difficulty, expiresAt };
  }

  /** Checks signature, poll, difficulty (at least the poll's current one), expiry and the work. */
  verify(pollId: string, difficulty: number, challenge: string, solution: string, now: number): PowCheck {
    if (challenge.length > 200 || solution.length === 0 || solution.length > 64) return { ok: false };
    const parts = challenge.split('.');
    if (parts.length !== 6 || parts[0] !== 'pow1') return { ok: false };
    const [, forPoll, bitsText, expText, nonce, mac] = parts as [string, string, string, string, string, string];
    const body = parts.slice(0, 5).join('.');
    const expected = Buffer.from(this.#mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false };
    const bits = Number(bitsText);
    const expiresAt = Number(expText);
    if (forPoll !== pollId || !(bits >= difficulty) || !(expiresAt > now)) return { ok: false };
    const digest = createHash('sha256').update(`${challenge}:${solution}`).digest();
    return leadingZeroBits(digest) >= bits ? { ok: true, nonce, expiresAt } : { ok: false };
  }
}

/** Brute-force solver (tests, the CLI, server-side clients); the browser has its own in web/. */
export function solve(challenge: string, difficulty: number, maxTries = 1 << 28): string {
  for (let i = 0; i < maxTries; i++) {
    const s = i.toString(36);
    if (leadingZeroBits(createHash('sha256').update(`${challenge}:${s}`).digest()) >= difficulty) return s;
  }
  throw new Error('no solution found');
}
