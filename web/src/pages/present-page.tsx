/**
 * /p/{pollId}/present: the big screen. Large type, the join code and QR always visible, live bars.
 * When the poll keeps its results back (after_close, owner_only) they stay hidden until the
 * presenter reveals them; the creating browser's owner token lets it read them early.
 */
import { useEffect, useState } from 'preact/hooks';
import { ErrorNotice } from '../components/error-notice.js';
import { api } from '../lib/api.js';
import { Loading } from '../components/layout.js';
import { LiveBadge } from '../components/live-badge.js';
import { QrCode } from '../components/qr-code.js';
import { KindResults } from '../components/kind-results.js';
import { plural, setTitle } from '../lib/format.js';
import { formatJoinCode } from '../lib/join-code.js';
import { useMe } from '../lib/session.js';
import { ownerToken } from '../lib/storage.js';
import type { Poll } from '../lib/types.js';
import { useLiveResults } from '../lib/use-live-results.js';
import { usePoll } from '../lib/use-poll.js';
import { voteUrl } from './share-page.js';
import { useWaitForOpen } from './vote-page.js';

function toggleFullscreen(): void {
  if (document.fullscreenElement) void document.exitFullscreen();
  else void document.documentElement.requestFullscreen?.().catch(() => undefined);
}

function Stage({ poll, owner }: { poll: Poll; owner: string | null }) {
  const gated = poll.resultsVisibility !== 'live';
  const [revealed, setRevealed] = useState(!gated);
  // Members of a workspace poll's workspace read its results with their session, like an owner token.
  const me = useMe(poll.workspaceId !== null);
  const manager = owner !== null || (me?.workspaces.some((w) => w.id === poll.workspaceId) ?? false);
  // The owner's browser can read results before the reveal (to show the vote count); others wait.
  const live = useLiveResults(poll.id, revealed || manager, owner);
  // Without the results stream (hidden results, another browser), the status is asked now and then,
  // so a close made elsewhere (manage page, schedule) is noticed and Reveal offered.
  const [polled, setPolled] = useState(poll.status);
  useEffect(() => {
    if (revealed || manager || polled === 'closed') return;
    const id = setInterval(() => {
      api<{ poll: Poll }>('GET', `/v1/polls/${encodeURIComponent(poll.id)}`)
        .then((r) => setPolled(r.poll.status))
        .catch(() => undefined);
    }, 3_000);
    return () => clearInterval(id);
  }, [poll.id, revealed, manager, polled]);
  const status = live.results?.status ?? polled;
  const canReveal = manager || (poll.resultsVisibility === 'after_close' && status === 'closed');

  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'f') toggleFullscreen();
      if (e.key === 'r' && canReveal) setRevealed(true);
    };
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, [canReveal]);

  const url = voteUrl(poll.id);
  return (
    <div class="stage">
      <section class="stage-main" aria-labelledby="stage-q">
        <h1 id="stage-q" class="stage-question">
          {poll.question}
        </h1>
        <div class="stage-meta">
          {revealed && <LiveBadge phase={live.phase} />}
          <span class="stage-count" data-testid="present-total" aria-live="polite">
            {live.results ? plural(live.results.total, 'vote', 'votes') : ''}
          </span>
          {status === 'closed' && <span class="badge closed">Poll closed</span>}
          {status === 'draft' && <span class="badge waiting">Not open yet</span>}
        </div>
        {revealed ? (
          live.phase === 'hidden' ? (
            <p class="stage-hidden" role="status">
              {poll.resultsVisibility === 'after_close' ? 'Results appear when the poll closes.' : 'Open presenter mode in the browser that created this poll to show the results.'}
            </p>
          ) : live.phase === 'deleted' && live.error ? (
            <ErrorNotice error={live.error} />
          ) : (
            <div data-testid="present-results">
              <KindResults poll={poll} results={live.results} />
            </div>
          )
        ) : (
          <div class="stage-hidden" data-testid="results-hidden">
            <p>Results are hidden.</p>
            {canReveal ? (
              <button type="button" class="btn primary huge" onClick={() => setRevealed(true)}>
                Reveal results
              </button>
            ) : (
              <p class="small">
                {poll.resultsVisibility === 'after_close'
                  ? 'They can be revealed once the poll closes.'
                  : 'Only the browser that created this poll can reveal them.'}
              </p>
            )}
          </div>
        )}
      </section>
      <aside class="stage-join" aria-label="How to vote">
        <p class="stage-join-title">Vote now</p>
        <QrCode text={url} label={`QR code: ${url}`} />
        <p class="stage-url">{location.host}/j</p>
        <p class="code huge" data-testid="present-code">
          {formatJoinCode(poll.id)}
        </p>
      </aside>
      <button type="button" class="btn ghost stage-fs" onClick={toggleFullscreen} title="Full screen (F)">
        Full screen
      </button>
    </div>
  );
}

export default function PresentPage({ pollId }: { pollId: string }) {
  const state = usePoll(pollId);
  const { poll, error } = state;
  useWaitForOpen(state);
  useEffect(() => {
    setTitle(poll ? `Presenting: ${poll.question}` : 'Presenter');
    document.documentElement.classList.add('presenting');
    return () => document.documentElement.classList.remove('presenting');
  }, [poll]);
  if (!poll) return <main class="stage">{error ? <ErrorNotice error={error} /> : <Loading />}</main>;
  return (
    <main>
      <Stage poll={poll} owner={ownerToken(poll.id)} />
    </main>
  );
}
