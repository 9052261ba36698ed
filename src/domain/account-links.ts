/**
 * Signed links for e-mail: password reset and address verification. A link's token is
 * `<kind>.<base64url JSON claims>.<mac>`, an HMAC-SHA256 over kind and claims with a key derived
 * from the installation's secret; the server keeps no table of tokens. Claims carry an expiry.
 * A reset token also carries a fingerprint of the password hash it may replace, so it works once:
 * after the reset (or any password change) the fingerprint no longer matches. A verification token
 * carries a fingerprint of the address, so it cannot verify another one.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type LinkKind = 'reset' | 'verify';

export interface LinkClaims {
  /** User id. */
  u: string;
  /** Expiry, epoch ms. */
  x: number;
  /** Fingerprint: of the password hash (reset) or the lower-cased address (verify). */
  f: string;
}

/** How long a link works. */
export const LINK_TTL_MS: Record<LinkKind, number> = { reset: 3_600_000, verify: 7 * 24 * 3_600_000 };

export const fingerprint = (value: string): string =>
  createHash('sha256').update(value).digest('base64url').slice(0, 16);

export type LinkCheck = { ok: true; claims: LinkClaims } | { ok: false; reason: 'invalid' | 'expired' };

export class AccountLinks {
  readonly #key: Buffer;
  constructor(secret: string) {
    this.#key = createHmac('sha256', Buffer.from(secret, 'utf8')).update('pollcast:account-links').digest();
  }

  #mac(kind: LinkKind, body: string): string {
    return createHmac('sha256', this.#key).update(`${kind}.${body}`).digest('base64url');
  }

  issue(kind: LinkKind, claims: LinkClaims): string {
    const body = Buffer.from(JSON.stringify({ u: claims.u, x: claims.x, f: claims.f })).toString('base64url');
    return `${kind}.${body}.${this.#mac(kind, body)}`;
  }

  /** The claims of a token of `kind` we issued and that has not expired at `now`. */
  check(kind: LinkKind, token: string, now: number): LinkCheck {
    if (token.length > 1_000) return { ok: false, reason: 'invalid' };
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== kind || !parts[1] || !parts[2]) return { ok: false, reason: 'invalid' };
    const expected = Buffer.from(this.#mac(kind, parts[1]));
    const given = Buffer.from(parts[2]);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'invalid' };
    let claims: LinkClaims;
    try {
      const c = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Partial<LinkClaims>;
      if (typeof c.u !== 'string' || typeof c.x !== 'number' || typeof c.f !== 'string')
        return { ok: false, reason: 'invalid' };
      claims = { u: c.u, x: c.x, f: c.f };
    } catch {
      return { ok: false, reason: 'invalid' };
    }
    if (claims.x <= now) return { ok: false, reason: 'expired' };
    return { ok: true, claims };
  }
}
