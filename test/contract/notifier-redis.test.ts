import { RedisLink } from '../../src/adapters/redis/redis-link.js';
import { RedisNotifier } from '../../src/adapters/redis/redis-notifier.js';
import { needServices, SERVICES } from '../support/services.js';
import { runNotifierContract } from './notifier-contract.js';

runNotifierContract(
  'RedisNotifier',
  async (ns) => {
    const link = new RedisLink(SERVICES.redis.url);
    const notifier = new RedisNotifier(link, `pollcast-test:${ns}`);
    await Promise.all([link.ready(2_000), notifier.ready(2_000)]);
    return notifier;
  },
  { shared: true, skip: await needServices('redis') },
);
