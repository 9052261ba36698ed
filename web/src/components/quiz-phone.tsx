/**
 * A phone's part in a quiz: choosing a nickname (taken or refused ones are explained), the seconds
 * left on the server's limit, and after a question closes whether the answer was right and the
 * phone's own rank and score. Scores come from the server only; the phone never times itself.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, asApiError, type ApiError } from '../lib/api.js';
import { saveVoterToken, voterToken } from '../lib/storage.js';
import type { Poll } from '../lib/types.js';
import { ErrorNotice } from './error-notice.js';

const NICK = 'pollcast.nick.';
export function savedNickname(eventId: string): string | null {
  try {
    return localStorage.getItem(NICK + eventId);
  } catch {
    return null;
  }
}

const tokenHeaders = (): Record<string, string> => {
  const vt = voterToken();
  return vt ? { 'x-voter-token': vt } : {};
};

export function NicknameForm({ eventId, onJoined }: { eventId: string; onJoined: (nickname: string) => void }) {
  const [nick, setNick] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [sending, setSending] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setSending(true);
    setError(null);
    try {
      const r = await api<{ nickname: string; voterToken?: string }>('POST', `/v1/events/${encodeURIComponent(eventId)}/players`, {
        body: { nickname: nick },
        headers: tokenHeaders(),
      });
      if (r.voterToken) saveVoterToken(r.voterToken);
      try {
        localStorage.setItem(NICK + eventId, r.nickname);
      } catch {
        /* storage unavailable: asked again on reload */
      }
      onJoined(r.nickname);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setSending(false);
    }
  };
  return (
    <form class="nickname-form" onSubmit={submit} data-testid="nickname-form">
      <label for="nick">Your nickname for the quiz</label>
      <input id="nick" data-testid="nickname" maxLength={24} autoComplete="nickname" value={nick} onInput={(e) => setNick((e.target as HTMLInputElement).value)} />
      {error && <ErrorNotice error={error} />}
      <button class="btn primary big" type="submit" disabled={sending || nick.trim() === ''}>
        Join the quiz
      </button>
    </form>
  );
}

export function useSecondsLeft(closesAt: string | null | undefined): number | null {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!closesAt) return;
    const id = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(id);
  }, [closesAt]);
  if (!closesAt) return null;
  const left = Math.ceil((Date.parse(closesAt) - now) / 1000);
  return left > 0 ? left : null;
}

/** After a quiz question closes: right or wrong, and the phone's own standing. */
export function QuizOutcome({ eventId, poll, picked }: { eventId: string; poll: Poll; picked: string[] | undefined }) {
  const [me, setMe] = useState<{ nickname: string; score: number; rank: number; players: number } | null>(null);
  const correct = poll.quiz?.correctOptionIds ?? [];
  useEffect(() => {
    api<{ nickname: string; score: number; rank: number; players: number }>('GET', `/v1/events/${encodeURIComponent(eventId)}/leaderboard/me`, { headers: tokenHeaders() })
      .then(setMe)
      .catch(() => setMe(null));
  }, [eventId, poll.id, correct.length]);
  const right = picked !== undefined && picked.length > 0 && picked.every((id) => correct.includes(id));
  return (
    <div class="quiz-outcome" data-testid="quiz-outcome" role="status">
      {picked === undefined || picked.length === 0 ? (
        <p class="state closed">Time is up.</p>
      ) : correct.length === 0 ? null : right ? (
        <p class="state ok">Correct!</p>
      ) : (
        <p class="state closed">Not this time.</p>
      )}
      {me && (
        <p class="quiz-standing" data-testid="my-standing">
          {me.nickname}: <strong>{me.score.toLocaleString('en')}</strong> points · rank {me.rank} of {me.players}
        </p>
      )}
    </div>
  );
}
