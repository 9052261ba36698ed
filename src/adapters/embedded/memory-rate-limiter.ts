/**
 * Per-process sliding-window rate limiter (the port's contract: at most `limit` in any window).
 * Keys live in two generations per window length; every window the older generation is dropped
 * whole, after keys touched since were moved to the newer one, so memory is bounded by the keys
 * seen in two windows and no sweep ever walks the map.
 */
import { bucketMsOf, type Admission, type RateCheck, type RateDecision, type RateLimiter } from '../../ports/rate-limiter.js';
import { resetMsOf, SlidingCount } from '../sliding-window.js';

interface Generations {
  /** Index of the window the current generation started in. */
  index: number;
  current: Map<string, SlidingCount>;
  previous: Map<string, SlidingCount>;
}

export class MemoryRateLimiter implements RateLimiter {
  readonly kind = 'memory';
  readonly #byWindow = new Map<number, Generations>();
  /** Claimed keys and when they are released; expired ones are swept when the map has doubled. */
  readonly #claims = new Map<string, number>();
  #sweepAt = 1024;

  constructor(private readonly now: () => number = Date.now) {}

  #slot(key: string, windowMs: number, now: number): SlidingCount {
    const index = Math.floor(now / windowMs);
    let g = this.#byWindow.get(windowMs);
    if (!g) {
      g = { index, current: new Map(), previous: new Map() };
      this.#byWindow.set(windowMs, g);
    } else if (g.index !== index) {
      // A key untouched for a whole window has nothing left to count: older generations go.
      g.previous = index === g.index + 1 ? g.current : new Map();
      g.current = new Map();
      g.index = index;
    }
    let s = g.current.get(key);
    if (s) return s;
    s = g.previous.get(key);
    if (s) g.previous.delete(key);
    else s = new SlidingCount();
    g.current.set(key, s);
    return s;
  }

  admitSync(checks: readonly RateCheck[]): Admission {
    const now = this.now();
    const counts: number[] = [];
    const slots: SlidingCount[] = [];
    const buckets: number[] = [];
    let allowed = true;
    for (const c of checks) {
      const nb = Math.floor(now / bucketMsOf(c.windowMs));
      const slot = this.#slot(c.key, c.windowMs, now);
      const n = slot.count(nb);
      slots.push(slot);
      counts.push(n);
      buckets.push(nb);
      // A look (cost 0) is refused at the limit, a hit (cost 1) when it would pass it: both n ≥ limit.
      if (n >= c.limit) allowed = false;
    }
    const decisions: RateDecision[] = [];
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i]!;
      const cost = c.cost ?? 1;
      let n = counts[i]!;
      if (allowed && cost > 0) {
        slots[i]!.add(buckets[i]!, cost);
        n += cost;
      }
      decisions.push({
        allowed: counts[i]! < c.limit,
        limit: c.limit,
        remaining: Math.max(0, c.limit - n),
        resetMs: resetMsOf(slots[i]!.oldest(), bucketMsOf(c.windowMs), c.windowMs, now),
      });
    }
    return { allowed, checks: decisions };
  }

  /**
   * Counts an admission decided elsewhere (the shared limiter), without checking: a process
   * keeps its own history so that, should the shared store go away, its per-process fallback
   * goes on from what this process admitted instead of from nothing.
   */
  recordSync(checks: readonly RateCheck[]): void {
    const now = this.now();
    for (const c of checks) {
      const cost = c.cost ?? 1;
      if (cost > 0) this.#slot(c.key, c.windowMs, now).add(Math.floor(now / bucketMsOf(c.windowMs)), cost);
    }
  }

  hitSync(key: string, limit: number, windowMs: number): RateDecision {
    return this.admitSync([{ key, limit, windowMs }]).checks[0]!;
  }

  async admit(checks: readonly RateCheck[]): Promise<Admission> {
    return this.admitSync(checks);
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    return this.hitSync(key, limit, windowMs);
  }

  claimOnceSync(key: string, ttlMs: number): boolean {
    const now = this.now();
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
    this.#byWindow.clear();
  }
}
