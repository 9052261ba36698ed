/** Ballots: what a voter may choose in a poll, and what the store answers about a vote. */
import { PollcastError } from '../errors.js';
import type { Poll } from './poll.js';

/**
 * Checks a ballot against the poll and returns the option ids in the poll's order, so equal
 * ballots compare equal. Throws the first rule the ballot breaks.
 */
export function normalizeChoice(poll: Pick<Poll, 'options' | 'kind' | 'maxChoices'>, optionIds: readonly string[]): string[] {
  if (optionIds.length === 0) throw new PollcastError('too_few_choices');
  const seen = new Set<string>();
  for (const id of optionIds) {
    if (seen.has(id)) throw new PollcastError('duplicate_option', `option ${JSON.stringify(id)} is given twice`, { optionId: id });
    seen.add(id);
  }
  const order = new Map(poll.options.map((o, i) => [o.id, i]));
  for (const id of optionIds) {
    if (!order.has(id)) throw new PollcastError('invalid_option', `option ${JSON.stringify(id)} is not in this poll`, { optionId: id });
  }
  const max = poll.kind === 'single' ? 1 : poll.maxChoices;
  if (optionIds.length > max) throw new PollcastError('too_many_choices', `this poll allows at most ${max} choice(s)`, { maxChoices: max });
  return optionIds.length === 1 ? [optionIds[0]!] : [...optionIds].sort((a, b) => order.get(a)! - order.get(b)!);
}

/** One vote handed to the store, already validated. */
export interface VoteCommand {
  pollId: string;
  voterId: string;
  optionIds: string[];
  receiptId: string;
  at: number;
  /** When present, the store claims (pollId, key) in the same transaction as the vote. */
  idempotency?: { key: string; requestHash: string };
  /** An open-text answer (kind `text`): its id is the receipt id; `words` are its cloud words (text-answer.ts). */
  text?: { text: string; words: string[] };
}

/** A vote as the store holds it. */
export interface CountedVote {
  optionIds: string[];
  receiptId: string;
  at: number;
}

export type VoteOutcome =
  | { kind: 'counted'; vote: CountedVote; version: number; changed: boolean }
  | { kind: 'duplicate'; counted: CountedVote }
  | { kind: 'rejected'; code: 'poll_not_found' | 'poll_closed' | 'poll_not_open' | 'answer_too_late' }
  /** Another request already claimed this idempotency key: its stored answer, or a mismatch. */
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'key_reused' };

/** An HTTP answer kept for an idempotency key, replayed byte for byte. */
export interface StoredResponse {
  status: number;
  body: string;
  requestHash: string;
}
