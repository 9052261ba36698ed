/**
 * The delivery store contract, run against every adapter on a real engine: one delivery per
 * (channel, target, eventId) however often it is enqueued; a claim hands a due delivery to one
 * caller (a second claim while the lease holds gets nothing; after it ends, the delivery is
 * claimable again); a record needs the lease; attempts are logged in order; replay makes dead (or
 * delivered) deliveries due again with a fresh round, the same id and eventId; backlog and prune.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { NewDelivery } from '../../src/domain/delivery.js';
import type { DeliveryStore } from '../../src/ports/delivery-store.js';

let seq = 0;
export function newDelivery(over: Partial<NewDelivery> = {}): NewDelivery {
  seq++;
  return {
    id: `dl_t${process.pid}_${seq}`,
    channel: 'webhook',
    target: 'wh_1',
    eventId: `msg_${seq}`,
    eventType: 'poll.closed',
    workspaceId: 'w_x',
    payload: '{"n":1}',
    createdAt: 1_000_000 + seq,
    ...over,
  };
}

export function runDeliveryStoreContract(
  name: string,
  open: () => Promise<{ store: DeliveryStore; cleanup: () => Promise<void> }>,
  opts: { skip?: string | false } = {},
): void {
  describe(`delivery store contract: ${name}`, { skip: opts.skip || false }, () => {
    let store: DeliveryStore;
    let cleanup: () => Promise<void> = async () => {};
    const ready = (async () => {
      if (opts.skip) return;
      ({ store, cleanup } = await open());
    })();
    after(async () => {
      await ready;
      await store?.close();
      await cleanup();
    });

    it('enqueue is idempotent per (channel, target, eventId)', async () => {
      await ready;
      const target = 'wh_idem_' + seq;
      const d = newDelivery({ target, eventId: 'msg_same' });
      assert.equal(await store.enqueue([d]), 1);
      assert.equal(
        await store.enqueue([{ ...d, id: d.id + 'b' }]),
        0,
        'a second enqueue of the same event adds nothing',
      );
      assert.equal(
        await store.enqueue([
          { ...d, id: d.id + 'c', channel: 'email' },
          { ...d, id: d.id + 'd', target: target + 'x' },
        ]),
        2,
        'another channel or target is another delivery',
      );
      const listed = await store.list({ channel: 'webhook', target }, { limit: 10 });
      assert.equal(listed.length, 1);
      assert.deepEqual([listed[0]!.id, listed[0]!.status, listed[0]!.attempts], [d.id, 'pending', 0]);
    });

    it('claim leases: one holder at a time, claimable again when the lease ends; record needs the lease', async () => {
      await ready;
      const target = 'wh_claim_' + seq;
      const d = newDelivery({ target, createdAt: 5_000 });
      await store.enqueue([d]);
      const now = 10_000_000_000;
      const mine = (await store.claim(now, 1_000, 60_000, 'A', ['webhook'])).filter((x) => x.id === d.id);
      assert.equal(mine.length, 1);
      assert.equal(
        (await store.claim(now + 1, 1_000, 60_000, 'B', ['webhook'])).filter((x) => x.id === d.id).length,
        0,
        'held by A',
      );
      assert.equal(
        (await store.claim(now + 1, 1_000, 60_000, 'C', ['email'])).filter((x) => x.id === d.id).length,
        0,
        'another channel',
      );
      const later = (await store.claim(now + 60_001, 1_000, 60_000, 'B', ['webhook'])).filter((x) => x.id === d.id);
      assert.equal(later.length, 1, 'A died: B gets it after the lease');
      assert.equal(
        await store.record(
          d.id,
          'A',
          { at: now + 60_002, ok: true, status: 200, error: null, durationMs: 5 },
          { status: 'delivered' },
        ),
        false,
        "A's lease is gone",
      );
      assert.equal(
        await store.record(
          d.id,
          'B',
          { at: now + 60_003, ok: false, status: 500, error: 'status 500', durationMs: 7 },
          { status: 'pending', nextAttemptAt: now + 70_000 },
        ),
        true,
      );
      let got = (await store.get(d.id))!;
      assert.deepEqual(
        [got.status, got.attempts, got.roundAttempts, got.lastStatus, got.lastError, got.nextAttemptAt],
        ['pending', 1, 1, 500, 'status 500', now + 70_000],
      );
      assert.equal(
        (await store.claim(now + 69_999, 1_000, 60_000, 'B', ['webhook'])).filter((x) => x.id === d.id).length,
        0,
        'not due before its retry time',
      );
      assert.equal(
        (await store.claim(now + 70_000, 1_000, 60_000, 'B', ['webhook'])).filter((x) => x.id === d.id).length,
        1,
      );
      assert.equal(
        await store.record(
          d.id,
          'B',
          { at: now + 70_001, ok: true, status: 204, error: null, durationMs: 3 },
          { status: 'delivered' },
        ),
        true,
      );
      got = (await store.get(d.id))!;
      assert.deepEqual([got.status, got.attempts, got.deliveredAt], ['delivered', 2, now + 70_001]);
      assert.equal(
        await store.record(
          d.id,
          'B',
          { at: now + 70_002, ok: true, status: 204, error: null, durationMs: 3 },
          { status: 'delivered' },
        ),
        false,
        'a delivered one takes no more attempts',
      );
      assert.deepEqual(
        (await store.attempts(d.id)).map((a) => [a.attempt, a.ok, a.status]),
        [
          [1, false, 500],
          [2, true, 204],
        ],
      );
    });

    it('two claimers at once never get the same delivery', async () => {
      await ready;
      const target = 'wh_race_' + seq;
      const ds = Array.from({ length: 40 }, () => newDelivery({ target }));
      await store.enqueue(ds);
      const now = 20_000_000_000;
      const [a, b] = await Promise.all([
        store.claim(now, 25, 60_000, 'A', ['webhook']),
        store.claim(now, 25, 60_000, 'B', ['webhook']),
      ]);
      const ours = (l: typeof a) => l.filter((x) => x.target === target).map((x) => x.id);
      const both = [...ours(a), ...ours(b)];
      assert.equal(new Set(both).size, both.length, 'no delivery handed to both');
    });

    it('replay: dead (or delivered) deliveries in a range become due with a fresh round, same id and eventId', async () => {
      await ready;
      const target = 'wh_replay_' + seq;
      const [x, y, z] = [
        newDelivery({ target, createdAt: 100 }),
        newDelivery({ target, createdAt: 200 }),
        newDelivery({ target, createdAt: 300 }),
      ];
      await store.enqueue([x!, y!, z!]);
      const now = 30_000_000_000;
      for (const d of await store.claim(now, 1_000, 60_000, 'R', ['webhook'])) {
        if (d.target !== target) continue;
        await store.record(
          d.id,
          'R',
          { at: now, ok: d.id === z!.id, status: d.id === z!.id ? 200 : 503, error: null, durationMs: 1 },
          d.id === z!.id ? { status: 'delivered' } : { status: 'dead' },
        );
      }
      const b = await store.backlog(now);
      assert.ok(b.dead >= 2);
      assert.equal(
        await store.replay({ channel: 'webhook', target, from: 150, to: 400, onlyFailed: true }, now + 1, 100),
        1,
        'only y: dead and in range',
      );
      assert.equal(
        await store.replay({ channel: 'webhook', target, ids: [z!.id], onlyFailed: false }, now + 1, 1),
        1,
        'z: delivered, replayed by id',
      );
      assert.equal(
        await store.replay({ channel: 'webhook', target, ids: [z!.id], onlyFailed: false }, now + 1, 1),
        0,
        'pending now: left as it is',
      );
      const again = (await store.claim(now + 1, 1_000, 60_000, 'S', ['webhook'])).filter((d) => d.target === target);
      assert.deepEqual(again.map((d) => d.id).sort(), [y!.id, z!.id].sort());
      for (const d of again) {
        assert.equal(d.roundAttempts, 0, 'a fresh round');
        assert.equal(d.attempts, 1, 'the history stays');
      }
      assert.equal((await store.get(y!.id))!.eventId, y!.eventId);
    });

    it('prune forgets finished deliveries last changed before the cut, and their attempts', async () => {
      await ready;
      const target = 'wh_prune_' + seq;
      const d = newDelivery({ target });
      await store.enqueue([d]);
      const now = 40_000_000_000;
      await store.claim(now, 1_000, 60_000, 'P', ['webhook']);
      await store.record(
        d.id,
        'P',
        { at: now, ok: true, status: 200, error: null, durationMs: 1 },
        { status: 'delivered' },
      );
      assert.ok((await store.prune(now + 1)) >= 1);
      assert.equal(await store.get(d.id), null);
      assert.deepEqual(await store.attempts(d.id), []);
    });
  });
}
