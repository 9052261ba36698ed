/**
 * The rate limiter's exactness, on an injected clock: at most `limit` admitted in ANY span of the
 * window, wherever the hits fall against bucket and window edges; and a refused key frees up
 * within a window and one bucket of its oldest hit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryRateLimiter } from '../../src/adapters/embedded/memory-rate-limiter.js';

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('MemoryRateLimiter sliding window', () => {
  for (const [windowMs, limit] of [
    [60_000, 40],
    [1_000, 7],
    [999, 3],
  ] as const) {
    it(`never admits more than ${limit} in any ${windowMs} ms span (random arrivals across edges)`, () => {
      const random = rng(windowMs * 31 + limit);
      let now = 1_733_460_000_000 + Math.floor(random() * windowMs);
      const limiter = new MemoryRateLimiter(() => now);
      const admitted: number[] = [];
      for (let i = 0; i < 20_000; i++) {
        now += Math.floor(random() * (windowMs / limit) * 0.5);
        if (limiter.hitSync('k', limit, windowMs).allowed) admitted.push(now);
      }
      for (let i = limit; i < admitted.length; i++) {
        assert.ok(admitted[i]! - admitted[i - limit]! >= windowMs, `hits ${i - limit}..${i} fall within ${admitted[i]! - admitted[i - limit]!} ms`);
      }
      // Conservative by at most a bucket: under overload a key frees `limit` hits every window,
      // plus one bucket, plus the wait for the next arrival (at most half a window / limit here).
      const span = admitted[admitted.length - 1]! - admitted[0]!;
      const cycle = windowMs + Math.ceil(windowMs / 60) + (windowMs / limit) * 0.5;
      assert.ok(admitted.length >= (span / cycle) * limit - limit, `admitted ${admitted.length} over ${span} ms`);
    });
  }

  it('frees a full key within a window and one bucket of its oldest hit, and says so in resetMs', () => {
    let now = 1_733_460_000_123;
    const limiter = new MemoryRateLimiter(() => now);
    for (let i = 0; i < 3; i++) assert.equal(limiter.hitSync('k', 3, 60_000).allowed, true);
    const first = now;
    now += 30_000;
    const refused = limiter.hitSync('k', 3, 60_000);
    assert.equal(refused.allowed, false);
    now += refused.resetMs - 1;
    assert.equal(limiter.hitSync('k', 3, 60_000).allowed, false, 'still refused 1 ms before resetMs');
    now += 1;
    assert.equal(limiter.hitSync('k', 3, 60_000).allowed, true, 'free at resetMs');
    assert.ok(now - first >= 60_000 && now - first <= 61_000, `freed after ${now - first} ms`);
  });

  it('forgets keys untouched for two windows (memory stays bounded by recent keys)', () => {
    let now = 1_733_460_000_000;
    const limiter = new MemoryRateLimiter(() => now);
    assert.equal(limiter.hitSync('old', 1, 1_000).allowed, true);
    now += 2_500;
    limiter.hitSync('other', 1, 1_000);
    assert.equal(limiter.hitSync('old', 1, 1_000).allowed, true, 'a new count after the old one aged out');
  });
});
