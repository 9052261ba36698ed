/**
 * /{code} and /j/{code} for an event: the phone follows the presenter. The current question
 * arrives on the event stream; the phone answers it (each kind its own way) and sees the
 * results when the presenter shows them.
 */
import { useEffect, useState } from 'preact/hooks';
import { ErrorNotice } from '../components/error-notice.js';
import { KindBallot } from '../components/kind-ballot.js';
import { KindResults } from '../components/kind-results.js';
import { Layout, Loading } from '../components/layout.js';
import { QaPhone } from '../components/qa-phone.js';
import { api, asApiError, type ApiError } from '../lib/api.js';
import { setTitle } from '../lib/format.js';
import type { LiveEvent } from '../lib/types.js';
import { useEventStream } from '../lib/use-event-stream.js';

export default function EventJoinPage({ code }: { code: string }) {
  const [event, setEvent] = useState<LiveEvent | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [answered, setAnswered] = useState<Set<string>>(new Set());
  useEffect(() => {
    api<{ event: LiveEvent }>('GET', `/v1/join/${encodeURIComponent(code)}`)
      .then((r) => setEvent(r.event))
      .catch((err: unknown) => setError(asApiError(err)));
  }, [code]);
  const { frame, gone } = useEventStream(event?.id ?? null);
  useEffect(() => setTitle(frame?.title ?? event?.title ?? 'Join'), [frame?.title, event?.title]);

  if (error) {
    return (
      <Layout>
        <ErrorNotice error={error}>
          <p>
            <a href="/j">Type another code</a>
          </p>
        </ErrorNotice>
      </Layout>
    );
  }
  if (!event || !frame) return <Layout>{<Loading />}</Layout>;
  const q = frame.question;
  return (
    <Layout>
      <section class="card event-phone" data-testid="event-phone" aria-live="polite">
        <p class="eyebrow">
          {frame.title}
          {frame.position >= 0 && ` · question ${frame.position + 1} of ${frame.questionIds.length}`}
        </p>
        {gone ? (
          <p class="state closed">This event has ended.</p>
        ) : !q ? (
          <p class="state waiting">Waiting for the presenter…</p>
        ) : (
          <>
            <h1 class="question" data-testid="event-question">
              {q.question}
            </h1>
            {frame.status === 'draft' && <p class="state waiting">Voting opens soon.</p>}
            {frame.status === 'open' && !answered.has(q.id) && (
              <KindBallot key={q.id} poll={q} onAnswered={(id) => setAnswered(new Set([...answered, id]))} />
            )}
            {answered.has(q.id) && (
              <p class="state ok" role="status" data-testid="answered">
                Your answer is counted.
              </p>
            )}
            {frame.status === 'closed' && !answered.has(q.id) && (
              <p class="state closed">Voting on this question is closed.</p>
            )}
            {frame.resultsShown && frame.results && (
              <div data-testid="event-results">
                <KindResults poll={q} results={frame.results} />
              </div>
            )}
          </>
        )}
      </section>
      {!gone && frame.qa && <QaPhone eventId={frame.eventId} live={frame.qa} />}
    </Layout>
  );
}
