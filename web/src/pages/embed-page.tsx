/**
 * /embed/{pollId}: the poll inside another site's <iframe>. Votes and live results work in place;
 * the page tells its parent its height (postMessage) so /embed.js can size the frame to fit.
 */
import { useEffect, useState } from 'preact/hooks';
import { ErrorNotice } from '../components/error-notice.js';
import { Loading } from '../components/layout.js';
import { VoteCard } from '../components/vote-card.js';
import { pollPath } from '../lib/router.js';
import { usePoll } from '../lib/use-poll.js';
import { LiveResultsView } from './results-page.js';
import { useWaitForOpen } from './vote-page.js';

function useReportHeight(pollId: string): void {
  useEffect(() => {
    if (window.parent === window) return;
    let last = 0;
    const report = () => {
      const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
      if (height === last) return;
      last = height;
      window.parent.postMessage({ type: 'pollcast:height', pollId, height }, '*');
    };
    const ro = new ResizeObserver(report);
    ro.observe(document.documentElement);
    report();
    return () => ro.disconnect();
  }, [pollId]);
}

export default function EmbedPage({ pollId }: { pollId: string }) {
  const state = usePoll(pollId);
  const { poll, error } = state;
  const [voted, setVoted] = useState(false);
  useWaitForOpen(state);
  useReportHeight(pollId);
  useEffect(() => document.documentElement.classList.add('embedded'), []);

  if (!poll) return <div class="embed">{error ? <ErrorNotice error={error} /> : <Loading />}</div>;
  const showResults = poll.resultsVisibility === 'live' ? voted || poll.status === 'closed' : poll.resultsVisibility === 'after_close' && poll.status === 'closed';
  return (
    <div class="embed">
      <h1 class="question">{poll.question}</h1>
      <VoteCard poll={poll} resultsHref={null} onVoted={() => setVoted(true)} />
      {showResults && <LiveResultsView poll={poll} owner={null} />}
      <p class="embed-foot small">
        <a href={pollPath(poll.id)} target="_blank" rel="noopener">
          Open in pollcast
        </a>
      </p>
    </div>
  );
}
