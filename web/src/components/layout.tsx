/** The page shell: a slim header (brand, account links), the main region, one column on small screens. */
import type { ComponentChildren } from 'preact';
import { navigate, workspacePath } from '../lib/router.js';
import { logOut, useMe } from '../lib/session.js';

export function Layout({ children, wide = false }: { children: ComponentChildren; wide?: boolean }) {
  return (
    <>
      <header class={wide ? 'site-header wide' : 'site-header'}>
        <a href="/" class="brand" aria-label="pollcast home">
          <svg viewBox="0 0 32 32" width="22" height="22" aria-hidden="true">
            <rect width="32" height="32" rx="7" fill="currentColor" />
            <rect x="7" y="17" width="4" height="8" rx="1" fill="#fff" />
            <rect x="14" y="11" width="4" height="14" rx="1" fill="#fff" />
            <rect x="21" y="7" width="4" height="18" rx="1" fill="#fff" />
          </svg>
          pollcast
        </a>
        <UserNav />
      </header>
      <main id="main" class={wide ? 'wrap wide' : 'wrap'}>
        {children}
      </main>
    </>
  );
}

/** Log in / Sign up, or the user's name, their polls and Log out. Asks the server only if this browser has logged in. */
function UserNav() {
  const me = useMe(false);
  if (me === undefined) return <nav class="user-nav" aria-label="Account" />;
  const here = location.pathname + location.search;
  const back = here === '/' || here.startsWith('/login') || here.startsWith('/signup') ? '' : `?next=${encodeURIComponent(here)}`;
  if (me === null) {
    return (
      <nav class="user-nav" aria-label="Account">
        <a href={'/login' + back}>Log in</a>
        <a href={'/signup' + back}>Sign up</a>
      </nav>
    );
  }
  const home = me.workspaces[0];
  return (
    <nav class="user-nav" aria-label="Account">
      <a href="/account" class="user-name" data-testid="user-name" title={me.user.email}>
        {me.user.name}
      </a>
      {home && <a href={workspacePath(home.id)}>My polls</a>}
      <button type="button" class="btn link" onClick={() => void logOut().catch(() => undefined).then(() => navigate('/'))}>
        Log out
      </button>
    </nav>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="loading" role="status">
      {label}
    </p>
  );
}
