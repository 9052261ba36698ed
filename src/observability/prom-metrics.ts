/**
 * The metrics facade on prom-client (which only src/observability touches). Every metric lives in
 * this instance's own Registry, so several apps in one process (tests) never collide. Hot-path
 * verbs add to plain cells kept per label set (fast-metrics.ts: no hashing per increment); figures
 * that are read rather than counted (backlogs, pools, connections) are read in each gauge's
 * collect(), at scrape time.
 *
 * In a node:cluster worker (`--processes N`) `render()` returns the sum over every worker, so a
 * scrape that lands on any worker sees the whole process group (cluster-metrics.ts).
 */
import cluster from 'node:cluster';
import client from 'prom-client';
import { clusterMetricsText, shareRegistryWithPrimary } from './cluster-metrics.js';
import { FastCounter, FastHistogram, type CounterCell, type HistogramCell } from './fast-metrics.js';
import { registerSampledGauges } from './sampled-gauges.js';
import type { CacheKind, CacheOutcome, DeliveryOutcome, Metrics, MetricSources, ScrapableMetrics, ShedReason } from '../ports/metrics.js';

/** Seconds. HTTP answers and commits are milliseconds; the top buckets catch stalls. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
const PUSH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2.5, 5, 10];
const AGE_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

export interface PromMetricsOptions {
  role: string;
  version: string;
  /** Process-level metrics (event-loop lag, heap, GC, CPU). Default true. */
  defaultMetrics?: boolean;
}

export class PromMetrics implements ScrapableMetrics {
  readonly registry = new client.Registry();
  readonly #sources: MetricSources[] = [];

  readonly #requests: FastCounter;
  readonly #requestSeconds: FastHistogram;
  readonly #requestCells = new Map<string, { count: CounterCell; seconds: HistogramCell }>();
  readonly #accepted: CounterCell;
  readonly #replayed: CounterCell;
  readonly #rejected: FastCounter;
  readonly #rejectedCells = new Map<string, CounterCell>();
  readonly #batchSize: HistogramCell;
  readonly #batchSeconds: HistogramCell;
  readonly #batchFailed: CounterCell;
  readonly #pushes: CounterCell;
  readonly #frames: CounterCell;
  readonly #pushSeconds: HistogramCell;
  readonly #dropped: Record<'buffer' | 'stalled', CounterCell>;
  readonly #cache: Record<CacheKind, Record<CacheOutcome, CounterCell>>;
  readonly #consumed: FastHistogram;
  readonly #consumeFailed: FastCounter;
  readonly #relayed: CounterCell;
  readonly #deliveries: FastCounter;
  readonly #shed: Record<ShedReason, CounterCell>;
  #clustered = false;

  constructor(opts: PromMetricsOptions) {
    const r = this.registry;
    if (opts.defaultMetrics !== false) client.collectDefaultMetrics({ register: r });
    new client.Gauge({ name: 'pollcast_build_info', help: 'Always 1; labels name the version and role', labelNames: ['version', 'role'], registers: [r], aggregator: 'first' })
      .labels(opts.version, opts.role)
      .set(1);

    this.#requests = new FastCounter({ name: 'pollcast_http_requests_total', help: 'HTTP answers by route pattern, method and status', labelNames: ['route', 'method', 'status'], registers: [r] });
    this.#requestSeconds = new FastHistogram({ name: 'pollcast_http_request_duration_seconds', help: 'Time from request to answer, by route pattern and method', labelNames: ['route', 'method'], buckets: LATENCY_BUCKETS, registers: [r] });

    this.#accepted = new FastCounter({ name: 'pollcast_votes_accepted_total', help: 'Votes counted (201)', registers: [r] }).child();
    this.#replayed = new FastCounter({ name: 'pollcast_votes_replayed_total', help: 'Idempotent retries answered with the first answer; nothing new counted', registers: [r] }).child();
    this.#rejected = new FastCounter({ name: 'pollcast_votes_rejected_total', help: 'Votes refused, by error code', labelNames: ['reason'], registers: [r] });

    this.#batchSize = new FastHistogram({ name: 'pollcast_vote_batch_size', help: 'Votes per group-commit transaction', buckets: BATCH_BUCKETS, registers: [r] }).child();
    this.#batchSeconds = new FastHistogram({ name: 'pollcast_vote_batch_commit_seconds', help: 'Duration of one group-commit transaction', buckets: LATENCY_BUCKETS, registers: [r] }).child();
    this.#batchFailed = new FastCounter({ name: 'pollcast_vote_batches_failed_total', help: 'Group-commit transactions that failed (their votes were answered with an error)', registers: [r] }).child();

    this.#pushes = new FastCounter({ name: 'pollcast_results_pushes_total', help: 'Coalesced result pushes to a poll’s viewers', registers: [r] }).child();
    this.#frames = new FastCounter({ name: 'pollcast_sse_frames_total', help: 'Result frames written to viewers', registers: [r] }).child();
    const dropped = new FastCounter({ name: 'pollcast_sse_slow_viewers_dropped_total', help: 'Live-results viewers dropped for not reading, by cause: unsent bytes past SSE_MAX_BUFFERED_BYTES (buffer) or not drained for SSE_STALL_TIMEOUT_MS (stalled)', labelNames: ['reason'], registers: [r] });
    this.#dropped = { buffer: dropped.child('buffer'), stalled: dropped.child('stalled') };
    this.#pushSeconds = new FastHistogram({ name: 'pollcast_vote_to_viewer_seconds', help: 'From the commit of a change to its push to viewers', buckets: PUSH_BUCKETS, registers: [r] }).child();

    const lookups = new FastCounter({ name: 'pollcast_cache_lookups_total', help: 'Poll and results reads by where they were answered (local, shared cache, or a miss to the store)', labelNames: ['kind', 'outcome'], registers: [r] });
    const bind = (kind: CacheKind) => ({ local: lookups.child(kind, 'local'), shared: lookups.child(kind, 'shared'), miss: lookups.child(kind, 'miss') });
    this.#cache = { poll: bind('poll'), results: bind('results') };

    this.#consumed = new FastHistogram({ name: 'pollcast_consumer_event_age_seconds', help: 'How long after its commit an event was handled, by consumer group', labelNames: ['group'], buckets: AGE_BUCKETS, registers: [r] });
    this.#consumeFailed = new FastCounter({ name: 'pollcast_consumer_failures_total', help: 'Event handler failures (the event is redelivered), by consumer group', labelNames: ['group'], registers: [r] });
    this.#relayed = new FastCounter({ name: 'pollcast_outbox_relayed_total', help: 'Events moved from the outbox to the broker', registers: [r] }).child();
    this.#deliveries = new FastCounter({ name: 'pollcast_delivery_attempts_total', help: 'Webhook and e-mail delivery attempts, by channel and outcome (delivered, retry: failed and tried again later, dead: failed for good)', labelNames: ['channel', 'outcome'], registers: [r] });

    const shed = new FastCounter({ name: 'pollcast_http_requests_shed_total', help: 'Requests refused with 503 overloaded by the overload guard, by the threshold passed', labelNames: ['reason'], registers: [r] });
    this.#shed = { event_loop_delay: shed.child('event_loop_delay'), heap: shed.child('heap'), rss: shed.child('rss'), queue: shed.child('queue') };

    registerSampledGauges(r, this.#sources);
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
    let c = this.#rejectedCells.get(reason);
    if (!c) this.#rejectedCells.set(reason, (c = this.#rejected.child(reason)));
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
    let c = this.#requestCells.get(key);
    if (!c) {
      c = { count: this.#requests.child(route, method, String(status)), seconds: this.#requestSeconds.child(route, method) };
      this.#requestCells.set(key, c);
    }
    c.count.inc();
    c.seconds.observe(ms / 1000);
  }

  ssePush(viewers: number, latencyMs: number | null): void {
    this.#pushes.inc();
    if (viewers > 0) this.#frames.inc(viewers);
    if (latencyMs !== null) this.#pushSeconds.observe(Math.max(0, latencyMs) / 1000);
  }

  sseViewerDropped(reason: 'buffer' | 'stalled'): void {
    this.#dropped[reason].inc();
  }

  cacheLookup(kind: CacheKind, outcome: CacheOutcome): void {
    this.#cache[kind][outcome].inc();
  }

  eventConsumed(group: string, ageMs: number, ok: boolean): void {
    if (ok) this.#consumed.child(group).observe(Math.max(0, ageMs) / 1000);
    else this.#consumeFailed.child(group).inc();
  }

  eventsRelayed(count: number): void {
    this.#relayed.inc(count);
  }

  deliveryAttempted(channel: 'webhook' | 'email', outcome: DeliveryOutcome): void {
    this.#deliveries.child(channel, outcome).inc();
  }

  requestShed(reason: ShedReason): void {
    this.#shed[reason].inc();
  }

  readFrom(sources: MetricSources): void {
    this.#sources.push(sources);
  }
}

/** Builds the facade for a process. */
export function createPromMetrics(opts: PromMetricsOptions): PromMetrics & Metrics {
  return new PromMetrics(opts);
}
