import type { Cache } from '../../ports/cache.js';
import type { Notifier } from '../../ports/notifier.js';
import type { RateLimiter } from '../../ports/rate-limiter.js';

export async function createRedisPorts(_url: string, _prefix: string): Promise<{ cache: Cache; limiter: RateLimiter; notifier: Notifier }> {
  throw new Error('REDIS_URL: the Redis adapters are not built yet');
}
