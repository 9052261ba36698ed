/**
 * One shard: a primary and its read replicas, all holding the same schema. Everything here runs
 * against one database; routing polls to shards and fanning out is PostgresStore's job.
 * Reads that may be slightly stale (poll metadata, public results) go round robin to replicas and
 * fall back to the primary when a replica is unreachable; writes and `fresh` reads use the primary.
 */
import type { Commitment } from '../../domain/commitment.js';
import { newEventId } from '../../domain/ids.js';
import { effectiveStatus, type Poll } from '../../domain/poll.js';
import { resultsFromTallies, type Results } from '../../domain/results.js';
import type { CountedVote, StoredResponse, VoteCommand, VoteOutcome } from '../../domain/vote.js';
import { isPollcastError } from '../../errors.js';
import type { MinuteCount, ModeratedAnswer, OutboxEvent, RenderAnswer, StatusChange, VoteRecord } from '../../ports/store.js';
import { CLOUD_WORDS } from '../../ports/store.js';
import type { QuizScore } from '../../domain/quiz.js';
import { moderate, SHOWN_ANSWERS_KEY, storedWords, type AnswerState, type ModerationAction, type TextAnswerRecord, type WordCount } from '../../domain/text-answer.js';
import type { PgLink, Row, Stmt } from './pg-link.js';
import { migrate } from './pg-migrations.js';
import { readAndPlan, writePlanned, type PlannedBatch } from './pg-record-votes.js';
import { toPoll, type PollRow, type ResultsRow } from './pg-rows.js';
import type { Sql } from './pg-sql.js';
import { outboxEventOf, type OutboxRow } from '../outbox-rows.js';

export class PgShard {
  #next = 0;

  constructor(
    readonly index: number,
    readonly primary: PgLink,
    readonly replicas: readonly PgLink[],
    private readonly sql: Sql,
    readonly schema: string,
  ) {}

  async #read<R extends Row>(s: Stmt, values: unknown[], fresh: boolean): Promise<R[]> {
    if (fresh || this.replicas.length === 0) return this.primary.query<R>(s, values);
    const replica = this.replicas[this.#next++ % this.replicas.length]!;
    try {
      return await replica.query<R>(s, values);
    } catch (err) {
      if (isPollcastError(err) && err.code === 'store_unavailable') return this.primary.query<R>(s, values);
      throw err;
    }
  }

  async migrate(): Promise<number[]> {
    return migrate(this.primary, this.schema);
  }

  async createPoll(poll: Poll): Promise<void> {
    await this.primary.query(this.sql.insertPoll, [poll.id, JSON.stringify(poll), poll.status, poll.opensAt, poll.closesAt, poll.updatedAt, poll.createdAt]);
  }

  async getPoll(id: string, fresh: boolean): Promise<Poll | null> {
    const [row] = await this.#read<PollRow>(this.sql.getPoll, [id], fresh);
    return row ? toPoll(row) : null;
  }

  async getPolls(ids: readonly string[]): Promise<Poll[]> {
    return (await this.#read<PollRow>(this.sql.getPolls, [ids], false)).map(toPoll);
  }

  async updatePoll(next: Poll, expectedUpdatedAt: number): Promise<number | null> {
    const sql = this.sql;
    return this.primary.tx(async (exec) => {
      const [before] = await exec<{ status: Poll['status']; updated_at: number }>(sql.lockPoll, [next.id]);
      if (!before || before.updated_at !== expectedUpdatedAt) return null;
      const [row] = await exec<{ version: number }>(sql.updatePoll, [
        next.id, JSON.stringify(next), next.status, next.opensAt, next.closesAt, next.updatedAt, expectedUpdatedAt,
      ]);
      if (!row) return null;
      if (before.status !== next.status) {
        await exec(sql.insertOutbox, [newEventId(), 'poll.status', next.id, next.updatedAt, JSON.stringify({ status: next.status, version: row.version })]);
      }
      return row.version;
    });
  }

  async deletePoll(id: string): Promise<boolean> {
    return this.primary.tx(async (exec) => {
      const gone = await exec(this.sql.deletePoll, [id]);
      await exec(this.sql.deletePollData, [id]);
      return gone.length > 0;
    });
  }

  async resetVotes(pollId: string, at: number): Promise<number | null> {
    return this.primary.tx(async (exec) => {
      const [locked] = await exec(this.sql.lockPoll, [pollId]);
      if (!locked) return null;
      const [row] = await exec<{ version: number }>(this.sql.resetVotes, [pollId, at]);
      return row?.version ?? null;
    });
  }

  async countResetVotes(pollId: string): Promise<number> {
    const [row] = await this.primary.query<{ n: number }>(this.sql.countResetVotes, [pollId]);
    return row!.n;
  }

  /** Reads and plans the batch without writing (a batch over several shards plans them all first). */
  async planVotes(batch: readonly VoteCommand[], render: RenderAnswer, traceparent?: string): Promise<PlannedBatch> {
    return this.primary.session((exec) => readAndPlan(exec, this.sql, batch, render, traceparent));
  }

  /**
   * Reads, plans and writes the batch (see pg-record-votes.ts), or writes `planned`; committed
   * when it returns. When the write finds that what was read no longer holds, the batch runs again
   * from a new read.
   */
  async recordVotes(batch: readonly VoteCommand[], render: RenderAnswer, traceparent?: string, planned?: PlannedBatch): Promise<VoteOutcome[]> {
    let first = planned;
    return this.primary.session(async (exec) => {
      const p = first ?? (await readAndPlan(exec, this.sql, batch, render, traceparent));
      first = undefined;
      return writePlanned(exec, this.sql, p);
    });
  }

  async getResults(pollId: string, fresh: boolean): Promise<Results | null> {
    const [row] = await this.#read<ResultsRow>(this.sql.getResults, [pollId], fresh);
    if (!row) return null;
    const poll = toPoll(row);
    const counts = new Map(Object.entries(row.counts).map(([k, v]) => [k, Number(v)]));
    const words = poll.kind === 'text' ? await this.#read<{ word: string; count: number }>(this.sql.topWords, [pollId, CLOUD_WORDS], fresh) : [];
    return resultsFromTallies(
      poll,
      { version: row.version, status: effectiveStatus(poll, Date.now()), total: row.total, updatedAt: new Date(row.results_at).toISOString() },
      counts,
      words.map((w): WordCount => ({ word: w.word, count: Number(w.count) })),
    );
  }

  async listTextAnswers(pollId: string, limit: number, before: number | null): Promise<TextAnswerRecord[]> {
    const rows = await this.primary.query<{ answer_id: string; body: string; state: AnswerState; approved: boolean; at: number }>(this.sql.listTexts, [
      pollId, before ?? Number.MAX_SAFE_INTEGER, limit,
    ]);
    return rows.map((r) => ({ answerId: r.answer_id, text: r.body, state: r.state, approved: r.approved, at: r.at }));
  }

  async moderateAnswer(pollId: string, answerId: string, action: ModerationAction, at: number): Promise<ModeratedAnswer | null> {
    const sql = this.sql;
    return this.primary.tx(async (exec) => {
      const [locked] = await exec(sql.lockPoll, [pollId]);
      if (!locked) return null;
      const [row] = await exec<{ state: AnswerState; approved: boolean; words: string }>(sql.getTextForUpdate, [pollId, answerId]);
      if (!row) return null;
      const next = moderate(row.state, row.approved, action);
      if (next.cloud !== 0) {
        await exec(sql.moderateTally, [pollId, SHOWN_ANSWERS_KEY, next.cloud]);
        const words = [...new Set(storedWords(row.words))].sort();
        if (words.length > 0) await exec(sql.moderateWords, [pollId, words, next.cloud]);
      }
      const [bumped] = await exec<{ version: number }>(sql.moderateText, [pollId, answerId, next.state, next.approved, at]);
      return bumped ? { state: next.state, approved: next.approved, version: bumped.version } : null;
    });
  }

  async quizScores(pollIds: readonly string[]): Promise<QuizScore[]> {
    if (pollIds.length === 0) return [];
    const rows = await this.primary.query<{ voter_id: string; score: number; answered: number; correct: number; correct_ms: number }>(this.sql.quizScores, [pollIds]);
    return rows.map((r) => ({ voterId: r.voter_id, score: Number(r.score), answered: r.answered, correct: r.correct, correctMs: Number(r.correct_ms) }));
  }

  async getVote(pollId: string, voterId: string): Promise<CountedVote | null> {
    const [row] = await this.primary.query<{ option_ids: string; receipt_id: string; cast_at: number }>(this.sql.getVote, [pollId, voterId]);
    return row ? { optionIds: row.option_ids.split(','), receiptId: row.receipt_id, at: row.cast_at } : null;
  }

  async countVotes(pollId: string): Promise<number> {
    const [row] = await this.primary.query<{ n: number }>(this.sql.countVotes, [pollId]);
    return row!.n;
  }

  async listVotes(pollId: string, afterVoterId: string | null, limit: number): Promise<VoteRecord[]> {
    const rows = await this.primary.query<{ voter_id: string; option_ids: string; receipt_id: string; cast_at: number }>(this.sql.listVotes, [pollId, afterVoterId ?? '', limit]);
    return rows.map((r) => ({ voterId: r.voter_id, optionIds: r.option_ids.split(','), receiptId: r.receipt_id, at: r.cast_at }));
  }

  async saveCommitment(c: Commitment): Promise<void> {
    await this.primary.query(this.sql.insertCommitment, [c.pollId, c.closedAt, c.scheme, c.root, c.count, c.version, c.publishedAt]);
  }

  async getCommitments(pollId: string): Promise<Commitment[]> {
    const rows = await this.primary.query<{ closed_at: number; scheme: Commitment['scheme']; root: string; count: number; version: number; published_at: number }>(
      this.sql.commitments,
      [pollId],
    );
    return rows.map((r) => ({ pollId, closedAt: r.closed_at, scheme: r.scheme, root: r.root, count: r.count, version: r.version, publishedAt: r.published_at }));
  }

  async getIdempotent(pollId: string, key: string): Promise<StoredResponse | null> {
    const [row] = await this.primary.query<{ status: number; body: string; request_hash: string }>(this.sql.getIdempotency, [pollId, key]);
    return row ? { status: row.status, body: row.body, requestHash: row.request_hash } : null;
  }

  async pruneIdempotency(before: number): Promise<number> {
    const [row] = await this.primary.query<{ n: number }>(this.sql.pruneIdempotency, [before]);
    return row!.n;
  }

  async applyDueTransitions(now: number): Promise<StatusChange[]> {
    const sql = this.sql;
    return this.primary.tx(async (exec) => {
      const due = await exec<{ id: string; status: Poll['status']; opens_at: number | null; closes_at: number | null }>(sql.duePolls, [now]);
      const flips = due
        .map((r) => ({ id: r.id, prev: r.status, next: effectiveStatus({ status: r.status, opensAt: r.opens_at, closesAt: r.closes_at }, now) }))
        .filter((f) => f.next !== f.prev);
      if (flips.length === 0) return [];
      const rows = await exec<{ id: string; status: Poll['status']; version: number }>(sql.setStatuses, [
        now,
        flips.map((f) => f.id),
        flips.map((f) => f.prev),
        flips.map((f) => f.next),
        flips.map(() => newEventId()),
      ]);
      return rows.map((r) => ({ pollId: r.id, status: r.status, version: r.version }));
    });
  }

  async nextDueAt(now: number): Promise<number | null> {
    const [row] = await this.primary.query<{ at: number | null }>(this.sql.nextDue, [now]);
    return row?.at ?? null;
  }

  /** Events with this shard's own sequence numbers. */
  async readOutbox(limit: number): Promise<Array<OutboxEvent & { seq: number }>> {
    const rows = await this.primary.query<OutboxRow>(this.sql.readOutbox, [limit]);
    return rows.map(outboxEventOf);
  }

  async markOutboxPublished(seqs: number[]): Promise<void> {
    if (seqs.length > 0) await this.primary.query(this.sql.deleteOutbox, [seqs]);
  }

  async outboxBacklog(): Promise<number> {
    const [row] = await this.primary.query<{ n: number }>(this.sql.outboxBacklog);
    return row!.n;
  }

  async applyMinuteCounts(consumer: string, eventId: string, pollId: string, counts: MinuteCount[]): Promise<boolean> {
    // Summed per minute first: one upsert may not touch a row twice.
    const sums = new Map<string, number>();
    for (const c of counts) sums.set(c.minute, (sums.get(c.minute) ?? 0) + c.votes);
    const minutes = [...sums.keys()].sort();
    const [row] = await this.primary.query<{ n: number }>(this.sql.applyMinuteCounts, [
      consumer, eventId, Date.now(), pollId, minutes, minutes.map((m) => sums.get(m)!),
    ]);
    return row!.n > 0;
  }

  async getMinuteCounts(pollId: string): Promise<MinuteCount[]> {
    return this.primary.query<{ minute: string; votes: number }>(this.sql.minuteCounts, [pollId]);
  }

  async ensureSecret(candidate: string): Promise<string> {
    const [mine] = await this.primary.query<{ value: string }>(this.sql.insertMeta, ['voter_secret', candidate]);
    if (mine) return mine.value;
    const [row] = await this.primary.query<{ value: string }>(this.sql.getMeta, ['voter_secret']);
    return row!.value;
  }

  async ping(): Promise<void> {
    await this.primary.query(this.sql.ping);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.primary.close(), ...this.replicas.map((r) => r.close())]);
  }
}
