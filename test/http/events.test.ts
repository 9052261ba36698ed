/**
 * Events over HTTP: create with questions of several kinds, read by id and by join code in any
 * case, the presenter's actions (owner only), phones following on the event stream, reset and
 * countdown, and every bad input as a 4xx problem with its own code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CODE_ALPHABET, CODE_MAX } from '../../src/domain/event.js';
import { call, startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { assertProblem } from '../support/problem.js';
import { SseStream } from '../support/sse.js';

interface Question {
  id: string;
  kind: string;
  status: string;
  options: Array<{ id: string; text: string }>;
}
interface EventBody {
  id: string;
  code: string;
  title: string;
  currentQuestionId: string | null;
  resultsShown: boolean;
  questions: Question[];
}

const QUESTIONS = [
  { question: 'Which talk next?', options: ['Databases', 'Browsers', 'Compilers'] },
  { question: 'Rank the snacks', kind: 'ranked', options: ['Crisps', 'Fruit', 'Cake'], maxRank: 2 },
  { question: 'Would you recommend us?', kind: 'nps' },
];

describe('HTTP: events', () => {
  let t: TestApp;
  let u: string;
  before(async () => {
    t = await startTestApp();
    u = t.url;
  });
  after(() => t.stop());

  const create = async (body: unknown = { title: 'All-hands', questions: QUESTIONS }) => {
    const r = await call<{ event: EventBody; ownerToken: string }>(u, 'POST', '/v1/events', body);
    assert.equal(r.status, 201, r.text);
    return { ev: r.json.event, token: r.json.ownerToken, auth: { authorization: `Bearer ${r.json.ownerToken}` } };
  };

  it('creates an event: a short code without look-alikes, questions in order as draft polls, the first one current', async () => {
    const { ev, token } = await create();
    assert.match(token, /^pco_/);
    assert.ok(ev.code.length <= CODE_MAX);
    for (const ch of ev.code) assert.ok(CODE_ALPHABET.includes(ch), `code ${ev.code} uses ${ch}`);
    assert.deepEqual(
      ev.questions.map((q) => q.kind),
      ['single', 'ranked', 'nps'],
    );
    assert.deepEqual([...new Set(ev.questions.map((q) => q.status))], ['draft']);
    assert.equal(ev.currentQuestionId, ev.questions[0]!.id);
    const got = await call(u, 'GET', `/v1/events/${ev.id}`);
    assert.deepEqual(got.json.event, ev);
  });

  it('joins by code in any letter case (spaces and dashes ignored); an unknown code or event is 404', async () => {
    const { ev } = await create();
    for (const typed of [ev.code, ev.code.toLowerCase(), `${ev.code.slice(0, 3).toLowerCase()}-${ev.code.slice(3)}`]) {
      const r = await call(u, 'GET', `/v1/join/${encodeURIComponent(typed)}`);
      assert.equal(r.status, 200, `${typed}: ${r.text}`);
      assert.equal(r.json.event.id, ev.id);
    }
    assertProblem(await call(u, 'GET', '/v1/join/AAAAAA'), 'event_not_found');
    assertProblem(await call(u, 'GET', '/v1/join/0O1IL'), 'event_not_found');
    assertProblem(await call(u, 'GET', '/v1/join/ACEFGHJKM'), 'event_not_found');
    assertProblem(await call(u, 'GET', '/v1/events/ev_nope'), 'event_not_found');
    assertProblem(await call(u, 'GET', '/v1/events/ev_AAAAAAAAAAAA'), 'event_not_found');
  });

  it('bad event bodies: 400 for the schema, 422 naming the question for a bad question; nothing is created', async () => {
    assertProblem(await call(u, 'POST', '/v1/events', { title: '', questions: [] }), 'validation_failed');
    assertProblem(await call(u, 'POST', '/v1/events', { questions: [] }), 'validation_failed');
    assertProblem(
      await call(u, 'POST', '/v1/events', {
        title: 'x',
        questions: [{ question: 'q', options: ['a', 'b'], workspaceId: 'w_aaaaaaaaaaaa' }],
      }),
      'unknown_field',
    );
    assertProblem(await call(u, 'POST', '/v1/events', { title: '   ', questions: [] }), 'invalid_poll');
    const bad = await call(u, 'POST', '/v1/events', {
      title: 'x',
      questions: [QUESTIONS[0], { question: 'Rate', kind: 'nps', options: ['a', 'b'] }],
    });
    assertProblem(bad, 'invalid_poll');
    assert.equal(bad.json.field, 'questions[1].options');
  });

  it('owner actions: 401 without the token, 403 with another, 404 for an unknown event; bad bodies 400/422', async () => {
    const { ev, auth } = await create();
    const other = await create();
    const q2 = ev.questions[1]!.id;
    const actions: Array<[string, string, unknown]> = [
      ['POST', `/v1/events/${ev.id}/current`, { questionId: q2 }],
      ['POST', `/v1/events/${ev.id}/results`, { shown: true }],
      ['POST', `/v1/events/${ev.id}/questions/${q2}/open`, undefined],
      ['POST', `/v1/events/${ev.id}/questions/${q2}/reset`, undefined],
      ['PUT', `/v1/events/${ev.id}/order`, { questionIds: ev.questions.map((q) => q.id) }],
      ['DELETE', `/v1/events/${ev.id}/questions/${q2}`, undefined],
    ];
    for (const [method, path, body] of actions) {
      assertProblem(await call(u, method, path, body), 'owner_token_required', `${method} ${path}`);
      assertProblem(await call(u, method, path, body, other.auth), 'owner_token_invalid', `${method} ${path}`);
      assertProblem(
        await call(u, method, path.replace(ev.id, 'ev_AAAAAAAAAAAA'), body, auth),
        'event_not_found',
        `${method} ${path}`,
      );
    }
    assertProblem(
      await call(u, 'POST', `/v1/events/${ev.id}/current`, { questionId: other.ev.questions[0]!.id }, auth),
      'question_not_in_event',
    );
    assertProblem(
      await call(u, 'POST', `/v1/events/${ev.id}/questions/${other.ev.questions[0]!.id}/open`, undefined, auth),
      'question_not_in_event',
    );
    assertProblem(await call(u, 'POST', `/v1/events/${ev.id}/current`, {}, auth), 'validation_failed');
    assertProblem(await call(u, 'POST', `/v1/events/${ev.id}/results`, { shown: 'yes' }, auth), 'validation_failed');
    assertProblem(await call(u, 'PUT', `/v1/events/${ev.id}/order`, { questionIds: [q2] }, auth), 'invalid_event');
    assertProblem(
      await call(u, 'POST', `/v1/events/${ev.id}/questions/${q2}/countdown`, { seconds: 0 }, auth),
      'validation_failed',
    );
    assertProblem(
      await call(u, 'POST', `/v1/events/${ev.id}/questions/${q2}/countdown`, { seconds: 10 }, auth),
      'invalid_transition',
    );
    // The event's token manages its questions as polls too; another event's token does not.
    assert.equal((await call(u, 'POST', `/v1/polls/${q2}/open`, undefined, auth)).status, 200);
    assertProblem(await call(u, 'POST', `/v1/polls/${q2}/close`, undefined, other.auth), 'owner_token_invalid');
  });

  it('questions: add, edit while draft, reorder, remove (the next becomes current)', async () => {
    const { ev, auth } = await create();
    const added = await call(
      u,
      'POST',
      `/v1/events/${ev.id}/questions`,
      { question: { question: 'Rate the venue', kind: 'rating', scale: { min: 1, max: 10 } }, position: 0 },
      auth,
    );
    assert.equal(added.status, 201, added.text);
    const qNew = added.json.question.id as string;
    assert.equal(added.json.event.questions[0].id, qNew);
    const edited = await call(u, 'PATCH', `/v1/events/${ev.id}/questions/${qNew}`, { question: 'Rate the room' }, auth);
    assert.equal(edited.json.question.question, 'Rate the room');
    await call(u, 'POST', `/v1/events/${ev.id}/questions/${qNew}/open`, undefined, auth);
    assertProblem(
      await call(u, 'PATCH', `/v1/events/${ev.id}/questions/${qNew}`, { question: 'Too late' }, auth),
      'poll_not_draft',
    );
    const ids = added.json.event.questions.map((q: Question) => q.id) as string[];
    const reordered = await call(u, 'PUT', `/v1/events/${ev.id}/order`, { questionIds: [...ids].reverse() }, auth);
    assert.deepEqual(
      reordered.json.event.questions.map((q: Question) => q.id),
      [...ids].reverse(),
    );
    const current = ev.currentQuestionId!;
    const removed = await call(u, 'DELETE', `/v1/events/${ev.id}/questions/${current}`, undefined, auth);
    assert.equal(removed.status, 200, removed.text);
    assert.equal(removed.json.event.questions.length, 3);
    assert.notEqual(removed.json.event.currentQuestionId, current);
    assertProblem(await call(u, 'GET', `/v1/polls/${current}`), 'poll_not_found');
  });

  it('phones follow the presenter on the event stream: question switch, status, answers, results shown, audience', async () => {
    const { ev, auth } = await create();
    const [q1, q2] = ev.questions as [Question, Question];
    const phones = await Promise.all([0, 1].map(() => SseStream.open(`${u}/v1/events/${ev.id}/stream`)));
    const last = (s: SseStream) => JSON.parse(s.events.filter((e) => e.event === 'event').at(-1)?.data ?? 'null');
    try {
      for (const p of phones) {
        assert.equal(p.status, 200);
        await p.waitFor((e) => e.event === 'event');
        assert.equal(last(p).currentQuestionId, q1.id);
        assert.equal(last(p).status, 'draft');
      }
      // Both phones are counted (pushed within a sweep).
      await eventually(() => phones.every((p) => last(p).audience === 2), 'audience 2 on both phones');
      await call(u, 'POST', `/v1/events/${ev.id}/current`, { questionId: q2.id }, auth);
      await call(u, 'POST', `/v1/events/${ev.id}/questions/${q2.id}/open`, undefined, auth);
      for (const p of phones)
        await eventually(
          () => last(p).currentQuestionId === q2.id && last(p).status === 'open',
          'phone on question 2, open',
        );
      assert.equal(last(phones[0]!).question.kind, 'ranked');
      const [a, b] = q2.options.map((o) => o.id);
      assert.equal((await call(u, 'POST', `/v1/polls/${q2.id}/votes`, { optionIds: [b, a] })).status, 201);
      for (const p of phones) await eventually(() => last(p).answers === 1, 'answer count 1');
      assert.equal(last(phones[0]!).results, null, 'results hidden until the presenter shows them');
      await call(u, 'POST', `/v1/events/${ev.id}/results`, { shown: true }, auth);
      for (const p of phones)
        await eventually(
          () => last(p).resultsShown === true && last(p).results?.irv?.winner === b,
          'results shown with the IRV winner',
        );
      // Ids grow.
      const ids = phones[0]!.events.filter((e) => e.event === 'event').map((e) => Number(e.id));
      assert.deepEqual(
        ids,
        [...ids].sort((x, y) => x - y),
      );
      assertProblem(await call(u, 'GET', '/v1/events/ev_AAAAAAAAAAAA/stream'), 'event_not_found');
    } finally {
      await Promise.all(phones.map((p) => p.close()));
    }
  });

  it('reset: the answers are kept but no longer counted, and voters answer again', async () => {
    const { ev, auth } = await create();
    const nps = ev.questions[2]!;
    await call(u, 'POST', `/v1/events/${ev.id}/questions/${nps.id}/open`, undefined, auth);
    const first = await call(u, 'POST', `/v1/polls/${nps.id}/votes`, { value: 9 });
    assert.equal(first.status, 201);
    assert.equal((await call(u, 'POST', `/v1/polls/${nps.id}/votes`, { value: 3 })).status, 201);
    const reset = await call(u, 'POST', `/v1/events/${ev.id}/questions/${nps.id}/reset`, undefined, auth);
    assert.equal(reset.status, 204, reset.text);
    const res = await call(u, 'GET', `/v1/polls/${nps.id}/results`);
    assert.deepEqual([res.json.total, res.json.score], [0, null]);
    assert.equal(await t.app.ports.store.countResetVotes(nps.id), 2);
    const again = await call(
      u,
      'POST',
      `/v1/polls/${nps.id}/votes`,
      { value: 10 },
      { 'x-voter-token': first.json.voterToken },
    );
    assert.equal(again.status, 201, again.text);
    assert.equal((await call(u, 'GET', `/v1/polls/${nps.id}/results`)).json.promoters, 1);
  });

  it('countdown: the server closes the question at zero and refuses votes after it', async () => {
    const { ev, auth } = await create();
    const q = ev.questions[0]!;
    await call(u, 'POST', `/v1/events/${ev.id}/questions/${q.id}/open`, undefined, auth);
    const cd = await call(u, 'POST', `/v1/events/${ev.id}/questions/${q.id}/countdown`, { seconds: 1 }, auth);
    assert.equal(cd.status, 200, cd.text);
    assert.ok(Date.parse(cd.json.question.closesAt) > Date.now() - 1_000);
    await eventually(
      async () => (await call(u, 'GET', `/v1/polls/${q.id}`)).json.poll.status === 'closed',
      'question closed by the countdown',
    );
    assertProblem(await call(u, 'POST', `/v1/polls/${q.id}/votes`, { optionIds: [q.options[0]!.id] }), 'poll_closed');
  });

  it('deleting an event frees its code and deletes its questions', async () => {
    const { ev, auth } = await create();
    assert.equal((await call(u, 'DELETE', `/v1/events/${ev.id}`, undefined, auth)).status, 204);
    assertProblem(await call(u, 'GET', `/v1/join/${ev.code}`), 'event_not_found');
    assertProblem(await call(u, 'GET', `/v1/polls/${ev.questions[0]!.id}`), 'poll_not_found');
  });
});
