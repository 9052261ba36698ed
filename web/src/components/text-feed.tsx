/**
 * The presenter's view of a text question's answers: the latest shown answers (on the big screen)
 * and, for moderation, Hide on each and Approve on each waiting one (pre-moderation). Read with the
 * owner token, again whenever the question's results version moves (a new answer, a hide).
 * Answers are text nodes: a `<script>` answer shows as those characters.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, asApiError, type ApiError } from '../lib/api.js';
import type { TextAnswer } from '../lib/types.js';
import { ErrorNotice } from './error-notice.js';

export function TextFeed({ pollId, token, version, latest = 8 }: { pollId: string; token: string | null; version: number; latest?: number }) {
  const [answers, setAnswers] = useState<TextAnswer[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [tick, setTick] = useState(0);
  const auth = token ? { authorization: `Bearer ${token}` } : undefined;
  useEffect(() => {
    if (!token) return;
    let live = true;
    api<{ answers: TextAnswer[] }>('GET', `/v1/polls/${encodeURIComponent(pollId)}/answers?limit=50`, { headers: auth })
      .then((r) => live && setAnswers(r.answers))
      .catch((err: unknown) => live && setError(asApiError(err)));
    return () => {
      live = false;
    };
  }, [pollId, token, version, tick]);
  const act = (answerId: string, action: 'hide' | 'approve') => {
    setError(null);
    api('POST', `/v1/polls/${encodeURIComponent(pollId)}/answers/${encodeURIComponent(answerId)}/${action}`, { headers: auth })
      .then(() => setTick((n) => n + 1))
      .catch((err: unknown) => setError(asApiError(err)));
  };
  if (!token) return null;
  const shown = answers.filter((a) => a.state === 'shown').slice(0, latest);
  const pending = answers.filter((a) => a.state === 'pending');
  return (
    <div class="text-feed">
      <section aria-label="Latest answers">
        <h2 class="feed-title">Latest answers</h2>
        {shown.length === 0 ? (
          <p class="muted">No answers yet.</p>
        ) : (
          <ul class="feed" data-testid="latest-answers">
            {shown.map((a) => (
              <li key={a.answerId} class="feed-item" data-testid="feed-item">
                <span class="feed-text">{a.text}</span>
                <button type="button" class="btn small danger-outline" onClick={() => act(a.answerId, 'hide')} aria-label={`Hide answer: ${a.text}`} data-testid="hide-answer">
                  Hide
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      {pending.length > 0 && (
        <section aria-label="Waiting for approval" class="feed-pending">
          <h2 class="feed-title">Waiting for approval ({pending.length})</h2>
          <ul class="feed" data-testid="pending-answers">
            {pending.map((a) => (
              <li key={a.answerId} class="feed-item pending">
                <span class="feed-text">{a.text}</span>
                <button type="button" class="btn small primary" onClick={() => act(a.answerId, 'approve')} data-testid="approve-answer">
                  Approve
                </button>
                <button type="button" class="btn small danger-outline" onClick={() => act(a.answerId, 'hide')}>
                  Hide
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {error && <ErrorNotice error={error} />}
    </div>
  );
}
