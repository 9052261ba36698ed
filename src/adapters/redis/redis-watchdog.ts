/**
 * Heartbeat for one ioredis connection. A socket whose peer vanished (a partition, a frozen
 * server) still looks open, and TCP alone notices only after minutes; meanwhile ioredis neither
 * reconnects nor resubscribes. Every `everyMs` a PING is sent; after `misses` in a row go
 * unanswered within `timeoutMs`, the socket is destroyed and ioredis reconnects as after any
 * other drop. Returns a function that stops the heartbeat.
 */
import type { Redis } from 'ioredis';

export interface WatchdogOptions {
  everyMs: number;
  timeoutMs: number;
  misses: number;
  onGiveUp: () => void;
}

export function watchdog(redis: Redis, opts: WatchdogOptions): () => void {
  let missed = 0;
  let busy = false;
  const beat = async () => {
    if (busy || redis.status !== 'ready') return;
    busy = true;
    let timer: NodeJS.Timeout | undefined;
    const answered = await Promise.race([
      redis.ping().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), opts.timeoutMs))),
    ]);
    clearTimeout(timer);
    busy = false;
    missed = answered ? 0 : missed + 1;
    if (missed >= opts.misses && redis.status === 'ready') {
      missed = 0;
      opts.onGiveUp();
      dropSocket(redis, true);
    }
  };
  const interval = setInterval(() => void beat(), opts.everyMs);
  interval.unref();
  return () => clearInterval(interval);
}

/**
 * Closes a connection at once, without waiting for the peer to acknowledge (a graceful end on
 * a dead link would linger until TCP gives up). With `reconnect`, ioredis reconnects after.
 */
export function dropSocket(redis: Redis, reconnect = false): void {
  if (!reconnect) redis.disconnect();
  (redis.stream as { destroy?: () => void } | undefined)?.destroy?.();
}
