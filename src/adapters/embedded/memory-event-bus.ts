/**
 * In-process event bus. Durability comes from the store's outbox: an event leaves the outbox only
 * after `publish` resolves, and it is delivered to every consumer group at least once while the
 * process lives; a failing handler is retried with backoff.
 */
import type { EventBus, EventHandler } from '../../ports/event-bus.js';
import type { OutboxEvent } from '../../ports/store.js';

interface Group {
  handler: EventHandler;
  queue: OutboxEvent[];
  running: boolean;
  stopped: boolean;
  idle: Array<() => void>;
}

export class MemoryEventBus implements EventBus {
  readonly kind = 'memory';
  readonly #groups = new Map<string, Group>();
  /** Events published before any consumer of a group exists wait here for it. */
  readonly #backlog: OutboxEvent[] = [];

  async publish(events: OutboxEvent[]): Promise<void> {
    if (this.#groups.size === 0) {
      this.#backlog.push(...events);
      return;
    }
    for (const g of this.#groups.values()) {
      g.queue.push(...events);
      void this.#drain(g);
    }
  }

  async consume(group: string, handler: EventHandler): Promise<() => Promise<void>> {
    const g: Group = { handler, queue: [...this.#backlog], running: false, stopped: false, idle: [] };
    this.#groups.set(group, g);
    void this.#drain(g);
    return async () => {
      g.stopped = true;
      if (g.running) await new Promise<void>((r) => g.idle.push(r));
      this.#groups.delete(group);
    };
  }

  async #drain(g: Group): Promise<void> {
    if (g.running) return;
    g.running = true;
    let delay = 10;
    while (!g.stopped && g.queue.length > 0) {
      try {
        await g.handler(g.queue[0]!);
        g.queue.shift();
        delay = 10;
      } catch {
        await new Promise((r) => setTimeout(r, delay).unref());
        delay = Math.min(delay * 2, 5_000);
      }
    }
    g.running = false;
    for (const r of g.idle.splice(0)) r();
  }

  async ping(): Promise<void> {}

  async backlog(group: string): Promise<number> {
    return this.#groups.get(group)?.queue.length ?? this.#backlog.length;
  }

  async close(): Promise<void> {
    for (const g of this.#groups.values()) g.stopped = true;
  }
}
