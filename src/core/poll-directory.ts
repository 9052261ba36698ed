/**
 * Poll lookups for the hot path, through the tiered cache (this process, then the shared tier,
 * then the store). Entries live `ttlMs` here (five times that in the shared tier) and are dropped
 * at once when a `poll` notice arrives, so a change made by any process is seen everywhere within
 * a notice's delay (or the TTL if a notice is lost). The store re-checks status inside the vote
 * transaction, so a stale entry can never let a vote into a closed poll.
 */
import type { Poll } from '../domain/poll.js';
import type { TieredCache } from '../ports/cache.js';
import type { Notifier } from '../ports/notifier.js';
import type { Store } from '../ports/store.js';
import { noopMetrics, type Metrics } from '../ports/metrics.js';

export class PollDirectory {
  readonly #unsubscribe: () => void;

  constructor(
    private readonly store: Store,
    /** `null`: the store has no such poll (cached briefly too, so a scan of unknown ids stays cheap). */
    private readonly cache: TieredCache<Poll | null>,
    private readonly notifier: Notifier,
    private readonly ttlMs = 2_000,
    private readonly metrics: Metrics = noopMetrics,
  ) {
    this.#unsubscribe = notifier.subscribe((n) => {
      if (n.type === 'poll') this.cache.forget(n.pollId);
    });
  }

  async get(id: string): Promise<Poll | null> {
    const hit = this.cache.local(id);
    if (hit !== undefined) {
      this.metrics.cacheLookup('poll', 'local');
      return hit;
    }
    let poll = await this.cache.shared(id);
    const localTtl = (p: Poll | null) => (p ? this.ttlMs : Math.min(this.ttlMs, 1_000));
    if (poll !== undefined) {
      this.metrics.cacheLookup('poll', 'shared');
      this.cache.setLocal(id, poll, localTtl(poll));
    } else {
      this.metrics.cacheLookup('poll', 'miss');
      poll = await this.store.getPoll(id);
      this.cache.set(id, poll, localTtl(poll), this.ttlMs * 5);
    }
    return poll;
  }

  /** The primary's current version, bypassing every cache (owner actions read this). */
  fresh(id: string): Promise<Poll | null> {
    return this.store.getPoll(id, { fresh: true });
  }

  /** Call after a change: drops this process's entry and the shared one, and tells the others. */
  async changed(id: string): Promise<void> {
    await this.cache.invalidate(id);
    this.notifier.publish({ type: 'poll', pollId: id });
  }

  close(): void {
    this.#unsubscribe();
  }
}
