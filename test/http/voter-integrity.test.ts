/**
 * Voter identity modes (docs/voting.md), invite codes, the per-address cap, proof of work, and the
 * per-voter / per-key / per-poll rate limits. "Exactly once" is checked against the tally.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { solve } from '../../src/domain/proof-of-work.js';
import { call, createPoll, startTestApp, type TestApp, type Answer } from '../support/app.js';
import { addMember, apiKey, isProblem, signUp, workspacePoll, type Actor } from '../support/accounts.js';
import type { Json } from '../support/json.js';

describe('HTTP: voter identity and integrity', () => {
  let t: TestApp;
  let owner: Actor;
  before(async () => {
    t = await startTestApp({ RATE_LIMIT_API_KEY_PER_MIN: '20', RATE_LIMIT_POLL_PER_MIN: '1000' });
    owner = await signUp(t.url, 'Host');
  });
  after(() => t?.stop());

  const total = async (pollId: string, headers: Record<string, string> = owner.headers) => (await call(t.url, 'GET', `/v1/polls/${pollId}/results`, undefined, headers)).json.total as number;
  const vote = (pollId: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => call(t.url, 'POST', `/v1/polls/${pollId}/votes`, body, headers);
  const problem = (r: Answer<Json>, status: number, code: string) => {
    assert.equal(r.status, status, r.text);
    assert.ok(isProblem(r));
    assert.equal(r.json.code, code);
  };

  describe('invite mode', () => {
    it('100,000 codes in one request; each is good for one vote; dashes and case do not matter', async () => {
      const poll = await workspacePoll(t.url, owner, owner.workspaceId!, { identityMode: 'invite' });
      const started = Date.now();
      const r = await call(t.url, 'POST', `/v1/polls/${poll.id}/invites`, { count: 100_000 }, owner.headers);
      const ms = Date.now() - started;
      assert.equal(r.status, 201);
      assert.equal(r.json.codes.length, 100_000);
      assert.equal(new Set(r.json.codes).size, 100_000, 'all distinct');
      assert.equal(r.json.issued, 100_000);
      console.log(`# issued 100,000 invite codes in ${ms} ms (${r.text.length} bytes)`);
      const more = await call(t.url, 'POST', `/v1/polls/${poll.id}/invites`, { count: 2 }, owner.headers);
      assert.equal(more.json.issued, 100_002);
      assert.ok(!r.json.codes.includes(more.json.codes[0]), 'a second batch continues the serials');

      const codes: string[] = [r.json.codes[0], r.json.codes[99_999], more.json.codes[1]];
      const opt = poll.options[0]!.id;
      for (const c of codes) assert.equal((await vote(poll.id, { optionIds: [opt], inviteCode: c })).status, 201);
      problem(await vote(poll.id, { optionIds: [opt], inviteCode: codes[0]!.toLowerCase().replace(/-/g, '') }), 409, 'already_voted');
      problem(await vote(poll.id, { optionIds: [opt] }), 422, 'invite_code_required');
      problem(await vote(poll.id, { optionIds: [opt], inviteCode: 'ZZZZZ-00000-00000' }), 403, 'invite_code_invalid');
      // A code whose serial was never issued, and a code of another poll.
      const other = await workspacePoll(t.url, owner, owner.workspaceId!, { identityMode: 'invite' });
      const otherCodes = (await call(t.url, 'POST', `/v1/polls/${other.id}/invites`, { count: 1 }, owner.headers)).json.codes;
      problem(await vote(poll.id, { optionIds: [opt], inviteCode: otherCodes[0] }), 403, 'invite_code_invalid');
      problem(await vote(poll.id, { optionIds: [opt], inviteCode: codes[0], voterId: 'me' }), 422, 'voter_id_not_allowed');
      assert.equal(await total(poll.id), 3);
      const mine = await call(t.url, 'GET', `/v1/polls/${poll.id}/votes/me?inviteCode=${encodeURIComponent(codes[1]!)}`);
      assert.equal(mine.status, 200);
      assert.deepEqual(mine.json.optionIds, [opt]);
    });

    it('50 concurrent votes with one code → one 201, the rest 409, one counted', async () => {
      const poll = await workspacePoll(t.url, owner, owner.workspaceId!, { identityMode: 'invite' });
      const [code] = (await call(t.url, 'POST', `/v1/polls/${poll.id}/invites`, { count: 1 }, owner.headers)).json.codes;
      const answers = await Promise.all(Array.from({ length: 50 }, () => vote(poll.id, { optionIds: [poll.options[1]!.id], inviteCode: code })));
      assert.deepEqual(answers.map((a) => a.status).sort(), [201, ...Array(49).fill(409)]);
      assert.equal(await total(poll.id), 1);
    });

    it('one Idempotency-Key from two code holders: the second is 422, never a replay of the first voter\'s answer', async () => {
      const poll = await workspacePoll(t.url, owner, owner.workspaceId!, { identityMode: 'invite' });
      const [a, b] = (await call(t.url, 'POST', `/v1/polls/${poll.id}/invites`, { count: 2 }, owner.headers)).json.codes as string[];
      const opt = poll.options[0]!.id;
      const first = await vote(poll.id, { optionIds: [opt], inviteCode: a }, { 'idempotency-key': 'same-key' });
      assert.equal(first.status, 201);
      assert.equal((await vote(poll.id, { optionIds: [opt], inviteCode: a }, { 'idempotency-key': 'same-key' })).text, first.text, 'the same holder retrying gets the first answer');
      problem(await vote(poll.id, { optionIds: [opt], inviteCode: b }, { 'idempotency-key': 'same-key' }), 422, 'idempotency_key_reused');
      assert.equal((await vote(poll.id, { optionIds: [opt], inviteCode: b }, { 'idempotency-key': 'other-key' })).status, 201);
      assert.equal(await total(poll.id), 2);
    });

    it('invites: bad counts and non-invite polls are refused', async () => {
      const device = await workspacePoll(t.url, owner, owner.workspaceId!);
      problem(await call(t.url, 'POST', `/v1/polls/${device.id}/invites`, { count: 5 }, owner.headers), 422, 'invalid_poll');
      const inv = await workspacePoll(t.url, owner, owner.workspaceId!, { identityMode: 'invite' });
      problem(await call(t.url, 'POST', `/v1/polls/${inv.id}/invites`, { count: 0 }, owner.headers), 400, 'validation_failed');
      problem(await call(t.url, 'POST', `/v1/polls/${inv.id}/invites`, { count: 100_001 }, owner.headers), 400, 'validation_failed');
      problem(await call(t.url, 'POST', `/v1/polls/${inv.id}/invites`, { count: '5' }, owner.headers), 400, 'validation_failed');
      problem(await call(t.url, 'POST', `/v1/polls/${inv.id}/invites`, { count: 5, prefix: 'A' }, owner.headers), 400, 'unknown_field');
      problem(await call(t.url, 'POST', `/v1/polls/2zzzzzzzzzzz/invites`, { count: 5 }, owner.headers), 404, 'poll_not_found');
    });
  });

  describe('account mode', () => {
    it('only logged-in users vote, once each; the session needs its CSRF token', async () => {
      const poll = await workspacePoll(t.url, owner, owner.workspaceId!, { identityMode: 'account' });
      const opt = poll.options[0]!.id;
      const a = await signUp(t.url, 'Alice');
      const b = await signUp(t.url, 'Bob');
      problem(await vote(poll.id, { optionIds: [opt] }), 401, 'login_required');
      problem(await vote(poll.id, { optionIds: [opt] }, { cookie: a.headers.cookie! }), 403, 'csrf_token_invalid');
      assert.equal((await vote(poll.id, { optionIds: [opt] }, a.headers)).status, 201);
      problem(await vote(poll.id, { optionIds: [opt] }, a.headers), 409, 'already_voted');
      assert.equal((await vote(poll.id, { optionIds: [opt] }, b.headers)).status, 201);
      // A device token does not make a second identity for the same account.
      problem(await vote(poll.id, { optionIds: [opt] }, { ...a.headers, 'x-voter-token': 'v1.abc.def' }), 409, 'already_voted');
      assert.equal(await total(poll.id), 2);
      assert.equal((await call(t.url, 'GET', `/v1/polls/${poll.id}/votes/me`, undefined, a.headers)).status, 200);
    });

    it('a workspace-only account poll takes votes from members only; outsiders get 404', async () => {
      const poll = await workspacePoll(t.url, owner, owner.workspaceId!, { identityMode: 'account', access: 'workspace' });
      const member = await signUp(t.url, 'Member');
      const outsider = await signUp(t.url, 'Outsider');
      await addMember(t.url, owner, owner.workspaceId!, member, 'viewer');
      assert.equal((await vote(poll.id, { optionIds: [poll.options[0]!.id] }, member.headers)).status, 201);
      problem(await vote(poll.id, { optionIds: [poll.options[0]!.id] }, outsider.headers), 404, 'poll_not_found');
      assert.equal(await total(poll.id), 1);
    });
  });

  describe('open mode (trusted caller names the voter)', () => {
    it('a workspace API key with votes:write names voters; without it, or with the wrong scope or workspace, nothing counts', async () => {
      const poll = await workspacePoll(t.url, owner, owner.workspaceId!, { identityMode: 'open' });
      const opt = poll.options[0]!.id;
      const votesKey = await apiKey(t.url, owner, owner.workspaceId!, ['votes:write']);
      const readKey = await apiKey(t.url, owner, owner.workspaceId!, ['polls:read']);
      const stranger = await signUp(t.url, 'Stranger');
      const foreignKey = await apiKey(t.url, stranger, stranger.workspaceId!, ['votes:write']);
      assert.equal((await vote(poll.id, { optionIds: [opt], voterId: 'employee-1' }, votesKey.headers)).status, 201);
      problem(await vote(poll.id, { optionIds: [opt], voterId: 'employee-1' }, votesKey.headers), 409, 'already_voted');
      problem(await vote(poll.id, { optionIds: [opt], voterId: 'employee-2' }), 401, 'trusted_caller_required');
      problem(await vote(poll.id, { optionIds: [opt], voterId: 'employee-2' }, readKey.headers), 403, 'insufficient_scope');
      problem(await vote(poll.id, { optionIds: [opt], voterId: 'employee-2' }, foreignKey.headers), 403, 'forbidden');
      problem(await vote(poll.id, { optionIds: [opt], voterId: 'employee-2' }, owner.headers), 401, 'trusted_caller_required');
      problem(await vote(poll.id, { optionIds: [opt] }, votesKey.headers), 422, 'voter_id_required');
      assert.equal(await total(poll.id), 1);
    });

    it('per-API-key rate limit: 429 past the limit with Retry-After and RateLimit headers', async () => {
      const poll = await workspacePoll(t.url, owner, owner.workspaceId!, { identityMode: 'open' });
      const key = await apiKey(t.url, owner, owner.workspaceId!, ['votes:write']);
      const statuses: number[] = [];
      let last: Answer<Json> | null = null;
      for (let i = 0; i < 22; i++) {
        last = await vote(poll.id, { optionIds: [poll.options[0]!.id], voterId: `v${i}` }, key.headers);
        statuses.push(last.status);
      }
      assert.deepEqual(statuses, [...Array(20).fill(201), 429, 429]);
      problem(last!, 429, 'rate_limited');
      assert.equal(last!.json.scope, 'key');
      assert.match(last!.headers.get('retry-after') ?? '', /^\d+$/);
      assert.match(last!.headers.get('ratelimit') ?? '', /^limit=20, remaining=0, reset=\d+$/);
      assert.equal(await total(poll.id), 20);
    });
  });

  describe('per-address cap and per-poll limit', () => {
    it('ipCap: at most N votes from one address count; then 403 ip_cap_reached', async () => {
      const { poll } = await createPoll(t.url, { ipCap: 3 });
      const opt = poll.options[0]!.id;
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await vote(poll.id, { optionIds: [opt] })).status);
      assert.deepEqual(statuses, [201, 201, 201, 403, 403]);
      assert.equal(await total(poll.id, {}), 3);
    });

    it('per-poll limit: votes into one poll past RATE_LIMIT_POLL_PER_MIN get 429 (scope poll); other polls still vote', async () => {
      const limited = await startTestApp({ RATE_LIMIT_POLL_PER_MIN: '10' });
      try {
        const { poll } = await createPoll(limited.url);
        const { poll: other } = await createPoll(limited.url);
        const statuses: number[] = [];
        for (let i = 0; i < 12; i++) statuses.push((await call(limited.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0]!.id] })).status);
        assert.deepEqual(statuses, [...Array(10).fill(201), 429, 429]);
        const r = await call(limited.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0]!.id] });
        assert.equal(r.json.scope, 'poll');
        assert.equal((await call(limited.url, 'POST', `/v1/polls/${other.id}/votes`, { optionIds: [other.options[0]!.id] })).status, 201);
      } finally {
        await limited.stop();
      }
    });
  });

  describe('proof of work', () => {
    it('a poll with powDifficulty wants a solved, fresh, single-use challenge with each vote', async () => {
      const { poll } = await createPoll(t.url, { powDifficulty: 10 });
      const opt = poll.options[0]!.id;
      problem(await vote(poll.id, { optionIds: [opt] }), 403, 'proof_of_work_required');
      const c = await call(t.url, 'GET', `/v1/polls/${poll.id}/challenge`);
      assert.equal(c.status, 200);
      assert.equal(c.json.difficulty, 10);
      assert.equal(c.json.algorithm, 'sha256-leading-zero-bits');
      const solution = solve(c.json.challenge, 10);
      problem(await vote(poll.id, { optionIds: [opt], pow: { challenge: c.json.challenge, solution: solution + 'x' } }), 403, 'proof_of_work_invalid');
      assert.equal((await vote(poll.id, { optionIds: [opt], pow: { challenge: c.json.challenge, solution } })).status, 201);
      problem(await vote(poll.id, { optionIds: [opt], pow: { challenge: c.json.challenge, solution } }), 403, 'proof_of_work_invalid');
      // A challenge of another poll, and a tampered one.
      const { poll: other } = await createPoll(t.url, { powDifficulty: 10 });
      const oc = (await call(t.url, 'GET', `/v1/polls/${other.id}/challenge`)).json.challenge as string;
      problem(await vote(poll.id, { optionIds: [opt], pow: { challenge: oc, solution: solve(oc, 10) } }), 403, 'proof_of_work_invalid');
      const tampered = c.json.challenge.replace('.10.', '.1.');
      problem(await vote(poll.id, { optionIds: [opt], pow: { challenge: tampered, solution: solve(tampered, 1) } }), 403, 'proof_of_work_invalid');
      problem(await vote(poll.id, { optionIds: [opt], pow: { challenge: 'x', solution: '' } }), 400, 'validation_failed');
      assert.equal(await total(poll.id, {}), 1);
    });
  });
});
