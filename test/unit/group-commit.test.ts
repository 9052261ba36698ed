/**
 * GroupCommitter when the database is unreachable: a batch failing with a "try later" error fails
 * the items queued behind it at once (they were never sent), instead of sending each of them into
 * another attempt that waits out its own timeout.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommitter } from '../../src/core/group-commit.js';
import { PollcastError } from '../../src/errors.js';

const unavailable = () => new PollcastError('store_unavailable', undefined, undefined, 2);
const isUnavailable = (err: unknown) => err instanceof PollcastError && err.code === 'store_unavailable';

describe('GroupCommitter: failing what waits behind an unreachable store', () => {
  it('a batch failing with store_unavailable fails every queued item with it; none of them is sent', async () => {
    const sent: number[][] = [];
    let fail: (() => void) | null = null;
    const committer = new GroupCommitter<number, number>(
      { maxBatch: 2, maxWaitMs: 0, maxInFlight: 1, maxQueue: 100 },
      (items) => {
        sent.push(items);
        // The first batch hangs until the test fails it; any later one fails at once.
        if (fail) return Promise.reject(unavailable());
        return new Promise<number[]>((_, reject) => (fail = () => reject(unavailable())));
      },
      () => {},
      isUnavailable,
    );
    const answers = [1, 2, 3, 4, 5].map((n) => committer.submit(n).then(() => 'ok', (e: unknown) => (isUnavailable(e) ? '503' : String(e))));
    while (!fail) await new Promise((r) => setImmediate(r));
    assert.deepEqual(sent, [[1, 2]], 'one batch in flight, the rest queued');
    (fail as () => void)();
    assert.deepEqual(await Promise.all(answers), ['503', '503', '503', '503', '503']);
    assert.deepEqual(sent, [[1, 2]], 'the queued items were never sent');
    await committer.drain();
  });

  it('other failures fail only their own batch; the queue goes on', async () => {
    const sent: number[][] = [];
    const committer = new GroupCommitter<number, number>(
      { maxBatch: 2, maxWaitMs: 0, maxInFlight: 1, maxQueue: 100 },
      async (items) => {
        sent.push(items);
        await new Promise((r) => setTimeout(r, 5));
        if (items.includes(1)) throw new Error('a bug in batch one');
        return items;
      },
      () => {},
      isUnavailable,
    );
    const answers = await Promise.all([1, 2, 3, 4].map((n) => committer.submit(n).then(String, () => 'failed')));
    assert.deepEqual(answers, ['failed', 'failed', '3', '4']);
    assert.deepEqual(sent, [[1, 2], [3, 4]]);
  });
});
