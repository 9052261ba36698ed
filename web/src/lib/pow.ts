/**
 * The anti-bot proof of work, pure (no DOM: test/unit/web-pow.test.ts runs it under Node against
 * node:crypto). Find a `solution` such that SHA-256(challenge + ":" + solution) begins with
 * `difficulty` zero bits. SHA-256 is written out here rather than taken from crypto.subtle: that is
 * missing outside secure contexts (pollcast on plain http in a lecture hall), is async per hash, and
 * cannot reuse the state after the challenge's constant first block, which this does.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74,
  0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
  0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
  0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
  0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** One 64-byte block at `off` into the state H (eight 32-bit words). W is scratch space. */
function compress(H: Int32Array, block: Uint8Array, off: number, W: Int32Array): void {
  for (let t = 0; t < 16; t++) {
    const j = off + t * 4;
    W[t] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
  for (let t = 16; t < 64; t++) {
    const x = W[t - 15]!;
    const y = W[t - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[t] = (W[t - 16]! + s0 + W[t - 7]! + s1) | 0;
  }
  let a = H[0]!, b = H[1]!, c = H[2]!, d = H[3]!, e = H[4]!, f = H[5]!, g = H[6]!, h = H[7]!;
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[t]! + W[t]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0]! + a) | 0;
  H[1] = (H[1]! + b) | 0;
  H[2] = (H[2]! + c) | 0;
  H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0;
  H[5] = (H[5]! + f) | 0;
  H[6] = (H[6]! + g) | 0;
  H[7] = (H[7]! + h) | 0;
}

function wordsToBytes(H: Int32Array): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const w = H[i]!;
    out[i * 4] = w >>> 24;
    out[i * 4 + 1] = w >>> 16;
    out[i * 4 + 2] = w >>> 8;
    out[i * 4 + 3] = w;
  }
  return out;
}

/** SHA-256 of some bytes. */
export function sha256(data: Uint8Array): Uint8Array {
  const blocks = Math.ceil((data.length + 9) / 64);
  const buf = new Uint8Array(blocks * 64);
  buf.set(data);
  buf[data.length] = 0x80;
  writeBitLength(buf, data.length);
  const H = new Int32Array(IV);
  const W = new Int32Array(64);
  for (let off = 0; off < buf.length; off += 64) compress(H, buf, off, W);
  return wordsToBytes(H);
}

/** The message length in bits, big-endian, in the last 8 bytes of the padded buffer. */
function writeBitLength(buf: Uint8Array, byteLength: number): void {
  const bits = byteLength * 8;
  const end = buf.length;
  buf[end - 1] = bits;
  buf[end - 2] = bits >>> 8;
  buf[end - 3] = bits >>> 16;
  buf[end - 4] = bits >>> 24;
  buf[end - 5] = Math.floor(bits / 2 ** 32);
}

/** How many zero bits a digest begins with. */
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

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Does SHA-256(challenge + ":" + solution) begin with `difficulty` zero bits? (What the server checks.) */
export function verifySolution(challenge: string, solution: string, difficulty: number): boolean {
  if (solution.length === 0 || solution.length > 64) return false;
  return leadingZeroBits(sha256(utf8(`${challenge}:${solution}`))) >= difficulty;
}

/**
 * Hashes `prefix + suffix` for many short ASCII suffixes: the full 64-byte blocks of the prefix
 * are hashed once, and only the tail (one or two blocks) per suffix.
 */
export class PrefixHasher {
  // Plain fields, not #private: the app targets ES2020, where those become WeakMap lookups in this hot loop.
  private readonly mid = new Int32Array(IV);
  private readonly rest: Uint8Array;
  private readonly prefixLength: number;
  private readonly H = new Int32Array(8);
  private readonly W = new Int32Array(64);
  private readonly block = new Uint8Array(192);

  constructor(prefix: string) {
    const bytes = utf8(prefix);
    const full = bytes.length - (bytes.length % 64);
    for (let off = 0; off < full; off += 64) compress(this.mid, bytes, off, this.W);
    this.rest = bytes.slice(full);
    this.prefixLength = bytes.length;
  }

  /** Leading zero bits of SHA-256(prefix + suffix); the suffix must be ASCII (at most 64 characters). */
  zeroBits(suffix: string): number {
    const H = this.hash(suffix);
    let bits = 0;
    for (let i = 0; i < 8; i++) {
      const w = H[i]!;
      if (w !== 0) return bits + Math.clz32(w);
      bits += 32;
    }
    return bits;
  }

  digest(suffix: string): Uint8Array {
    return wordsToBytes(this.hash(suffix));
  }

  private hash(suffix: string): Int32Array {
    const rest = this.rest;
    const tail = rest.length + suffix.length;
    const size = Math.ceil((tail + 9) / 64) * 64;
    const block = this.block.subarray(0, size);
    block.fill(0);
    block.set(rest);
    for (let i = 0; i < suffix.length; i++) block[rest.length + i] = suffix.charCodeAt(i);
    block[tail] = 0x80;
    writeBitLength(block, this.prefixLength + suffix.length);
    const H = this.H;
    H.set(this.mid);
    for (let off = 0; off < size; off += 64) compress(H, block, off, this.W);
    return H;
  }
}

/** The candidate solution number `n` (base 36, as the server's own solver counts). */
export const candidate = (n: number): string => n.toString(36);

/** Tries candidates start … start+count-1; the first that works, or null. */
export function solveRange(challenge: string, difficulty: number, start: number, count: number, hasher = new PrefixHasher(challenge + ':')): string | null {
  for (let n = start; n < start + count; n++) {
    const s = candidate(n);
    if (hasher.zeroBits(s) >= difficulty) return s;
  }
  return null;
}
