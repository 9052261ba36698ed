/**
 * Builds the Redis cache, rate limiter and notifier on one shared command connection (plus the
 * notifier's subscriber connection). Redis is optional at start as at any other time: this waits
 * up to `startupWaitMs` for the connections, then returns either way; the adapters degrade to
 * misses / per-process limits / local-only notices until Redis answers. Each port's close() is
 * idempotent; the command connection quits when all three are closed.
 */
import type { Cache } from '../../ports/cache.js';
import type { Notifier } from '../../ports/notifier.js';
import type { RateLimiter } from '../../ports/rate-limiter.js';
import { RedisCache } from './redis-cache.js';
import { RedisLink, type RedisLinkOptions } from './redis-link.js';
import { RedisNotifier } from './redis-notifier.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

export interface RedisPortsOptions extends RedisLinkOptions {
  /** How long to wait for Redis at start before carrying on without it. */
  startupWaitMs?: number;
}

export async function createRedisPorts(
  url: string,
  prefix: string,
  opts: RedisPortsOptions = {},
): Promise<{ cache: Cache; limiter: RateLimiter; notifier: Notifier }> {
  const link = new RedisLink(url, opts);
  const cache = new RedisCache(link, prefix);
  const limiter = new RedisRateLimiter(link, prefix);
  const notifier = new RedisNotifier(link, prefix);
  const wait = opts.startupWaitMs ?? 2_000;
  await Promise.all([link.ready(wait), notifier.ready(wait)]);
  return { cache, limiter, notifier };
}
