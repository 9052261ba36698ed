/**
 * The RateLimiter port's contract, run against every adapter. `make(ns)` builds a fresh instance
 * in namespace `ns`; every test uses its own random namespace. Capabilities: `shared` — instances
 * made with the same namespace count against one limit (what keeps a per-IP limit across several
 * api processes); a per-process limiter does not have it.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { RateLimiter } from '../../src/ports/rate-limiter.js';
import { newNamespace } from './namespace.js';
import { eventually } from '../support/eventually.js';

export interface RateLimiterContractOptions {
  shared?: boolean;
  /** A skip message (from needServices) or false. */
  skip?: string | false;
}

export function runRateLimiterContract(name: string, make: (ns: string) => Promise<RateLimiter>, opts: RateLimiterContractOptions = {}): void {
  describe(`RateLimiter contract: ${name}`, { skip: opts.skip ?? false }, () => {
    const made: RateLimiter[] = [];
    const fresh = async (ns = newNamespace()) => {
      const l = await make(ns);
      made.push(l);
      return l;
    };
    afterEach(async () => {
      await Promise.all(made.splice(0).map((l) => l.close()));
    });

    it('allows `limit` hits in a window, counting remaining down, then refuses', async () => {
      const l = await fresh();
      for (let i = 1; i <= 3; i++) {
        const d = await l.hit('ip:1', 3, 60_000);
        assert.equal(d.allowed, true, `hit ${i}`);
        assert.equal(d.limit, 3);
        assert.equal(d.remaining, 3 - i);
        assert.ok(d.resetMs > 0 && d.resetMs <= 61_000, `resetMs ${d.resetMs}`);
      }
      const refused = await l.hit('ip:1', 3, 60_000);
      assert.equal(refused.allowed, false);
      assert.equal(refused.remaining, 0);
      assert.ok(refused.resetMs > 0 && refused.resetMs <= 61_000, `resetMs ${refused.resetMs}`);
    });

    it('claimOnce: the first claim of a key wins until its time is up; keys are apart', async () => {
      const l = await fresh();
      assert.equal(await l.claimOnce('nonce-a', 300), true);
      assert.equal(await l.claimOnce('nonce-a', 300), false);
      assert.equal(await l.claimOnce('nonce-b', 300), true);
      await new Promise((r) => setTimeout(r, 350));
      assert.equal(await l.claimOnce('nonce-a', 300), true, 'free again once its time is up');
    });

    if (opts.shared) {
      it('claimOnce is shared: a key claimed through one instance is held for the others', async () => {
        const ns = newNamespace();
        const [a, b] = [await fresh(ns), await fresh(ns)];
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).claimOnce('shared-nonce', 60_000)));
        assert.equal(results.filter(Boolean).length, 1);
      });
    }

    it('counts keys apart', async () => {
      const l = await fresh();
      assert.equal((await l.hit('voter:a', 1, 60_000)).allowed, true);
      assert.equal((await l.hit('voter:a', 1, 60_000)).allowed, false);
      assert.equal((await l.hit('voter:b', 1, 60_000)).allowed, true);
    });

    it('starts a new window once the old one has ended', async () => {
      const l = await fresh();
      assert.equal((await l.hit('k', 1, 150)).allowed, true);
      assert.equal((await l.hit('k', 1, 150)).allowed, false);
      await eventually(async () => (await l.hit('k', 1, 150)).allowed, 'a hit is allowed in a later window', 3_000, 50);
    });

    it('never allows more than the limit under concurrent hits', async () => {
      const l = await fresh();
      const decisions = await Promise.all(Array.from({ length: 60 }, () => l.hit('burst', 25, 60_000)));
      assert.equal(decisions.filter((d) => d.allowed).length, 25);
    });

    it('slides: after `limit` hits the key stays refused for a whole window from the first, never until a clock edge', async () => {
      // A fixed, clock-aligned window would free the key at the next edge, anywhere inside the
      // window (CI once saw 69 accepted of a limit of 40 across an edge); a sliding window frees
      // it only once the first hits are a whole window old.
      const l = await fresh();
      const windowMs = 1_500;
      const sentAt = Date.now();
      for (let i = 0; i < 3; i++) assert.equal((await l.hit('slide', 3, windowMs)).allowed, true);
      let freedAt = 0;
      for (;;) {
        const d = await l.hit('slide', 3, windowMs);
        if (d.allowed) {
          freedAt = Date.now();
          break;
        }
        assert.ok(d.resetMs > 0 && d.resetMs <= windowMs + 100, `resetMs ${d.resetMs}`);
        assert.ok(Date.now() - sentAt < windowMs + 2_000, 'freed again within the window and two buckets');
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(freedAt - sentAt >= windowMs, `freed ${freedAt - sentAt} ms after the first hit, before a whole window of ${windowMs} ms`);
    });

    it('admits a request\'s checks all together or not at all; a look (cost 0) counts nothing', async () => {
      const l = await fresh();
      assert.equal((await l.admit([{ key: 'x', limit: 1, windowMs: 60_000 }])).allowed, true);
      const refused = await l.admit([
        { key: 'y', limit: 2, windowMs: 60_000 },
        { key: 'x', limit: 1, windowMs: 60_000 },
      ]);
      assert.equal(refused.allowed, false);
      assert.deepEqual(
        refused.checks.map((d) => d.allowed),
        [true, false],
      );
      // y was not counted for the refused request: two more hits fit.
      assert.equal((await l.hit('y', 2, 60_000)).allowed, true);
      const second = await l.hit('y', 2, 60_000);
      assert.equal(second.allowed, true);
      assert.equal(second.remaining, 0);
      const look = await l.admit([{ key: 'z', limit: 1, windowMs: 60_000, cost: 0 }]);
      assert.equal(look.allowed, true);
      assert.equal(look.checks[0]!.remaining, 1, 'a look leaves the count alone');
      assert.equal((await l.hit('z', 1, 60_000)).allowed, true);
      assert.equal((await l.admit([{ key: 'z', limit: 1, windowMs: 60_000, cost: 0 }])).allowed, false, 'a look at a full key is refused');
    });

    it('never admits more than the limit under concurrent multi-check admissions', async () => {
      const l = await fresh();
      const results = await Promise.all(
        Array.from({ length: 90 }, (_, i) =>
          l.admit([
            { key: 'ip:many', limit: 50, windowMs: 60_000 },
            { key: `voter:${i % 30}`, limit: 2, windowMs: 60_000 },
          ]),
        ),
      );
      const admitted = results.filter((r) => r.allowed).length;
      // 30 voters × 2 = 60 possible per voter, capped by the per-IP 50.
      assert.equal(admitted, 50);
    });

    it('close is idempotent', async () => {
      const l = await make(newNamespace());
      await l.hit('k', 1, 1_000);
      await l.close();
      await l.close();
    });

    if (opts.shared) {
      it('two instances on one namespace share one limit (accepted = limit, not 2 × limit)', async () => {
        const ns = newNamespace();
        const [a, b] = await Promise.all([fresh(ns), fresh(ns)]);
        const limit = 20;
        const decisions = await Promise.all(Array.from({ length: 80 }, (_, i) => (i % 2 ? a : b).hit('ip:shared', limit, 60_000)));
        assert.equal(decisions.filter((d) => d.allowed).length, limit);
        const other = await fresh();
        assert.equal((await other.hit('ip:shared', limit, 60_000)).allowed, true, 'another namespace has its own counter');
      });
    }
  });
}
