/**
 * The event bus contract every adapter passes (ports/event-bus.ts): at-least-once delivery of
 * every published event to every consumer group, redelivery after a handler fails, no delivery
 * after stop(), and events published before a group's consumer starts are kept for it.
 * Delivery is checked as "each eventId seen at least once", never by timing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { EventBus } from '../../src/ports/event-bus.js';
import type { OutboxEvent } from '../../src/ports/store.js';

export interface BusFixture {
  bus: EventBus;
  /**
   * A second connection to the same bus (same streams/queues), for adapters whose events outlive
   * the process that published them. Absent for in-process buses.
   */
  reconnect?: () => Promise<EventBus>;
  /** Closes the bus and removes whatever the fixture created on the server. */
  dispose(): Promise<void>;
}

export function makeEvents(n: number, pollId = 'p' + randomUUID().slice(0, 8)): OutboxEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    eventId: randomUUID(),
    type: 'votes.recorded' as const,
    pollId,
    at: Date.now(),
    payload: { votes: i + 1, ballots: 1, minute: new Date().toISOString().slice(0, 16), version: i + 1 },
  }));
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Records which eventIds a handler saw and how often. */
function recorder() {
  const seen = new Map<string, number>();
  return {
    seen,
    handler: async (e: OutboxEvent) => {
      seen.set(e.eventId, (seen.get(e.eventId) ?? 0) + 1);
    },
    hasAll: (events: OutboxEvent[]) => events.every((e) => seen.has(e.eventId)),
  };
}

export function runEventBusContract(name: string, make: () => Promise<BusFixture>, opts: { skip?: string | false } = {}): void {
  describe(`event bus contract: ${name}`, { skip: opts.skip ?? false }, () => {
    const fixtures: BusFixture[] = [];
    const fresh = async () => {
      const f = await make();
      fixtures.push(f);
      return f;
    };
    after(async () => {
      for (const f of fixtures) await f.dispose();
    });

    it('delivers every published event at least once to a consumer group', async () => {
      const { bus } = await fresh();
      const r = recorder();
      const stop = await bus.consume('g', r.handler);
      const events = makeEvents(120);
      await bus.publish(events.slice(0, 60));
      await bus.publish(events.slice(60));
      await waitFor('all 120 events', () => r.hasAll(events));
      await stop();
      assert.equal(r.seen.size, 120);
    });

    it('passes each event through whole: id, type, poll, time and payload', async () => {
      const { bus } = await fresh();
      const got: OutboxEvent[] = [];
      const stop = await bus.consume('g', async (e) => {
        got.push(e);
      });
      const [event] = makeEvents(1);
      await bus.publish([event!]);
      await waitFor('the event', () => got.length > 0);
      await stop();
      assert.deepEqual(got[0], event);
    });

    it('gives every event to each of two groups', async () => {
      const { bus } = await fresh();
      const a = recorder();
      const b = recorder();
      const stopA = await bus.consume('group-a', a.handler);
      const stopB = await bus.consume('group-b', b.handler);
      const events = makeEvents(50);
      await bus.publish(events);
      await waitFor('group a to see all', () => a.hasAll(events));
      await waitFor('group b to see all', () => b.hasAll(events));
      await stopA();
      await stopB();
    });

    it('delivers an event again after its handler failed', async () => {
      const { bus } = await fresh();
      const events = makeEvents(5);
      const flaky = events[2]!.eventId;
      const attempts = new Map<string, number>();
      const done = new Set<string>();
      const stop = await bus.consume('g', async (e) => {
        const n = (attempts.get(e.eventId) ?? 0) + 1;
        attempts.set(e.eventId, n);
        if (e.eventId === flaky && n === 1) throw new Error('transient failure');
        done.add(e.eventId);
      });
      await bus.publish(events);
      await waitFor('every event handled, the flaky one included', () => events.every((e) => done.has(e.eventId)));
      await stop();
      assert.ok((attempts.get(flaky) ?? 0) >= 2, 'the failed event was delivered again');
    });

    it('stops delivering after stop(), and the group gets the rest when it consumes again', async () => {
      const { bus } = await fresh();
      const first = recorder();
      let afterStop = 0;
      let stopped = false;
      const stop = await bus.consume('g', async (e) => {
        if (stopped) afterStop++;
        await first.handler(e);
      });
      const before = makeEvents(10);
      await bus.publish(before);
      await waitFor('the first batch', () => first.hasAll(before));
      await stop();
      stopped = true;

      const later = makeEvents(10);
      await bus.publish(later);
      await sleep(300);
      assert.equal(afterStop, 0, 'no handler call after stop() resolved');

      const second = recorder();
      const stop2 = await bus.consume('g', second.handler);
      await waitFor('the events published while stopped', () => second.hasAll(later));
      await stop2();
      assert.equal(afterStop, 0);
    });

    it('keeps events published before a consumer exists and delivers them when it starts', async () => {
      const { bus } = await fresh();
      const events = makeEvents(30);
      await bus.publish(events);
      const r = recorder();
      const stop = await bus.consume('late', r.handler);
      await waitFor('the backlog', () => r.hasAll(events));
      await stop();
    });

    it('keeps events across connections: published by one, consumed by the next', async (t) => {
      const f = await fresh();
      if (!f.reconnect) return t.skip('in-process bus: events live as long as the process');
      const events = makeEvents(20);
      await f.bus.publish(events);
      await f.bus.close();
      const next = await f.reconnect();
      try {
        const r = recorder();
        const stop = await next.consume('g', r.handler);
        await waitFor('events published by the closed connection', () => r.hasAll(events));
        await stop();
      } finally {
        await next.close();
      }
    });

    it('answers ping and closes idempotently', async () => {
      const { bus } = await fresh();
      await bus.ping();
      const stop = await bus.consume('g', async () => {});
      await bus.close();
      await bus.close();
      await stop();
    });
  });
}
