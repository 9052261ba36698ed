import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { RabbitMqEventBus } from '../../src/adapters/rabbitmq/rabbitmq-event-bus.js';
import { deleteRabbitTopology, rabbitQueueDepth } from '../support/rabbitmq.js';
import { needServices, SERVICES } from '../support/services.js';
import { makeEvents, runEventBusContract, waitFor, type BusFixture } from './event-bus-contract.js';

const skip = await needServices('rabbitmq');
const url = SERVICES.rabbitmq.url;
/** The groups the contract consumes, declared on connect as the app declares its own. */
const GROUPS = ['g', 'group-a', 'group-b', 'late'];

/** A random prefix per fixture: its own exchange and queues, so concurrent runs never share events. */
async function rabbitFixture(): Promise<BusFixture & { prefix: string; bus: RabbitMqEventBus }> {
  const prefix = 'test_' + randomBytes(6).toString('hex');
  const bus = await RabbitMqEventBus.connect(url, prefix, { groups: GROUPS });
  return {
    prefix,
    bus,
    reconnect: () => RabbitMqEventBus.connect(url, prefix, { groups: GROUPS }),
    async dispose() {
      await bus.close();
      await deleteRabbitTopology(prefix, GROUPS);
    },
  };
}

runEventBusContract('rabbitmq quorum queues', rabbitFixture, { skip });

describe('rabbitmq specifics', { skip }, () => {
  const fixtures: BusFixture[] = [];
  after(async () => {
    for (const f of fixtures) await f.dispose();
  });

  it('declares durable quorum queues (a redeclaration with other arguments would be refused)', async () => {
    const f = await rabbitFixture();
    fixtures.push(f);
    const type = await rabbitQueueDepth(f.bus.queueName('g'), { quorum: true });
    assert.equal(type.quorum, true, 'the group queue is a quorum queue');
  });

  it('hands a re-sent event (same eventId) to a consumer once, and acks the copies', async () => {
    const f = await rabbitFixture();
    fixtures.push(f);
    const events = makeEvents(10);
    // What the outbox relay does after a lost confirm: the same events again, and one twice in a batch.
    await f.bus.publish(events);
    await f.bus.publish(events);
    await f.bus.publish([events[0]!, events[0]!]);
    // Handled last (one consumer reads a queue in order): every copy before it was dealt with.
    const [sentinel] = makeEvents(1);
    await f.bus.publish([sentinel!]);
    const seen = new Map<string, number>();
    const stop = await f.bus.consume('g', async (e) => {
      seen.set(e.eventId, (seen.get(e.eventId) ?? 0) + 1);
    });
    await waitFor('the last event', () => seen.has(sentinel!.eventId));
    await stop();
    assert.equal(seen.size, 11);
    assert.deepEqual([...new Set(seen.values())], [1], 'each event id handled exactly once');
    // A copy not acked would be back in the queue once the consumer's channel closed.
    assert.equal((await rabbitQueueDepth(f.bus.queueName('g'))).messages, 0, 'the copies were acked, none left in the queue');
  });

  it('reports the backlog of a group', async () => {
    const f = await rabbitFixture();
    fixtures.push(f);
    await f.bus.publish(makeEvents(7));
    // Confirmed means enqueued: the count is exact at once.
    assert.equal(await f.bus.backlog('late'), 7);
  });

  it('connects again and again to the same topology (idempotent setup)', async () => {
    const f = await rabbitFixture();
    fixtures.push(f);
    const again = await Promise.all([RabbitMqEventBus.connect(url, f.prefix, { groups: GROUPS }), RabbitMqEventBus.connect(url, f.prefix, { groups: GROUPS })]);
    for (const b of again) await b.close();
  });

  it('fails fast when the first connection cannot be made', async () => {
    await assert.rejects(RabbitMqEventBus.connect('amqp://guest:guest@127.0.0.1:1', 'unreachable'));
  });
});
