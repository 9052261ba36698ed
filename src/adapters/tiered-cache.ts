/**
 * The two-tier cache (ports/cache.ts TieredCache): an lru-cache per process, bounded by entries,
 * each with its own expiry, in front of the shared Cache adapter (Redis) when there is one.
 */
import { LRUCache } from 'lru-cache';
import type { Cache, TieredCache } from '../ports/cache.js';

/** lru-cache stores no undefined or null; a box lets `null` (a known-missing poll) be cached. */
interface Box<V> {
  value: V;
}

export interface TieredCacheOptions {
  /** Prefix of this cache's keys in the shared tier (`poll:`, `results:`). */
  namespace: string;
  /** Entries kept in this process; the least recently used go first. */
  maxEntries: number;
}

export class TieredLruCache<V> implements TieredCache<V> {
  readonly #local: LRUCache<string, Box<V>>;

  constructor(
    private readonly sharedTier: Cache | null,
    private readonly opts: TieredCacheOptions,
  ) {
    // An expired entry stays (unreturned) until replaced or evicted, so `local(key, { stale })` can
    // still compare against it.
    this.#local = new LRUCache<string, Box<V>>({ max: opts.maxEntries, ttlAutopurge: false, noDeleteOnStaleGet: true });
  }

  local(key: string, opts?: { stale?: boolean }): V | undefined {
    return (opts?.stale ? this.#local.peek(key, { allowStale: true }) : this.#local.get(key))?.value;
  }

  async shared(key: string): Promise<V | undefined> {
    if (!this.sharedTier) return undefined;
    try {
      return await this.sharedTier.get<V>(this.opts.namespace + key);
    } catch {
      return undefined;
    }
  }

  set(key: string, value: V, localTtlMs: number, sharedTtlMs: number): void {
    this.setLocal(key, value, localTtlMs);
    this.sharedTier?.set(this.opts.namespace + key, value, sharedTtlMs).catch(() => {});
  }

  setLocal(key: string, value: V, localTtlMs: number): void {
    if (localTtlMs > 0) this.#local.set(key, { value }, { ttl: localTtlMs });
  }

  forget(key: string): void {
    this.#local.delete(key);
  }

  async invalidate(key: string): Promise<void> {
    this.#local.delete(key);
    await this.sharedTier?.del(this.opts.namespace + key).catch(() => {});
  }
}
