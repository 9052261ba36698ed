/**
 * Receipt keys: the secret a voter gets with a counted vote (in the 201 answer only) and presents
 * to check it later: `rk1.<b64url [pollId, voterId]>.<mac>`, an HMAC-SHA256 over the poll, the
 * stored voter id and the receipt id. The server keeps no table of keys; the signature proves we
 * issued it, and the embedded ids find the vote by its primary key. A receipt id alone (printed,
 * shared, seen on a screen) tells nothing: without the key the answer is "no such receipt".
 * It protects a voter's choice from other people, not from the operator, who holds the secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface ReceiptHolder {
  pollId: string;
  voterId: string;
}

export class ReceiptKeys {
  readonly #key: Buffer;
  constructor(secret: string) {
    this.#key = Buffer.from('receipt-key:' + secret, 'utf8');
  }

  #mac(pollId: string, voterId: string, receiptId: string): string {
    return createHmac('sha256', this.#key).update(`${pollId}\0${voterId}\0${receiptId}`).digest('base64url').slice(0, 27);
  }

  issue(pollId: string, voterId: string, receiptId: string): string {
    const ids = Buffer.from(JSON.stringify([pollId, voterId])).toString('base64url');
    return `rk1.${ids}.${this.#mac(pollId, voterId, receiptId)}`;
  }

  /** The poll and voter the key was issued for with `receiptId`, or null when it is not one of ours. */
  verify(receiptId: string, key: string): ReceiptHolder | null {
    if (key.length > 1_000) return null;
    const parts = key.split('.');
    if (parts.length !== 3 || parts[0] !== 'rk1' || !parts[1] || !parts[2]) return null;
    let ids: unknown;
    try {
      ids = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (!Array.isArray(ids) || ids.length !== 2 || typeof ids[0] !== 'string' || typeof ids[1] !== 'string') return null;
    const [pollId, voterId] = ids as [string, string];
    const expected = Buffer.from(this.#mac(pollId, voterId, receiptId));
    const given = Buffer.from(parts[2]);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    return { pollId, voterId };
  }
}
