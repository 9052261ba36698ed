/**
 * Moves committed outbox events to the event bus. An event is deleted from the outbox only after
 * the bus accepted it, so a crash between the two re-sends it (at least once); consumers dedupe
 * by eventId. In a fleet, only the holder of the relay lease runs this loop.
 */
import type { EventBus } from '../ports/event-bus.js';
import type { Store } from '../ports/store.js';
import { IdleWait } from '../core/idle-wait.js';

export class OutboxRelay {
  readonly #idle = new IdleWait();
  #loop: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly onError: (err: unknown) => void,
    private readonly batchSize = 500,
    private readonly idleMs = 100,
  ) {}

  start(): void {
    this.#loop = this.#run();
  }

  /** Skips the idle wait: call after a commit that wrote outbox events. */
  poke(): void {
    this.#idle.wake();
  }

  async #run(): Promise<void> {
    let backoff = 100;
    while (!this.#idle.stopped) {
      let moved = 0;
      try {
        moved = await this.relayOnce();
        backoff = 100;
      } catch (err) {
        this.onError(err);
        await this.#idle.sleep(backoff);
        backoff = Math.min(backoff * 2, 5_000);
        continue;
      }
      if (moved < this.batchSize) await this.#idle.sleep(this.idleMs);
    }
  }

  /** Sends one batch; returns how many events moved. */
  async relayOnce(): Promise<number> {
    const events = await this.store.readOutbox(this.batchSize);
    if (events.length === 0) return 0;
    await this.bus.publish(events.map(({ seq: _seq, ...e }) => e));
    await this.store.markOutboxPublished(events.map((e) => e.seq));
    return events.length;
  }

  async stop(): Promise<void> {
    this.#idle.stop();
    await this.#loop;
  }
}
