/**
 * The ballot's state machine: voted, already voted, closed, not open yet, rate limited,
 * offline/retrying, proving (the anti-bot proof of work). A ballot keeps one Idempotency-Key
 * through all its retries (kept in sessionStorage, so a reload retries it too): whatever got
 * through is counted once. Each attempt at a proof-of-work poll solves a fresh challenge (one
 * challenge, one vote). Account polls send the session's CSRF token; invite polls the code.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, asApiError } from './api.js';
import { csrfHeaders, loadMe } from './session.js';
import { newKey, pendingBallot, saveVoterToken, savePendingBallot, voterToken, type PendingBallot } from './storage.js';
import type { Poll, VoteReceipt } from './types.js';

export interface Counted {
  optionIds: string[];
  receiptId?: string;
  /** Only in the answer that counted the vote: the voter's secret for checking the receipt. */
  receiptKey?: string;
  countedAt?: string;
}

export type Phase =
  | { k: 'checking' }
  | { k: 'ready'; error?: ApiError }
  | { k: 'sending' }
  /** Solving the proof of work; `share` of the expected work done (0–1). */
  | { k: 'proving'; share: number }
  | { k: 'retrying'; error: ApiError; at: number }
  | { k: 'voted'; counted: Counted; changed: boolean }
  | { k: 'already'; counted: Counted | null }
  | { k: 'closed' }
  | { k: 'notOpen'; opensAt: string | null };

function initialPhase(poll: Poll): Phase {
  if (poll.status === 'closed') return { k: 'closed' };
  if (poll.status === 'draft') return { k: 'notOpen', opensAt: poll.opensAt };
  return { k: 'checking' };
}

/** Seconds until the next try: Retry-After when given, else 1, 2, 4 … 15 s with a little jitter. */
function retryDelayMs(e: ApiError, attempt: number): number {
  if (e.retryAfterSec !== null) return Math.max(1, e.retryAfterSec) * 1000;
  return Math.min(15_000, 1000 * 2 ** attempt) * (0.8 + Math.random() * 0.4);
}

/** A refusal found before sending (nothing chosen, too many, no name), shown like the API's. */
export const localProblem = (code: string, extra: Record<string, unknown> = {}): ApiError => new ApiError(422, code, { status: 422, code, ...extra }, null);

export interface Ballot {
  phase: Phase;
  /** Send a ballot; the same choice (and code) as a ballot still pending reuses its Idempotency-Key. */
  cast(optionIds: string[], voterId: string | null, inviteCode?: string | null): void;
  /** Show a refusal without sending anything. */
  refuse(error: ApiError): void;
  stopRetrying(): void;
  changeVote(): void;
}

export function useBallot(poll: Poll, onVoted?: () => void): Ballot {
  const [phase, setPhase] = useState<Phase>(() => initialPhase(poll));
  const retryTimer = useRef<number | undefined>(undefined);
  const ballotRef = useRef<{ ballot: PendingBallot; attempt: number } | null>(null);
  const named = poll.identityMode === 'open';
  const account = poll.identityMode === 'account';
  /** The vote needs the session (and its CSRF token): account polls, members-only polls. */
  const withSession = account || poll.access === 'workspace';
  const pow = poll.identityMode === 'device' && poll.powDifficulty > 0;
  const abort = useRef<AbortController | null>(null);

  // The poll's status can change under us (the page reloads it): follow closed / not open.
  useEffect(() => {
    if (poll.status === 'closed') setPhase((p) => (p.k === 'voted' || p.k === 'already' ? p : { k: 'closed' }));
    else if (poll.status === 'draft') setPhase({ k: 'notOpen', opensAt: poll.opensAt });
    else setPhase((p) => (p.k === 'notOpen' || p.k === 'closed' ? { k: 'checking' } : p));
  }, [poll.status, poll.opensAt]);

  // Has this device voted already? (Named voters are looked up when they vote.)
  useEffect(() => {
    if (phase.k !== 'checking') return;
    // No voter token here means no vote from this device (a vote stores one): in a surge of
    // first-time voters that saves a request each. A vote known only to the cookie comes back as 409.
    // Invite codes and names are known only when the voter types them.
    const vt = voterToken();
    if (named || poll.identityMode === 'invite' || (!account && !vt)) {
      setPhase({ k: 'ready' });
      return;
    }
    let live = true;
    const headers: Record<string, string> = vt && !account ? { 'x-voter-token': vt } : {};
    // An account vote is the logged-in user's (not logged in: the card offers to log in).
    (account ? loadMe().catch(() => null) : Promise.resolve(true))
      .then((me) => (me ? api<Counted>('GET', `/v1/polls/${poll.id}/votes/me`, { headers }) : Promise.reject(new Error('not logged in'))))
      .then((counted) => {
        if (!live) return;
        savePendingBallot(poll.id, null);
        setPhase({ k: 'already', counted });
      })
      .catch((err) => {
        if (!live) return;
        const e = asApiError(err);
        if (e.code === 'voter_token_invalid') saveVoterToken(null);
        setPhase({ k: 'ready' });
      });
    return () => {
      live = false;
    };
  }, [phase.k, poll.id, named, account, poll.identityMode]);

  // Back online: retry now rather than at the end of the backoff.
  useEffect(() => {
    const online = () => {
      if (ballotRef.current && phase.k === 'retrying') {
        window.clearTimeout(retryTimer.current);
        void send(ballotRef.current.ballot, ballotRef.current.attempt);
      }
    };
    window.addEventListener('online', online);
    return () => window.removeEventListener('online', online);
  });

  useEffect(
    () => () => {
      window.clearTimeout(retryTimer.current);
      abort.current?.abort();
    },
    [],
  );

  /** `fixes` counts re-sends after a refused proof of work or a stale CSRF token (a few at most). */
  async function send(ballot: PendingBallot, attempt: number, fixes = 0): Promise<void> {
    ballotRef.current = { ballot, attempt };
    savePendingBallot(poll.id, ballot);
    const headers: Record<string, string> = { 'idempotency-key': ballot.key };
    const vt = voterToken();
    if (vt) headers['x-voter-token'] = vt;
    const body: { optionIds: string[]; voterId?: string; inviteCode?: string; pow?: { challenge: string; solution: string } } = { optionIds: ballot.optionIds };
    if (ballot.voterId) body.voterId = ballot.voterId;
    if (ballot.inviteCode) body.inviteCode = ballot.inviteCode;
    try {
      if (withSession) {
        setPhase({ k: 'sending' });
        await loadMe().catch(() => null);
        Object.assign(headers, csrfHeaders());
      }
      if (pow) {
        setPhase({ k: 'proving', share: 0 });
        abort.current?.abort();
        const ctl = new AbortController();
        abort.current = ctl;
        // Loaded only for polls that ask for it: the vote page's first bundle stays small.
        const { proveWork } = await import('./pow-client.js');
        body.pow = await proveWork(poll.id, (share) => setPhase({ k: 'proving', share }), ctl.signal);
      }
      setPhase({ k: 'sending' });
      const r = await api<VoteReceipt>('POST', `/v1/polls/${poll.id}/votes`, { body, headers });
      if (r.voterToken) saveVoterToken(r.voterToken);
      done();
      setPhase({ k: 'voted', counted: r, changed: r.changed === true });
      onVoted?.();
    } catch (err) {
      if ((err as Error).name === 'AbortError') return;
      const e = asApiError(err);
      const p = e.problem;
      switch (e.code) {
        case 'proof_of_work_invalid':
        case 'proof_of_work_required':
          // Expired or already used (a retry): a new challenge, solved again.
          if (pow && fixes < 2) return send(ballot, attempt, fixes + 1);
          break;
        case 'csrf_token_invalid':
          if (fixes < 1 && (await loadMe(true).catch(() => null))) return send(ballot, attempt, fixes + 1);
          break;
        case 'already_voted':
          if (typeof p.voterToken === 'string') saveVoterToken(p.voterToken);
          done();
          setPhase({ k: 'already', counted: (p.counted as Counted | undefined) ?? null });
          onVoted?.();
          return;
        case 'poll_closed':
          done();
          setPhase({ k: 'closed' });
          return;
        case 'poll_not_open':
          done();
          setPhase({ k: 'notOpen', opensAt: typeof p.opensAt === 'string' ? p.opensAt : poll.opensAt });
          return;
        case 'voter_token_invalid':
          // A pass from another deployment: forget it and try once as a new voter.
          saveVoterToken(null);
          if (vt && attempt === 0) return send(ballot, 1);
          break;
      }
      if (e.retryable) {
        const wait = retryDelayMs(e, attempt);
        setPhase({ k: 'retrying', error: e, at: Date.now() + wait });
        window.clearTimeout(retryTimer.current);
        retryTimer.current = window.setTimeout(() => void send(ballot, attempt + 1), wait);
        return;
      }
      // A 500 may have counted: keep the ballot (and its key) so "Vote" retries it safely.
      if (e.status < 500) savePendingBallot(poll.id, null);
      ballotRef.current = null;
      setPhase({ k: 'ready', error: e });
    }
  }

  function done() {
    savePendingBallot(poll.id, null);
    ballotRef.current = null;
    window.clearTimeout(retryTimer.current);
  }

  function cast(optionIds: string[], voterId: string | null, inviteCode: string | null = null) {
    const prev = pendingBallot(poll.id);
    const same = prev && prev.optionIds.join() === optionIds.join() && (prev.voterId ?? null) === voterId && (prev.inviteCode ?? null) === inviteCode;
    const ballot: PendingBallot = { key: same ? prev.key : newKey(), optionIds };
    if (voterId) ballot.voterId = voterId;
    if (inviteCode) ballot.inviteCode = inviteCode;
    void send(ballot, 0);
  }

  function stopRetrying() {
    window.clearTimeout(retryTimer.current);
    ballotRef.current = null;
    setPhase({ k: 'ready' });
  }

  return { phase, cast, refuse: (error) => setPhase({ k: 'ready', error }), stopRetrying, changeVote: () => setPhase({ k: 'ready' }) };
}
