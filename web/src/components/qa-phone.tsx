/**
 * The phone's audience Q&A: ask the presenter (named or anonymous, as the event allows) and
 * upvote others' questions, once each (tap again to take it back). The list arrives live on the
 * event stream; which questions this phone upvoted is read once, then kept as it taps.
 * Every question is rendered as text (JSX escapes it): `<script>` shows as `<script>`.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, asApiError, type ApiError } from '../lib/api.js';
import { plural } from '../lib/format.js';
import { QA_NAME_MAX, QA_TEXT_MAX, qaPath, sortQuestions, type QaSort } from '../lib/qa.js';
import type { QaList, QaLive } from '../lib/types.js';
import { ErrorNotice } from './error-notice.js';

export function QaPhone({ eventId, live }: { eventId: string; live: QaLive }) {
  const [sort, setSort] = useState<QaSort>('top');
  const [mine, setMine] = useState<Set<string>>(new Set());
  const [text, setText] = useState('');
  const [name, setName] = useState('');
  const [sent, setSent] = useState<'visible' | 'pending' | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const settings = live.settings;

  useEffect(() => {
    api<QaList>('GET', qaPath(eventId, '?limit=100'))
      .then((r) => setMine(new Set(r.upvoted)))
      .catch(() => undefined);
  }, [eventId]);

  const ask = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: { text: string; name?: string } = { text };
      if (settings.names !== 'off' && name.trim() !== '') body.name = name;
      const r = await api<{ question: { state: 'visible' | 'pending' } }>('POST', qaPath(eventId), { body });
      setText('');
      setSent(r.question.state === 'pending' ? 'pending' : 'visible');
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const toggle = async (id: string) => {
    const up = !mine.has(id);
    setError(null);
    const next = new Set(mine);
    try {
      await api(up ? 'POST' : 'DELETE', qaPath(eventId, `/${id}/upvote`));
      if (up) next.add(id);
      else next.delete(id);
    } catch (err) {
      const a = asApiError(err);
      if (a.code === 'already_upvoted') next.add(id);
      else setError(a);
    }
    setMine(next);
  };

  const list = sortQuestions(live.questions, sort);
  return (
    <section class="card qa-phone" data-testid="qa-phone" aria-labelledby="qa-title">
      <h2 id="qa-title">Questions for the presenter</h2>
      {settings.enabled ? (
        <form class="qa-ask" onSubmit={ask} data-testid="qa-ask">
          <div class="field">
            <label for="qa-text">Your question</label>
            <textarea
              id="qa-text"
              rows={3}
              maxLength={QA_TEXT_MAX}
              value={text}
              onInput={(e) => {
                setText(e.currentTarget.value);
                setSent(null);
              }}
              required
            />
            <p class="small muted">
              {text.length} / {QA_TEXT_MAX}
            </p>
          </div>
          {settings.names !== 'off' && (
            <div class="field">
              <label for="qa-name">Your name {settings.names === 'optional' && <span class="muted">(optional)</span>}</label>
              <input
                id="qa-name"
                maxLength={QA_NAME_MAX}
                value={name}
                required={settings.names === 'required'}
                onInput={(e) => setName(e.currentTarget.value)}
                autocomplete="nickname"
              />
            </div>
          )}
          <button type="submit" class="btn primary" disabled={busy || text.trim() === ''}>
            Ask
          </button>
          {sent && (
            <p class="state ok" role="status" data-testid="qa-sent">
              {sent === 'pending' ? 'Sent: your question will show once the presenter approves it.' : 'Your question is on the list.'}
            </p>
          )}
        </form>
      ) : (
        <p class="state waiting">The presenter is not taking new questions right now.</p>
      )}
      {error && <ErrorNotice error={error} />}
      <div class="qa-sort" role="group" aria-label="Sort questions">
        {(['top', 'recent'] as const).map((s) => (
          <button key={s} type="button" class={`btn small ${sort === s ? 'primary' : 'secondary'}`} aria-pressed={sort === s} onClick={() => setSort(s)}>
            {s === 'top' ? 'Top' : 'Recent'}
          </button>
        ))}
      </div>
      {list.length === 0 ? (
        <p class="muted">No questions yet. Ask the first one.</p>
      ) : (
        <ol class="qa-list" data-testid="qa-list">
          {list.map((q) => (
            <li key={q.id} class={`qa-item${q.answered ? ' answered' : ''}`} data-testid="qa-item" data-id={q.id}>
              <div class="qa-body">
                {q.pinned && <span class="badge">Pinned</span>}
                {q.answered && <span class="badge closed">Answered</span>}
                <p class="qa-text" data-testid="qa-text">
                  {q.text}
                </p>
                <p class="small muted qa-who">{q.name ?? 'Anonymous'}</p>
              </div>
              <button
                type="button"
                class={`qa-upvote${mine.has(q.id) ? ' on' : ''}`}
                aria-pressed={mine.has(q.id)}
                aria-label={`${mine.has(q.id) ? 'Remove your upvote' : 'Upvote'}: ${plural(q.upvotes, 'upvote', 'upvotes')}`}
                data-testid="qa-upvote"
                onClick={() => void toggle(q.id)}
              >
                <span aria-hidden="true">▲</span>
                <span class="qa-count" data-testid="qa-count">
                  {q.upvotes}
                </span>
              </button>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
