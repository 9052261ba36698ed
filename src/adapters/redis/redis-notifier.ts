/**
 * Redis pub/sub notifier: one channel per prefix (`${prefix}:notices`), JSON envelopes
 * `{o: origin, n: notice}`. It is a MemoryNotifier plus a transport: this process's own listeners
 * hear its notices through the in-memory one, so a process keeps hearing itself while Redis is
 * down; copies coming back from Redis with our own origin are dropped. Publishing goes through the shared
 * command connection and never throws. Listening uses a dedicated subscriber connection that
 * reconnects and resubscribes by itself, watched by the link's heartbeat (see redis-watchdog.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Notice, Notifier } from '../../ports/notifier.js';
import { MemoryNotifier } from '../embedded/memory-notifier.js';
import { retryStrategy, type RedisLink } from './redis-link.js';
import { dropSocket } from './redis-watchdog.js';

export class RedisNotifier implements Notifier {
  readonly kind = 'redis';
  readonly #channel: string;
  readonly #origin = randomBytes(8).toString('base64url');
  /** Delivers to this process's listeners, whichever process published. */
  readonly #local = new MemoryNotifier();
  readonly #sub: Redis;
  readonly #subscribed: Promise<boolean>;
  readonly #stopWatchdog: () => void;
  #closed = false;

  constructor(
    private readonly link: RedisLink,
    prefix: string,
  ) {
    this.#channel = `${prefix}:notices`;
    link.retain();
    // Its own connection: a subscribed connection can send nothing else. Its SUBSCRIBE may wait
    // in the offline queue for as long as Redis is away; ioredis resubscribes after reconnects.
    this.#sub = link.redis.duplicate({
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      commandTimeout: undefined,
      autoResubscribe: true,
      retryStrategy,
    });
    this.#sub.on('error', (err: Error) => link.reportError(err));
    this.#sub.on('message', (channel: string, message: string) => {
      if (channel === this.#channel) this.#receive(message);
    });
    this.#subscribed = this.#sub.subscribe(this.#channel).then(
      () => true,
      () => false,
    );
    this.#stopWatchdog = link.watch(this.#sub, 'subscriber');
  }

  /** Resolves true once subscribed, or false after `maxWaitMs` (delivery starts later then). */
  async ready(maxWaitMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const ok = await Promise.race([this.#subscribed, new Promise<boolean>((r) => (timer = setTimeout(() => r(false), maxWaitMs)))]);
    clearTimeout(timer);
    return ok;
  }

  publish(notice: Notice): void {
    if (this.#closed) return;
    this.#local.publish(notice);
    // Not `link.usable()`: the breaker opens after any slow cache command (a loaded machine), and
    // a notice skipped then is lost for good — a viewer would keep a stale tally until the next
    // vote. PUBLISH is fire-and-forget and holds no request, so only a closed connection stops it.
    if (this.link.redis.status !== 'ready') return;
    this.link.redis.publish(this.#channel, JSON.stringify({ o: this.#origin, n: notice })).catch((err: unknown) => this.link.failed(err));
  }

  subscribe(listener: (n: Notice) => void): () => void {
    return this.#local.subscribe(listener);
  }

  #receive(message: string): void {
    let envelope: { o?: unknown; n?: { type?: unknown; pollId?: unknown; eventId?: unknown } };
    try {
      envelope = JSON.parse(message) as typeof envelope;
    } catch {
      return;
    }
    const n = envelope?.n;
    if (envelope.o === this.#origin || !n || typeof n.type !== 'string') return;
    if (typeof (n.type === 'event' ? n.eventId : n.pollId) !== 'string') return;
    this.#local.publish(n as Notice);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopWatchdog();
    await this.#local.close();
    dropSocket(this.#sub);
    await this.link.release();
  }
}
