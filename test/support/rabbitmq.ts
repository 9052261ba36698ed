/** Test helpers that look at and clean up RabbitMQ through an AMQP connection of their own. */
import { connect } from 'amqplib';
import { queueName, topologyNames } from '../../src/adapters/rabbitmq/rabbitmq-topology.js';
import { SERVICES } from './services.js';

/** Deletes a prefix's exchange and the named groups' queues. */
export async function deleteRabbitTopology(prefix: string, groups: readonly string[], url: string = SERVICES.rabbitmq.url): Promise<void> {
  const conn = await connect(url);
  conn.on('error', () => {});
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    const names = topologyNames(prefix);
    for (const g of groups) await ch.deleteQueue(queueName(names, g));
    await ch.deleteExchange(names.exchange);
  } finally {
    await conn.close().catch(() => {});
  }
}

/**
 * A queue's ready messages (AMQP reports no unacked count). `quorum`: also redeclares the queue
 * with quorum arguments, which RabbitMQ refuses (406) for a classic queue.
 */
export async function rabbitQueueDepth(queue: string, opts: { quorum?: boolean } = {}): Promise<{ messages: number; quorum: boolean }> {
  const conn = await connect(SERVICES.rabbitmq.url);
  conn.on('error', () => {});
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    const q = await ch.checkQueue(queue);
    let quorum = false;
    if (opts.quorum) {
      quorum = await ch
        .assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } })
        .then(() => true)
        .catch(() => false);
    }
    return { messages: q.messageCount, quorum };
  } finally {
    await conn.close().catch(() => {});
  }
}
