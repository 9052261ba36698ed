/**
 * Event bus on RabbitMQ (AMQP 0-9-1, amqplib). Contract (see ports/event-bus.ts):
 * - `publish` sends every event as a persistent message on a confirm channel and resolves only
 *   when the broker confirmed each one (publisher confirms: written to a quorum of the queue's
 *   replicas). A nack, a closed channel or no confirm within 5 s rejects, and the outbox relay
 *   sends the batch again.
 * - `consume(group)` reads the group's quorum queue with manual acks: ack after the handler
 *   resolved; when it throws, the message is returned to the queue after a growing delay and
 *   redelivered without limit. Several processes consuming one group share its queue.
 * - Duplicates: RabbitMQ has no publish-side duplicate window (NATS has one), so an event the
 *   relay re-sent after a lost confirm may sit in a queue twice, and an event whose ack was lost
 *   with the link is redelivered. Each consumer skips (acks without calling the handler) an event
 *   id it already handled recently; across processes, handlers stay idempotent by eventId.
 * - The connection reconnects by itself without limit (heartbeats notice a silent link); publishes
 *   fail while it is away, consumers resume when it is back.
 * No amqplib type crosses the port.
 */
import { connect, type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import type { EventBus, EventHandler } from '../../ports/event-bus.js';
import type { OutboxEvent } from '../../ports/store.js';
import { RecentIds } from './recent-ids.js';
import { decodeOutboxEvent, withTimeout } from '../bus-messages.js';
import { declareExchange, declareGroup, queueName, topologyNames, type TopologyNames } from './rabbitmq-topology.js';

const PUBLISH_TIMEOUT_MS = 5_000;
const PING_TIMEOUT_MS = 2_000;
const CLOSE_TIMEOUT_MS = 5_000;
const HEARTBEAT_S = 5;
/** Messages a consumer holds unacknowledged at once (they are handled one at a time, in order). */
const PREFETCH = 256;
/** Event ids each consumer remembers as handled, to drop redeliveries and re-sent copies. */
const DEDUPE_WINDOW = 100_000;

export interface RabbitMqEventBusOptions {
  /** Consumer groups whose queues are declared on connect, so they keep events published before their consumers start. */
  groups?: readonly string[];
  /** Connection name shown in the management UI. */
  name?: string;
  /** `x-delivery-limit` of the group queues (RabbitMQ 4 defaults to 20); unset: the server's default. */
  deliveryLimit?: number;
}

/** Delay before returning a message whose handler failed for the n-th time: 100 ms doubling to 30 s. */
export function retryDelayMs(failures: number): number {
  return Math.min(100 * 2 ** Math.max(0, failures - 1), 30_000);
}

interface Consumer {
  group: string;
  handler: EventHandler;
  stopped: boolean;
  channel: Channel | null;
  tag: string | null;
  /** Messages are handled one after another on this chain. */
  chain: Promise<void>;
  seen: RecentIds;
  /** Failures per event id, for the retry delay (quorum queues also count deliveries). */
  failures: Map<string, number>;
  wake: (() => void) | null;
}

export class RabbitMqEventBus implements EventBus {
  readonly kind = 'rabbitmq';
  readonly #url: string;
  readonly #names: TopologyNames;
  readonly #opts: RabbitMqEventBusOptions;
  readonly #consumers = new Set<Consumer>();
  #conn: ChannelModel | null = null;
  #pub: ConfirmChannel | null = null;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #reconnectDelay = 250;
  #closing: Promise<void> | null = null;

  private constructor(url: string, prefix: string, opts: RabbitMqEventBusOptions) {
    this.#url = url;
    this.#names = topologyNames(prefix);
    this.#opts = opts;
  }

  /** Connects (failing fast if the first connection cannot be made) and declares the topology. */
  static async connect(url: string, prefix: string, opts: RabbitMqEventBusOptions = {}): Promise<RabbitMqEventBus> {
    const bus = new RabbitMqEventBus(url, prefix, opts);
    await bus.#open();
    return bus;
  }

  /** The exchange's and a group queue's names, for operators and tests. */
  get exchangeName(): string {
    return this.#names.exchange;
  }

  queueName(group: string): string {
    return queueName(this.#names, group);
  }

  async #open(): Promise<void> {
    const conn = await connect(withHeartbeat(this.#url), {
      timeout: PUBLISH_TIMEOUT_MS,
      clientProperties: { connection_name: this.#opts.name ?? `pollcast-${this.#names.exchange}` },
    });
    // 'error' is always followed by 'close'; without a listener it would throw.
    let dead = false;
    conn.on('error', () => {});
    conn.on('close', () => {
      dead = true;
      if (this.#conn === conn) this.#lost();
    });
    try {
      const pub = await conn.createConfirmChannel();
      pub.on('error', () => {});
      // A publish channel closed by the server (not the connection) is replaced on the next reconnect.
      pub.on('close', () => {
        if (this.#pub === pub) void conn.close().catch(() => {});
      });
      await declareExchange(pub, this.#names);
      for (const g of this.#opts.groups ?? []) await declareGroup(pub, this.#names, g, this.#opts.deliveryLimit);
      if (dead) throw new Error('RabbitMQ connection lost during setup');
      this.#conn = conn;
      this.#pub = pub;
      this.#reconnectDelay = 250;
      for (const c of this.#consumers) await this.#attach(c, conn);
    } catch (err) {
      await conn.close().catch(() => {});
      throw err;
    }
  }

  #lost(): void {
    this.#conn = null;
    this.#pub = null;
    for (const c of this.#consumers) c.channel = null;
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closing || this.#reconnectTimer) return;
    const delay = this.#reconnectDelay * (0.8 + Math.random() * 0.4);
    this.#reconnectDelay = Math.min(this.#reconnectDelay * 2, 5_000);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (this.#closing || this.#conn) return;
      this.#open().catch(() => this.#scheduleReconnect());
    }, delay);
  }

  async publish(events: OutboxEvent[]): Promise<void> {
    if (this.#closing) throw new Error('event bus is closed');
    const ch = this.#pub;
    if (!ch) throw new Error('RabbitMQ is not connected');
    const confirms = events.map(
      (e) =>
        new Promise<void>((resolve, reject) => {
          const headers = typeof e.payload.traceparent === 'string' ? { traceparent: e.payload.traceparent } : undefined;
          ch.publish(
            this.#names.exchange,
            e.type,
            Buffer.from(JSON.stringify(e)),
            { persistent: true, messageId: e.eventId, contentType: 'application/json', timestamp: Math.floor(e.at / 1000), ...(headers ? { headers } : {}) },
            (err: unknown) => (err ? reject(err instanceof Error ? err : new Error('RabbitMQ refused the message')) : resolve()),
          );
        }),
    );
    await withTimeout(Promise.all(confirms), PUBLISH_TIMEOUT_MS, 'RabbitMQ did not confirm the messages');
  }

  async consume(group: string, handler: EventHandler): Promise<() => Promise<void>> {
    if (this.#closing) throw new Error('event bus is closed');
    const conn = this.#conn;
    if (!conn) throw new Error('RabbitMQ is not connected');
    const c: Consumer = { group, handler, stopped: false, channel: null, tag: null, chain: Promise.resolve(), seen: new RecentIds(DEDUPE_WINDOW), failures: new Map(), wake: null };
    await this.#attach(c, conn);
    this.#consumers.add(c);
    let stopping: Promise<void> | null = null;
    return () => {
      stopping ??= (async () => {
        c.stopped = true;
        c.wake?.();
        this.#consumers.delete(c);
        const ch = c.channel;
        if (ch && c.tag) await withTimeout(ch.cancel(c.tag), CLOSE_TIMEOUT_MS, 'cancel timed out').catch(() => {});
        await c.chain;
        // Closing the channel returns every message it still holds to the queue at once.
        if (ch) await withTimeout(ch.close(), CLOSE_TIMEOUT_MS, 'channel close timed out').catch(() => {});
        c.channel = null;
      })();
      return stopping;
    };
  }

  async #attach(c: Consumer, conn: ChannelModel): Promise<void> {
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    try {
      await ch.prefetch(PREFETCH);
      const queue = await declareGroup(ch, this.#names, c.group, this.#opts.deliveryLimit);
      c.channel = ch;
      const { consumerTag } = await ch.consume(
        queue,
        (msg) => {
          if (msg) c.chain = c.chain.then(() => this.#handle(c, ch, msg));
        },
        { noAck: false },
      );
      c.tag = consumerTag;
    } catch (err) {
      c.channel = null;
      await ch.close().catch(() => {});
      throw err;
    }
  }

  /** Never rejects: an ack that cannot be sent is harmless, the broker redelivers and the id dedupe drops it. */
  async #handle(c: Consumer, ch: Channel, msg: ConsumeMessage): Promise<void> {
    if (c.stopped || c.channel !== ch) return settle(() => ch.nack(msg, false, true));
    const event = decode(msg);
    // No retry can make it decodable: remove it instead of redelivering it forever.
    if (event === null) return settle(() => ch.nack(msg, false, false));
    if (c.seen.has(event.eventId)) return settle(() => ch.ack(msg));
    try {
      await c.handler(event);
    } catch {
      const n = (c.failures.get(event.eventId) ?? 0) + 1;
      c.failures.set(event.eventId, n);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, c.stopped ? 0 : retryDelayMs(n));
        c.wake = () => (clearTimeout(t), resolve());
      });
      c.wake = null;
      return settle(() => ch.nack(msg, false, true));
    }
    c.failures.delete(event.eventId);
    c.seen.add(event.eventId);
    settle(() => ch.ack(msg));
  }

  /** Ready messages in the group's queue plus those this process holds unacknowledged. */
  async backlog(group: string): Promise<number> {
    const conn = this.#conn;
    if (!conn) throw new Error('RabbitMQ is not connected');
    return withTimeout(
      (async () => {
        const ch = await conn.createChannel();
        ch.on('error', () => {});
        try {
          const q = await ch.checkQueue(this.queueName(group));
          return q.messageCount;
        } finally {
          await ch.close().catch(() => {});
        }
      })(),
      PING_TIMEOUT_MS,
      'RabbitMQ did not answer',
    );
  }

  async ping(): Promise<void> {
    const conn = this.#conn;
    if (!conn) throw new Error('RabbitMQ is not connected');
    // Opening a channel is a round trip to the broker.
    await withTimeout(
      conn.createChannel().then((ch) => ch.close()),
      PING_TIMEOUT_MS,
      'RabbitMQ did not answer a ping',
    );
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
      this.#reconnectTimer = null;
      const consumers = [...this.#consumers];
      for (const c of consumers) {
        c.stopped = true;
        c.wake?.();
      }
      await Promise.allSettled(consumers.map((c) => c.chain));
      const conn = this.#conn;
      this.#conn = null;
      this.#pub = null;
      // Unacked messages return to their queues when the connection closes.
      if (conn) await withTimeout(conn.close(), CLOSE_TIMEOUT_MS, 'RabbitMQ close timed out').catch(() => {});
    })();
    return this.#closing;
  }
}

/** A silently dead link (no RST) is noticed after two missed heartbeats; a URL's own `heartbeat` wins. */
function withHeartbeat(url: string): string {
  const u = new URL(url);
  if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', String(HEARTBEAT_S));
  return u.toString();
}

function settle(send: () => void): void {
  try {
    send();
  } catch {
    // channel closed: the broker redelivers the message; handlers are idempotent
  }
}

function decode(msg: ConsumeMessage): OutboxEvent | null {
  const headers: unknown = msg.properties.headers;
  const tp = headers && typeof headers === 'object' ? (headers as Record<string, unknown>).traceparent : undefined;
  return decodeOutboxEvent(() => JSON.parse(msg.content.toString('utf8')), tp);
}
