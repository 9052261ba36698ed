/**
 * Idempotency-Key on votes: a retry gets the first answer byte for byte and counts nothing; the
 * same key with another body is 422; concurrent requests with one key count one vote.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createPoll, startTestApp, type TestApp } from '../support/app.js';
import { assertProblem } from '../support/problem.js';

describe('HTTP: Idempotency-Key', () => {
  let t: TestApp;
  let u: string;
  before(async () => {
    t = await startTestApp();
    u = t.url;
  });
  after(() => t.stop());

  const vote = (pollId: string, body: unknown, headers: Record<string, string> = {}) => call(u, 'POST', `/v1/polls/${pollId}/votes`, body, headers);
  const total = async (pollId: string) => (await call(u, 'GET', `/v1/polls/${pollId}/results`)).json.total as number;

  it('a retry with the same key returns the first answer byte for byte (less the voter token) and counts nothing', async () => {
    const { poll } = await createPoll(u);
    const body = { optionIds: [poll.options[1]!.id] };
    const key = { 'idempotency-key': 'retry-1' };
    const first = await vote(poll.id, body, key);
    assert.equal(first.status, 201, first.text);
    const token = first.json.voterToken as string;
    assert.match(token, /^v1\./, 'the request that made the voter is told its token');
    const { voterToken: _, ...receipt } = first.json as Record<string, unknown>;
    for (let i = 0; i < 3; i++) {
      const again = await vote(poll.id, body, key);
      assert.equal(again.status, first.status);
      assert.equal(again.text, JSON.stringify(receipt), 'the stored answer, byte for byte');
      assert.equal(again.headers.get('content-type'), first.headers.get('content-type'));
      assert.equal(again.headers.get('set-cookie'), null, 'no voter cookie for a replay');
    }
    assert.equal(await t.app.ports.store.countVotes(poll.id), 1);
    assert.equal(await total(poll.id), 1);
  });

  it('a replay never hands the voter token to a request that did not present it (body or cookie)', async () => {
    // Whoever learns a device voter's Idempotency-Key must not become that voter: with the token
    // one could read and change the vote.
    const { poll } = await createPoll(u, { allowChange: true });
    const [a, b] = poll.options;
    const key = { 'idempotency-key': 'leak-1' };
    const first = await vote(poll.id, { optionIds: [a!.id] }, key);
    assert.equal(first.status, 201);
    const stolen = await vote(poll.id, { optionIds: [a!.id] }, key);
    assert.equal(stolen.status, 201);
    assert.equal(stolen.json.receiptId, first.json.receiptId);
    assert.equal(stolen.json.voterToken, undefined, 'no token in the replayed body');
    assert.ok(!stolen.text.includes(first.json.voterToken as string), 'the token appears nowhere in the body');
    assert.equal(stolen.headers.get('set-cookie'), null, 'no token in a cookie');
    // The real voter still holds its vote: its token changes it.
    const changed = await vote(poll.id, { optionIds: [b!.id] }, { 'x-voter-token': first.json.voterToken as string });
    assert.equal(changed.status, 201, changed.text);
    assert.equal(changed.json.changed, true);
  });

  it('the first answer is replayed even when it was a 409, and even after the poll closed', async () => {
    const { poll, ownerToken } = await createPoll(u);
    const a = poll.options[0]!.id;
    const token = (await vote(poll.id, { optionIds: [a] })).json.voterToken as string;
    const headers = { 'x-voter-token': token, 'idempotency-key': 'dup-1' };
    const dup = await vote(poll.id, { optionIds: [a] }, headers);
    assertProblem(dup, 'already_voted');
    const ok = await vote(poll.id, { optionIds: [a] }, { 'idempotency-key': 'new-voter-1' });
    assert.equal(ok.status, 201);

    await call(u, 'POST', `/v1/polls/${poll.id}/close`, undefined, { authorization: `Bearer ${ownerToken}` });
    const dupAgain = await vote(poll.id, { optionIds: [a] }, headers);
    assert.equal(dupAgain.status, 409);
    assert.equal(dupAgain.text, dup.text);
    const okAgain = await vote(poll.id, { optionIds: [a] }, { 'idempotency-key': 'new-voter-1' });
    assert.equal(okAgain.status, 201, 'a retry of a counted vote is still 201 after the close');
    // The new voter's replay is the stored answer: the receipt without the voter token.
    const { voterToken: _, ...receipt } = ok.json as Record<string, unknown>;
    assert.equal(okAgain.text, JSON.stringify(receipt));
    assertProblem(await vote(poll.id, { optionIds: [a] }, { 'idempotency-key': 'new-voter-2' }), 'poll_closed', 'a new key after the close');
    assert.equal(await t.app.ports.store.countVotes(poll.id), 2);
  });

  it('the same key with a different body → 422 idempotency_key_reused, nothing counted', async () => {
    const { poll } = await createPoll(u);
    const [a, b] = poll.options;
    const key = { 'idempotency-key': 'reuse-1' };
    assert.equal((await vote(poll.id, { optionIds: [a!.id] }, key)).status, 201);
    assertProblem(await vote(poll.id, { optionIds: [b!.id] }, key), 'idempotency_key_reused', 'other option');
    assertProblem(await vote(poll.id, { optionIds: [a!.id] }, { ...key, 'x-voter-token': 'v1.someone.else' }), 'voter_token_invalid', 'bad token first');
    assert.equal(await t.app.ports.store.countVotes(poll.id), 1);
    assert.equal(await total(poll.id), 1);
  });

  it('the same key on another poll is another request', async () => {
    const p1 = await createPoll(u);
    const p2 = await createPoll(u);
    const key = { 'idempotency-key': 'shared-key' };
    const r1 = await vote(p1.poll.id, { optionIds: [p1.poll.options[0]!.id] }, key);
    const r2 = await vote(p2.poll.id, { optionIds: [p2.poll.options[0]!.id] }, key);
    assert.equal(r1.status, 201);
    assert.equal(r2.status, 201);
    assert.notEqual(r1.json.receiptId, r2.json.receiptId);
  });

  it('a malformed key → 400 idempotency_key_invalid, nothing counted', async () => {
    const { poll } = await createPoll(u);
    const body = { optionIds: [poll.options[0]!.id] };
    for (const key of ['has space', 'k'.repeat(256), '', '\u00e9t\u00e9', 'tab\there']) {
      assertProblem(await vote(poll.id, body, { 'idempotency-key': key }), 'idempotency_key_invalid', JSON.stringify(key).slice(0, 30));
    }
    assert.equal((await vote(poll.id, body, { 'idempotency-key': 'k'.repeat(255) })).status, 201, '255 visible characters are fine');
    assert.equal(await t.app.ports.store.countVotes(poll.id), 1);
  });

  it('concurrent requests with one key all get the identical answer; one vote is counted', async () => {
    const { poll } = await createPoll(u);
    const body = { optionIds: [poll.options[2]!.id] };
    const answers = await Promise.all(Array.from({ length: 40 }, () => vote(poll.id, body, { 'idempotency-key': 'burst-1' })));
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([201]));
    // The request whose vote was stored is told its voter token; every other one gets the stored bytes.
    const withToken = answers.filter((a) => a.json.voterToken !== undefined);
    assert.equal(withToken.length, 1, 'exactly one answer carries the token');
    const stored = answers.filter((a) => a.json.voterToken === undefined);
    assert.equal(new Set(stored.map((a) => a.text)).size, 1, 'byte-identical replays');
    const { voterToken: _, ...receipt } = withToken[0]!.json as Record<string, unknown>;
    assert.equal(stored[0]!.text, JSON.stringify(receipt));
    assert.equal(await t.app.ports.store.countVotes(poll.id), 1);
    assert.equal(await total(poll.id), 1);
  });

  it('concurrent requests with one key and two bodies: one wins, the other body gets 422', async () => {
    const { poll } = await createPoll(u);
    const [a, b] = poll.options;
    const key = { 'idempotency-key': 'burst-2' };
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => vote(poll.id, { optionIds: [(i % 2 ? a : b)!.id] }, key).then((r) => ({ r, option: (i % 2 ? a : b)!.id }))),
    );
    const won = answers.filter((x) => x.r.status === 201);
    const lost = answers.filter((x) => x.r.status !== 201);
    assert.ok(won.length > 0);
    assert.equal(new Set(won.map((x) => x.option)).size, 1, 'every 201 is for the same body');
    // Byte-identical but for the voter token, which only the request that made the voter gets.
    const withoutToken = won.map((x) => JSON.stringify({ ...(x.r.json as Record<string, unknown>), voterToken: undefined }));
    assert.equal(new Set(withoutToken).size, 1, 'and byte-identical');
    assert.equal(won.filter((x) => x.r.json.voterToken !== undefined).length, 1, 'one carries the token');
    for (const x of lost) {
      assertProblem(x.r, 'idempotency_key_reused');
      assert.notEqual(x.option, won[0]!.option);
    }
    assert.equal(await t.app.ports.store.countVotes(poll.id), 1);
  });
});
