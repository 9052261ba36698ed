/**
 * Redis cache: JSON values with millisecond expiry (SET … PX), every key under `${prefix}:cache:`.
 * Never throws to its caller: an error, a timeout or an outage is a miss for `get` and a no-op
 * for `set`/`del` (the cache is never the source of truth), and costs at most one short command
 * timeout before the link's breaker skips Redis.
 */
import type { Cache } from '../../ports/cache.js';
import type { RedisLink } from './redis-link.js';

export class RedisCache implements Cache {
  readonly kind = 'redis';
  readonly #keyPrefix: string;
  #closed = false;

  constructor(
    private readonly link: RedisLink,
    prefix: string,
  ) {
    this.#keyPrefix = `${prefix}:cache:`;
    link.retain();
  }

  async get<T>(key: string): Promise<T | undefined> {
    if (this.#closed || !this.link.usable()) return undefined;
    let raw: string | null;
    try {
      raw = await this.link.redis.get(this.#keyPrefix + key);
    } catch (err) {
      this.link.failed(err);
      return undefined;
    }
    if (raw === null) return undefined;
    try {
      return JSON.parse(raw) as T;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    const json = JSON.stringify(value);
    if (json === undefined || this.#closed || !this.link.usable()) return;
    try {
      await this.link.redis.set(this.#keyPrefix + key, json, 'PX', Math.max(1, Math.ceil(ttlMs)));
    } catch (err) {
      this.link.failed(err);
    }
  }

  async del(key: string): Promise<void> {
    if (this.#closed || !this.link.usable()) return;
    try {
      await this.link.redis.del(this.#keyPrefix + key);
    } catch (err) {
      this.link.failed(err);
    }
  }

  async ping(): Promise<void> {
    if (this.#closed) throw new Error('cache is closed');
    if (this.link.redis.status !== 'ready') throw new Error(`redis is ${this.link.redis.status}`);
    try {
      await this.link.redis.ping();
    } catch (err) {
      this.link.failed(err);
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.link.release();
  }
}
