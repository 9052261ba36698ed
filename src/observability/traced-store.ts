/**
 * Wraps a store so each call made inside an active span gets a child span (`store.<method>`).
 * Calls outside any span (the relay's idle polling, scrapes) are not traced: they would only add
 * traces nobody asked for. Applied only when tracing is on; the store's contract is unchanged.
 */
import type { Store } from '../ports/store.js';
import type { Tracing } from '../ports/tracing.js';

/** Not worth a span: lifecycle and figures read for metrics or health. */
const UNTRACED = new Set<PropertyKey>(['close', 'ping', 'poolStats', 'outboxBacklog', 'migrate', 'constructor']);

export function traceStore(store: Store, tracing: Tracing): Store {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      let w = wrapped.get(prop);
      if (w === undefined) {
        const fn = value as (...args: unknown[]) => unknown;
        w = UNTRACED.has(prop)
          ? fn.bind(target)
          : (...args: unknown[]) => {
              if (tracing.active() === undefined) return fn.apply(target, args);
              const span = tracing.start(`store.${String(prop)}`, { kind: 'client', attributes: { 'db.system': target.kind } });
              return tracing.run(span, async () => {
                try {
                  return await fn.apply(target, args);
                } catch (err) {
                  span.fail(err);
                  throw err;
                } finally {
                  span.end();
                }
              });
            };
        wrapped.set(prop, w);
      }
      return w;
    },
  });
}
