/**
 * Results for every question kind: bars (single, multiple; ranked first preferences), the
 * instant-runoff rounds to step through and Borda points (ranked), a histogram with mean and
 * median (rating), a gauge with promoters, passives and detractors (nps).
 */
import { useState } from 'preact/hooks';
import { plural } from '../lib/format.js';
import { percents } from '../lib/percents.js';
import type { Poll, Results } from '../lib/types.js';
import { ResultBars } from './result-bars.js';
import { WordCloud } from './word-cloud.js';

export function KindResults({ poll, results }: { poll: Poll; results: Results | null }) {
  switch (poll.kind) {
    case 'ranked':
      return <RankedResults poll={poll} results={results} />;
    case 'rating':
      return <RatingResults results={results} />;
    case 'nps':
      return <NpsResults results={results} />;
    case 'text':
      return <WordCloud results={results} />;
    case 'quiz':
      return <QuizResults poll={poll} results={results} />;
    default:
      return <ResultBars poll={poll} results={results} />;
  }
}

/** Quiz: the answers per option; once the question has closed, the correct ones are marked. */
function QuizResults({ poll, results }: { poll: Poll; results: Results | null }) {
  const correct = results?.correctOptionIds ?? poll.quiz?.correctOptionIds ?? [];
  return (
    <div class={'quiz-results' + (correct.length > 0 ? ' revealed' : '')}>
      <ResultBars poll={poll} results={results} />
      {correct.length > 0 && (
        <p class="quiz-answer" data-testid="quiz-correct">
          Correct: {poll.options.filter((o) => correct.includes(o.id)).map((o) => o.text).join(', ')}
        </p>
      )}
    </div>
  );
}

function RankedResults({ poll, results }: { poll: Poll; results: Results | null }) {
  const rounds = results?.irv?.rounds ?? [];
  const [step, setStep] = useState<number | null>(null);
  const at = Math.min(step ?? rounds.length - 1, rounds.length - 1);
  const round = rounds[at];
  const name = new Map(poll.options.map((o) => [o.id, o.text]));
  const winner = results?.irv?.winner ?? null;
  // Every option in every round: those out of the race earlier keep their place, marked out.
  const ids = poll.options.map((o) => o.id);
  const countOf = (id: string) => round?.counts[id] ?? 0;
  const outBefore = (id: string) => round !== undefined && !(id in round.counts);
  const shares = round
    ? percents(
        ids.map(countOf),
        ids.reduce((n, id) => n + countOf(id), 0),
      )
    : [];
  return (
    <div class="ranked" data-testid="irv">
      {winner && at === rounds.length - 1 && (
        <p class="irv-winner" data-testid="irv-winner">
          Winner: <strong>{name.get(winner)}</strong>
        </p>
      )}
      {round ? (
        <>
          <div class="irv-nav" role="group" aria-label="Instant-runoff rounds">
            <button
              type="button"
              class="btn secondary small"
              disabled={at <= 0}
              onClick={() => setStep(at - 1)}
              aria-label="Previous round"
            >
              ‹
            </button>
            <span aria-live="polite" data-testid="irv-round">
              Round {at + 1} of {rounds.length}
            </span>
            <button
              type="button"
              class="btn secondary small"
              disabled={at >= rounds.length - 1}
              onClick={() => setStep(at + 1)}
              aria-label="Next round"
            >
              ›
            </button>
          </div>
          <ol class="bars">
            {ids.map((id, i) => (
              <li
                key={id}
                class={
                  'bar' +
                  (round.eliminated.includes(id) || outBefore(id)
                    ? ' out'
                    : id === winner && at === rounds.length - 1
                      ? ' lead'
                      : '')
                }
              >
                <div class="bar-head">
                  <span class="bar-text">
                    {name.get(id)}
                    {round.eliminated.includes(id) ? ' — eliminated this round' : outBefore(id) ? ' — out' : ''}
                  </span>
                  <span class="bar-figures">
                    <strong class="bar-pct">{shares[i]}%</strong>{' '}
                    <span class="bar-votes">{plural(countOf(id), 'vote', 'votes')}</span>
                  </span>
                </div>
                <div class="bar-track" aria-hidden="true">
                  <div class="bar-fill" style={{ width: `${shares[i]}%` }} />
                </div>
              </li>
            ))}
          </ol>
          {round.exhausted > 0 && (
            <p class="muted small">
              {plural(round.exhausted, 'ballot', 'ballots')} ranked no option still in the race.
            </p>
          )}
        </>
      ) : (
        <ResultBars poll={poll} results={results} />
      )}
      {results?.borda && (
        <p class="muted small borda">
          Borda count:{' '}
          {poll.options
            .map((o) => [o.text, results.borda![o.id] ?? 0] as const)
            .sort((a, b) => b[1] - a[1])
            .map(([t, p]) => `${t} ${p}`)
            .join(' · ')}
        </p>
      )}
    </div>
  );
}

function Histogram({ results }: { results: Results | null }) {
  const bins = results?.histogram ?? [];
  const top = Math.max(1, ...bins.map((b) => b.votes));
  return (
    <ol class="histogram" data-testid="histogram" aria-label="Answers per value">
      {bins.map((b) => (
        <li key={b.value} aria-label={`${b.value}: ${plural(b.votes, 'answer', 'answers')}`}>
          <span class="hist-count">{b.votes}</span>
          <span class="hist-bar" style={{ height: `${(b.votes / top) * 100}%` }} />
          <span class="hist-value">{b.value}</span>
        </li>
      ))}
    </ol>
  );
}

function RatingResults({ results }: { results: Results | null }) {
  return (
    <div class="rating-results">
      <p class="stat-line" data-testid="rating-stats">
        <span>
          Average <strong>{results?.mean ?? '–'}</strong>
        </span>
        <span>
          Median <strong>{results?.median ?? '–'}</strong>
        </span>
        <span>{plural(results?.total ?? 0, 'answer', 'answers')}</span>
      </p>
      <Histogram results={results} />
    </div>
  );
}

function NpsResults({ results }: { results: Results | null }) {
  const score = results?.score ?? null;
  const total = results?.total ?? 0;
  const [pro, pas, det] = percents([results?.promoters ?? 0, results?.passives ?? 0, results?.detractors ?? 0], total);
  // The gauge's needle: −100 … 100 mapped to 0 … 180 degrees.
  const angle = ((score ?? 0) + 100) * 0.9;
  return (
    <div class="nps" data-testid="nps">
      <div class="gauge" role="img" aria-label={`Net Promoter Score ${score ?? 'not yet known'}`}>
        <svg viewBox="0 0 200 110" aria-hidden="true">
          <path d="M10 100 A90 90 0 0 1 190 100" class="gauge-track" />
          <line
            x1="100"
            y1="100"
            x2={100 - 80 * Math.cos((angle * Math.PI) / 180)}
            y2={100 - 80 * Math.sin((angle * Math.PI) / 180)}
            class="gauge-needle"
          />
        </svg>
        <p class="gauge-score" data-testid="nps-score">
          {score === null ? '–' : score > 0 ? `+${score}` : score}
        </p>
      </div>
      <p class="stat-line">
        <span class="nps-pro">Promoters {pro}%</span>
        <span class="nps-pas">Passives {pas}%</span>
        <span class="nps-det">Detractors {det}%</span>
        <span>{plural(total, 'answer', 'answers')}</span>
      </p>
      <Histogram results={results} />
    </div>
  );
}
