/** opensAt / closesAt: the server refuses votes outside the window and flips the status on time by itself. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createPoll, startTestApp, type TestApp } from '../support/app.js';
import { assertProblem } from '../support/problem.js';
import { eventually } from '../support/eventually.js';
import { SseStream } from '../support/sse.js';


// The times ahead (3–5 s) leave a machine at load 20 room to create the poll before its time: with
// 0.8–1.5 s, creating it there took longer and got 422 "closesAt must be in the future".
describe('HTTP: scheduled open and close', { concurrency: true }, () => {
  let t: TestApp;
  let u: string;
  before(async () => {
    t = await startTestApp({ SCHEDULER_INTERVAL_MS: '200' });
    u = t.url;
  });
  after(() => t.stop());

  const status = async (pollId: string) => (await call(u, 'GET', `/v1/polls/${pollId}`)).json.poll.status as string;
  const stored = async (pollId: string) => (await t.app.ports.store.getPoll(pollId))!.status;

  it('a poll with opensAt ahead is a draft that refuses votes, then opens by itself and takes votes', async () => {
    const opensAt = new Date(Date.now() + 4_000).toISOString();
    const { poll } = await createPoll(u, { opensAt });
    const a = poll.options[0]!.id;
    assert.equal(poll.status, 'draft');
    assert.equal((poll as { opensAt?: string }).opensAt, opensAt);
    const early = await call(u, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [a] });
    assertProblem(early, 'poll_not_open');
    assert.equal(early.json.opensAt, opensAt);
    const stream = await SseStream.open(`${u}/v1/polls/${poll.id}/results/stream`);
    try {
      const first = await stream.waitFor((e) => e.event === 'results');
      assert.equal(JSON.parse(first.data).status, 'draft');

      // Nobody calls anything: the scheduler flips the stored status, and viewers are told.
      await eventually(async () => (await stored(poll.id)) === 'open', 'the stored status flipping to open', 15_000);
      assert.ok(Date.now() >= Date.parse(opensAt), 'not before its time');
      assert.equal(await status(poll.id), 'open');
      await stream.waitFor((e) => e.event === 'results' && JSON.parse(e.data).status === 'open', 3_000, 'an open status pushed');

      const r = await call(u, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [a] });
      assert.equal(r.status, 201, r.text);
      assert.equal(await t.app.ports.store.countVotes(poll.id), 1);
    } finally {
      await stream.close();
    }
  });

  it('a poll with closesAt ahead takes votes, then closes by itself and refuses them', async () => {
    const closesAt = new Date(Date.now() + 4_000).toISOString();
    const { poll } = await createPoll(u, { closesAt });
    const a = poll.options[0]!.id;
    assert.equal(poll.status, 'open');
    assert.equal((await call(u, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [a] })).status, 201);

    await eventually(async () => (await stored(poll.id)) === 'closed', 'the stored status flipping to closed', 15_000);
    assert.ok(Date.now() >= Date.parse(closesAt), 'not before its time');
    assert.equal(await status(poll.id), 'closed');
    assertProblem(await call(u, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [a] }), 'poll_closed');
    const results = (await call(u, 'GET', `/v1/polls/${poll.id}/results`)).json;
    assert.equal(results.status, 'closed');
    assert.equal(results.total, 1);
    assert.equal(await t.app.ports.store.countVotes(poll.id), 1);
  });

  it('after_close results become public when the scheduled close passes', async () => {
    const closesAt = new Date(Date.now() + 3_000).toISOString();
    const { poll } = await createPoll(u, { closesAt, resultsVisibility: 'after_close' });
    assertProblem(await call(u, 'GET', `/v1/polls/${poll.id}/results`), 'results_hidden');
    await eventually(async () => (await call(u, 'GET', `/v1/polls/${poll.id}/results`)).status === 200, 'results becoming visible', 15_000);
  });

  it('a window in one poll: opens, then closes, all by itself', async () => {
    const now = Date.now();
    const { poll } = await createPoll(u, { opensAt: new Date(now + 3_000).toISOString(), closesAt: new Date(now + 5_000).toISOString() });
    assert.equal(poll.status, 'draft');
    await eventually(async () => (await stored(poll.id)) === 'open', 'opening', 15_000);
    await eventually(async () => (await stored(poll.id)) === 'closed', 'closing', 15_000);
  });
});

describe('HTTP: the scheduler hears of new polls at once', () => {
  let t: TestApp;
  before(async () => {
    // An interval far beyond the test: only the notice sent on create can wake the scheduler in time.
    t = await startTestApp({ SCHEDULER_INTERVAL_MS: '60000' });
  });
  after(() => t.stop());

  it('closes a poll created with a near closesAt without waiting for its next tick', async () => {
    const { poll } = await createPoll(t.url, { closesAt: new Date(Date.now() + 700).toISOString() });
    // Well under the 60 s interval, with room for a loaded CI machine (PostgreSQL took > 6 s there
    // with three suites running): waiting for the next tick would take 60 s and fail this.
    await eventually(async () => (await t.app.ports.store.getPoll(poll.id))!.status === 'closed', 'the stored status flipping to closed', 20_000);
  });
});
