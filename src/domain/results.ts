/** Tallies as clients see them. `version` grows with every change to a poll's counts or status. */
import type { Poll, PollStatus } from './poll.js';
import { bordaCount, instantRunoff, rankingsFromTallies, type IrvResult } from './ranked.js';
import { histogramFromTallies, npsStats, ratingStats, type HistogramBin } from './rating.js';

export interface Results {
  pollId: string;
  version: number;
  status: PollStatus;
  /** Voters counted. In a multiple-choice poll the option counts may add up to more. */
  total: number;
  /** Votes per option; for a ranked question, first preferences; empty for rating and nps. */
  options: Array<{ id: string; votes: number }>;
  updatedAt: string;
  /** Ranked: instant-runoff rounds and winner. */
  irv?: IrvResult;
  /** Ranked: Borda points per option. */
  borda?: Record<string, number>;
  /** Rating and nps: answers per value of the scale. */
  histogram?: HistogramBin[];
  /** Rating. */
  mean?: number | null;
  median?: number | null;
  /** Nps. */
  score?: number | null;
  promoters?: number;
  passives?: number;
  detractors?: number;
}

/**
 * Results from a poll's stored tallies (key → count: option ids, and for ranked questions one key
 * per distinct ranking, for rating and nps one key per value). Both stores call this, so the same
 * tallies give the same results; the cost depends on the options and distinct rankings, never on
 * the number of voters.
 */
export function resultsFromTallies(
  poll: Pick<Poll, 'id' | 'options' | 'kind' | 'scale'>,
  row: { version: number; status: PollStatus; total: number; updatedAt: string },
  tallies: ReadonlyMap<string, number>,
): Results {
  const base: Results = {
    pollId: poll.id,
    version: row.version,
    status: row.status,
    total: row.total,
    options: poll.options.map((o) => ({ id: o.id, votes: tallies.get(o.id) ?? 0 })),
    updatedAt: row.updatedAt,
  };
  switch (poll.kind) {
    case 'ranked': {
      const ids = poll.options.map((o) => o.id);
      const ballots = rankingsFromTallies(tallies, ids);
      return { ...base, irv: instantRunoff(ids, ballots), borda: bordaCount(ids, ballots) };
    }
    case 'rating': {
      const s = ratingStats(histogramFromTallies(tallies, poll.scale!));
      return { ...base, histogram: s.histogram, mean: s.mean, median: s.median };
    }
    case 'nps': {
      const s = npsStats(histogramFromTallies(tallies, poll.scale!));
      return { ...base, histogram: s.histogram, score: s.score, promoters: s.promoters, passives: s.passives, detractors: s.detractors };
    }
    default:
      return base;
  }
}
