/** Poll management over HTTP: create, get, edit, open, close, delete — the happy paths and every bad input. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createPoll, startTestApp, type TestApp } from '../support/app.js';
import { assertProblem } from '../support/problem.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const WELL_FORMED_UNKNOWN = '222222222222';
const MALFORMED_IDS = ['nope', '0OIl0OIl0OIl', '2222222222222', 'x'.repeat(64), 'x'.repeat(80), '%20', 'a.b'];

describe('HTTP: polls', () => {
  let t: TestApp;
  let u: string;
  before(async () => {
    t = await startTestApp();
    u = t.url;
  });
  after(() => t.stop());

  describe('create', () => {
    it('answers 201 with the poll, an owner token and a Location', async () => {
      const r = await call(u, 'POST', '/v1/polls', { question: '  Tea or coffee?  ', options: ['Tea', { text: 'Coffee' }] });
      assert.equal(r.status, 201, r.text);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      const { poll, ownerToken } = r.json;
      assert.equal(typeof ownerToken, 'string');
      assert.ok(ownerToken.length >= 20);
      assert.equal(r.headers.get('location'), `/v1/polls/${poll.id}`);
      assert.equal(poll.question, 'Tea or coffee?');
      assert.deepEqual(poll.options.map((o: { text: string }) => o.text), ['Tea', 'Coffee']);
      for (const o of poll.options) assert.equal(typeof o.id, 'string');
      assert.equal(new Set(poll.options.map((o: { id: string }) => o.id)).size, 2);
      assert.equal(poll.status, 'open');
      assert.equal(poll.kind, 'single');
      assert.equal(poll.maxChoices, 1);
      assert.equal(poll.resultsVisibility, 'live');
      assert.equal(poll.identityMode, 'device');
      assert.equal(poll.allowChange, false);
      assert.equal(r.text.includes('ownerTokenHash'), false, 'no owner secret in the answer');
    });

    it('a poll asking for draft, or with a future opensAt, starts as draft', async () => {
      assert.equal((await createPoll(u, { status: 'draft' })).poll.status, 'draft');
      const later = new Date(Date.now() + 3_600_000).toISOString();
      assert.equal((await createPoll(u, { opensAt: later })).poll.status, 'draft');
    });

    it('accepts the limits exactly: 500-char question, 200-char options, 2 and 100 options', async () => {
      assert.equal((await call(u, 'POST', '/v1/polls', { question: 'q'.repeat(500), options: ['o'.repeat(200), 'b'] })).status, 201);
      const hundred = Array.from({ length: 100 }, (_, i) => `option ${i}`);
      const r = await call(u, 'POST', '/v1/polls', { question: 'q', options: hundred });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.poll.options.length, 100);
    });

    it('refuses bad definitions with 400 validation_failed / 422 invalid_poll', async () => {
      const cases: Array<[string, Record<string, unknown>, 'validation_failed' | 'invalid_poll' | 'unknown_field']> = [
        ['question of 501 chars', { question: 'q'.repeat(501), options: ['a', 'b'] }, 'validation_failed'],
        ['option of 201 chars', { question: 'q', options: ['a'.repeat(201), 'b'] }, 'validation_failed'],
        ['option object of 201 chars', { question: 'q', options: [{ text: 'a'.repeat(201) }, 'b'] }, 'validation_failed'],
        ['1 option', { question: 'q', options: ['a'] }, 'validation_failed'],
        ['0 options', { question: 'q', options: [] }, 'validation_failed'],
        ['101 options', { question: 'q', options: Array.from({ length: 101 }, (_, i) => `o${i}`) }, 'validation_failed'],
        ['options as a string', { question: 'q', options: 'x' }, 'validation_failed'],
        ['options as numbers', { question: 'q', options: [1, 2] }, 'validation_failed'],
        ['question as a number', { question: 42, options: ['a', 'b'] }, 'validation_failed'],
        ['missing question', { options: ['a', 'b'] }, 'validation_failed'],
        // Options are optional in the schema (rating and nps questions have none): a choice question without them is invalid_poll.
        ['missing options', { question: 'q' }, 'invalid_poll'],
        ['options on an nps question', { question: 'q', kind: 'nps', options: ['a', 'b'] }, 'invalid_poll'],
        ['a scale on a choice question', { question: 'q', options: ['a', 'b'], scale: { min: 1, max: 5 } }, 'invalid_poll'],
        ['a rating scale beyond 10', { question: 'q', kind: 'rating', scale: { min: 1, max: 11 } }, 'validation_failed'],
        ['maxRank above the options', { question: 'q', options: ['a', 'b'], kind: 'ranked', maxRank: 3 }, 'invalid_poll'],
        ['empty question', { question: '', options: ['a', 'b'] }, 'validation_failed'],
        ['blank question', { question: '   ', options: ['a', 'b'] }, 'invalid_poll'],
        ['blank option', { question: 'q', options: ['  ', 'b'] }, 'invalid_poll'],
        ['repeated option', { question: 'q', options: ['a', 'a'] }, 'invalid_poll'],
        ['unknown kind', { question: 'q', options: ['a', 'b'], kind: 'wordcloud' }, 'validation_failed'],
        ['unknown visibility', { question: 'q', options: ['a', 'b'], resultsVisibility: 'never' }, 'validation_failed'],
        ['unknown identity mode', { question: 'q', options: ['a', 'b'], identityMode: 'email' }, 'validation_failed'],
        ['status closed', { question: 'q', options: ['a', 'b'], status: 'closed' }, 'validation_failed'],
        ['maxChoices 2 on a single poll', { question: 'q', options: ['a', 'b'], maxChoices: 2 }, 'invalid_poll'],
        ['maxChoices above the options', { question: 'q', options: ['a', 'b'], kind: 'multiple', maxChoices: 3 }, 'invalid_poll'],
        ['maxChoices 0', { question: 'q', options: ['a', 'b'], kind: 'multiple', maxChoices: 0 }, 'validation_failed'],
        ['maxChoices as a string', { question: 'q', options: ['a', 'b'], kind: 'multiple', maxChoices: '2' }, 'validation_failed'],
        ['opensAt not a date', { question: 'q', options: ['a', 'b'], opensAt: 'tomorrow' }, 'validation_failed'],
        ['closesAt in the past', { question: 'q', options: ['a', 'b'], closesAt: '2001-01-01T00:00:00Z' }, 'invalid_poll'],
        [
          'closesAt before opensAt',
          { question: 'q', options: ['a', 'b'], opensAt: new Date(Date.now() + 7_200_000).toISOString(), closesAt: new Date(Date.now() + 3_600_000).toISOString() },
          'invalid_poll',
        ],
        ['unknown top-level field', { question: 'q', options: ['a', 'b'], color: 'red' }, 'unknown_field'],
        ['unknown field in an option object', { question: 'q', options: ['a', { text: 'b', color: 'red' }] }, 'unknown_field'],
        ['ownerToken smuggled in', { question: 'q', options: ['a', 'b'], ownerToken: 'mine' }, 'unknown_field'],
        ['id smuggled in', { question: 'q', options: ['a', 'b'], id: '222222222222' }, 'unknown_field'],
      ];
      for (const [label, body, code] of cases) assertProblem(await call(u, 'POST', '/v1/polls', body), code, label);
    });

    it('names the unknown field', async () => {
      const r = await call(u, 'POST', '/v1/polls', { question: 'q', options: ['a', 'b'], colour: 'red' });
      assertProblem(r, 'unknown_field');
      assert.equal(r.json.field, 'colour');
    });
  });

  describe('get', () => {
    it('answers the public poll', async () => {
      const { poll } = await createPoll(u);
      const r = await call(u, 'GET', `/v1/polls/${poll.id}`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.json.poll, poll);
    });

    it('an unknown poll id, well-formed or malformed → 404 poll_not_found', async () => {
      assertProblem(await call(u, 'GET', `/v1/polls/${WELL_FORMED_UNKNOWN}`), 'poll_not_found', 'well-formed');
      for (const id of MALFORMED_IDS) assertProblem(await call(u, 'GET', `/v1/polls/${id}`), 'poll_not_found', `malformed ${id}`);
    });

    it('every poll route answers 404 poll_not_found for an unknown or malformed id', async () => {
      const { ownerToken } = await createPoll(u);
      for (const id of [WELL_FORMED_UNKNOWN, 'nope', 'x'.repeat(70)]) {
        const routes: Array<[string, string, unknown?]> = [
          ['GET', `/v1/polls/${id}`],
          ['PATCH', `/v1/polls/${id}`, { question: 'q' }],
          ['POST', `/v1/polls/${id}/open`],
          ['POST', `/v1/polls/${id}/close`],
          ['DELETE', `/v1/polls/${id}`],
          ['GET', `/v1/polls/${id}/analytics`],
          ['GET', `/v1/polls/${id}/results`],
          ['GET', `/v1/polls/${id}/results/stream`],
          ['POST', `/v1/polls/${id}/votes`, { optionIds: ['abcdef'] }],
          ['GET', `/v1/polls/${id}/votes/me`],
        ];
        for (const [method, path, body] of routes) assertProblem(await call(u, method, path, body, bearer(ownerToken)), 'poll_not_found', `${method} ${path}`);
      }
    });
  });

  describe('owner actions', () => {
    it('need the owner token: none → 401 owner_token_required, another → 403 owner_token_invalid', async () => {
      const { poll } = await createPoll(u, { status: 'draft' });
      const other = await createPoll(u);
      const actions: Array<[string, string, unknown?]> = [
        ['PATCH', `/v1/polls/${poll.id}`, { question: 'q2' }],
        ['POST', `/v1/polls/${poll.id}/open`],
        ['POST', `/v1/polls/${poll.id}/close`],
        ['DELETE', `/v1/polls/${poll.id}`],
        ['GET', `/v1/polls/${poll.id}/analytics`],
      ];
      for (const [method, path, body] of actions) {
        assertProblem(await call(u, method, path, body), 'owner_token_required', `${method} ${path} no token`);
        assertProblem(await call(u, method, path, body, { authorization: 'Basic dXNlcjpwYXNz' }), 'owner_token_required', `${method} ${path} basic`);
        assertProblem(await call(u, method, path, body, bearer(other.ownerToken)), 'owner_token_invalid', `${method} ${path} other poll's token`);
        assertProblem(await call(u, method, path, body, bearer('pco_forged')), 'owner_token_invalid', `${method} ${path} forged`);
      }
      // Nothing changed.
      const r = await call(u, 'GET', `/v1/polls/${poll.id}`);
      assert.equal(r.json.poll.status, 'draft');
      assert.equal(r.json.poll.question, 'Tea or coffee?');
    });

    it('edit changes a draft and keeps option ids for unchanged texts', async () => {
      const { poll, ownerToken } = await createPoll(u, { status: 'draft', options: ['A', 'B'] });
      const r = await call(u, 'PATCH', `/v1/polls/${poll.id}`, { question: 'New?', options: ['A', 'C', 'D'], kind: 'multiple' }, bearer(ownerToken));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.poll.question, 'New?');
      assert.equal(r.json.poll.options[0].id, poll.options[0]!.id);
      assert.deepEqual(r.json.poll.options.map((o: { text: string }) => o.text), ['A', 'C', 'D']);
      assert.equal(r.json.poll.maxChoices, 3);
      assert.deepEqual((await call(u, 'GET', `/v1/polls/${poll.id}`)).json.poll, r.json.poll);
    });

    it('edit refuses bad patches', async () => {
      const { poll, ownerToken } = await createPoll(u, { status: 'draft' });
      const h = bearer(ownerToken);
      const path = `/v1/polls/${poll.id}`;
      assertProblem(await call(u, 'PATCH', path, {}, h), 'validation_failed', 'empty patch');
      assertProblem(await call(u, 'PATCH', path, { status: 'open' }, h), 'unknown_field', 'status is not editable');
      assertProblem(await call(u, 'PATCH', path, { question: 'q', nope: 1 }, h), 'unknown_field', 'unknown field');
      assertProblem(await call(u, 'PATCH', path, { options: ['a', { text: 'b', x: 1 }] }, h), 'unknown_field', 'unknown nested field');
      assertProblem(await call(u, 'PATCH', path, { question: 'q'.repeat(501) }, h), 'validation_failed', 'long question');
      assertProblem(await call(u, 'PATCH', path, { options: ['only'] }, h), 'validation_failed', '1 option');
      assertProblem(await call(u, 'PATCH', path, { options: 'x' }, h), 'validation_failed', 'options string');
      assertProblem(await call(u, 'PATCH', path, { maxChoices: 2 }, h), 'invalid_poll', 'maxChoices on single');
      assertProblem(await call(u, 'PATCH', path, { closesAt: '2001-01-01T00:00:00Z' }, h), 'invalid_poll', 'past close');
    });

    it('edit of a poll that is not a draft → 409 poll_not_draft', async () => {
      const open = await createPoll(u);
      assertProblem(await call(u, 'PATCH', `/v1/polls/${open.poll.id}`, { question: 'q2' }, bearer(open.ownerToken)), 'poll_not_draft', 'open');
      await call(u, 'POST', `/v1/polls/${open.poll.id}/close`, undefined, bearer(open.ownerToken));
      assertProblem(await call(u, 'PATCH', `/v1/polls/${open.poll.id}`, { question: 'q2' }, bearer(open.ownerToken)), 'poll_not_draft', 'closed');
    });

    it('open and close move the status; invalid transitions → 409 invalid_transition', async () => {
      const { poll, ownerToken } = await createPoll(u, { status: 'draft' });
      const h = bearer(ownerToken);
      const open = await call(u, 'POST', `/v1/polls/${poll.id}/open`, undefined, h);
      assert.equal(open.status, 200, open.text);
      assert.equal(open.json.poll.status, 'open');
      assertProblem(await call(u, 'POST', `/v1/polls/${poll.id}/open`, undefined, h), 'invalid_transition', 'open → open');
      const closed = await call(u, 'POST', `/v1/polls/${poll.id}/close`, undefined, h);
      assert.equal(closed.status, 200);
      assert.equal(closed.json.poll.status, 'closed');
      assertProblem(await call(u, 'POST', `/v1/polls/${poll.id}/close`, undefined, h), 'invalid_transition', 'closed → closed');
      assert.equal((await call(u, 'GET', `/v1/polls/${poll.id}`)).json.poll.status, 'closed');
      // An owner may reopen a closed poll.
      assert.equal((await call(u, 'POST', `/v1/polls/${poll.id}/open`, undefined, h)).json.poll.status, 'open');
    });

    it('delete removes the poll and its votes', async () => {
      const { poll, ownerToken } = await createPoll(u);
      assert.equal((await call(u, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0]!.id] })).status, 201);
      const r = await call(u, 'DELETE', `/v1/polls/${poll.id}`, undefined, bearer(ownerToken));
      assert.equal(r.status, 204);
      assert.equal(r.text, '');
      assertProblem(await call(u, 'GET', `/v1/polls/${poll.id}`), 'poll_not_found', 'after delete');
      assertProblem(await call(u, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0]!.id] }), 'poll_not_found', 'vote after delete');
      assertProblem(await call(u, 'DELETE', `/v1/polls/${poll.id}`, undefined, bearer(ownerToken)), 'poll_not_found', 'delete twice');
      assert.equal(await t.app.ports.store.countVotes(poll.id), 0);
    });

    it('analytics answers the owner', async () => {
      const { poll, ownerToken } = await createPoll(u);
      const r = await call(u, 'GET', `/v1/polls/${poll.id}/analytics`, undefined, bearer(ownerToken));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.pollId, poll.id);
      assert.ok(Array.isArray(r.json.minutes));
    });
  });
});
