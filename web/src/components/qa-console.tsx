/**
 * The presenter's audience Q&A on the big screen: the questions by top or recent, with the
 * moderation controls (approve, hide, pin, mark answered) and the event's Q&A settings. The
 * event stream says when something changed (its Q&A version); the console then reads the full
 * list, pending and hidden included, with the owner token. Text is rendered as text, always.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, asApiError, type ApiError } from '../lib/api.js';
import { plural } from '../lib/format.js';
import { qaPath, type QaSort } from '../lib/qa.js';
import type { AudienceQuestion, QaList, QaLive, QaSettings } from '../lib/types.js';
import { ErrorNotice } from './error-notice.js';

export function QaConsole({ eventId, token, live }: { eventId: string; token: string | null; live: QaLive | null }) {
  const [sort, setSort] = useState<QaSort>('top');
  const [list, setList] = useState<QaList | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const version = live?.version ?? 0;

  useEffect(() => {
    const ctl = new AbortController();
    const state = token ? 'all' : 'visible';
    api<QaList>('GET', qaPath(eventId, `?sort=${sort}&state=${state}&limit=200`), { headers: auth, signal: ctl.signal })
      .then(setList)
      .catch((err: unknown) => {
        if ((err as Error).name !== 'AbortError') setError(asApiError(err));
      });
    return () => ctl.abort();
    // `auth` follows `token`; `version` moves with every change of the Q&A.
  }, [eventId, token, sort, version]);

  const act = (path: string, body: unknown, method = 'PATCH') => {
    setError(null);
    api(method, path, { body, headers: auth }).catch((err: unknown) => setError(asApiError(err)));
  };
  const moderate = (q: AudienceQuestion, body: Record<string, unknown>) => act(qaPath(eventId, `/${q.id}`), body);
  // The stream's settings are the freshest: a settings change moves the event, not the Q&A version.
  const settings: QaSettings | undefined = live?.settings ?? list?.settings;
  const setSettings = (patch: Partial<QaSettings>) => act(`/v1/events/${encodeURIComponent(eventId)}`, { qa: patch });

  const questions = list?.questions ?? [];
  const pending = questions.filter((q) => q.state === 'pending');
  const visible = questions.filter((q) => q.state === 'visible');
  const hidden = questions.filter((q) => q.state === 'hidden');
  return (
    <section class="qa-console" data-testid="console-qa" aria-labelledby="qa-console-title">
      <header class="qa-console-head">
        <h2 id="qa-console-title">Questions from the audience</h2>
        <span class="stage-count" data-testid="qa-counts">
          {plural(visible.length, 'question', 'questions')}
          {pending.length > 0 && ` · ${pending.length} awaiting approval`}
        </span>
        <div class="qa-sort" role="group" aria-label="Sort questions">
          {(['top', 'recent'] as const).map((s) => (
            <button key={s} type="button" class={`btn small ${sort === s ? 'primary' : 'secondary'}`} aria-pressed={sort === s} onClick={() => setSort(s)}>
              {s === 'top' ? 'Top' : 'Recent'}
            </button>
          ))}
        </div>
        {token && settings && (
          <div class="qa-settings">
            <label class="inline">
              <input type="checkbox" checked={settings.enabled} onChange={(e) => setSettings({ enabled: e.currentTarget.checked })} data-testid="qa-enabled" />
              Taking questions
            </label>
            <label class="inline">
              <input
                type="checkbox"
                checked={settings.moderation === 'pre'}
                onChange={(e) => setSettings({ moderation: e.currentTarget.checked ? 'pre' : 'post' })}
                data-testid="qa-premoderation"
              />
              Approve before showing
            </label>
            <label class="inline">
              Names{' '}
              <select
                value={settings.names}
                onChange={(e) => setSettings({ names: e.currentTarget.value as QaSettings['names'] })}
                data-testid="qa-names"
              >
                <option value="optional">optional</option>
                <option value="required">required</option>
                <option value="off">anonymous only</option>
              </select>
            </label>
          </div>
        )}
      </header>
      {error && <ErrorNotice error={error} />}
      {token && pending.length > 0 && (
        <div class="qa-pending" data-testid="qa-pending">
          <h3>Awaiting approval</h3>
          <ol class="qa-list">
            {pending.map((q) => (
              <li key={q.id} class="qa-item pending" data-testid="qa-pending-item">
                <div class="qa-body">
                  <p class="qa-text">{q.text}</p>
                  <p class="small qa-who">{q.name ?? 'Anonymous'}</p>
                </div>
                <div class="qa-actions">
                  <button type="button" class="btn small primary" onClick={() => moderate(q, { state: 'visible' })}>
                    Approve
                  </button>
                  <button type="button" class="btn small danger-outline" onClick={() => moderate(q, { state: 'hidden' })}>
                    Hide
                  </button>
                </div>
              </li>
            ))}
          </ol>
        </div>
      )}
      {visible.length === 0 ? (
        <p class="stage-hidden">No questions yet. The audience asks on the join page.</p>
      ) : (
        <ol class="qa-list qa-stage-list" data-testid="qa-stage-list">
          {visible.map((q) => (
            <li key={q.id} class={`qa-item${q.answered ? ' answered' : ''}${q.pinned ? ' pinned' : ''}`} data-testid="qa-stage-item" data-id={q.id}>
              <span class="qa-votes" aria-label={plural(q.upvotes, 'upvote', 'upvotes')} data-testid="qa-stage-count">
                ▲ {q.upvotes}
              </span>
              <div class="qa-body">
                {q.pinned && <span class="badge">Pinned</span>}
                {q.answered && <span class="badge closed">Answered</span>}
                <p class="qa-text" data-testid="qa-stage-text">
                  {q.text}
                </p>
                <p class="small qa-who">{q.name ?? 'Anonymous'}</p>
              </div>
              {token && (
                <div class="qa-actions">
                  <button type="button" class="btn small secondary" onClick={() => moderate(q, { pinned: !q.pinned })}>
                    {q.pinned ? 'Unpin' : 'Pin'}
                  </button>
                  <button type="button" class="btn small secondary" onClick={() => moderate(q, { answered: !q.answered })}>
                    {q.answered ? 'Not answered' : 'Answered'}
                  </button>
                  <button type="button" class="btn small danger-outline" onClick={() => moderate(q, { state: 'hidden' })}>
                    Hide
                  </button>
                </div>
              )}
            </li>
          ))}
        </ol>
      )}
      {token && hidden.length > 0 && (
        <details class="qa-hidden">
          <summary>{plural(hidden.length, 'hidden question', 'hidden questions')}</summary>
          <ol class="qa-list">
            {hidden.map((q) => (
              <li key={q.id} class="qa-item">
                <div class="qa-body">
                  <p class="qa-text">{q.text}</p>
                </div>
                <button type="button" class="btn small secondary" onClick={() => moderate(q, { state: 'visible' })}>
                  Show
                </button>
              </li>
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}
