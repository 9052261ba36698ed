/**
 * Every statement the PostgreSQL store runs, with constant text per schema. Tables are qualified
 * with the schema in the text (no `SET search_path`: no session state, so PgBouncer's transaction
 * pooling is safe). Batches go in as arrays through `unnest`, so a batch of 1 and of 500 use the
 * same prepared statement. Each path is backed by an index (test/contract/store-postgres.test.ts
 * checks the plans).
 */
import { stmt, type Stmt } from './pg-link.js';

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_RE.test(schema)) throw new Error(`invalid PostgreSQL schema name "${schema}": use lower-case letters, digits and _`);
  return schema;
}

/** Our own query parameters (`schema`, `shard`), read and removed before the URL reaches the driver. */
export function splitPgUrl(raw: string): { url: string; schema: string | null; shard: string | null } {
  const u = new URL(raw);
  const schema = u.searchParams.get('schema');
  const shard = u.searchParams.get('shard');
  u.searchParams.delete('schema');
  u.searchParams.delete('shard');
  return { url: u.toString(), schema, shard };
}

export function buildSql(schema: string) {
  const s = `"${checkSchemaName(schema)}"`;
  const base = {
    ping: stmt('SELECT 1'),
    insertPoll: stmt(`INSERT INTO ${s}.polls (id, def, status, opens_at, closes_at, updated_at, results_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`),
    getPoll: stmt(`SELECT def, status, opens_at, closes_at, updated_at FROM ${s}.polls WHERE id = $1`),
    getPolls: stmt(`SELECT def, status, opens_at, closes_at, updated_at FROM ${s}.polls WHERE id = ANY($1::text[])`),
    getResults: stmt(
      `SELECT p.def, p.status, p.opens_at, p.closes_at, p.updated_at, p.version, p.total, p.results_at,
              coalesce((SELECT jsonb_object_agg(t.option_id, t.votes) FROM ${s}.tallies t WHERE t.poll_id = p.id), '{}'::jsonb) AS counts
         FROM ${s}.polls p WHERE p.id = $1`,
    ),
    lockPoll: stmt(`SELECT status, updated_at FROM ${s}.polls WHERE id = $1 FOR UPDATE`),
    updatePoll: stmt(
      `UPDATE ${s}.polls SET def = $2, status = $3, opens_at = $4, closes_at = $5, updated_at = $6, version = version + 1, results_at = $6
        WHERE id = $1 AND updated_at = $7 RETURNING version`,
    ),
    insertOutbox: stmt(`INSERT INTO ${s}.outbox (event_id, type, poll_id, at, payload) VALUES ($1, $2, $3, $4, $5)`),
    /** First, alone: waits for in-flight vote batches (they lock the poll row) before the rest goes. */
    deletePoll: stmt(`DELETE FROM ${s}.polls WHERE id = $1 RETURNING id`),
    deletePollData: stmt(
      `WITH t AS (DELETE FROM ${s}.tallies WHERE poll_id = $1),
            v AS (DELETE FROM ${s}.votes WHERE poll_id = $1),
            i AS (DELETE FROM ${s}.idempotency WHERE poll_id = $1),
            m AS (DELETE FROM ${s}.minute_counts WHERE poll_id = $1),
            r AS (DELETE FROM ${s}.votes_reset WHERE poll_id = $1),
            c AS (DELETE FROM ${s}.commitments WHERE poll_id = $1),
            x AS (DELETE FROM ${s}.text_answers WHERE poll_id = $1),
            w AS (DELETE FROM ${s}.word_counts WHERE poll_id = $1),
            q AS (DELETE FROM ${s}.quiz_points WHERE poll_id = $1)
       SELECT 1`,
    ),
    /** After lockPoll, in its transaction: votes to the archive, tallies and answers gone, version + 1. */
    resetVotes: stmt(
      `WITH moved AS (DELETE FROM ${s}.votes WHERE poll_id = $1 RETURNING poll_id, voter_id, option_ids, receipt_id, cast_at),
            kept AS (INSERT INTO ${s}.votes_reset (poll_id, voter_id, option_ids, receipt_id, cast_at, reset_at) SELECT poll_id, voter_id, option_ids, receipt_id, cast_at, $2 FROM moved),
            t AS (DELETE FROM ${s}.tallies WHERE poll_id = $1),
            i AS (DELETE FROM ${s}.idempotency WHERE poll_id = $1),
            x AS (DELETE FROM ${s}.text_answers WHERE poll_id = $1),
            w AS (DELETE FROM ${s}.word_counts WHERE poll_id = $1),
            q AS (DELETE FROM ${s}.quiz_points WHERE poll_id = $1)
       UPDATE ${s}.polls SET version = version + 1, total = 0, results_at = $2 WHERE id = $1 RETURNING version`,
    ),
    countResetVotes: stmt(`SELECT count(*)::int AS n FROM ${s}.votes_reset WHERE poll_id = $1`),

    // --- the vote batch (pg-record-votes.ts): two statements, each its own implicit transaction ---
    /**
     * What the planner reads, in one round trip and without locks: the batch's polls (`t` 0: id,
     * definition, status, window, updated_at, version), the stored votes of its voters (`t` 1) and
     * the answers stored under its idempotency keys (`t` 2). One index probe per voter and key
     * (LATERAL … LIMIT 1): a join would let the planner scan a hot poll's every vote instead.
     * Nothing is locked: writeBatch checks that what was read still holds when it writes.
     */
    readBatch: stmt(
      `SELECT 0 AS t, p.id AS p, NULL AS k, p.def::text AS a, p.status AS b, p.version AS n, p.opens_at AS o, p.closes_at AS c, p.updated_at AS u
         FROM ${s}.polls p WHERE p.id = ANY($1::text[])
       UNION ALL
       SELECT 1, u.p, u.w, v.option_ids, v.receipt_id, v.cast_at, NULL, NULL, NULL
         FROM unnest($2::text[], $3::text[]) AS u(p, w)
         CROSS JOIN LATERAL (
           SELECT option_ids, receipt_id, cast_at FROM ${s}.votes WHERE poll_id = u.p AND voter_id = u.w AND poll_id = ANY($1::text[]) LIMIT 1
         ) AS v
       UNION ALL
       SELECT 2, u.p, u.k, i.request_hash, i.body, i.status, NULL, NULL, NULL
         FROM unnest($4::text[], $5::text[]) AS u(p, k)
         CROSS JOIN LATERAL (SELECT request_hash, body, status FROM ${s}.idempotency WHERE poll_id = u.p AND key = u.k LIMIT 1) AS i`,
    ),
    /**
     * Every write of a batch plan in one statement (so one implicit transaction, committed when it
     * ends), each part's rows sorted by its conflict key. Its guards check that what readBatch saw
     * still holds: keys and votes inserted only where none exist, a change only to the row as read,
     * a poll counted only while its status and definition are the ones read. When any guard finds
     * otherwise, vote_batch_guard raises a serialization failure and the statement writes nothing.
     * The poll's version is taken from the row (version + 1) rather than from the read, so batches
     * of one poll from any number of processes overlap and queue only on the poll's row lock,
     * between this statement's update and its commit; each batch's events carry the version it got.
     */
    writeBatch: stmt(
      `WITH a AS (
         INSERT INTO ${s}.idempotency (poll_id, key, request_hash, status, body, created_at)
         SELECT u.p, u.k, u.h, u.st, u.b, $1 FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::text[]) AS u(p, k, h, st, b)
         ON CONFLICT DO NOTHING RETURNING 1
       ), i AS (
         INSERT INTO ${s}.votes (poll_id, voter_id, option_ids, receipt_id, cast_at, changes)
         SELECT * FROM unnest($7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[], $12::int[])
         ON CONFLICT DO NOTHING RETURNING 1
       ), c AS (
         UPDATE ${s}.votes v SET option_ids = u.o, receipt_id = u.r, cast_at = u.c, changes = v.changes + u.n
           FROM unnest($13::text[], $14::text[], $15::text[], $16::text[], $17::bigint[], $18::int[], $19::text[]) AS u(p, w, o, r, c, n, was)
          WHERE v.poll_id = u.p AND v.voter_id = u.w AND v.receipt_id = u.was AND v.poll_id = ANY($20::text[])
         RETURNING 1
       ), t AS (
         INSERT INTO ${s}.tallies AS tl (poll_id, option_id, votes)
         SELECT * FROM unnest($21::text[], $22::text[], $23::bigint[])
         ON CONFLICT (poll_id, option_id) DO UPDATE SET votes = tl.votes + excluded.votes
       ), b AS (
         UPDATE ${s}.polls p SET version = p.version + 1, total = p.total + u.t, results_at = $1
           FROM unnest($24::text[], $25::bigint[], $26::text[], $27::bigint[]) AS u(id, t, st, up)
          WHERE p.id = u.id AND p.status = u.st AND p.updated_at = u.up
         RETURNING p.id, p.version
       ), o AS (
         INSERT INTO ${s}.outbox (event_id, type, poll_id, at, payload)
         SELECT u.e, 'votes.recorded', u.p, $1, jsonb_set(u.j::jsonb, '{version}', to_jsonb(b.version))
           FROM unnest($28::text[], $29::text[], $30::text[]) AS u(e, p, j) JOIN b ON b.id = u.p
       )
       SELECT ${s}.vote_batch_guard((SELECT count(*) FROM a) = $31, 'idempotency key claimed meanwhile')
          AND ${s}.vote_batch_guard((SELECT count(*) FROM i) = $32 AND (SELECT count(*) FROM c) = $33, 'vote written meanwhile')
          AND ${s}.vote_batch_guard((SELECT count(*) FROM b) = $34, 'poll changed meanwhile') AS held,
              (SELECT coalesce(json_agg(json_build_array(b.id, b.version)), '[]') FROM b)::text AS versions`,
    ),

    topWords: stmt(`SELECT word, count FROM ${s}.word_counts WHERE poll_id = $1 AND count > 0 ORDER BY count DESC, word LIMIT $2`),
    listTexts: stmt(
      `SELECT answer_id, body, state, approved, at FROM ${s}.text_answers WHERE poll_id = $1 AND at < $2 ORDER BY at DESC, answer_id DESC LIMIT $3`,
    ),
    getTextForUpdate: stmt(`SELECT state, approved, words FROM ${s}.text_answers WHERE poll_id = $1 AND answer_id = $2 FOR UPDATE`),
    /**
     * Moderation, after lockPoll and getTextForUpdate, one statement each in this order: tallies,
     * then word counts (each sorted), as a vote batch's write takes them after the poll row, so
     * the two never wait on each other in a cycle.
     */
    moderateTally: stmt(
      `INSERT INTO ${s}.tallies AS tl (poll_id, option_id, votes) VALUES ($1, $2, $3)
       ON CONFLICT (poll_id, option_id) DO UPDATE SET votes = tl.votes + excluded.votes`,
    ),
    moderateWords: stmt(
      `INSERT INTO ${s}.word_counts AS wc (poll_id, word, count) SELECT $1, u.w, $3::bigint FROM unnest($2::text[]) AS u(w)
       ON CONFLICT (poll_id, word) DO UPDATE SET count = wc.count + excluded.count`,
    ),
    moderateText: stmt(
      `WITH a AS (UPDATE ${s}.text_answers SET state = $3, approved = $4 WHERE poll_id = $1 AND answer_id = $2)
       UPDATE ${s}.polls SET version = version + 1, results_at = $5 WHERE id = $1 RETURNING version`,
    ),
    quizScores: stmt(
      `SELECT voter_id, sum(points)::bigint AS score, count(*)::int AS answered, count(*) FILTER (WHERE correct)::int AS correct,
              coalesce(sum(ms) FILTER (WHERE correct), 0)::bigint AS correct_ms
         FROM ${s}.quiz_points WHERE poll_id = ANY($1::text[]) GROUP BY voter_id`,
    ),

    getVote: stmt(`SELECT option_ids, receipt_id, cast_at FROM ${s}.votes WHERE poll_id = $1 AND voter_id = $2`),
    countVotes: stmt(`SELECT count(*) AS n FROM ${s}.votes WHERE poll_id = $1`),
    listVotes: stmt(`SELECT voter_id, option_ids, receipt_id, cast_at FROM ${s}.votes WHERE poll_id = $1 AND voter_id > $2 ORDER BY voter_id LIMIT $3`),
    /** Only while the poll is still closed at that close and version; the first commitment of a close stands. */
    insertCommitment: stmt(
      `INSERT INTO ${s}.commitments (poll_id, closed_at, scheme, root, count, version, published_at)
       SELECT $1, $2, $3, $4, $5, $6, $7 FROM ${s}.polls p
        WHERE p.id = $1 AND p.status = 'closed' AND coalesce(p.closes_at, 0) = $2 AND p.version = $6
       ON CONFLICT DO NOTHING`,
    ),
    commitments: stmt(`SELECT closed_at, scheme, root, count, version, published_at FROM ${s}.commitments WHERE poll_id = $1 ORDER BY closed_at`),
    getIdempotency: stmt(`SELECT status, body, request_hash FROM ${s}.idempotency WHERE poll_id = $1 AND key = $2`),
    pruneIdempotency: stmt(`WITH d AS (DELETE FROM ${s}.idempotency WHERE created_at < $1 RETURNING 1) SELECT count(*) AS n FROM d`),

    duePolls: stmt(
      `SELECT id, status, opens_at, closes_at FROM ${s}.polls
        WHERE (status = 'draft' AND opens_at IS NOT NULL AND opens_at <= $1)
           OR (status <> 'closed' AND closes_at IS NOT NULL AND closes_at <= $1)
        ORDER BY id FOR UPDATE`,
    ),
    setStatuses: stmt(
      `WITH u AS (
         UPDATE ${s}.polls p SET status = x.next, updated_at = $1, version = p.version + 1, results_at = $1
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS x(id, prev, next, e)
          WHERE p.id = x.id AND p.status = x.prev
         RETURNING p.id, p.status, p.version, x.e
       ), o AS (
         INSERT INTO ${s}.outbox (event_id, type, poll_id, at, payload)
         SELECT u.e, 'poll.status', u.id, $1, jsonb_build_object('status', u.status, 'version', u.version) FROM u
       )
       SELECT id, status, version FROM u ORDER BY id`,
    ),
    nextDue: stmt(
      `SELECT least(
         (SELECT min(opens_at) FROM ${s}.polls WHERE status = 'draft' AND opens_at IS NOT NULL AND opens_at > $1),
         (SELECT min(closes_at) FROM ${s}.polls WHERE status <> 'closed' AND closes_at IS NOT NULL AND closes_at > $1)) AS at`,
    ),

    readOutbox: stmt(`SELECT seq, event_id, type, poll_id, at, payload FROM ${s}.outbox ORDER BY seq LIMIT $1`),
    deleteOutbox: stmt(`DELETE FROM ${s}.outbox WHERE seq = ANY($1::bigint[])`),
    outboxBacklog: stmt(`SELECT count(*) AS n FROM ${s}.outbox`),

    applyMinuteCounts: stmt(
      `WITH e AS (
         INSERT INTO ${s}.processed_events (consumer, event_id, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1
       ), m AS (
         INSERT INTO ${s}.minute_counts AS mc (poll_id, minute, votes)
         SELECT $4, u.m, u.v FROM unnest($5::text[], $6::bigint[]) AS u(m, v) WHERE EXISTS (SELECT 1 FROM e)
         ON CONFLICT (poll_id, minute) DO UPDATE SET votes = mc.votes + excluded.votes
       )
       SELECT count(*) AS n FROM e`,
    ),
    minuteCounts: stmt(`SELECT minute, votes FROM ${s}.minute_counts WHERE poll_id = $1 ORDER BY minute`),

    insertMeta: stmt(`INSERT INTO ${s}.meta (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING value`),
    getMeta: stmt(`SELECT value FROM ${s}.meta WHERE key = $1`),

    /** Takes or renews a lease: succeeds if free, expired, or already ours. The database clock decides. */
    takeLease: stmt(
      `INSERT INTO ${s}.leases AS l (name, holder, expires_at) VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
        WHERE l.holder = excluded.holder OR l.expires_at < clock_timestamp()
       RETURNING holder`,
    ),
    releaseLease: stmt(`DELETE FROM ${s}.leases WHERE name = $1 AND holder = $2`),
  } satisfies Record<string, Stmt>;
  return { ...base, writeBatchKinds: stmt(withKinds(base.writeBatch.text, s)) };
}

/**
 * writeBatch for batches with open-text answers or quiz scores (only those use it, so a choice
 * batch's statement is unchanged): the same statement plus the answers ($35–$41), the batch's word
 * count deltas ($42–$44, one upsert per distinct word) and the quiz points ($45–$49), guarded like
 * the votes: $50 answers and $51 scores must all be new rows, or nothing of the batch is written.
 */
function withKinds(writeBatch: string, s: string): string {
  const at = writeBatch.lastIndexOf('\n       SELECT ');
  if (at < 0 || !writeBatch.includes(' AS held,')) throw new Error('writeBatch changed shape: update withKinds');
  const ctes = `, x AS (
         INSERT INTO ${s}.text_answers (poll_id, answer_id, voter_id, body, words, state, at)
         SELECT * FROM unnest($35::text[], $36::text[], $37::text[], $38::text[], $39::text[], $40::text[], $41::bigint[])
         ON CONFLICT DO NOTHING RETURNING 1
       ), w AS (
         INSERT INTO ${s}.word_counts AS wc (poll_id, word, count)
         SELECT * FROM unnest($42::text[], $43::text[], $44::bigint[])
         ON CONFLICT (poll_id, word) DO UPDATE SET count = wc.count + excluded.count
       ), q AS (
         INSERT INTO ${s}.quiz_points (poll_id, voter_id, points, correct, ms)
         SELECT * FROM unnest($45::text[], $46::text[], $47::int[], $48::boolean[], $49::bigint[])
         ON CONFLICT DO NOTHING RETURNING 1
       )`;
  const guard = ` AND ${s}.vote_batch_guard((SELECT count(*) FROM x) = $50 AND (SELECT count(*) FROM q) = $51, 'answer or score written meanwhile') AS held,`;
  return writeBatch.slice(0, at) + ctes + writeBatch.slice(at).replace(' AS held,', guard);
}

export type Sql = ReturnType<typeof buildSql>;
