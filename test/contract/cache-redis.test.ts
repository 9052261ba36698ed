import { RedisCache } from '../../src/adapters/redis/redis-cache.js';
import { RedisLink } from '../../src/adapters/redis/redis-link.js';
import { needServices, SERVICES } from '../support/services.js';
import { runCacheContract } from './cache-contract.js';

runCacheContract(
  'RedisCache',
  async (ns) => {
    const link = new RedisLink(SERVICES.redis.url);
    const cache = new RedisCache(link, `pollcast-test:${ns}`);
    await link.ready(2_000);
    return cache;
  },
  { shared: true, skip: await needServices('redis') },
);
