/**
 * Cluster-wide fixed-window rate limiter: one Lua script per hit (INCR, PEXPIRE when the window
 * is new, PTTL) so every process sharing the Redis sees one counter per key and window, with no
 * race between them. While Redis is unreachable each process limits on its own with a
 * MemoryRateLimiter (never fails open); the next hit after Redis is usable again goes to Redis.
 * Keys live under `${prefix}:rate:` and expire with their window.
 */
import { createHash } from 'node:crypto';
import type { RateDecision, RateLimiter } from '../../ports/rate-limiter.js';
import { MemoryRateLimiter } from '../embedded/memory-rate-limiter.js';
import type { RedisLink } from './redis-link.js';

/** Returns {count, pttl}. A key left without expiry (should never happen) is given one. */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;
const HIT_SHA = createHash('sha1').update(HIT_SCRIPT).digest('hex');

export class RedisRateLimiter implements RateLimiter {
  readonly kind = 'redis';
  readonly #keyPrefix: string;
  readonly #fallback = new MemoryRateLimiter();
  #closed = false;

  constructor(
    private readonly link: RedisLink,
    prefix: string,
  ) {
    this.#keyPrefix = `${prefix}:rate:`;
    link.retain();
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    if (this.#closed || !this.link.usable()) return this.#fallback.hitSync(key, limit, windowMs);
    const window = Math.max(1, Math.ceil(windowMs));
    let reply: unknown;
    try {
      reply = await this.#eval(this.#keyPrefix + key, window);
    } catch (err) {
      this.link.failed(err);
      return this.#fallback.hitSync(key, limit, windowMs);
    }
    const [count, ttl] = reply as [number, number];
    return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetMs: ttl > 0 ? ttl : window };
  }

  /** SET NX PX: one key per claim, gone when it expires. Falls back to this process's memory while Redis is away. */
  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    if (this.#closed || !this.link.usable()) return this.#fallback.claimOnceSync(key, ttlMs);
    try {
      return (await this.link.redis.set(this.#keyPrefix + 'once:' + key, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK';
    } catch (err) {
      this.link.failed(err);
      return this.#fallback.claimOnceSync(key, ttlMs);
    }
  }

  /** EVALSHA, loading the script with EVAL the first time a server has not seen it. */
  async #eval(key: string, windowMs: number): Promise<unknown> {
    try {
      return await this.link.redis.evalsha(HIT_SHA, 1, key, windowMs);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
      return this.link.redis.eval(HIT_SCRIPT, 1, key, windowMs);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#fallback.close();
    await this.link.release();
  }
}
