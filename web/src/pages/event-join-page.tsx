/**
 * /{code} and /j/{code} for an event: the phone follows the presenter. The current question
 * arrives on the event stream; the phone answers it (each kind its own way) and sees the
 * results when the presenter shows them.
 */
import { useEffect, useState } from 'preact/hooks';
import { ErrorNotice } from '../components/error-notice.js';
import { KindBallot } from '../components/kind-ballot.js';
import { KindResults } from '../components/kind-results.js';
import { NicknameForm, QuizOutcome, savedNickname, useSecondsLeft } from '../components/quiz-phone.js';
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
  /** Quiz: the option each question was answered with (to say right or wrong once it closes). */
  const [picks, setPicks] = useState<Record<string, string[]>>({});
  /** Text questions that allow several answers: answers sent so far per question. */
  const [sent, setSent] = useState<Record<string, number>>({});
  const [nickname, setNickname] = useState<string | null>(null);
  useEffect(() => {
    api<{ event: LiveEvent }>('GET', `/v1/join/${encodeURIComponent(code)}`)
      .then((r) => setEvent(r.event))
      .catch((err: unknown) => setError(asApiError(err)));
  }, [code]);
  const { frame, gone } = useEventStream(event?.id ?? null);
  useEffect(() => setTitle(frame?.title ?? event?.title ?? 'Join'), [frame?.title, event?.title]);
  useEffect(() => {
    if (event) setNickname(savedNickname(event.id));
  }, [event?.id]);
  const left = useSecondsLeft(frame?.status === 'open' && frame.question?.kind === 'quiz' ? frame.question.closesAt : null);
  const onAnswered = (id: string, optionIds: string[]) => {
    setAnswered(new Set([...answered, id]));
    if (optionIds.length > 0) setPicks({ ...picks, [id]: optionIds });
    setSent({ ...sent, [id]: (sent[id] ?? 0) + 1 });
  };

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
  const isQuiz = event.questions.some((x) => x.kind === 'quiz');
  const more = q?.kind === 'text' && answered.has(q.id) && (sent[q.id] ?? 0) < (q.text?.maxAnswers ?? 1);
  return (
    <Layout>
      <section class="card event-phone" data-testid="event-phone" aria-live="polite">
        <p class="eyebrow">
          {frame.title}
          {frame.position >= 0 && ` · question ${frame.position + 1} of ${frame.questionIds.length}`}
        </p>
        {isQuiz && !gone && (nickname === null ? (
          <NicknameForm eventId={event.id} onJoined={setNickname} />
        ) : (
          <p class="muted small" data-testid="playing-as">
            Playing as <strong>{nickname}</strong>
          </p>
        ))}
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
            {left !== null && (
              <p class="badge countdown phone-countdown" role="timer" data-testid="phone-countdown">
                {left}s
              </p>
            )}
            {frame.status === 'open' && (!answered.has(q.id) || more) && (
              <KindBallot key={`${q.id}-${sent[q.id] ?? 0}`} poll={q} onAnswered={onAnswered} />
            )}
            {answered.has(q.id) && (
              <p class="state ok" role="status" data-testid="answered">
                {q.kind === 'text' ? 'Your answer is in.' : 'Your answer is counted.'}
              </p>
            )}
            {frame.status === 'closed' && q.kind === 'quiz' && <QuizOutcome eventId={event.id} poll={q} picked={picks[q.id]} />}
            {frame.status === 'closed' && !answered.has(q.id) && q.kind !== 'quiz' && (
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
