/**
 * Rating and NPS questions: answers are whole numbers on a scale, counted per value (a histogram),
 * so statistics cost the size of the scale (at most 11 values), never the number of voters.
 */
import type { RatingScale } from './poll.js';

/** Tally key under which the store counts one value (ballots store the same token). */
export const VALUE_PREFIX = '=';
export const valueToken = (value: number): string => VALUE_PREFIX + String(value);

/** The value a stored ballot token names, or null when the token is not a value. */
export function tokenValue(token: string | undefined): number | null {
  if (token === undefined || !token.startsWith(VALUE_PREFIX)) return null;
  const n = Number(token.slice(VALUE_PREFIX.length));
  return Number.isInteger(n) ? n : null;
}

export interface HistogramBin {
  value: number;
  votes: number;
}

export interface RatingStats {
  count: number;
  /** Null when nobody has answered. */
  mean: number | null;
  /** The middle value; with an even count, the mean of the two middle values. Null when nobody has answered. */
  median: number | null;
  /** Every value of the scale, lowest first. */
  histogram: HistogramBin[];
}

export interface NpsStats {
  count: number;
  /** 9–10 */
  promoters: number;
  /** 7–8 */
  passives: number;
  /** 0–6 */
  detractors: number;
  /** % promoters − % detractors, −100…100, to one decimal; null when nobody has answered. */
  score: number | null;
  histogram: HistogramBin[];
}

/** Counts per value from tallies keyed by `valueToken`; values off the scale are ignored. */
export function histogramFromTallies(tallies: ReadonlyMap<string, number>, scale: RatingScale): HistogramBin[] {
  const bins: HistogramBin[] = [];
  for (let v = scale.min; v <= scale.max; v++)
    bins.push({ value: v, votes: Math.max(0, tallies.get(valueToken(v)) ?? 0) });
  return bins;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function ratingStats(histogram: readonly HistogramBin[]): RatingStats {
  const bins = [...histogram].sort((a, b) => a.value - b.value);
  const count = bins.reduce((n, b) => n + b.votes, 0);
  if (count === 0) return { count, mean: null, median: null, histogram: bins };
  const sum = bins.reduce((n, b) => n + b.value * b.votes, 0);
  return { count, mean: round2(sum / count), median: medianOf(bins, count), histogram: bins };
}

/** The value at 0-based position `k` of the sorted answers. */
function nth(bins: readonly HistogramBin[], k: number): number {
  let seen = 0;
  for (const b of bins) {
    seen += b.votes;
    if (k < seen) return b.value;
  }
  throw new RangeError(`position ${k} is past the answers`);
}

function medianOf(bins: readonly HistogramBin[], count: number): number {
  if (count % 2 === 1) return nth(bins, (count - 1) / 2);
  return (nth(bins, count / 2 - 1) + nth(bins, count / 2)) / 2;
}

export function npsStats(histogram: readonly HistogramBin[]): NpsStats {
  let promoters = 0;
  let passives = 0;
  let detractors = 0;
  for (const b of histogram) {
    if (b.value >= 9) promoters += b.votes;
    else if (b.value >= 7) passives += b.votes;
    else detractors += b.votes;
  }
  const count = promoters + passives + detractors;
  const score = count === 0 ? null : Math.round(((promoters - detractors) * 1000) / count) / 10;
  return { count, promoters, passives, detractors, score, histogram: [...histogram].sort((a, b) => a.value - b.value) };
}
