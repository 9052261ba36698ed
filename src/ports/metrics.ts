/**
 * The metrics facade: what pollcast counts, in domain verbs. Code outside src/observability calls
 * these and never a metrics library, so the hot path pays for a counter increment and nothing
 * else, and tests or tools can pass `noopMetrics`.
 *
 * Label values are bounded by construction: reasons are error codes from the registry, routes are
 * route patterns (never a URL), groups and kinds are fixed names. Nothing is labelled by poll or
 * voter.
 */

export type CacheKind = 'poll' | 'results';
/** Where a read was answered: this process's map, the shared cache, or the store (a miss). */
export type CacheOutcome = 'local' | 'shared' | 'miss';
/** Which overload threshold made the guard refuse a request (src/http/overload-guard.ts). */
export type ShedReason = 'event_loop_delay' | 'heap' | 'rss' | 'queue';

export interface PoolStats {
  /** Connections checked out. */
  inUse: number;
  idle: number;
  /** Callers waiting for a connection. */
  waiting: number;
  max: number;
}

/** Figures read at scrape time rather than counted as they happen. Each is optional. */
export interface MetricSources {
  /** Unpublished outbox events and the age of the oldest (0 when none). */
  outbox?: () => Promise<{ backlog: number; oldestAgeMs: number }>;
  /** Events a consumer group has not yet handled, per group. */
  consumers?: () => Promise<Array<{ group: string; backlog: number }>>;
  dbPool?: () => PoolStats | null;
  sseConnections?: () => number;
  /** Votes waiting for or inside a group-commit batch. */
  voteQueue?: () => number;
  /** Webhook and e-mail deliveries: pending, dead letters, and how long the oldest due one has waited. */
  deliveries?: () => Promise<{ pending: number; dead: number; oldestDueMs: number }>;
}

/** What became of one delivery attempt: delivered, failed and retried later, or failed for good (dead letter). */
export type DeliveryOutcome = 'delivered' | 'retry' | 'dead';

export interface Metrics {
  /** A vote was counted (201). */
  voteAccepted(): void;
  /** A vote was refused; `reason` is its error code (already_voted, poll_closed, rate_limited…). */
  voteRejected(reason: string): void;
  /** An idempotent retry got the first answer again; nothing new was counted. */
  voteReplayed(): void;
  /** One group-commit transaction: how many votes, how long, committed or failed. */
  batchCommitted(size: number, ms: number, ok: boolean): void;
  /** One HTTP answer; `route` is the route pattern (`/v1/polls/:pollId/votes`) or `unmatched`. */
  requestObserved(route: string, method: string, status: number, ms: number): void;
  /** One coalesced push to a poll's viewers; latency from the commit to the push, if known. */
  ssePush(viewers: number, latencyMs: number | null): void;
  /** A live-results viewer that did not read was dropped: its unsent bytes passed the bound (`buffer`) or did not drain in time (`stalled`). */
  sseViewerDropped(reason: 'buffer' | 'stalled'): void;
  cacheLookup(kind: CacheKind, outcome: CacheOutcome): void;
  /** An event was handled by a consumer group; `ageMs` is how long after its commit. */
  eventConsumed(group: string, ageMs: number, ok: boolean): void;
  /** Events moved from the outbox to the broker in one relay batch. */
  eventsRelayed(count: number): void;
  /** One webhook or e-mail delivery attempt and what became of the delivery. */
  deliveryAttempted(channel: 'webhook' | 'email', outcome: DeliveryOutcome): void;
  /**
   * A request refused at the door (503 `overloaded`) by the overload guard; `reason` is the
   * threshold passed: `event_loop_delay`, `heap`, `rss` or `queue`.
   */
  requestShed(reason: ShedReason): void;
  /** Registers figures read at scrape time; later calls add to earlier ones. */
  readFrom(sources: MetricSources): void;
}

export const noopMetrics: Metrics = {
  voteAccepted() {},
  voteRejected() {},
  voteReplayed() {},
  batchCommitted() {},
  requestObserved() {},
  ssePush() {},
  sseViewerDropped() {},
  cacheLookup() {},
  eventConsumed() {},
  eventsRelayed() {},
  deliveryAttempted() {},
  requestShed() {},
  readFrom() {},
};

/** A facade that can also render itself for a scrape (the prom-client one). */
export interface ScrapableMetrics extends Metrics {
  readonly contentType: string;
  /** The Prometheus text exposition of this process (or, in a node:cluster worker, of every worker). */
  render(): Promise<string>;
}
