/** The browser's proof-of-work solver agrees with the server: same hash, same bit count, solutions the server accepts. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { ProofOfWork, leadingZeroBits as serverZeroBits } from '../../src/domain/proof-of-work.js';
import { leadingZeroBits, PrefixHasher, sha256, solveRange, verifySolution } from '../../web/src/lib/pow.js';

const nodeSha = (s: string | Uint8Array) => new Uint8Array(createHash('sha256').update(s).digest());

describe('web proof of work', () => {
  it('sha256 matches node:crypto for every length around the block and padding edges', () => {
    for (let n = 0; n <= 200; n++) {
      const data = new Uint8Array(randomBytes(n));
      assert.deepEqual(sha256(data), nodeSha(data), `length ${n}`);
    }
    assert.equal(Buffer.from(sha256(new TextEncoder().encode('abc'))).toString('hex'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('the prefix hasher (state kept after the constant blocks) matches node:crypto for prefixes of every length', () => {
    for (let n = 0; n <= 140; n++) {
      const prefix = 'x'.repeat(n) + ':';
      const h = new PrefixHasher(prefix);
      for (const suffix of ['', '0', 'zz', 'abc123', 'q'.repeat(64)]) {
        const want = nodeSha(prefix + suffix);
        assert.deepEqual(h.digest(suffix), want, `prefix ${n + 1}, suffix ${suffix.length}`);
        assert.equal(h.zeroBits(suffix), serverZeroBits(want));
      }
    }
  });

  it('leading zero bits are counted like the server counts them', () => {
    const cases: Array<[number[], number]> = [[[0x80], 0], [[0x40], 1], [[0x01], 7], [[0, 0xff], 8], [[0, 0, 0x10], 19], [[], 256]];
    for (const [bytes, bits] of cases) {
      const d = new Uint8Array(32);
      d.set(bytes);
      assert.equal(leadingZeroBits(d), bits);
      assert.equal(serverZeroBits(d), bits);
    }
    for (let i = 0; i < 2000; i++) {
      const d = nodeSha(String(i));
      assert.equal(leadingZeroBits(d), serverZeroBits(d));
    }
  });

  it('solutions found in the browser code pass the server verification (and verifySolution agrees)', () => {
    const pow = new ProofOfWork('test-secret');
    for (const difficulty of [0, 1, 4, 8, 12]) {
      for (let k = 0; k < 3; k++) {
        const c = pow.issue('abcdefghijkm', difficulty, Date.now(), 60_000);
        const solution = solveRange(c.challenge, difficulty, 0, 1 << 22);
        assert.ok(solution !== null, `solved difficulty ${difficulty}`);
        assert.ok(solution.length >= 1 && solution.length <= 64);
        assert.equal(verifySolution(c.challenge, solution, difficulty), true);
        assert.equal(pow.verify('abcdefghijkm', difficulty, c.challenge, solution, Date.now()).ok, true);
        // Consistency with node:crypto directly.
        assert.ok(serverZeroBits(nodeSha(`${c.challenge}:${solution}`)) >= difficulty);
      }
    }
  });

  it('verifySolution refuses wrong work and solutions out of bounds', () => {
    const challenge = 'pow1.abcdefghijkm.8.1.nonce.mac';
    let bad = 0;
    while (serverZeroBits(nodeSha(`${challenge}:${bad.toString(36)}`)) >= 8) bad++;
    assert.equal(verifySolution(challenge, bad.toString(36), 8), false);
    assert.equal(verifySolution(challenge, '', 0), false);
    assert.equal(verifySolution(challenge, 'a'.repeat(65), 0), false);
  });

  it('hashes fast enough for a phone to solve difficulty 16 in about a second', () => {
    const h = new PrefixHasher('pow1.abcdefghijkm.16.1735689600000.AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB:');
    const n = 200_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) h.zeroBits(i.toString(36));
    const perSec = n / ((performance.now() - t0) / 1000);
    assert.ok(perSec > 100_000, `${Math.round(perSec)} hashes/s`);
  });
});
