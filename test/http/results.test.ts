/** Results snapshots: their shape, and who may see them (live / after_close / owner_only). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createPoll, startTestApp, type TestApp } from '../support/app.js';
import { assertProblem } from '../support/problem.js';
import { SseStream } from '../support/sse.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('HTTP: results', () => {
  let t: TestApp;
  let u: string;
  before(async () => {
    t = await startTestApp();
    u = t.url;
  });
  after(() => t.stop());

  const vote = (pollId: string, optionId: string) => call(u, 'POST', `/v1/polls/${pollId}/votes`, { optionIds: [optionId] });

  it('have the shape {pollId, version, total, options:[{id, votes}]} in the poll order', async () => {
    const { poll } = await createPoll(u);
    const empty = await call(u, 'GET', `/v1/polls/${poll.id}/results`);
    assert.equal(empty.status, 200, empty.text);
    assert.match(empty.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(empty.headers.get('cache-control'), 'no-store');
    const r0 = empty.json;
    assert.equal(r0.pollId, poll.id);
    assert.ok(Number.isInteger(r0.version));
    assert.equal(r0.total, 0);
    assert.equal(r0.status, 'open');
    assert.deepEqual(
      r0.options,
      poll.options.map((o) => ({ id: o.id, votes: 0 })),
    );

    await vote(poll.id, poll.options[1]!.id);
    await vote(poll.id, poll.options[1]!.id);
    await vote(poll.id, poll.options[2]!.id);
    const r1 = (await call(u, 'GET', `/v1/polls/${poll.id}/results`)).json;
    assert.equal(r1.total, 3);
    assert.ok(r1.version > r0.version, 'version grows with the counts');
    assert.deepEqual(
      r1.options.map((o: { votes: number }) => o.votes),
      [0, 2, 1],
    );
    assert.deepEqual(Object.keys(r1).sort(), ['options', 'pollId', 'status', 'total', 'updatedAt', 'version']);
  });

  it('the version also moves when the status changes', async () => {
    const { poll, ownerToken } = await createPoll(u);
    const before = (await call(u, 'GET', `/v1/polls/${poll.id}/results`)).json;
    await call(u, 'POST', `/v1/polls/${poll.id}/close`, undefined, bearer(ownerToken));
    const after = (await call(u, 'GET', `/v1/polls/${poll.id}/results`)).json;
    assert.equal(after.status, 'closed');
    assert.ok(after.version > before.version);
  });

  it('live: anyone sees them at any time', async () => {
    const { poll } = await createPoll(u, { resultsVisibility: 'live' });
    await vote(poll.id, poll.options[0]!.id);
    const r = await call(u, 'GET', `/v1/polls/${poll.id}/results`);
    assert.equal(r.status, 200);
    assert.equal(r.json.total, 1);
  });

  it('after_close: 403 results_hidden until the poll closes; the owner sees them with Bearer or ?ownerToken', async () => {
    const { poll, ownerToken } = await createPoll(u, { resultsVisibility: 'after_close' });
    await vote(poll.id, poll.options[0]!.id);
    const path = `/v1/polls/${poll.id}/results`;
    assertProblem(await call(u, 'GET', path), 'results_hidden', 'public while open');
    assertProblem(await call(u, 'GET', path, undefined, bearer('pco_not-the-owner')), 'results_hidden', 'a wrong token');
    const stream = await SseStream.open(u + path + '/stream');
    assert.equal(stream.status, 403);
    assert.equal(JSON.parse(stream.errorText!).code, 'results_hidden');

    const owner = await call(u, 'GET', path, undefined, bearer(ownerToken));
    assert.equal(owner.status, 200, owner.text);
    assert.equal(owner.json.total, 1);
    const ownerQuery = await call(u, 'GET', `${path}?ownerToken=${encodeURIComponent(ownerToken)}`);
    assert.equal(ownerQuery.status, 200);

    await call(u, 'POST', `/v1/polls/${poll.id}/close`, undefined, bearer(ownerToken));
    const pub = await call(u, 'GET', path);
    assert.equal(pub.status, 200, pub.text);
    assert.equal(pub.json.total, 1);
    assert.equal(pub.json.status, 'closed');
  });

  it('owner_only: hidden from everyone else, even after the close', async () => {
    const { poll, ownerToken } = await createPoll(u, { resultsVisibility: 'owner_only' });
    await vote(poll.id, poll.options[1]!.id);
    const path = `/v1/polls/${poll.id}/results`;
    assertProblem(await call(u, 'GET', path), 'results_hidden', 'open');
    assert.equal((await call(u, 'GET', path, undefined, bearer(ownerToken))).json.total, 1);
    await call(u, 'POST', `/v1/polls/${poll.id}/close`, undefined, bearer(ownerToken));
    assertProblem(await call(u, 'GET', path), 'results_hidden', 'closed');
    assert.equal((await call(u, 'GET', path, undefined, bearer(ownerToken))).status, 200);
  });

  it('unknown poll → 404 poll_not_found; unknown query field → 400 unknown_field', async () => {
    assertProblem(await call(u, 'GET', '/v1/polls/222222222222/results'), 'poll_not_found');
    const { poll } = await createPoll(u);
    assertProblem(await call(u, 'GET', `/v1/polls/${poll.id}/results?owner=1`), 'unknown_field');
  });
});
