import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReceiptKeys } from '../../src/domain/receipt-key.js';
import { buildLevels, leafHash, MerkleRoot, proofFor, rootOf, verifyInclusion } from '../../src/domain/receipt-merkle.js';

describe('receipt commitment (Merkle tree)', () => {
  it('every leaf of trees of 1 to 33 leaves proves against the root; a changed choice, receipt or sibling does not', () => {
    for (let n = 1; n <= 33; n++) {
      const votes = Array.from({ length: n }, (_, i) => ({ r: `r_${i}`, o: [`opt${i % 3}`] }));
      const levels = buildLevels(votes.map((v) => leafHash(v.r, v.o)));
      const root = rootOf(levels);
      for (let i = 0; i < n; i++) {
        const proof = proofFor(levels, i);
        assert.ok(verifyInclusion(votes[i]!.r, votes[i]!.o, proof, root), `n=${n} leaf ${i}`);
        assert.equal(verifyInclusion(votes[i]!.r, ['other'], proof, root), false, 'another choice fails');
        assert.equal(verifyInclusion(`r_${i}x`, votes[i]!.o, proof, root), false, 'another receipt fails');
        if (proof.length > 0) {
          const bad = proof.map((s, k) => (k === 0 ? { ...s, hash: s.hash.replace(/^./, (c) => (c === '0' ? '1' : '0')) } : s));
          assert.equal(verifyInclusion(votes[i]!.r, votes[i]!.o, bad, root), false, 'a tampered sibling fails');
        }
      }
    }
  });

  it('the streaming root (what a close stores) equals the root of the full tree, for 0 to 130 leaves', () => {
    for (let n = 0; n <= 130; n++) {
      const leaves = Array.from({ length: n }, (_, i) => leafHash(`r_${i}`, [`o${i % 4}`]));
      const acc = new MerkleRoot();
      for (const l of leaves) acc.add(l);
      assert.equal(acc.count, n);
      assert.equal(acc.root(), rootOf(buildLevels(leaves)), `n=${n}`);
    }
  });

  it('the root depends on every vote and on nothing else; the empty tree has a fixed root', () => {
    const a = rootOf(buildLevels([leafHash('r1', ['a']), leafHash('r2', ['b'])]));
    assert.equal(a, rootOf(buildLevels([leafHash('r1', ['a']), leafHash('r2', ['b'])])));
    assert.notEqual(a, rootOf(buildLevels([leafHash('r1', ['a']), leafHash('r2', ['a'])])));
    assert.equal(rootOf(buildLevels([])), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('receipt keys', () => {
  const keys = new ReceiptKeys('x'.repeat(32));
  it('verifies the key issued for a receipt, and nothing else', () => {
    const k = keys.issue('poll1', 'd:abc', 'r_1');
    assert.deepEqual(keys.verify('r_1', k), { pollId: 'poll1', voterId: 'd:abc' });
    assert.equal(keys.verify('r_2', k), null, 'another receipt');
    assert.equal(new ReceiptKeys('y'.repeat(32)).verify('r_1', k), null, 'another secret');
    assert.equal(keys.verify('r_1', k.slice(0, -1) + (k.endsWith('A') ? 'B' : 'A')), null, 'a changed mac');
    const forged = `rk1.${Buffer.from(JSON.stringify(['poll1', 'd:other'])).toString('base64url')}.${k.split('.')[2]}`;
    assert.equal(keys.verify('r_1', forged), null, 'another voter with the same mac');
    for (const junk of ['', 'rk1', 'rk1..', 'rk1.!!.x', 'rk2.a.b', 'rk1.' + 'a'.repeat(2000) + '.b']) assert.equal(keys.verify('r_1', junk), null, junk.slice(0, 20));
  });
});
