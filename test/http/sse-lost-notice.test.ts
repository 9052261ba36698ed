/**
 * Live results converge even when a notice is lost. Notices are lossy by contract (Redis pub/sub
 * drops what is published while a subscriber reconnects); here a vote is committed straight
 * through the store, so no notice is ever sent for it. The stream must still show the stored
 * tally shortly after the last push, without another vote.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createPoll, startTestApp, voteHeaders, type TestApp } from '../support/app.js';
import { SseStream } from '../support/sse.js';

describe('HTTP: live results after a lost notice', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ RESULTS_PUSH_INTERVAL_MS: '100' });
  });
  after(() => t.stop());

  it('a vote committed without a notice reaches viewers within a few seconds', async () => {
    const { poll, ownerToken } = await createPoll(t.url, { identityMode: 'open' });
    const [a, b] = poll.options;
    const s = await SseStream.open(`${t.url}/v1/polls/${poll.id}/results/stream`);
    try {
      await s.waitFor((e) => e.event === 'results');
      const r = await call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [a!.id], voterId: 'with-notice' }, voteHeaders(ownerToken));
      assert.equal(r.status, 201, r.text);
      await s.waitFor((e) => e.event === 'results' && JSON.parse(e.data).total === 1, 3_000, 'the noticed vote');

      // Committed, but nobody is told: as if its notice had been lost on the way.
      const outcomes = await t.app.ports.store.recordVotes(
        [{ pollId: poll.id, voterId: 'o:silent', optionIds: [b!.id], receiptId: 'r_silent', at: Date.now() }],
        () => ({ status: 201, requestHash: '', body: '{}' }),
      );
      assert.equal(outcomes[0]!.kind, 'counted');

      const seen = await s.waitFor((e) => e.event === 'results' && JSON.parse(e.data).total === 2, 5_000, 'the silent vote on the stream');
      const last = JSON.parse(seen.data) as { options: Array<{ id: string; votes: number }> };
      assert.deepEqual(
        last.options.filter((o) => o.votes > 0).map((o) => o.id),
        [a!.id, b!.id],
      );
      assert.equal(await t.app.ports.store.countVotes(poll.id), 2);
    } finally {
      await s.close();
    }
  });
});
