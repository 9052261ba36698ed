/**
 * Rate limiter port: sliding-window limits shared by every process that uses the same backend.
 * Adapters: memory (per process), Redis (cluster-wide, falls back to memory while Redis is down).
 *
 * The contract every adapter keeps: for a key with `limit` per `windowMs`, at most `limit` hits
 * are admitted in ANY span of `windowMs` (not up to 2 × at a fixed window's edge). Windows are
 * counted in 60 buckets; a bucket leaves the count only once all of it is older than the window,
 * so a limit may refuse up to one bucket (1/60 of the window) early, never admit late.
 */
export interface RateCheck {
  key: string;
  limit: number;
  windowMs: number;
  /** 1 (default): a hit that counts. 0: only look — refused while the key is at its limit, counts nothing. */
  cost?: 0 | 1;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** Hits left in the window after this decision. */
  remaining: number;
  /** Milliseconds until `remaining` grows again (the oldest counted bucket leaves the window). */
  resetMs: number;
}

export interface Admission {
  /** Every check allowed. When false nothing was counted for any of them. */
  allowed: boolean;
  /** One decision per check, in order. */
  checks: RateDecision[];
}

export interface RateLimiter {
  readonly kind: string;
  /**
   * All-or-nothing: the checks of one request are admitted together or not at all. Adapters may
   * gather the admissions of many concurrent requests into one round trip (Redis does, per tick).
   */
  admit(checks: readonly RateCheck[]): Promise<Admission>;
  /** One check: `admit([{ key, limit, windowMs }])`. */
  hit(key: string, limit: number, windowMs: number): Promise<RateDecision>;
  /**
   * Claims `key` for `ttlMs` from now: true for the first claim, false while it is held (single-use
   * tokens such as proof-of-work challenges). Shared like `hit` in the Redis adapter.
   */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Buckets per window: the granularity of the sliding window. */
export const WINDOW_BUCKETS = 60;

/** Rounded up, so WINDOW_BUCKETS buckets span at least the window (never admit late). */
export const bucketMsOf = (windowMs: number): number => Math.max(1, Math.ceil(windowMs / WINDOW_BUCKETS));
