/** The app's addresses, and in-app navigation through the History API. */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { name: 'create' }
  | { name: 'join'; code: string }
  | { name: 'vote' | 'results' | 'present' | 'share' | 'manage' | 'embed'; pollId: string }
  | { name: 'signup' | 'login' | 'account' | 'receipt' }
  | { name: 'reset' | 'verify' }
  | { name: 'workspace' | 'keys'; workspaceId: string }
  | { name: 'eventNew' }
  | { name: 'eventJoin'; code: string }
  | { name: 'eventPresent' | 'eventRemote'; eventId: string }
  | { name: 'notFound' };

const POLL_PAGES = { '': 'vote', results: 'results', present: 'present', share: 'share', manage: 'manage' } as const;

export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'create' };
  if (path === '/signup' || path === '/login' || path === '/account' || path === '/receipt') return { name: path.slice(1) as 'signup' | 'login' | 'account' | 'receipt' };
  if (path === '/reset' || path === '/verify') return { name: path.slice(1) as 'reset' | 'verify' };
  let m = /^\/j(?:\/([^/]+))?$/.exec(path);
  if (m) return { name: 'join', code: decodeSafe(m[1] ?? '') };
  m = /^\/embed\/([^/]+)$/.exec(path);
  if (m) return { name: 'embed', pollId: decodeSafe(m[1]!) };
  m = /^\/p\/([^/]+)(?:\/([a-z]+))?$/.exec(path);
  if (m) {
    const page = POLL_PAGES[(m[2] ?? '') as keyof typeof POLL_PAGES];
    if (page) return { name: page, pollId: decodeSafe(m[1]!) };
  }
  m = /^\/w\/([^/]+)(\/keys)?$/.exec(path);
  if (m) return { name: m[2] ? 'keys' : 'workspace', workspaceId: decodeSafe(m[1]!) };
  if (path === '/e/new') return { name: 'eventNew' };
  m = /^\/e\/([^/]+)\/(present|remote)$/.exec(path);
  if (m) return { name: m[2] === 'remote' ? 'eventRemote' : 'eventPresent', eventId: decodeSafe(m[1]!) };
  // An event's short code at the top level: /K7TA9X (any case).
  m = /^\/([A-Za-z0-9]{1,8})$/.exec(path);
  if (m) return { name: 'eventJoin', code: m[1]! };
  return { name: 'notFound' };
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const CHANGE = 'pollcast:navigate';

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event(CHANGE));
  if (!replace) window.scrollTo(0, 0);
}

/** The current location, re-rendered on back/forward and on navigate(). */
export function useLocation(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return path;
}

/** Same-origin links navigate in the app; modified clicks, targets and downloads stay native. */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.('a');
    if (!a || a.target || a.hasAttribute('download') || a.dataset.native !== undefined) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || !/^\/(p\/|w\/|j\b|login$|signup$|account$|$)/.test(url.pathname)) return;
    e.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  });
}

export const pollPath = (pollId: string, page: '' | 'results' | 'present' | 'share' | 'manage' = ''): string =>
  `/p/${encodeURIComponent(pollId)}${page ? '/' + page : ''}`;

export const workspacePath = (workspaceId: string, page: '' | 'keys' = ''): string => `/w/${encodeURIComponent(workspaceId)}${page ? '/' + page : ''}`;
