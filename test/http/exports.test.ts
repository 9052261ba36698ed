/**
 * Answer exports (GET /v1/polls/{id}/export): CSV and NDJSON with one row per counted vote, voter
 * ids only in `open` mode, live polls, paging across store pages, and problem answers for bad input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportAnswers } from '../../src/core/vote-export.js';
import { call, createPoll, startTestApp, voteHeaders, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { assertProblem } from '../support/problem.js';

/** Parses RFC 4180 CSV with every cell quoted (what the export writes). */
function parseCsv(text: string): string[][] {
  assert.ok(text.endsWith('\r\n'), 'rows end with CRLF');
  return text
    .slice(0, -2)
    .split('\r\n')
    .map((line) => [...line.matchAll(/"((?:[^"]|"")*)"(?:,|$)/g)].map((m) => m[1]!.replace(/""/g, '"')));
}

describe('HTTP: answer exports', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.stop());

  const exportOf = (pollId: string, headers: Record<string, string>, query = '') => call(t.url, 'GET', `/v1/polls/${pollId}/export${query}`, undefined, headers);

  it('open mode: CSV and NDJSON carry every counted vote with receipt, choice, time and voter id', async () => {
    const { poll, ownerToken } = await createPoll(t.url, { identityMode: 'open', kind: 'multiple', maxChoices: 2, options: ['Tea', '=SUM(A1)', 'Say "hi", ok'] });
    const [a, b, c] = poll.options;
    const sent = [
      { voterId: 'ann', optionIds: [a!.id] },
      { voterId: '@bob', optionIds: [b!.id, c!.id] },
      { voterId: 'cy,"d"', optionIds: [c!.id] },
    ];
    const receipts = new Map<string, { receiptId: string; countedAt: string }>();
    for (const v of sent) {
      const r = await call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, v, voteHeaders(ownerToken));
      assert.equal(r.status, 201, r.text);
      receipts.set(v.voterId, { receiptId: r.json.receiptId, countedAt: r.json.countedAt });
    }
    const auth = { authorization: `Bearer ${ownerToken}` };

    const csv = await exportOf(poll.id, auth);
    assert.equal(csv.status, 200, csv.text);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(csv.headers.get('content-disposition') ?? '', new RegExp(`attachment; filename="pollcast-${poll.id}-answers\\.csv"`));
    const [header, ...rows] = parseCsv(csv.text);
    assert.deepEqual(header, ['receipt_id', 'option_ids', 'options', 'cast_at', 'voter_id']);
    assert.equal(rows.length, 3);
    const byVoter = new Map(rows.map((r) => [r[4]!, r]));
    // Cells a spreadsheet would run as a formula are defused with a leading '.
    assert.deepEqual(byVoter.get("'@bob"), [receipts.get('@bob')!.receiptId, `${b!.id};${c!.id}`, "'=SUM(A1); Say \"hi\", ok", receipts.get('@bob')!.countedAt, "'@bob"]);
    assert.deepEqual(byVoter.get('cy,"d"')!.slice(0, 4), [receipts.get('cy,"d"')!.receiptId, c!.id, 'Say "hi", ok', receipts.get('cy,"d"')!.countedAt]);

    const nd = await exportOf(poll.id, auth, '?format=ndjson');
    assert.equal(nd.status, 200, nd.text);
    assert.match(nd.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    const lines = nd.text.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 3);
    const ann = lines.find((l) => l.voterId === 'ann');
    assert.deepEqual(ann, { receiptId: receipts.get('ann')!.receiptId, optionIds: [a!.id], options: ['Tea'], castAt: receipts.get('ann')!.countedAt, voterId: 'ann' });
  });

  it('other identity modes: no voter identity in either format; a live poll exports what is counted so far', async () => {
    const { poll, ownerToken } = await createPoll(t.url);
    const auth = { authorization: `Bearer ${ownerToken}` };
    const empty = await exportOf(poll.id, auth);
    assert.equal(empty.status, 200);
    assert.deepEqual(parseCsv(empty.text), [['receipt_id', 'option_ids', 'options', 'cast_at']]);
    for (let i = 0; i < 4; i++) {
      // A new device each time (no cookie kept): four voters.
      const r = await call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[i % 3]!.id] });
      assert.equal(r.status, 201, r.text);
    }
    const csv = parseCsv((await exportOf(poll.id, auth)).text);
    assert.equal(csv.length, 5);
    assert.ok(csv.every((r) => r.length === 4));
    const nd = (await exportOf(poll.id, auth, '?format=ndjson')).text.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(nd.length, 4);
    assert.ok(nd.every((l) => !('voterId' in l)));
  });

  it('pages through the store: every vote once across pages of 2', async () => {
    const { poll, ownerToken } = await createPoll(t.url, { identityMode: 'open' });
    for (let i = 0; i < 7; i++) {
      const r = await call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, { voterId: `v${i}`, optionIds: [poll.options[0]!.id] }, voteHeaders(ownerToken));
      assert.equal(r.status, 201, r.text);
    }
    const full = (await t.app.ports.store.getPoll(poll.id))!;
    const pages: number[] = [];
    const voters: string[] = [];
    for await (const page of exportAnswers(t.app.ports.store, full, 2)) {
      pages.push(page.length);
      voters.push(...page.map((r) => r.voterId!));
    }
    assert.deepEqual(pages, [2, 2, 2, 1]);
    assert.deepEqual(voters, ['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
  });

  it('bad input and strangers: 400 unknown format or parameter, 401 no credential, 403 wrong token, 404 unknown poll', async () => {
    const { poll, ownerToken } = await createPoll(t.url);
    const auth = { authorization: `Bearer ${ownerToken}` };
    assertProblem(await exportOf(poll.id, auth, '?format=xml'), 'validation_failed');
    assertProblem(await exportOf(poll.id, auth, '?format=csv&since=0'), 'unknown_field');
    assertProblem(await exportOf(poll.id, {}), 'owner_token_required');
    assertProblem(await exportOf(poll.id, { authorization: 'Bearer pco_wrong' }), 'owner_token_invalid');
    assertProblem(await exportOf('222222222222', auth), 'poll_not_found');
    assertProblem(await exportOf('no-such-id!', auth), 'poll_not_found');
  });

  it('a rating poll: the value (and its label) in a value column, no option ids', async () => {
    const { poll, ownerToken } = await createPoll(t.url, { kind: 'rating', options: undefined, scale: { min: 1, max: 3, labels: ['Bad', 'OK', '=Great'] } });
    for (const value of [3, 1]) assert.equal((await call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, { value })).status, 201);
    const auth = { authorization: `Bearer ${ownerToken}` };
    const [header, ...rows] = parseCsv((await exportOf(poll.id, auth)).text);
    assert.deepEqual(header, ['receipt_id', 'option_ids', 'options', 'value', 'cast_at']);
    assert.deepEqual(rows.map((r) => [r[1], r[2], r[3]]).sort(), [['', "'=Great", '3'], ['', 'Bad', '1']]);
    const nd = (await exportOf(poll.id, auth, '?format=ndjson')).text.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(nd.map((l) => [l.optionIds, l.options, l.value]).sort(), [[[], ['=Great'], 3], [[], ['Bad'], 1]]);
  });
});

describe('HTTP: event exports and analytics', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.stop());

  const newEvent = async () => {
    const r = await call(t.url, 'POST', '/v1/events', {
      title: 'All hands',
      questions: [
        { question: 'Lunch?', options: ['Pizza', 'Salad'] },
        { question: 'Rank', kind: 'ranked', options: ['A', 'B', 'C'] },
        { question: 'Recommend us?', kind: 'nps' },
        { question: 'Nobody answers this', options: ['x', 'y'] },
      ],
    });
    assert.equal(r.status, 201, r.text);
    const auth = { authorization: `Bearer ${r.json.ownerToken}` };
    const ev = r.json.event as { id: string; code: string; questions: Array<{ id: string; options: Array<{ id: string }> }> };
    for (const q of ev.questions) assert.equal((await call(t.url, 'POST', `/v1/events/${ev.id}/questions/${q.id}/open`, undefined, auth)).status, 200);
    return { ev, auth };
  };
  const answer = async (pollId: string, body: unknown) => {
    const r = await call(t.url, 'POST', `/v1/polls/${pollId}/votes`, body);
    assert.equal(r.status, 201, r.text);
    return r.json.receiptId as string;
  };

  it('every answer of every question, in question order, as CSV and NDJSON, while the event is live', async () => {
    const { ev, auth } = await newEvent();
    const [lunch, rank, nps] = ev.questions;
    const receipts = new Set<string>();
    receipts.add(await answer(lunch!.id, { optionIds: [lunch!.options[1]!.id] }));
    receipts.add(await answer(lunch!.id, { optionIds: [lunch!.options[0]!.id] }));
    receipts.add(await answer(rank!.id, { optionIds: [rank!.options[2]!.id, rank!.options[0]!.id] }));
    for (const value of [10, 0, 7]) receipts.add(await answer(nps!.id, { value }));

    const csv = await call(t.url, 'GET', `/v1/events/${ev.id}/export`, undefined, auth);
    assert.equal(csv.status, 200, csv.text);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(csv.headers.get('content-disposition') ?? '', new RegExp(`filename="pollcast-event-${ev.code}-answers\\.csv"`));
    const [header, ...rows] = parseCsv(csv.text);
    assert.deepEqual(header, ['question_position', 'question_id', 'question', 'kind', 'receipt_id', 'option_ids', 'options', 'value', 'cast_at', 'voter_id']);
    assert.equal(rows.length, 6);
    assert.deepEqual(rows.map((r) => r[0]), ['1', '1', '2', '3', '3', '3'], 'question by question, in order');
    assert.deepEqual(new Set(rows.map((r) => r[4])), receipts, 'every receipt once');
    const ranked = rows.find((r) => r[3] === 'ranked')!;
    assert.deepEqual(ranked.slice(1, 8), [rank!.id, 'Rank', 'ranked', ranked[4], `${rank!.options[2]!.id};${rank!.options[0]!.id}`, 'C; A', '']);
    assert.deepEqual(rows.filter((r) => r[3] === 'nps').map((r) => Number(r[7])).sort((a, b) => a - b), [0, 7, 10]);
    assert.ok(rows.every((r) => r[9] === ''), 'no voter identity outside open mode');

    const nd = await call(t.url, 'GET', `/v1/events/${ev.id}/export?format=ndjson`, undefined, auth);
    assert.equal(nd.status, 200, nd.text);
    assert.match(nd.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    const lines = nd.text.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 6);
    const first = lines.find((l) => l.kind === 'ranked');
    assert.deepEqual({ ...first, receiptId: undefined, castAt: undefined }, {
      questionPosition: 2, questionId: rank!.id, question: 'Rank', kind: 'ranked', receiptId: undefined, optionIds: [rank!.options[2]!.id, rank!.options[0]!.id], options: ['C', 'A'], castAt: undefined,
    });
    assert.ok(lines.filter((l) => l.kind === 'nps').every((l) => Number.isInteger(l.value) && l.optionIds.length === 0 && !('voterId' in l)));

    // A question answered after the first export appears in the next one.
    receipts.add(await answer(ev.questions[3]!.id, { optionIds: [ev.questions[3]!.options[0]!.id] }));
    const again = parseCsv((await call(t.url, 'GET', `/v1/events/${ev.id}/export`, undefined, auth)).text);
    assert.equal(again.length, 8);
    assert.equal(again[7]![0], '4');
  });

  it('an event with no answers: the header alone; answers per minute of each question and in all', async () => {
    const { ev, auth } = await newEvent();
    const empty = await call(t.url, 'GET', `/v1/events/${ev.id}/export`, undefined, auth);
    assert.equal(empty.status, 200);
    assert.equal(parseCsv(empty.text).length, 1);
    assert.equal((await call(t.url, 'GET', `/v1/events/${ev.id}/export?format=ndjson`, undefined, auth)).text, '');
    await answer(ev.questions[0]!.id, { optionIds: [ev.questions[0]!.options[0]!.id] });
    await answer(ev.questions[0]!.id, { optionIds: [ev.questions[0]!.options[1]!.id] });
    await answer(ev.questions[2]!.id, { value: 9 });
    const a = await eventually(async () => {
      const r = await call(t.url, 'GET', `/v1/events/${ev.id}/analytics`, undefined, auth);
      assert.equal(r.status, 200, r.text);
      const total = (r.json.minutes as Array<{ votes: number }>).reduce((n, m) => n + m.votes, 0);
      return total === 3 ? r.json : undefined;
    }, 'the analytics consumer counted the three answers');
    assert.deepEqual(a.questions.map((q: { minutes: Array<{ votes: number }> }) => q.minutes.reduce((n, m) => n + m.votes, 0)), [2, 0, 1, 0]);
    assert.deepEqual(a.questions.map((q: { questionId: string }) => q.questionId), ev.questions.map((q) => q.id));
  });

  it('bad input and strangers: 400 unknown format or parameter, 401 no owner token (a session is none), 403 another event\'s token, 404 unknown event', async () => {
    const { ev, auth } = await newEvent();
    const other = await newEvent();
    for (const path of [`/v1/events/${ev.id}/export`, `/v1/events/${ev.id}/analytics`]) {
      assertProblem(await call(t.url, 'GET', path, undefined, {}), 'owner_token_required');
      assertProblem(await call(t.url, 'GET', path, undefined, other.auth), 'owner_token_invalid');
      assertProblem(await call(t.url, 'GET', path, undefined, { authorization: 'Bearer pco_wrong' }), 'owner_token_invalid');
      assertProblem(await call(t.url, 'GET', path.replace(ev.id, 'ev_AAAAAAAAAAAA'), undefined, auth), 'event_not_found');
    }
    assertProblem(await call(t.url, 'GET', `/v1/events/${ev.id}/export?format=xml`, undefined, auth), 'validation_failed');
    assertProblem(await call(t.url, 'GET', `/v1/events/${ev.id}/export?format=csv&since=0`, undefined, auth), 'unknown_field');
    assertProblem(await call(t.url, 'GET', `/v1/events/${ev.id}/export?format=`, undefined, auth), 'validation_failed');
    const bad = await call(t.url, 'GET', '/v1/events/nope/export', undefined, auth);
    assert.ok(bad.status === 400 || bad.status === 404, bad.text);
  });
});
