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
