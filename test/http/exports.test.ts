/**
 * Answer exports (GET /v1/polls/{id}/export): CSV and NDJSON with one row per counted vote, voter
 * ids only in `open` mode, live polls, paging across store pages, and problem answers for bad input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportAnswers } from '../../src/core/vote-export.js';
import { call, createPoll, startTestApp, voteHeaders, type TestApp } from '../support/app.js';
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
});
