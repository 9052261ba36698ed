/**
 * The PostgreSQL event store: its own table (`events`, migrations in `event_migrations`) in the
 * schema of DATABASE_URL, on the primary, with a small pool: presenter actions are rare next to votes.
 * Pooler-safe like the account store: schema-qualified names, unnamed statements, a
 * transaction-scoped advisory lock for migrations.
 */
import pg from 'pg';
import type { LiveEvent } from '../../domain/event.js';
import type { EventStore } from '../../ports/event-store.js';
import { checkSchemaName, splitPgUrl } from './pg-sql.js';

export interface PostgresEventStoreOptions {
  url: string;
  schema?: string | undefined;
  connectTimeoutMs?: number | undefined;
  queryTimeoutMs?: number | undefined;
}

const MIGRATIONS: Array<{ version: number; sql: (s: string) => string }> = [
  {
    version: 1,
    sql: (s) => `
CREATE TABLE ${s}.events (
  id text COLLATE "C" PRIMARY KEY,
  code text COLLATE "C" NOT NULL UNIQUE,
  def jsonb NOT NULL,
  version bigint NOT NULL
);`,
  },
  {
    version: 2,
    sql: (s) => `
ALTER TABLE ${s}.events ADD COLUMN workspace_id text COLLATE "C";
ALTER TABLE ${s}.events ADD COLUMN created_at bigint NOT NULL DEFAULT 0;
CREATE INDEX events_workspace ON ${s}.events (workspace_id, created_at) WHERE workspace_id IS NOT NULL;`,
  },
  {
    // Quiz participants: one nickname per voter per event, unique per event by its key.
    version: 3,
    sql: (s) => `
CREATE TABLE ${s}.quiz_players (
  event_id text COLLATE "C" NOT NULL,
  voter_id text COLLATE "C" NOT NULL,
  nickname text NOT NULL,
  nick_key text NOT NULL,
  at bigint NOT NULL,
  PRIMARY KEY (event_id, voter_id),
  UNIQUE (event_id, nick_key)
);`,
  },
];

export class PostgresEventStore implements EventStore {
  readonly kind = 'postgres';
  readonly schema: string;
  readonly #s: string;
  readonly #pool: pg.Pool;
  readonly #timeout: number;
  #closed = false;

  constructor(o: PostgresEventStoreOptions) {
    const { url, schema } = splitPgUrl(o.url);
    this.schema = checkSchemaName(o.schema ?? schema ?? 'public');
    this.#s = `"${this.schema}"`;
    this.#timeout = o.queryTimeoutMs ?? 8_000;
    this.#pool = new pg.Pool({
      connectionString: url,
      max: 2,
      connectionTimeoutMillis: o.connectTimeoutMs ?? 3_000,
      idleTimeoutMillis: 10_000,
      keepAlive: true,
      allowExitOnIdle: true,
      application_name: 'pollcast-events',
    });
    this.#pool.on('error', () => {});
    this.#pool.on('connect', (client) => client.on('error', () => {}));
  }

  #q<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.#pool.query<R>({ text, values, query_timeout: this.#timeout } as pg.QueryConfig);
  }

  async migrate(): Promise<void> {
    const s = this.#s;
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`pollcast:migrate:${this.schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${s}.event_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const done = new Set(
        (await client.query<{ version: number }>(`SELECT version FROM ${s}.event_migrations`)).rows.map(
          (r) => r.version,
        ),
      );
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await client.query(m.sql(s));
        await client.query(`INSERT INTO ${s}.event_migrations (version) VALUES ($1)`, [m.version]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async create(ev: LiveEvent): Promise<boolean> {
    const r = await this.#q(
      `INSERT INTO ${this.#s}.events (id, code, def, version, workspace_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [ev.id, ev.code, JSON.stringify(ev), ev.version, ev.workspaceId ?? null, ev.createdAt],
    );
    return r.rowCount === 1;
  }

  async #read(where: 'id' | 'code', key: string): Promise<LiveEvent | null> {
    const r = await this.#q<{ def: LiveEvent }>(`SELECT def FROM ${this.#s}.events WHERE ${where} = $1`, [key]);
    return r.rows[0]?.def ?? null;
  }

  get(id: string): Promise<LiveEvent | null> {
    return this.#read('id', id);
  }

  getByCode(code: string): Promise<LiveEvent | null> {
    return this.#read('code', code);
  }

  async update(next: LiveEvent, expectedVersion: number): Promise<boolean> {
    const r = await this.#q(`UPDATE ${this.#s}.events SET def = $2, version = $3 WHERE id = $1 AND version = $4`, [
      next.id,
      JSON.stringify(next),
      next.version,
      expectedVersion,
    ]);
    return r.rowCount === 1;
  }

  async listInWorkspace(workspaceId: string, page: { limit: number; before?: number }): Promise<LiveEvent[]> {
    const r = await this.#q<{ def: LiveEvent }>(
      `SELECT def FROM ${this.#s}.events WHERE workspace_id = $1 AND created_at < $2 ORDER BY created_at DESC, id DESC LIMIT $3`,
      [workspaceId, page.before ?? Number.MAX_SAFE_INTEGER, page.limit],
    );
    return r.rows.map((row) => row.def);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.#q(`DELETE FROM ${this.#s}.events WHERE id = $1`, [id])).rowCount === 1;
  }

  async setNickname(eventId: string, voterId: string, nickname: string, key: string): Promise<boolean> {
    try {
      await this.#q(
        `INSERT INTO ${this.#s}.quiz_players (event_id, voter_id, nickname, nick_key, at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (event_id, voter_id) DO UPDATE SET nickname = excluded.nickname, nick_key = excluded.nick_key, at = excluded.at`,
        [eventId, voterId, nickname, key, Date.now()],
      );
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === '23505') return false;
      throw err;
    }
  }

  async nicknames(eventId: string): Promise<Array<{ voterId: string; nickname: string }>> {
    const r = await this.#q<{ voter_id: string; nickname: string }>(`SELECT voter_id, nickname FROM ${this.#s}.quiz_players WHERE event_id = $1`, [eventId]);
    return r.rows.map((row) => ({ voterId: row.voter_id, nickname: row.nickname }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
