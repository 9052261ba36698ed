/**
 * The store contract on PostgreSQL: directly, through PgBouncer in transaction pooling mode, and
 * over two shards (two databases). Each run has its own schema (and shard database), dropped after.
 * Plus what only PostgreSQL has: query plans use indexes, polls live on the shard their id
 * names, and the pooler fallback from named to unnamed statements.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { buildPostgresStore, type PostgresStoreOptions } from '../../src/adapters/postgres/create-postgres-store.js';
import { PG_MIGRATIONS } from '../../src/adapters/postgres/pg-migrations.js';
import { buildSql, type Sql } from '../../src/adapters/postgres/pg-sql.js';
import type { PostgresStore } from '../../src/adapters/postgres/postgres-store.js';
import type { StoreConfig } from '../../src/config.js';
import { newPollId } from '../../src/domain/ids.js';
import { PollcastError } from '../../src/errors.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { needServices, SERVICES } from '../support/services.js';
import { adminQuery, createDatabase, dropDatabase, dropSchema, freePort, PG_URL, pgbouncerBinary, scratchName, startPgBouncer, type PgBouncer } from '../support/postgres.js';
import { recordingRender, runStoreContract, testPoll, vote, type StoreHarness } from './store-contract.js';

const skip = await needServices('postgres');

const config = (url: string, shardUrls: string[] = []): Extract<StoreConfig, { kind: 'postgres' }> => ({
  kind: 'postgres',
  url,
  replicaUrls: [],
  shardUrls,
  poolSize: 4,
});

/** A fresh schema (on every shard) per harness; dropped by `cleanup`. */
async function harness(url: string, shardUrls: string[] = [], opts: PostgresStoreOptions = {}): Promise<StoreHarness> {
  const schema = scratchName('pollcast_test');
  const open = async () => {
    const s = buildPostgresStore(config(url, shardUrls), { schema, ...opts });
    await s.migrate();
    return s;
  };
  const store = await open();
  return {
    store,
    shardCount: store.shards.length,
    reopen: open,
    cleanup: async () => {
      await dropSchema(schema);
      for (const u of shardUrls) await dropSchema(schema, u);
    },
  };
}

runStoreContract('PostgreSQL', () => harness(PG_URL), { skip });

// --- through PgBouncer (transaction pooling) ----------------------------------------------------
const bouncerMissing = skip || (pgbouncerBinary() ? false : 'skipped: pgbouncer is not installed (apt-get install -y pgbouncer)');
if (bouncerMissing && !skip && process.env.REQUIRE_SERVICES === '1') throw new Error('REQUIRE_SERVICES=1 and pgbouncer is not installed');
let bouncer: PgBouncer | null = null;
const viaBouncer = async () => {
  bouncer ??= await startPgBouncer({ poolSize: 3, extraDatabases: [`test_one = host=127.0.0.1 port=5432 dbname=${new URL(PG_URL).pathname.slice(1)} pool_size=1`] });
  return bouncer;
};
after(async () => {
  await bouncer?.stop();
});

runStoreContract('PostgreSQL through PgBouncer (pool_mode=transaction)', async () => harness((await viaBouncer()).url()), { skip: bouncerMissing });

describe('PostgreSQL through PgBouncer: named statements', { skip: bouncerMissing }, () => {
  it('switch to unnamed ones by themselves when server connections are shared, and keep answering', async () => {
    const b = await viaBouncer();
    // One server connection behind two pooled clients: the second Parse of a name finds it there.
    const h = await harness(b.url('test_one'));
    const store = h.store as PostgresStore;
    try {
      const poll = testPoll(0);
      await store.createPoll(poll);
      for (let round = 0; round < 3; round++) {
        const reads = await Promise.all(Array.from({ length: 4 }, () => store.getPoll(poll.id)));
        for (const r of reads) assert.equal(r?.id, poll.id);
      }
      const outs = await store.recordVotes([vote(poll, 'a', [0]), vote(poll, 'b', [1])], recordingRender());
      assert.deepEqual(outs.map((o) => o.kind), ['counted', 'counted']);
      assert.equal(store.shards[0]!.primary.preparedStatements, false, 'fell back to unnamed statements');
      assert.equal(await store.countVotes(poll.id), 2);
    } finally {
      await store.close();
      await h.cleanup();
    }
  });
});

// --- two shards: the test database and a scratch database of this file ------------------------------
let shardDb: { name: string; url: string } | null = null;
const secondShard = async () => {
  if (!shardDb) {
    const name = scratchName('pollcast_shard');
    shardDb = { name, url: await createDatabase(name) };
  }
  return shardDb.url;
};
after(async () => {
  if (shardDb) await dropDatabase(shardDb.name);
});

runStoreContract('PostgreSQL, two shards', async () => harness(PG_URL, [await secondShard()]), { skip });

describe('PostgreSQL shards', { skip }, () => {
  it('a poll lives on the shard its id names; cross-shard reads fan out', async () => {
    const url = await secondShard();
    const h = await harness(PG_URL, [url]);
    const store = h.store as PostgresStore;
    try {
      assert.equal(store.shards.length, 2);
      const p0 = testPoll(0);
      const p1 = testPoll(1);
      await store.createPoll(p0);
      await store.createPoll(p1);
      const schema = store.shards[0]!.schema;
      const where = async (dbUrl: string) => (await adminQuery<{ id: string }>(`SELECT id FROM "${schema}".polls ORDER BY id`, [], dbUrl)).map((r) => r.id);
      assert.deepEqual(await where(PG_URL), [p0.id]);
      assert.deepEqual(await where(url), [p1.id]);
      await store.recordVotes([vote(p0, 'v', [0]), vote(p1, 'v', [1])], recordingRender());
      const events = await store.readOutbox(10);
      assert.deepEqual(events.map((e) => e.pollId).sort(), [p0.id, p1.id].sort());
      await store.markOutboxPublished(events.map((e) => e.seq));
      assert.equal(await store.outboxBacklog(), 0);
      // An id naming a shard that is not configured is a poll that does not exist.
      const nowhere = testPoll(7);
      assert.equal(await store.getPoll(nowhere.id), null);
      assert.deepEqual((await store.recordVotes([vote(nowhere, 'v', [0])], recordingRender())).map((o) => o.kind), ['rejected']);
      await assert.rejects(store.createPoll(nowhere), RangeError);
    } finally {
      await store.close();
      await h.cleanup();
    }
  });
});

// --- indexes ----------------------------------------------------------------------------------------
describe('PostgreSQL query plans', { skip }, () => {
  let h: StoreHarness;
  before(async () => {
    h = await harness(PG_URL);
  });
  after(async () => {
    await h?.store.close();
    await h?.cleanup();
  });

  it('every statement has an index path (no Seq Scan with enable_seqscan off); votes are pruned to one partition', async () => {
    const store = h.store as PostgresStore;
    const sql = buildSql(store.shards[0]!.schema);
    const poll = testPoll(0);
    await store.createPoll(poll);
    const P = [poll.id];
    const now = Date.now();
    // One sample per statement: adding a statement without a sample fails to compile.
    const samples: Record<keyof Sql, unknown[] | 'no-scan'> = {
      ping: 'no-scan',
      insertPoll: 'no-scan',
      insertOutbox: 'no-scan',
      insertMeta: 'no-scan',
      getPoll: [poll.id],
      getPolls: [P],
      getResults: [poll.id],
      lockPoll: [poll.id],
      updatePoll: [poll.id, '{}', 'open', null, null, now, now],
      deletePoll: [poll.id],
      listVotes: [poll.id, '', 1000],
      deletePollData: [poll.id],
      readBatch: [P, P, ['v'], P, ['k']],
      writeBatch: [
        now, P, ['k'], ['h'], [201], ['{}'],
        P, ['v'], ['a'], ['r'], [now], [0],
        P, ['w'], ['a'], ['r'], [now], [1], ['r0'], P,
        P, ['a'], [1],
        P, [1], ['open'], [now],
        ['e'], P, ['{"votes":1}'],
        1, 1, 0, 1,
      ],
      getVote: [poll.id, 'v'],
      countVotes: [poll.id],
      resetVotes: [poll.id, now],
      countResetVotes: [poll.id],
      getIdempotency: [poll.id, 'k'],
      insertCommitment: [poll.id, now, 'sha256-merkle-v1', 'ab', 1, 1, now],
      commitments: [poll.id],
      pruneIdempotency: [now],
      duePolls: [now],
      setStatuses: [now, P, ['draft'], ['open'], ['e']],
      nextDue: [now],
      readOutbox: [10],
      deleteOutbox: [[1, 2]],
      outboxBacklog: [],
      applyMinuteCounts: ['c', 'e', now, poll.id, ['m'], [1]],
      minuteCounts: [poll.id],
      getMeta: ['k'],
      takeLease: ['n', 'h', 1000],
      releaseLease: ['n', 'h'],
      writeBatchKinds: [
        now, P, ['k'], ['h'], [201], ['{}'],
        P, ['v'], ['a'], ['r'], [now], [0],
        P, ['w'], ['a'], ['r'], [now], [1], ['r0'], P,
        P, ['a'], [1],
        P, [1], ['open'], [now],
        ['e'], P, ['{"votes":1}'],
        1, 1, 0, 1,
        P, ['r'], ['v'], ['t'], ['w'], ['shown'], [now], P, ['w'], [1], P, ['v'], [900], [true], [10], 1, 1,
      ],
      moderateTally: [poll.id, '#shown', -1],
      moderateWords: [poll.id, ['w'], -1],
      topWords: [poll.id, 50],
      listTexts: [poll.id, now, 20],
      getTextForUpdate: [poll.id, 'r'],
      moderateText: [poll.id, 'r', 'hidden', false, now],
      quizScores: [P],
    };
    const c = new pg.Client(PG_URL);
    await c.connect();
    try {
      await c.query('BEGIN');
      await c.query('SET LOCAL enable_seqscan = off');
      for (const [name, values] of Object.entries(samples)) {
        if (values === 'no-scan') continue;
        const plan = (await c.query<{ 'QUERY PLAN': string }>('EXPLAIN ' + sql[name as keyof Sql].text, values)).rows.map((r) => r['QUERY PLAN']).join('\n');
        assert.ok(!/Seq Scan/.test(plan), `${name} scans a table:\n${plan}`);
        if (name === 'countVotes' || name === 'getVote' || name === 'readBatch') {
          assert.equal(new Set(plan.match(/votes_p\d\d/g)).size, 1, `${name} reads one partition:\n${plan}`);
        }
      }
    } finally {
      await c.query('ROLLBACK').catch(() => {});
      await c.end();
    }
  });

  it('the batch read probes the index per voter and key, however many votes the poll holds', async () => {
    const store = h.store as PostgresStore;
    const schema = store.shards[0]!.schema;
    const sql = buildSql(schema);
    const poll = testPoll(0);
    await store.createPoll(poll);
    const c = new pg.Client(PG_URL);
    await c.connect();
    try {
      await c.query('BEGIN');
      // A hot poll that grew faster than its statistics (not analyzed since, as in a surge): planned
      // as a join, 500 voters would be matched against all 100,000 of its votes.
      await c.query(`INSERT INTO "${schema}".votes (poll_id, voter_id, option_ids, receipt_id, cast_at) SELECT $1, 'v' || g, 'a', 'r', 0 FROM generate_series(1, 100000) g`, [poll.id]);
      await c.query(`INSERT INTO "${schema}".idempotency (poll_id, key, request_hash, status, body, created_at) SELECT $1, 'k' || g, 'h', 201, '{}', 0 FROM generate_series(1, 100000) g`, [poll.id]);
      const voters = Array.from({ length: 500 }, (_, i) => `new${i}`);
      const P = voters.map(() => poll.id);
      const plan = (await c.query<{ 'QUERY PLAN': string }>('EXPLAIN ' + sql.readBatch.text, [[poll.id], P, voters, P, voters])).rows.map((r) => r['QUERY PLAN']).join('\n');
      assert.ok(!/Hash Join|Merge Join|Seq Scan|Bitmap/.test(plan), `one probe per voter and key:\n${plan}`);
    } finally {
      await c.query('ROLLBACK').catch(() => {});
      await c.end();
    }
  });

  it('migrations run once when several processes start together', async () => {
    const schema = scratchName('pollcast_test');
    const stores = Array.from({ length: 4 }, () => buildPostgresStore(config(PG_URL), { schema }));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      const rows = await adminQuery<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations`);
      assert.deepEqual(rows.map((r) => r.version).sort((a, b) => a - b), PG_MIGRATIONS.map((m) => m.version));
      assert.equal(await stores[0]!.countVotes(newPollId(0)), 0);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await dropSchema(schema);
    }
  });
});

// --- outages ------------------------------------------------------------------------------------------
describe('PostgreSQL outages answer store_unavailable (503), and the store recovers by itself', { skip }, () => {
  const unavailable = (err: unknown) => err instanceof PollcastError && err.code === 'store_unavailable' && err.status === 503;

  it('nothing listening: fails fast', async () => {
    const u = new URL(PG_URL);
    u.port = String(await freePort());
    const store = buildPostgresStore(config(u.toString()), { schema: 'pollcast_unreachable' });
    try {
      const t0 = Date.now();
      await assert.rejects(store.getPoll(newPollId(0)), unavailable);
      await assert.rejects(store.recordVotes([vote(testPoll(0), 'v', [0])], recordingRender()), unavailable);
      assert.ok(Date.now() - t0 < 5_000, 'within 5 s');
    } finally {
      await store.close();
    }
  });

  it('a database that stops answering: within the query timeout; service resumes when it answers again', async () => {
    const proxy = await FaultProxy.start({ host: SERVICES.postgres.host, port: SERVICES.postgres.port });
    const h = await harness(proxy.url(PG_URL), [], { connectTimeoutMs: 1_000, queryTimeoutMs: 1_000 });
    const store = h.store;
    try {
      const poll = testPoll(0);
      await store.createPoll(poll);
      proxy.cut('hang');
      const t0 = Date.now();
      await assert.rejects(store.recordVotes([vote(poll, 'v', [0])], recordingRender()), unavailable);
      await assert.rejects(store.getResults(poll.id), unavailable);
      assert.ok(Date.now() - t0 < 8_000, `within 8 s (took ${Date.now() - t0} ms)`);
      proxy.restore();
      const outs = await store.recordVotes([vote(poll, 'v', [0])], recordingRender());
      assert.deepEqual(outs.map((o) => o.kind), ['counted']);
      assert.equal(await store.countVotes(poll.id), 1);
    } finally {
      proxy.restore();
      await store.close();
      await proxy.close();
      await h.cleanup();
    }
  });
});
