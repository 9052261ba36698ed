/**
 * Device voter tokens: `v1.<voterId>.<mac>`, an HMAC-SHA256 over the voter id. The server keeps no
 * table of tokens; the signature proves we issued it. Comparison is constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export class VoterTokens {
  readonly #key: Buffer;
  constructor(secret: string) {
    this.#key = Buffer.from(secret, 'utf8');
  }

  #mac(voterId: string): string {
    return createHmac('sha256', this.#key).update('voter:' + voterId).digest('base64url').slice(0, 22);
  }

  issue(voterId: string): string {
    return `v1.${voterId}.${this.#mac(voterId)}`;
  }

  /** The voter id inside a valid token, or null. */
  verify(token: string): string | null {
    if (token.length > 200) return null;
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== 'v1' || !parts[1] || !parts[2]) return null;
    const expected = Buffer.from(this.#mac(parts[1]));
    const given = Buffer.from(parts[2]);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    return parts[1];
  }
}
