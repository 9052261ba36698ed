/**
 * The audience Q&A store port: questions asked by an event's audience and their upvotes.
 * Adapters: embedded (SQLite file `qa.db` under DATA_DIR) and PostgreSQL (its own tables on the
 * primary). Both pass test/contract/audience-qa-store-contract.ts.
 *
 * Contract:
 * - One upvote row per (question, voter) at most: a unique key, so no race can count a voter twice.
 * - A question's `upvotes` equals its upvote rows at every commit (changed in the same transaction).
 * - `applyUpvotes` takes a batch in submission order and answers each op in that order
 *   (domain/audience-question.ts planUpvotes), in one transaction; concurrent batches on the same
 *   question serialize on it.
 * - Every change the audience can see (a question added, moderated, upvoted) moves the event's
 *   Q&A `version` up in the same transaction; it never goes down.
 */
import type {
  AudienceQuestion,
  AudienceQuestionState,
  Moderation,
  QaSort,
  UpvoteOp,
  UpvoteOutcome,
} from '../domain/audience-question.js';

export interface QaListQuery {
  sort: QaSort;
  states: readonly AudienceQuestionState[];
  limit: number;
}

export interface QaCounts {
  pending: number;
  visible: number;
  hidden: number;
}

export interface AudienceQaStore {
  readonly kind: string;
  migrate(): Promise<void>;
  add(q: AudienceQuestion): Promise<void>;
  get(eventId: string, questionId: string): Promise<AudienceQuestion | null>;
  list(eventId: string, query: QaListQuery): Promise<AudienceQuestion[]>;
  counts(eventId: string): Promise<QaCounts>;
  /** Applies a manager's change; null when the event has no such question. */
  moderate(eventId: string, questionId: string, change: Moderation, now: number): Promise<AudienceQuestion | null>;
  applyUpvotes(ops: readonly UpvoteOp[]): Promise<UpvoteOutcome[]>;
  /** Of `questionIds`, those the voter has upvoted. */
  upvotedBy(voterKey: string, questionIds: readonly string[]): Promise<string[]>;
  /** The event's Q&A version (0 before anything was asked). */
  version(eventId: string): Promise<number>;
  /** Questions of the event whose `upvotes` differs from their upvote rows (0, always: for checks). */
  countMismatches(eventId: string): Promise<number>;
  /** Removes the event's questions and upvotes (the event was deleted). */
  deleteEvent(eventId: string): Promise<void>;
  close(): Promise<void>;
}
