/**
 * Cache port: a shared, lossy key/value store with expiry. Never the source of truth: a miss,
 * an error or an outage only means a read goes to the store. Adapters: memory, Redis.
 * Values are JSON-serializable.
 */
export interface Cache {
  readonly kind: string;
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  del(key: string): Promise<void>;
  /** Rejects when the backing service cannot be reached (for /readyz); absent for in-process caches. */
  ping?(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One cache in two tiers, for data every request reads (poll metadata, results): a bounded
 * per-process tier (least recently used entries go first) in front of the shared `Cache` (absent
 * when the shared cache is itself in-process). Callers decide freshness (versions, notices); the
 * tiers only keep copies. Never the source of truth: the shared tier's failures read as misses.
 */
export interface TieredCache<V> {
  /**
   * This process's copy, if it has not expired (`stale`: even if it has, until it is replaced,
   * forgotten or evicted). Synchronous: a hit costs no microtask.
   */
  local(key: string, opts?: { stale?: boolean }): V | undefined;
  /** The shared tier's copy; undefined when there is none, no shared tier, or it failed. */
  shared(key: string): Promise<V | undefined>;
  /** Keeps `value` here for `localTtlMs` and in the shared tier (if any) for `sharedTtlMs`. */
  set(key: string, value: V, localTtlMs: number, sharedTtlMs: number): void;
  /** Keeps `value` in this process only. */
  setLocal(key: string, value: V, localTtlMs: number): void;
  /** Drops this process's copy (a change notice from another process). */
  forget(key: string): void;
  /** Drops both copies (after a change made here). */
  invalidate(key: string): Promise<void>;
}
