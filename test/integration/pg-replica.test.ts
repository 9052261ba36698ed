/**
 * Read replicas, shown on a real streaming replica (test/support/pg-standby.ts): with replay
 * paused on the standby, default reads of poll metadata and results answer from it (the state
 * before the pause) while `fresh` reads, a voter's own vote and vote counts answer from the
 * primary. When replay resumes the replica converges; when it goes away reads fall back to the
 * primary.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildPostgresStore } from '../../src/adapters/postgres/create-postgres-store.js';
import type { PostgresStore } from '../../src/adapters/postgres/postgres-store.js';
import { eventually } from '../support/eventually.js';
import { startStandby, type Standby } from '../support/pg-standby.js';
import { dropSchema, PG_URL, scratchName } from '../support/postgres.js';
import { needServices } from '../support/services.js';
import { recordingRender, testPoll, vote } from '../contract/store-contract.js';

describe('PostgreSQL read replica', { skip: await needServices('postgres') }, () => {
  let standby: Standby;
  let store: PostgresStore;
  const schema = scratchName('pollcast_test');

  before(async () => {
    standby = await startStandby();
    store = buildPostgresStore(
      { kind: 'postgres', url: PG_URL, replicaUrls: [standby.url], shardUrls: [], poolSize: 2 },
      { schema, applicationName: 'pollcast-replica-test' },
    );
    await store.migrate();
  });
  after(async () => {
    await store?.close();
    await standby?.stop();
    await dropSchema(schema);
  });

  it('serves getPoll/getResults from the replica; fresh reads, votes and counts from the primary', async () => {
    const poll = testPoll(0);
    await store.createPoll(poll);
    await store.recordVotes([vote(poll, 'a', [0]), vote(poll, 'b', [1])], recordingRender());
    await standby.catchUp();
    assert.equal((await store.getResults(poll.id))?.total, 2);

    await standby.query('SELECT pg_wal_replay_pause()');
    await eventually(async () => (await standby.query<{ s: string }>('SELECT pg_get_wal_replay_pause_state() AS s'))[0]?.s === 'paused', 'replay paused');
    try {
      await store.recordVotes([vote(poll, 'c', [2]), vote(poll, 'd', [0]), vote(poll, 'e', [0])], recordingRender());
      const closed = { ...poll, status: 'closed' as const, closesAt: Date.now(), updatedAt: poll.updatedAt + 1 };
      assert.ok((await store.updatePoll(closed, poll.updatedAt)) !== null);

      // The replica still has the state from before the pause…
      const stale = await store.getResults(poll.id);
      assert.equal(stale?.total, 2);
      assert.deepEqual(stale?.options.map((o) => o.votes), [1, 1, 0]);
      assert.equal((await store.getPoll(poll.id))?.status, 'open');
      // …the primary has the truth.
      const fresh = await store.getResults(poll.id, { fresh: true });
      assert.equal(fresh?.total, 5);
      assert.deepEqual(fresh?.options.map((o) => o.votes), [3, 1, 1]);
      assert.equal((await store.getPoll(poll.id, { fresh: true }))?.status, 'closed');
      assert.equal((await store.getVote(poll.id, 'e'))?.optionIds[0], poll.options[0]!.id, 'a voter reads their own vote from the primary');
      assert.equal(await store.countVotes(poll.id), 5);

      // And the replica's own view of its clients: our replica pool is connected there.
      const clients = await standby.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pollcast-replica-test-replica'");
      assert.ok(clients[0]!.n >= 1, 'the replica pool has connections on the standby');
    } finally {
      await standby.query('SELECT pg_wal_replay_resume()');
    }

    await eventually(async () => (await store.getResults(poll.id))?.total === 5, 'the replica converges after replay resumes', 15_000);
    assert.equal((await store.getPoll(poll.id))?.status, 'closed');
  });

  it('falls back to the primary when the replica is gone', async () => {
    const poll = testPoll(0);
    await store.createPoll(poll);
    await store.recordVotes([vote(poll, 'x', [1])], recordingRender());
    await standby.stop();
    assert.equal((await store.getResults(poll.id))?.total, 1);
    assert.equal((await store.getPoll(poll.id))?.id, poll.id);
  });
});
