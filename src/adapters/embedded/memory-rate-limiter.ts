/**
 * Per-process fixed-window rate limiter. Windows are aligned to the clock and kept as one map per
 * window length; when a window ends its whole map is dropped at once, so memory is bounded by the
 * keys seen in one window and no sweep ever walks the map.
 */
import type { RateDecision, RateLimiter } from '../../ports/rate-limiter.js';

interface Generation {
  index: number;
  counts: Map<string, number>;
}

export class MemoryRateLimiter implements RateLimiter {
  readonly kind = 'memory';
  readonly #generations = new Map<number, Generation>();
  /** Claimed keys and when they are released; expired ones are swept when the map has doubled. */
  readonly #claims = new Map<string, number>();
  #sweepAt = 1024;

  hitSync(key: string, limit: number, windowMs: number): RateDecision {
    const now = Date.now();
    const index = Math.floor(now / windowMs);
    let g = this.#generations.get(windowMs);
    if (!g || g.index !== index) {
      g = { index, counts: new Map() };
      this.#generations.set(windowMs, g);
    }
    const count = (g.counts.get(key) ?? 0) + 1;
    g.counts.set(key, count);
    return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetMs: (index + 1) * windowMs - now };
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    return this.hitSync(key, limit, windowMs);
  }

  claimOnceSync(key: string, ttlMs: number): boolean {
    const now = Date.now();
    const held = this.#claims.get(key);
    if (held !== undefined && held > now) return false;
    this.#claims.set(key, now + ttlMs);
    if (this.#claims.size >= this.#sweepAt) {
      for (const [k, until] of this.#claims) if (until <= now) this.#claims.delete(k);
      this.#sweepAt = Math.max(1024, this.#claims.size * 2);
    }
    return true;
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    return this.claimOnceSync(key, ttlMs);
  }

  async close(): Promise<void> {
    this.#claims.clear();
    this.#generations.clear();
  }
}
