/**
 * The account store contract on PostgreSQL: directly and through PgBouncer in transaction pooling
 * mode, each run in a scratch schema dropped after. Plus what only PostgreSQL has: processes
 * migrating a fresh schema at once, the schema in the URL, and outages reported as
 * `store_unavailable` (so the HTTP layer answers 503).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { buildPostgresStore } from '../../src/adapters/postgres/create-postgres-store.js';
import { PG_ACCOUNT_MIGRATIONS, PostgresAccountStore } from '../../src/adapters/postgres/postgres-account-store.js';
import { PollcastError } from '../../src/errors.js';

/** How both PostgreSQL stores report a database that cannot serve. */
const isStoreOutage = (err: unknown): boolean => err instanceof PollcastError && err.code === 'store_unavailable';
import { FaultProxy } from '../support/fault-proxy.js';
import { needServices, SERVICES } from '../support/services.js';
import { adminQuery, dropSchema, freePort, PG_URL, pgbouncerBinary, scratchName, startPgBouncer, type PgBouncer } from '../support/postgres.js';
import { runAccountStoreContract, testUser, type AccountStoreHarness, type AccountTable } from './account-store-contract.js';

const skip = await needServices('postgres');

const withSchema = (url: string, schema: string) => {
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return u.toString();
};

async function countRows(schema: string, table: AccountTable, where: Record<string, string> = {}): Promise<number> {
  const cols = Object.keys(where);
  const sql = `SELECT count(*)::int AS n FROM "${schema}".${table}` + (cols.length ? ' WHERE ' + cols.map((c, i) => `${c} = $${i + 1}`).join(' AND ') : '');
  return (await adminQuery<{ n: number }>(sql, Object.values(where)))[0]!.n;
}

/** A fresh schema per harness, named in the URL (`?schema=`) as DATABASE_URL would; dropped by `cleanup`. */
async function harness(url: string): Promise<AccountStoreHarness> {
  const schema = scratchName('pollcast_acct_test');
  const open = async () => {
    const s = new PostgresAccountStore({ url: withSchema(url, schema) });
    await s.migrate();
    return s;
  };
  return {
    store: await open(),
    reopen: open,
    count: (table, where) => countRows(schema, table, where),
    cleanup: () => dropSchema(schema),
  };
}

runAccountStoreContract('PostgreSQL', () => harness(PG_URL), { skip });

// --- through PgBouncer (transaction pooling) ----------------------------------------------------
const bouncerMissing = skip || (pgbouncerBinary() ? false : 'skipped: pgbouncer is not installed (apt-get install -y pgbouncer)');
if (bouncerMissing && !skip && process.env.REQUIRE_SERVICES === '1') throw new Error('REQUIRE_SERVICES=1 and pgbouncer is not installed');
let bouncer: PgBouncer | null = null;
after(async () => {
  await bouncer?.stop();
});

runAccountStoreContract(
  'PostgreSQL through PgBouncer (pool_mode=transaction)',
  async () => {
    bouncer ??= await startPgBouncer({ poolSize: 2 });
    return harness(bouncer.url());
  },
  { skip: bouncerMissing },
);

// --- migrations and configuration ------------------------------------------------------------------
describe('PostgreSQL account store migrations', { skip }, () => {
  it('stores migrating a fresh schema at once all succeed, and each migration is applied once', async () => {
    const schema = scratchName('pollcast_acct_test');
    const stores = Array.from({ length: 4 }, () => new PostgresAccountStore({ url: PG_URL, schema }));
    try {
      const outs = await Promise.allSettled(stores.map((s) => s.migrate()));
      assert.deepEqual(outs.map((o) => o.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      const rows = await adminQuery<{ version: number }>(`SELECT version FROM "${schema}".account_migrations ORDER BY version`);
      assert.deepEqual(rows.map((r) => r.version), PG_ACCOUNT_MIGRATIONS.map((m) => m.version));
      const u = testUser();
      assert.equal(await stores[0]!.createUser(u), true);
      assert.deepEqual(await stores[3]!.getUser(u.id), u);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await dropSchema(schema);
    }
  });

  it('the vote store and the account store migrating one fresh schema at once both succeed', async () => {
    for (let round = 0; round < 3; round++) {
      const schema = scratchName('pollcast_acct_test');
      const votes = buildPostgresStore({ kind: 'postgres', url: PG_URL, replicaUrls: [], shardUrls: [], poolSize: 2 }, { schema });
      const accounts = new PostgresAccountStore({ url: PG_URL, schema });
      try {
        const outs = await Promise.allSettled([votes.migrate(), accounts.migrate(), accounts.migrate()]);
        assert.deepEqual(outs.map((o) => (o.status === 'rejected' ? String(o.reason) : o.status)), ['fulfilled', 'fulfilled', 'fulfilled'], `round ${round}`);
        const tables = await adminQuery<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name IN ('polls', 'users', 'account_migrations', 'schema_migrations') ORDER BY table_name`,
          [schema],
        );
        assert.deepEqual(tables.map((t) => t.table_name), ['account_migrations', 'polls', 'schema_migrations', 'users']);
      } finally {
        await votes.close();
        await accounts.close();
        await dropSchema(schema);
      }
    }
  });

  it('the schema comes from `?schema=` (removed before pg sees the URL) unless the option names one; bad names are refused', async () => {
    const fromUrl = scratchName('pollcast_acct_test');
    const fromOption = scratchName('pollcast_acct_test');
    const a = new PostgresAccountStore({ url: withSchema(PG_URL, fromUrl) });
    const b = new PostgresAccountStore({ url: withSchema(PG_URL, fromUrl), schema: fromOption });
    try {
      assert.equal(a.schema, fromUrl);
      assert.equal(b.schema, fromOption);
      await a.migrate();
      await b.migrate();
      const u = testUser();
      await a.createUser(u);
      assert.equal(await countRows(fromUrl, 'users', { id: u.id }), 1);
      assert.equal(await countRows(fromOption, 'users', { id: u.id }), 0);
      assert.equal(new PostgresAccountStore({ url: PG_URL }).schema, 'public');
      assert.throws(() => new PostgresAccountStore({ url: withSchema(PG_URL, 'Bad-Name') }), /invalid PostgreSQL schema name/);
      assert.throws(() => new PostgresAccountStore({ url: PG_URL, schema: 'x"; DROP TABLE users; --' }), /invalid PostgreSQL schema name/);
    } finally {
      await a.close();
      await b.close();
      await dropSchema(fromUrl);
      await dropSchema(fromOption);
    }
  });
});

// --- outages ------------------------------------------------------------------------------------------
describe('PostgreSQL account store outages are store_unavailable errors; the store recovers', { skip }, () => {
  it('nothing listening: fails fast', async () => {
    const u = new URL(PG_URL);
    u.port = String(await freePort());
    const store = new PostgresAccountStore({ url: u.toString(), schema: 'pollcast_unreachable', connectTimeoutMs: 1_000 });
    try {
      const t0 = Date.now();
      await assert.rejects(store.getUser('u_x'), (err) => isStoreOutage(err));
      await assert.rejects(store.setRole('w_x', 'u_x', 'editor'), (err) => isStoreOutage(err));
      await assert.rejects(store.ping(), (err) => isStoreOutage(err));
      assert.ok(Date.now() - t0 < 5_000, 'within 5 s');
    } finally {
      await store.close();
    }
  });

  it('a database that stops answering: within the query timeout; service resumes when it answers again', async () => {
    const proxy = await FaultProxy.start({ host: SERVICES.postgres.host, port: SERVICES.postgres.port });
    const schema = scratchName('pollcast_acct_test');
    const store = new PostgresAccountStore({ url: proxy.url(PG_URL), schema, connectTimeoutMs: 1_000, queryTimeoutMs: 1_000 });
    try {
      await store.migrate();
      const u = testUser();
      assert.equal(await store.createUser(u), true);
      proxy.cut('hang');
      const t0 = Date.now();
      await assert.rejects(store.getUser(u.id), (err) => isStoreOutage(err));
      await assert.rejects(store.createWorkspace({ id: 'w_hang', name: 'x', createdAt: 1 }, u.id), (err) => isStoreOutage(err));
      assert.ok(Date.now() - t0 < 6_000, `within 6 s (took ${Date.now() - t0} ms)`);
      proxy.restore();
      assert.deepEqual(await store.getUser(u.id), u);
      await store.createWorkspace({ id: 'w_after', name: 'after', createdAt: 2 }, u.id);
      assert.equal(await store.getRole('w_after', u.id), 'owner');
    } finally {
      proxy.restore();
      await store.close();
      await proxy.close();
      await dropSchema(schema);
    }
  });
});
