/** Tallies as clients see them. `version` grows with every change to a poll's counts or status. */
import type { PollStatus } from './poll.js';

export interface Results {
  pollId: string;
  version: number;
  status: PollStatus;
  /** Voters counted. In a multiple-choice poll the option counts may add up to more. */
  total: number;
  options: Array<{ id: string; votes: number }>;
  updatedAt: string;
}
