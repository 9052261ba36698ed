/**
 * Verifiable receipts: GET /v1/receipts/{receiptId} with the voter's Receipt-Key; the commitment a
 * closed poll publishes (GET /v1/polls/{id}/commitment); the inclusion proof, checked here and by
 * `pollcast verify` as a real child process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifyInclusion } from '../../src/domain/receipt-merkle.js';
import { call, createPoll, startTestApp, type TestApp } from '../support/app.js';
import { assertProblem } from '../support/problem.js';

describe('HTTP: verifiable receipts', () => {
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), 'pollcast-receipts-'));
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const vote = async (pollId: string, optionId: string, headers: Record<string, string> = {}) => {
    const r = await call(t.url, 'POST', `/v1/polls/${pollId}/votes`, { optionIds: [optionId] }, headers);
    assert.equal(r.status, 201, r.text);
    assert.match(r.json.receiptKey, /^rk1\./);
    return r.json as { receiptId: string; receiptKey: string; voterToken: string };
  };
  const check = (receiptId: string, key?: string) => call(t.url, 'GET', `/v1/receipts/${encodeURIComponent(receiptId)}`, undefined, key === undefined ? {} : { 'receipt-key': key });
  const verifyCli = (file: string, root?: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'verify', file, ...(root ? ['--root', root] : [])], { encoding: 'utf8', timeout: 60_000 });

  it('the voter sees counted + choice with the key; without it, or with another key, nothing', async () => {
    const { poll } = await createPoll(t.url);
    const mine = await vote(poll.id, poll.options[1]!.id);
    const other = await vote(poll.id, poll.options[0]!.id);
    const r = await check(mine.receiptId, mine.receiptKey);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual({ ...r.json, countedAt: undefined }, { receiptId: mine.receiptId, pollId: poll.id, counted: true, optionIds: [poll.options[1]!.id], countedAt: undefined });
    assert.equal(r.json.proof, undefined, 'no proof while the poll is open');
    assertProblem(await check(mine.receiptId), 'receipt_key_required');
    assertProblem(await check(mine.receiptId, other.receiptKey), 'receipt_not_found');
    assertProblem(await check('r_unknown', mine.receiptKey), 'receipt_not_found');
    assertProblem(await check(mine.receiptId, mine.receiptKey.slice(0, -2) + 'xx'), 'receipt_not_found');
    assertProblem(await check(mine.receiptId, 'rk1.bm9wZQ.AAAA'), 'receipt_not_found');
    assertProblem(await check(mine.receiptId, 'x'.repeat(2_000)), 'validation_failed');
  });

  it('a changed vote: the old receipt says not counted, the new one counted', async () => {
    const { poll } = await createPoll(t.url, { allowChange: true });
    const first = await vote(poll.id, poll.options[0]!.id);
    const second = await vote(poll.id, poll.options[2]!.id, { 'x-voter-token': first.voterToken });
    assert.notEqual(first.receiptId, second.receiptId);
    assert.equal((await check(first.receiptId, first.receiptKey)).json.counted, false);
    const now = await check(second.receiptId, second.receiptKey);
    assert.deepEqual([now.json.counted, now.json.optionIds], [true, [poll.options[2]!.id]]);
  });

  it('on close: a commitment over every vote, a proof per receipt that verifies (here and with `pollcast verify`), and a tampered one that does not', async () => {
    const { poll, ownerToken } = await createPoll(t.url);
    const votes: Array<{ receiptId: string; receiptKey: string; voterToken: string; optionId: string }> = [];
    for (let i = 0; i < 5; i++) votes.push({ ...(await vote(poll.id, poll.options[i % 3]!.id)), optionId: poll.options[i % 3]!.id });
    assertProblem(await call(t.url, 'GET', `/v1/polls/${poll.id}/commitment`), 'poll_not_closed');
    assert.equal((await call(t.url, 'POST', `/v1/polls/${poll.id}/close`, undefined, { authorization: `Bearer ${ownerToken}` })).status, 200);
    const c = await call(t.url, 'GET', `/v1/polls/${poll.id}/commitment`);
    assert.equal(c.status, 200, c.text);
    assert.equal(c.json.count, 5);
    assert.equal(c.json.scheme, 'sha256-merkle-v1');
    assert.match(c.json.root, /^[0-9a-f]{64}$/);
    assert.deepEqual((await call(t.url, 'GET', `/v1/polls/${poll.id}/commitment`)).json, c.json, 'the same commitment when asked again');

    for (const v of votes) {
      const r = await check(v.receiptId, v.receiptKey);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json.commitment, c.json);
      assert.ok(verifyInclusion(v.receiptId, [v.optionId], r.json.proof, c.json.root), 'the proof leads to the published root');
    }

    const answer = (await check(votes[0]!.receiptId, votes[0]!.receiptKey)).json;
    const file = join(dir, 'receipt.json');
    writeFileSync(file, JSON.stringify(answer));
    const ok = verifyCli(file, c.json.root);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^included: receipt r_/);
    // Claiming another choice, or another root, fails.
    const other = poll.options.find((o) => o.id !== votes[0]!.optionId)!.id;
    writeFileSync(join(dir, 'tampered.json'), JSON.stringify({ ...answer, optionIds: [other] }));
    const bad = verifyCli(join(dir, 'tampered.json'), c.json.root);
    assert.equal(bad.status, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /^NOT INCLUDED/);
    const wrongRoot = verifyCli(file, 'f'.repeat(64));
    assert.equal(wrongRoot.status, 1, wrongRoot.stdout);
    writeFileSync(join(dir, 'junk.json'), '{"receiptId": 1}');
    assert.equal(verifyCli(join(dir, 'junk.json')).status, 2);
  });

  it('a poll whose results only its owner sees: no commitment for others, and no proof in the receipt', async () => {
    const { poll, ownerToken } = await createPoll(t.url, { resultsVisibility: 'owner_only' });
    const v = await vote(poll.id, poll.options[0]!.id);
    await call(t.url, 'POST', `/v1/polls/${poll.id}/close`, undefined, { authorization: `Bearer ${ownerToken}` });
    assertProblem(await call(t.url, 'GET', `/v1/polls/${poll.id}/commitment`), 'results_hidden');
    assert.equal((await call(t.url, 'GET', `/v1/polls/${poll.id}/commitment`, undefined, { authorization: `Bearer ${ownerToken}` })).json.count, 1);
    const r = await check(v.receiptId, v.receiptKey);
    assert.deepEqual([r.json.counted, r.json.proof], [true, undefined]);
    assertProblem(await call(t.url, 'GET', '/v1/polls/222222222222/commitment'), 'poll_not_found');
  });
});
