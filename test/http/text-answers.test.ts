/**
 * Open-text questions over HTTP: answers with {"text"}, every bad input as its own 4xx (and nothing
 * counted), the word cloud in the results, the manager's feed, hide (the answer leaves the cloud
 * and the feed's shown answers) and pre-moderation, HTML kept as text, and one voter's flood
 * moving the cloud by one voter's worth at most.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startTestApp, type TestApp } from '../support/app.js';
import { assertProblem } from '../support/problem.js';
import type { ErrorCode } from '../../src/errors.js';

interface Results {
  version: number;
  total: number;
  answers?: number;
  words?: Array<{ word: string; count: number }>;
}
interface Feed {
  answers: Array<{ answerId: string; text: string; state: string; approved: boolean; hidden: boolean }>;
}

describe('HTTP: open-text questions and the word cloud', () => {
  let t: TestApp;
  let u: string;
  before(async () => {
    t = await startTestApp();
    u = t.url;
  });
  after(() => t.stop());

  const createText = async (extra: Record<string, unknown> = {}) => {
    const r = await call(u, 'POST', '/v1/polls', { question: 'One word for today?', kind: 'text', ...extra });
    assert.equal(r.status, 201, r.text);
    return { id: r.json.poll.id as string, auth: { authorization: `Bearer ${r.json.ownerToken as string}` }, poll: r.json.poll };
  };
  const answer = (pollId: string, body: unknown, headers: Record<string, string> = {}) => call(u, 'POST', `/v1/polls/${pollId}/votes`, body, headers);
  const results = async (pollId: string) => (await call<Results>(u, 'GET', `/v1/polls/${pollId}/results`)).json;
  const cloud = async (pollId: string) => Object.fromEntries((await results(pollId)).words!.map((w) => [w.word, w.count]));
  const feed = async (pollId: string, auth: Record<string, string>) => (await call<Feed>(u, 'GET', `/v1/polls/${pollId}/answers`, undefined, auth)).json.answers;

  it('creates a text question with its defaults; options, a scale or quiz fields are refused', async () => {
    const { poll } = await createText();
    assert.equal(poll.kind, 'text');
    assert.deepEqual(poll.text, { maxLength: 200, maxAnswers: 1, moderation: 'post', profanityFilter: false });
    assertProblem(await call(u, 'POST', '/v1/polls', { question: 'Q', kind: 'text', options: ['a', 'b'] }), 'invalid_poll');
    assertProblem(await call(u, 'POST', '/v1/polls', { question: 'Q', kind: 'text', maxLength: 0 }), 'validation_failed');
    assertProblem(await call(u, 'POST', '/v1/polls', { question: 'Q', kind: 'text', maxAnswers: 11 }), 'validation_failed');
    assertProblem(await call(u, 'POST', '/v1/polls', { question: 'Q', kind: 'text', allowChange: true }), 'invalid_poll');
    assertProblem(await call(u, 'POST', '/v1/polls', { question: 'Q', options: ['a', 'b'], maxAnswers: 2 }), 'invalid_poll');
  });

  it('counts an answer: 201 with its answerId and text; the cloud counts its words, normalized', async () => {
    const { id } = await createText({ maxAnswers: 3 });
    const r = await answer(id, { text: '  The Café is GREAT, café!  ' });
    assert.equal(r.status, 201, r.text);
    assert.match(r.json.answerId, /^r_/);
    assert.equal(r.json.text, 'The Café is GREAT, café!');
    // NFD input: the same word as the NFC one.
    const r2 = await answer(id, { text: 'Cafe\u0301 and great people' });
    assert.equal(r2.status, 201, r2.text);
    assert.deepEqual(await cloud(id), { café: 2, great: 2, people: 1 });
    const res = await results(id);
    assert.equal(res.total, 2);
    assert.equal(res.answers, 2);
  });

  it('every bad answer gets a 4xx problem with its own code and counts nothing', async () => {
    const { id } = await createText({ maxLength: 10 });
    const choice = (await call(u, 'POST', '/v1/polls', { question: 'Tea?', options: ['Tea', 'Coffee'] })).json.poll.id as string;
    const cases: Array<[string, unknown, ErrorCode]> = [
      [id, {}, 'text_required'],
      [id, { text: '' }, 'text_required'],
      [id, { text: '   \u200b  ' }, 'text_required'],
      [id, { text: 'x'.repeat(11) }, 'text_too_long'],
      [id, { text: '\u202e\u202d' }, 'text_invalid'],
      [id, { text: 'a\u0000b' }, 'text_invalid'],
      [id, { text: 'ok\u2066' }, 'text_invalid'],
      [id, { text: '\ud800' }, 'text_invalid'],
      [id, { text: 'fine', optionIds: ['a'] }, 'options_not_accepted'],
      [id, { text: 'fine', value: 3 }, 'value_not_accepted'],
      [id, { text: 1 }, 'validation_failed'],
      [id, { text: 'x'.repeat(9000) }, 'validation_failed'],
      [choice, { text: 'hello' }, 'text_not_accepted'],
    ];
    for (const [pollId, body, code] of cases) assertProblem(await answer(pollId, body), code, JSON.stringify(body).slice(0, 40));
    const res = await results(id);
    assert.equal(res.total, 0);
    assert.deepEqual(res.words, []);
  });

  it('HTML is stored and returned as text, never changed or refused', async () => {
    const { id, auth } = await createText();
    for (const html of ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>']) {
      const r = await answer(id, { text: html });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.text, html);
    }
    const texts = (await feed(id, auth)).map((a) => a.text).sort();
    assert.deepEqual(texts, ['<img src=x onerror=alert(1)>', '<script>alert(1)</script>']);
  });

  it('one voter: up to maxAnswers answers, then 409; a flood of one word moves it by at most one voter\'s worth', async () => {
    const { id } = await createText({ maxAnswers: 2 });
    const first = await answer(id, { text: 'spam spam SPAM spam' });
    assert.equal(first.status, 201);
    const token = first.json.voterToken as string;
    const flood = await Promise.all(Array.from({ length: 30 }, () => answer(id, { text: 'spam spam' }, { 'x-voter-token': token })));
    const statuses = flood.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 201).length, 1, `one more answer counted: ${statuses.join(',')}`);
    for (const r of flood.filter((x) => x.status !== 201)) assertProblem(r, 'already_voted');
    assert.deepEqual(await cloud(id), { spam: 2 });
    const res = await results(id);
    assert.equal(res.total, 1);
    assert.equal(res.answers, 2);
  });

  it('stop words and one-letter words stay out of the cloud; the profanity list too when asked', async () => {
    const { id } = await createText({ profanityFilter: true, maxAnswers: 2 });
    await answer(id, { text: 'I think that it is a shit show' });
    assert.deepEqual(await cloud(id), { think: 1, show: 1 });
  });

  it('the feed is the manager\'s; hide takes the answer out of the cloud and the shown feed at once', async () => {
    const { id, auth } = await createText();
    const a = await answer(id, { text: 'rockets are great' });
    await answer(id, { text: 'great coffee' });
    assert.equal((await call(u, 'GET', `/v1/polls/${id}/answers`)).status, 401);
    assertProblem(await call(u, 'GET', `/v1/polls/${id}/answers`, undefined, { authorization: 'Bearer pco_wrong' }), 'owner_token_invalid');
    const before = await results(id);
    assert.deepEqual(await cloud(id), { great: 2, rockets: 1, coffee: 1 });
    const hidden = await call(u, 'POST', `/v1/polls/${id}/answers/${a.json.answerId as string}/hide`, undefined, auth);
    assert.equal(hidden.status, 200, hidden.text);
    assert.equal(hidden.json.state, 'hidden');
    const after = await results(id);
    assert.ok(after.version > before.version, 'the version grows, so live screens update');
    assert.deepEqual(await cloud(id), { great: 1, coffee: 1 });
    assert.equal(after.answers, 1);
    const f = await feed(id, auth);
    assert.equal(f.find((x) => x.answerId === a.json.answerId)!.hidden, true);
    // Hiding again changes nothing; unknown answers and non-managers are refused.
    await call(u, 'POST', `/v1/polls/${id}/answers/${a.json.answerId as string}/hide`, undefined, auth);
    assert.deepEqual(await cloud(id), { great: 1, coffee: 1 });
    assertProblem(await call(u, 'POST', `/v1/polls/${id}/answers/r_nope/hide`, undefined, auth), 'answer_not_found');
    assert.equal((await call(u, 'POST', `/v1/polls/${id}/answers/${a.json.answerId as string}/hide`)).status, 401);
    // Approving a hidden answer shows it again.
    await call(u, 'POST', `/v1/polls/${id}/answers/${a.json.answerId as string}/approve`, undefined, auth);
    assert.deepEqual(await cloud(id), { great: 2, rockets: 1, coffee: 1 });
  });

  it('pre-moderation: answers wait, out of the cloud, until the presenter approves them', async () => {
    const { id, auth } = await createText({ moderation: 'pre' });
    const a = await answer(id, { text: 'waiting words' });
    assert.equal(a.status, 201);
    assert.deepEqual(await cloud(id), {});
    assert.equal((await feed(id, auth))[0]!.state, 'pending');
    const ok = await call(u, 'POST', `/v1/polls/${id}/answers/${a.json.answerId as string}/approve`, undefined, auth);
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(await cloud(id), { waiting: 1, words: 1 });
    const f = (await feed(id, auth))[0]!;
    assert.equal(f.state, 'shown');
    assert.equal(f.approved, true);
  });

  it('500 voters at once: 500 answers, each word counted once per answer', async () => {
    const { id, auth } = await createText();
    const rs = await Promise.all(Array.from({ length: 500 }, (_, i) => answer(id, { text: `surge word${i % 10}` })));
    assert.deepEqual([...new Set(rs.map((r) => r.status))], [201]);
    const c = await cloud(id);
    assert.equal(c.surge, 500);
    for (let i = 0; i < 10; i++) assert.equal(c[`word${i}`], 50);
    assert.equal((await results(id)).total, 500);
    const f = await call<Feed>(u, 'GET', `/v1/polls/${id}/answers?limit=200`, undefined, auth);
    assert.equal(f.status, 200, f.text);
    assert.equal(f.json.answers.length, 200);
  });
});
