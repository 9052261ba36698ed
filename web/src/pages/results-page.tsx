/** /p/{pollId}/results: live bars, totals and percentages over SSE. */
import { useEffect } from 'preact/hooks';
import { ErrorNotice } from '../components/error-notice.js';
import { Layout, Loading } from '../components/layout.js';
import { LiveBadge } from '../components/live-badge.js';
import { KindResults } from '../components/kind-results.js';
import { TotalLine } from '../components/result-bars.js';
import { setTitle } from '../lib/format.js';
import { pollPath } from '../lib/router.js';
import { ownerToken } from '../lib/storage.js';
import { useLiveResults } from '../lib/use-live-results.js';
import { usePoll } from '../lib/use-poll.js';
import type { Poll } from '../lib/types.js';

export function LiveResultsView({ poll, owner }: { poll: Poll; owner: string | null }) {
  const live = useLiveResults(poll.id, true, owner);
  const status = live.results?.status ?? poll.status;
  if (live.phase === 'hidden') {
    return (
      <div class="notice info" data-state="hidden" role="status">
        <p>{poll.resultsVisibility === 'after_close' ? 'The results will appear here when the poll closes.' : 'Only the poll’s creator can see these results.'}</p>
      </div>
    );
  }
  if (live.phase === 'deleted' && live.error) return <ErrorNotice error={live.error} />;
  return (
    <div class="live" aria-busy={!live.results}>
      <div class="live-head">
        <LiveBadge phase={live.phase} />
        {status === 'closed' && (
          <span class="badge closed" data-testid="closed-badge">
            Final results: poll closed
          </span>
        )}
      </div>
      {live.results ? (
        <>
          <TotalLine poll={poll} results={live.results} />
          <KindResults poll={poll} results={live.results} />
        </>
      ) : (
        <Loading label="Connecting to live results…" />
      )}
      {live.phase === 'reconnecting' && live.error && <ErrorNotice error={live.error}>{<p>Reconnecting by itself.</p>}</ErrorNotice>}
    </div>
  );
}

export default function ResultsPage({ pollId }: { pollId: string }) {
  const { poll, error, loading } = usePoll(pollId);
  useEffect(() => setTitle(poll ? `Results: ${poll.question}` : 'Results'), [poll]);
  return (
    <Layout wide>
      {poll ? (
        <article class="card results">
          <p class="eyebrow">Live results</p>
          <h1 class="question">{poll.question}</h1>
          <LiveResultsView poll={poll} owner={ownerToken(poll.id)} />
          <p class="actions">
            {poll.status === 'open' && (
              <a class="btn secondary" href={pollPath(poll.id)}>
                Vote
              </a>
            )}
            <a class="btn link" href={pollPath(poll.id, 'present')}>
              Presenter mode
            </a>
          </p>
        </article>
      ) : error ? (
        <div class="card">
          <h1>Cannot show these results</h1>
          <ErrorNotice error={error} />
        </div>
      ) : loading ? (
        <Loading />
      ) : null}
    </Layout>
  );
}
