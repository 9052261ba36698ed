/**
 * The PostgreSQL store: routes each poll to the shard its id names (shardOf, no lookup table),
 * fans cross-shard work out over every shard, and keeps cluster-wide state (leases, the signing
 * secret) on shard 0. A poll id naming a shard that is not configured is a poll that does not
 * exist. See docs/storage.md.
 *
 * Outbox sequence numbers carry their shard: seq = local * MAX_SHARDS + shard.
 */
import type { Commitment } from '../../domain/commitment.js';
import { MAX_SHARDS, shardOf } from '../../domain/ids.js';
import type { Poll } from '../../domain/poll.js';
import type { Results } from '../../domain/results.js';
import type { CountedVote, StoredResponse, VoteCommand, VoteOutcome } from '../../domain/vote.js';
import type { BatchMeta, MinuteCount, ModeratedAnswer, OutboxEvent, RenderAnswer, StatusChange, Store, VoteRecord } from '../../ports/store.js';
import type { QuizScore } from '../../domain/quiz.js';
import type { ModerationAction, TextAnswerRecord } from '../../domain/text-answer.js';
import type { PgLeases } from './pg-lease.js';
import type { PgShard } from './pg-shard.js';

export class PostgresStore implements Store {
  readonly kind = 'postgres';
  #closed: Promise<void> | null = null;

  constructor(
    readonly shards: readonly PgShard[],
    private readonly leases: PgLeases,
  ) {
    if (shards.length === 0 || shards.length > MAX_SHARDS) throw new RangeError(`1–${MAX_SHARDS} shards, got ${shards.length}`);
  }

  #shard(pollId: string): PgShard | null {
    return this.shards[shardOf(pollId)] ?? null;
  }

  async migrate(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.migrate()));
  }

  async createPoll(poll: Poll): Promise<void> {
    const shard = this.#shard(poll.id);
    if (!shard) throw new RangeError(`poll ${poll.id} names shard ${shardOf(poll.id)}, but ${this.shards.length} are configured`);
    await shard.createPoll(poll);
  }

  async getPoll(id: string, opts?: { fresh?: boolean }): Promise<Poll | null> {
    return (await this.#shard(id)?.getPoll(id, opts?.fresh === true)) ?? null;
  }

  async getPolls(ids: readonly string[]): Promise<Poll[]> {
    const byShard = new Map<PgShard, string[]>();
    for (const id of ids) {
      const shard = this.#shard(id);
      if (shard) byShard.set(shard, [...(byShard.get(shard) ?? []), id]);
    }
    const found = new Map<string, Poll>();
    for (const part of await Promise.all([...byShard].map(([shard, some]) => shard.getPolls(some)))) {
      for (const poll of part) found.set(poll.id, poll);
    }
    return ids.flatMap((id) => found.get(id) ?? []);
  }

  async updatePoll(next: Poll, expectedUpdatedAt: number): Promise<number | null> {
    return (await this.#shard(next.id)?.updatePoll(next, expectedUpdatedAt)) ?? null;
  }

  async deletePoll(id: string): Promise<boolean> {
    return (await this.#shard(id)?.deletePoll(id)) ?? false;
  }

  async resetVotes(pollId: string, at: number): Promise<number | null> {
    return (await this.#shard(pollId)?.resetVotes(pollId, at)) ?? null;
  }

  async countResetVotes(pollId: string): Promise<number> {
    return (await this.#shard(pollId)?.countResetVotes(pollId)) ?? 0;
  }

  /**
   * One transaction per shard the batch touches (one, when the caller batches per shard). The
   * parts run one after another in shard order, each up to COMMIT, holding its locks; only when
   * every part got there do they commit, so a failure before that writes nothing anywhere. Shard
   * order is the lock order: two batches spanning the same shards cannot wait on each other in a
   * cycle no single database could see. A shard lost between two COMMITs can leave the other
   * shards' part committed and the whole batch answered with an error: a retry then sees "already
   * voted" or the idempotent replay, never a second count.
   */
  async recordVotes(batch: VoteCommand[], render: RenderAnswer, meta?: BatchMeta): Promise<VoteOutcome[]> {
    const outcomes: VoteOutcome[] = new Array(batch.length);
    const parts = new Map<PgShard, number[]>();
    for (let i = 0; i < batch.length; i++) {
      const shard = this.#shard(batch[i]!.pollId);
      if (!shard) {
        outcomes[i] = { kind: 'rejected', code: 'poll_not_found' };
        continue;
      }
      let idx = parts.get(shard);
      if (!idx) parts.set(shard, (idx = []));
      idx.push(i);
    }
    const entries = [...parts];
    if (entries.length === 1) {
      const [shard, idx] = entries[0]!;
      const part = await shard.recordVotes(idx.length === batch.length ? batch : idx.map((i) => batch[i]!), render, meta?.traceparent);
      idx.forEach((i, j) => (outcomes[i] = part[j]!));
      return outcomes;
    }
    // Over several shards: every part is read and planned before any is written, so a batch whose
    // planning fails (a render that throws) writes nothing. Then each shard's part is written by one
    // statement of its own, all at once: when one fails, the batch fails, the parts that committed
    // stay counted, and their voters learn it on retry (a replay under their Idempotency-Key, or a
    // 409 naming the vote).
    const planned = await Promise.all(entries.map(([shard, idx]) => shard.planVotes(idx.map((i) => batch[i]!), render, meta?.traceparent)));
    const done = await Promise.allSettled(entries.map(([shard], n) => shard.recordVotes(planned[n]!.batch, render, meta?.traceparent, planned[n])));
    const failed = done.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    entries.forEach(([, idx], n) => {
      const part = (done[n] as PromiseFulfilledResult<VoteOutcome[]>).value;
      idx.forEach((i, j) => (outcomes[i] = part[j]!));
    });
    return outcomes;
  }

  async getResults(pollId: string, opts?: { fresh?: boolean }): Promise<Results | null> {
    return (await this.#shard(pollId)?.getResults(pollId, opts?.fresh === true)) ?? null;
  }

  async listTextAnswers(pollId: string, limit: number, before?: number | null): Promise<TextAnswerRecord[]> {
    return (await this.#shard(pollId)?.listTextAnswers(pollId, limit, before ?? null)) ?? [];
  }

  async moderateAnswer(pollId: string, answerId: string, action: ModerationAction, at: number): Promise<ModeratedAnswer | null> {
    return (await this.#shard(pollId)?.moderateAnswer(pollId, answerId, action, at)) ?? null;
  }

  /** Each shard sums the questions it holds; a voter's sums from several shards are added here. */
  async quizScores(pollIds: readonly string[]): Promise<QuizScore[]> {
    const byShard = new Map<PgShard, string[]>();
    for (const id of pollIds) {
      const shard = this.#shard(id);
      if (shard) byShard.set(shard, [...(byShard.get(shard) ?? []), id]);
    }
    const parts = await Promise.all([...byShard].map(([shard, ids]) => shard.quizScores(ids)));
    if (parts.length === 1) return parts[0]!;
    const sums = new Map<string, QuizScore>();
    for (const row of parts.flat()) {
      const s = sums.get(row.voterId);
      if (!s) sums.set(row.voterId, { ...row });
      else {
        s.score += row.score;
        s.answered += row.answered;
        s.correct += row.correct;
        s.correctMs += row.correctMs;
      }
    }
    return [...sums.values()];
  }

  async getVote(pollId: string, voterId: string): Promise<CountedVote | null> {
    return (await this.#shard(pollId)?.getVote(pollId, voterId)) ?? null;
  }

  async countVotes(pollId: string): Promise<number> {
    return (await this.#shard(pollId)?.countVotes(pollId)) ?? 0;
  }

  async listVotes(pollId: string, afterVoterId: string | null, limit: number): Promise<VoteRecord[]> {
    return (await this.#shard(pollId)?.listVotes(pollId, afterVoterId, limit)) ?? [];
  }

  async saveCommitment(c: Commitment): Promise<void> {
    await this.#shard(c.pollId)?.saveCommitment(c);
  }

  async getCommitments(pollId: string): Promise<Commitment[]> {
    return (await this.#shard(pollId)?.getCommitments(pollId)) ?? [];
  }

  async getIdempotent(pollId: string, key: string): Promise<StoredResponse | null> {
    return (await this.#shard(pollId)?.getIdempotent(pollId, key)) ?? null;
  }

  async pruneIdempotency(before: number): Promise<number> {
    const n = await Promise.all(this.shards.map((s) => s.pruneIdempotency(before)));
    return n.reduce((a, b) => a + b, 0);
  }

  async applyDueTransitions(now: number): Promise<StatusChange[]> {
    return (await Promise.all(this.shards.map((s) => s.applyDueTransitions(now)))).flat();
  }

  async nextDueAt(now: number): Promise<number | null> {
    const all = (await Promise.all(this.shards.map((s) => s.nextDueAt(now)))).filter((t): t is number => t !== null);
    return all.length === 0 ? null : Math.min(...all);
  }

  /** Each shard's oldest events, merged by time; within a shard, sequence order is kept. */
  async readOutbox(limit: number): Promise<Array<OutboxEvent & { seq: number }>> {
    const per = await Promise.all(this.shards.map(async (s) => (await s.readOutbox(limit)).map((e) => ({ ...e, seq: e.seq * MAX_SHARDS + s.index }))));
    if (per.length === 1) return per[0]!;
    const heads = per.map(() => 0);
    const out: Array<OutboxEvent & { seq: number }> = [];
    while (out.length < limit) {
      let pick = -1;
      for (let i = 0; i < per.length; i++) {
        const e = per[i]![heads[i]!];
        if (e && (pick < 0 || e.at < per[pick]![heads[pick]!]!.at)) pick = i;
      }
      if (pick < 0) break;
      out.push(per[pick]![heads[pick]!++]!);
    }
    return out;
  }

  async markOutboxPublished(seqs: number[]): Promise<void> {
    const byShard = new Map<number, number[]>();
    for (const seq of seqs) {
      const shard = seq % MAX_SHARDS;
      let list = byShard.get(shard);
      if (!list) byShard.set(shard, (list = []));
      list.push(Math.floor(seq / MAX_SHARDS));
    }
    await Promise.all([...byShard].map(([shard, local]) => this.shards[shard]?.markOutboxPublished(local)));
  }

  async outboxBacklog(): Promise<number> {
    return (await Promise.all(this.shards.map((s) => s.outboxBacklog()))).reduce((a, b) => a + b, 0);
  }

  async applyMinuteCounts(consumer: string, eventId: string, pollId: string, counts: MinuteCount[]): Promise<boolean> {
    const shard = this.#shard(pollId);
    if (!shard) throw new RangeError(`poll ${pollId} names shard ${shardOf(pollId)}, but ${this.shards.length} are configured`);
    return shard.applyMinuteCounts(consumer, eventId, pollId, counts);
  }

  async getMinuteCounts(pollId: string): Promise<MinuteCount[]> {
    return (await this.#shard(pollId)?.getMinuteCounts(pollId)) ?? [];
  }

  async ensureSecret(candidate: string): Promise<string> {
    return this.shards[0]!.ensureSecret(candidate);
  }

  async tryLead(name: string): Promise<(() => Promise<void>) | null> {
    return this.leases.tryLead(name);
  }

  async ping(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.ping()));
  }

  /** Summed over every primary and replica pool of every shard. */
  poolStats(): { inUse: number; idle: number; waiting: number; max: number } {
    const sum = { inUse: 0, idle: 0, waiting: 0, max: 0 };
    for (const shard of this.shards) {
      for (const link of [shard.primary, ...shard.replicas]) {
        const s = link.stats;
        sum.inUse += s.inUse;
        sum.idle += s.idle;
        sum.waiting += s.waiting;
        sum.max += s.max;
      }
    }
    return sum;
  }

  async close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.leases.close();
      await Promise.allSettled(this.shards.map((s) => s.close()));
    })();
    return this.#closed;
  }
}
