import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RedisLink } from '../../src/adapters/redis/redis-link.js';
import { RedisRateLimiter } from '../../src/adapters/redis/redis-rate-limiter.js';
import { needServices, SERVICES } from '../support/services.js';
import { runRateLimiterContract } from './rate-limiter-contract.js';

runRateLimiterContract(
  'RedisRateLimiter',
  async (ns) => {
    const link = new RedisLink(SERVICES.redis.url);
    const limiter = new RedisRateLimiter(link, `pollcast-test:${ns}`);
    await link.ready(2_000);
    return limiter;
  },
  { shared: true, skip: await needServices('redis') },
);

describe('RedisRateLimiter: the per-process fallback goes on from what this process admitted', async () => {
  const skip = await needServices('redis');
  it('4 of 5 admitted through Redis, then Redis skipped (a timed-out command trips the breaker): 1 more, then 429', { skip }, async () => {
    const link = new RedisLink(SERVICES.redis.url, { cooldownMs: 60_000 });
    const limiter = new RedisRateLimiter(link, `pollcast-test:fallback-${process.pid}-${Date.now()}`);
    try {
      assert.ok(await link.ready(2_000));
      for (let i = 0; i < 4; i++) assert.equal((await limiter.hit('login:someone', 5, 60_000)).allowed, true, `hit ${i + 1} through Redis`);
      // What a command past REDIS_COMMAND_TIMEOUT_MS does: the breaker skips Redis for a while.
      link.failed(new Error('Command timed out'));
      assert.equal(link.usable(), false);
      const during = await Promise.all(Array.from({ length: 4 }, () => limiter.hit('login:someone', 5, 60_000)));
      // Without the history the fallback started from zero and admitted 4 more (9 in the window).
      assert.deepEqual(during.map((d) => d.allowed), [true, false, false, false]);
    } finally {
      await limiter.close(); // releases the link it retained
    }
  });

  it('what the fallback admitted while Redis was skipped still counts when Redis is back: 3 through Redis, 2 in fallback, then 429 through Redis', { skip }, async () => {
    const link = new RedisLink(SERVICES.redis.url, { cooldownMs: 50 });
    const limiter = new RedisRateLimiter(link, `pollcast-test:back-${process.pid}-${Date.now()}`);
    try {
      assert.ok(await link.ready(2_000));
      for (let i = 0; i < 3; i++) assert.equal((await limiter.hit('key:k1', 5, 60_000)).allowed, true, `hit ${i + 1} through Redis`);
      link.failed(new Error('Command timed out'));
      assert.equal(link.usable(), false);
      for (let i = 0; i < 2; i++) assert.equal((await limiter.hit('key:k1', 5, 60_000)).allowed, true, `hit ${i + 4} in the fallback`);
      await new Promise((r) => setTimeout(r, 80));
      assert.equal(link.usable(), true, 'the breaker closed again');
      // Redis counted 3 of 5; this process admitted 5. Without the second look Redis admitted 2 more.
      const back = await limiter.hit('key:k1', 5, 60_000);
      assert.equal(back.allowed, false);
      assert.equal(back.remaining, 0);
    } finally {
      await limiter.close();
    }
  });
});
