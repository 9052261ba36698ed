/**
 * Versioned migrations for the PostgreSQL store. `migrate` applies the pending ones in one
 * transaction under a transaction-scoped advisory lock keyed by the schema, so processes that
 * start together queue up and the later ones find nothing to do. A transaction-scoped lock (not a
 * session lock) also works through PgBouncer in transaction pooling mode.
 */
import { checkSchemaName } from './pg-sql.js';
import { stmt, type PgLink } from './pg-link.js';

/** Hash partitions of `votes` (by poll id). Fixed at creation; see docs/storage.md. */
export const VOTE_PARTITIONS = 16;

const partitions = (s: string) =>
  Array.from(
    { length: VOTE_PARTITIONS },
    (_, i) => `CREATE TABLE ${s}.votes_p${String(i).padStart(2, '0')} PARTITION OF ${s}.votes FOR VALUES WITH (MODULUS ${VOTE_PARTITIONS}, REMAINDER ${i});`,
  ).join('\n');

/** `s` is the quoted schema name. Ids and keys collate as "C": byte order, the cheapest compare. */
export const PG_MIGRATIONS: PgMigration[] = [
  {
    version: 1,
    sql: (s) => `
CREATE TABLE ${s}.polls (
  id text COLLATE "C" PRIMARY KEY,
  def jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
  opens_at bigint,
  closes_at bigint,
  updated_at bigint NOT NULL,
  version bigint NOT NULL DEFAULT 0,
  total bigint NOT NULL DEFAULT 0,
  results_at bigint NOT NULL
) WITH (fillfactor = 70);
CREATE INDEX polls_due_open ON ${s}.polls (opens_at) WHERE status = 'draft' AND opens_at IS NOT NULL;
CREATE INDEX polls_due_close ON ${s}.polls (closes_at) WHERE status <> 'closed' AND closes_at IS NOT NULL;

CREATE TABLE ${s}.tallies (
  poll_id text COLLATE "C" NOT NULL,
  option_id text COLLATE "C" NOT NULL,
  votes bigint NOT NULL,
  PRIMARY KEY (poll_id, option_id)
) WITH (fillfactor = 70);

CREATE TABLE ${s}.votes (
  poll_id text COLLATE "C" NOT NULL,
  voter_id text COLLATE "C" NOT NULL,
  option_ids text NOT NULL,
  receipt_id text NOT NULL,
  cast_at bigint NOT NULL,
  changes integer NOT NULL DEFAULT 0,
  PRIMARY KEY (poll_id, voter_id)
) PARTITION BY HASH (poll_id);
${partitions(s)}

CREATE TABLE ${s}.idempotency (
  poll_id text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  request_hash text NOT NULL,
  status integer NOT NULL,
  body text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (poll_id, key)
);
CREATE INDEX idempotency_created ON ${s}.idempotency (created_at);

CREATE TABLE ${s}.outbox (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id text NOT NULL UNIQUE,
  type text NOT NULL,
  poll_id text NOT NULL,
  at bigint NOT NULL,
  payload jsonb NOT NULL
);

CREATE TABLE ${s}.minute_counts (
  poll_id text COLLATE "C" NOT NULL,
  minute text COLLATE "C" NOT NULL,
  votes bigint NOT NULL,
  PRIMARY KEY (poll_id, minute)
);

CREATE TABLE ${s}.processed_events (
  consumer text COLLATE "C" NOT NULL,
  event_id text COLLATE "C" NOT NULL,
  at bigint NOT NULL,
  PRIMARY KEY (consumer, event_id)
);
CREATE INDEX processed_events_at ON ${s}.processed_events (at);

CREATE TABLE ${s}.meta (key text PRIMARY KEY, value text NOT NULL);

CREATE TABLE ${s}.leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
);
`,
  },
  {
    version: 2,
    sql: (s) => `
CREATE TABLE ${s}.votes_reset (
  poll_id text COLLATE "C" NOT NULL,
  voter_id text COLLATE "C" NOT NULL,
  option_ids text NOT NULL,
  receipt_id text NOT NULL,
  cast_at bigint NOT NULL,
  reset_at bigint NOT NULL
);
CREATE INDEX votes_reset_poll ON ${s}.votes_reset (poll_id);
`,
  },
  {
    // A vote batch is written by one statement in its own implicit transaction (pg-record-votes.ts):
    // when what it read no longer holds, this raises a serialization failure inside the statement,
    // so nothing of it is written and the batch runs again from its read.
    version: 3,
    sql: (s) => `
CREATE FUNCTION ${s}.vote_batch_guard(held boolean, why text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $f$
BEGIN
  IF NOT held THEN
    RAISE EXCEPTION 'vote batch raced with another write (%); retrying', why USING ERRCODE = 'serialization_failure';
  END IF;
  RETURN true;
END
$f$;
`,
  },
  {
    version: 4,
    sql: (s) => `
CREATE TABLE ${s}.commitments (
  poll_id text COLLATE "C" NOT NULL,
  closed_at bigint NOT NULL,
  scheme text NOT NULL,
  root text NOT NULL,
  count bigint NOT NULL,
  version bigint NOT NULL,
  published_at bigint NOT NULL,
  PRIMARY KEY (poll_id, closed_at)
);
`,
  },
  {
    // Open text (answers, the word cloud's counts) and quiz points: written in the vote batch's transaction.
    version: 5,
    sql: (s) => `
CREATE TABLE ${s}.text_answers (
  poll_id text COLLATE "C" NOT NULL,
  answer_id text COLLATE "C" NOT NULL,
  voter_id text COLLATE "C" NOT NULL,
  body text NOT NULL,
  words text NOT NULL,
  state text NOT NULL CHECK (state IN ('shown', 'pending', 'hidden')),
  approved boolean NOT NULL DEFAULT false,
  at bigint NOT NULL,
  PRIMARY KEY (poll_id, answer_id)
);
CREATE INDEX text_answers_recent ON ${s}.text_answers (poll_id, at);
CREATE TABLE ${s}.word_counts (
  poll_id text COLLATE "C" NOT NULL,
  word text COLLATE "C" NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (poll_id, word)
) WITH (fillfactor = 70);
CREATE INDEX word_counts_top ON ${s}.word_counts (poll_id, count);
CREATE TABLE ${s}.quiz_points (
  poll_id text COLLATE "C" NOT NULL,
  voter_id text COLLATE "C" NOT NULL,
  points integer NOT NULL,
  correct boolean NOT NULL,
  ms bigint NOT NULL,
  PRIMARY KEY (poll_id, voter_id)
);
`,
  },
];

const LOCK = stmt('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))');
const MIGRATE_TIMEOUT_MS = 300_000;

export interface PgMigration {
  version: number;
  /** `s` is the quoted schema name. May hold several statements. Never edit one that shipped. */
  sql: (s: string) => string;
}

/** Applies the vote store's pending migrations; returns the versions it applied. */
export function migrate(link: PgLink, schema: string): Promise<number[]> {
  return runPgMigrations(link, schema, 'schema_migrations', PG_MIGRATIONS);
}

/**
 * The one PostgreSQL migration runner: applies `migrations` not yet recorded in `table`, in one
 * transaction, under an advisory lock per schema (every store's migrations share it: each runs
 * `CREATE SCHEMA IF NOT EXISTS`, which races when two transactions create one schema at once).
 * Returns the versions it applied.
 */
export async function runPgMigrations(link: PgLink, schema: string, table: string, migrations: readonly PgMigration[]): Promise<number[]> {
  const s = `"${checkSchemaName(schema)}"`;
  return link.tx(
    async (exec) => {
      await exec(LOCK, [`pollcast:migrate:${schema}`]);
      await exec(stmt(`CREATE SCHEMA IF NOT EXISTS ${s}`), [], { simple: true });
      await exec(stmt(`CREATE TABLE IF NOT EXISTS ${s}.${table} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`), [], { simple: true });
      const done = new Set((await exec<{ version: number }>(stmt(`SELECT version FROM ${s}.${table}`), [], { simple: true })).map((r) => r.version));
      const applied: number[] = [];
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        await exec(stmt(m.sql(s)), [], { simple: true });
        await exec(stmt(`INSERT INTO ${s}.${table} (version) VALUES (${m.version})`), [], { simple: true });
        applied.push(m.version);
      }
      return applied;
    },
    { timeoutMs: MIGRATE_TIMEOUT_MS },
  );
}
