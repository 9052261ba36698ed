/**
 * Quizzes over HTTP: quiz questions in an event (correct options hidden until close), nicknames
 * (taken and offensive ones refused), points on the server's clock, late answers refused with
 * answer_too_late and nothing scored, the leaderboard (ranks, the tie rule, each answer scored
 * once under a concurrent surge) and a phone's own standing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { assertProblem } from '../support/problem.js';

interface Question {
  id: string;
  kind: string;
  status: string;
  options: Array<{ id: string; text: string }>;
  quiz?: { timeLimitSec: number; maxPoints: number; minPoints: number; correctOptionIds?: string[] };
}
interface Entry {
  nickname: string;
  score: number;
  rank: number;
  correct: number;
  answered: number;
}

const QUIZ = [
  { question: 'Capital of France?', kind: 'quiz', timeLimitSec: 30, options: [{ text: 'Paris', correct: true }, 'Lyon', 'Nice'] },
  { question: '2 + 2?', kind: 'quiz', timeLimitSec: 30, options: ['3', { text: '4', correct: true }] },
];

describe('HTTP: quizzes', () => {
  let t: TestApp;
  let u: string;
  before(async () => {
    t = await startTestApp();
    u = t.url;
  });
  after(() => t.stop());

  const create = async (questions: unknown[] = QUIZ) => {
    const r = await call<{ event: { id: string; questions: Question[] }; ownerToken: string }>(u, 'POST', '/v1/events', { title: 'Pub quiz', questions });
    assert.equal(r.status, 201, r.text);
    return { ev: r.json.event, auth: { authorization: `Bearer ${r.json.ownerToken}` } };
  };
  const join = async (eventId: string, nickname: string, token?: string) =>
    call(u, 'POST', `/v1/events/${eventId}/players`, { nickname }, token ? { 'x-voter-token': token } : {});
  const answer = (qid: string, optionIds: string[], token: string) => call(u, 'POST', `/v1/polls/${qid}/votes`, { optionIds }, { 'x-voter-token': token });
  const board = async (eventId: string) => {
    const r = await call<Entry[]>(u, 'GET', `/v1/events/${eventId}/leaderboard?limit=999`);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };

  it('creating: correct options are required and never shown before the question closes', async () => {
    assertProblem(await call(u, 'POST', '/v1/polls', { question: 'Q', kind: 'quiz', options: ['a', 'b'] }), 'invalid_poll');
    assertProblem(await call(u, 'POST', '/v1/polls', { question: 'Q', kind: 'quiz', options: [{ text: 'a', correct: true }, 'b'], timeLimitSec: 2 }), 'validation_failed');
    assertProblem(await call(u, 'POST', '/v1/polls', { question: 'Q', kind: 'quiz', options: [{ text: 'a', correct: true }, 'b'], allowChange: true }), 'invalid_poll');
    const { ev, auth } = await create();
    const q = ev.questions[0]!;
    assert.equal(q.kind, 'quiz');
    assert.deepEqual(q.quiz, { timeLimitSec: 30, maxPoints: 1000, minPoints: 500 });
    const opened = await call(u, 'POST', `/v1/events/${ev.id}/questions/${q.id}/open`, undefined, auth);
    assert.equal(opened.status, 200, opened.text);
    const poll = (await call(u, 'GET', `/v1/polls/${q.id}`)).json.poll as Question & { closesAt: string; opensAt: string };
    assert.equal(poll.quiz!.correctOptionIds, undefined);
    assert.equal(Date.parse(poll.closesAt) - Date.parse(poll.opensAt), 30_000, 'the time limit runs from the opening');
    const res = await call(u, 'GET', `/v1/polls/${q.id}/results`);
    assert.equal(res.json.correctOptionIds, undefined);
    await call(u, 'POST', `/v1/events/${ev.id}/questions/${q.id}/close`, undefined, auth);
    const closed = await call(u, 'GET', `/v1/polls/${q.id}/results`);
    assert.deepEqual(closed.json.correctOptionIds, [q.options[0]!.id]);
    assert.deepEqual((await call(u, 'GET', `/v1/polls/${q.id}`)).json.poll.quiz.correctOptionIds, [q.options[0]!.id]);
  });

  it('nicknames: one per phone, taken (any case or accent) → 409, offensive or blank → 422', async () => {
    const { ev } = await create();
    const a = await join(ev.id, 'Zoë');
    assert.equal(a.status, 201, a.text);
    assert.ok(a.json.voterToken, 'a phone without a token is issued one');
    assertProblem(await join(ev.id, 'zoe'), 'nickname_taken');
    assertProblem(await join(ev.id, 'ZOË'), 'nickname_taken');
    for (const bad of ['fuck', 'Sh1t head', 'f.u.c.k', 'b1tch']) assertProblem(await join(ev.id, bad), 'nickname_offensive', bad);
    for (const bad of ['', '   ', 'x'.repeat(25), 'a\u202eb', 'tab\there']) assertProblem(await join(ev.id, bad), 'nickname_invalid', JSON.stringify(bad));
    // The same phone may change its own nickname.
    const again = await join(ev.id, 'Zoe the great', a.json.voterToken as string);
    assert.equal(again.status, 201, again.text);
    assert.equal(again.json.voterToken, undefined);
    assertProblem(await call(u, 'POST', '/v1/events/ev_AAAAAAAAAAAA/players', { nickname: 'x' }), 'event_not_found');
  });

  it('points fall with server time; wrong answers score 0; late answers → 409 answer_too_late, nothing scored', async () => {
    const { ev, auth } = await create();
    const [q1, q2] = ev.questions as [Question, Question];
    const ann = (await join(ev.id, 'Ann')).json.voterToken as string;
    const bob = (await join(ev.id, 'Bob')).json.voterToken as string;
    const cat = (await join(ev.id, 'Cat')).json.voterToken as string;
    // Not open yet.
    assertProblem(await answer(q1.id, [q1.options[0]!.id], ann), 'poll_not_open');
    await call(u, 'POST', `/v1/events/${ev.id}/questions/${q1.id}/open`, undefined, auth);
    const r = await answer(q1.id, [q1.options[0]!.id], ann);
    assert.equal(r.status, 201, r.text);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal((await answer(q1.id, [q1.options[0]!.id], bob)).status, 201);
    assert.equal((await answer(q1.id, [q1.options[1]!.id], cat)).status, 201);
    // A second answer of the same phone is refused and scores nothing.
    assertProblem(await answer(q1.id, [q1.options[1]!.id], ann), 'already_voted');
    let b = await board(ev.id);
    const by = Object.fromEntries(b.map((e) => [e.nickname, e]));
    assert.ok(by.Ann!.score <= 1000 && by.Ann!.score > by.Bob!.score, `faster scores more: ${JSON.stringify(b)}`);
    assert.ok(by.Bob!.score >= 500);
    assert.equal(by.Cat!.score, 0);
    assert.deepEqual(b.map((e) => e.nickname), ['Ann', 'Bob', 'Cat']);
    assert.deepEqual(b.map((e) => e.rank), [1, 2, 3]);
    // A countdown of 1 s: after it, the server refuses the answer whatever the client thinks.
    await call(u, 'POST', `/v1/events/${ev.id}/questions/${q2.id}/open`, undefined, auth);
    assert.equal((await call(u, 'POST', `/v1/events/${ev.id}/questions/${q2.id}/countdown`, { seconds: 1 }, auth)).status, 200);
    assert.equal((await answer(q2.id, [q2.options[1]!.id], cat)).status, 201);
    await new Promise((res) => setTimeout(res, 1200));
    assertProblem(await answer(q2.id, [q2.options[1]!.id], ann), 'answer_too_late');
    assertProblem(await answer(q2.id, [q2.options[1]!.id], bob), 'answer_too_late');
    b = await board(ev.id);
    assert.equal(b.find((e) => e.nickname === 'Ann')!.answered, 1);
    assert.equal(b[0]!.nickname, 'Ann');
    const me = await call(u, 'GET', `/v1/events/${ev.id}/leaderboard/me`, undefined, { 'x-voter-token': cat });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.nickname, 'Cat');
    assert.equal(me.json.players, 3);
    assert.equal(me.json.rank, b.find((e) => e.nickname === 'Cat')!.rank);
    assert.equal(me.json.score, b.find((e) => e.nickname === 'Cat')!.score);
    assertProblem(await call(u, 'GET', `/v1/events/${ev.id}/leaderboard/me`), 'not_found');
  });

  it('a surge of 400 phones on one question: every acknowledged answer scored exactly once', async () => {
    const { ev, auth } = await create([QUIZ[0]]);
    const q = ev.questions[0]!;
    await call(u, 'POST', `/v1/events/${ev.id}/questions/${q.id}/open`, undefined, auth);
    const tokens = await Promise.all(
      Array.from({ length: 400 }, async (_, i) => {
        const r = await join(ev.id, `Player ${i}`);
        assert.equal(r.status, 201, r.text);
        return r.json.voterToken as string;
      }),
    );
    // Each phone sends its answer twice at once (a retry storm): one counts.
    const rs = await Promise.all(tokens.flatMap((tk, i) => [answer(q.id, [q.options[i % 3]!.id], tk), answer(q.id, [q.options[i % 3]!.id], tk)]));
    const acked = rs.filter((r) => r.status === 201).length;
    assert.deepEqual([...new Set(rs.map((r) => r.status))].sort(), [201, 409], rs.find((r) => r.status !== 201 && r.status !== 409)?.text);
    assert.equal(acked, 400);
    const b = await board(ev.id);
    assert.equal(b.length, 400);
    assert.equal(b.reduce((n, e) => n + e.answered, 0), 400, 'one scored answer per acknowledged answer');
    const correct = b.filter((e) => e.correct === 1).length;
    assert.equal(correct, Math.ceil(400 / 3));
    await eventually(async () => (await call(u, 'GET', `/v1/polls/${q.id}/results`)).json.total === 400, 'results show 400 answers');
    // Ranks never go down the list and ties share one.
    for (let i = 1; i < b.length; i++) assert.ok(b[i]!.rank >= b[i - 1]!.rank && b[i]!.score <= b[i - 1]!.score);
  });
});
