/**
 * /e/{id}/present: the presenter console on the big screen — the current question, its results
 * per kind, the join code and QR, audience and answer counts, a countdown — with controls and
 * keyboard shortcuts. /e/{id}/remote: the same controls sized for the presenter's phone.
 * The owner token comes from this browser's storage, or from the owner link (#owner=…).
 */
import { useEffect, useState } from 'preact/hooks';
import { ErrorNotice } from '../components/error-notice.js';
import { KindResults } from '../components/kind-results.js';
import { Leaderboard } from '../components/leaderboard.js';
import { TextFeed } from '../components/text-feed.js';
import { Loading } from '../components/layout.js';
import { QrCode } from '../components/qr-code.js';
import { QaConsole } from '../components/qa-console.js';
import { api, apiBlob, asApiError, type ApiError } from '../lib/api.js';
import { downloadBlob } from '../lib/csv.js';
import { plural, setTitle } from '../lib/format.js';
import type { EventFrame, LeaderboardEntry } from '../lib/types.js';
import { authed } from '../lib/session.js';
import { eventOwnerToken, saveEventOwnerToken, useEventStream } from '../lib/use-event-stream.js';
import { useLiveResults } from '../lib/use-live-results.js';

const COUNTDOWN_SECONDS = 30;

function ownerFromHash(eventId: string): string | null {
  const m = /owner=([^&]+)/.exec(location.hash);
  if (!m) return eventOwnerToken(eventId);
  const token = decodeURIComponent(m[1]!);
  saveEventOwnerToken(eventId, token);
  history.replaceState(null, '', location.pathname);
  return token;
}

function useSecondsLeft(closesAt: string | null | undefined): number | null {
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

/** The quiz leaderboard, read again whenever the current quiz question's results version moves. */
function useLeaderboard(eventId: string, on: boolean, version: number): LeaderboardEntry[] {
  const [entries, setEntries] = useState<LeaderboardEntry[]>([]);
  useEffect(() => {
    if (!on) return;
    let live = true;
    api<LeaderboardEntry[]>('GET', `/v1/events/${encodeURIComponent(eventId)}/leaderboard?limit=10`)
      .then((r) => live && setEntries(r))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [eventId, on, version]);
  return entries;
}

function useControls(eventId: string, frame: EventFrame | null, token: string | null) {
  const [error, setError] = useState<ApiError | null>(null);
  const call = (method: string, path: string, body?: unknown) => {
    setError(null);
    // Without the owner token (a workspace's event, opened by another member): the session.
    (token ? api(method, path, { body, headers: { authorization: `Bearer ${token}` } }) : authed(method, path, { body })).catch((err: unknown) =>
      setError(asApiError(err)),
    );
  };
  const base = `/v1/events/${encodeURIComponent(eventId)}`;
  const q = frame?.currentQuestionId ?? null;
  const go = (by: number) => {
    if (!frame) return;
    const next = frame.questionIds[frame.position + by];
    if (next) call('POST', `${base}/current`, { questionId: next });
  };
  return {
    error,
    next: () => go(1),
    prev: () => go(-1),
    open: () => q && call('POST', `${base}/questions/${q}/open`),
    close: () => q && call('POST', `${base}/questions/${q}/close`),
    toggleResults: () => frame && call('POST', `${base}/results`, { shown: !frame.resultsShown }),
    reset: () =>
      q &&
      window.confirm('Reset this question? The answers so far are kept but no longer counted.') &&
      call('POST', `${base}/questions/${q}/reset`),
    countdown: () => q && call('POST', `${base}/questions/${q}/countdown`, { seconds: COUNTDOWN_SECONDS }),
    /** Every answer of every question, streamed by GET /v1/events/{id}/export. */
    exportAnswers: async (code: string) => {
      setError(null);
      try {
        downloadBlob(`pollcast-event-${code}-answers.csv`, await apiBlob(`${base}/export?format=csv`, token ? { authorization: `Bearer ${token}` } : {}));
      } catch (err) {
        setError(asApiError(err));
      }
    },
  };
}

type Controls = ReturnType<typeof useControls>;

function ControlBar({ frame, c, remote }: { frame: EventFrame; c: Controls; remote: boolean }) {
  const status = frame.status;
  return (
    <div class={remote ? 'console-controls remote' : 'console-controls'} role="toolbar" aria-label="Presenter controls">
      <button
        type="button"
        class="btn secondary"
        onClick={c.prev}
        disabled={frame.position <= 0}
        title="Previous question (←)"
      >
        ‹ Previous
      </button>
      {status === 'open' ? (
        <button
          type="button"
          class="btn secondary"
          onClick={c.close}
          title="Close voting (C)"
          data-testid="close-voting"
        >
          Close voting
        </button>
      ) : (
        <button
          type="button"
          class="btn primary"
          onClick={c.open}
          disabled={!frame.currentQuestionId}
          title="Open voting (O)"
          data-testid="open-voting"
        >
          Open voting
        </button>
      )}
      <button
        type="button"
        class="btn secondary"
        onClick={c.toggleResults}
        title="Show or hide results (S)"
        data-testid="toggle-results"
      >
        {frame.resultsShown ? 'Hide results' : 'Show results'}
      </button>
      <button
        type="button"
        class="btn secondary"
        onClick={c.countdown}
        disabled={status !== 'open'}
        title={`Close in ${COUNTDOWN_SECONDS} s (T)`}
      >
        Countdown {COUNTDOWN_SECONDS}s
      </button>
      <button
        type="button"
        class="btn danger-outline"
        onClick={c.reset}
        disabled={!frame.currentQuestionId}
        title="Reset answers (R)"
      >
        Reset
      </button>
      <button
        type="button"
        class="btn primary"
        onClick={c.next}
        disabled={frame.position >= frame.questionIds.length - 1}
        title="Next question (→)"
        data-testid="next-question"
      >
        Next ›
      </button>
    </div>
  );
}

export default function EventPresentPage({ eventId, remote = false }: { eventId: string; remote?: boolean }) {
  const [token] = useState(() => ownerFromHash(eventId));
  const { frame, gone } = useEventStream(eventId, true);
  const c = useControls(eventId, frame, token);
  const q = frame?.question ?? null;
  // The console reads results with the owner token, shown or not, so the presenter sees them first.
  const live = useLiveResults(q?.id ?? '', q !== null, token);
  const left = useSecondsLeft(frame?.status === 'open' ? q?.closesAt : null);
  const version = live.results?.version ?? frame?.results?.version ?? 0;
  // After each quiz question (and at the end): the top 10 on the big screen.
  const board = useLeaderboard(eventId, q?.kind === 'quiz' && frame?.status === 'closed', version + (frame?.answers ?? 0));
  const [showQa, setShowQa] = useState(false);

  useEffect(() => {
    setTitle(frame ? `Presenting: ${frame.title}` : 'Presenter');
    if (remote) return;
    document.documentElement.classList.add('presenting');
    return () => document.documentElement.classList.remove('presenting');
  }, [frame?.title, remote]);

  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      const t = e.target;
      if (
        t instanceof HTMLInputElement ||
        t instanceof HTMLTextAreaElement ||
        t instanceof HTMLSelectElement ||
        e.ctrlKey ||
        e.metaKey ||
        e.altKey
      )
        return;
      // Space and Enter on a focused button press that button.
      if (t instanceof HTMLButtonElement && (e.key === ' ' || e.key === 'Enter')) return;
      const act: Record<string, () => unknown> = {
        ArrowRight: c.next,
        PageDown: c.next,
        ' ': c.next,
        ArrowLeft: c.prev,
        PageUp: c.prev,
        o: c.open,
        c: c.close,
        s: c.toggleResults,
        r: c.reset,
        t: c.countdown,
        q: () => setShowQa((v) => !v),
        f: () =>
          document.fullscreenElement
            ? document.exitFullscreen()
            : document.documentElement.requestFullscreen?.().catch(() => undefined),
      };
      const fn = act[e.key];
      if (fn) {
        e.preventDefault();
        fn();
      }
    };
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, [c]);

  if (gone)
    return (
      <main class="stage">
        <p class="state closed">This event was deleted.</p>
      </main>
    );
  if (!frame)
    return (
      <main class="stage">
        <Loading />
      </main>
    );
  const joinUrl = `${location.origin}/${frame.code}`;
  const results = live.results ?? frame.results;
  if (remote) {
    return (
      <main class="wrap remote-page">
        <h1 class="question">{q?.question ?? 'No question'}</h1>
        <p class="muted" data-testid="remote-status">
          Question {frame.position + 1} of {frame.questionIds.length} · {frame.status} ·{' '}
          {plural(frame.answers, 'answer', 'answers')} · {plural(frame.audience, 'viewer', 'viewers')}
        </p>
        {!token && (
          <p class="notice warn">
            This browser does not hold the event's owner token: open the remote link from the console.
          </p>
        )}
        <ControlBar frame={frame} c={c} remote />
        {c.error && <ErrorNotice error={c.error} />}
      </main>
    );
  }
  return (
    <main class="stage console" data-testid="console">
      <section class="stage-main" aria-labelledby="stage-q">
        <p class="eyebrow">
          {frame.title} · question {frame.position + 1} of {frame.questionIds.length}
        </p>
        <h1 id="stage-q" class="stage-question" data-testid="console-question">
          {q?.question ?? 'No question yet'}
        </h1>
        <div class="stage-meta" aria-live="polite">
          <span class="stage-count" data-testid="console-answers">
            {plural(frame.answers, 'answer', 'answers')}
          </span>
          <span class="stage-count" data-testid="console-audience">
            {plural(frame.audience, 'person', 'people')} following
          </span>
          {frame.status === 'closed' && <span class="badge closed">Voting closed</span>}
          {frame.status === 'draft' && <span class="badge waiting">Voting not open</span>}
          {left !== null && (
            <span class="badge countdown" data-testid="countdown" role="timer">
              {left}s
            </span>
          )}
        </div>
        {showQa ? (
          <QaConsole eventId={eventId} token={token} live={frame.qa} />
        ) : q && frame.resultsShown ? (
          <div data-testid="console-results" class={q.kind === 'text' ? 'console-text' : undefined}>
            <KindResults poll={q} results={results} />
          </div>
        ) : (
          <p class="stage-hidden">Results are hidden. Press S to show them.</p>
        )}
        {!showQa && q?.kind === 'text' && <TextFeed pollId={q.id} token={token} version={version} />}
        {!showQa && q?.kind === 'quiz' && frame.status === 'closed' && (
          <Leaderboard entries={board} title={frame.position === frame.questionIds.length - 1 ? 'Final leaderboard' : 'Leaderboard'} />
        )}
        <ControlBar frame={frame} c={c} remote={false} />
        <div class="console-controls">
          <button
            type="button"
            class={`btn ${showQa ? 'primary' : 'secondary'}`}
            aria-pressed={showQa}
            onClick={() => setShowQa(!showQa)}
            title="Show the audience's questions (Q)"
            data-testid="toggle-qa"
          >
            Q&amp;A{frame.qa ? ` · ${frame.qa.counts.visible}` : ''}
            {frame.qa && frame.qa.counts.pending > 0 ? ` (+${frame.qa.counts.pending} to approve)` : ''}
          </button>
        </div>
        {c.error && <ErrorNotice error={c.error} />}
        {token && (
          <p class="small muted remote-link">
            Remote for your phone:{' '}
            <a href={`/e/${eventId}/remote#owner=${encodeURIComponent(token)}`}>/e/{eventId}/remote</a> · keys: ← → O C
            S T R Q F · <a href={`/e/${eventId}/analytics`}>Analytics</a> ·{' '}
            <button type="button" class="btn link small" data-testid="event-export" onClick={() => void c.exportAnswers(frame.code)}>
              Answers CSV
            </button>
          </p>
        )}
      </section>
      <aside class="stage-join" aria-label="How to join">
        <p class="stage-join-title">Join at {location.host}</p>
        <QrCode text={joinUrl} label={`QR code: ${joinUrl}`} />
        <p class="code huge" data-testid="event-code">
          {frame.code}
        </p>
      </aside>
    </main>
  );
}
