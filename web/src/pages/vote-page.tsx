/** /p/{pollId}: the ballot, made for a phone in a crowd. */
import { useEffect, useState } from 'preact/hooks';
import { ErrorNotice } from '../components/error-notice.js';
import { Layout, Loading } from '../components/layout.js';
import { VoteCard } from '../components/vote-card.js';
import { KindBallot } from '../components/kind-ballot.js';
import type { Poll } from '../lib/types.js';
import { setTitle } from '../lib/format.js';
import { formatJoinCode } from '../lib/join-code.js';
import { usePoll, type PollState } from '../lib/use-poll.js';
import { loginPath, useMe } from '../lib/session.js';

/** While a poll is not open yet, look again now and then (and right when it is due to open). */
export function useWaitForOpen(state: PollState): void {
  const poll = state.poll;
  useEffect(() => {
    if (!poll || poll.status !== 'draft') return;
    const due = poll.opensAt ? Date.parse(poll.opensAt) - Date.now() + 500 : Infinity;
    const wait = Math.max(1000, Math.min(due, 10_000 + Math.random() * 5_000));
    const id = window.setTimeout(() => void state.reload(), wait);
    return () => window.clearTimeout(id);
  }, [poll, state]);
}

/** Ranked, rating and nps questions answered on their own (outside an event). */
function ScaleOrRankBallot({ poll }: { poll: Poll }) {
  const [done, setDone] = useState(false);
  if (done) {
    return (
      <section class="state ok" data-state="voted" role="status">
        <h2>Your answer is counted</h2>
        {poll.resultsVisibility === 'live' && <a href={`/p/${poll.id}/results`}>See the results</a>}
      </section>
    );
  }
  if (poll.status !== 'open') return <p class="state waiting">{poll.status === 'closed' ? 'This poll is closed.' : 'This poll is not open yet.'}</p>;
  return <KindBallot poll={poll} onAnswered={() => setDone(true)} />;
}

export default function VotePage({ pollId }: { pollId: string }) {
  const state = usePoll(pollId);
  const { poll, error, loading } = state;
  useWaitForOpen(state);
  const me = useMe(false);
  useEffect(() => setTitle(poll ? poll.question : 'Vote'), [poll]);

  return (
    <Layout>
      {poll ? (
        <article class="card vote">
          <h1 class="question">{poll.question}</h1>
          {poll.kind === 'single' || poll.kind === 'multiple' ? <VoteCard poll={poll} /> : <ScaleOrRankBallot poll={poll} />}
          <p class="code-line muted small">
            Join code <span class="code">{formatJoinCode(poll.id)}</span>
          </p>
        </article>
      ) : error ? (
        <div class="card">
          <h1>{error.code === 'poll_not_found' ? 'Poll not found' : 'Cannot load this poll'}</h1>
          <ErrorNotice error={error}>{error.retryable && <p>We keep trying by ourselves.</p>}</ErrorNotice>
          {error.code === 'poll_not_found' && me === null && (
            <p>
              A poll for the members of a workspace shows only to them: <a href={loginPath()}>log in</a>.
            </p>
          )}
          <p>
            <a href="/j">Enter a join code</a> · <a href="/">Create a poll</a>
          </p>
        </div>
      ) : loading ? (
        <Loading />
      ) : null}
    </Layout>
  );
}
