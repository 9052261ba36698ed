/**
 * `pollcast status`: a view of running processes for an operator without Grafana. Scrapes each
 * URL's /metrics twice, `intervalMs` apart, and prints per process and in total: votes/s, refusals
 * and 5xx per second, the vote p99 over the interval, outbox backlog and relay lag, consumer
 * backlog, SSE connections, vote-to-viewer p99, DB pool use, event-loop p99 and heap.
 */
import { bucketDelta, bucketsOf, parsePromText, quantile, sumOf, type Sample } from './prom-text.js';

const VOTE_ROUTE = '/v1/polls/:pollId/votes';

export interface StatusRow {
  target: string;
  role: string | null;
  votesPerSec: number | null;
  rejectedPerSec: number | null;
  errorsPerSec: number | null;
  voteP99Ms: number | null;
  outboxBacklog: number | null;
  relayLagSec: number | null;
  consumerBacklog: number | null;
  sseConnections: number | null;
  pushP99Ms: number | null;
  dbInUse: number | null;
  dbWaiting: number | null;
  eventLoopP99Ms: number | null;
  heapUsedMb: number | null;
  error?: string;
}

interface Scrape {
  at: number;
  samples: Sample[];
}

/** `host:port`, `http://host:port` or a full URL ending in /metrics → the metrics URL. */
export function metricsUrlOf(target: string): string {
  const withScheme = /^https?:\/\//.test(target) ? target : `http://${target}`;
  const u = new URL(withScheme);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/metrics';
  return u.toString();
}

async function scrape(url: string, timeoutMs: number, token?: string): Promise<Scrape> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const text = await res.text();
  return { at: performance.now(), samples: parsePromText(text) };
}

const rate = (a: Scrape, b: Scrape, name: string, filter = {}): number | null => {
  const y = sumOf(b.samples, name, filter);
  if (y === null) return null;
  // A labelled series first seen in the second scrape started from 0 in between.
  const x = sumOf(a.samples, name, filter) ?? 0;
  return Math.max(0, y - x) / ((b.at - a.at) / 1000);
};

/** p99 of a histogram over the interval; when nothing happened in it, since the process started. */
function p99(a: Scrape, b: Scrape, name: string, filter = {}): number | null {
  const later = bucketsOf(b.samples, name, filter);
  return quantile(0.99, bucketDelta(later, bucketsOf(a.samples, name, filter))) ?? quantile(0.99, later);
}

export function statusRow(target: string, a: Scrape, b: Scrape): StatusRow {
  const ms = (v: number | null) => (v === null ? null : v * 1000);
  const last = (name: string, filter = {}) => sumOf(b.samples, name, filter);
  const info = b.samples.find((s) => s.name === 'pollcast_build_info');
  const inUse = last('pollcast_db_pool_connections', { state: 'in_use' });
  return {
    target,
    role: info?.labels.role ?? null,
    votesPerSec: rate(a, b, 'pollcast_votes_accepted_total'),
    // No sample yet with a refusal or a 5xx status: none happened (the series appear on first use).
    rejectedPerSec: rate(a, b, 'pollcast_votes_rejected_total') ?? (last('pollcast_votes_accepted_total') === null ? null : 0),
    errorsPerSec: rate(a, b, 'pollcast_http_requests_total', { status: /^5/ }) ?? (last('pollcast_http_requests_total') === null ? null : 0),
    voteP99Ms: ms(p99(a, b, 'pollcast_http_request_duration_seconds', { route: VOTE_ROUTE, method: 'POST' })),
    outboxBacklog: last('pollcast_outbox_backlog'),
    relayLagSec: last('pollcast_outbox_oldest_age_seconds'),
    consumerBacklog: last('pollcast_consumer_backlog'),
    sseConnections: last('pollcast_sse_connections'),
    pushP99Ms: ms(p99(a, b, 'pollcast_vote_to_viewer_seconds')),
    dbInUse: inUse,
    dbWaiting: inUse === null ? null : last('pollcast_db_pool_waiting'),
    eventLoopP99Ms: ms(last('nodejs_eventloop_lag_p99_seconds')),
    heapUsedMb: ((v) => (v === null ? null : v / 1048576))(last('nodejs_heap_size_used_bytes')),
  };
}

/** The fleet: rates and counts summed, lags and p99s the worst of the processes. */
export function totalRow(rows: StatusRow[]): StatusRow {
  const ok = rows.filter((r) => !r.error);
  const sum = (k: keyof StatusRow) => {
    const vs = ok.map((r) => r[k]).filter((v): v is number => typeof v === 'number');
    return vs.length ? vs.reduce((x, y) => x + y, 0) : null;
  };
  const max = (k: keyof StatusRow) => {
    const vs = ok.map((r) => r[k]).filter((v): v is number => typeof v === 'number');
    return vs.length ? Math.max(...vs) : null;
  };
  return {
    target: `total (${ok.length}/${rows.length} up)`,
    role: null,
    votesPerSec: sum('votesPerSec'),
    rejectedPerSec: sum('rejectedPerSec'),
    errorsPerSec: sum('errorsPerSec'),
    voteP99Ms: max('voteP99Ms'),
    // The backlog and the lag are cluster-wide figures each worker reads: the largest, not a sum.
    outboxBacklog: max('outboxBacklog'),
    relayLagSec: max('relayLagSec'),
    consumerBacklog: max('consumerBacklog'),
    sseConnections: sum('sseConnections'),
    pushP99Ms: max('pushP99Ms'),
    dbInUse: sum('dbInUse'),
    dbWaiting: sum('dbWaiting'),
    eventLoopP99Ms: max('eventLoopP99Ms'),
    heapUsedMb: sum('heapUsedMb'),
  };
}

const COLUMNS: Array<[string, (r: StatusRow) => string]> = [
  ['process', (r) => r.target],
  ['role', (r) => r.role ?? ''],
  ['votes/s', (r) => num(r.votesPerSec, 1)],
  ['refused/s', (r) => num(r.rejectedPerSec, 1)],
  ['5xx/s', (r) => num(r.errorsPerSec, 1)],
  ['vote p99', (r) => unit(r.voteP99Ms, 'ms', 1)],
  ['outbox', (r) => num(r.outboxBacklog, 0)],
  ['relay lag', (r) => unit(r.relayLagSec, 's', 1)],
  ['consumer', (r) => num(r.consumerBacklog, 0)],
  ['SSE', (r) => num(r.sseConnections, 0)],
  ['push p99', (r) => unit(r.pushP99Ms, 'ms', 0)],
  ['db use/wait', (r) => (r.dbInUse === null ? '-' : `${r.dbInUse}/${r.dbWaiting ?? 0}`)],
  ['loop p99', (r) => unit(r.eventLoopP99Ms, 'ms', 1)],
  ['heap', (r) => unit(r.heapUsedMb, 'MB', 0)],
];

function num(v: number | null, digits: number): string {
  return v === null || Number.isNaN(v) ? '-' : v.toFixed(digits);
}
function unit(v: number | null, u: string, digits: number): string {
  return v === null || Number.isNaN(v) ? '-' : `${v.toFixed(digits)} ${u}`;
}

export function formatTable(rows: StatusRow[]): string {
  const cells = [COLUMNS.map(([h]) => h), ...rows.map((r) => (r.error ? [r.target, `unreachable: ${r.error}`] : COLUMNS.map(([, f]) => f(r))))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((c) => (c.length === COLUMNS.length ? (c[i] ?? '').length : 0))));
  return cells
    .map((c) => (c.length === COLUMNS.length ? c.map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ') : c.join('  ')))
    .join('\n');
}

export interface StatusOptions {
  targets: string[];
  intervalMs: number;
  json: boolean;
  write: (s: string) => void;
  /** Bearer token for scrapes (the processes' METRICS_TOKEN). */
  token?: string;
}

/** Returns the exit code: 0 when every target answered, 1 otherwise. */
export async function runStatus(o: StatusOptions): Promise<number> {
  const urls = o.targets.map((t) => {
    try {
      return metricsUrlOf(t);
    } catch {
      return t;
    }
  });
  const timeout = Math.max(2_000, o.intervalMs);
  const first = await Promise.all(urls.map((u) => scrape(u, timeout, o.token).catch((e: Error) => e)));
  await new Promise((r) => setTimeout(r, o.intervalMs));
  const second = await Promise.all(urls.map((u, i) => (first[i] instanceof Error ? Promise.resolve(first[i] as Error) : scrape(u, timeout, o.token).catch((e: Error) => e))));
  const rows = urls.map((u, i): StatusRow => {
    const a = first[i]!;
    const b = second[i]!;
    if (a instanceof Error || b instanceof Error) {
      const err = (a instanceof Error ? a : (b as Error)).message;
      return { ...totalRow([]), target: u, role: null, error: err };
    }
    return statusRow(u, a, b);
  });
  const all = rows.length > 1 ? [...rows, totalRow(rows)] : rows;
  o.write(o.json ? JSON.stringify(all, null, 2) + '\n' : formatTable(all) + '\n');
  return rows.some((r) => r.error) ? 1 : 0;
}
