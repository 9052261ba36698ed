/**
 * One key's sliding-window count in memory: (bucket, count) pairs oldest first and their total.
 * Most keys (one voter, one vote) hold a single pair, so a key costs a few dozen bytes.
 */
import { WINDOW_BUCKETS } from '../ports/rate-limiter.js';

export class SlidingCount {
  /** Flat [bucket, count, bucket, count, …], oldest first. */
  readonly #pairs: number[] = [];
  #total = 0;
  /** Last bucket this key was touched in (for idle eviction). */
  lastBucket = 0;

  /** Drops buckets that lie wholly outside the window ending in bucket `nb`; returns the count left. */
  count(nb: number): number {
    const p = this.#pairs;
    let drop = 0;
    while (drop < p.length && p[drop]! < nb - WINDOW_BUCKETS) {
      this.#total -= p[drop + 1]!;
      drop += 2;
    }
    if (drop > 0) p.splice(0, drop);
    return this.#total;
  }

  add(nb: number, n: number): void {
    const p = this.#pairs;
    if (p.length > 0 && p[p.length - 2] === nb) p[p.length - 1]! += n;
    else p.push(nb, n);
    this.#total += n;
    this.lastBucket = nb;
  }

  /** Bucket whose departure first frees room, or null when nothing is counted. */
  oldest(): number | null {
    return this.#pairs.length > 0 ? this.#pairs[0]! : null;
  }
}

/** ms until the oldest counted bucket leaves the window (the whole window when nothing is counted). */
export function resetMsOf(oldest: number | null, bucketMs: number, windowMs: number, now: number): number {
  if (oldest === null) return windowMs;
  return Math.max(1, (oldest + WINDOW_BUCKETS + 1) * bucketMs - now);
}
