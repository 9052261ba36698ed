/**
 * Pages loaded on demand, so the vote page (what phones in a crowd open) ships only what it needs.
 * A chunk that fails to load (offline) says so and offers a retry.
 */
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export function lazyPage<P extends object>(load: () => Promise<{ default: ComponentType<P> }>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  return function LazyPage(props: P) {
    const [, setTick] = useState(0);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (loaded) return;
      let live = true;
      load().then(
        (m) => {
          loaded = m.default;
          if (live) setTick((n) => n + 1);
        },
        () => live && setFailed(true),
      );
      return () => {
        live = false;
      };
    }, [failed]);
    if (loaded) {
      const Page = loaded;
      return <Page {...props} />;
    }
    if (failed) {
      return (
        <div class="wrap">
          <div class="notice error" role="alert">
            <p>This page could not be loaded. Check your connection.</p>
            <button class="btn secondary" onClick={() => setFailed(false)}>
              Try again
            </button>
          </div>
        </div>
      );
    }
    return (
      <p class="loading" role="status">
        Loading…
      </p>
    );
  };
}
