/**
 * The embedded audience Q&A store: its own SQLite file (`qa.db`) under DATA_DIR in WAL mode, so
 * a surge of upvotes never queues behind vote batches or presenter actions. Each upvote batch is
 * one IMMEDIATE transaction (one writer at a time: the batch reads and writes the rows it plans
 * on with nobody in between), one fsync with EMBEDDED_SYNC=full.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  moderate,
  planUpvotes,
  type AudienceQuestion,
  type AudienceQuestionState,
  type Moderation,
  type UpvoteOp,
  type UpvoteOutcome,
  type UpvoteTarget,
} from '../../domain/audience-question.js';
import type { AudienceQaStore, QaCounts, QaListQuery } from '../../ports/audience-qa-store.js';

const MIGRATIONS: Array<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
CREATE TABLE audience_questions (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL,
  voter_key TEXT NOT NULL,
  name TEXT,
  text TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'visible', 'hidden')),
  pinned INTEGER NOT NULL,
  answered INTEGER NOT NULL,
  upvotes INTEGER NOT NULL CHECK (upvotes >= 0),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX audience_questions_event ON audience_questions (event_id, state);
CREATE TABLE audience_upvotes (
  question_id TEXT NOT NULL,
  voter_key TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (question_id, voter_key)
) WITHOUT ROWID;
CREATE INDEX audience_upvotes_voter ON audience_upvotes (voter_key);
CREATE TABLE qa_versions (
  event_id TEXT PRIMARY KEY,
  version INTEGER NOT NULL
) WITHOUT ROWID;
`,
  },
];

interface Row {
  id: string;
  event_id: string;
  voter_key: string;
  name: string | null;
  text: string;
  state: AudienceQuestionState;
  pinned: number;
  answered: number;
  upvotes: number;
  created_at: number;
  updated_at: number;
}

const toQuestion = (r: Row): AudienceQuestion => ({
  id: r.id,
  eventId: r.event_id,
  voterKey: r.voter_key,
  name: r.name,
  text: r.text,
  state: r.state,
  pinned: r.pinned === 1,
  answered: r.answered === 1,
  upvotes: r.upvotes,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const ORDER_BY = {
  top: 'pinned DESC, answered ASC, upvotes DESC, created_at ASC, id ASC',
  recent: 'pinned DESC, answered ASC, created_at DESC, id DESC',
} as const;

export class SqliteAudienceQaStore implements AudienceQaStore {
  readonly kind = 'embedded';
  readonly #db: Database.Database;
  readonly #s;

  constructor(opts: { dataDir: string; sync: 'full' | 'normal' }) {
    mkdirSync(opts.dataDir, { recursive: true });
    this.#db = new Database(join(opts.dataDir, 'qa.db'));
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`synchronous = ${opts.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    this.#db.pragma('busy_timeout = 5000');
    this.#migrateNow();
    const db = this.#db;
    this.#s = {
      insert: db.prepare(
        `INSERT INTO audience_questions (id, event_id, voter_key, name, text, state, pinned, answered, upvotes, created_at, updated_at)
         VALUES (@id, @eventId, @voterKey, @name, @text, @state, @pinned, @answered, @upvotes, @createdAt, @updatedAt)`,
      ),
      get: db.prepare('SELECT * FROM audience_questions WHERE id = ? AND event_id = ?'),
      target: db.prepare('SELECT event_id, state, upvotes FROM audience_questions WHERE id = ?'),
      has: db.prepare('SELECT 1 FROM audience_upvotes WHERE question_id = ? AND voter_key = ?').pluck(),
      up: db.prepare('INSERT INTO audience_upvotes (question_id, voter_key, at) VALUES (?, ?, ?)'),
      down: db.prepare('DELETE FROM audience_upvotes WHERE question_id = ? AND voter_key = ?'),
      count: db.prepare('UPDATE audience_questions SET upvotes = upvotes + ? WHERE id = ?'),
      moderate: db.prepare('UPDATE audience_questions SET state = ?, pinned = ?, answered = ?, updated_at = ? WHERE id = ?'),
      bump: db.prepare(
        'INSERT INTO qa_versions (event_id, version) VALUES (?, 1) ON CONFLICT (event_id) DO UPDATE SET version = version + 1',
      ),
      version: db.prepare('SELECT version FROM qa_versions WHERE event_id = ?').pluck(),
      counts: db.prepare('SELECT state, count(*) AS n FROM audience_questions WHERE event_id = ? GROUP BY state'),
    };
  }

  async migrate(): Promise<void> {
    this.#migrateNow();
  }

  #migrateNow(): void {
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

  async add(q: AudienceQuestion): Promise<void> {
    this.#db
      .transaction(() => {
        this.#s.insert.run({ ...q, pinned: q.pinned ? 1 : 0, answered: q.answered ? 1 : 0 });
        this.#s.bump.run(q.eventId);
      })
      .immediate();
  }

  async get(eventId: string, questionId: string): Promise<AudienceQuestion | null> {
    const r = this.#s.get.get(questionId, eventId) as Row | undefined;
    return r ? toQuestion(r) : null;
  }

  async list(eventId: string, query: QaListQuery): Promise<AudienceQuestion[]> {
    if (query.states.length === 0) return [];
    const marks = query.states.map(() => '?').join(', ');
    const rows = this.#db
      .prepare(`SELECT * FROM audience_questions WHERE event_id = ? AND state IN (${marks}) ORDER BY ${ORDER_BY[query.sort]} LIMIT ?`)
      .all(eventId, ...query.states, query.limit) as Row[];
    return rows.map(toQuestion);
  }

  async counts(eventId: string): Promise<QaCounts> {
    const out: QaCounts = { pending: 0, visible: 0, hidden: 0 };
    for (const r of this.#s.counts.all(eventId) as Array<{ state: AudienceQuestionState; n: number }>) out[r.state] = r.n;
    return out;
  }

  async moderate(eventId: string, questionId: string, change: Moderation, now: number): Promise<AudienceQuestion | null> {
    return this.#db
      .transaction(() => {
        const r = this.#s.get.get(questionId, eventId) as Row | undefined;
        if (!r) return null;
        const next = moderate(toQuestion(r), change, now);
        this.#s.moderate.run(next.state, next.pinned ? 1 : 0, next.answered ? 1 : 0, next.updatedAt, questionId);
        this.#s.bump.run(eventId);
        return next;
      })
      .immediate();
  }

  async applyUpvotes(ops: readonly UpvoteOp[]): Promise<UpvoteOutcome[]> {
    return this.#db
      .transaction(() => {
        const targets = new Map<string, UpvoteTarget>();
        for (const op of ops) {
          if (targets.has(op.questionId)) continue;
          const r = this.#s.target.get(op.questionId) as { event_id: string; state: AudienceQuestionState; upvotes: number } | undefined;
          if (r) targets.set(op.questionId, { eventId: r.event_id, state: r.state, upvotes: r.upvotes });
        }
        const plan = planUpvotes(ops, targets, (q, v) => this.#s.has.get(q, v) !== undefined);
        for (const [q, v, at] of plan.inserts) this.#s.up.run(q, v, at);
        for (const [q, v] of plan.deletes) this.#s.down.run(q, v);
        for (const [q, d] of plan.deltas) this.#s.count.run(d, q);
        for (const e of plan.events) this.#s.bump.run(e);
        return plan.outcomes;
      })
      .immediate();
  }

  async upvotedBy(voterKey: string, questionIds: readonly string[]): Promise<string[]> {
    if (questionIds.length === 0) return [];
    const out: string[] = [];
    for (const q of questionIds) if (this.#s.has.get(q, voterKey) !== undefined) out.push(q);
    return out;
  }

  async version(eventId: string): Promise<number> {
    return (this.#s.version.get(eventId) as number | undefined) ?? 0;
  }

  async deleteEvent(eventId: string): Promise<void> {
    this.#db
      .transaction(() => {
        this.#db
          .prepare('DELETE FROM audience_upvotes WHERE question_id IN (SELECT id FROM audience_questions WHERE event_id = ?)')
          .run(eventId);
        this.#db.prepare('DELETE FROM audience_questions WHERE event_id = ?').run(eventId);
        // The version stays (and moves): a stream still open on the deleted event never goes back.
        this.#s.bump.run(eventId);
      })
      .immediate();
  }

  async countMismatches(eventId: string): Promise<number> {
    return this.#db
      .prepare(
        `SELECT count(*) FROM audience_questions q WHERE q.event_id = ?
           AND q.upvotes <> (SELECT count(*) FROM audience_upvotes u WHERE u.question_id = q.id)`,
      )
      .pluck()
      .get(eventId) as number;
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
