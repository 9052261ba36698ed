/**
 * Acts on opensAt/closesAt without anyone calling: flips due polls and announces the change.
 * Sleeps until the next due time (at most `intervalMs`), so a close lands within milliseconds.
 * Votes never depend on it: the store checks the window in every vote transaction.
 */
import type { Notifier } from '../ports/notifier.js';
import type { Store } from '../ports/store.js';

const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
const RETRY_MS = 500;

export class Scheduler {
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  #running: Promise<void> | null = null;
  #lastPrune = 0;
  /** A poke came while a tick ran: that tick may have read the schedule before the change. */
  #again = false;

  constructor(
    private readonly store: Store,
    private readonly notifier: Notifier,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.#arm(0);
  }

  /** Re-checks soon: call when a poll's schedule changed. */
  poke(): void {
    if (this.#timer === null || this.#stopped) return;
    if (this.#running !== null) this.#again = true;
    else this.#arm(0);
  }

  #arm(ms: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#running = this.#tick().finally(() => (this.#running = null));
    }, ms);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    let wait = this.intervalMs;
    this.#again = false;
    try {
      const now = Date.now();
      for (const c of await this.store.applyDueTransitions(now)) {
        this.notifier.publish({ type: 'poll', pollId: c.pollId });
        this.notifier.publish({ type: 'results', pollId: c.pollId, version: c.version, committedAt: now });
      }
      const next = await this.store.nextDueAt(Date.now());
      if (next !== null) wait = Math.max(0, Math.min(wait, next - Date.now()));
      if (now - this.#lastPrune > 3600_000) {
        this.#lastPrune = now;
        await this.store.pruneIdempotency(now - IDEMPOTENCY_TTL_MS);
      }
    } catch (err) {
      this.onError(err);
      // A failed tick (the store timed out) tries again soon, not a whole interval later: a close
      // due meanwhile must not wait for it.
      wait = Math.min(wait, RETRY_MS);
    }
    if (!this.#stopped) this.#arm(this.#again ? 0 : wait);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }
}
