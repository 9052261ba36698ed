/**
 * Poll lookups for the hot path: a per-process map in front of the shared cache in front of the
 * store. Entries live `ttlMs` and are dropped at once when a `poll` notice arrives, so a change
 * made by any process is seen everywhere within a notice's delay (or the TTL if a notice is lost).
 * The store re-checks status inside the vote transaction, so a stale entry can never let a vote
 * into a closed poll.
 */
import type { Poll } from '../domain/poll.js';
import type { Cache } from '../ports/cache.js';
import type { Notifier } from '../ports/notifier.js';
import type { Store } from '../ports/store.js';
import { noopMetrics, type Metrics } from '../observability/metrics.js';

const MISSING = null;

export class PollDirectory {
  readonly #local = new Map<string, { poll: Poll | null; expires: number }>();
  readonly #unsubscribe: () => void;

  constructor(
    private readonly store: Store,
    private readonly cache: Cache,
    private readonly notifier: Notifier,
    private readonly ttlMs = 2_000,
    private readonly metrics: Metrics = noopMetrics,
  ) {
    this.#unsubscribe = notifier.subscribe((n) => {
      if (n.type === 'poll') this.#local.delete(n.pollId);
    });
  }

  async get(id: string): Promise<Poll | null> {
    const now = Date.now();
    const hit = this.#local.get(id);
    if (hit && hit.expires > now) {
      this.metrics.cacheLookup('poll', 'local');
      return hit.poll;
    }
    let poll: Poll | null | undefined;
    if (this.cache.kind !== 'memory') {
      try {
        poll = await this.cache.get<Poll | null>('poll:' + id);
      } catch {
        poll = undefined;
      }
    }
    if (poll !== undefined) this.metrics.cacheLookup('poll', 'shared');
    else {
      this.metrics.cacheLookup('poll', 'miss');
      poll = await this.store.getPoll(id);
      if (this.cache.kind !== 'memory') this.cache.set('poll:' + id, poll ?? MISSING, this.ttlMs * 5).catch(() => {});
    }
    if (this.#local.size > 100_000) this.#local.clear();
    this.#local.set(id, { poll, expires: now + (poll ? this.ttlMs : Math.min(this.ttlMs, 1_000)) });
    return poll;
  }

  /** The primary's current version, bypassing every cache (owner actions read this). */
  fresh(id: string): Promise<Poll | null> {
    return this.store.getPoll(id, { fresh: true });
  }

  /** Call after a change: drops this process's entry and the shared one, and tells the others. */
  async changed(id: string): Promise<void> {
    this.#local.delete(id);
    if (this.cache.kind !== 'memory') await this.cache.del('poll:' + id).catch(() => {});
    this.notifier.publish({ type: 'poll', pollId: id });
  }

  close(): void {
    this.#unsubscribe();
  }
}
