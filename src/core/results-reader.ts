/**
 * Reads results for many viewers without reading the store for each: through the tiered cache,
 * whose entry for a poll is replaced when a `results` notice announces a newer version. Readers
 * never see a version go back.
 */
import { LRUCache } from 'lru-cache';
import type { Results } from '../domain/results.js';
import type { TieredCache } from '../ports/cache.js';
import type { Notifier } from '../ports/notifier.js';
import type { Store } from '../ports/store.js';
import { noopMetrics, type Metrics } from '../ports/metrics.js';

/** Polls this process keeps notice bookkeeping for; the least recently announced go first. */
const TRACKED_POLLS = 100_000;

export class ResultsReader {
  /** Highest version announced per poll: a cached entry older than this is stale. */
  readonly #announced = new LRUCache<string, number>({ max: TRACKED_POLLS });
  /**
   * Polls changed (closed, deleted, rescheduled) since we last read them: the shared cache may
   * still hold their old results at a version no notice will ever exceed (a delete bumps none),
   * so the next read goes to the primary.
   */
  readonly #changed = new LRUCache<string, true>({ max: TRACKED_POLLS });
  readonly #unsubscribe: () => void;

  constructor(
    private readonly store: Store,
    private readonly cache: TieredCache<Results>,
    notifier: Notifier,
    private readonly ttlMs = 1_000,
    private readonly metrics: Metrics = noopMetrics,
  ) {
    this.#unsubscribe = notifier.subscribe((n) => {
      if (n.type === 'results' && n.version > this.announced(n.pollId)) this.#announced.set(n.pollId, n.version);
      if (n.type === 'poll') {
        this.cache.forget(n.pollId);
        this.#changed.set(n.pollId, true);
      }
    });
  }

  /** Highest version this process has heard of for a poll (or -1). */
  announced(pollId: string): number {
    return this.#announced.peek(pollId) ?? -1;
  }

  /** `fresh`: past both caches, from the primary (the caches are refreshed with the answer). */
  async get(pollId: string, opts: { fresh?: boolean } = {}): Promise<Results | null> {
    const hit = this.cache.local(pollId);
    const wanted = this.announced(pollId);
    if (!opts.fresh && hit && hit.version >= wanted) {
      this.metrics.cacheLookup('results', 'local');
      return hit;
    }
    let results: Results | null | undefined;
    const changed = this.#changed.has(pollId) || opts.fresh === true;
    if (!changed) {
      const shared = await this.cache.shared(pollId);
      if (shared && shared.version >= wanted) results = shared;
    }
    if (results) {
      this.metrics.cacheLookup('results', 'shared');
      return this.#keep(pollId, results, false);
    }
    this.metrics.cacheLookup('results', 'miss');
    results = await this.store.getResults(pollId, { fresh: wanted >= 0 || changed });
    this.#changed.delete(pollId);
    if (!results) {
      this.cache.forget(pollId);
      return null;
    }
    return this.#keep(pollId, results, true);
  }

  /** Keeps `results` unless this process already holds a newer version (even an expired one). */
  #keep(pollId: string, results: Results, share: boolean): Results {
    const prev = this.cache.local(pollId, { stale: true });
    if (prev && prev.version > results.version) return prev;
    if (share) this.cache.set(pollId, results, this.ttlMs, this.ttlMs);
    else this.cache.setLocal(pollId, results, this.ttlMs);
    return results;
  }

  close(): void {
    this.#unsubscribe();
  }
}
