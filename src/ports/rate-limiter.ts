/**
 * Rate limiter port: fixed-window counters shared by every process that uses the same backend.
 * Adapters: memory (per process), Redis (cluster-wide, falls back to memory while Redis is down).
 */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

export interface RateLimiter {
  readonly kind: string;
  hit(key: string, limit: number, windowMs: number): Promise<RateDecision>;
  /**
   * Claims `key` for `ttlMs` from now: true for the first claim, false while it is held (single-use
   * tokens such as proof-of-work challenges). Shared like `hit` in the Redis adapter.
   */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}
