/**
 * Overload protection at the door. When the event loop lags, memory passes its threshold, or the
 * group-commit queue is too deep, a new request is answered at once with 503 `overloaded`, a
 * `reason` and a Retry-After, while:
 *
 * - /healthz, /readyz and /metrics are always served: overload is not unreadiness. A load balancer
 *   that evicted every busy instance would turn a surge into an outage, and the metrics are how an
 *   operator sees the surge.
 * - requests already accepted run to the end: only a request that has just arrived is refused,
 *   nothing in flight is cut short, and every vote answered 201 is committed.
 *
 * The refusal happens in the HTTP server's request listener, before Fastify (no routing, hooks,
 * security headers or body): measured here, Node answers a bare 503 at ≈ 22,000 requests/s on one
 * core where the same 503 through Fastify's hooks comes to ≈ 6,600/s, about what a whole vote costs
 * — so shedding through Fastify would spend the CPU the accepted votes need. What the answer keeps:
 * problem+json, Retry-After, nosniff, no-store, and CORS headers for a listed origin (so a browser
 * there can read the 503).
 *
 * Lag and memory are measured by @fastify/under-pressure (an event-loop delay histogram and
 * process.memoryUsage(), sampled every SAMPLE_INTERVAL_MS; `app.memoryUsage()` reads the last
 * sample); the plugin gets no thresholds of its own, so it adds no hook. The queue depth changes
 * within a millisecond under a surge, so it is read on every request (a getter).
 *
 * Retry-After is spread over 1–5 s so the clients refused together do not all come back together.
 */
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyServerFactory } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { problemBody } from './problem-body.js';
import type { Metrics, ShedReason } from '../ports/metrics.js';
import { CORS_EXPOSED_HEADERS } from './hardening.js';
import { lingerOnClose } from './lingering-close.js';

/** Paths never refused for overload. */
export const OVERLOAD_EXEMPT: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

const SAMPLE_INTERVAL_MS = 500;
const LOG_EVERY_MS = 10_000;

interface Sample {
  eventLoopDelay: number;
  heapUsed: number;
  rssBytes: number;
}

export class OverloadGuard {
  readonly #limits: Readonly<Config['overload']>;
  readonly #metrics: Metrics;
  readonly #log: Logger;
  readonly #cors: ReadonlySet<string>;
  #queueDepth: (() => number) | null = null;
  #sample: (() => Sample) | null = null;
  #shedSinceLog = 0;
  #lastLog = 0;
  /** The last measured event-loop delay (ms). */
  #lastDelay = 0;

  constructor(config: Readonly<Config>, metrics: Metrics, log: Logger) {
    this.#limits = config.overload;
    this.#metrics = metrics;
    this.#log = log;
    this.#cors = new Set(config.http.corsOrigins);
  }

  /**
   * Fastify's `serverFactory`: the same HTTP server Fastify would make (its http options, timeouts
   * and keep-alive), whose request listener refuses at the door before handing over to Fastify.
   */
  serverFactory(): FastifyServerFactory {
    return (handler, opts) => {
      const o = opts as { http?: ServerOptions; keepAliveTimeout: number; requestTimeout: number; connectionTimeout: number; maxRequestsPerSocket?: number };
      const server: Server = createServer(o.http ?? {}, (req, res) => {
        const refusal = this.check(req.url ?? '/');
        if (refusal === null) handler(req, res);
        else this.#refuse(req, res, refusal.reason, refusal.detail);
      });
      server.keepAliveTimeout = o.keepAliveTimeout;
      server.requestTimeout = o.requestTimeout;
      server.setTimeout(o.connectionTimeout);
      if (o.maxRequestsPerSocket !== undefined && o.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = o.maxRequestsPerSocket;
      return server;
    };
  }

  /** Starts measuring (lag and memory through under-pressure) and reading the vote queue. */
  async attach(app: FastifyInstance, queueDepth: (() => number) | null): Promise<void> {
    const { maxQueue, maxEventLoopDelayMs, maxHeapBytes, maxRssBytes } = this.#limits;
    this.#queueDepth = maxQueue > 0 ? queueDepth : null;
    if (maxEventLoopDelayMs > 0 || maxHeapBytes > 0 || maxRssBytes > 0) {
      await app.register(underPressure, { sampleInterval: SAMPLE_INTERVAL_MS });
      this.#sample = () => app.memoryUsage();
    }
  }

  /** Why a request for `url` would be refused now, or null when it would be taken. */
  check(url: string): { reason: ShedReason; detail: string } | null {
    const depth = this.#queueDepth;
    const sample = this.#sample;
    if (depth === null && sample === null) return null;
    const q = url.indexOf('?');
    if (OVERLOAD_EXEMPT.has(q < 0 ? url : url.slice(0, q))) return null;
    const { maxQueue, maxEventLoopDelayMs, maxHeapBytes, maxRssBytes } = this.#limits;
    if (depth) {
      const d = depth();
      if (d >= maxQueue) return { reason: 'queue', detail: `${d} votes queued, limit ${maxQueue}` };
    }
    if (sample) {
      const m = sample();
      // Infinity is the plugin's "no delay recorded in the last interval" (start-up, or a loop too
      // busy to record one before the sample was taken): no new measurement, so the last one
      // stands (none yet: no lag).
      if (Number.isFinite(m.eventLoopDelay)) this.#lastDelay = m.eventLoopDelay;
      const delay = this.#lastDelay;
      if (maxEventLoopDelayMs > 0 && delay > maxEventLoopDelayMs) {
        return { reason: 'event_loop_delay', detail: `event loop ${Math.round(delay)} ms behind, limit ${maxEventLoopDelayMs} ms` };
      }
      if (maxHeapBytes > 0 && m.heapUsed > maxHeapBytes) return { reason: 'heap', detail: `heap ${mb(m.heapUsed)}, limit ${mb(maxHeapBytes)}` };
      if (maxRssBytes > 0 && m.rssBytes > maxRssBytes) return { reason: 'rss', detail: `resident memory ${mb(m.rssBytes)}, limit ${mb(maxRssBytes)}` };
    }
    return null;
  }

  #refuse(req: IncomingMessage, res: ServerResponse, reason: ShedReason, detail: string): void {
    this.#metrics.requestShed(reason);
    this.#shedSinceLog += 1;
    const now = Date.now();
    if (now - this.#lastLog >= LOG_EVERY_MS) {
      this.#log.warn({ reason, detail, shed: this.#shedSinceLog }, 'overloaded: refusing new requests with 503');
      this.#lastLog = now;
      this.#shedSinceLog = 0;
    }
    const body = problemBody('overloaded', `the server is overloaded (${detail}); retry later`, { reason });
    const headers: Record<string, string | number> = {
      'content-type': 'application/problem+json',
      'content-length': Buffer.byteLength(body),
      'retry-after': 1 + Math.floor(Math.random() * 5),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    };
    const origin = req.headers.origin;
    if (origin !== undefined && this.#cors.has(origin)) {
      headers['access-control-allow-origin'] = origin;
      headers['access-control-allow-credentials'] = 'true';
      headers['access-control-expose-headers'] = CORS_EXPOSED_HEADERS.join(', ');
      headers.vary = 'Origin';
    }
    // A large body still arriving is not read: close after the answer (with a linger, as problem.ts does).
    const h = req.headers;
    if (!req.complete && (h['transfer-encoding'] !== undefined || Number(h['content-length'] ?? 0) > 16_384)) {
      headers.connection = 'close';
      lingerOnClose(req.socket);
    }
    res.writeHead(503, headers);
    res.end(body);
  }
}

function mb(b: number): string {
  return `${Math.round(b / 1048576)} MB`;
}
