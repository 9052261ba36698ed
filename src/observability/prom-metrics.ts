/**
 * The metrics facade on prom-client, and the only file that touches it (with cluster-metrics.ts).
 * Every metric lives in this instance's own Registry, so several apps in one process (tests)
 * never collide. Hot-path verbs increment pre-bound label children; figures that are read rather
 * than counted (backlogs, pools, connections) are read in each gauge's collect(), at scrape time.
 *
 * In a node:cluster worker (`--processes N`) `render()` returns the sum over every worker, so a
 * scrape that lands on any worker sees the whole process group (cluster-metrics.ts).
 */
import cluster from 'node:cluster';
import client from 'prom-client';
import { clusterMetricsText, shareRegistryWithPrimary } from './cluster-metrics.js';
import type { CacheKind, CacheOutcome, Metrics, MetricSources, ScrapableMetrics } from './metrics.js';

/** Seconds. HTTP answers and commits are milliseconds; the top buckets catch stalls. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
const PUSH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2.5, 5, 10];
const AGE_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];
/** A scrape never waits longer than this for a figure read from a backend. */
const SOURCE_TIMEOUT_MS = 1_000;

export interface PromMetricsOptions {
  role: string;
  version: string;
  /** Process-level metrics (event-loop lag, heap, GC, CPU). Default true. */
  defaultMetrics?: boolean;
}

type Child = { inc(n?: number): void };
type HistChild = { observe(v: number): void };

export class PromMetrics implements ScrapableMetrics {
  readonly registry = new client.Registry();
  readonly #sources: MetricSources[] = [];

  readonly #requests: client.Counter<'route' | 'method' | 'status'>;
  readonly #requestSeconds: client.Histogram<'route' | 'method'>;
  readonly #requestChildren = new Map<string, { count: Child; seconds: HistChild }>();
  readonly #accepted: Child;
  readonly #replayed: Child;
  readonly #rejected: client.Counter<'reason'>;
  readonly #rejectedChildren = new Map<string, Child>();
  readonly #batchSize: HistChild;
  readonly #batchSeconds: HistChild;
  readonly #batchFailed: Child;
  readonly #pushes: Child;
  readonly #frames: Child;
  readonly #pushSeconds: HistChild;
  readonly #cache: Record<CacheKind, Record<CacheOutcome, Child>>;
  readonly #consumed: client.Histogram<'group'>;
  readonly #consumeFailed: client.Counter<'group'>;
  readonly #relayed: Child;
  #clustered = false;
  #outboxRead: { at: number; value: Promise<{ backlog: number; oldestAgeMs: number } | null> } | null = null;

  constructor(opts: PromMetricsOptions) {
    const r = this.registry;
    if (opts.defaultMetrics !== false) client.collectDefaultMetrics({ register: r });
    new client.Gauge({ name: 'pollcast_build_info', help: 'Always 1; labels name the version and role', labelNames: ['version', 'role'], registers: [r], aggregator: 'first' })
      .labels(opts.version, opts.role)
      .set(1);

    this.#requests = new client.Counter({ name: 'pollcast_http_requests_total', help: 'HTTP answers by route pattern, method and status', labelNames: ['route', 'method', 'status'], registers: [r] });
    this.#requestSeconds = new client.Histogram({ name: 'pollcast_http_request_duration_seconds', help: 'Time from request to answer, by route pattern and method', labelNames: ['route', 'method'], buckets: LATENCY_BUCKETS, registers: [r] });

    this.#accepted = new client.Counter({ name: 'pollcast_votes_accepted_total', help: 'Votes counted (201)', registers: [r] });
    this.#replayed = new client.Counter({ name: 'pollcast_votes_replayed_total', help: 'Idempotent retries answered with the first answer; nothing new counted', registers: [r] });
    this.#rejected = new client.Counter({ name: 'pollcast_votes_rejected_total', help: 'Votes refused, by error code', labelNames: ['reason'], registers: [r] });

    this.#batchSize = new client.Histogram({ name: 'pollcast_vote_batch_size', help: 'Votes per group-commit transaction', buckets: BATCH_BUCKETS, registers: [r] });
    this.#batchSeconds = new client.Histogram({ name: 'pollcast_vote_batch_commit_seconds', help: 'Duration of one group-commit transaction', buckets: LATENCY_BUCKETS, registers: [r] });
    this.#batchFailed = new client.Counter({ name: 'pollcast_vote_batches_failed_total', help: 'Group-commit transactions that failed (their votes were answered with an error)', registers: [r] });

    this.#pushes = new client.Counter({ name: 'pollcast_results_pushes_total', help: 'Coalesced result pushes to a poll’s viewers', registers: [r] });
    this.#frames = new client.Counter({ name: 'pollcast_sse_frames_total', help: 'Result frames written to viewers', registers: [r] });
    this.#pushSeconds = new client.Histogram({ name: 'pollcast_vote_to_viewer_seconds', help: 'From the commit of a change to its push to viewers', buckets: PUSH_BUCKETS, registers: [r] });

    const lookups = new client.Counter({ name: 'pollcast_cache_lookups_total', help: 'Poll and results reads by where they were answered (local, shared cache, or a miss to the store)', labelNames: ['kind', 'outcome'], registers: [r] });
    const bind = (kind: CacheKind) => ({ local: lookups.labels(kind, 'local'), shared: lookups.labels(kind, 'shared'), miss: lookups.labels(kind, 'miss') });
    this.#cache = { poll: bind('poll'), results: bind('results') };

    this.#consumed = new client.Histogram({ name: 'pollcast_consumer_event_age_seconds', help: 'How long after its commit an event was handled, by consumer group', labelNames: ['group'], buckets: AGE_BUCKETS, registers: [r] });
    this.#consumeFailed = new client.Counter({ name: 'pollcast_consumer_failures_total', help: 'Event handler failures (the event is redelivered), by consumer group', labelNames: ['group'], registers: [r] });
    this.#relayed = new client.Counter({ name: 'pollcast_outbox_relayed_total', help: 'Events moved from the outbox to the broker', registers: [r] });

    this.#sampledGauges();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async render(): Promise<string> {
    return this.#clustered ? clusterMetricsText() : this.registry.metrics();
  }

  /**
   * In a node:cluster worker under `serveClusterMetrics()`: lets the primary collect this registry,
   * and makes `render()` answer with the group's total.
   */
  joinCluster(): void {
    if (!cluster.isWorker) return;
    shareRegistryWithPrimary(this.registry);
    this.#clustered = true;
  }

  voteAccepted(): void {
    this.#accepted.inc();
  }

  voteRejected(reason: string): void {
    let c = this.#rejectedChildren.get(reason);
    if (!c) this.#rejectedChildren.set(reason, (c = this.#rejected.labels(reason)));
    c.inc();
  }

  voteReplayed(): void {
    this.#replayed.inc();
  }

  batchCommitted(size: number, ms: number, ok: boolean): void {
    this.#batchSize.observe(size);
    this.#batchSeconds.observe(ms / 1000);
    if (!ok) this.#batchFailed.inc();
  }

  requestObserved(route: string, method: string, status: number, ms: number): void {
    const key = route + ' ' + method + ' ' + status;
    let c = this.#requestChildren.get(key);
    if (!c) {
      c = { count: this.#requests.labels(route, method, String(status)), seconds: this.#requestSeconds.labels(route, method) };
      this.#requestChildren.set(key, c);
    }
    c.count.inc();
    c.seconds.observe(ms / 1000);
  }

  ssePush(viewers: number, latencyMs: number | null): void {
    this.#pushes.inc();
    if (viewers > 0) this.#frames.inc(viewers);
    if (latencyMs !== null) this.#pushSeconds.observe(Math.max(0, latencyMs) / 1000);
  }

  cacheLookup(kind: CacheKind, outcome: CacheOutcome): void {
    this.#cache[kind][outcome].inc();
  }

  eventConsumed(group: string, ageMs: number, ok: boolean): void {
    if (ok) this.#consumed.labels(group).observe(Math.max(0, ageMs) / 1000);
    else this.#consumeFailed.labels(group).inc();
  }

  eventsRelayed(count: number): void {
    this.#relayed.inc(count);
  }

  readFrom(sources: MetricSources): void {
    this.#sources.push(sources);
  }

  /** Gauges whose value is read from the sources when scraped. */
  #sampledGauges(): void {
    const r = this.registry;
    const sources = this.#sources;
    const self = this;
    new client.Gauge({
      name: 'pollcast_outbox_backlog',
      help: 'Committed events not yet handed to the broker',
      registers: [r],
      aggregator: 'max',
      async collect() {
        const o = await self.#readOutbox();
        if (o !== undefined) this.set(o === null ? Number.NaN : o.backlog);
      },
    });
    new client.Gauge({
      name: 'pollcast_outbox_oldest_age_seconds',
      help: 'Age of the oldest event not yet handed to the broker (relay lag); 0 when the outbox is empty',
      registers: [r],
      aggregator: 'max',
      async collect() {
        const o = await self.#readOutbox();
        if (o !== undefined) this.set(o === null ? Number.NaN : o.oldestAgeMs / 1000);
      },
    });
    new client.Gauge({
      name: 'pollcast_consumer_backlog',
      help: 'Events in the broker a consumer group has not yet handled',
      labelNames: ['group'],
      registers: [r],
      aggregator: 'max',
      async collect() {
        for (const s of sources) {
          if (!s.consumers) continue;
          const groups = await withTimeout(s.consumers()).catch(() => null);
          for (const g of groups ?? []) this.labels(g.group).set(g.backlog);
        }
      },
    });
    const pool = new client.Gauge({ name: 'pollcast_db_pool_connections', help: 'Database connections by state (in_use, idle), over every pool of this process', labelNames: ['state'], registers: [r] });
    const poolWaiting = new client.Gauge({ name: 'pollcast_db_pool_waiting', help: 'Callers waiting for a database connection', registers: [r] });
    new client.Gauge({
      name: 'pollcast_db_pool_max',
      help: 'Database connections allowed, over every pool of this process',
      registers: [r],
      collect() {
        let inUse = 0, idle = 0, waiting = 0, max = 0, any = false;
        for (const s of sources) {
          const p = s.dbPool?.();
          if (!p) continue;
          any = true;
          inUse += p.inUse;
          idle += p.idle;
          waiting += p.waiting;
          max += p.max;
        }
        if (!any) return;
        pool.labels('in_use').set(inUse);
        pool.labels('idle').set(idle);
        poolWaiting.set(waiting);
        this.set(max);
      },
    });
    new client.Gauge({
      name: 'pollcast_sse_connections',
      help: 'Open live-results (SSE) connections',
      registers: [r],
      collect() {
        let n = 0;
        for (const s of sources) n += s.sseConnections?.() ?? 0;
        this.set(n);
      },
    });
    new client.Gauge({
      name: 'pollcast_vote_queue_depth',
      help: 'Votes waiting for or inside a group-commit batch',
      registers: [r],
      collect() {
        let n = 0;
        for (const s of sources) n += s.voteQueue?.() ?? 0;
        this.set(n);
      },
    });
  }

  /**
   * One outbox read serves both outbox gauges of a scrape. undefined: no source; null: the read
   * failed (the gauges show NaN rather than a stale figure).
   */
  #readOutbox(): Promise<{ backlog: number; oldestAgeMs: number } | null> | undefined {
    const read = this.#sources.find((s) => s.outbox)?.outbox;
    if (!read) return undefined;
    const now = Date.now();
    if (this.#outboxRead && now - this.#outboxRead.at < 500) return this.#outboxRead.value;
    const value = withTimeout(read()).catch(() => null);
    this.#outboxRead = { at: now, value };
    return value;
  }
}

function withTimeout<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('metric source timed out')), SOURCE_TIMEOUT_MS);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Builds the facade for a process. */
export function createPromMetrics(opts: PromMetricsOptions): PromMetrics & Metrics {
  return new PromMetrics(opts);
}
