/**
 * The command connection the Redis adapters share, tuned so Redis can never hold a request up:
 * no offline queue (a command sent while disconnected fails at once), no retries of a failed
 * command, a short command timeout, and a breaker that skips Redis for `cooldownMs` after a
 * failure that was not Redis's own answer (a hung server costs one timeout, not one per request).
 * Reconnection runs in the background forever. Adapters `retain()` the link and `release()` it
 * on close; the connection quits when the last one lets go.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { dropSocket, watchdog } from './redis-watchdog.js';

export interface RedisLinkOptions {
  /** A command not answered within this is failed (the caller treats it as a miss). */
  commandTimeoutMs?: number;
  /** After a connection failure, Redis is skipped for this long before it is tried again. */
  cooldownMs?: number;
  /** Each connection is PINGed this often; two unanswered PINGs in a row force a reconnect. */
  heartbeatMs?: number;
  /** A heartbeat PING not answered within this counts as missed. */
  heartbeatTimeoutMs?: number;
  /** Told about connection errors and forced reconnects (for logs); never required. */
  onError?: (err: Error) => void;
}

export const LINK_DEFAULTS = { commandTimeoutMs: 100, cooldownMs: 1_000, heartbeatMs: 5_000, heartbeatTimeoutMs: 2_000 } as const;

/** Reconnect quickly at first, then every second at most, forever. */
export const retryStrategy = (attempt: number): number => Math.min(50 * 2 ** Math.min(attempt, 5), 1_000);

export class RedisLink {
  readonly redis: Redis;
  readonly #cooldownMs: number;
  readonly #onError: ((err: Error) => void) | undefined;
  readonly #heartbeat: { everyMs: number; timeoutMs: number };
  readonly #stopWatchdog: () => void;
  #skipUntil = 0;
  #users = 0;
  #closing: Promise<void> | null = null;

  constructor(url: string, opts: RedisLinkOptions = {}) {
    this.#cooldownMs = opts.cooldownMs ?? LINK_DEFAULTS.cooldownMs;
    const options: RedisOptions = {
      commandTimeout: opts.commandTimeoutMs ?? LINK_DEFAULTS.commandTimeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // A command already reported as failed must not run later behind the caller's back.
      autoResendUnfulfilledCommands: false,
      connectTimeout: 1_000,
      // A closing socket that does not close politely is destroyed after this (ioredis's 2 s
      // default also keeps a shutting-down process alive that long when Redis was down).
      disconnectTimeout: 200,
      retryStrategy,
      lazyConnect: false,
      // Commands issued in one event-loop tick (the rate-limit checks of every vote arriving
      // together) leave as one pipeline: one write and one read instead of one per command.
      enableAutoPipelining: true,
    };
    this.redis = new Redis(url, options);
    this.#onError = opts.onError;
    this.redis.on('error', (err: Error) => this.reportError(err));
    this.#heartbeat = {
      everyMs: opts.heartbeatMs ?? LINK_DEFAULTS.heartbeatMs,
      timeoutMs: opts.heartbeatTimeoutMs ?? LINK_DEFAULTS.heartbeatTimeoutMs,
    };
    this.#stopWatchdog = this.watch(this.redis, 'commands');
  }

  /** Starts the heartbeat on a connection of this link (the notifier's subscriber too). */
  watch(redis: Redis, name: string): () => void {
    return watchdog(redis, {
      ...this.#heartbeat,
      misses: 2,
      onGiveUp: () => this.reportError(new Error(`redis ${name} connection: heartbeat unanswered, reconnecting`)),
    });
  }

  /** Passes a connection error (of this or a sibling connection) to `onError`, if any. */
  reportError(err: Error): void {
    try {
      this.#onError?.(err);
    } catch {
      // A logging hook must not break the connection's event handling.
    }
  }

  /** True when a command may be sent now: connected and not cooling down after a failure. */
  usable(): boolean {
    return this.redis.status === 'ready' && Date.now() >= this.#skipUntil;
  }

  /** Records a failed command. Redis's own error replies do not trip the breaker. */
  failed(err: unknown): void {
    if (err instanceof Error && err.name === 'ReplyError') return;
    this.#skipUntil = Date.now() + this.#cooldownMs;
  }

  /** Resolves when connected, or after `maxWaitMs` either way (Redis is optional at start). */
  async ready(maxWaitMs: number): Promise<boolean> {
    if (this.redis.status === 'ready') return true;
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), maxWaitMs);
      this.redis.once('ready', onReady);
    });
  }

  retain(): void {
    this.#users += 1;
  }

  /** Quits the connection once every user has released it. Idempotent per user by contract. */
  async release(): Promise<void> {
    this.#users -= 1;
    if (this.#users > 0) return;
    this.#stopWatchdog();
    this.#closing ??= quit(this.redis);
    return this.#closing;
  }
}

/** Quits politely when connected (pending replies arrive), else drops the socket at once. */
export async function quit(redis: Redis, maxWaitMs = 500): Promise<void> {
  if (redis.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      redis.quit().catch(() => {}),
      new Promise((r) => (timer = setTimeout(r, maxWaitMs))),
    ]);
    clearTimeout(timer);
  }
  dropSocket(redis);
}
