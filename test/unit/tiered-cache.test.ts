import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryCache } from '../../src/adapters/embedded/memory-cache.js';
import { TieredLruCache } from '../../src/adapters/tiered-cache.js';

describe('TieredLruCache', () => {
  it('keeps a value in both tiers; forget drops only this process, invalidate both', async () => {
    const shared = new MemoryCache();
    const c = new TieredLruCache<{ n: number } | null>(shared, { namespace: 'poll:', maxEntries: 10 });
    c.set('a', { n: 1 }, 60_000, 60_000);
    assert.deepEqual(c.local('a'), { n: 1 });
    assert.deepEqual(await shared.get('poll:a'), { n: 1 });
    c.forget('a');
    assert.equal(c.local('a'), undefined);
    assert.deepEqual(await c.shared('a'), { n: 1 });
    c.set('a', { n: 2 }, 60_000, 60_000);
    await c.invalidate('a');
    assert.equal(c.local('a'), undefined);
    assert.equal(await c.shared('a'), undefined);
  });

  it('caches null (a known-missing poll) as a value, distinct from a miss', () => {
    const c = new TieredLruCache<{ n: number } | null>(null, { namespace: 'poll:', maxEntries: 10 });
    assert.equal(c.local('x'), undefined);
    c.setLocal('x', null, 60_000);
    assert.equal(c.local('x'), null);
  });

  it('past maxEntries drops the least recently used entry, not every entry', () => {
    const c = new TieredLruCache<number>(null, { namespace: 'n:', maxEntries: 3 });
    for (const k of ['a', 'b', 'c']) c.setLocal(k, 1, 60_000);
    c.local('a');
    c.setLocal('d', 1, 60_000);
    assert.deepEqual(['a', 'b', 'c', 'd'].map((k) => c.local(k) !== undefined), [true, false, true, true]);
  });

  it('an expired entry is no hit, but can still be read as stale until replaced', async () => {
    const c = new TieredLruCache<number>(null, { namespace: 'n:', maxEntries: 3 });
    c.setLocal('a', 7, 1);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(c.local('a'), undefined);
    assert.equal(c.local('a', { stale: true }), 7);
  });

  it('without a shared tier, shared reads miss and writes stay local', async () => {
    const c = new TieredLruCache<number>(null, { namespace: 'n:', maxEntries: 3 });
    c.set('a', 1, 60_000, 60_000);
    assert.equal(await c.shared('a'), undefined);
    assert.equal(c.local('a'), 1);
  });
});
