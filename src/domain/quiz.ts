/**
 * Quiz scoring and the leaderboard. Points are decided on the server's clock: the time from the
 * moment the question opened (its `opensAt`) to the moment the server accepted the answer (the vote
 * command's `at`), never a time the client sends.
 *
 * A correct answer scores `maxPoints` at 0 s falling linearly to `minPoints` at the time limit
 * (1,000 → 500 by default), rounded to a whole point; a wrong answer scores 0. Answers after the
 * limit are refused (`answer_too_late`), so they score nothing.
 *
 * Tie rule: participants are ordered by score (higher first), then by the total time of their
 * correct answers (lower first: the faster player wins a tie on points). Participants equal on
 * both share a rank (standard competition ranking: 1, 2, 2, 4) and are listed by nickname.
 */
import type { QuizSpec } from './poll.js';

export function quizPoints(spec: Pick<QuizSpec, 'timeLimitSec' | 'maxPoints' | 'minPoints'>, correct: boolean, elapsedMs: number): number {
  if (!correct) return 0;
  const limit = spec.timeLimitSec * 1000;
  const f = Math.min(1, Math.max(0, elapsedMs / limit));
  return Math.round(spec.maxPoints - (spec.maxPoints - spec.minPoints) * f);
}

/** One participant's sums over the questions of an event. */
export interface QuizScore {
  voterId: string;
  score: number;
  /** Questions answered, and answered correctly. */
  answered: number;
  correct: number;
  /** Total ms from opening to answer over the correct answers (the tie-break). */
  correctMs: number;
}

export interface LeaderboardEntry extends QuizScore {
  nickname: string;
  rank: number;
}

/** Orders and ranks participants by the tie rule above. */
export function rankLeaderboard(rows: ReadonlyArray<QuizScore & { nickname: string }>): LeaderboardEntry[] {
  const sorted = [...rows].sort(
    (a, b) => b.score - a.score || a.correctMs - b.correctMs || (a.nickname < b.nickname ? -1 : a.nickname > b.nickname ? 1 : 0),
  );
  const out: LeaderboardEntry[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const r = sorted[i]!;
    const prev = out[i - 1];
    const rank = prev && prev.score === r.score && prev.correctMs === r.correctMs ? prev.rank : i + 1;
    out.push({ ...r, rank });
  }
  return out;
}

/** Nicknames: 1–24 characters of the NFC text, unique per event by a case- and accent-blind key. */
export const NICKNAME_MAX = 24;
export function nicknameKey(nickname: string): string {
  return nickname.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ');
}
