/** /e/new: build an event — a title and questions of any kind — then present it. */
import { useEffect, useState } from 'preact/hooks';
import { ErrorNotice } from '../components/error-notice.js';
import { Layout } from '../components/layout.js';
import { WorkspacePicker, useWorkspaceChoice } from '../components/poll-settings.js';
import { api, asApiError, type ApiError } from '../lib/api.js';
import { authed } from '../lib/session.js';
import { setTitle } from '../lib/format.js';
import { navigate } from '../lib/router.js';
import type { LiveEvent, PollKind } from '../lib/types.js';
import { saveEventOwnerToken } from '../lib/use-event-stream.js';

interface Draft {
  question: string;
  kind: PollKind;
  /** One option per line (single, multiple, ranked). */
  options: string;
  min: number;
  max: number;
  /** Quiz: seconds to answer. */
  seconds: number;
  /** Text: answers per voter, and whether the presenter approves each first. */
  answers: number;
  premod: boolean;
}

const KINDS: Array<[PollKind, string]> = [
  ['single', 'Single choice'],
  ['multiple', 'Multiple choice'],
  ['ranked', 'Ranking'],
  ['rating', 'Rating scale'],
  ['nps', 'Net Promoter Score'],
  ['text', 'Open text (word cloud)'],
  ['quiz', 'Quiz question'],
];

const blank = (): Draft => ({ question: '', kind: 'single', options: '', min: 1, max: 5, seconds: 20, answers: 1, premod: false });

const lines = (text: string) =>
  text
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);

function toBody(d: Draft): Record<string, unknown> {
  if (d.kind === 'nps') return { question: d.question, kind: 'nps' };
  if (d.kind === 'text') return { question: d.question, kind: 'text', maxAnswers: d.answers, moderation: d.premod ? 'pre' : 'post' };
  if (d.kind === 'quiz') {
    // A leading * marks a correct option.
    const options = lines(d.options).map((l) => (l.startsWith('*') ? { text: l.slice(1).trim(), correct: true } : { text: l }));
    return { question: d.question, kind: 'quiz', timeLimitSec: d.seconds, options };
  }
  if (d.kind === 'rating') return { question: d.question, kind: 'rating', scale: { min: d.min, max: d.max } };
  return {
    question: d.question,
    kind: d.kind,
    options: d.options
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

export default function EventNewPage() {
  const [title, setEventTitle] = useState('');
  const [drafts, setDrafts] = useState<Draft[]>([blank()]);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const choice = useWorkspaceChoice();
  useEffect(() => setTitle('New event'), []);
  const edit = (i: number, change: Partial<Draft>) =>
    setDrafts(drafts.map((d, j) => (j === i ? { ...d, ...change } : d)));
  const move = (i: number, by: number) => {
    const next = [...drafts];
    const [d] = next.splice(i, 1);
    next.splice(Math.max(0, Math.min(next.length, i + by)), 0, d!);
    setDrafts(next);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      type Created = { event: LiveEvent; ownerToken: string };
      // In a workspace: created (and then also managed) with the session; the owner token is kept here too.
      const r = choice.workspaceId
        ? await authed<Created>('POST', '/v1/events', { body: { title, questions: drafts.map(toBody), workspaceId: choice.workspaceId } })
        : await api<Created>('POST', '/v1/events', { body: { title, questions: drafts.map(toBody) } });
      saveEventOwnerToken(r.event.id, r.ownerToken);
      navigate(`/e/${r.event.id}/present`);
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Layout>
      <form class="card event-builder" onSubmit={submit}>
        <h1>New event</h1>
        <p class="muted">One join code for all your questions; phones follow you from one to the next.</p>
        <WorkspacePicker choice={choice} />
        <div class="field">
          <label for="event-title">Title</label>
          <input
            id="event-title"
            value={title}
            onInput={(e) => setEventTitle(e.currentTarget.value)}
            required
            maxLength={200}
          />
        </div>
        <ol class="question-drafts">
          {drafts.map((d, i) => (
            <li key={i} class="question-draft" data-testid="question-draft">
              <div class="field">
                <label for={`q-${i}`}>Question {i + 1}</label>
                <input
                  id={`q-${i}`}
                  value={d.question}
                  onInput={(e) => edit(i, { question: e.currentTarget.value })}
                  required
                  maxLength={500}
                />
              </div>
              <div class="field">
                <label for={`k-${i}`}>Kind</label>
                <select
                  id={`k-${i}`}
                  value={d.kind}
                  onChange={(e) => edit(i, { kind: e.currentTarget.value as PollKind })}
                >
                  {KINDS.map(([k, label]) => (
                    <option key={k} value={k}>
                      {label}
                    </option>
                  ))}
                </select>
              </div>
              {d.kind === 'quiz' && (
                <div class="field">
                  <label for={`s-${i}`}>Seconds to answer</label>
                  <input id={`s-${i}`} type="number" min={5} max={600} value={d.seconds} onInput={(e) => edit(i, { seconds: Number(e.currentTarget.value) })} />
                </div>
              )}
              {d.kind === 'text' && (
                <div class="grid2">
                  <div class="field">
                    <label for={`n-${i}`}>Answers per person</label>
                    <input id={`n-${i}`} type="number" min={1} max={10} value={d.answers} onInput={(e) => edit(i, { answers: Number(e.currentTarget.value) })} />
                  </div>
                  <div class="field">
                    <label>
                      <input type="checkbox" checked={d.premod} onChange={(e) => edit(i, { premod: e.currentTarget.checked })} /> Approve each answer before it shows
                    </label>
                  </div>
                </div>
              )}
              {(d.kind === 'single' || d.kind === 'multiple' || d.kind === 'ranked' || d.kind === 'quiz') && (
                <div class="field">
                  <label for={`o-${i}`}>{d.kind === 'quiz' ? 'Options, one per line; start the correct one(s) with *' : 'Options, one per line'}</label>
                  <textarea
                    id={`o-${i}`}
                    rows={4}
                    value={d.options}
                    onInput={(e) => edit(i, { options: e.currentTarget.value })}
                  />
                </div>
              )}
              {d.kind === 'rating' && (
                <div class="grid2">
                  <div class="field">
                    <label for={`min-${i}`}>From</label>
                    <input
                      id={`min-${i}`}
                      type="number"
                      min={0}
                      max={1}
                      value={d.min}
                      onInput={(e) => edit(i, { min: Number(e.currentTarget.value) })}
                    />
                  </div>
                  <div class="field">
                    <label for={`max-${i}`}>To</label>
                    <input
                      id={`max-${i}`}
                      type="number"
                      min={2}
                      max={10}
                      value={d.max}
                      onInput={(e) => edit(i, { max: Number(e.currentTarget.value) })}
                    />
                  </div>
                </div>
              )}
              <div class="actions">
                <button type="button" class="btn secondary small" disabled={i === 0} onClick={() => move(i, -1)}>
                  Move up
                </button>
                <button
                  type="button"
                  class="btn secondary small"
                  disabled={i === drafts.length - 1}
                  onClick={() => move(i, 1)}
                >
                  Move down
                </button>
                <button
                  type="button"
                  class="btn danger-outline small"
                  disabled={drafts.length === 1}
                  onClick={() => setDrafts(drafts.filter((_, j) => j !== i))}
                >
                  Remove
                </button>
              </div>
            </li>
          ))}
        </ol>
        <button type="button" class="btn secondary" onClick={() => setDrafts([...drafts, blank()])}>
          Add a question
        </button>
        {error && <ErrorNotice error={error} />}
        <div class="actions">
          <button class="btn primary big" type="submit" disabled={busy}>
            Create and present
          </button>
        </div>
      </form>
    </Layout>
  );
}
