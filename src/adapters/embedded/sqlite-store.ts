/**
 * The embedded store: one SQLite file under DATA_DIR in WAL mode. With EMBEDDED_SYNC=full every
 * commit is fsynced (durable through power loss); with `normal` a commit survives a process
 * crash (kill -9) but the last commits may be lost on power loss. Group commit makes one commit
 * per batch, so `full` costs one fsync per batch, not per vote.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pairKey, planBatch, type BatchPlan, type BatchReads } from '../../domain/batch-plan.js';
import type { Commitment } from '../../domain/commitment.js';
import { newEventId } from '../../domain/ids.js';
import { effectiveStatus, withPollDefaults, type Poll } from '../../domain/poll.js';
import { resultsFromTallies, type Results } from '../../domain/results.js';
import type { CountedVote, StoredResponse, VoteCommand, VoteOutcome } from '../../domain/vote.js';
import type { BatchMeta, MinuteCount, ModeratedAnswer, OutboxEvent, OutboxEventType, OutboxPayloads, RenderAnswer, StatusChange, Store, VoteRecord } from '../../ports/store.js';
import { CLOUD_WORDS } from '../../ports/store.js';
import type { QuizScore } from '../../domain/quiz.js';
import { moderate, SHOWN_ANSWERS_KEY, storedWords, type AnswerState, type ModerationAction, type TextAnswerRecord, type WordCount } from '../../domain/text-answer.js';
import { runSqliteMigrations, SQLITE_MIGRATIONS } from './sqlite-schema.js';
import { outboxEventOf, type OutboxRow } from '../outbox-rows.js';

interface PollRow {
  id: string;
  def: string;
  status: Poll['status'];
  opens_at: number | null;
  closes_at: number | null;
  updated_at: number;
  version: number;
  total: number;
  results_at: number;
}
interface VoteRow {
  option_ids: string;
  receipt_id: string;
  cast_at: number;
}


export class SqliteStore implements Store {
  readonly kind = 'embedded';
  readonly #db: Database.Database;
  /**
   * A second connection for derived data (outbox deletes, analytics, pruning) that commits
   * without its own fsync: the next vote commit's fsync makes it durable too. A lost derived
   * write only means an event is re-sent (consumers dedupe) — never a lost or doubled vote.
   */
  readonly #derived: Database.Database;
  #s!: Statements;

  constructor(opts: { dataDir: string; sync: 'full' | 'normal'; fileName?: string }) {
    mkdirSync(opts.dataDir, { recursive: true });
    const file = join(opts.dataDir, opts.fileName ?? 'pollcast.db');
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`synchronous = ${opts.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    this.#db.pragma('busy_timeout = 5000');
    this.#derived = new Database(file);
    this.#derived.pragma('synchronous = NORMAL');
    this.#derived.pragma('busy_timeout = 5000');
  }

  async migrate(): Promise<void> {
    runSqliteMigrations(this.#db, 'schema_migrations', SQLITE_MIGRATIONS);
    this.#prepare();
  }

  #prepare(): void {
    this.#s = prepareStatements(this.#db, this.#derived);
  }

  #toPoll(row: PollRow): Poll {
    const def = JSON.parse(row.def) as Poll;
    return withPollDefaults({ ...def, status: row.status, opensAt: row.opens_at, closesAt: row.closes_at, updatedAt: row.updated_at });
  }

  async createPoll(poll: Poll): Promise<void> {
    this.#s.insertPoll.run(poll.id, JSON.stringify(poll), poll.status, poll.opensAt, poll.closesAt, poll.updatedAt, poll.createdAt);
  }

  async getPoll(id: string): Promise<Poll | null> {
    const row = this.#s.getPoll.get(id) as PollRow | undefined;
    return row ? this.#toPoll(row) : null;
  }

  async getPolls(ids: readonly string[]): Promise<Poll[]> {
    return (this.#s.getPolls.all(JSON.stringify(ids)) as PollRow[]).map((row) => this.#toPoll(row));
  }

  async updatePoll(next: Poll, expectedUpdatedAt: number): Promise<number | null> {
    return this.#db.transaction(() => {
      const before = this.#s.getPoll.get(next.id) as PollRow | undefined;
      if (!before || before.updated_at !== expectedUpdatedAt) return null;
      const statusChanged = before.status !== next.status;
      const row = this.#s.updatePoll.get(
        JSON.stringify(next), next.status, next.opensAt, next.closesAt, next.updatedAt, 1, next.updatedAt, next.id, expectedUpdatedAt,
      ) as { version: number } | undefined;
      if (!row) return null;
      if (statusChanged) this.#outbox('poll.status', next.id, next.updatedAt, { status: next.status, version: row.version });
      return row.version;
    }).immediate();
  }

  async deletePoll(id: string): Promise<boolean> {
    return this.#db.transaction(() => {
      const n = this.#s.deletePoll.run(id).changes;
      for (const s of ['deleteTallies', 'deleteVotes', 'deleteIdem', 'deleteMinutes', 'deleteReset', 'deleteCommitments', 'deleteTexts', 'deleteWords', 'deletePoints'] as const) this.#s[s].run(id);
      return n > 0;
    }).immediate();
  }

  async resetVotes(pollId: string, at: number): Promise<number | null> {
    return this.#db.transaction(() => {
      const row = this.#s.resetPoll.get(at, pollId) as { version: number } | undefined;
      if (!row) return null;
      this.#s.archiveVotes.run(at, pollId);
      for (const s of ['deleteVotes', 'deleteTallies', 'deleteIdem', 'deleteTexts', 'deleteWords', 'deletePoints'] as const) this.#s[s].run(pollId);
      return row.version;
    }).immediate();
  }

  async countResetVotes(pollId: string): Promise<number> {
    return this.#s.countReset.get(pollId) as number;
  }

  #outbox<T extends OutboxEventType>(type: T, pollId: string, at: number, payload: OutboxPayloads[T]): void {
    this.#s.insertOutbox.run(newEventId(), type, pollId, at, JSON.stringify(payload));
  }

  async recordVotes(batch: VoteCommand[], render: RenderAnswer, meta?: BatchMeta): Promise<VoteOutcome[]> {
    return this.#db
      .transaction(() => {
        const plan = planBatch(batch, this.#reads(batch), { now: Date.now(), render, newEventId, traceparent: meta?.traceparent });
        this.#apply(plan);
        return plan.outcomes;
      })
      .immediate();
  }

  /**
   * The planner's reads, answered inside the batch's (immediate, so exclusive) transaction. The
   * batch's votes are read in one statement per poll: a point read per voter costs several times
   * more, most of it crossing from JavaScript into SQLite.
   */
  #reads(batch: readonly VoteCommand[]): BatchReads {
    const s = this.#s;
    const voters = new Map<string, Set<string>>();
    for (const c of batch) {
      let ids = voters.get(c.pollId);
      if (!ids) voters.set(c.pollId, (ids = new Set()));
      ids.add(c.voterId);
    }
    const votes = new Map<string, CountedVote>();
    for (const [pollId, ids] of voters) {
      for (const r of s.getVotes.all(JSON.stringify([...ids]), pollId) as Array<VoteRow & { voter_id: string }>) {
        votes.set(pairKey(pollId, r.voter_id), { optionIds: r.option_ids.split(','), receiptId: r.receipt_id, at: r.cast_at });
      }
    }
    return {
      poll: (pollId) => {
        const row = s.getPoll.get(pollId) as PollRow | undefined;
        return row ? { ...this.#toPoll(row), version: row.version } : undefined;
      },
      vote: (pollId, voterId) => votes.get(pairKey(pollId, voterId)),
      answer: (pollId, key) => {
        const row = s.getIdem.get(pollId, key) as { status: number; body: string; request_hash: string } | undefined;
        return row ? { status: row.status, body: row.body, requestHash: row.request_hash } : undefined;
      },
    };
  }

  /** Performs a plan's writes; a write that finds the rows other than the plan read them throws (and rolls back). */
  #apply(plan: BatchPlan): void {
    const s = this.#s;
    const at = plan.now;
    for (const a of plan.answers) s.insertIdem.run(a.pollId, a.key, a.response.requestHash, a.response.status, a.response.body, at);
    for (const v of plan.inserts) s.insertVote.run(v.pollId, v.voterId, v.joined, v.receiptId, v.at, v.changes);
    for (const c of plan.changes) {
      if (s.changeVote.run(c.joined, c.receiptId, c.at, c.changes, c.pollId, c.voterId, c.readReceiptId).changes !== 1) {
        throw new Error(`vote of ${c.voterId} in poll ${c.pollId} changed under the batch`);
      }
    }
    for (const t of plan.tallies) s.addTally.run(t.pollId, t.optionId, t.delta);
    for (const b of plan.bumps) {
      if (s.bumpPoll.run(b.version, b.total, at, b.pollId, b.version - 1).changes !== 1) throw new Error(`poll ${b.pollId} changed under the batch`);
    }
    for (const e of plan.events) s.insertOutbox.run(e.eventId, e.type, e.pollId, e.at, JSON.stringify(e.payload));
    // Text and quiz batches only (empty for every other kind).
    for (const t of plan.texts) s.insertText.run(t.pollId, t.answerId, t.voterId, t.text, t.words, t.state, t.at);
    for (const w of plan.words) s.addWord.run(w.pollId, w.word, w.delta);
    for (const p of plan.points) s.insertPoints.run(p.pollId, p.voterId, p.points, p.correct ? 1 : 0, p.ms);
  }

  async listTextAnswers(pollId: string, limit: number, before?: number | null): Promise<TextAnswerRecord[]> {
    const rows = this.#s.listTexts.all(pollId, before ?? Number.MAX_SAFE_INTEGER, limit) as Array<{ answer_id: string; body: string; state: AnswerState; approved: number; at: number }>;
    return rows.map((r) => ({ answerId: r.answer_id, text: r.body, state: r.state, approved: r.approved === 1, at: r.at }));
  }

  async moderateAnswer(pollId: string, answerId: string, action: ModerationAction, at: number): Promise<ModeratedAnswer | null> {
    const s = this.#s;
    return this.#db.transaction(() => {
      const row = s.getText.get(pollId, answerId) as { state: AnswerState; approved: number; words: string } | undefined;
      if (!row) return null;
      const next = moderate(row.state, row.approved === 1, action);
      s.setText.run(next.state, next.approved ? 1 : 0, pollId, answerId);
      if (next.cloud !== 0) {
        for (const w of storedWords(row.words)) s.addWord.run(pollId, w, next.cloud);
        s.addTally.run(pollId, SHOWN_ANSWERS_KEY, next.cloud);
      }
      const bumped = s.bumpVersion.get(at, pollId) as { version: number } | undefined;
      if (!bumped) return null;
      return { state: next.state, approved: next.approved, version: bumped.version };
    }).immediate();
  }

  async quizScores(pollIds: readonly string[]): Promise<QuizScore[]> {
    const rows = this.#s.quizScores.all(JSON.stringify(pollIds)) as Array<{ voter_id: string; score: number; answered: number; correct: number; correct_ms: number }>;
    return rows.map((r) => ({ voterId: r.voter_id, score: r.score, answered: r.answered, correct: r.correct, correctMs: r.correct_ms }));
  }

  async getResults(pollId: string): Promise<Results | null> {
    const row = this.#s.getPoll.get(pollId) as PollRow | undefined;
    if (!row) return null;
    const poll = this.#toPoll(row);
    const counts = new Map((this.#s.tallies.all(pollId) as Array<{ option_id: string; votes: number }>).map((r) => [r.option_id, r.votes]));
    const words = poll.kind === 'text' ? (this.#s.topWords.all(pollId, CLOUD_WORDS) as WordCount[]) : [];
    return resultsFromTallies(
      poll,
      { version: row.version, status: effectiveStatus(poll, Date.now()), total: row.total, updatedAt: new Date(row.results_at).toISOString() },
      counts,
      words,
    );
  }

  async getVote(pollId: string, voterId: string): Promise<CountedVote | null> {
    const row = this.#s.getVote.get(pollId, voterId) as VoteRow | undefined;
    return row ? { optionIds: row.option_ids.split(','), receiptId: row.receipt_id, at: row.cast_at } : null;
  }

  async countVotes(pollId: string): Promise<number> {
    return this.#s.countVotes.get(pollId) as number;
  }

  async listVotes(pollId: string, afterVoterId: string | null, limit: number): Promise<VoteRecord[]> {
    const rows = this.#s.listVotes.all(pollId, afterVoterId ?? '', limit) as Array<VoteRow & { voter_id: string }>;
    return rows.map((r) => ({ voterId: r.voter_id, optionIds: r.option_ids.split(','), receiptId: r.receipt_id, at: r.cast_at }));
  }

  async getIdempotent(pollId: string, key: string): Promise<StoredResponse | null> {
    const row = this.#s.getIdem.get(pollId, key) as { status: number; body: string; request_hash: string } | undefined;
    return row ? { status: row.status, body: row.body, requestHash: row.request_hash } : null;
  }

  async saveCommitment(c: Commitment): Promise<void> {
    this.#s.insertCommitment.run(c.pollId, c.closedAt, c.scheme, c.root, c.count, c.version, c.publishedAt, c.pollId, c.closedAt, c.version);
  }

  async getCommitments(pollId: string): Promise<Commitment[]> {
    const rows = this.#s.commitments.all(pollId) as Array<{ closed_at: number; scheme: Commitment['scheme']; root: string; count: number; version: number; published_at: number }>;
    return rows.map((r) => ({ pollId, closedAt: r.closed_at, scheme: r.scheme, root: r.root, count: r.count, version: r.version, publishedAt: r.published_at }));
  }

  async pruneIdempotency(before: number): Promise<number> {
    return this.#s.pruneIdem.run(before).changes;
  }

  async applyDueTransitions(now: number): Promise<StatusChange[]> {
    return this.#db.transaction(() => {
      const changes: StatusChange[] = [];
      for (const row of this.#s.due.all(now, now) as PollRow[]) {
        const poll = this.#toPoll(row);
        const to = effectiveStatus(poll, now);
        if (to === row.status) continue;
        const r = this.#s.setStatus.get(to, now, now, row.id, row.status) as { version: number } | undefined;
        if (!r) continue;
        this.#outbox('poll.status', row.id, now, { status: to, version: r.version });
        changes.push({ pollId: row.id, status: to, version: r.version });
      }
      return changes;
    }).immediate();
  }

  async nextDueAt(now: number): Promise<number | null> {
    const a = this.#s.nextOpen.get(now) as number | null;
    const b = this.#s.nextClose.get(now) as number | null;
    if (a === null) return b;
    if (b === null) return a;
    return Math.min(a, b);
  }

  async readOutbox(limit: number): Promise<Array<OutboxEvent & { seq: number }>> {
    return (this.#s.readOutbox.all(limit) as OutboxRow[]).map(outboxEventOf);
  }

  async markOutboxPublished(seqs: number[]): Promise<void> {
    this.#derived.transaction(() => {
      for (const seq of seqs) this.#s.deleteOutbox.run(seq);
    })();
  }

  async outboxBacklog(): Promise<number> {
    return this.#s.outboxCount.get() as number;
  }

  async applyMinuteCounts(consumer: string, eventId: string, pollId: string, counts: MinuteCount[]): Promise<boolean> {
    return this.#derived.transaction(() => {
      if (this.#s.markEvent.run(consumer, eventId, Date.now()).changes === 0) return false;
      for (const c of counts) this.#s.addMinute.run(pollId, c.minute, c.votes);
      return true;
    }).immediate();
  }

  async getMinuteCounts(pollId: string): Promise<MinuteCount[]> {
    return this.#s.minutes.all(pollId) as MinuteCount[];
  }

  async ensureSecret(candidate: string): Promise<string> {
    this.#s.insertMeta.run('voter_secret', candidate);
    return this.#s.getMeta.get('voter_secret') as string;
  }

  /** One process owns the data directory, so it always leads. */
  async tryLead(_name: string): Promise<(() => Promise<void>) | null> {
    return async () => {};
  }

  async ping(): Promise<void> {
    this.#db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.#derived.open) this.#derived.close();
    if (this.#db.open) this.#db.close();
  }
}

/** Every statement, prepared once after migrating; the names are typed, so no lookup can miss. */
function prepareStatements(db: Database.Database, derived: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  const d = (sql: string) => derived.prepare(sql);
  return {
    insertPoll: p('INSERT INTO polls (id, def, status, opens_at, closes_at, updated_at, version, total, results_at) VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?)'),
    getPoll: p('SELECT * FROM polls WHERE id = ?'),
    getPolls: p('SELECT polls.* FROM json_each(?) AS ids JOIN polls ON polls.id = ids.value ORDER BY ids.key'),
    updatePoll: p(
      'UPDATE polls SET def = ?, status = ?, opens_at = ?, closes_at = ?, updated_at = ?, version = version + ?, results_at = ? WHERE id = ? AND updated_at = ? RETURNING version',
    ),
    deletePoll: p('DELETE FROM polls WHERE id = ?'),
    deleteTallies: p('DELETE FROM tallies WHERE poll_id = ?'),
    deleteVotes: p('DELETE FROM votes WHERE poll_id = ?'),
    deleteIdem: p('DELETE FROM idempotency WHERE poll_id = ?'),
    deleteMinutes: p('DELETE FROM minute_counts WHERE poll_id = ?'),
    deleteReset: p('DELETE FROM votes_reset WHERE poll_id = ?'),
    deleteCommitments: p('DELETE FROM commitments WHERE poll_id = ?'),
    insertCommitment: p(
      `INSERT INTO commitments (poll_id, closed_at, scheme, root, count, version, published_at) SELECT ?, ?, ?, ?, ?, ?, ?
        WHERE EXISTS (SELECT 1 FROM polls WHERE id = ? AND status = 'closed' AND coalesce(closes_at, 0) = ? AND version = ?) ON CONFLICT DO NOTHING`,
    ),
    commitments: p('SELECT closed_at, scheme, root, count, version, published_at FROM commitments WHERE poll_id = ? ORDER BY closed_at'),
    archiveVotes: p('INSERT INTO votes_reset (poll_id, voter_id, option_ids, receipt_id, cast_at, reset_at) SELECT poll_id, voter_id, option_ids, receipt_id, cast_at, ? FROM votes WHERE poll_id = ?'),
    resetPoll: p('UPDATE polls SET version = version + 1, total = 0, results_at = ? WHERE id = ? RETURNING version'),
    countReset: p('SELECT count(*) FROM votes_reset WHERE poll_id = ?').pluck(),
    insertVote: p('INSERT INTO votes (poll_id, voter_id, option_ids, receipt_id, cast_at, changes) VALUES (?, ?, ?, ?, ?, ?)'),
    getVote: p('SELECT option_ids, receipt_id, cast_at FROM votes WHERE poll_id = ? AND voter_id = ?'),
    /** CROSS JOIN keeps the id list outside: one primary-key probe per voter, never a scan of the poll. */
    getVotes: p('SELECT v.voter_id, v.option_ids, v.receipt_id, v.cast_at FROM json_each(?) j CROSS JOIN votes v ON v.poll_id = ? AND v.voter_id = j.value'),
    changeVote: p('UPDATE votes SET option_ids = ?, receipt_id = ?, cast_at = ?, changes = changes + ? WHERE poll_id = ? AND voter_id = ? AND receipt_id = ?'),
    countVotes: p('SELECT count(*) FROM votes WHERE poll_id = ?').pluck(),
    listVotes: p('SELECT voter_id, option_ids, receipt_id, cast_at FROM votes WHERE poll_id = ? AND voter_id > ? ORDER BY voter_id LIMIT ?'),
    addTally: p('INSERT INTO tallies (poll_id, option_id, votes) VALUES (?, ?, ?) ON CONFLICT (poll_id, option_id) DO UPDATE SET votes = votes + excluded.votes'),
    bumpPoll: p('UPDATE polls SET version = ?, total = total + ?, results_at = ? WHERE id = ? AND version = ?'),
    tallies: p('SELECT option_id, votes FROM tallies WHERE poll_id = ?'),
    getIdem: p('SELECT status, body, request_hash FROM idempotency WHERE poll_id = ? AND key = ?'),
    insertIdem: p('INSERT INTO idempotency (poll_id, key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
    pruneIdem: d('DELETE FROM idempotency WHERE created_at < ?'),
    insertOutbox: p('INSERT INTO outbox (event_id, type, poll_id, at, payload) VALUES (?, ?, ?, ?, ?)'),
    readOutbox: p('SELECT seq, event_id, type, poll_id, at, payload FROM outbox ORDER BY seq LIMIT ?'),
    deleteOutbox: d('DELETE FROM outbox WHERE seq = ?'),
    outboxCount: p('SELECT count(*) FROM outbox').pluck(),
    due: p(
      "SELECT * FROM polls WHERE (status = 'draft' AND opens_at IS NOT NULL AND opens_at <= ?) OR (status <> 'closed' AND closes_at IS NOT NULL AND closes_at <= ?)",
    ),
    setStatus: p('UPDATE polls SET status = ?, updated_at = ?, version = version + 1, results_at = ? WHERE id = ? AND status = ? RETURNING version'),
    nextOpen: p("SELECT min(opens_at) FROM polls WHERE status = 'draft' AND opens_at IS NOT NULL AND opens_at > ?").pluck(),
    nextClose: p("SELECT min(closes_at) FROM polls WHERE status <> 'closed' AND closes_at IS NOT NULL AND closes_at > ?").pluck(),
    markEvent: d('INSERT INTO processed_events (consumer, event_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
    addMinute: d('INSERT INTO minute_counts (poll_id, minute, votes) VALUES (?, ?, ?) ON CONFLICT (poll_id, minute) DO UPDATE SET votes = votes + excluded.votes'),
    minutes: p('SELECT minute, votes FROM minute_counts WHERE poll_id = ? ORDER BY minute'),
    insertMeta: p('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING'),
    getMeta: p('SELECT value FROM meta WHERE key = ?').pluck(),
    insertText: p('INSERT INTO text_answers (poll_id, answer_id, voter_id, body, words, state, at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    addWord: p('INSERT INTO word_counts (poll_id, word, count) VALUES (?, ?, ?) ON CONFLICT (poll_id, word) DO UPDATE SET count = count + excluded.count'),
    insertPoints: p('INSERT INTO quiz_points (poll_id, voter_id, points, correct, ms) VALUES (?, ?, ?, ?, ?)'),
    topWords: p('SELECT word, count FROM word_counts WHERE poll_id = ? AND count > 0 ORDER BY count DESC, word LIMIT ?'),
    listTexts: p('SELECT answer_id, body, state, approved, at FROM text_answers WHERE poll_id = ? AND at < ? ORDER BY at DESC, answer_id DESC LIMIT ?'),
    getText: p('SELECT state, approved, words FROM text_answers WHERE poll_id = ? AND answer_id = ?'),
    setText: p('UPDATE text_answers SET state = ?, approved = ? WHERE poll_id = ? AND answer_id = ?'),
    bumpVersion: p('UPDATE polls SET version = version + 1, results_at = ? WHERE id = ? RETURNING version'),
    quizScores: p(
      'SELECT voter_id, sum(points) AS score, count(*) AS answered, sum(correct) AS correct, sum(CASE WHEN correct = 1 THEN ms ELSE 0 END) AS correct_ms FROM json_each(?) AS ids CROSS JOIN quiz_points q ON q.poll_id = ids.value GROUP BY voter_id',
    ),
    deleteTexts: p('DELETE FROM text_answers WHERE poll_id = ?'),
    deleteWords: p('DELETE FROM word_counts WHERE poll_id = ?'),
    deletePoints: p('DELETE FROM quiz_points WHERE poll_id = ?'),
  };
}

type Statements = ReturnType<typeof prepareStatements>;
