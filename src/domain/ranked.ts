/**
 * Ranked questions: instant-runoff (IRV) and Borda count, computed from counts of identical
 * rankings (ranking → voters), never from the votes one by one, so a live count costs the same
 * for 100 voters or 10 million: at most (options × distinct rankings) per round.
 *
 * IRV: each round counts every ballot for its highest-ranked option still in the race. An option
 * with more than half of the ballots still counting (not exhausted) wins. Otherwise the option with
 * the fewest votes is eliminated and the next round begins; one option left wins.
 * A ballot is exhausted when every option it ranks has been eliminated.
 *
 * Tie rule for elimination (documented in docs/voting.md): among options tied for fewest votes,
 * eliminate the one that had fewer votes in the latest earlier round where their counts differ
 * (backwards tie-break); if they were tied in every round, eliminate the one listed last in the
 * poll. The rule is deterministic, so every viewer and every recount sees the same rounds.
 *
 * Borda: with n options, a ballot gives n−1 points to its first choice, n−2 to its second, and so
 * on; options it does not rank get none (partial rankings are allowed by maxRank).
 */

/** Identical rankings, counted: each key is option ids in order of preference. */
export type RankingCounts = ReadonlyArray<{ ranking: readonly string[]; votes: number }>;

export interface IrvRound {
  /** Votes per option still in the race at the start of this round. */
  counts: Record<string, number>;
  /** Options eliminated at the end of this round (empty in the last round). */
  eliminated: string[];
  /** Ballots that count for no remaining option in this round. */
  exhausted: number;
}

export interface IrvResult {
  rounds: IrvRound[];
  /** Null when nobody has voted. */
  winner: string | null;
}

/** Tally key under which the store counts one identical ranking (first preferences are kept under the option id). */
export const RANKING_PREFIX = '>';
export const rankingKey = (ranking: readonly string[]): string => RANKING_PREFIX + ranking.join(',');

/** Ranking counts from tallies (keys made by `rankingKey`); unknown option ids are dropped from each ranking. */
export function rankingsFromTallies(
  tallies: ReadonlyMap<string, number>,
  optionIds: readonly string[],
): Array<{ ranking: string[]; votes: number }> {
  const known = new Set(optionIds);
  const out: Array<{ ranking: string[]; votes: number }> = [];
  for (const [key, votes] of tallies) {
    if (!key.startsWith(RANKING_PREFIX) || votes <= 0) continue;
    out.push({
      ranking: key
        .slice(RANKING_PREFIX.length)
        .split(',')
        .filter((id) => known.has(id)),
      votes,
    });
  }
  return out;
}

/** Instant-runoff rounds over `optionIds` (the poll's order, used by the tie rule). */
export function instantRunoff(optionIds: readonly string[], ballots: RankingCounts): IrvResult {
  const total = ballots.reduce((n, b) => n + b.votes, 0);
  const position = new Map(optionIds.map((id, i) => [id, i]));
  const remaining = new Set(optionIds);
  const rounds: IrvRound[] = [];
  if (optionIds.length === 0) return { rounds, winner: null };
  for (;;) {
    const counts: Record<string, number> = {};
    for (const id of optionIds) if (remaining.has(id)) counts[id] = 0;
    let exhausted = 0;
    for (const b of ballots) {
      const top = b.ranking.find((id) => remaining.has(id));
      if (top === undefined) exhausted += b.votes;
      else counts[top]! += b.votes;
    }
    const round: IrvRound = { counts, eliminated: [], exhausted };
    rounds.push(round);
    if (total === 0) return { rounds, winner: null };
    const continuing = total - exhausted;
    const alive = [...remaining];
    const leader = alive.reduce((a, b) => (counts[b]! > counts[a]! ? b : a));
    if (alive.length === 1 || counts[leader]! * 2 > continuing) return { rounds, winner: leader };
    const loser = pickLoser(alive, counts, rounds, position);
    round.eliminated.push(loser);
    remaining.delete(loser);
  }
}

function pickLoser(
  alive: readonly string[],
  counts: Record<string, number>,
  rounds: readonly IrvRound[],
  position: ReadonlyMap<string, number>,
): string {
  const fewest = Math.min(...alive.map((id) => counts[id]!));
  let tied = alive.filter((id) => counts[id] === fewest);
  // Backwards tie-break: the latest earlier round where the tied options' counts differ.
  for (let r = rounds.length - 2; r >= 0 && tied.length > 1; r--) {
    const c = rounds[r]!.counts;
    const low = Math.min(...tied.map((id) => c[id] ?? 0));
    tied = tied.filter((id) => (c[id] ?? 0) === low);
  }
  return tied.reduce((a, b) => (position.get(b)! > position.get(a)! ? b : a));
}

/** Borda points per option (every option present, 0 when nobody ranked it). */
export function bordaCount(optionIds: readonly string[], ballots: RankingCounts): Record<string, number> {
  const n = optionIds.length;
  const points: Record<string, number> = {};
  for (const id of optionIds) points[id] = 0;
  for (const b of ballots) {
    b.ranking.forEach((id, i) => {
      if (id in points) points[id]! += (n - 1 - i) * b.votes;
    });
  }
  return points;
}

/** First-preference counts (what `options[].votes` shows for a ranked question). */
export function firstPreferences(optionIds: readonly string[], ballots: RankingCounts): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const id of optionIds) counts[id] = 0;
  for (const b of ballots) {
    const top = b.ranking[0];
    if (top !== undefined && top in counts) counts[top]! += b.votes;
  }
  return counts;
}
