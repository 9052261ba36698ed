/**
 * Redis outage: the Redis adapters (createRedisPorts) talk to the real Redis through a TCP fault
 * proxy, which is cut and restored. While cut: a cache read is a miss within a generous bound,
 * set/del do not throw, the rate limiter still limits (per process), publish does not throw and
 * the process still hears its own notices. After restore: the cache hits again, the limiter's
 * counters are in Redis again, notices flow both ways with a peer connected to Redis directly.
 * Two ways to cut: 'reset' (server gone) and 'hang' (partition: sockets open, no byte passes;
 * held until the heartbeat has dropped both hung connections).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createRedisPorts } from '../../src/adapters/redis/create-redis-ports.js';
import { RedisLink } from '../../src/adapters/redis/redis-link.js';
import { RedisNotifier } from '../../src/adapters/redis/redis-notifier.js';
import type { Notice } from '../../src/ports/notifier.js';
import { newNamespace } from '../contract/namespace.js';
import { eventually } from '../support/eventually.js';
import { FaultProxy, type CutMode } from '../support/fault-proxy.js';
import { needServices, SERVICES } from '../support/services.js';

const skip = await needServices('redis');

/** How long one call may take while Redis is cut. Generous: a missing timeout would be seconds or forever. */
const FAST_MS = 1_000;

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

describe('Redis outage through a fault proxy', { skip }, () => {
  for (const mode of ['reset', 'hang'] as CutMode[]) {
    test(`${mode}: cache misses fast, limits hold per process, publish never throws; all recover`, async (t) => {
      const proxy = await FaultProxy.start({ host: SERVICES.redis.host, port: SERVICES.redis.port });
      const prefix = `pollcast-test:${newNamespace()}`;
      const reported: string[] = [];
      const ports = await createRedisPorts(proxy.url(SERVICES.redis.url), prefix, {
        heartbeatMs: 200,
        heartbeatTimeoutMs: 150,
        onError: (err) => reported.push(err.message),
      });
      const direct = new Redis(SERVICES.redis.url);
      const peerLink = new RedisLink(SERVICES.redis.url);
      const peer = new RedisNotifier(peerLink, prefix);
      t.after(async () => {
        await Promise.all([ports.cache.close(), ports.limiter.close(), ports.notifier.close(), peer.close()]);
        direct.disconnect();
        await proxy.close();
      });
      await Promise.all([peerLink.ready(2_000), peer.ready(2_000)]);
      const heardHere: Notice[] = [];
      const heardByPeer: Notice[] = [];
      ports.notifier.subscribe((n) => heardHere.push(n));
      peer.subscribe((n) => heardByPeer.push(n));
      const heard = (inbox: Notice[], pollId: string) => inbox.some((n) => 'pollId' in n && n.pollId === pollId);

      // Healthy: everything goes through the proxy to Redis.
      await ports.cache.set('poll:p1', { id: 'p1' }, 60_000);
      assert.deepEqual(await ports.cache.get('poll:p1'), { id: 'p1' });
      await ports.limiter.hit('ip:before', 5, 60_000);
      // A sliding-window count: one hash field per bucket.
      assert.deepEqual(Object.values(await direct.hgetall(`${prefix}:rate:ip:before`)), ['1']);
      await eventually(() => (ports.notifier.publish({ type: 'poll', pollId: 'up' }), heard(heardByPeer, 'up')), 'peer hears us before the cut');

      proxy.cut(mode);

      const miss = await timed(() => ports.cache.get('poll:p1'));
      assert.equal(miss.value, undefined, 'a cut Redis is a cache miss');
      assert.ok(miss.ms < FAST_MS, `first cache get took ${miss.ms.toFixed(0)} ms`);
      const again = await timed(() => ports.cache.get('poll:p1'));
      assert.equal(again.value, undefined);
      assert.ok(again.ms < FAST_MS, `second cache get took ${again.ms.toFixed(0)} ms`);
      await ports.cache.set('poll:p2', { id: 'p2' }, 60_000);
      await ports.cache.del('poll:p1');

      const hits = await timed(() => Promise.all(Array.from({ length: 12 }, () => ports.limiter.hit('ip:during', 5, 60_000))));
      assert.equal(hits.value.filter((d) => d.allowed).length, 5, 'the per-process fallback still limits');
      assert.ok(hits.ms < FAST_MS, `12 hits took ${hits.ms.toFixed(0)} ms`);

      ports.notifier.publish({ type: 'poll', pollId: 'during' });
      await eventually(() => heard(heardHere, 'during'), 'this process hears its own notice while Redis is cut');
      t.diagnostic(`${mode}: first get ${miss.ms.toFixed(1)} ms, second ${again.ms.toFixed(1)} ms, 12 limiter hits ${hits.ms.toFixed(1)} ms`);

      if (mode === 'hang') {
        // Sockets that lead nowhere look open: only the heartbeat can tell, and must reconnect both.
        const gaveUp = (name: string) => reported.some((m) => m.includes(`${name} connection: heartbeat unanswered`));
        await eventually(() => gaveUp('commands') && gaveUp('subscriber'), 'the heartbeat drops both hung connections');
      }

      proxy.restore();

      await eventually(async () => {
        await ports.cache.set('poll:p3', { id: 'p3' }, 60_000);
        return (await direct.get(`${prefix}:cache:poll:p3`)) !== null && (await ports.cache.get('poll:p3')) !== undefined;
      }, 'the cache writes to and hits Redis again');
      await eventually(async () => {
        await ports.limiter.hit('ip:after', 5, 60_000);
        return (await direct.exists(`${prefix}:rate:ip:after`)) === 1;
      }, 'the limiter counts in Redis again');
      await eventually(() => (ports.notifier.publish({ type: 'poll', pollId: 'out' }), heard(heardByPeer, 'out')), 'peer hears us after restore');
      await eventually(() => (peer.publish({ type: 'poll', pollId: 'in' }), heard(heardHere, 'in')), 'we hear the peer after restore');
    });
  }
});
