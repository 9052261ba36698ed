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
