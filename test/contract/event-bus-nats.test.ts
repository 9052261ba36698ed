import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { NatsEventBus } from '../../src/adapters/nats/nats-event-bus.js';
import { streamNames } from '../../src/adapters/nats/nats-jetstream-setup.js';
import { needServices, SERVICES } from '../support/services.js';
import { makeEvents, runEventBusContract, type BusFixture } from './event-bus-contract.js';

const skip = await needServices('nats');
const url = SERVICES.nats.url;

/** Deletes a test's stream (and with it its consumers) through a connection of its own. */
async function deleteStream(prefix: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(streamNames(prefix).stream).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** A random prefix per fixture: its own stream, so concurrent runs never share events. */
async function natsFixture(): Promise<BusFixture & { prefix: string }> {
  const prefix = 'test_' + randomBytes(6).toString('hex');
  const bus = await NatsEventBus.connect(url, prefix);
  return {
    prefix,
    bus,
    reconnect: () => NatsEventBus.connect(url, prefix),
    async dispose() {
      await bus.close();
      await deleteStream(prefix);
    },
  };
}

runEventBusContract('nats jetstream', natsFixture, { skip });

describe('nats jetstream specifics', { skip }, () => {
  const fixtures: BusFixture[] = [];
  after(async () => {
    for (const f of fixtures) await f.dispose();
  });

  it('stores an event re-sent with the same eventId once (Nats-Msg-Id duplicate window)', async () => {
    const f = await natsFixture();
    fixtures.push(f);
    const events = makeEvents(10);
    await f.bus.publish(events);
    // What the outbox relay does after a crash between publish and marking the batch sent.
    await f.bus.publish(events);
    await f.bus.publish([events[0]!, events[0]!]);
    const nc = await connect({ servers: url });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(streamNames(f.prefix).stream);
      assert.equal(info.state.messages, 10);
      assert.equal(info.config.storage, 'file');
    } finally {
      await nc.close();
    }
  });

  it('connects again and again to the same stream (idempotent setup)', async () => {
    const f = await natsFixture();
    fixtures.push(f);
    const again = await Promise.all([NatsEventBus.connect(url, f.prefix), NatsEventBus.connect(url, f.prefix)]);
    for (const b of again) await b.close();
  });

  it('fails fast when the first connection cannot be made', async () => {
    await assert.rejects(NatsEventBus.connect('nats://127.0.0.1:1', 'unreachable'));
  });
});
