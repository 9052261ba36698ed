/** Casting votes over HTTP: the answers (201 / 409 / 4xx), voter identity, changing a vote, one's own vote. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createPoll, startTestApp, voteHeaders, type Answer, type TestApp } from '../support/app.js';
import { assertProblem } from '../support/problem.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('HTTP: votes', () => {
  let t: TestApp;
  let u: string;
  before(async () => {
    t = await startTestApp();
    u = t.url;
  });
  after(() => t.stop());

  const vote = (pollId: string, body: unknown, headers: Record<string, string> = {}) => call(u, 'POST', `/v1/polls/${pollId}/votes`, body, headers);
  const results = async (pollId: string, headers: Record<string, string> = {}) => {
    const r = await call(u, 'GET', `/v1/polls/${pollId}/results`, undefined, headers);
    assert.equal(r.status, 200, r.text);
    return r.json as { total: number; version: number; options: Array<{ id: string; votes: number }> };
  };
  const votesFor = (r: { options: Array<{ id: string; votes: number }> }, id: string) => r.options.find((o) => o.id === id)!.votes;
  const cookieToken = (r: Answer) => /pollcast_voter=([^;]+)/.exec(r.headers.get('set-cookie') ?? '')?.[1];

  describe('device voters', () => {
    it('a first vote → 201 with a receipt, a voter token in the body and in a cookie; the tally counts it', async () => {
      const { poll } = await createPoll(u);
      const [a] = poll.options;
      const r = await vote(poll.id, { optionIds: [a!.id] });
      assert.equal(r.status, 201, r.text);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(r.json.pollId, poll.id);
      assert.match(r.json.receiptId, /^r_/);
      assert.deepEqual(r.json.optionIds, [a!.id]);
      assert.equal(r.json.changed, false);
      assert.ok(!Number.isNaN(Date.parse(r.json.countedAt)));
      assert.equal(typeof r.json.voterToken, 'string');
      const cookie = r.headers.get('set-cookie') ?? '';
      assert.match(cookie, /HttpOnly/i);
      assert.match(cookie, /Path=\//);
      assert.equal(cookieToken(r), r.json.voterToken);
      const res = await results(poll.id);
      assert.equal(res.total, 1);
      assert.equal(votesFor(res, a!.id), 1);
      assert.equal(await t.app.ports.store.countVotes(poll.id), 1);
    });

    it('the same voter again (X-Voter-Token) → 409 already_voted naming what is counted', async () => {
      const { poll } = await createPoll(u);
      const [a, b] = poll.options;
      const first = await vote(poll.id, { optionIds: [a!.id] });
      const token = first.json.voterToken as string;
      const again = await vote(poll.id, { optionIds: [b!.id] }, { 'x-voter-token': token });
      assertProblem(again, 'already_voted');
      assert.equal(again.json.counted.receiptId, first.json.receiptId);
      assert.deepEqual(again.json.counted.optionIds, [a!.id]);
      assert.equal(again.json.counted.countedAt, first.json.countedAt);
      assert.equal(again.json.voterToken, token);
      const res = await results(poll.id);
      assert.equal(res.total, 1);
      assert.equal(votesFor(res, b!.id), 0);
      assert.equal(await t.app.ports.store.countVotes(poll.id), 1);
    });

    it('the same voter again (cookie only) → 409 already_voted', async () => {
      const { poll } = await createPoll(u);
      const first = await vote(poll.id, { optionIds: [poll.options[0]!.id] });
      const again = await vote(poll.id, { optionIds: [poll.options[0]!.id] }, { cookie: `theme=dark; pollcast_voter=${cookieToken(first)}` });
      assertProblem(again, 'already_voted');
      assert.equal(again.json.counted.receiptId, first.json.receiptId);
      assert.equal(await t.app.ports.store.countVotes(poll.id), 1);
    });

    it('no token means a new voter; a token works across polls', async () => {
      const p1 = await createPoll(u);
      const p2 = await createPoll(u);
      const a = await vote(p1.poll.id, { optionIds: [p1.poll.options[0]!.id] });
      const b = await vote(p1.poll.id, { optionIds: [p1.poll.options[0]!.id] });
      assert.equal(a.status, 201);
      assert.equal(b.status, 201);
      assert.notEqual(a.json.voterToken, b.json.voterToken);
      const c = await vote(p2.poll.id, { optionIds: [p2.poll.options[1]!.id] }, { 'x-voter-token': a.json.voterToken });
      assert.equal(c.status, 201, c.text);
      assert.equal(c.json.voterToken, a.json.voterToken);
    });

    it('a forged or garbled voter token → 401 voter_token_invalid, and nothing is counted', async () => {
      const { poll } = await createPoll(u);
      const real = (await vote(poll.id, { optionIds: [poll.options[0]!.id] })).json.voterToken as string;
      const [v, id] = real.split('.');
      const forged = [`${v}.${id}x.${real.split('.')[2]}`, `${v}.${id}.AAAAAAAAAAAAAAAAAAAAAA`, 'garbage', 'v1..', 'x'.repeat(500)];
      for (const token of forged) {
        assertProblem(await vote(poll.id, { optionIds: [poll.options[0]!.id] }, { 'x-voter-token': token }), 'voter_token_invalid', `header ${token.slice(0, 30)}`);
        assertProblem(
          await vote(poll.id, { optionIds: [poll.options[0]!.id] }, { cookie: `pollcast_voter=${encodeURIComponent(token)}` }),
          'voter_token_invalid',
          `cookie ${token.slice(0, 30)}`,
        );
      }
      assertProblem(await vote(poll.id, { optionIds: [poll.options[0]!.id] }, { cookie: 'pollcast_voter=%E0%A4%A' }), 'voter_token_invalid', 'bad %-escape');
      assert.equal(await t.app.ports.store.countVotes(poll.id), 1);
    });

    it('voterId on a device poll → 422 voter_id_not_allowed', async () => {
      const { poll } = await createPoll(u);
      assertProblem(await vote(poll.id, { optionIds: [poll.options[0]!.id], voterId: 'alice' }), 'voter_id_not_allowed');
      assert.equal(await t.app.ports.store.countVotes(poll.id), 0);
    });
  });

  describe('ballots', () => {
    it('bad ballots → 4xx with their codes, nothing counted', async () => {
      const { poll } = await createPoll(u);
      const [a, b] = poll.options;
      const cases: Array<[string, unknown, Parameters<typeof assertProblem>[1]]> = [
        ['two choices on a single poll', { optionIds: [a!.id, b!.id] }, 'too_many_choices'],
        ['duplicate option ids', { optionIds: [a!.id, a!.id] }, 'duplicate_option'],
        ['an option of another poll', { optionIds: ['zzzzzz'] }, 'invalid_option'],
        ['optionIds of numbers', { optionIds: [1] }, 'validation_failed'],
        ['optionIds as a string', { optionIds: 'x' }, 'validation_failed'],
        ['optionIds empty', { optionIds: [] }, 'validation_failed'],
        // A vote body is optionIds or value (rating, nps): without either, the ballot rules answer
        // for the poll's kind (choice: 422 too_few_choices; rating/nps: 422 value_required).
        ['optionIds missing', {}, 'too_few_choices'],
        ['optionIds with an empty id', { optionIds: [''] }, 'validation_failed'],
        ['optionIds of 101', { optionIds: Array.from({ length: 101 }, (_, i) => `o${i}`) }, 'validation_failed'],
        ['an unknown field', { optionIds: [a!.id], weight: 10 }, 'unknown_field'],
        // A vote body is optionIds or value (rating, nps), so the schema no longer requires optionIds:
        // the slip itself is named (400 unknown_field, "optionIDs").
        ['a camel-case slip (the slip is named)', { optionIDs: [a!.id] }, 'unknown_field'],
        ['a camel-case slip beside the real field', { optionIds: [a!.id], voterID: 'x' }, 'unknown_field'],
      ];
      for (const [label, body, code] of cases) assertProblem(await vote(poll.id, body), code, label);
      assert.equal(await t.app.ports.store.countVotes(poll.id), 0);
      assert.equal((await results(poll.id)).total, 0);
    });

    it('a multiple-choice poll takes up to maxChoices options', async () => {
      const { poll } = await createPoll(u, { kind: 'multiple', maxChoices: 2, options: ['A', 'B', 'C'] });
      const [a, b, c] = poll.options;
      assertProblem(await vote(poll.id, { optionIds: [a!.id, b!.id, c!.id] }), 'too_many_choices', 'three of max two');
      assertProblem(await vote(poll.id, { optionIds: [a!.id, b!.id, a!.id] }), 'duplicate_option', 'duplicate');
      const two = await vote(poll.id, { optionIds: [c!.id, a!.id] });
      assert.equal(two.status, 201, two.text);
      assert.deepEqual(two.json.optionIds, [a!.id, c!.id], 'answered in the poll order');
      const one = await vote(poll.id, { optionIds: [b!.id] });
      assert.equal(one.status, 201);
      const res = await results(poll.id);
      assert.equal(res.total, 2, 'voters, not choices');
      assert.deepEqual(
        res.options.map((o) => o.votes),
        [1, 1, 1],
      );
    });

    it('a closed poll → 409 poll_closed; a draft → 409 poll_not_open; a future opensAt → 409 poll_not_open', async () => {
      const closed = await createPoll(u);
      await call(u, 'POST', `/v1/polls/${closed.poll.id}/close`, undefined, bearer(closed.ownerToken));
      assertProblem(await vote(closed.poll.id, { optionIds: [closed.poll.options[0]!.id] }), 'poll_closed');
      const draft = await createPoll(u, { status: 'draft' });
      assertProblem(await vote(draft.poll.id, { optionIds: [draft.poll.options[0]!.id] }), 'poll_not_open');
      const opensAt = new Date(Date.now() + 3_600_000).toISOString();
      const later = await createPoll(u, { opensAt });
      const r = await vote(later.poll.id, { optionIds: [later.poll.options[0]!.id] });
      assertProblem(r, 'poll_not_open');
      assert.equal(r.json.opensAt, opensAt);
      for (const p of [closed, draft, later]) assert.equal(await t.app.ports.store.countVotes(p.poll.id), 0);
    });
  });

  describe('changing a vote', () => {
    it('with allowChange a voter moves their vote: 201 changed:true, old option −1, new +1', async () => {
      const { poll } = await createPoll(u, { allowChange: true });
      const [a, b] = poll.options;
      const first = await vote(poll.id, { optionIds: [a!.id] });
      const token = first.json.voterToken as string;
      const other = await vote(poll.id, { optionIds: [a!.id] });
      assert.equal(other.status, 201);
      let res = await results(poll.id);
      assert.equal(votesFor(res, a!.id), 2);
      const v0 = res.version;

      const moved = await vote(poll.id, { optionIds: [b!.id] }, { 'x-voter-token': token });
      assert.equal(moved.status, 201, moved.text);
      assert.equal(moved.json.changed, true);
      assert.deepEqual(moved.json.optionIds, [b!.id]);
      assert.notEqual(moved.json.receiptId, first.json.receiptId);
      res = await results(poll.id);
      assert.equal(votesFor(res, a!.id), 1);
      assert.equal(votesFor(res, b!.id), 1);
      assert.equal(res.total, 2, 'a change is not a new voter');
      assert.ok(res.version > v0);

      // The same ballot again is not a change.
      const same = await vote(poll.id, { optionIds: [b!.id] }, { 'x-voter-token': token });
      assertProblem(same, 'already_voted');
      assert.deepEqual(same.json.counted.optionIds, [b!.id]);
      assert.equal(await t.app.ports.store.countVotes(poll.id), 2);
    });

    it('without allowChange a different ballot is refused 409 already_voted', async () => {
      const { poll } = await createPoll(u);
      const first = await vote(poll.id, { optionIds: [poll.options[0]!.id] });
      assertProblem(await vote(poll.id, { optionIds: [poll.options[1]!.id] }, { 'x-voter-token': first.json.voterToken }), 'already_voted');
      const res = await results(poll.id);
      assert.equal(votesFor(res, poll.options[0]!.id), 1);
      assert.equal(votesFor(res, poll.options[1]!.id), 0);
    });
  });

  describe('open identity mode', () => {
    it('the body names the voter: one counted vote per voterId', async () => {
      const { poll, ownerToken } = await createPoll(u, { identityMode: 'open' });
      const h = voteHeaders(ownerToken);
      const [a, b] = poll.options;
      const r = await vote(poll.id, { optionIds: [a!.id], voterId: 'alice' }, h);
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.voterToken, undefined, 'no token for named voters');
      assert.equal(r.headers.get('set-cookie'), null);
      const again = await vote(poll.id, { optionIds: [b!.id], voterId: 'alice' }, h);
      assertProblem(again, 'already_voted');
      assert.equal(again.json.counted.receiptId, r.json.receiptId);
      assert.equal((await vote(poll.id, { optionIds: [b!.id], voterId: 'bob' }, h)).status, 201);
      assert.equal(await t.app.ports.store.countVotes(poll.id), 2);
    });

    it('a voterId without the owner token, or with a wrong one → 401 trusted_caller_required, nothing counted', async () => {
      const { poll } = await createPoll(u, { identityMode: 'open' });
      const other = await createPoll(u, { identityMode: 'open' });
      const a = poll.options[0]!.id;
      assertProblem(await vote(poll.id, { optionIds: [a], voterId: 'mallory' }), 'trusted_caller_required', 'no token');
      assertProblem(await vote(poll.id, { optionIds: [a], voterId: 'mallory' }, voteHeaders(other.ownerToken)), 'trusted_caller_required', "another poll's owner token");
      assertProblem(await vote(poll.id, { optionIds: [a], voterId: 'mallory' }, voteHeaders('not-the-owner-token')), 'trusted_caller_required', 'a made-up token');
      assert.equal(await t.app.ports.store.countVotes(poll.id), 0);
      assert.equal((await results(poll.id)).total, 0);
    });

    it('a missing voterId → 422 voter_id_required; a bad one → 400 validation_failed', async () => {
      const { poll, ownerToken } = await createPoll(u, { identityMode: 'open' });
      const h = voteHeaders(ownerToken);
      const a = poll.options[0]!.id;
      assertProblem(await vote(poll.id, { optionIds: [a] }, h), 'voter_id_required', 'missing');
      assertProblem(await vote(poll.id, { optionIds: [a], voterId: '' }, h), 'validation_failed', 'empty');
      assertProblem(await vote(poll.id, { optionIds: [a], voterId: 'v'.repeat(129) }, h), 'validation_failed', '129 chars');
      assertProblem(await vote(poll.id, { optionIds: [a], voterId: 7 }, h), 'validation_failed', 'a number');
      assert.equal(await t.app.ports.store.countVotes(poll.id), 0);
    });
  });

  describe('GET /v1/polls/{id}/votes/me', () => {
    it('answers a device voter their counted vote', async () => {
      const { poll } = await createPoll(u);
      const cast = await vote(poll.id, { optionIds: [poll.options[2]!.id] });
      const ways: Array<Record<string, string>> = [{ 'x-voter-token': cast.json.voterToken }, { cookie: `pollcast_voter=${cookieToken(cast)}` }];
      for (const headers of ways) {
        const me = await call(u, 'GET', `/v1/polls/${poll.id}/votes/me`, undefined, headers);
        assert.equal(me.status, 200, me.text);
        assert.deepEqual(me.json, { pollId: poll.id, receiptId: cast.json.receiptId, optionIds: [poll.options[2]!.id], countedAt: cast.json.countedAt });
      }
    });

    it('no token or no vote → 404 not_found; a bad token → 401 voter_token_invalid', async () => {
      const { poll } = await createPoll(u);
      const other = await createPoll(u);
      const token = (await vote(other.poll.id, { optionIds: [other.poll.options[0]!.id] })).json.voterToken;
      assertProblem(await call(u, 'GET', `/v1/polls/${poll.id}/votes/me`), 'not_found', 'no token');
      assertProblem(await call(u, 'GET', `/v1/polls/${poll.id}/votes/me`, undefined, { 'x-voter-token': token }), 'not_found', 'did not vote here');
      assertProblem(await call(u, 'GET', `/v1/polls/${poll.id}/votes/me`, undefined, { 'x-voter-token': 'v1.x.y' }), 'voter_token_invalid', 'bad token');
      assertProblem(await call(u, 'GET', `/v1/polls/${poll.id}/votes/me?x=1`), 'unknown_field', 'unknown query field');
    });

    it('open mode reads ?voterId=, and needs it', async () => {
      const { poll, ownerToken } = await createPoll(u, { identityMode: 'open' });
      const h = voteHeaders(ownerToken);
      await vote(poll.id, { optionIds: [poll.options[1]!.id], voterId: 'carol' }, h);
      const me = await call(u, 'GET', `/v1/polls/${poll.id}/votes/me?voterId=carol`, undefined, h);
      assert.equal(me.status, 200, me.text);
      assert.deepEqual(me.json.optionIds, [poll.options[1]!.id]);
      assertProblem(await call(u, 'GET', `/v1/polls/${poll.id}/votes/me`, undefined, h), 'voter_id_required', 'no voterId');
      assertProblem(await call(u, 'GET', `/v1/polls/${poll.id}/votes/me?voterId=dave`, undefined, h), 'not_found', 'never voted');
    });
  });
});

describe('HTTP: vote rate limits', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ RATE_LIMIT_VOTER_PER_MIN: '3' });
  });
  after(() => t.stop());

  it('a voter over the limit → 429 rate_limited with Retry-After; nothing more is counted', async () => {
    const { poll, ownerToken } = await createPoll(t.url, { identityMode: 'open', allowChange: true });
    const h = voteHeaders(ownerToken);
    const ids = poll.options.map((o) => o.id);
    const answers: Answer[] = [];
    for (let i = 0; i < 5; i++) answers.push(await call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [ids[i % 3]!], voterId: 'eve' }, h));
    assert.deepEqual(
      answers.map((a) => a.status),
      [201, 201, 201, 429, 429],
    );
    assertProblem(answers[3]!, 'rate_limited');
    assert.ok(Number(answers[3]!.headers.get('retry-after')) >= 1);
    const res = (await call(t.url, 'GET', `/v1/polls/${poll.id}/results`)).json;
    assert.deepEqual(
      res.options.map((o: { votes: number }) => o.votes),
      [0, 0, 1],
      'the third ballot stands',
    );
    // Other voters are not affected.
    assert.equal((await call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [ids[0]!], voterId: 'frank' }, h)).status, 201);
  });
});
