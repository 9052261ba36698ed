/** The polling loops' idle wait: a wake cuts a wait short; after stop no wait happens at all. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdleWait } from '../../src/core/idle-wait.js';

describe('IdleWait', () => {
  it('a wake ends the current wait early', async () => {
    const w = new IdleWait();
    const t0 = Date.now();
    const p = w.sleep(10_000);
    setTimeout(() => w.wake(), 20);
    await p;
    assert.ok(Date.now() - t0 < 5_000);
  });

  it('after stop, sleep returns at once (a stop during a round never leaves the loop asleep)', async () => {
    const w = new IdleWait();
    w.stop();
    assert.equal(w.stopped, true);
    const t0 = Date.now();
    await w.sleep(10_000);
    assert.ok(Date.now() - t0 < 1_000);
    w.resume();
    assert.equal(w.stopped, false);
  });
});
