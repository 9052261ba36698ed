/** Row shapes of the PostgreSQL store and their conversion to domain values. */
import { withPollDefaults, type Poll } from '../../domain/poll.js';

export interface PollRow {
  def: Poll;
  status: Poll['status'];
  opens_at: number | null;
  closes_at: number | null;
  updated_at: number;
}

export interface ResultsRow extends PollRow {
  version: number;
  total: number;
  results_at: number;
  counts: Record<string, number>;
}

/** The stored definition, with the columns that change without an edit laid over it. */
export function toPoll(row: PollRow): Poll {
  return withPollDefaults({ ...row.def, status: row.status, opensAt: row.opens_at, closesAt: row.closes_at, updatedAt: row.updated_at });
}
