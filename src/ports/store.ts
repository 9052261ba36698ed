/**
 * The store port: the source of truth for polls, votes, tallies, idempotency keys and the outbox.
 * Adapters: embedded (SQLite file under DATA_DIR) and PostgreSQL. Both pass test/contract/store.
 *
 * Contract:
 * - recordVotes commits the whole batch in one transaction: vote rows, tally deltas, idempotency
 *   claims with their rendered answers, and outbox events. Nothing is visible before it commits;
 *   if it throws, nothing of the batch was written — except over several PostgreSQL shards, where
 *   each shard's part commits on its own once every part is planned (a failed write there leaves
 *   the other parts counted; their voters learn it on retry).
 * - One counted vote per (pollId, voterId) is enforced by a unique key, not by a read.
 * - A vote is checked against the poll's status and window as of that transaction (PostgreSQL:
 *   read before it, and the write refuses to count if the status or definition moved since).
 * - Results `version` grows by at least one with every committed change to counts or status.
 */
import type { Commitment } from '../domain/commitment.js';
import type { Poll } from '../domain/poll.js';
import type { Results } from '../domain/results.js';
import type { CountedVote, StoredResponse, VoteCommand, VoteOutcome } from '../domain/vote.js';
import type { QuizScore } from '../domain/quiz.js';
import type { AnswerState, ModerationAction, TextAnswerRecord } from '../domain/text-answer.js';

/** Renders the HTTP answer for one outcome so the store can keep it with an idempotency key. */
export type RenderAnswer = (cmd: VoteCommand, outcome: VoteOutcome) => StoredResponse;

import type { OutboxEvent } from '../domain/events.js';

export type { OutboxEvent, OutboxEventType, OutboxPayloads } from '../domain/events.js';

/** About a vote batch, not any one vote. */
export interface BatchMeta {
  /** W3C trace context of the batch: stored as `payload.traceparent` in every outbox event the batch writes. */
  traceparent?: string;
}

/** One counted vote as an export reads it. */
export interface VoteRecord {
  voterId: string;
  optionIds: string[];
  receiptId: string;
  at: number;
}

export interface MinuteCount {
  minute: string;
  votes: number;
}

export interface StatusChange {
  pollId: string;
  status: Poll['status'];
  version: number;
}

/** A moderation step as stored: the answer's new state and the question's results version after it. */
export interface ModeratedAnswer {
  state: AnswerState;
  approved: boolean;
  version: number;
}

/** How many of a text question's top words results carry. */
export const CLOUD_WORDS = 50;

/**
 * Open text and quizzes (kinds `text` and `quiz`): their rows are written by recordVotes in the
 * batch's transaction (text answers, word counts, quiz points); these read and moderate them.
 */
export interface KindStore {
  /** The answers feed of a text question, newest first, every state; `before`: an `at` (exclusive) to page on. */
  listTextAnswers(pollId: string, limit: number, before?: number | null): Promise<TextAnswerRecord[]>;
  /**
   * Hides or approves one answer in one transaction under the poll's lock: its state changes and,
   * when it joins or leaves the cloud, its words' counts and the shown-answers tally change with it
   * and the results version grows. Null when the poll has no such answer.
   */
  moderateAnswer(pollId: string, answerId: string, action: ModerationAction, at: number): Promise<ModeratedAnswer | null>;
  /** Per-voter sums of quiz points over these questions (one row per voter who answered any). */
  quizScores(pollIds: readonly string[]): Promise<QuizScore[]>;
}

export interface Store extends StoreMaintenance, KindStore {
  readonly kind: string;
  migrate(): Promise<void>;
  createPoll(poll: Poll): Promise<void>;
  /** `fresh` reads the primary; otherwise an adapter may answer from a replica. */
  getPoll(id: string, opts?: { fresh?: boolean }): Promise<Poll | null>;
  /** The polls of `ids` that exist, in the order of `ids`: one query (per shard), not one per poll. */
  getPolls(ids: readonly string[]): Promise<Poll[]>;
  /**
   * Replaces the poll if nobody changed it since `expectedUpdatedAt`; returns the new results
   * version, or null when the poll is gone or changed meanwhile.
   */
  updatePoll(next: Poll, expectedUpdatedAt: number): Promise<number | null>;
  deletePoll(id: string): Promise<boolean>;
  /**
   * Sets a poll's counted votes aside (a presenter's reset): in one transaction, under the poll's
   * lock, the votes move to an archive (kept with `at`, never counted again), tallies and the
   * total go to zero, stored idempotency answers are forgotten and the version grows. Voters may
   * then vote again. Returns the new results version, or null when there is no such poll.
   */
  resetVotes(pollId: string, at: number): Promise<number | null>;
  /** Votes set aside by resets of this poll. */
  countResetVotes(pollId: string): Promise<number>;
  recordVotes(batch: VoteCommand[], render: RenderAnswer, meta?: BatchMeta): Promise<VoteOutcome[]>;
  getResults(pollId: string, opts?: { fresh?: boolean }): Promise<Results | null>;
  getVote(pollId: string, voterId: string): Promise<CountedVote | null>;
  countVotes(pollId: string): Promise<number>;
  /**
   * A keyset page of a poll's counted votes: up to `limit`, in voter id order (byte order), after
   * `afterVoterId` (null: from the start). Reads the primary. Paging holds no transaction or lock
   * between pages, so an export of a live poll never stalls writers; each voter appears at most once.
   */
  listVotes(pollId: string, afterVoterId: string | null, limit: number): Promise<VoteRecord[]>;
  getIdempotent(pollId: string, key: string): Promise<StoredResponse | null>;
  /**
   * Publishes a closed poll's commitment, at most one per close: written only while the poll is
   * still closed, at that close (its closesAt, or 0 without one, equals `c.closedAt`) and at
   * results version `c.version`, and only when that close has none yet. The first writer wins
   * and nothing ever replaces it (deleting the poll deletes its commitments); read back with
   * getCommitments to learn which one stands.
   */
  saveCommitment(c: Commitment): Promise<void>;
  /** Every commitment the poll published, oldest close first. Reads the primary. */
  getCommitments(pollId: string): Promise<Commitment[]>;
  /** Flips every poll whose opensAt/closesAt has passed; returns what changed. */
  applyDueTransitions(now: number): Promise<StatusChange[]>;
  /** The next opensAt/closesAt after `now` among polls not yet closed, for timers. */
  nextDueAt(now: number): Promise<number | null>;
  /** Up to `limit` unpublished outbox events, oldest first, with a handle to mark them sent. */
  readOutbox(limit: number): Promise<Array<OutboxEvent & { seq: number }>>;
  markOutboxPublished(seqs: number[]): Promise<void>;
  outboxBacklog(): Promise<number>;
  /** Connection pool figures, for metrics; absent when the adapter has no pool. */
  poolStats?(): { inUse: number; idle: number; waiting: number; max: number };
  /** Adds per-minute vote counts once per eventId; returns false if the event was seen before. */
  applyMinuteCounts(consumer: string, eventId: string, pollId: string, counts: MinuteCount[]): Promise<boolean>;
  getMinuteCounts(pollId: string): Promise<MinuteCount[]>;
  /**
   * Cluster-wide leadership for singletons (outbox relay, scheduler): resolves to a release
   * function if this process now holds `name`, or null if another process does. Held until
   * released or the holder's connection dies.
   */
  tryLead(name: string): Promise<(() => Promise<void>) | null>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreMaintenance {
  /** Forgets idempotency keys older than `before` (epoch ms); returns how many. */
  pruneIdempotency(before: number): Promise<number>;
  /** The cluster-wide signing secret: the first caller's candidate wins, everyone reads it. */
  ensureSecret(candidate: string): Promise<string>;
}
