/**
 * Gauges read at scrape time from the app's MetricSources: outbox backlog and relay lag, consumer
 * backlog, DB pool, SSE connections, vote queue. A registry collects its metrics concurrently, so
 * each gauge reads its figure in its own collect(); a figure from a backend is bounded by
 * SOURCE_TIMEOUT_MS and, when it cannot be read, shows NaN rather than a stale value. In a
 * node:cluster group, cluster-wide readings (backlogs, lag) aggregate by max, the rest by sum.
 */
import client from 'prom-client';
import type { MetricSources, PoolStats } from '../ports/metrics.js';

/** A scrape never waits longer than this for a figure read from a backend. */
const SOURCE_TIMEOUT_MS = 1_000;
/** One outbox read serves both outbox gauges of a scrape. */
const OUTBOX_READ_REUSE_MS = 500;

type OutboxFigures = { backlog: number; oldestAgeMs: number };

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

export function registerSampledGauges(r: client.Registry, sources: readonly MetricSources[]): void {
  const pools = (): PoolStats | null => {
    let found = false;
    const sum = { inUse: 0, idle: 0, waiting: 0, max: 0 };
    for (const s of sources) {
      const p = s.dbPool?.();
      if (!p) continue;
      found = true;
      sum.inUse += p.inUse;
      sum.idle += p.idle;
      sum.waiting += p.waiting;
      sum.max += p.max;
    }
    return found ? sum : null;
  };

  // The pool gauges are registered first: collects start in registration order within one tick,
  // so they read the pools before this scrape's own outbox queries queue for a connection.
  new client.Gauge({
    name: 'pollcast_db_pool_connections',
    help: 'Database connections by state (in_use, idle), over every pool of this process',
    labelNames: ['state'],
    registers: [r],
    collect() {
      const p = pools();
      if (!p) return;
      this.labels('in_use').set(p.inUse);
      this.labels('idle').set(p.idle);
    },
  });
  new client.Gauge({
    name: 'pollcast_db_pool_waiting',
    help: 'Callers waiting for a database connection (including connections being opened)',
    registers: [r],
    collect() {
      const p = pools();
      if (p) this.set(p.waiting);
    },
  });
  new client.Gauge({
    name: 'pollcast_db_pool_max',
    help: 'Database connections allowed, over every pool of this process',
    registers: [r],
    collect() {
      const p = pools();
      if (p) this.set(p.max);
    },
  });

  let outboxRead: { at: number; value: Promise<OutboxFigures | null> } | null = null;
  /** undefined: no source; null: the read failed. */
  const readOutbox = (): Promise<OutboxFigures | null> | undefined => {
    const read = sources.find((s) => s.outbox)?.outbox;
    if (!read) return undefined;
    const now = Date.now();
    if (outboxRead && now - outboxRead.at < OUTBOX_READ_REUSE_MS) return outboxRead.value;
    const value = withTimeout(read()).catch(() => null);
    outboxRead = { at: now, value };
    return value;
  };
  new client.Gauge({
    name: 'pollcast_outbox_backlog',
    help: 'Committed events not yet handed to the broker',
    registers: [r],
    aggregator: 'max',
    async collect() {
      const o = await readOutbox();
      if (o !== undefined) this.set(o === null ? Number.NaN : o.backlog);
    },
  });
  new client.Gauge({
    name: 'pollcast_outbox_oldest_age_seconds',
    help: 'Age of the oldest event not yet handed to the broker (relay lag); 0 when the outbox is empty',
    registers: [r],
    aggregator: 'max',
    async collect() {
      const o = await readOutbox();
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
  let deliveriesRead: { at: number; value: Promise<{ pending: number; dead: number; oldestDueMs: number } | null> } | null = null;
  const readDeliveries = () => {
    const read = sources.find((s) => s.deliveries)?.deliveries;
    if (!read) return undefined;
    const now = Date.now();
    if (deliveriesRead && now - deliveriesRead.at < OUTBOX_READ_REUSE_MS) return deliveriesRead.value;
    const value = withTimeout(read()).catch(() => null);
    deliveriesRead = { at: now, value };
    return value;
  };
  new client.Gauge({
    name: 'pollcast_delivery_backlog',
    help: 'Webhook and e-mail deliveries by state: pending (waiting for an attempt or its retry) and dead (given up, waiting for a replay)',
    labelNames: ['state'],
    registers: [r],
    aggregator: 'max',
    async collect() {
      const d = await readDeliveries();
      if (d === undefined) return;
      this.labels('pending').set(d === null ? Number.NaN : d.pending);
      this.labels('dead').set(d === null ? Number.NaN : d.dead);
    },
  });
  new client.Gauge({
    name: 'pollcast_delivery_oldest_due_seconds',
    help: 'How long the oldest due webhook or e-mail delivery has waited for its attempt (workers behind or down); 0 when none is due',
    registers: [r],
    aggregator: 'max',
    async collect() {
      const d = await readDeliveries();
      if (d !== undefined) this.set(d === null ? Number.NaN : d.oldestDueMs / 1000);
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
