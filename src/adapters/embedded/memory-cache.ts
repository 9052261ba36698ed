/** In-process cache: entries expire; past `maxEntries` the least recently used go first. */
import { LRUCache } from 'lru-cache';
import type { Cache } from '../../ports/cache.js';

export class MemoryCache implements Cache {
  readonly kind = 'memory';
  /** Values are boxed: lru-cache keeps no null or undefined, a cache keeps any JSON value. */
  readonly #lru: LRUCache<string, { value: unknown }>;
  constructor(maxEntries = 50_000) {
    this.#lru = new LRUCache({ max: maxEntries });
  }

  async get<T>(key: string): Promise<T | undefined> {
    return this.getSync<T>(key);
  }

  /** Synchronous read for callers in the same process (the hot path skips a microtask). */
  getSync<T>(key: string): T | undefined {
    return this.#lru.get(key)?.value as T | undefined;
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.#lru.set(key, { value }, { ttl: Math.max(1, Math.ceil(ttlMs)) });
  }

  async del(key: string): Promise<void> {
    this.#lru.delete(key);
  }

  async close(): Promise<void> {
    this.#lru.clear();
  }
}
