/**
 * The embedded delivery store: its own SQLite file (`deliveries.db`) under DATA_DIR, in WAL mode,
 * so webhook and e-mail work never queues behind vote batches or account writes. Same durability
 * choice as the vote store (EMBEDDED_SYNC). One process owns the file, so a claim is one
 * IMMEDIATE transaction (select the due rows, lease them).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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
import { runSqliteMigrations, type SqliteMigration } from './sqlite-schema.js';

/** Versioned migrations, applied in order, one transaction each. Never edit one that shipped. */
export const SQLITE_DELIVERY_MIGRATIONS: SqliteMigration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  channel TEXT NOT NULL CHECK (channel IN ('webhook', 'email')),
  target TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  workspace_id TEXT,
  payload TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  round_attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease TEXT,
  last_status INTEGER,
  last_error TEXT,
  last_duration_ms INTEGER,
  updated_at INTEGER NOT NULL,
  delivered_at INTEGER,
  UNIQUE (channel, target, event_id)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_log ON deliveries (channel, target, created_at DESC);
CREATE INDEX deliveries_done ON deliveries (updated_at) WHERE status <> 'pending';
CREATE TABLE delivery_attempts (
  delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  at INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  status INTEGER,
  error TEXT,
  duration_ms INTEGER NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
) WITHOUT ROWID;
`,
  },
];

const COLUMNS =
  'id, channel, target, event_id, event_type, workspace_id, payload, created_at, status, attempts, round_attempts, next_attempt_at, last_status, last_error, last_duration_ms, updated_at, delivered_at';

export class SqliteDeliveryStore implements DeliveryStore {
  readonly kind = 'embedded';
  readonly #db: Database.Database;
  #s!: ReturnType<typeof prepare>;
  #closed = false;

  constructor(opts: { dataDir: string; sync: 'full' | 'normal' }) {
    mkdirSync(opts.dataDir, { recursive: true });
    this.#db = new Database(join(opts.dataDir, 'deliveries.db'));
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`synchronous = ${opts.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('foreign_keys = ON');
  }

  async migrate(): Promise<void> {
    runSqliteMigrations(this.#db, 'delivery_migrations', SQLITE_DELIVERY_MIGRATIONS);
    this.#s = prepare(this.#db);
  }

  async enqueue(deliveries: readonly NewDelivery[]): Promise<number> {
    return this.#db
      .transaction(() => {
        let added = 0;
        for (const d of deliveries) {
          added += this.#s.insert.run(
            d.id,
            d.channel,
            d.target,
            d.eventId,
            d.eventType,
            d.workspaceId,
            d.payload,
            d.createdAt,
            d.createdAt,
            d.createdAt,
          ).changes;
        }
        return added;
      })
      .immediate();
  }

  async claim(
    now: number,
    limit: number,
    leaseMs: number,
    lease: string,
    channels: readonly DeliveryChannel[],
  ): Promise<Delivery[]> {
    return this.#db
      .transaction(() => {
        const rows = this.#s.due.all(now, JSON.stringify(channels), limit) as DeliveryRow[];
        for (const r of rows) this.#s.lease.run(now + leaseMs, lease, r.id);
        return rows.map(toDelivery);
      })
      .immediate();
  }

  async record(
    id: string,
    lease: string,
    a: Omit<AttemptRecord, 'deliveryId' | 'attempt'>,
    next: NextState,
  ): Promise<boolean> {
    return this.#db
      .transaction(() => {
        const row = this.#s.held.get(id, lease) as { attempts: number } | undefined;
        if (!row) return false;
        const attempt = row.attempts + 1;
        this.#s.insertAttempt.run(id, attempt, a.at, a.ok ? 1 : 0, a.status, a.error, a.durationMs);
        const nextAt = next.status === 'pending' ? next.nextAttemptAt : a.at;
        this.#s.afterAttempt.run(
          next.status,
          nextAt,
          a.status,
          a.error,
          a.durationMs,
          a.at,
          next.status === 'delivered' ? a.at : null,
          id,
        );
        return true;
      })
      .immediate();
  }

  async get(id: string): Promise<Delivery | null> {
    const row = this.#s.get.get(id) as DeliveryRow | undefined;
    return row ? toDelivery(row) : null;
  }

  async list(q: DeliveryQuery, opts: { limit: number; before?: number | undefined }): Promise<Delivery[]> {
    const rows = this.#s.list.all({
      ...this.#where(q),
      before: opts.before ?? null,
      limit: opts.limit,
    }) as DeliveryRow[];
    return rows.map(toDelivery);
  }

  async attempts(id: string): Promise<AttemptRecord[]> {
    return (this.#s.attempts.all(id) as AttemptRow[]).map(toAttempt);
  }

  async replay(
    q: DeliveryQuery & { ids?: readonly string[] | undefined; onlyFailed: boolean },
    now: number,
    limit: number,
  ): Promise<number> {
    const ids = q.ids === undefined ? null : JSON.stringify(q.ids);
    return this.#s.replay.run({ ...this.#where(q), now, failed: q.onlyFailed ? 'dead' : null, ids, limit }).changes;
  }

  #where(q: DeliveryQuery) {
    return { channel: q.channel, target: q.target, status: q.status ?? null, from: q.from ?? null, to: q.to ?? null };
  }

  async backlog(now: number): Promise<DeliveryBacklog> {
    const r = this.#s.backlog.get({ now }) as { pending: number | null; dead: number | null; oldest: number | null };
    return {
      pending: r.pending ?? 0,
      dead: r.dead ?? 0,
      oldestDueMs: r.oldest === null ? 0 : Math.max(0, now - r.oldest),
    };
  }

  async prune(before: number): Promise<number> {
    return this.#s.prune.run(before).changes;
  }

  async ping(): Promise<void> {
    this.#db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}

function prepare(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    insert: p(
      `INSERT INTO deliveries (id, channel, target, event_id, event_type, workspace_id, payload, created_at, status, next_attempt_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (channel, target, event_id) DO NOTHING`,
    ),
    due: p(
      `SELECT ${COLUMNS} FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? AND channel IN (SELECT value FROM json_each(?)) ORDER BY next_attempt_at LIMIT ?`,
    ),
    lease: p('UPDATE deliveries SET next_attempt_at = ?, lease = ? WHERE id = ?'),
    held: p("SELECT attempts FROM deliveries WHERE id = ? AND lease = ? AND status = 'pending'"),
    insertAttempt: p(
      'INSERT INTO delivery_attempts (delivery_id, attempt, at, ok, status, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    afterAttempt: p(
      `UPDATE deliveries SET status = ?, next_attempt_at = ?, lease = NULL, attempts = attempts + 1, round_attempts = round_attempts + 1,
         last_status = ?, last_error = ?, last_duration_ms = ?, updated_at = ?, delivered_at = coalesce(?, delivered_at) WHERE id = ?`,
    ),
    get: p(`SELECT ${COLUMNS} FROM deliveries WHERE id = ?`),
    list: p(
      `SELECT ${COLUMNS} FROM deliveries WHERE channel = @channel AND target = @target AND (@status IS NULL OR status = @status)
         AND (@from IS NULL OR created_at >= @from) AND (@to IS NULL OR created_at < @to) AND (@before IS NULL OR created_at < @before)
         ORDER BY created_at DESC, id DESC LIMIT @limit`,
    ),
    attempts: p('SELECT * FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt'),
    replay: p(
      `UPDATE deliveries SET status = 'pending', round_attempts = 0, next_attempt_at = @now, lease = NULL, updated_at = @now
        WHERE id IN (SELECT id FROM deliveries WHERE channel = @channel AND target = @target AND status <> 'pending'
          AND (@failed IS NULL OR status = @failed) AND (@status IS NULL OR status = @status)
          AND (@from IS NULL OR created_at >= @from) AND (@to IS NULL OR created_at < @to)
          AND (@ids IS NULL OR id IN (SELECT value FROM json_each(@ids))) ORDER BY created_at LIMIT @limit)`,
    ),
    backlog: p(
      `SELECT sum(status = 'pending') AS pending, sum(status = 'dead') AS dead,
              (SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending' AND next_attempt_at <= @now) AS oldest
         FROM deliveries`,
    ),
    prune: p("DELETE FROM deliveries WHERE status <> 'pending' AND updated_at < ?"),
  };
}
