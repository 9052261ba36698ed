/**
 * A poll's published commitment: the Merkle root over its counted votes (domain/receipt-merkle.ts)
 * and their count, computed once when the poll closes and stored with that close. Each close is
 * its own: a poll reopened and closed again publishes another, and the earlier ones stay.
 */
import type { Poll } from './poll.js';
import type { COMMITMENT_SCHEME } from './receipt-merkle.js';

export interface Commitment {
  pollId: string;
  /** Which close it commits to: the poll's closesAt at that close (0 for a poll closed without one). */
  closedAt: number;
  scheme: typeof COMMITMENT_SCHEME;
  /** Hex SHA-256 root. */
  root: string;
  count: number;
  /** The poll's results version the votes were read at (the store's status and vote set were fixed). */
  version: number;
  publishedAt: number;
}

/** The close a closed poll is in: commitments are keyed by it. */
export function closeKey(poll: Pick<Poll, 'closesAt'>): number {
  return poll.closesAt ?? 0;
}
