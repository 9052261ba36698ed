/**
 * The logged-in user, kept in memory: who they are, their workspaces, and the session's CSRF
 * token (the session itself is an HttpOnly cookie the browser sends by itself). Loaded from
 * GET /v1/me once per page load, and only when this browser has logged in before (storage hint)
 * or a page needs to know. State-changing calls made with the session go through `authed`, which
 * adds X-CSRF-Token.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type CallOptions } from './api.js';
import { navigate } from './router.js';
import { saveSessionHint, sessionHint } from './storage.js';
import type { User, Workspace } from './types.js';

/** The API's minimum password length. */
export const PASSWORD_MIN = 10;

export interface Me {
  user: User;
  csrfToken: string;
  workspaces: Workspace[];
}

/** undefined: not asked yet; null: not logged in. */
let current: Me | null | undefined;
let pending: Promise<Me | null> | null = null;
const listeners = new Set<() => void>();

function set(me: Me | null): void {
  current = me;
  saveSessionHint(me !== null);
  for (const l of listeners) l();
}

/** GET /v1/me (once; `force` asks again). null when not logged in; other failures are thrown. */
export function loadMe(force = false): Promise<Me | null> {
  if (!force && current !== undefined) return Promise.resolve(current);
  if (pending) return pending;
  pending = api<Me>('GET', '/v1/me')
    .then(
      (me) => {
        set(me);
        return me;
      },
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 401) {
          set(null);
          return null;
        }
        throw err;
      },
    )
    .finally(() => {
      pending = null;
    });
  return pending;
}

export const currentMe = (): Me | null | undefined => current;

/** After signup or login: the answer carries the user and CSRF token; workspaces come from /v1/me. */
export async function startSession(answer: { user: User; csrfToken: string }): Promise<Me> {
  set({ user: answer.user, csrfToken: answer.csrfToken, workspaces: [] });
  return (await loadMe(true)) ?? { user: answer.user, csrfToken: answer.csrfToken, workspaces: [] };
}

export async function logOut(): Promise<void> {
  try {
    await authed('POST', '/v1/auth/logout');
  } finally {
    set(null);
  }
}

/** The session's X-CSRF-Token header (empty when not logged in). */
export function csrfHeaders(): Record<string, string> {
  return current ? { 'x-csrf-token': current.csrfToken } : {};
}

/**
 * A call made with the session: X-CSRF-Token on state-changing methods (the token is fetched
 * first if this page does not have it yet). A stale token is refreshed once and the call retried.
 */
export async function authed<T>(method: string, path: string, opts: CallOptions = {}): Promise<T> {
  const safe = method === 'GET' || method === 'HEAD';
  if (!safe && current === undefined) await loadMe().catch(() => null);
  const call = () => api<T>(method, path, safe ? opts : { ...opts, headers: { ...csrfHeaders(), ...opts.headers } });
  try {
    return await call();
  } catch (err) {
    if (!safe && err instanceof ApiError && err.code === 'csrf_token_invalid' && (await loadMe(true).catch(() => null))) return call();
    if (err instanceof ApiError && (err.code === 'authentication_required' || err.code === 'login_required') && current) set(null);
    throw err;
  }
}

/**
 * The logged-in user for a component, re-rendered on login and logout. With `ask` false the
 * server is asked only if this browser has logged in before (the header on a vote page).
 */
export function useMe(ask = true): Me | null | undefined {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((n) => n + 1);
    listeners.add(l);
    if (current === undefined && (ask || sessionHint())) loadMe().catch(() => undefined);
    return () => void listeners.delete(l);
  }, [ask]);
  return current === undefined && !ask && !sessionHint() ? null : current;
}

/** A same-site path to go back to after logging in (never another site). */
export function safeNext(next: string | null): string | null {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return null;
  return next;
}

export const loginPath = (next = location.pathname + location.search): string => `/login?next=${encodeURIComponent(next)}`;

/** For pages that need a user: the user once known; a visitor who is not logged in is sent to /login (and back after). */
export function useLoggedIn(): Me | null | undefined {
  const me = useMe(true);
  useEffect(() => {
    if (me === null) navigate(loginPath(), true);
  }, [me]);
  return me;
}
