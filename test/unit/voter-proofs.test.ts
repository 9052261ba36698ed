/** Invite codes and proof-of-work challenges: pure functions, checked without a server. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { InviteCodes } from '../../src/domain/invite-codes.js';
import { leadingZeroBits, ProofOfWork, solve } from '../../src/domain/proof-of-work.js';

describe('invite codes', () => {
  const codes = new InviteCodes('s'.repeat(32));
  it('issued codes verify to their serial, only for their poll, only below the issued count', () => {
    const batch = codes.issue('2pollAAAAAAA', 0, 1000);
    assert.equal(new Set(batch).size, 1000);
    assert.equal(codes.verify('2pollAAAAAAA', batch[0]!, 1000), 0);
    assert.equal(codes.verify('2pollAAAAAAA', batch[999]!, 1000), 999);
    assert.equal(codes.verify('2pollAAAAAAA', batch[999]!, 999), null, 'not issued yet');
    assert.equal(codes.verify('2pollBBBBBBB', batch[5]!, 1000), null, 'another poll');
    assert.equal(codes.verify('2pollAAAAAAA', batch[5]!.toLowerCase().replace(/-/g, ' '), 1000), 5);
  });
  it('a changed character, a garbled code or another secret fails', () => {
    const [code] = codes.issue('2pollAAAAAAA', 7, 1);
    const last = code!.at(-1)!;
    assert.equal(codes.verify('2pollAAAAAAA', code!.slice(0, -1) + (last === 'Z' ? 'Y' : 'Z'), 100), null);
    assert.equal(codes.verify('2pollAAAAAAA', '!!!', 100), null);
    assert.equal(codes.verify('2pollAAAAAAA', 'x'.repeat(100), 100), null);
    assert.equal(new InviteCodes('t'.repeat(32)).verify('2pollAAAAAAA', code!, 100), null);
  });
});

describe('proof of work', () => {
  const pow = new ProofOfWork('s'.repeat(32));
  it('counts leading zero bits', () => {
    assert.equal(leadingZeroBits(new Uint8Array([0, 0, 0x80])), 16);
    assert.equal(leadingZeroBits(new Uint8Array([0x0f])), 4);
    assert.equal(leadingZeroBits(new Uint8Array([0, 1])), 15);
    assert.equal(leadingZeroBits(new Uint8Array([0xff])), 0);
  });
  it('a solved challenge verifies until it expires; the work is real', () => {
    const c = pow.issue('2pollAAAAAAA', 12, 1_000, 60_000);
    const solution = solve(c.challenge, 12);
    const digest = createHash('sha256').update(`${c.challenge}:${solution}`).digest();
    assert.ok(leadingZeroBits(digest) >= 12);
    assert.equal(pow.verify('2pollAAAAAAA', 12, c.challenge, solution, 2_000).ok, true);
    assert.equal(pow.verify('2pollAAAAAAA', 12, c.challenge, solution, 61_001).ok, false, 'expired');
    assert.equal(pow.verify('2pollAAAAAAA', 16, c.challenge, solution, 2_000).ok, false, 'the poll now asks for more');
    assert.equal(pow.verify('2pollBBBBBBB', 12, c.challenge, solution, 2_000).ok, false, 'another poll');
  });
  it('a forged challenge (cheaper difficulty, longer expiry) fails its signature', () => {
    const c = pow.issue('2pollAAAAAAA', 12, 1_000, 60_000);
    const parts = c.challenge.split('.');
    const cheaper = [parts[0], parts[1], '1', parts[3], parts[4], parts[5]].join('.');
    assert.equal(pow.verify('2pollAAAAAAA', 1, cheaper, solve(cheaper, 1), 2_000).ok, false);
  });
});
