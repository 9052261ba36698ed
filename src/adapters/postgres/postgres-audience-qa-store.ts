/**
 * The PostgreSQL audience Q&A store: its own tables (migrations in `qa_migrations`) in the schema
 * of DATABASE_URL, on the primary, with a small pool. Pooler-safe like the event store:
 * schema-qualified names, unnamed statements, a transaction-scoped advisory lock for migrations.
 *
 * An upvote batch is one transaction: it locks its questions (`FOR UPDATE`, in id order, so two
 * batches never deadlock), reads the upvote rows of its voters, plans (domain planUpvotes), then
 * inserts, deletes and moves counts with one statement each. Every writer of a question's upvote
 * rows holds that question's lock, so what a batch read stays true until it commits; the unique
 * key (question_id, voter_key) is the last word either way.
 */
import pg from 'pg';
import {
  moderate,
  planUpvotes,
  type AudienceQuestion,
  type AudienceQuestionState,
  type Moderation,
  type UpvoteOp,
  type UpvoteOutcome,
  type UpvoteTarget,
  upvoteKey,
} from '../../domain/audience-question.js';
import type { AudienceQaStore, QaCounts, QaListQuery } from '../../ports/audience-qa-store.js';
import { checkSchemaName, splitPgUrl } from './pg-sql.js';

export interface PostgresAudienceQaStoreOptions {
  url: string;
  schema?: string | undefined;
  connectTimeoutMs?: number | undefined;
  queryTimeoutMs?: number | undefined;
}

const MIGRATIONS: Array<{ version: number; sql: (s: string) => string }> = [
  {
    version: 1,
    sql: (s) => `
CREATE TABLE ${s}.audience_questions (
  id text COLLATE "C" PRIMARY KEY,
  event_id text COLLATE "C" NOT NULL,
  voter_key text COLLATE "C" NOT NULL,
  name text,
  text text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'visible', 'hidden')),
  pinned boolean NOT NULL,
  answered boolean NOT NULL,
  upvotes integer NOT NULL CHECK (upvotes >= 0),
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX audience_questions_event ON ${s}.audience_questions (event_id, state);
CREATE TABLE ${s}.audience_upvotes (
  question_id text COLLATE "C" NOT NULL,
  voter_key text COLLATE "C" NOT NULL,
  at bigint NOT NULL,
  PRIMARY KEY (question_id, voter_key)
);
CREATE INDEX audience_upvotes_voter ON ${s}.audience_upvotes (voter_key);
CREATE TABLE ${s}.qa_versions (
  event_id text COLLATE "C" PRIMARY KEY,
  version bigint NOT NULL
);`,
  },
];

interface Row {
  id: string;
  event_id: string;
  voter_key: string;
  name: string | null;
  text: string;
  state: AudienceQuestionState;
  pinned: boolean;
  answered: boolean;
  upvotes: number;
  created_at: string;
  updated_at: string;
}

const toQuestion = (r: Row): AudienceQuestion => ({
  id: r.id,
  eventId: r.event_id,
  voterKey: r.voter_key,
  name: r.name,
  text: r.text,
  state: r.state,
  pinned: r.pinned,
  answered: r.answered,
  upvotes: r.upvotes,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});

const ORDER_BY = {
  top: 'pinned DESC, answered ASC, upvotes DESC, created_at ASC, id ASC',
  recent: 'pinned DESC, answered ASC, created_at DESC, id DESC',
} as const;

type Query = <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => Promise<pg.QueryResult<R>>;

export class PostgresAudienceQaStore implements AudienceQaStore {
  readonly kind = 'postgres';
  readonly schema: string;
  readonly #s: string;
  readonly #pool: pg.Pool;
  readonly #timeout: number;
  #closed = false;

  constructor(o: PostgresAudienceQaStoreOptions) {
    const { url, schema } = splitPgUrl(o.url);
    this.schema = checkSchemaName(o.schema ?? schema ?? 'public');
    this.#s = `"${this.schema}"`;
    this.#timeout = o.queryTimeoutMs ?? 8_000;
    this.#pool = new pg.Pool({
      connectionString: url,
      max: 4,
      connectionTimeoutMillis: o.connectTimeoutMs ?? 3_000,
      idleTimeoutMillis: 10_000,
      keepAlive: true,
      allowExitOnIdle: true,
      application_name: 'pollcast-qa',
    });
    this.#pool.on('error', () => {});
    this.#pool.on('connect', (client) => client.on('error', () => {}));
  }

  #q: Query = (text, values = []) => this.#pool.query({ text, values, query_timeout: this.#timeout } as pg.QueryConfig);

  /** Runs `fn` in one transaction on one connection. */
  async #tx<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    const q: Query = (text, values = []) => client.query({ text, values, query_timeout: this.#timeout } as pg.QueryConfig);
    try {
      await client.query('BEGIN');
      const out = await fn(q);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async migrate(): Promise<void> {
    const s = this.#s;
    await this.#tx(async (q) => {
      await q('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`pollcast:migrate:${this.schema}`]);
      await q(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await q(`CREATE TABLE IF NOT EXISTS ${s}.qa_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = new Set((await q<{ version: number }>(`SELECT version FROM ${s}.qa_migrations`)).rows.map((r) => r.version));
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await q(m.sql(s));
        await q(`INSERT INTO ${s}.qa_migrations (version) VALUES ($1)`, [m.version]);
      }
    });
  }

  #bump(q: Query, eventIds: string[]): Promise<unknown> {
    return q(
      `INSERT INTO ${this.#s}.qa_versions AS v (event_id, version)
       SELECT e, 1 FROM unnest($1::text[]) AS e ORDER BY e
       ON CONFLICT (event_id) DO UPDATE SET version = v.version + 1`,
      [[...eventIds].sort()],
    );
  }

  async add(x: AudienceQuestion): Promise<void> {
    await this.#tx(async (q) => {
      await q(
        `INSERT INTO ${this.#s}.audience_questions (id, event_id, voter_key, name, text, state, pinned, answered, upvotes, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [x.id, x.eventId, x.voterKey, x.name, x.text, x.state, x.pinned, x.answered, x.upvotes, x.createdAt, x.updatedAt],
      );
      await this.#bump(q, [x.eventId]);
    });
  }

  async get(eventId: string, questionId: string): Promise<AudienceQuestion | null> {
    const r = await this.#q<Row>(`SELECT * FROM ${this.#s}.audience_questions WHERE id = $1 AND event_id = $2`, [questionId, eventId]);
    return r.rows[0] ? toQuestion(r.rows[0]) : null;
  }

  async list(eventId: string, query: QaListQuery): Promise<AudienceQuestion[]> {
    const r = await this.#q<Row>(
      `SELECT * FROM ${this.#s}.audience_questions WHERE event_id = $1 AND state = ANY($2::text[]) ORDER BY ${ORDER_BY[query.sort]} LIMIT $3`,
      [eventId, [...query.states], query.limit],
    );
    return r.rows.map(toQuestion);
  }

  async counts(eventId: string): Promise<QaCounts> {
    const r = await this.#q<{ state: AudienceQuestionState; n: string }>(
      `SELECT state, count(*) AS n FROM ${this.#s}.audience_questions WHERE event_id = $1 GROUP BY state`,
      [eventId],
    );
    const out: QaCounts = { pending: 0, visible: 0, hidden: 0 };
    for (const row of r.rows) out[row.state] = Number(row.n);
    return out;
  }

  async moderate(eventId: string, questionId: string, change: Moderation, now: number): Promise<AudienceQuestion | null> {
    return this.#tx(async (q) => {
      const r = await q<Row>(`SELECT * FROM ${this.#s}.audience_questions WHERE id = $1 AND event_id = $2 FOR UPDATE`, [questionId, eventId]);
      if (!r.rows[0]) return null;
      const next = moderate(toQuestion(r.rows[0]), change, now);
      await q(`UPDATE ${this.#s}.audience_questions SET state = $2, pinned = $3, answered = $4, updated_at = $5 WHERE id = $1`, [
        questionId,
        next.state,
        next.pinned,
        next.answered,
        next.updatedAt,
      ]);
      await this.#bump(q, [eventId]);
      return next;
    });
  }

  async applyUpvotes(ops: readonly UpvoteOp[]): Promise<UpvoteOutcome[]> {
    if (ops.length === 0) return [];
    const s = this.#s;
    return this.#tx(async (q) => {
      const ids = [...new Set(ops.map((o) => o.questionId))].sort();
      const locked = await q<{ id: string; event_id: string; state: AudienceQuestionState; upvotes: number }>(
        `SELECT id, event_id, state, upvotes FROM ${s}.audience_questions WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
        [ids],
      );
      const targets = new Map<string, UpvoteTarget>();
      for (const r of locked.rows) targets.set(r.id, { eventId: r.event_id, state: r.state, upvotes: r.upvotes });
      const keys = new Map<string, [string, string]>();
      for (const o of ops) if (targets.has(o.questionId)) keys.set(upvoteKey(o.questionId, o.voterKey), [o.questionId, o.voterKey]);
      const existing = new Set<string>();
      if (keys.size > 0) {
        const pairs = [...keys.values()];
        const r = await q<{ question_id: string; voter_key: string }>(
          `SELECT u.question_id, u.voter_key FROM ${s}.audience_upvotes u
           JOIN unnest($1::text[], $2::text[]) AS k(q, v) ON u.question_id = k.q AND u.voter_key = k.v`,
          [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
        );
        for (const row of r.rows) existing.add(upvoteKey(row.question_id, row.voter_key));
      }
      const plan = planUpvotes(ops, targets, (qid, v) => existing.has(upvoteKey(qid, v)));
      if (plan.inserts.length > 0) {
        // A conflict here would mean a writer without the question's lock: fail the batch rather than miscount.
        await q(`INSERT INTO ${s}.audience_upvotes (question_id, voter_key, at) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])`, [
          plan.inserts.map((x) => x[0]),
          plan.inserts.map((x) => x[1]),
          plan.inserts.map((x) => x[2]),
        ]);
      }
      if (plan.deletes.length > 0) {
        await q(
          `DELETE FROM ${s}.audience_upvotes u USING unnest($1::text[], $2::text[]) AS k(q, v) WHERE u.question_id = k.q AND u.voter_key = k.v`,
          [plan.deletes.map((x) => x[0]), plan.deletes.map((x) => x[1])],
        );
      }
      if (plan.deltas.size > 0) {
        await q(`UPDATE ${s}.audience_questions AS x SET upvotes = x.upvotes + d.delta FROM unnest($1::text[], $2::int[]) AS d(id, delta) WHERE x.id = d.id`, [
          [...plan.deltas.keys()],
          [...plan.deltas.values()],
        ]);
        await this.#bump(q, [...plan.events]);
      }
      return plan.outcomes;
    });
  }

  async upvotedBy(voterKey: string, questionIds: readonly string[]): Promise<string[]> {
    if (questionIds.length === 0) return [];
    const r = await this.#q<{ question_id: string }>(
      `SELECT question_id FROM ${this.#s}.audience_upvotes WHERE voter_key = $1 AND question_id = ANY($2::text[])`,
      [voterKey, [...questionIds]],
    );
    return r.rows.map((x) => x.question_id);
  }

  async version(eventId: string): Promise<number> {
    const r = await this.#q<{ version: string }>(`SELECT version FROM ${this.#s}.qa_versions WHERE event_id = $1`, [eventId]);
    return r.rows[0] ? Number(r.rows[0].version) : 0;
  }

  async countMismatches(eventId: string): Promise<number> {
    const r = await this.#q<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.#s}.audience_questions x WHERE x.event_id = $1
         AND x.upvotes <> (SELECT count(*) FROM ${this.#s}.audience_upvotes u WHERE u.question_id = x.id)`,
      [eventId],
    );
    return Number(r.rows[0]?.n ?? 0);
  }

  async deleteEvent(eventId: string): Promise<void> {
    await this.#tx(async (q) => {
      const ids = await q<{ id: string }>(`SELECT id FROM ${this.#s}.audience_questions WHERE event_id = $1 ORDER BY id FOR UPDATE`, [eventId]);
      await q(`DELETE FROM ${this.#s}.audience_upvotes WHERE question_id = ANY($1::text[])`, [ids.rows.map((r) => r.id)]);
      await q(`DELETE FROM ${this.#s}.audience_questions WHERE event_id = $1`, [eventId]);
      // The version stays (and moves): a stream still open on the deleted event never goes back.
      await this.#bump(q, [eventId]);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
