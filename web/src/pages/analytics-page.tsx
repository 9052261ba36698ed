/**
 * /p/{pollId}/analytics and /e/{eventId}/analytics: answers per minute, live, for whoever manages
 * the poll (owner token in this browser, or a workspace session) or the event (its owner token).
 * Refreshed every few seconds while the page is visible; the counts come from the analytics worker,
 * so the current minute may lag the votes by about a second. The bars have a table twin for
 * screen readers; the answers CSV comes from the export endpoint.
 */
import { useEffect, useState } from 'preact/hooks';
import { ErrorNotice } from '../components/error-notice.js';
import { Layout, Loading } from '../components/layout.js';
import { api, apiBlob, asApiError, type ApiError } from '../lib/api.js';
import { downloadBlob } from '../lib/csv.js';
import { plural, setTitle } from '../lib/format.js';
import { pollPath } from '../lib/router.js';
import { ownerToken } from '../lib/storage.js';
import { eventOwnerToken } from '../lib/use-event-stream.js';

interface Minute {
  minute: string;
  votes: number;
}
interface Series {
  title: string;
  minutes: Minute[];
  questions?: Array<{ questionId: string; question: string; minutes: Minute[] }>;
}

const REFRESH_MS = 3_000;
/** Minutes shown as bars: the last hour with answers, empty minutes included. */
const WINDOW = 60;

export type AnalyticsTarget = { pollId: string } | { eventId: string };

function headersFor(target: AnalyticsTarget): Record<string, string> {
  const token = 'pollId' in target ? ownerToken(target.pollId) : eventOwnerToken(target.eventId);
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function load(target: AnalyticsTarget): Promise<Series> {
  const headers = headersFor(target);
  if ('pollId' in target) {
    const id = encodeURIComponent(target.pollId);
    const [p, a] = await Promise.all([
      api<{ poll: { question: string } }>('GET', `/v1/polls/${id}`),
      api<{ minutes: Minute[] }>('GET', `/v1/polls/${id}/analytics`, { headers }),
    ]);
    return { title: p.poll.question, minutes: a.minutes };
  }
  const id = encodeURIComponent(target.eventId);
  const [e, a] = await Promise.all([
    api<{ event: { title: string } }>('GET', `/v1/events/${id}`),
    api<{ minutes: Minute[]; questions: Series['questions'] }>('GET', `/v1/events/${id}/analytics`, { headers }),
  ]);
  return { title: e.event.title, minutes: a.minutes, ...(a.questions ? { questions: a.questions } : {}) };
}

/** The last WINDOW minutes up to now (or to the last counted minute), zeros where nothing was counted. */
export function minuteBars(minutes: readonly Minute[], now: number): Minute[] {
  const counts = new Map(minutes.map((m) => [Date.parse(m.minute), m.votes]));
  const lastCounted = minutes.length > 0 ? Date.parse(minutes[minutes.length - 1]!.minute) : now;
  const end = Math.max(Math.floor(now / 60_000) * 60_000, lastCounted);
  const bars: Minute[] = [];
  for (let t = end - (WINDOW - 1) * 60_000; t <= end; t += 60_000) bars.push({ minute: new Date(t).toISOString(), votes: counts.get(t) ?? 0 });
  const first = bars.findIndex((b) => b.votes > 0);
  return first < 0 ? bars.slice(-10) : bars.slice(Math.min(first, bars.length - 10));
}

const hhmm = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

function MinuteChart({ minutes, label }: { minutes: Minute[]; label: string }) {
  const bars = minuteBars(minutes, Date.now());
  const max = Math.max(1, ...bars.map((b) => b.votes));
  return (
    <figure class="minute-chart">
      <div class="minute-bars" aria-hidden="true">
        {bars.map((b) => (
          <div class="minute-bar" key={b.minute} title={`${hhmm(b.minute)}: ${b.votes}`}>
            <span style={{ height: `${(b.votes / max) * 100}%` }} />
          </div>
        ))}
      </div>
      <figcaption class="muted small">
        {hhmm(bars[0]!.minute)} – {hhmm(bars[bars.length - 1]!.minute)}, highest {plural(max, 'answer', 'answers')} a minute
      </figcaption>
      <table class="sr-only">
        <caption>{label}</caption>
        <thead>
          <tr>
            <th scope="col">Minute</th>
            <th scope="col">Answers</th>
          </tr>
        </thead>
        <tbody>
          {bars
            .filter((b) => b.votes > 0)
            .map((b) => (
              <tr key={b.minute}>
                <td>{hhmm(b.minute)}</td>
                <td>{b.votes}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </figure>
  );
}

export default function AnalyticsPage({ target }: { target: AnalyticsTarget }) {
  const [series, setSeries] = useState<Series | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [updated, setUpdated] = useState<number | null>(null);
  const key = 'pollId' in target ? `p:${target.pollId}` : `e:${target.eventId}`;

  useEffect(() => {
    let stopped = false;
    const tick = async () => {
      if (document.visibilityState === 'hidden') return;
      try {
        const s = await load(target);
        if (stopped) return;
        setSeries(s);
        setError(null);
        setUpdated(Date.now());
      } catch (err) {
        if (!stopped) setError(asApiError(err));
      }
    };
    void tick();
    const id = setInterval(() => void tick(), REFRESH_MS);
    document.addEventListener('visibilitychange', tick);
    return () => {
      stopped = true;
      clearInterval(id);
      document.removeEventListener('visibilitychange', tick);
    };
  }, [key]);
  useEffect(() => setTitle(series ? `Analytics: ${series.title}` : 'Analytics'), [series?.title]);

  const exportCsv = async () => {
    try {
      const path = 'pollId' in target ? `/v1/polls/${encodeURIComponent(target.pollId)}/export?format=csv` : `/v1/events/${encodeURIComponent(target.eventId)}/export?format=csv`;
      const name = 'pollId' in target ? `pollcast-${target.pollId}-answers.csv` : `pollcast-event-${target.eventId}-answers.csv`;
      downloadBlob(name, await apiBlob(path, headersFor(target)));
    } catch (err) {
      setError(asApiError(err));
    }
  };

  if (!series) return <Layout>{error ? <ErrorNotice error={error} /> : <Loading />}</Layout>;
  const total = series.minutes.reduce((n, m) => n + m.votes, 0);
  const thisMinute = Math.floor(Date.now() / 60_000) * 60_000;
  const recent = series.minutes.filter((m) => Date.parse(m.minute) >= thisMinute - 60_000).reduce((n, m) => n + m.votes, 0);
  return (
    <Layout>
      <article class="card analytics">
        <h1>Analytics: {series.title}</h1>
        <p class="muted small" aria-live="off">
          Live: refreshed every {REFRESH_MS / 1000} s{updated ? `, last at ${new Date(updated).toLocaleTimeString()}` : ''}.
        </p>
        <dl class="stat-row" aria-live="polite">
          <div>
            <dt>Answers</dt>
            <dd data-testid="analytics-total">{total}</dd>
          </div>
          <div>
            <dt>This minute and the last</dt>
            <dd data-testid="analytics-recent">{recent}</dd>
          </div>
        </dl>
        <h2>Answers per minute</h2>
        <MinuteChart minutes={series.minutes} label="Answers per minute" />
        {series.questions && series.questions.length > 0 && (
          <>
            <h2>Per question</h2>
            <ol class="analytics-questions">
              {series.questions.map((q) => (
                <li key={q.questionId}>
                  <a href={pollPath(q.questionId, 'results')}>{q.question}</a>{' '}
                  <span class="muted" data-testid="question-total">
                    {plural(
                      q.minutes.reduce((n, m) => n + m.votes, 0),
                      'answer',
                      'answers',
                    )}
                  </span>
                </li>
              ))}
            </ol>
          </>
        )}
        <div class="actions">
          <button type="button" class="btn secondary" onClick={exportCsv} data-testid="export-answers">
            Answers CSV
          </button>
        </div>
        {error && <ErrorNotice error={error} />}
      </article>
    </Layout>
  );
}
