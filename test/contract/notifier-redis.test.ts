import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RedisLink } from '../../src/adapters/redis/redis-link.js';
import { RedisNotifier } from '../../src/adapters/redis/redis-notifier.js';
import { needServices, SERVICES } from '../support/services.js';
import { eventually } from '../support/eventually.js';
import { newNamespace } from './namespace.js';
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

describe('RedisNotifier specifics', { skip: await needServices('redis') }, () => {
  it('still publishes while the link skips Redis after a slow command (the breaker is for reads, not notices)', async () => {
    const ns = newNamespace();
    const links = [new RedisLink(SERVICES.redis.url), new RedisLink(SERVICES.redis.url)];
    const [sender, receiver] = links.map((l) => new RedisNotifier(l, `pollcast-test:${ns}`));
    try {
      await Promise.all([...links.map((l) => l.ready(2_000)), sender!.ready(2_000), receiver!.ready(2_000)]);
      const heard: string[] = [];
      receiver!.subscribe((n) => heard.push(n.type === 'event' ? n.eventId : n.pollId));
      // What a command timeout does on a loaded machine: the cache and limiter skip Redis for a while.
      links[0]!.failed(new Error('Command timed out'));
      assert.equal(links[0]!.usable(), false);
      sender!.publish({ type: 'results', pollId: 'p1', version: 1, committedAt: Date.now() });
      await eventually(() => heard.includes('p1'), 'the other process hears the notice');
    } finally {
      await Promise.all([sender!.close(), receiver!.close()]);
    }
  });
});
