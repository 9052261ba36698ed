/** In-process cache: a bounded map with expiry. Oldest entries go first when full. */
import type { Cache } from '../../ports/cache.js';

export class MemoryCache implements Cache {
  readonly kind = 'memory';
  readonly #map = new Map<string, { value: unknown; expires: number }>();
  constructor(private readonly maxEntries = 50_000) {}

  async get<T>(key: string): Promise<T | undefined> {
    return this.getSync<T>(key);
  }

  /** Synchronous read for callers in the same process (the hot path skips a microtask). */
  getSync<T>(key: string): T | undefined {
    const e = this.#map.get(key);
    if (!e) return undefined;
    if (e.expires <= Date.now()) {
      this.#map.delete(key);
      return undefined;
    }
    return e.value as T;
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    if (this.#map.size >= this.maxEntries && !this.#map.has(key)) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
    this.#map.set(key, { value, expires: Date.now() + ttlMs });
  }

  async del(key: string): Promise<void> {
    this.#map.delete(key);
  }

  async close(): Promise<void> {
    this.#map.clear();
  }
}
