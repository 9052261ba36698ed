/** The ballot form, and the state around it (see lib/use-ballot.ts for what happens on Vote). */
import { useEffect, useRef, useState } from 'preact/hooks';
import { pollPath } from '../lib/router.js';
import { loginPath, useMe } from '../lib/session.js';
import { ApiError } from '../lib/api.js';
import { pendingBallot } from '../lib/storage.js';
import type { Poll } from '../lib/types.js';
import { localProblem, useBallot } from '../lib/use-ballot.js';
import { ErrorNotice } from './error-notice.js';
import { isSettled, VoteOutcome } from './vote-outcome.js';

function useSecondTick(active: boolean): void {
  const [, set] = useState(0);
  useEffect(() => {
    if (!active) return;
    const id = window.setInterval(() => set((n) => n + 1), 1000);
    return () => window.clearInterval(id);
  }, [active]);
}

/**
 * What the API answers a browser voting in an `open`-mode poll: such polls take voter ids only
 * from a trusted caller (the organiser's system, with an API key or the owner token).
 */
const TRUSTED_CALLER_ONLY = new ApiError(401, 'trusted_caller_required', { status: 401, code: 'trusted_caller_required' }, null);

export interface VoteCardProps {
  poll: Poll;
  /** Called after a vote is counted (or found already counted). */
  onVoted?: () => void;
  /** Where "see results" links go; null hides them (the embed shows results itself). */
  resultsHref?: string | null;
}

export function VoteCard({ poll, onVoted, resultsHref = pollPath(poll.id, 'results') }: VoteCardProps) {
  const { phase, cast, refuse, stopRetrying, changeVote } = useBallot(poll, onVoted);
  const [choice, setChoice] = useState<string[]>(() => pendingBallot(poll.id)?.optionIds ?? []);
  const statusRef = useRef<HTMLHeadingElement>(null);
  const single = poll.kind === 'single';
  const named = poll.identityMode === 'open';
  const invite = poll.identityMode === 'invite';
  // An invite link carries the code in its #fragment (never sent to the server).
  const [inviteCode, setInviteCode] = useState(() => pendingBallot(poll.id)?.inviteCode ?? /^#invite=([\w-]{1,64})$/.exec(location.hash)?.[1] ?? '');
  const me = useMe(poll.identityMode === 'account');
  const mustLogIn = poll.identityMode === 'account' && me === null;

  // Move focus to the new state's heading so screen readers announce it.
  useEffect(() => {
    if (phase.k === 'voted' || phase.k === 'already' || phase.k === 'closed' || phase.k === 'retrying') statusRef.current?.focus();
  }, [phase.k]);
  useSecondTick(phase.k === 'retrying');

  function submit(e: Event) {
    e.preventDefault();
    if (choice.length === 0) return refuse(localProblem('too_few_choices'));
    if (choice.length > poll.maxChoices) return refuse(localProblem('too_many_choices', { maxChoices: poll.maxChoices }));
    if (invite && !inviteCode.trim()) return refuse(localProblem('invite_code_required'));
    cast(
      poll.options.map((o) => o.id).filter((id) => choice.includes(id)),
      null,
      invite ? inviteCode.trim() : null,
    );
  }

  function toggle(id: string, on: boolean) {
    setChoice((c) => (single ? [id] : on ? [...c.filter((x) => x !== id), id] : c.filter((x) => x !== id)));
  }

  if (phase.k === 'checking') {
    return (
      <p class="loading" role="status">
        Checking your vote…
      </p>
    );
  }
  if (isSettled(phase)) {
    const closed = phase.k === 'closed' || poll.status === 'closed';
    const visible = poll.resultsVisibility === 'live' || (poll.resultsVisibility === 'after_close' && closed);
    return (
      <VoteOutcome poll={poll} phase={phase} headingRef={statusRef} actions={
        <>
          {resultsHref && visible && (
            <a class="btn secondary" href={resultsHref}>
              {closed ? 'See the results' : 'See live results'}
            </a>
          )}
          {resultsHref && !visible && poll.resultsVisibility === 'after_close' && <p class="muted">Results are shown when the poll closes.</p>}
          {poll.allowChange && poll.status === 'open' && phase.k !== 'closed' && (
            <button type="button" class="btn secondary" onClick={changeVote}>
              Change my vote
            </button>
          )}
        </>
      } />
    );
  }

  // Open mode: the organiser's system names the voters; this page cannot vote, so it says why.
  if (named) {
    return (
      <div class="ballot" data-state="trusted-caller-only">
        <ErrorNotice error={TRUSTED_CALLER_ONLY} />
        {resultsHref && poll.resultsVisibility === 'live' && (
          <div class="actions">
            <a class="btn secondary" href={resultsHref}>
              See live results
            </a>
          </div>
        )}
      </div>
    );
  }

  const busy = phase.k === 'sending' || phase.k === 'retrying' || phase.k === 'proving';
  const retryIn = phase.k === 'retrying' ? Math.max(0, Math.ceil((phase.at - Date.now()) / 1000)) : 0;
  const offline = phase.k === 'retrying' && phase.error.status === 0;
  const limited = phase.k === 'retrying' && phase.error.code === 'rate_limited';
  const hint = single ? 'Choose one option' : `Choose up to ${poll.maxChoices} options`;
  // Multiple choice: once maxChoices are ticked the others are disabled, so the limit shows while choosing, not after Vote.
  const full = !single && choice.length >= poll.maxChoices;

  return (
    <form class="ballot" onSubmit={submit} noValidate data-state={phase.k === 'retrying' ? (offline ? 'offline' : limited ? 'rate-limited' : 'retrying') : phase.k}>
      <fieldset disabled={busy}>
        <legend class="hint">{hint}</legend>
        {!single && (
          <p class="muted small" aria-live="polite" data-testid="choice-count">
            {choice.length} of {poll.maxChoices} chosen{full ? ' — untick one to choose another' : ''}
          </p>
        )}
        <ul class="choices">
          {poll.options.map((o) => {
            const checked = choice.includes(o.id);
            return (
              <li key={o.id}>
                <label class={'choice' + (checked ? ' checked' : '')}>
                  <input
                    type={single ? 'radio' : 'checkbox'}
                    name="choice"
                    value={o.id}
                    checked={checked}
                    disabled={full && !checked}
                    onChange={(e) => toggle(o.id, e.currentTarget.checked)}
                  />
                  <span>{o.text}</span>
                </label>
              </li>
            );
          })}
        </ul>
        {invite && (
          <div class="field">
            <label for="invite-code">Your invite code</label>
            <input
              id="invite-code"
              class="code-input"
              autoComplete="off"
              autoCapitalize="characters"
              spellcheck={false}
              maxLength={64}
              value={inviteCode}
              onInput={(e) => setInviteCode(e.currentTarget.value)}
              required
            />
          </div>
        )}
      </fieldset>
      {phase.k === 'retrying' && (
        <div class="notice warn" role="status" data-code={phase.error.code}>
          <h2 class="notice-title" ref={statusRef} tabIndex={-1}>
            {offline ? 'You are offline' : limited ? 'Too many votes right now' : 'Retrying'}
          </h2>
          <p>
            {phase.error.message} {retryIn > 0 ? `Sending it again in ${retryIn} s` : 'Sending it again now'} (it can only count once).
          </p>
          <button type="button" class="btn link" onClick={stopRetrying}>
            Stop retrying
          </button>
        </div>
      )}
      {phase.k === 'proving' && (
        <div class="pow-progress" role="status" data-state="proving">
          <span>Checking you're not a bot…</span>
          <progress max={100} value={Math.round(phase.share * 100)} aria-label="Anti-bot check" />
        </div>
      )}
      {mustLogIn && (
        <div class="notice info" data-state="login-needed">
          <p>Only logged-in people can vote in this poll.</p>
          <a class="btn primary" href={loginPath(pollPath(poll.id))}>
            Log in to vote
          </a>
        </div>
      )}
      {phase.k === 'ready' && phase.error && (
        <ErrorNotice error={phase.error}>
          {(phase.error.code === 'login_required' || phase.error.code === 'authentication_required') && !mustLogIn && (
            <p>
              <a href={loginPath(pollPath(poll.id))}>Log in to vote</a>
            </p>
          )}
          {phase.error.code === 'too_many_choices' && <p>You can choose at most {poll.maxChoices}.</p>}
          {phase.error.status >= 500 && <p>Press Vote to try again: it cannot count twice.</p>}
        </ErrorNotice>
      )}
      <div class="actions">
        <button type="submit" class="btn primary big" disabled={busy || mustLogIn} aria-busy={busy}>
          {phase.k === 'proving' ? 'Checking…' : phase.k === 'sending' ? 'Sending…' : phase.k === 'retrying' ? 'Waiting to retry…' : 'Vote'}
        </button>
        {resultsHref && poll.resultsVisibility === 'live' && (
          <a class="btn link" href={resultsHref}>
            Results
          </a>
        )}
      </div>
    </form>
  );
}
