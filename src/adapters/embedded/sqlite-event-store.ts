/**
 * The embedded event store: its own SQLite file (`events.db`) under DATA_DIR, in WAL mode, so
 * presenter actions never queue behind vote batches. Same durability choice as the vote store.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { LiveEvent } from '../../domain/event.js';
import type { EventStore } from '../../ports/event-store.js';

const MIGRATIONS: Array<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  def TEXT NOT NULL,
  version INTEGER NOT NULL
) WITHOUT ROWID;
`,
  },
  {
    version: 2,
    sql: `
ALTER TABLE events ADD COLUMN workspace_id TEXT;
ALTER TABLE events ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX events_workspace ON events (workspace_id, created_at) WHERE workspace_id IS NOT NULL;
`,
  },
  {
    // Quiz participants: one nickname per voter per event, unique per event by its key.
    version: 3,
    sql: `
CREATE TABLE quiz_players (
  event_id TEXT NOT NULL,
  voter_id TEXT NOT NULL,
  nickname TEXT NOT NULL,
  nick_key TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (event_id, voter_id),
  UNIQUE (event_id, nick_key)
) WITHOUT ROWID;
`,
  },
];

export class SqliteEventStore implements EventStore {
  readonly kind = 'embedded';
  readonly #db: Database.Database;

  constructor(opts: { dataDir: string; sync: 'full' | 'normal' }) {
    mkdirSync(opts.dataDir, { recursive: true });
    this.#db = new Database(join(opts.dataDir, 'events.db'));
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`synchronous = ${opts.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    this.#db.pragma('busy_timeout = 5000');
  }

  async migrate(): Promise<void> {
    const db = this.#db;
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      db.transaction(() => {
        db.exec(m.sql);
        db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, Date.now());
      }).immediate();
    }
  }

  async create(ev: LiveEvent): Promise<boolean> {
    return (
      this.#db
        .prepare('INSERT INTO events (id, code, def, version, workspace_id, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
        .run(ev.id, ev.code, JSON.stringify(ev), ev.version, ev.workspaceId ?? null, ev.createdAt).changes === 1
    );
  }

  #read(sql: string, key: string): LiveEvent | null {
    const def = this.#db.prepare(sql).pluck().get(key) as string | undefined;
    return def === undefined ? null : (JSON.parse(def) as LiveEvent);
  }

  async get(id: string): Promise<LiveEvent | null> {
    return this.#read('SELECT def FROM events WHERE id = ?', id);
  }

  async getByCode(code: string): Promise<LiveEvent | null> {
    return this.#read('SELECT def FROM events WHERE code = ?', code);
  }

  async update(next: LiveEvent, expectedVersion: number): Promise<boolean> {
    return (
      this.#db
        .prepare('UPDATE events SET def = ?, version = ? WHERE id = ? AND version = ?')
        .run(JSON.stringify(next), next.version, next.id, expectedVersion).changes === 1
    );
  }

  async listInWorkspace(workspaceId: string, page: { limit: number; before?: number }): Promise<LiveEvent[]> {
    const defs = this.#db
      .prepare('SELECT def FROM events WHERE workspace_id = ? AND created_at < ? ORDER BY created_at DESC, id DESC LIMIT ?')
      .pluck()
      .all(workspaceId, page.before ?? Number.MAX_SAFE_INTEGER, page.limit) as string[];
    return defs.map((d) => JSON.parse(d) as LiveEvent);
  }

  async delete(id: string): Promise<boolean> {
    return this.#db.prepare('DELETE FROM events WHERE id = ?').run(id).changes === 1;
  }

  async setNickname(eventId: string, voterId: string, nickname: string, key: string): Promise<boolean> {
    try {
      this.#db
        .prepare(
          'INSERT INTO quiz_players (event_id, voter_id, nickname, nick_key, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id, voter_id) DO UPDATE SET nickname = excluded.nickname, nick_key = excluded.nick_key, at = excluded.at',
        )
        .run(eventId, voterId, nickname, key, Date.now());
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return false;
      throw err;
    }
  }

  async nicknames(eventId: string): Promise<Array<{ voterId: string; nickname: string }>> {
    const rows = this.#db.prepare('SELECT voter_id, nickname FROM quiz_players WHERE event_id = ?').all(eventId) as Array<{ voter_id: string; nickname: string }>;
    return rows.map((r) => ({ voterId: r.voter_id, nickname: r.nickname }));
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
