/**
 * HTTP hooks for the metrics and tracing facades, and the /metrics route. Register before the
 * routes. Per request, with tracing off, the cost is one onResponse hook: a Map lookup, a counter
 * increment and a histogram observation. With tracing on, each request also gets a server span
 * (continuing an incoming `traceparent`), made active for its handler, and a child logger that
 * stamps `trace_id`/`span_id` on every line the request logs.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bearerMatches } from '../domain/bearer.js';
import type { Metrics, ScrapableMetrics } from '../ports/metrics.js';
import type { SpanHandle, Tracing } from '../ports/tracing.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's server span; set only while tracing is on. */
    traceSpan: SpanHandle | null;
  }
}

/** The label of a request that matched no route: never the URL, which is unbounded. */
export const UNMATCHED = 'unmatched';

export function observeHttp(app: FastifyInstance, metrics: Metrics, tracing: Tracing): void {
  // A line per request only at debug: at info that would be a line per vote.
  const debug = app.log.level === 'debug' || app.log.level === 'trace';
  app.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const ms = reply.elapsedTime;
    metrics.requestObserved(req.routeOptions.url ?? UNMATCHED, req.method, reply.statusCode, ms);
    if (debug) req.log.debug({ req, res: { statusCode: reply.statusCode }, ms: Math.round(ms * 10) / 10 }, 'request completed');
    done();
  });

  if (!tracing.enabled) return;
  app.decorateRequest('traceSpan', null);
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const route = req.routeOptions.url ?? UNMATCHED;
    const span = tracing.start(`${req.method} ${route}`, {
      kind: 'server',
      parent: typeof req.headers.traceparent === 'string' ? req.headers.traceparent : null,
      attributes: { 'http.request.method': req.method, 'http.route': route, 'pollcast.request_id': req.id },
    });
    req.traceSpan = span;
    req.log = req.log.child({ trace_id: span.traceId, span_id: span.spanId });
    // 'close' fires for every response, hijacked ones (SSE) included, which onResponse does not.
    reply.raw.once('close', () => {
      const status = reply.raw.statusCode;
      span.set('http.response.status_code', status);
      if (status >= 500) span.fail(new Error(`HTTP ${status}`));
      span.end();
    });
    tracing.run(span, done);
  });
  // The body is parsed outside the onRequest context: re-enter it so the handler (and every
  // span it starts, down to the store) runs inside the request's span.
  app.addHook('preHandler', (req: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    if (req.traceSpan) tracing.run(req.traceSpan, done);
    else done();
  });
}

/**
 * GET /metrics on this server (when METRICS_PORT is not set), for local callers only: the TCP peer
 * is a loopback address and the request names no client it was forwarded for. Anyone else —
 * including everyone behind a proxy on the same host, which adds X-Forwarded-For — gets the same
 * 404 as an unknown route: the figures (routes, error codes, pool sizes, lags) are not for the
 * public. A Prometheus on another machine scrapes METRICS_PORT, a listener of its own, or this
 * port with METRICS_TOKEN as its bearer token (then the token alone decides, for every caller).
 */
export function metricsRoute(app: FastifyInstance, metrics: ScrapableMetrics, token: string | null = null): void {
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    // With METRICS_TOKEN, the token decides (from any address, proxied or not); without, locality.
    const allowed = token === null ? isLocalUnproxied(req.raw.socket.remoteAddress, req.headers) : bearerMatches(req.headers.authorization, token);
    if (!allowed) return reply.callNotFound();
    const text = await metrics.render();
    return reply.type(metrics.contentType).header('cache-control', 'no-store').send(text);
  });
}

const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'] as const;

export function isLocalUnproxied(peer: string | undefined, headers: Record<string, string | string[] | undefined>): boolean {
  if (peer === undefined) return false;
  const v4 = peer.startsWith('::ffff:') ? peer.slice(7) : peer;
  const loopback = v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
  return loopback && FORWARDING_HEADERS.every((h) => headers[h] === undefined);
}
