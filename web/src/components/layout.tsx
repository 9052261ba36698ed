/** The page shell: a slim header, the main region, and a skip-free single column for small screens. */
import type { ComponentChildren } from 'preact';

export function Layout({ children, wide = false }: { children: ComponentChildren; wide?: boolean }) {
  return (
    <>
      <header class="site-header">
        <a href="/" class="brand" aria-label="pollcast home">
          <svg viewBox="0 0 32 32" width="22" height="22" aria-hidden="true">
            <rect width="32" height="32" rx="7" fill="currentColor" />
            <rect x="7" y="17" width="4" height="8" rx="1" fill="#fff" />
            <rect x="14" y="11" width="4" height="14" rx="1" fill="#fff" />
            <rect x="21" y="7" width="4" height="18" rx="1" fill="#fff" />
          </svg>
          pollcast
        </a>
      </header>
      <main id="main" class={wide ? 'wrap wide' : 'wrap'}>
        {children}
      </main>
    </>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p class="loading" role="status">
      {label}
    </p>
  );
}
