/**
 * Overload protection at the door. When the event loop lags, memory passes its threshold, or the
 * group-commit queue is too deep, a new request is answered at once with 503 `overloaded` and a
 * Retry-After — before its body is read, so refusing costs almost nothing — while:
 *
 * - /healthz, /readyz and /metrics are always served: overload is not unreadiness. A load balancer
 *   that evicted every busy instance would turn a surge into an outage, and the metrics are how an
 *   operator sees the surge.
 * - requests already accepted run to the end: only the onRequest stage refuses, nothing in flight
 *   is cut short, and every vote answered 201 is committed.
 *
 * Lag and memory are measured by @fastify/under-pressure (an event-loop delay histogram and
 * process.memoryUsage(), sampled every SAMPLE_INTERVAL_MS; `app.memoryUsage()` reads the last
 * sample). The decision is one onRequest hook of ours rather than the plugin's `pressureHandler`:
 * that handler can only stop a request by letting the plugin call `next()` after the answer, which
 * relies on the answer being fully written by then (not so once any onSend hook is async), and the
 * plugin cannot see the group-commit queue, which changes within a millisecond under a surge and so
 * is read on every request (a getter). The plugin gets no thresholds, so it adds no hook of its own.
 *
 * Retry-After is spread over 1–5 s so the clients shed together do not all come back together.
 */
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OverloadConfig } from '../config.js';
import { PollcastError } from '../errors.js';
import type { Metrics, ShedReason } from '../observability/metrics.js';
import { sendProblem } from './problem.js';

/** Routes never refused for overload (route patterns). */
export const OVERLOAD_EXEMPT: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

const SAMPLE_INTERVAL_MS = 500;
const LOG_EVERY_MS = 10_000;

export interface OverloadGuardOptions {
  limits: Readonly<OverloadConfig>;
  /** Votes waiting for or inside a group-commit batch; null where this process takes no votes. */
  queueDepth: (() => number) | null;
  metrics: Metrics;
}

export async function registerOverloadGuard(app: FastifyInstance, o: OverloadGuardOptions): Promise<void> {
  const { limits, metrics } = o;
  const exempt = (req: FastifyRequest) => OVERLOAD_EXEMPT.has(req.routeOptions.url ?? '');

  // One warning per LOG_EVERY_MS while shedding, with how many were refused since the last one.
  let shedSinceLog = 0;
  let lastLog = 0;
  const shed = (req: FastifyRequest, reply: FastifyReply, reason: ShedReason, detail: string) => {
    metrics.requestShed(reason);
    shedSinceLog += 1;
    const now = Date.now();
    if (now - lastLog >= LOG_EVERY_MS) {
      req.log.warn({ reason, detail, shed: shedSinceLog }, 'overloaded: refusing new requests with 503');
      lastLog = now;
      shedSinceLog = 0;
    }
    return sendProblem(reply, new PollcastError('overloaded', `the server is overloaded (${detail}); retry later`, { reason }, 1 + Math.floor(Math.random() * 5)));
  };

  const { maxQueue, maxEventLoopDelayMs, maxHeapBytes, maxRssBytes } = limits;
  const depth = maxQueue > 0 ? o.queueDepth : null;
  const sampled = maxEventLoopDelayMs > 0 || maxHeapBytes > 0 || maxRssBytes > 0;
  if (!depth && !sampled) return;
  if (sampled) await app.register(underPressure, { sampleInterval: SAMPLE_INTERVAL_MS });
  const mb = (b: number) => `${Math.round(b / 1048576)} MB`;

  // Not async, and `done` is not called after an answer: nothing after this hook runs for a shed request.
  app.addHook('onRequest', (req, reply, done) => {
    if (depth) {
      const d = depth();
      if (d >= maxQueue && !exempt(req)) return void shed(req, reply, 'queue', `${d} votes queued, limit ${maxQueue}`);
    }
    if (sampled) {
      const m = app.memoryUsage();
      // under-pressure reports Infinity for a sample interval with no histogram samples: unknown, not overloaded.
      if (maxEventLoopDelayMs > 0 && Number.isFinite(m.eventLoopDelay) && m.eventLoopDelay > maxEventLoopDelayMs && !exempt(req)) {
        return void shed(req, reply, 'event_loop_delay', `event loop ${Math.round(m.eventLoopDelay)} ms behind, limit ${maxEventLoopDelayMs} ms`);
      }
      if (maxHeapBytes > 0 && m.heapUsed > maxHeapBytes && !exempt(req)) return void shed(req, reply, 'heap', `heap ${mb(m.heapUsed)}, limit ${mb(maxHeapBytes)}`);
      if (maxRssBytes > 0 && m.rssBytes > maxRssBytes && !exempt(req)) return void shed(req, reply, 'rss', `resident memory ${mb(m.rssBytes)}, limit ${mb(maxRssBytes)}`);
    }
    done();
  });
}
