/** What a voter sees once the ballot is settled: voted, already voted, closed, not open yet. */
import type { ComponentChildren, RefObject } from 'preact';
import { formatTime } from '../lib/format.js';
import type { Phase } from '../lib/use-ballot.js';
import type { Poll } from '../lib/types.js';

type Settled = Extract<Phase, { k: 'voted' | 'already' | 'closed' | 'notOpen' }>;

export const isSettled = (p: Phase): p is Settled => p.k === 'voted' || p.k === 'already' || p.k === 'closed' || p.k === 'notOpen';

interface Props {
  poll: Poll;
  phase: Settled;
  /** Focused when the state appears, so screen readers announce it. */
  headingRef: RefObject<HTMLHeadingElement>;
  /** Links and buttons under the message (results, change my vote). */
  actions: ComponentChildren;
}

export function VoteOutcome({ poll, phase, headingRef, actions }: Props) {
  const textOf = (ids: string[]) => ids.map((id) => poll.options.find((o) => o.id === id)?.text ?? id).join(', ');
  const heading = (text: ComponentChildren) => (
    <h2 id="vote-status" ref={headingRef} tabIndex={-1}>
      {text}
    </h2>
  );
  switch (phase.k) {
    case 'voted':
      return (
        <section class="state ok" data-state="voted" aria-labelledby="vote-status">
          {heading(
            <>
              <span aria-hidden="true">✓ </span>
              {phase.changed ? 'Your vote was changed' : 'Your vote is counted'}
            </>,
          )}
          <p>
            You chose <strong>{textOf(phase.counted.optionIds)}</strong>.
          </p>
          {phase.counted.receiptId && (
            <details class="muted small receipt">
              <summary>Proof of your vote</summary>
              <p>
                If the organiser ever asks, this reference shows your vote was counted: <code>{phase.counted.receiptId}</code>
              </p>
              {phase.counted.receiptKey && (
                <p>
                  <a href={`/receipt#id=${encodeURIComponent(phase.counted.receiptId)}&key=${encodeURIComponent(phase.counted.receiptKey)}`} target="_blank" rel="noopener">
                    Check it later
                  </a>{' '}
                  (keep this link: only it can show your vote)
                </p>
              )}
            </details>
          )}
          <div class="actions">{actions}</div>
        </section>
      );
    case 'already':
      return (
        <section class="state info" data-state="already-voted" aria-labelledby="vote-status">
          {heading('You already voted')}
          {phase.counted ? (
            <p>
              Your counted vote: <strong>{textOf(phase.counted.optionIds)}</strong>.
            </p>
          ) : (
            <p>{poll.allowChange ? 'That choice is already your vote.' : 'Each person votes once in this poll.'}</p>
          )}
          <div class="actions">{actions}</div>
        </section>
      );
    case 'closed':
      return (
        <section class="state closed" data-state="closed" aria-labelledby="vote-status">
          {heading('This poll is closed')}
          <p>Voting has ended{poll.closesAt ? ` (${formatTime(poll.closesAt)})` : ''}.</p>
          <div class="actions">{actions}</div>
        </section>
      );
    case 'notOpen':
      return (
        <section class="state waiting" data-state="not-open" aria-labelledby="vote-status">
          {heading('Not open yet')}
          <p>
            {phase.opensAt
              ? `Voting opens ${formatTime(phase.opensAt)}. This page updates by itself.`
              : 'The host has not opened voting yet. This page updates by itself when they do.'}
          </p>
        </section>
      );
  }
}
