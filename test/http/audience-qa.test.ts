/**
 * Audience Q&A over HTTP: asking (named, anonymous, pre-moderated), upvoting once per voter and
 * taking it back, the owner's moderation, both orders, the event stream carrying the visible
 * questions live, per-voter limits, and every bad input as a 4xx problem with its own code —
 * nothing stored for any of them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { assertProblem } from '../support/problem.js';
import { SseStream } from '../support/sse.js';
import type { Json } from '../support/json.js';

describe('HTTP: audience Q&A', () => {
  let t: TestApp;
  let u: string;
  before(async () => {
    t = await startTestApp();
    u = t.url;
  });
  after(() => t.stop());

  const create = async (qa?: Record<string, unknown>) => {
    const r = await call(u, 'POST', '/v1/events', { title: 'Town hall', questions: [{ question: 'Ready?', options: ['Yes', 'No'] }], ...(qa ? { qa } : {}) });
    assert.equal(r.status, 201, r.text);
    return { id: r.json.event.id as string, event: r.json.event, auth: { authorization: `Bearer ${r.json.ownerToken as string}` } };
  };
  const base = (id: string) => `/v1/events/${id}/questions-from-audience`;
  const ask = (id: string, body: unknown, headers: Record<string, string> = {}) => call(u, 'POST', base(id), body, headers);
  const list = async (id: string, query = '', headers: Record<string, string> = {}) => {
    const r = await call(u, 'GET', base(id) + query, undefined, headers);
    assert.equal(r.status, 200, r.text);
    return r.json as { questions: Json[]; upvoted: string[]; counts: { pending: number; visible: number; hidden: number }; settings: Json };
  };
  const upvote = (id: string, qid: string, token?: string, method = 'POST') =>
    call(u, method, `${base(id)}/${qid}/upvote`, undefined, token ? { 'x-voter-token': token } : {});

  it('asks anonymously or named; the answer carries the question and a new voter token (also as the cookie); the voter is never shown', async () => {
    const { id, event } = await create();
    assert.deepEqual(event.qa, { enabled: true, names: 'optional', moderation: 'post' });
    const a = await ask(id, { text: '  Why is the sky blue?  ' });
    assert.equal(a.status, 201, a.text);
    assert.equal(a.json.question.text, 'Why is the sky blue?');
    assert.equal(a.json.question.name, null);
    assert.equal(a.json.question.state, 'visible');
    assert.equal(a.json.question.upvotes, 0);
    assert.match(a.json.voterToken, /^v1\./);
    assert.match(a.headers.get('set-cookie') ?? '', /pollcast_voter=v1\./);
    // The same voter asks again with its token: no new token.
    const b = await ask(id, { text: 'Cats or dogs?', name: 'Ada' }, { 'x-voter-token': a.json.voterToken });
    assert.equal(b.status, 201, b.text);
    assert.equal(b.json.question.name, 'Ada');
    assert.equal(b.json.voterToken, undefined);
    const l = await list(id);
    assert.equal(l.questions.length, 2);
    assert.deepEqual(l.counts, { pending: 0, visible: 2, hidden: 0 });
    for (const q of l.questions) assert.deepEqual(Object.keys(q).sort(), ['answered', 'createdAt', 'id', 'name', 'pinned', 'state', 'text', 'upvotes']);
    assert.doesNotMatch(JSON.stringify(l), /d:|voterKey|voter_key/);
  });

  it('HTML is kept as typed (it is text, shown as text), never refused nor rewritten', async () => {
    const { id } = await create();
    const html = '<script>alert(1)</script><img src=x onerror="alert(2)">';
    const a = await ask(id, { text: html, name: '<b>bold</b>' });
    assert.equal(a.status, 201, a.text);
    assert.equal(a.json.question.text, html);
    assert.equal((await list(id)).questions[0].name, '<b>bold</b>');
  });

  it('every bad input is a 4xx problem with its own code, and nothing is stored', async () => {
    const { id, auth } = await create();
    const bad: Array<[unknown, Parameters<typeof assertProblem>[1]]> = [
      [{ text: '' }, 'qa_text_invalid'],
      [{ text: '   \u200b\u00a0 ' }, 'qa_text_invalid'],
      [{ text: '\u0001\u0002' }, 'qa_text_invalid'],
      [{ text: '\u202e' }, 'qa_text_invalid'],
      [{ text: '\u2066\u2069' }, 'qa_text_invalid'],
      [{ text: 'Hello\u202eworld' }, 'qa_text_invalid'],
      [{ text: 'line\nbreak' }, 'qa_text_invalid'],
      [{ text: 'lone \ud800 surrogate' }, 'qa_text_invalid'],
      [{ text: 'x'.repeat(301) }, 'qa_text_too_long'],
      [{ text: 'ok', name: 'n'.repeat(41) }, 'qa_name_invalid'],
      [{ text: 'ok', name: 'Eve\u202e' }, 'qa_name_invalid'],
      [{}, 'validation_failed'],
      [{ text: 42 }, 'validation_failed'],
      [{ text: 'x'.repeat(5_000) }, 'validation_failed'],
      [{ text: 'ok', voterId: 'me' }, 'unknown_field'],
    ];
    for (const [body, code] of bad) assertProblem(await ask(id, body), code, JSON.stringify(body).slice(0, 60));
    // Exactly 300 characters (after trimming) is fine: the limit is inclusive.
    assert.equal((await ask(id, { text: ' ' + 'y'.repeat(300) + ' ' })).status, 201);
    assertProblem(await ask('ev_AAAAAAAAAAAA', { text: 'hi' }), 'event_not_found');
    assertProblem(await ask('nope', { text: 'hi' }), 'event_not_found');
    assertProblem(await ask(id, { text: 'hi' }, { 'x-voter-token': 'v1.forged.token' }), 'voter_token_invalid');
    // Upvotes of what cannot be upvoted.
    assertProblem(await upvote(id, 'aq_AAAAAAAAAAAA'), 'audience_question_not_found');
    assertProblem(await upvote(id, 'not-an-id'), 'audience_question_not_found');
    assertProblem(await upvote('ev_AAAAAAAAAAAA', 'aq_AAAAAAAAAAAA'), 'event_not_found');
    // Moderation needs the owner token; a bad body is refused.
    const qid = (await list(id)).questions[0].id as string;
    assertProblem(await call(u, 'PATCH', `${base(id)}/${qid}`, { pinned: true }), 'owner_token_required');
    assertProblem(await call(u, 'PATCH', `${base(id)}/${qid}`, { pinned: true }, { authorization: 'Bearer pco_wrong' }), 'owner_token_invalid');
    assertProblem(await call(u, 'PATCH', `${base(id)}/${qid}`, {}, auth), 'validation_failed');
    assertProblem(await call(u, 'PATCH', `${base(id)}/${qid}`, { state: 'pending' }, auth), 'validation_failed');
    assertProblem(await call(u, 'PATCH', `${base(id)}/aq_AAAAAAAAAAAA`, { pinned: true }, auth), 'audience_question_not_found');
    // Other states and bad queries.
    assertProblem(await call(u, 'GET', `${base(id)}?state=pending`), 'owner_token_required');
    assertProblem(await call(u, 'GET', `${base(id)}?sort=best`), 'validation_failed');
    assertProblem(await call(u, 'GET', `${base(id)}?limit=0`), 'validation_failed');
    assertProblem(await call(u, 'GET', `${base(id)}?limit=ten`), 'validation_failed');
    assert.equal((await call(u, 'GET', `${base(id)}?limit=9999&sort=recent`)).status, 200);
    const l = await list(id);
    assert.equal(l.questions.length, 1, 'only the 300-character question was stored');
    assert.equal(l.questions[0].upvotes, 0);
  });

  it('names as the event allows: required, or off (anonymous only)', async () => {
    const named = await create({ names: 'required' });
    assertProblem(await ask(named.id, { text: 'Who?' }), 'qa_name_required');
    assertProblem(await ask(named.id, { text: 'Who?', name: '   ' }), 'qa_name_required');
    assert.equal((await ask(named.id, { text: 'Who?', name: 'Grace' })).status, 201);
    const anon = await create({ names: 'off' });
    assertProblem(await ask(anon.id, { text: 'Who?', name: 'Grace' }), 'qa_name_not_allowed');
    assert.equal((await ask(anon.id, { text: 'Who?' })).status, 201);
    // Switched off by the owner: no new question; the list stays readable.
    const r = await call(u, 'PATCH', `/v1/events/${anon.id}`, { qa: { enabled: false } }, anon.auth);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.event.qa, { enabled: false, names: 'off', moderation: 'post' });
    assertProblem(await ask(anon.id, { text: 'Still there?' }), 'qa_closed');
    assert.equal((await list(anon.id)).questions.length, 1);
    assertProblem(await call(u, 'PATCH', `/v1/events/${anon.id}`, { qa: { names: 'maybe' } }, anon.auth), 'validation_failed');
    assertProblem(await call(u, 'PATCH', `/v1/events/${anon.id}`, { qa: { enabled: true } }), 'owner_token_required');
  });

  it('upvote once per voter: a second upvote is 409 already_upvoted with the count, un-upvote is idempotent, re-upvote counts again', async () => {
    const { id } = await create();
    const q = (await ask(id, { text: 'Upvote me' })).json.question.id as string;
    const first = await upvote(id, q);
    assert.equal(first.status, 200, first.text);
    assert.deepEqual({ ...first.json, voterToken: undefined }, { questionId: q, upvoted: true, upvotes: 1, voterToken: undefined });
    const token = first.json.voterToken as string;
    assert.match(token, /^v1\./);
    const again = await upvote(id, q, token);
    assertProblem(again, 'already_upvoted');
    assert.equal(again.json.upvotes, 1);
    assert.deepEqual((await list(id, '', { 'x-voter-token': token })).upvoted, [q]);
    assert.deepEqual((await list(id)).upvoted, [], 'a reader with no token has upvoted nothing');
    const other = await upvote(id, q);
    assert.equal(other.json.upvotes, 2);
    const down = await upvote(id, q, token, 'DELETE');
    assert.equal(down.status, 200, down.text);
    assert.deepEqual(down.json, { questionId: q, upvoted: false, upvotes: 1 });
    const downAgain = await upvote(id, q, token, 'DELETE');
    assert.deepEqual(downAgain.json, { questionId: q, upvoted: false, upvotes: 1 });
    assert.equal((await upvote(id, q, token)).json.upvotes, 2);
    assert.equal((await t.app.qaStore.get(id, q))?.upvotes, 2);
    assert.equal(await t.app.qaStore.countMismatches(id), 0);
  });

  it('pre-moderation: questions wait for approval; hide, pin and answered reorder the list; top and recent orders', async () => {
    const { id, auth } = await create({ moderation: 'pre' });
    const ids: string[] = [];
    for (const text of ['First', 'Second', 'Third']) {
      const r = await ask(id, { text });
      assert.equal(r.json.question.state, 'pending');
      ids.push(r.json.question.id as string);
    }
    const [a, b, c] = ids as [string, string, string];
    assert.equal((await list(id)).questions.length, 0, 'the audience sees no pending question');
    assertProblem(await upvote(id, a), 'audience_question_not_found');
    const pending = await list(id, '?state=pending', auth);
    assert.equal(pending.questions.length, 3);
    assert.deepEqual(pending.counts, { pending: 3, visible: 0, hidden: 0 });
    for (const q of ids) {
      const r = await call(u, 'PATCH', `${base(id)}/${q}`, { state: 'visible' }, auth);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.question.state, 'visible');
    }
    // b gets 2 upvotes, c gets 1: top is b, c, a; recent is c, b, a.
    await upvote(id, b);
    await upvote(id, b);
    await upvote(id, c);
    const texts = async (q: string) => (await list(id, q)).questions.map((x) => x.id as string);
    assert.deepEqual(await texts('?sort=top'), [b, c, a]);
    assert.deepEqual(await texts(''), [b, c, a], 'top is the default');
    assert.deepEqual(await texts('?sort=recent'), [c, b, a]);
    assert.deepEqual(await texts('?sort=recent&limit=2'), [c, b]);
    // Pinned goes first; answered goes last; hidden leaves the audience's list and loses its pin.
    await call(u, 'PATCH', `${base(id)}/${a}`, { pinned: true }, auth);
    await call(u, 'PATCH', `${base(id)}/${b}`, { answered: true }, auth);
    assert.deepEqual(await texts('?sort=top'), [a, c, b]);
    assert.deepEqual(await texts('?sort=recent'), [a, c, b]);
    const hidden = await call(u, 'PATCH', `${base(id)}/${a}`, { state: 'hidden' }, auth);
    assert.equal(hidden.json.question.pinned, false);
    assert.deepEqual(await texts('?sort=top'), [c, b]);
    assertProblem(await upvote(id, a), 'audience_question_not_found');
    const all = await list(id, '?state=all', auth);
    assert.deepEqual(all.counts, { pending: 0, visible: 2, hidden: 1 });
    assert.equal(all.questions.length, 3);
  });

  it('the event stream carries the visible questions live: asked, upvoted, moderated; never pending ones; ids never go back', async () => {
    const { id, auth } = await create();
    const phone = await SseStream.open(`${u}/v1/events/${id}/stream`);
    const last = () => JSON.parse(phone.events.filter((e) => e.event === 'event').at(-1)?.data ?? 'null');
    try {
      await phone.waitFor((e) => e.event === 'event');
      assert.deepEqual(last().qa.questions, []);
      const q = (await ask(id, { text: 'Live?' })).json.question.id as string;
      await eventually(() => last().qa.questions.length === 1, 'the question arrives');
      await upvote(id, q);
      await eventually(() => last().qa.questions[0].upvotes === 1, 'the upvote arrives');
      await call(u, 'PATCH', `${base(id)}/${q}`, { pinned: true }, auth);
      await eventually(() => last().qa.questions[0].pinned === true, 'the pin arrives');
      await call(u, 'PATCH', `/v1/events/${id}`, { qa: { moderation: 'pre' } }, auth);
      await eventually(() => last().qa.settings.moderation === 'pre', 'the settings arrive');
      const p = (await ask(id, { text: 'Pending one' })).json.question.id as string;
      await eventually(() => last().qa.counts.pending === 1, 'the pending count arrives');
      assert.equal(last().qa.questions.length, 1, 'the pending question is not pushed');
      await call(u, 'PATCH', `${base(id)}/${p}`, { state: 'visible' }, auth);
      await eventually(() => last().qa.questions.length === 2, 'the approved question arrives');
      await call(u, 'PATCH', `${base(id)}/${q}`, { state: 'hidden' }, auth);
      await eventually(() => last().qa.questions.length === 1 && last().qa.questions[0].id === p, 'the hidden question leaves');
      const ids = phone.events.filter((e) => e.event === 'event').map((e) => Number(e.id));
      // Never back (a push at the same id happens when only the audience count changed).
      assert.deepEqual(ids, [...ids].sort((x, y) => x - y));
    } finally {
      await phone.close();
    }
  });

  it('deleting the event deletes its questions', async () => {
    const { id, auth } = await create();
    const q = (await ask(id, { text: 'Gone soon' })).json.question.id as string;
    assert.equal((await call(u, 'DELETE', `/v1/events/${id}`, undefined, auth)).status, 204);
    assert.equal(await t.app.qaStore.get(id, q), null);
    assertProblem(await ask(id, { text: 'Anyone?' }), 'event_not_found');
  });
});

describe('HTTP: audience Q&A limits per voter', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ QA_QUESTIONS_PER_VOTER_PER_MIN: '3', QA_UPVOTES_PER_VOTER_PER_MIN: '4' });
  });
  after(() => t.stop());

  it('a voter past its question or upvote budget gets 429 rate_limited with Retry-After; other voters are unaffected', async () => {
    const ev = await call(t.url, 'POST', '/v1/events', { title: 'Limits', questions: [] });
    const id = ev.json.event.id as string;
    const path = `/v1/events/${id}/questions-from-audience`;
    const first = await call(t.url, 'POST', path, { text: 'q0' });
    const token = first.json.voterToken as string;
    const h = { 'x-voter-token': token };
    for (let i = 1; i < 3; i++) assert.equal((await call(t.url, 'POST', path, { text: `q${i}` }, h)).status, 201);
    const over = await call(t.url, 'POST', path, { text: 'one too many' }, h);
    assertProblem(over, 'rate_limited');
    assert.ok(Number(over.headers.get('retry-after')) >= 1);
    assert.equal((await call(t.url, 'POST', path, { text: 'someone else' })).status, 201);
    const qs = (await call(t.url, 'GET', `${path}?sort=recent`)).json.questions as Array<{ id: string }>;
    assert.equal(qs.length, 4, 'the refused question was not stored');
    // Upvotes: 4 per minute, un-upvotes included.
    const statuses: number[] = [];
    for (const q of qs) statuses.push((await call(t.url, 'POST', `${path}/${q.id}/upvote`, undefined, h)).status);
    assert.deepEqual(statuses, [200, 200, 200, 200]);
    assertProblem(await call(t.url, 'DELETE', `${path}/${qs[0]!.id}/upvote`, undefined, h), 'rate_limited');
    const after = (await call(t.url, 'GET', path)).json.questions as Array<{ upvotes: number }>;
    assert.deepEqual(after.map((q) => q.upvotes), [1, 1, 1, 1]);
  });
});
