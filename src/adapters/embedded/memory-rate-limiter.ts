/**
 * Per-process sliding-window rate limiter (the port's contract: at most `limit` in any window).
 * Keys live in two generations per window length; every window the older generation is dropped
 * whole, after keys touched since were moved to the newer one, so memory is bounded by the keys
 * seen in two windows and no sweep ever walks the map.
 *
 * Most keys are hit once (a voter's one vote in a surge of new voters): such a key holds just the
 * number of its bucket, and becomes a SlidingCount at its second hit. A surge of a million voters
 * then keeps a million map entries, not three million objects for the collector to walk.
 */
import { bucketMsOf, WINDOW_BUCKETS, type Admission, type RateCheck, type RateDecision, type RateLimiter } from '../../ports/rate-limiter.js';
import { resetMsOf, SlidingCount } from '../sliding-window.js';

/** A key's count: one hit, in the bucket the number names; or more, as a SlidingCount. */
type Entry = SlidingCount | number;

interface Generations {
  /** Index of the window the current generation started in. */
  index: number;
  current: Map<string, Entry>;
  previous: Map<string, Entry>;
}

/** What the window ending in bucket `nb` still counts of a single hit in bucket `hit`. */
const counts = (hit: number, nb: number): boolean => hit >= nb - WINDOW_BUCKETS;

export class MemoryRateLimiter implements RateLimiter {
  readonly kind = 'memory';
  readonly #byWindow = new Map<number, Generations>();
  /** Claimed keys and when they are released; expired ones are swept when the map has doubled. */
  readonly #claims = new Map<string, number>();
  #sweepAt = 1024;

  constructor(private readonly now: () => number = Date.now) {}

  /** The generation holding `key` now (moved there from the previous one), and its entry if any. */
  #generation(key: string, windowMs: number, now: number): Map<string, Entry> {
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
    if (!g.current.has(key)) {
      const e = g.previous.get(key);
      if (e !== undefined) {
        g.previous.delete(key);
        g.current.set(key, e);
      }
    }
    return g.current;
  }

  /** Adds `cost` hits in bucket `nb` to `key`'s entry in `gen`. */
  static #add(gen: Map<string, Entry>, key: string, e: Entry | undefined, nb: number, cost: number): void {
    if (e === undefined || (typeof e === 'number' && !counts(e, nb))) {
      if (cost === 1) gen.set(key, nb);
      else {
        const c = new SlidingCount();
        c.add(nb, cost);
        gen.set(key, c);
      }
    } else if (typeof e === 'number') {
      const c = new SlidingCount();
      c.add(e, 1);
      c.add(nb, cost);
      gen.set(key, c);
    } else e.add(nb, cost);
  }

  admitSync(checks: readonly RateCheck[]): Admission {
    const now = this.now();
    const counted: number[] = [];
    const gens: Array<Map<string, Entry>> = [];
    const buckets: number[] = [];
    let allowed = true;
    for (const c of checks) {
      const nb = Math.floor(now / bucketMsOf(c.windowMs));
      const gen = this.#generation(c.key, c.windowMs, now);
      const e = gen.get(c.key);
      const n = e === undefined ? 0 : typeof e === 'number' ? (counts(e, nb) ? 1 : 0) : e.count(nb);
      gens.push(gen);
      counted.push(n);
      buckets.push(nb);
      // A look (cost 0) is refused at the limit, a hit (cost 1) when it would pass it: both n ≥ limit.
      if (n >= c.limit) allowed = false;
    }
    const decisions: RateDecision[] = [];
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i]!;
      const cost = c.cost ?? 1;
      const gen = gens[i]!;
      let n = counted[i]!;
      if (allowed && cost > 0) {
        MemoryRateLimiter.#add(gen, c.key, gen.get(c.key), buckets[i]!, cost);
        n += cost;
      }
      const e = gen.get(c.key);
      const oldest = e === undefined ? null : typeof e === 'number' ? (counts(e, buckets[i]!) ? e : null) : e.oldest();
      decisions.push({
        allowed: counted[i]! < c.limit,
        limit: c.limit,
        remaining: Math.max(0, c.limit - n),
        resetMs: resetMsOf(oldest, bucketMsOf(c.windowMs), c.windowMs, now),
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
      if (cost <= 0) continue;
      const gen = this.#generation(c.key, c.windowMs, now);
      MemoryRateLimiter.#add(gen, c.key, gen.get(c.key), Math.floor(now / bucketMsOf(c.windowMs)), cost);
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
