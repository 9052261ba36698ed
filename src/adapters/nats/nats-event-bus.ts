/**
 * Event bus on NATS JetStream. Contract (see ports/event-bus.ts):
 * - `publish` resolves only after JetStream stored and acknowledged every event (a PubAck each).
 *   Each message carries `Nats-Msg-Id: <eventId>`, so an event the outbox relay re-sends after a
 *   crash or a timed-out publish is dropped by the stream's duplicate window.
 * - `consume(group)` reads a durable pull consumer named after the group: explicit ack after the
 *   handler resolves, nak with a growing delay when it throws, unlimited redeliveries. Several
 *   processes consuming the same group share its events; each group gets every event.
 * - The connection reconnects by itself without limit; publishes fail (and the relay retries)
 *   while the server is away, consumers resume when it is back.
 * No NATS type crosses the port, so a RabbitMQ adapter can stand beside this one.
 */
import { jetstream, jetstreamManager, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import type { EventBus, EventHandler } from '../../ports/event-bus.js';
import type { OutboxEvent } from '../../ports/store.js';
import { consumerName, DEFAULT_STREAM_SETTINGS, ensureConsumer, ensureStream, streamNames, type StreamNames, type StreamSettings } from './nats-jetstream-setup.js';
import { decodeOutboxEvent, withTimeout } from '../bus-messages.js';

const PUBLISH_TIMEOUT_MS = 5_000;
/**
 * An event whose ack never reached the server (the link broke after the handler ran) is
 * redelivered after this long; the handler's eventId dedupe drops it. A slow handler does not get
 * a duplicate meanwhile: the loop tells the server it is still working every third of this.
 */
const ACK_WAIT_MS = 10_000;
const PING_TIMEOUT_MS = 2_000;
const DRAIN_TIMEOUT_MS = 5_000;

export interface NatsEventBusOptions extends Partial<StreamSettings> {
  /** Connection name shown by the server's monitoring. */
  name?: string;
}

/** Delay before the n-th redelivery of an event whose handler failed: 100 ms doubling to 30 s. */
export function retryDelayMs(deliveryCount: number): number {
  return Math.min(100 * 2 ** Math.max(0, deliveryCount - 1), 30_000);
}

export class NatsEventBus implements EventBus {
  readonly kind = 'nats';
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #names: StreamNames;
  readonly #consumers = new Set<() => Promise<void>>();
  #closing: Promise<void> | null = null;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, names: StreamNames) {
    this.#nc = nc;
    this.#jsm = jsm;
    this.#js = jetstream(nc, { timeout: PUBLISH_TIMEOUT_MS });
    this.#names = names;
  }

  /**
   * Connects (failing fast if the first connection cannot be made), then creates or updates the
   * prefix's stream. Later disconnects are retried forever.
   */
  static async connect(url: string, prefix: string, opts: NatsEventBusOptions = {}): Promise<EventBus> {
    const { name, ...stream } = opts;
    const settings: StreamSettings = { ...DEFAULT_STREAM_SETTINGS, ...stripUndefined(stream) };
    const nc = await connect({
      servers: url.split(',').map((s) => s.trim()),
      name: name ?? `pollcast-${prefix}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      // A silently dead link (no RST) is noticed after ~2 missed pings rather than minutes.
      pingInterval: 5_000,
      maxPingOut: 2,
    });
    try {
      const jsm = await jetstreamManager(nc, { timeout: PUBLISH_TIMEOUT_MS });
      const names = streamNames(prefix);
      await ensureStream(jsm, names, settings);
      return new NatsEventBus(nc, jsm, names);
    } catch (err) {
      await nc.close().catch(() => {});
      throw err;
    }
  }

  /** The stream's name, for operators and tests. */
  get streamName(): string {
    return this.#names.stream;
  }

  async publish(events: OutboxEvent[]): Promise<void> {
    if (this.#closing) throw new Error('event bus is closed');
    // Pipelined: all messages go out at once; the batch is done when every PubAck is back.
    await Promise.all(
      events.map((e) =>
        this.#js.publish(this.#names.subjectPrefix + e.type, JSON.stringify(e), {
          msgID: e.eventId,
          timeout: PUBLISH_TIMEOUT_MS,
          ...(typeof e.payload.traceparent === 'string' ? { headers: traceHeaders(e.payload.traceparent) } : {}),
        }),
      ),
    );
  }

  async consume(group: string, handler: EventHandler): Promise<() => Promise<void>> {
    if (this.#closing) throw new Error('event bus is closed');
    const durable = consumerName(group);
    await ensureConsumer(this.#jsm, this.#names.stream, durable, ACK_WAIT_MS);
    const consumer = await this.#js.consumers.get(this.#names.stream, durable);
    const messages = await consumer.consume({ max_messages: 256 });
    const state = { stopped: false };
    // The loop never rejects: a broken iterator only ends delivery for this process.
    const loop = runLoop(messages, handler, state).catch(() => {});
    let stopping: Promise<void> | null = null;
    const stop = () => {
      stopping ??= (async () => {
        state.stopped = true;
        this.#consumers.delete(stop);
        await messages.close().catch(() => {});
        await loop;
      })();
      return stopping;
    };
    this.#consumers.add(stop);
    return stop;
  }

  async backlog(group: string): Promise<number> {
    const info = await withTimeout(this.#jsm.consumers.info(this.#names.stream, consumerName(group)), PING_TIMEOUT_MS, 'NATS did not answer');
    return info.num_pending + info.num_ack_pending;
  }

  async ping(): Promise<void> {
    if (this.#nc.isClosed()) throw new Error('NATS connection is closed');
    await withTimeout(this.#nc.rtt(), PING_TIMEOUT_MS, 'NATS did not answer a ping');
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#consumers].map((stop) => stop()));
      if (this.#nc.isClosed()) return;
      try {
        await withTimeout(this.#nc.drain(), DRAIN_TIMEOUT_MS, 'NATS drain timed out');
      } catch {
        // Unreachable server or drain refused: close outright; unacked events are redelivered.
        await this.#nc.close().catch(() => {});
      }
    })();
    return this.#closing;
  }
}

/**
 * Handles one message at a time, in stream order for this process. Messages already pulled when
 * the consumer stops are nak'ed so another member of the group gets them at once instead of after
 * the ack wait.
 */
async function runLoop(messages: ConsumerMessages, handler: EventHandler, state: { stopped: boolean }): Promise<void> {
  for await (const m of messages) {
    if (state.stopped) {
      settle(() => m.nak());
      continue;
    }
    const event = decode(m);
    if (event === null) {
      // No retry can make it decodable: remove it instead of redelivering it forever.
      settle(() => m.term('not a pollcast event'));
      continue;
    }
    let ok = true;
    const working = setInterval(() => settle(() => m.working()), ACK_WAIT_MS / 3);
    try {
      await handler(event);
    } catch {
      ok = false;
    } finally {
      clearInterval(working);
    }
    settle(() => (ok ? m.ack() : m.nak(retryDelayMs(m.info.deliveryCount))));
  }
}

/** An ack that cannot be sent (connection closed) is harmless: the server redelivers after ack_wait. */
function settle(send: () => void): void {
  try {
    send();
  } catch {
    // redelivered later; handlers are idempotent
  }
}

function traceHeaders(traceparent: string) {
  const h = headers();
  h.set('traceparent', traceparent);
  return h;
}

function decode(m: JsMsg): OutboxEvent | null {
  return decodeOutboxEvent(() => m.json<OutboxEvent>(), m.headers?.get('traceparent'));
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
