/**
 * Broker outage: pollcast (role all, embedded store in a temp dir — or PostgreSQL in a scratch
 * schema — and NATS JetStream or RabbitMQ as the event bus)
 * takes a stream of votes over HTTP while a TCP fault proxy cuts it off from the real nats-server
 * or rabbitmq-server mid-stream. (The shared servers are never stopped: the proxy is the outage.
 * A private RabbitMQ per test would cost an Erlang VM boot of several seconds and ~150 MB.) Checked by counting, not timing:
 * - while cut, every vote is still answered 201 and committed; the outbox grows;
 * - after the link is back, the outbox drains and the analytics consumer catches up;
 * - the per-minute analytics sum equals the votes stored and the 201s given: no event lost, none
 *   applied twice (a re-sent or redelivered event would push the sum above the vote count).
 * Two ways to cut: 'reset' (server gone: connections reset, new ones refused) and 'hang'
 * (partition: bytes stop, sockets stay open, publishes time out and are re-sent by the relay).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { streamNames } from '../../src/adapters/nats/nats-jetstream-setup.js';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { ANALYTICS_GROUP } from '../../src/worker/analytics-consumer.js';
import { createPoll, voteHeaders } from '../support/app.js';
import { eventually, sleep } from '../support/eventually.js';
import { FaultProxy, type CutMode } from '../support/fault-proxy.js';
import { schemaUrl } from '../support/distributed.js';
import { dropSchema, scratchName } from '../support/postgres.js';
import { deleteRabbitTopology, rabbitQueueDepth } from '../support/rabbitmq.js';
import { needServices, SERVICES } from '../support/services.js';
import { CONSUMER_GROUPS } from '../../src/worker/consumer-groups.js';
import { topologyNames, queueName } from '../../src/adapters/rabbitmq/rabbitmq-topology.js';

type Broker = 'nats' | 'rabbitmq';
const skip = await needServices('nats');
const rabbitSkip = await needServices('rabbitmq');
const pgSkip = skip && rabbitSkip ? false : await needServices('postgres');
const LOOPS = 4;

/** Sends votes from LOOPS concurrent voters-in-a-row until stopped; counts the answers. */
function voteStream(url: string, pollId: string, optionIds: string[], ownerToken: string) {
  const acked = new Set<string>();
  const other: string[] = [];
  let running = true;
  let seq = 0;
  const loop = async () => {
    while (running) {
      const voterId = `v${seq++}`;
      const r = await fetch(`${url}/v1/polls/${pollId}/votes`, {
        method: 'POST',
        headers: voteHeaders(ownerToken, { 'content-type': 'application/json' }),
        body: JSON.stringify({ optionIds: [optionIds[seq % optionIds.length]], voterId }),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await r.text();
      if (r.status === 201) acked.add(voterId);
      else other.push(`${r.status} ${text}`);
    }
  };
  const loops = Array.from({ length: LOOPS }, loop);
  return {
    acked,
    other,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function deleteStream(prefix: string): Promise<void> {
  const nc = await connect({ servers: SERVICES.nats.url });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(streamNames(prefix).stream).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** Events the broker still holds for the analytics group (RabbitMQ: ready ones; AMQP does not report unacked). */
async function brokerLag(broker: Broker, prefix: string): Promise<number> {
  if (broker === 'rabbitmq') return (await rabbitQueueDepth(queueName(topologyNames(prefix), ANALYTICS_GROUP))).messages;
  const lag = await analyticsLag(prefix);
  return lag.pending + lag.ackPending;
}

/** What JetStream holds for the analytics group: events still to deliver or awaiting an ack. */
async function analyticsLag(prefix: string): Promise<{ pending: number; ackPending: number; messages: number }> {
  const nc = await connect({ servers: SERVICES.nats.url });
  try {
    const jsm = await jetstreamManager(nc);
    const stream = streamNames(prefix).stream;
    const ci = await jsm.consumers.info(stream, ANALYTICS_GROUP);
    const si = await jsm.streams.info(stream);
    return { pending: ci.num_pending, ackPending: ci.num_ack_pending, messages: si.state.messages };
  } finally {
    await nc.close();
  }
}

/** `postgres`: the store is PostgreSQL (a scratch schema) instead of the embedded one. */
async function outage(broker: Broker, mode: CutMode, cutForMs: number, store: 'embedded' | 'postgres' = 'embedded'): Promise<void> {
  const service = SERVICES[broker];
  const proxy = await FaultProxy.start({ host: service.host, port: service.port });
  const dataDir = mkdtempSync(join(tmpdir(), 'pollcast-broker-outage-'));
  const prefix = 'outage_' + randomBytes(6).toString('hex');
  const schema = store === 'postgres' ? scratchName('pollcast_brokerout') : null;
  let app: RunningApp | null = null;
  try {
    const config = loadConfig({
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      EMBEDDED_SYNC: 'normal',
      ...(broker === 'nats' ? { NATS_URL: proxy.url(SERVICES.nats.url) } : { AMQP_URL: proxy.url(SERVICES.rabbitmq.url) }),
      ...(schema ? { DATABASE_URL: schemaUrl(schema) } : {}),
    });
    app = await startApp(config, { prefix });
    assert.equal(app.ports.bus?.kind, broker);
    const { store } = app.ports;
    const created = await createPoll(app.url, { identityMode: 'open', options: ['A', 'B', 'C'] });
    const pollId = created.poll.id;
    const stream = voteStream(app.url, pollId, created.poll.options.map((o) => o.id), created.ownerToken);

    // Healthy: events flow to the analytics consumer.
    await eventually(async () => (await store.getMinuteCounts(pollId)).length > 0, 'analytics before the cut', 10_000);

    proxy.cut(mode);
    const ackedAtCut = stream.acked.size;
    // Cut: votes still commit, their events pile up in the outbox.
    const backlogDuringCut = await eventually(async () => {
      const n = await store.outboxBacklog();
      return n > 0 ? n : false;
    }, 'the outbox to grow while the broker is cut off', 10_000);
    await sleep(cutForMs);
    const ackedDuringCut = stream.acked.size - ackedAtCut;
    const backlogAtRestore = await store.outboxBacklog();
    proxy.restore();

    // Back: keep voting a little while the backlog drains, then stop.
    await sleep(500);
    await stream.stop();
    assert.deepEqual(stream.other.slice(0, 5), [], 'every vote is from a new voter: only 201s expected');
    assert.ok(ackedDuringCut > 0, 'votes were acknowledged while the broker was cut off');
    assert.ok(backlogAtRestore >= backlogDuringCut, `the outbox grew while cut (${backlogDuringCut} → ${backlogAtRestore})`);

    const acked = stream.acked.size;
    assert.equal(await store.countVotes(pollId), acked, 'stored votes = 201 answers');

    // Everything reaches the broker and the consumer, within a generous bound.
    await eventually(async () => (await store.outboxBacklog()) === 0, 'the outbox to drain after restore', 30_000);
    const sum = async () => (await store.getMinuteCounts(pollId)).reduce((s, m) => s + m.votes, 0);
    await eventually(async () => (await sum()) >= acked, `analytics to count ${acked} ballots`, 30_000);
    await eventually(async () => (await brokerLag(broker, prefix)) === 0, 'the analytics consumer to ack every event', 30_000);
    // Nothing applied twice: the sum is exact once every event is acked, and stays exact.
    assert.equal(await sum(), acked, 'per-minute analytics = ballots recorded');
    await sleep(300);
    assert.equal(await sum(), acked);
    await app.ports.bus?.ping();
  } finally {
    await app?.shutdown('test');
    await proxy.close();
    await (broker === 'nats' ? deleteStream(prefix) : deleteRabbitTopology(prefix, CONSUMER_GROUPS)).catch(() => {});
    if (schema) await dropSchema(schema).catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('broker outage during a vote stream (NATS JetStream through a fault proxy)', { skip }, () => {
  test('server gone (connections reset): votes commit, events flow after, none lost or doubled', { timeout: 90_000 }, async () => {
    await outage('nats', 'reset', 1_500);
  });

  test('partition (bytes stop, publishes time out and are re-sent): none lost or doubled', { timeout: 90_000 }, async () => {
    // Longer than the 5 s publish timeout, so the relay re-sends batches the server may also
    // receive once the held bytes flow again: the Nats-Msg-Id window and the consumer's eventId
    // dedupe must both hold.
    await outage('nats', 'hang', 6_500);
  });
});

describe('broker outage with the PostgreSQL store (outbox in PostgreSQL, relay under a lease)', { skip: skip || pgSkip }, () => {
  test('server gone (connections reset): votes commit, events flow after, none lost or doubled', { timeout: 90_000 }, async () => {
    await outage('nats', 'reset', 1_500, 'postgres');
  });
});

describe('broker outage during a vote stream (RabbitMQ quorum queues through a fault proxy)', { skip: rabbitSkip }, () => {
  test('server gone (connections reset): votes commit, events flow after, none lost or doubled', { timeout: 90_000 }, async () => {
    await outage('rabbitmq', 'reset', 1_500);
  });

  test('partition (bytes stop, confirms time out, batches are re-sent): none lost or doubled', { timeout: 90_000 }, async () => {
    // Longer than the 5 s confirm timeout and the 10 s of missed heartbeats that end the link:
    // the relay re-sends batches the broker may hold already, which land in the queue twice;
    // the consumer's eventId dedupe and the analytics table's (consumer, eventId) key must hold.
    await outage('rabbitmq', 'hang', 12_000);
  });
});

describe('broker outage with the PostgreSQL store and RabbitMQ', { skip: rabbitSkip || pgSkip }, () => {
  test('server gone (connections reset): votes commit, events flow after, none lost or doubled', { timeout: 90_000 }, async () => {
    await outage('rabbitmq', 'reset', 1_500, 'postgres');
  });
});
