/**
 * Reads results for many viewers without reading the store for each: a per-process entry per poll,
 * replaced when a `results` notice announces a newer version. Readers never see a version go back.
 */
import type { Results } from '../domain/results.js';
import type { Cache } from '../ports/cache.js';
import type { Notifier } from '../ports/notifier.js';
import type { Store } from '../ports/store.js';
import { noopMetrics, type Metrics } from '../observability/metrics.js';

export class ResultsReader {
  readonly #local = new Map<string, { results: Results; expires: number }>();
  /** Highest version announced per poll: a cached entry older than this is stale. */
  readonly #announced = new Map<string, number>();
  /**
   * Polls changed (closed, deleted, rescheduled) since we last read them: the shared cache may
   * still hold their old results at a version no notice will ever exceed (a delete bumps none),
   * so the next read goes to the primary.
   */
  readonly #changed = new Set<string>();
  readonly #unsubscribe: () => void;

  constructor(
    private readonly store: Store,
    private readonly cache: Cache,
    notifier: Notifier,
    private readonly ttlMs = 1_000,
    private readonly metrics: Metrics = noopMetrics,
  ) {
    this.#unsubscribe = notifier.subscribe((n) => {
      if (n.type === 'results' && n.version > (this.#announced.get(n.pollId) ?? -1)) {
        if (this.#announced.size > 100_000) this.#announced.clear();
        this.#announced.set(n.pollId, n.version);
      }
      if (n.type === 'poll') {
        this.#local.delete(n.pollId);
        if (this.#changed.size > 100_000) this.#changed.clear();
        this.#changed.add(n.pollId);
      }
    });
  }

  /** Highest version this process has heard of for a poll (or -1). */
  announced(pollId: string): number {
    return this.#announced.get(pollId) ?? -1;
  }

  /** `fresh`: past both caches, from the primary (the caches are refreshed with the answer). */
  async get(pollId: string, opts: { fresh?: boolean } = {}): Promise<Results | null> {
    const now = Date.now();
    const hit = this.#local.get(pollId);
    const wanted = this.announced(pollId);
    if (!opts.fresh && hit && hit.expires > now && hit.results.version >= wanted) {
      this.metrics.cacheLookup('results', 'local');
      return hit.results;
    }
    let results: Results | null | undefined;
    const changed = this.#changed.has(pollId) || opts.fresh === true;
    if (this.cache.kind !== 'memory' && !changed) {
      try {
        const shared = await this.cache.get<Results>('results:' + pollId);
        if (shared && shared.version >= wanted) results = shared;
      } catch {
        results = undefined;
      }
    }
    if (results) this.metrics.cacheLookup('results', 'shared');
    else {
      this.metrics.cacheLookup('results', 'miss');
      results = await this.store.getResults(pollId, { fresh: wanted >= 0 || changed });
      this.#changed.delete(pollId);
      if (results && this.cache.kind !== 'memory') this.cache.set('results:' + pollId, results, this.ttlMs).catch(() => {});
    }
    if (!results) {
      this.#local.delete(pollId);
      return null;
    }
    const prev = this.#local.get(pollId);
    if (prev && prev.results.version > results.version) return prev.results;
    if (this.#local.size > 100_000) this.#local.clear();
    this.#local.set(pollId, { results, expires: now + this.ttlMs });
    return results;
  }

  close(): void {
    this.#unsubscribe();
  }
}
