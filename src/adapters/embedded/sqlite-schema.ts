import type Database from 'better-sqlite3';

/** Versioned migrations for the embedded store. Applied in order inside one transaction each. */
export const SQLITE_MIGRATIONS: SqliteMigration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE polls (
  id TEXT PRIMARY KEY,
  def TEXT NOT NULL,
  status TEXT NOT NULL,
  opens_at INTEGER,
  closes_at INTEGER,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL DEFAULT 0,
  results_at INTEGER NOT NULL
);
CREATE INDEX polls_due_open ON polls (opens_at) WHERE status = 'draft' AND opens_at IS NOT NULL;
CREATE INDEX polls_due_close ON polls (closes_at) WHERE status <> 'closed' AND closes_at IS NOT NULL;
CREATE TABLE tallies (
  poll_id TEXT NOT NULL,
  option_id TEXT NOT NULL,
  votes INTEGER NOT NULL,
  PRIMARY KEY (poll_id, option_id)
) WITHOUT ROWID;
CREATE TABLE votes (
  poll_id TEXT NOT NULL,
  voter_id TEXT NOT NULL,
  option_ids TEXT NOT NULL,
  receipt_id TEXT NOT NULL,
  cast_at INTEGER NOT NULL,
  changes INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (poll_id, voter_id)
) WITHOUT ROWID;
CREATE TABLE idempotency (
  poll_id TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (poll_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_created ON idempotency (created_at);
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  poll_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  payload TEXT NOT NULL
);
CREATE TABLE minute_counts (
  poll_id TEXT NOT NULL,
  minute TEXT NOT NULL,
  votes INTEGER NOT NULL,
  PRIMARY KEY (poll_id, minute)
) WITHOUT ROWID;
CREATE TABLE processed_events (
  consumer TEXT NOT NULL,
  event_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (consumer, event_id)
) WITHOUT ROWID;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`,
  },
  {
    version: 2,
    sql: `
CREATE TABLE votes_reset (
  poll_id TEXT NOT NULL,
  voter_id TEXT NOT NULL,
  option_ids TEXT NOT NULL,
  receipt_id TEXT NOT NULL,
  cast_at INTEGER NOT NULL,
  reset_at INTEGER NOT NULL
);
CREATE INDEX votes_reset_poll ON votes_reset (poll_id);
`,
  },
  {
    version: 3,
    sql: `
CREATE TABLE commitments (
  poll_id TEXT NOT NULL,
  closed_at INTEGER NOT NULL,
  scheme TEXT NOT NULL,
  root TEXT NOT NULL,
  count INTEGER NOT NULL,
  version INTEGER NOT NULL,
  published_at INTEGER NOT NULL,
  PRIMARY KEY (poll_id, closed_at)
) WITHOUT ROWID;
`,
  },
  {
    // Open text (answers, the word cloud's counts) and quiz points: written in the vote batch's transaction.
    version: 4,
    sql: `
CREATE TABLE text_answers (
  poll_id TEXT NOT NULL,
  answer_id TEXT NOT NULL,
  voter_id TEXT NOT NULL,
  body TEXT NOT NULL,
  words TEXT NOT NULL,
  state TEXT NOT NULL,
  approved INTEGER NOT NULL DEFAULT 0,
  at INTEGER NOT NULL,
  PRIMARY KEY (poll_id, answer_id)
) WITHOUT ROWID;
CREATE INDEX text_answers_recent ON text_answers (poll_id, at);
CREATE TABLE word_counts (
  poll_id TEXT NOT NULL,
  word TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (poll_id, word)
) WITHOUT ROWID;
CREATE INDEX word_counts_top ON word_counts (poll_id, count);
CREATE TABLE quiz_points (
  poll_id TEXT NOT NULL,
  voter_id TEXT NOT NULL,
  points INTEGER NOT NULL,
  correct INTEGER NOT NULL,
  ms INTEGER NOT NULL,
  PRIMARY KEY (poll_id, voter_id)
) WITHOUT ROWID;
`,
  },
];

export interface SqliteMigration {
  version: number;
  /** May hold several statements. Never edit one that shipped. */
  sql: string;
}

/**
 * The one SQLite migration runner: applies `migrations` not yet recorded in `table`, each in its
 * own IMMEDIATE transaction (a second process waits on the write lock, then finds it recorded).
 */
export function runSqliteMigrations(db: Database.Database, table: string, migrations: readonly SqliteMigration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`);
  const applied = new Set(db.prepare(`SELECT version FROM ${table}`).pluck().all() as number[]);
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare(`INSERT INTO ${table} (version, applied_at) VALUES (?, ?)`).run(m.version, Date.now());
    }).immediate();
  }
}
