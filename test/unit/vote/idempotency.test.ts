/** Idempotency: the key checked, the request's hash naming ballot and voter. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { idempotencyClaim } from '../../../src/core/vote/idempotency.js';
import { PollcastError } from '../../../src/errors.js';
import { poll } from './fixtures.js';

describe('idempotencyClaim', () => {
  it('no key: nothing to claim', () => {
    assert.equal(idempotencyClaim(poll(), undefined, ['a'], { ip: 'x' }, 'd:1'), null);
  });

  it('refuses keys outside 1–255 visible ASCII characters', () => {
    for (const key of ['', 'has space', 'k'.repeat(256), 'été']) {
      assert.throws(() => idempotencyClaim(poll(), key, ['a'], { ip: 'x' }, 'd:1'), (e) => e instanceof PollcastError && e.code === 'idempotency_key_invalid');
    }
    assert.ok(idempotencyClaim(poll(), 'k'.repeat(255), ['a'], { ip: 'x' }, 'd:1'));
  });

  it('the hash names the ballot and the token presented, not the address or a fresh device id', () => {
    const p = poll();
    const h = (ballot: string[], claim: { ip: string; voterToken?: string }, key = 'd:1') => idempotencyClaim(p, 'k', ballot, claim, key)!.requestHash;
    assert.equal(h(['a'], { ip: '1' }, 'd:1'), h(['a'], { ip: '2' }, 'd:2'), 'a retry from a new address, before it had a token');
    assert.notEqual(h(['a'], { ip: '1' }), h(['b'], { ip: '1' }), 'another ballot');
    assert.notEqual(h(['a'], { ip: '1' }), h(['a'], { ip: '1', voterToken: 'v1.x.y' }), 'a token presented');
  });

  it('invite and account polls: the hash names the voter, so another voter with the same key is another request', () => {
    const p = poll({ identityMode: 'invite', invitesIssued: 3 });
    const a = idempotencyClaim(p, 'k', ['a'], { ip: '1', inviteCode: 'A' }, 'i:0')!.requestHash;
    const b = idempotencyClaim(p, 'k', ['a'], { ip: '1', inviteCode: 'B' }, 'i:1')!.requestHash;
    assert.notEqual(a, b);
  });
});
