/**
 * The PostgreSQL delivery store: its own tables (`deliveries`, `delivery_attempts`; migrations in
 * `delivery_migrations`) in the schema of DATABASE_URL, on the primary, on the vote store's
 * foundation (pg-link.ts: bounded transactions, outages as store_unavailable) with a small pool.
 * Every worker process claims from the same table: `FOR UPDATE SKIP LOCKED` hands each due row to
 * one of them. Pooler-safe like the account store: schema-qualified names, unnamed statements.
 */
import type { DeliveryChannel, NextState } from '../../domain/delivery.js';
import type {
  AttemptRecord,
  Delivery,
  DeliveryBacklog,
  DeliveryQuery,
  DeliveryStore,
  NewDelivery,
} from '../../ports/delivery-store.js';
import { toAttempt, toDelivery, type AttemptRow, type DeliveryRow } from '../delivery-rows.js';
import { PgLink, stmt } from './pg-link.js';
import { runPgMigrations, type PgMigration } from './pg-migrations.js';
import { checkSchemaName, splitPgUrl } from './pg-sql.js';

export interface PostgresDeliveryStoreOptions {
  url: string;
  schema?: string | undefined;
  connectTimeoutMs?: number | undefined;
  queryTimeoutMs?: number | undefined;
}

/** `s` is the quoted schema name. Never edit one that shipped. */
export const PG_DELIVERY_MIGRATIONS: PgMigration[] = [
  {
    version: 1,
    sql: (s) => `
CREATE TABLE ${s}.deliveries (
  id text COLLATE "C" PRIMARY KEY,
  channel text NOT NULL CHECK (channel IN ('webhook', 'email')),
  target text COLLATE "C" NOT NULL,
  event_id text COLLATE "C" NOT NULL,
  event_type text NOT NULL,
  workspace_id text COLLATE "C",
  payload text NOT NULL,
  created_at bigint NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  round_attempts integer NOT NULL DEFAULT 0,
  next_attempt_at bigint NOT NULL,
  lease text,
  last_status integer,
  last_error text,
  last_duration_ms integer,
  updated_at bigint NOT NULL,
  delivered_at bigint,
  UNIQUE (channel, target, event_id)
);
CREATE INDEX deliveries_due ON ${s}.deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_log ON ${s}.deliveries (channel, target, created_at DESC);
CREATE INDEX deliveries_done ON ${s}.deliveries (updated_at) WHERE status <> 'pending';
CREATE TABLE ${s}.delivery_attempts (
  delivery_id text COLLATE "C" NOT NULL REFERENCES ${s}.deliveries (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  at bigint NOT NULL,
  ok boolean NOT NULL,
  status integer,
  error text,
  duration_ms integer NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
);
`,
  },
];

const COLUMNS =
  'id, channel, target, event_id, event_type, workspace_id, payload, created_at, status, attempts, round_attempts, next_attempt_at, last_status, last_error, last_duration_ms, updated_at, delivered_at';

export class PostgresDeliveryStore implements DeliveryStore {
  readonly kind = 'postgres';
  readonly schema: string;
  readonly #s: string;
  readonly #link: PgLink;

  constructor(o: PostgresDeliveryStoreOptions) {
    const { url, schema } = splitPgUrl(o.url);
    this.schema = checkSchemaName(o.schema ?? schema ?? 'public');
    this.#s = `"${this.schema}"`;
    this.#link = new PgLink({
      url,
      poolSize: 2,
      connectTimeoutMs: o.connectTimeoutMs ?? 3_000,
      queryTimeoutMs: o.queryTimeoutMs ?? 8_000,
      preparedStatements: false,
      applicationName: 'pollcast-deliveries',
    });
  }

  async migrate(): Promise<void> {
    await runPgMigrations(this.#link, this.schema, 'delivery_migrations', PG_DELIVERY_MIGRATIONS);
  }

  async enqueue(deliveries: readonly NewDelivery[]): Promise<number> {
    if (deliveries.length === 0) return 0;
    const rows = await this.#link.query<{ id: string }>(
      stmt(`INSERT INTO ${this.#s}.deliveries (id, channel, target, event_id, event_type, workspace_id, payload, created_at, status, next_attempt_at, updated_at)
        SELECT id, channel, target, event_id, event_type, workspace_id, payload, created_at, 'pending', created_at, created_at
          FROM jsonb_to_recordset($1::jsonb) AS x(id text, channel text, target text, event_id text, event_type text, workspace_id text, payload text, created_at bigint)
        ON CONFLICT (channel, target, event_id) DO NOTHING RETURNING id`),
      [
        JSON.stringify(
          deliveries.map((d) => ({
            id: d.id,
            channel: d.channel,
            target: d.target,
            event_id: d.eventId,
            event_type: d.eventType,
            workspace_id: d.workspaceId,
            payload: d.payload,
            created_at: d.createdAt,
          })),
        ),
      ],
    );
    return rows.length;
  }

  async claim(
    now: number,
    limit: number,
    leaseMs: number,
    lease: string,
    channels: readonly DeliveryChannel[],
  ): Promise<Delivery[]> {
    const rows = await this.#link.query<DeliveryRow>(
      stmt(`UPDATE ${this.#s}.deliveries d SET next_attempt_at = $2, lease = $3
         FROM (SELECT id FROM ${this.#s}.deliveries WHERE status = 'pending' AND next_attempt_at <= $1 AND channel = ANY($5::text[])
          ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED) due
        WHERE d.id = due.id RETURNING ${COLUMNS.split(', ')
          .map((c) => 'd.' + c)
          .join(', ')}`),
      [now, now + leaseMs, lease, limit, [...channels]],
    );
    // RETURNING shows the leased next_attempt_at; order as claimed.
    return rows.map(toDelivery).sort((a, b) => a.createdAt - b.createdAt);
  }

  async record(
    id: string,
    lease: string,
    a: Omit<AttemptRecord, 'deliveryId' | 'attempt'>,
    next: NextState,
  ): Promise<boolean> {
    return this.#link.tx(async (exec) => {
      const [row] = await exec<{ attempts: number }>(
        stmt(
          `SELECT attempts FROM ${this.#s}.deliveries WHERE id = $1 AND lease = $2 AND status = 'pending' FOR UPDATE`,
        ),
        [id, lease],
      );
      if (!row) return false;
      await exec(
        stmt(
          `INSERT INTO ${this.#s}.delivery_attempts (delivery_id, attempt, at, ok, status, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        ),
        [id, row.attempts + 1, a.at, a.ok, a.status, a.error, a.durationMs],
      );
      await exec(
        stmt(`UPDATE ${this.#s}.deliveries SET status = $1, next_attempt_at = $2, lease = NULL, attempts = attempts + 1, round_attempts = round_attempts + 1,
           last_status = $3, last_error = $4, last_duration_ms = $5, updated_at = $6, delivered_at = coalesce($7, delivered_at) WHERE id = $8`),
        [
          next.status,
          next.status === 'pending' ? next.nextAttemptAt : a.at,
          a.status,
          a.error,
          a.durationMs,
          a.at,
          next.status === 'delivered' ? a.at : null,
          id,
        ],
      );
      return true;
    });
  }

  async get(id: string): Promise<Delivery | null> {
    const [row] = await this.#link.query<DeliveryRow>(
      stmt(`SELECT ${COLUMNS} FROM ${this.#s}.deliveries WHERE id = $1`),
      [id],
    );
    return row ? toDelivery(row) : null;
  }

  async list(q: DeliveryQuery, opts: { limit: number; before?: number | undefined }): Promise<Delivery[]> {
    const rows = await this.#link.query<DeliveryRow>(
      stmt(`SELECT ${COLUMNS} FROM ${this.#s}.deliveries WHERE channel = $1 AND target = $2 AND ($3::text IS NULL OR status = $3)
          AND ($4::bigint IS NULL OR created_at >= $4) AND ($5::bigint IS NULL OR created_at < $5) AND ($6::bigint IS NULL OR created_at < $6)
        ORDER BY created_at DESC, id DESC LIMIT $7`),
      [q.channel, q.target, q.status ?? null, q.from ?? null, q.to ?? null, opts.before ?? null, opts.limit],
    );
    return rows.map(toDelivery);
  }

  async attempts(id: string): Promise<AttemptRecord[]> {
    const rows = await this.#link.query<AttemptRow>(
      stmt(`SELECT * FROM ${this.#s}.delivery_attempts WHERE delivery_id = $1 ORDER BY attempt`),
      [id],
    );
    return rows.map(toAttempt);
  }

  async replay(
    q: DeliveryQuery & { ids?: readonly string[] | undefined; onlyFailed: boolean },
    now: number,
    limit: number,
  ): Promise<number> {
    const rows = await this.#link.query<{ id: string }>(
      stmt(`UPDATE ${this.#s}.deliveries SET status = 'pending', round_attempts = 0, next_attempt_at = $1, lease = NULL, updated_at = $1
        WHERE id IN (SELECT id FROM ${this.#s}.deliveries WHERE channel = $2 AND target = $3 AND status <> 'pending'
          AND ($4::text IS NULL OR status = $4) AND ($5::text IS NULL OR status = $5)
          AND ($6::bigint IS NULL OR created_at >= $6) AND ($7::bigint IS NULL OR created_at < $7)
          AND ($8::text[] IS NULL OR id = ANY($8::text[])) ORDER BY created_at LIMIT $9 FOR UPDATE SKIP LOCKED) RETURNING id`),
      [
        now,
        q.channel,
        q.target,
        q.onlyFailed ? 'dead' : null,
        q.status ?? null,
        q.from ?? null,
        q.to ?? null,
        q.ids === undefined ? null : [...q.ids],
        limit,
      ],
    );
    return rows.length;
  }

  async backlog(now: number): Promise<DeliveryBacklog> {
    const [r] = await this.#link.query<{ pending: number; dead: number; oldest: number | null }>(
      stmt(`SELECT (SELECT count(*) FROM ${this.#s}.deliveries WHERE status = 'pending') AS pending,
                   (SELECT count(*) FROM ${this.#s}.deliveries WHERE status = 'dead') AS dead,
                   (SELECT min(next_attempt_at) FROM ${this.#s}.deliveries WHERE status = 'pending' AND next_attempt_at <= $1) AS oldest`),
      [now],
    );
    return {
      pending: Number(r?.pending ?? 0),
      dead: Number(r?.dead ?? 0),
      oldestDueMs: r?.oldest == null ? 0 : Math.max(0, now - Number(r.oldest)),
    };
  }

  async prune(before: number): Promise<number> {
    const rows = await this.#link.query<{ id: string }>(
      stmt(`DELETE FROM ${this.#s}.deliveries WHERE status <> 'pending' AND updated_at < $1 RETURNING id`),
      [before],
    );
    return rows.length;
  }

  async ping(): Promise<void> {
    await this.#link.query(stmt('SELECT 1'));
  }

  async close(): Promise<void> {
    await this.#link.close();
  }
}
