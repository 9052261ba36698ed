/**
 * What the browser remembers: the owner token of polls created here, the voter token (sent as
 * X-Voter-Token, since a cookie is not sent from inside a third-party iframe), and a pending ballot.
 * Storage can be disabled (private modes, blocked third-party storage): every access may fail.
 */
const OWNER = 'pollcast.owner.';
const VOTER = 'pollcast.voter';
const BALLOT = 'pollcast.ballot.';
const SESSION = 'pollcast.session';

function get(store: () => Storage, key: string): string | null {
  try {
    return store().getItem(key);
  } catch {
    return null;
  }
}
function set(store: () => Storage, key: string, value: string | null): void {
  try {
    if (value === null) store().removeItem(key);
    else store().setItem(key, value);
  } catch {
    /* storage unavailable: the app works, it just forgets */
  }
}
const local = () => localStorage;
const session = () => sessionStorage;

export const ownerToken = (pollId: string): string | null => get(local, OWNER + pollId);
export const saveOwnerToken = (pollId: string, token: string | null): void => set(local, OWNER + pollId, token);

export const voterToken = (): string | null => get(local, VOTER);
export const saveVoterToken = (token: string | null): void => set(local, VOTER, token);

/**
 * "This browser has logged in": the session cookie is HttpOnly, so this hint decides whether a
 * page asks GET /v1/me at all (a crowd of anonymous voters then sends no extra request).
 */
export const sessionHint = (): boolean => get(local, SESSION) === '1';
export const saveSessionHint = (on: boolean): void => set(local, SESSION, on ? '1' : null);

/** A ballot sent but not yet answered: a reload retries it with the same Idempotency-Key. */
export interface PendingBallot {
  key: string;
  optionIds: string[];
  voterId?: string;
  inviteCode?: string;
}
export function pendingBallot(pollId: string): PendingBallot | null {
  const raw = get(session, BALLOT + pollId);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as PendingBallot;
  } catch {
    return null;
  }
}
export const savePendingBallot = (pollId: string, b: PendingBallot | null): void => set(session, BALLOT + pollId, b ? JSON.stringify(b) : null);

/** An Idempotency-Key. getRandomValues works outside secure contexts (plain http on a LAN), randomUUID does not. */
export function newKey(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
