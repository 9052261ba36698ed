/** Tallies as clients see them. `version` grows with every change to a poll's counts or status. */
import type { Poll, PollStatus } from './poll.js';
import { bordaCount, instantRunoff, rankingsFromTallies, type IrvResult } from './ranked.js';
import { histogramFromTallies, npsStats, ratingStats, type HistogramBin } from './rating.js';
import { SHOWN_ANSWERS_KEY, type WordCount } from './text-answer.js';

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
  /** Text: the most counted words of shown answers (top 50), most first, ties by word. */
  words?: WordCount[];
  /** Text: answers shown (not pending, not hidden). */
  answers?: number;
  /** Quiz: the correct options, once the question has closed (never before). */
  correctOptionIds?: string[];
}

/**
 * Results from a poll's stored tallies (key → count: option ids, and for ranked questions one key
 * per distinct ranking, for rating and nps one key per value). Both stores call this, so the same
 * tallies give the same results; the cost depends on the options and distinct rankings, never on
 * the number of voters.
 */
export function resultsFromTallies(
  poll: Pick<Poll, 'id' | 'options' | 'kind' | 'scale'> & Partial<Pick<Poll, 'quiz'>>,
  row: { version: number; status: PollStatus; total: number; updatedAt: string },
  tallies: ReadonlyMap<string, number>,
  /** Text: the top words, as the store read them. */
  words: readonly WordCount[] = [],
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
    case 'text':
      return { ...base, words: [...words], answers: Math.max(0, tallies.get(SHOWN_ANSWERS_KEY) ?? 0) };
    case 'quiz':
      return row.status === 'closed' && poll.quiz ? { ...base, correctOptionIds: [...poll.quiz.correctOptionIds] } : base;
    default:
      return base;
  }
}
