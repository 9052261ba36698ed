/**
 * The scheduler after a failed tick: it tries again soon, not an interval later (a store timeout
 * under load once left a due close waiting for a 60 s interval). The store is our own port, faked.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MemoryNotifier } from '../../src/adapters/embedded/memory-notifier.js';
import type { Store } from '../../src/ports/store.js';
import { Scheduler } from '../../src/worker/scheduler.js';

it('retries within a second after a tick failed, with a 60 s interval', async () => {
  const ticks: number[] = [];
  let fail = true;
  const store = {
    applyDueTransitions: async () => {
      ticks.push(Date.now());
      if (fail) {
        fail = false;
        throw new Error('statement timeout');
      }
      return [];
    },
    nextDueAt: async () => null,
    pruneIdempotency: async () => 0,
  } as unknown as Store;
  const errors: unknown[] = [];
  const scheduler = new Scheduler(store, new MemoryNotifier(), 60_000, (e) => errors.push(e));
  scheduler.start();
  const deadline = Date.now() + 5_000;
  while (ticks.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await scheduler.stop();
  assert.equal(errors.length, 1);
  assert.equal(ticks.length, 2, 'a second tick came soon after the failed one');
  assert.ok(ticks[1]! - ticks[0]! < 2_000, `retried after ${ticks[1]! - ticks[0]!} ms`);
});
