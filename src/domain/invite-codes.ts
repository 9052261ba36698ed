/**
 * Invite codes: one-time voting codes for `invite` polls, issued in bulk. A code is
 * `<serial>-<mac>`: the serial in Crockford base32 and 10 characters (50 bits) of an HMAC over
 * (poll id, serial). The server stores no table of codes — only how many were issued — so issuing
 * 100,000 is a loop of HMACs, and checking one costs one HMAC. "Good for one vote" is the votes
 * table's unique key: the voter of a code is `i:<serial>`, and a second vote with it is 409.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const B32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const MAC_CHARS = 10;

function toB32(n: number): string {
  let out = '';
  do {
    out = B32[n % 32] + out;
    n = Math.floor(n / 32);
  } while (n > 0);
  return out;
}

/** Crockford decoding: case-insensitive, I/L read as 1, O as 0; -1 if a character is not base32. */
function fromB32(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch === 'I' || ch === 'L' ? '1' : ch === 'O' ? '0' : ch;
    const v = B32.indexOf(c);
    if (v < 0) return -1;
    n = n * 32 + v;
  }
  return n;
}

export class InviteCodes {
  readonly #key: Buffer;
  constructor(secret: string) {
    this.#key = Buffer.from('invite:' + secret, 'utf8');
  }

  #mac(pollId: string, serial: number): string {
    const d = createHmac('sha256', this.#key).update(`${pollId}:${serial}`).digest();
    let out = '';
    // 10 characters × 5 bits from the first 7 bytes.
    let bits = 0;
    let acc = 0;
    for (let i = 0; out.length < MAC_CHARS; i++) {
      acc = (acc << 8) | d[i]!;
      bits += 8;
      while (bits >= 5 && out.length < MAC_CHARS) {
        bits -= 5;
        out += B32[(acc >> bits) & 31];
      }
      acc &= (1 << bits) - 1;
    }
    return out;
  }

  /** Codes for serials from … from+count-1. */
  issue(pollId: string, from: number, count: number): string[] {
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      const mac = this.#mac(pollId, from + i);
      out[i] = `${toB32(from + i)}-${mac.slice(0, 5)}-${mac.slice(5)}`;
    }
    return out;
  }

  /** The serial of a valid code for this poll (among the first `issued`), or null. Dashes, spaces and case are ignored. */
  verify(pollId: string, code: string, issued: number): number | null {
    if (code.length > 64) return null;
    const clean = code.replace(/[\s-]/g, '').toUpperCase();
    if (clean.length <= MAC_CHARS || clean.length > MAC_CHARS + 8) return null;
    const serial = fromB32(clean.slice(0, -MAC_CHARS));
    if (serial < 0 || serial >= issued) return null;
    const expected = Buffer.from(this.#mac(pollId, serial));
    const given = Buffer.from(clean.slice(-MAC_CHARS).replace(/[IL]/g, '1').replace(/O/g, '0'));
    return expected.length === given.length && timingSafeEqual(expected, given) ? serial : null;
  }
}
