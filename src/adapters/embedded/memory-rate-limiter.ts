/** Per-process fixed-window rate limiter. Windows are swept lazily so memory stays bounded. */
import type { RateDecision, RateLimiter } from '../../ports/rate-limiter.js';

export class MemoryRateLimiter implements RateLimiter {
  readonly kind = 'memory';
  readonly #windows = new Map<string, { count: number; resetAt: number }>();
  #lastSweep = Date.now();

  hitSync(key: string, limit: number, windowMs: number): RateDecision {
    const now = Date.now();
    if (now - this.#lastSweep > windowMs && this.#windows.size > 10_000) this.#sweep(now);
    let w = this.#windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs };
      this.#windows.set(key, w);
    }
    w.count += 1;
    return { allowed: w.count <= limit, limit, remaining: Math.max(0, limit - w.count), resetMs: w.resetAt - now };
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    return this.hitSync(key, limit, windowMs);
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [k, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(k);
  }

  async close(): Promise<void> {
    this.#windows.clear();
  }
}
