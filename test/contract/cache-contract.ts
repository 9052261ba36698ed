/**
 * The Cache port's contract, run against every adapter. `make(ns)` builds a fresh instance in
 * namespace `ns` (a key prefix); every test uses its own random namespace. Capabilities:
 * `shared` — instances made with the same namespace see each other's entries (a distributed
 * backend); an in-process cache does not have it.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Cache } from '../../src/ports/cache.js';
import { newNamespace } from './namespace.js';
import { eventually } from '../support/eventually.js';

export interface CacheContractOptions {
  shared?: boolean;
  /** A skip message (from needServices) or false. */
  skip?: string | false;
}

export function runCacheContract(name: string, make: (ns: string) => Promise<Cache>, opts: CacheContractOptions = {}): void {
  describe(`Cache contract: ${name}`, { skip: opts.skip ?? false }, () => {
    const made: Cache[] = [];
    const fresh = async (ns = newNamespace()) => {
      const c = await make(ns);
      made.push(c);
      return c;
    };
    afterEach(async () => {
      await Promise.all(made.splice(0).map((c) => c.close()));
    });

    it('misses a key that was never set', async () => {
      const c = await fresh();
      assert.equal(await c.get('nothing-here'), undefined);
    });

    it('returns JSON values as they were set; null is a value, not a miss', async () => {
      const c = await fresh();
      const values: Record<string, unknown> = {
        object: { id: 'p1', options: [{ id: 'a', label: 'Ä ✓ 日本' }], n: 3, nested: { ok: true } },
        array: [1, 'two', null, false],
        string: 'hello',
        number: 42.5,
        bool: false,
        nul: null,
      };
      for (const [k, v] of Object.entries(values)) await c.set(k, v, 60_000);
      for (const [k, v] of Object.entries(values)) assert.deepEqual(await c.get(k), v, k);
    });

    it('overwrites on set and forgets on del; del of an absent key is harmless', async () => {
      const c = await fresh();
      await c.set('k', { v: 1 }, 60_000);
      await c.set('k', { v: 2 }, 60_000);
      assert.deepEqual(await c.get('k'), { v: 2 });
      await c.del('k');
      assert.equal(await c.get('k'), undefined);
      await c.del('never-set');
    });

    it('keeps keys apart', async () => {
      const c = await fresh();
      await c.set('a', 'A', 60_000);
      await c.set('b', 'B', 60_000);
      await c.del('a');
      assert.equal(await c.get('a'), undefined);
      assert.equal(await c.get('b'), 'B');
    });

    it('forgets an entry once its ttl has passed, keeps one whose ttl has not', async () => {
      const c = await fresh();
      await c.set('short', 'x', 30);
      await c.set('long', 'y', 60_000);
      await eventually(async () => (await c.get('short')) === undefined, 'the 30 ms entry expires', 3_000);
      assert.equal(await c.get('long'), 'y');
    });

    it('close is idempotent, and calls after close do not throw', async () => {
      const c = await make(newNamespace());
      await c.close();
      await c.close();
      await c.get('k');
      await c.set('k', 1, 1_000);
      await c.del('k');
    });

    if (opts.shared) {
      it('instances on one namespace share entries; another namespace does not see them', async () => {
        const ns = newNamespace();
        const [a, b, other] = await Promise.all([fresh(ns), fresh(ns), fresh()]);
        await a.set('shared', { from: 'a' }, 60_000);
        assert.deepEqual(await b.get('shared'), { from: 'a' });
        assert.equal(await other.get('shared'), undefined);
        await b.del('shared');
        assert.equal(await a.get('shared'), undefined);
      });
    }
  });
}
