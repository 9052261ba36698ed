/** Voter identity: one key per voter and mode, for casting and reading alike; guessing is counted. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryRateLimiter } from '../../../src/adapters/embedded/memory-rate-limiter.js';
import { VoterIdentity } from '../../../src/core/vote/voter-identity.js';
import { InviteCodes } from '../../../src/domain/invite-codes.js';
import { VoterTokens } from '../../../src/domain/voter-token.js';
import { PollcastError } from '../../../src/errors.js';
import { Clock, nobody, poll } from './fixtures.js';

const tokens = new VoterTokens('s'.repeat(32));
const invites = new InviteCodes('s'.repeat(32));
const code = (err: unknown) => (err instanceof PollcastError ? err.code : String(err));

function identity(failuresPerMinute = 3, clock = new Clock()) {
  return new VoterIdentity(tokens, invites, new MemoryRateLimiter(clock.now), failuresPerMinute);
}

describe('VoterIdentity', () => {
  it('device: no token casts as a new voter and reads as nobody; a token names the same voter both ways', async () => {
    const id = identity();
    const p = poll();
    const a = await id.resolve(p, { ip: '1.1.1.1' }, nobody, 'cast');
    const b = await id.resolve(p, { ip: '1.1.1.1' }, nobody, 'cast');
    assert.match(a, /^d:/);
    assert.notEqual(a, b, 'two token-less casts are two voters');
    assert.equal(await id.resolve(p, { ip: '1.1.1.1' }, nobody, 'read'), null);
    const token = tokens.issue(a.slice(2));
    assert.equal(await id.resolve(p, { ip: '1.1.1.1', voterToken: token }, nobody, 'cast'), a);
    assert.equal(await id.resolve(p, { ip: '1.1.1.1', voterToken: token }, nobody, 'read'), a);
  });

  it('device: a voterId is refused when casting', async () => {
    await assert.rejects(identity().resolve(poll(), { ip: 'x', voterId: 'me' }, nobody, 'cast'), (e) => code(e) === 'voter_id_not_allowed');
  });

  it('invite: a code names its serial; a wrong one is refused', async () => {
    const p = poll({ identityMode: 'invite', invitesIssued: 5 });
    const [c0, , c2] = invites.issue(p.id, 0, 3);
    const id = identity();
    assert.equal(await id.resolve(p, { ip: 'x', inviteCode: c0 }, nobody, 'cast'), 'i:0');
    assert.equal(await id.resolve(p, { ip: 'x', inviteCode: c2 }, nobody, 'read'), 'i:2');
    await assert.rejects(id.resolve(p, { ip: 'x' }, nobody, 'cast'), (e) => code(e) === 'invite_code_required');
    await assert.rejects(id.resolve(p, { ip: 'x', inviteCode: 'AAAA-BBBB-CCCC' }, nobody, 'cast'), (e) => code(e) === 'invite_code_invalid');
  });

  it('wrong codes and forged tokens spend the address\'s failure budget; then every code from it is 429, right ones too', async () => {
    const clock = new Clock();
    const id = identity(3, clock);
    const p = poll({ identityMode: 'invite', invitesIssued: 5 });
    const [good] = invites.issue(p.id, 0, 1);
    for (let i = 0; i < 3; i++) await assert.rejects(id.resolve(p, { ip: '6.6.6.6', inviteCode: `WRONG-${i}` }, nobody, 'cast'), (e) => code(e) === 'invite_code_invalid');
    await assert.rejects(id.resolve(p, { ip: '6.6.6.6', inviteCode: 'WRONG-9' }, nobody, 'cast'), (e) => code(e) === 'rate_limited');
    await assert.rejects(id.resolve(poll(), { ip: '6.6.6.6', voterToken: 'v1.forged.token' }, nobody, 'cast'), (e) => code(e) === 'rate_limited');
    // Another address is not affected; the budget slides back after a minute.
    assert.equal(await id.resolve(p, { ip: '7.7.7.7', inviteCode: good }, nobody, 'cast'), 'i:0');
    clock.t += 61_001;
    await assert.rejects(id.resolve(p, { ip: '6.6.6.6', inviteCode: 'WRONG-10' }, nobody, 'cast'), (e) => code(e) === 'invite_code_invalid');
  });

  it('open: needs a voterId and a trusted caller (the quick poll owner token)', async () => {
    const p = poll({ identityMode: 'open' });
    const id = identity();
    await assert.rejects(id.resolve(p, { ip: 'x' }, nobody, 'cast'), (e) => code(e) === 'voter_id_required');
    await assert.rejects(id.resolve(p, { ip: 'x', voterId: 'alice' }, nobody, 'cast'), (e) => code(e) === 'trusted_caller_required');
    await assert.rejects(id.resolve(p, { ip: 'x', voterId: 'a'.repeat(1000), bearer: 'b' }, nobody, 'cast'), (e) => code(e) === 'validation_failed');
  });

  it('account: an anonymous caller must log in', async () => {
    await assert.rejects(identity().resolve(poll({ identityMode: 'account' }), { ip: 'x' }, nobody, 'cast'), (e) => code(e) === 'login_required');
  });
});
