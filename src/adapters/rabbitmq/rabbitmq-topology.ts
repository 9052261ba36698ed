/**
 * The RabbitMQ objects the event bus relies on, declared on every (re)connect so any number of
 * processes may start at once (declarations with equal arguments are idempotent):
 * - one durable topic exchange per prefix, `<prefix>.events`, routing key = the event type;
 * - one durable quorum queue per consumer group, `<prefix>.events.<group>`, bound with `#`, so
 *   each group gets every event and the members of a group share its queue.
 * A queue keeps events only from the moment it exists: the groups a process will consume are
 * declared when it connects (before the outbox relay publishes), so no event is published into
 * a group's void. Names derive from the prefix: test runs and tenants never share a queue.
 */
import type { Channel } from 'amqplib';

export interface TopologyNames {
  exchange: string;
  queuePrefix: string;
}

/** Queue and exchange names may hold up to 255 bytes; keep them to a safe alphabet. */
function token(value: string): string {
  const t = value.replace(/[^A-Za-z0-9_-]/g, '_');
  if (t.length === 0 || t.length > 100) throw new Error(`"${value}" cannot name a RabbitMQ exchange or queue`);
  return t;
}

export function topologyNames(prefix: string): TopologyNames {
  const p = token(prefix);
  return { exchange: `${p}.events`, queuePrefix: `${p}.events.` };
}

export function queueName(names: TopologyNames, group: string): string {
  return names.queuePrefix + token(group);
}

/**
 * Quorum queue arguments. Every declaration of a queue must carry the same ones (RabbitMQ refuses
 * a redeclaration with different arguments), so they live here only. No delivery limit by default:
 * RabbitMQ 3.x quorum queues then redeliver without limit, so an event whose handler keeps failing
 * is retried (with the consumer's backoff), never dropped. RabbitMQ 4 applies a default limit of
 * 20: `deliveryLimit` (AMQP_DELIVERY_LIMIT) raises it there (see docs/broker.md).
 */
export function queueArguments(deliveryLimit?: number): Record<string, unknown> {
  return { 'x-queue-type': 'quorum', ...(deliveryLimit === undefined ? {} : { 'x-delivery-limit': deliveryLimit }) };
}

export async function declareExchange(ch: Channel, names: TopologyNames): Promise<void> {
  await ch.assertExchange(names.exchange, 'topic', { durable: true });
}

/** Declares the group's queue and binds it; returns its name. */
export async function declareGroup(ch: Channel, names: TopologyNames, group: string, deliveryLimit?: number): Promise<string> {
  const queue = queueName(names, group);
  await ch.assertQueue(queue, { durable: true, arguments: queueArguments(deliveryLimit) });
  await ch.bindQueue(queue, names.exchange, '#');
  return queue;
}
