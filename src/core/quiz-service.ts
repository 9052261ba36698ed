/**
 * Quizzes in an event: participants' nicknames and the leaderboard. A participant is a device voter
 * (the signed voter token every phone gets with its first answer or its nickname), so the same
 * phone is the same player across the event's quiz questions. Scores are read from the quiz points
 * the vote batches wrote (one row per counted answer), so the leaderboard is always the sum of the
 * stored rows: nothing is counted twice, nothing on the side.
 */
import { isLiveEventId } from '../domain/event.js';
import { newVoterId } from '../domain/ids.js';
import { pollText } from '../domain/poll-text.js';
import { isProfane } from '../domain/profanity.js';
import { nicknameKey, NICKNAME_MAX, rankLeaderboard, type LeaderboardEntry } from '../domain/quiz.js';
import type { VoterTokens } from '../domain/voter-token.js';
import { PollcastError } from '../errors.js';
import type { EventStore } from '../ports/event-store.js';
import type { Store } from '../ports/store.js';
import type { PollDirectory } from './poll-directory.js';
import { DEVICE } from './vote/voter-identity.js';

export interface QuizPlayer {
  nickname: string;
  /** Set when this request was issued the token (a phone's first contact). */
  voterToken?: string;
}

export interface MyStanding {
  nickname: string;
  score: number;
  rank: number;
  players: number;
}

/** A player who answered without choosing a nickname is shown by a name made from their id. */
const guestName = (voterId: string): string => 'Guest ' + voterId.slice(-4);

export class QuizService {
  constructor(
    private readonly events: EventStore,
    private readonly directory: PollDirectory,
    private readonly store: Store,
    private readonly tokens: VoterTokens,
  ) {}

  async #event(eventId: string) {
    const ev = isLiveEventId(eventId) ? await this.events.get(eventId) : null;
    if (!ev) throw new PollcastError('event_not_found');
    return ev;
  }

  /** The device voter a token names; a missing token makes a new voter (issued with the answer). */
  #voter(voterToken: string | undefined): { voterId: string; issued?: string } {
    if (voterToken === undefined) {
      const id = newVoterId();
      return { voterId: DEVICE + id, issued: this.tokens.issue(id) };
    }
    const id = this.tokens.verify(voterToken);
    if (id === null) throw new PollcastError('voter_token_invalid');
    return { voterId: DEVICE + id };
  }

  async setNickname(eventId: string, raw: string, voterToken: string | undefined): Promise<QuizPlayer> {
    const ev = await this.#event(eventId);
    let nickname: string;
    try {
      nickname = pollText(raw, 'nickname', NICKNAME_MAX);
    } catch (err) {
      if (err instanceof PollcastError) throw new PollcastError('nickname_invalid', err.message.replace(/^nickname/, 'a nickname'));
      throw err;
    }
    if (isProfane(nickname)) throw new PollcastError('nickname_offensive');
    const voter = this.#voter(voterToken);
    if (!(await this.events.setNickname(ev.id, voter.voterId, nickname, nicknameKey(nickname)))) throw new PollcastError('nickname_taken');
    return voter.issued ? { nickname, voterToken: voter.issued } : { nickname };
  }

  /** Every player ranked by the tie rule (domain/quiz.ts): those with a nickname, and anyone who answered. */
  async leaderboard(eventId: string): Promise<LeaderboardEntry[]> {
    const ev = await this.#event(eventId);
    const questions = await Promise.all(ev.questionIds.map((id) => this.directory.get(id)));
    const quizIds = questions.filter((q) => q !== null && q.kind === 'quiz').map((q) => q!.id);
    const [scores, names] = await Promise.all([this.store.quizScores(quizIds), this.events.nicknames(ev.id)]);
    const byVoter = new Map(names.map((n) => [n.voterId, n.nickname]));
    const rows = scores.map((s) => ({ ...s, nickname: byVoter.get(s.voterId) ?? guestName(s.voterId) }));
    const scored = new Set(scores.map((s) => s.voterId));
    for (const n of names) if (!scored.has(n.voterId)) rows.push({ voterId: n.voterId, nickname: n.nickname, score: 0, answered: 0, correct: 0, correctMs: 0 });
    return rankLeaderboard(rows);
  }

  /** The caller's own rank and score (a phone's view); not_found until they have a nickname or an answer. */
  async standing(eventId: string, voterToken: string | undefined): Promise<MyStanding> {
    if (voterToken === undefined) throw new PollcastError('not_found', 'join the quiz with a nickname first');
    const { voterId } = this.#voter(voterToken);
    const board = await this.leaderboard(eventId);
    const me = board.find((e) => e.voterId === voterId);
    if (!me) throw new PollcastError('not_found', 'join the quiz with a nickname first');
    return { nickname: me.nickname, score: me.score, rank: me.rank, players: board.length };
  }
}
