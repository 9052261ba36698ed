/**
 * The delivery mechanism's rules without a network: the retry schedule (exponential, jittered,
 * about a day by default), where an attempt leaves a delivery, the fan-out's idempotence (an event
 * handled twice, or by a restarted worker, adds no delivery; each milestone once), and signing with
 * every active secret during a rotation. Real SQLite delivery store; our own ports faked strictly.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SqliteDeliveryStore } from '../../src/adapters/embedded/sqlite-delivery-store.js';
import { DeliveryFanout } from '../../src/core/delivery/delivery-fanout.js';
import { DeliveryWorker } from '../../src/core/delivery/delivery-worker.js';
import { WebhookChannel } from '../../src/core/delivery/webhook-channel.js';
import {
  DEFAULT_RETRY,
  nextState,
  nominalDelayMs,
  retryDelayMs,
  type Delivery,
  type RetryPolicy,
} from '../../src/domain/delivery.js';
import type { Poll } from '../../src/domain/poll.js';
import { milestonesCrossed } from '../../src/domain/webhook-events.js';
import { newWebhookSecret, verifySignature } from '../../src/domain/webhook-signature.js';
import type { WebhookEndpoint } from '../../src/ports/account-store.js';
import type { OutboxEvent } from '../../src/ports/store.js';

describe('retry schedule', () => {
  it('doubles from the base to the cap, ±15 % jitter; the default adds up to about a day', () => {
    const p: RetryPolicy = { baseMs: 1_000, maxDelayMs: 10_000, maxAttempts: 6 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => nominalDelayMs(p, n)),
      [1_000, 2_000, 4_000, 8_000, 10_000, 10_000],
    );
    assert.equal(
      retryDelayMs(p, 2, () => 0),
      1_700,
    );
    assert.equal(
      retryDelayMs(p, 2, () => 1),
      2_300,
    );
    let total = 0;
    for (let n = 1; n < DEFAULT_RETRY.maxAttempts; n++) total += nominalDelayMs(DEFAULT_RETRY, n);
    const hours = total / 3_600_000;
    assert.ok(hours > 20 && hours < 28, `the default schedule spans ${hours.toFixed(1)} h`);
  });

  it('delivered on 2xx; dead on a permanent failure or at the bound; else pending at the backoff', () => {
    const p: RetryPolicy = { baseMs: 1_000, maxDelayMs: 10_000, maxAttempts: 3 };
    assert.deepEqual(nextState({ ok: true, status: 200, durationMs: 1 }, 1, 0, p), { status: 'delivered' });
    assert.deepEqual(nextState({ ok: false, status: null, durationMs: 1, permanent: true }, 1, 0, p), {
      status: 'dead',
    });
    assert.deepEqual(nextState({ ok: false, status: 500, durationMs: 1 }, 3, 0, p), { status: 'dead' });
    assert.deepEqual(
      nextState({ ok: false, status: 500, durationMs: 1 }, 2, 100, p, () => 0.5),
      { status: 'pending', nextAttemptAt: 100 + 2_000 },
    );
  });

  it('milestones: 100, 1,000, 10,000 … crossed in a range', () => {
    assert.deepEqual(milestonesCrossed(99, 100), [100]);
    assert.deepEqual(milestonesCrossed(100, 999), []);
    assert.deepEqual(milestonesCrossed(0, 12_345), [100, 1_000, 10_000]);
  });
});

describe('delivery worker, fan-out and signing on a real SQLite delivery store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pollcast-delivery-unit-'));
  const store = new SqliteDeliveryStore({ dataDir: dir, sync: 'normal' });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const secretOld = newWebhookSecret();
  const secretNew = newWebhookSecret();
  const endpoint: WebhookEndpoint = {
    id: 'wh_a',
    workspaceId: 'w_1',
    url: 'https://hooks.example.test/x',
    events: ['poll.closed', 'results.final', 'votes.milestone'],
    secrets: [
      { secret: secretNew, expiresAt: null },
      { secret: secretOld, expiresAt: Date.now() + 60_000 },
    ],
    createdBy: 'u',
    createdAt: 0,
  };
  const poll = {
    id: 'p_1',
    question: 'Q?',
    kind: 'single',
    options: [{ id: 'o1', text: 'A' }],
    workspaceId: 'w_1',
  } as unknown as Poll;
  let total = 150;
  const fanout = () =>
    new DeliveryFanout(
      {
        getPoll: async () => poll,
        getResults: async () => ({
          pollId: 'p_1',
          version: 1,
          status: 'closed',
          total,
          options: [{ id: 'o1', votes: total }],
          updatedAt: '',
        }),
      },
      { listWebhooks: async () => [endpoint], listMembers: async () => [] },
      store,
      { closeSummaries: false },
    );
  const closed: OutboxEvent = {
    eventId: 'ev1',
    type: 'poll.status',
    pollId: 'p_1',
    at: 1,
    payload: { status: 'closed', version: 3 },
  };
  const recorded = (id: string): OutboxEvent => ({
    eventId: id,
    type: 'votes.recorded',
    pollId: 'p_1',
    at: 1,
    payload: { votes: 1, ballots: 1, minute: '', version: 2 },
  });
  const rows = () => store.list({ channel: 'webhook', target: 'wh_a' }, { limit: 100 });

  it('an event handled twice, or by a restarted worker, adds no delivery; each milestone once', async () => {
    await store.migrate();
    const f = fanout();
    await f.handle(recorded('r1'));
    await f.handle(recorded('r2'));
    await f.handle(closed);
    await f.handle(closed);
    await fanout().handle(closed);
    await fanout().handle(recorded('r3'));
    const types = (await rows()).map((d) => d.eventType).sort();
    assert.deepEqual(types, ['poll.closed', 'results.final', 'votes.milestone']);
    total = 1_200;
    await f.handle(recorded('r4'));
    await fanout().handle(recorded('r5'));
    const milestones = (await rows())
      .filter((d) => d.eventType === 'votes.milestone')
      .map((d) => (JSON.parse(d.payload) as { data: { milestone: number } }).data.milestone);
    assert.deepEqual(
      milestones.sort((a, b) => a - b),
      [100, 1_000],
    );
  });

  it('the worker signs with every active secret (rotation), with the eventId as webhook-id, and retries on failure', async () => {
    const sent: Array<{ headers: Record<string, string>; body: string }> = [];
    let fail = 1;
    const sender = {
      async send(_url: string, headers: Record<string, string>, body: string) {
        sent.push({ headers, body });
        return fail-- > 0
          ? { ok: false, status: 500, error: 'status', responseBytes: 0, durationMs: 1 }
          : { ok: true, status: 204, responseBytes: 0, durationMs: 1 };
      },
    };
    let now = Date.now();
    const clock = { now: () => now };
    const worker = new DeliveryWorker(
      store,
      { webhook: new WebhookChannel({ getWebhook: async () => endpoint }, sender, clock) },
      { deliveryAttempted() {} },
      (e) => assert.fail(String(e)),
      { policy: { baseMs: 1_000, maxDelayMs: 1_000, maxAttempts: 3 } },
      clock,
      () => 0.5,
    );
    const closedDelivery = (await rows()).find((d) => d.eventType === 'poll.closed') as Delivery;
    assert.equal(await worker.runOnce(), 4, 'four due deliveries tried (closed, final, two milestones)');
    const first = sent.find((s) => s.headers['webhook-id'] === closedDelivery.eventId)!;
    assert.ok(first);
    const nowS = Math.floor(now / 1000);
    assert.ok(
      verifySignature(secretOld, first.headers, first.body, nowS),
      'the old secret verifies during the overlap',
    );
    assert.ok(verifySignature(secretNew, first.headers, first.body, nowS), 'the new one too');
    assert.equal(first.headers['webhook-signature']!.split(' ').length, 2);
    assert.equal(await worker.runOnce(), 0, 'the failed one waits for its backoff');
    now += 1_000;
    assert.equal(await worker.runOnce(), 1, 'then it is tried again');
    const ids = sent.map((s) => s.headers['webhook-id']);
    assert.deepEqual([ids.length, new Set(ids).size], [5, 4], 'the retry kept its webhook-id');
    assert.ok((await rows()).every((d) => d.status === 'delivered'));
  });
});
