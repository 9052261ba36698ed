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
import Database from 'better-sqlite3';
import { verifyInclusion } from '../../src/domain/receipt-merkle.js';
import { call, createPoll, startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
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
    const sibling = answer.proof[0].hash as string;
    const flipped = { ...answer, proof: [{ ...answer.proof[0], hash: (sibling[0] === '0' ? '1' : '0') + sibling.slice(1) }, ...answer.proof.slice(1)] };
    writeFileSync(join(dir, 'tampered-proof.json'), JSON.stringify(flipped));
    const badProof = verifyCli(join(dir, 'tampered-proof.json'), c.json.root);
    assert.equal(badProof.status, 1, 'a tampered proof is refused: ' + badProof.stdout + badProof.stderr);
    writeFileSync(join(dir, 'swapped-side.json'), JSON.stringify({ ...answer, proof: answer.proof.map((p: { side: string }) => ({ ...p, side: p.side === 'left' ? 'right' : 'left' })) }));
    assert.equal(verifyCli(join(dir, 'swapped-side.json'), c.json.root).status, 1, 'a proof with its sides swapped is refused');
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

  const close = (pollId: string, ownerToken: string) => call(t.url, 'POST', `/v1/polls/${pollId}/close`, undefined, { authorization: `Bearer ${ownerToken}` });
  const stored = (pollId: string) => t.app.ports.store.getCommitments(pollId);

  it('published at close without anyone asking, then fixed: a late vote is refused, and votes written into the database after the close change neither the root nor the count', async () => {
    const { poll, ownerToken } = await createPoll(t.url);
    const votes = [];
    for (let i = 0; i < 4; i++) votes.push({ ...(await vote(poll.id, poll.options[i % 2]!.id)), optionId: poll.options[i % 2]!.id });
    assert.equal((await close(poll.id, ownerToken)).status, 200);
    // The worker seals the close from its poll.status event: stored before any read of it.
    const [sealed] = await eventually(async () => ((await stored(poll.id)).length > 0 ? stored(poll.id) : undefined), 'the commitment is stored at close');
    assert.equal(sealed!.count, 4);
    const c = await call(t.url, 'GET', `/v1/polls/${poll.id}/commitment`);
    assert.equal(c.status, 200, c.text);
    assert.deepEqual([c.json.root, c.json.count, c.json.earlier], [sealed!.root, 4, undefined]);
    assert.equal(c.json.publishedAt, new Date(sealed!.publishedAt).toISOString());

    // A vote after the close is refused, and the commitment does not move.
    assertProblem(await call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0]!.id] }), 'poll_closed');
    assert.deepEqual((await call(t.url, 'GET', `/v1/polls/${poll.id}/commitment`)).json, c.json);
    if (t.backend !== 'embedded') return; // the rest writes into the SQLite file directly

    // The operator adds and alters votes in the database after the close, and restarts the server.
    await t.app.shutdown('test');
    const db = new Database(join(t.dataDir, 'pollcast.db'));
    db.prepare('INSERT INTO votes (poll_id, voter_id, option_ids, receipt_id, cast_at, changes) VALUES (?, ?, ?, ?, ?, 0)').run(poll.id, 'd:stuffed', poll.options[2]!.id, 'r_stuffed', Date.now());
    db.close();
    t = await startTestApp({ DATA_DIR: t.dataDir }); // stopped (and its directory removed) by after()
    const after = await call(t.url, 'GET', `/v1/polls/${poll.id}/commitment`);
    assert.equal(after.status, 200, after.text);
    assert.deepEqual(after.json, c.json, 'the root and count published at close stand');
    // Proofs are not given against a root the stored votes no longer lead to.
    const r = await check(votes[0]!.receiptId, votes[0]!.receiptKey);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual([r.json.counted, r.json.proof, r.json.proofUnavailable, r.json.commitment.root], [true, undefined, 'votes_changed_since_close', c.json.root]);
  });

  it('a scheduled close (and a presenter\'s countdown) publishes its commitment by itself; proofs verify against the stored root', async () => {
    const { poll } = await createPoll(t.url, { closesAt: new Date(Date.now() + 1_500).toISOString() });
    const v = await vote(poll.id, poll.options[1]!.id);
    await vote(poll.id, poll.options[0]!.id);
    const [sealed] = await eventually(async () => ((await stored(poll.id)).length > 0 ? stored(poll.id) : undefined), 'the scheduled close stores a commitment', 10_000);
    assert.equal(sealed!.count, 2);
    const r = await check(v.receiptId, v.receiptKey);
    assert.equal(r.json.commitment.root, sealed!.root);
    assert.ok(verifyInclusion(v.receiptId, [poll.options[1]!.id], r.json.proof, sealed!.root));

    const ev = await call(t.url, 'POST', '/v1/events', { title: 'Countdown', questions: [{ question: 'Now?', options: ['Yes', 'No'] }] });
    assert.equal(ev.status, 201, ev.text);
    const auth = { authorization: `Bearer ${ev.json.ownerToken}` };
    const q = ev.json.event.questions[0];
    assert.equal((await call(t.url, 'POST', `/v1/events/${ev.json.event.id}/questions/${q.id}/open`, undefined, auth)).status, 200);
    const answered = await vote(q.id, q.options[0].id);
    assert.equal((await call(t.url, 'POST', `/v1/events/${ev.json.event.id}/questions/${q.id}/countdown`, { seconds: 1 }, auth)).status, 200);
    const [counted] = await eventually(async () => ((await stored(q.id)).length > 0 ? stored(q.id) : undefined), 'the countdown stores a commitment at zero', 10_000);
    assert.equal(counted!.count, 1);
    const proof = await check(answered.receiptId, answered.receiptKey);
    assert.ok(verifyInclusion(answered.receiptId, [q.options[0].id], proof.json.proof, counted!.root));
  });

  it('reopened and closed again: a second commitment, the first one kept and listed in earlier', async () => {
    const { poll, ownerToken } = await createPoll(t.url);
    await vote(poll.id, poll.options[0]!.id);
    await close(poll.id, ownerToken);
    const first = await call(t.url, 'GET', `/v1/polls/${poll.id}/commitment`);
    assert.equal(first.json.count, 1);
    assert.equal((await call(t.url, 'POST', `/v1/polls/${poll.id}/open`, undefined, { authorization: `Bearer ${ownerToken}` })).status, 200);
    assertProblem(await call(t.url, 'GET', `/v1/polls/${poll.id}/commitment`), 'poll_not_closed');
    const late = await vote(poll.id, poll.options[1]!.id);
    await close(poll.id, ownerToken);
    const second = await call(t.url, 'GET', `/v1/polls/${poll.id}/commitment`);
    assert.equal(second.status, 200, second.text);
    assert.equal(second.json.count, 2);
    assert.notEqual(second.json.root, first.json.root);
    assert.deepEqual(second.json.earlier, [first.json], "the first close's commitment is unchanged");
    const r = await check(late.receiptId, late.receiptKey);
    assert.ok(verifyInclusion(late.receiptId, [poll.options[1]!.id], r.json.proof, second.json.root));
    assert.deepEqual((await stored(poll.id)).map((x) => x.count), [1, 2]);
  });
});
