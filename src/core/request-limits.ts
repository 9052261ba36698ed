/**
 * Rate limits for requests other than votes (the vote service limits votes itself): a count per
 * key in a window, or a budget a request spends several units of. HTTP renders the answers
 * (http/rate-guard.ts: 429 and the RateLimit headers).
 */
import type { RateDecision, RateLimiter } from '../ports/rate-limiter.js';

export class RequestLimits {
  constructor(private readonly limiter: RateLimiter) {}

  /** One more request under `key`: at most `limit` per `windowMs`. */
  hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    return this.limiter.hit(key, limit, windowMs);
  }

  /**
   * Spends `cost` units of a per-window budget under `key`; the limiter counts hits, so a cost is
   * that many hits. One hit first tells what is left: a request that does not fit is refused having
   * spent only that one. A request is granted only if every one of its hits was allowed, so
   * concurrent requests never get more than `limit` units in a window between them. `lowest`: the
   * decision with the least remaining (for the headers).
   */
  async spend(key: string, cost: number, limit: number, windowMs: number): Promise<{ allowed: boolean; lowest: RateDecision }> {
    const first = await this.limiter.hit(key, limit, windowMs);
    if (!first.allowed || first.remaining < cost - 1) return { allowed: false, lowest: first };
    const rest = await Promise.all(Array.from({ length: cost - 1 }, () => this.limiter.hit(key, limit, windowMs)));
    const lowest = rest.reduce((low, d) => (d.remaining < low.remaining ? d : low), first);
    return { allowed: rest.every((d) => d.allowed), lowest };
  }
}
