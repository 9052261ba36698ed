/**
 * What the HTTP server does about hostile or broken clients, in one place:
 *
 * - Slow clients (slowloris): the request line and headers must arrive within HTTP_HEADERS_TIMEOUT_MS
 *   and the whole request within REQUEST_TIMEOUT_MS, checked every second (Node checks every 30 s
 *   by default, so a trickling client could hold its socket ~40 s); idle keep-alive connections
 *   close after HTTP_KEEP_ALIVE_TIMEOUT_MS. Answers to those are problem+json (`request_timeout`,
 *   `headers_too_large`).
 * - Too many connections: the global cap, the per-address caps and the health reserve are in
 *   address-limits.ts.
 * - Huge bodies: Fastify refuses a declared Content-Length above BODY_LIMIT_BYTES before reading
 *   any of it, and stops reading a streamed one at the limit (so at most that much is buffered); the
 *   413 then closes the connection (problem.ts), so the rest is never read.
 * - Security headers (helmet, computed once: security-headers.ts) with a CSP the web app works under; the embed page and
 *   /embed.js are the two things other sites may frame or load.
 * - CORS (@fastify/cors) for the origins in CORS_ORIGINS only; none by default.
 */
import type { Socket } from 'node:net';
import cors from '@fastify/cors';
import type { HelmetOptions } from 'helmet';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Config } from '../config.js';
import type { ErrorCode } from '../errors.js';
import { problemBody } from './problem-body.js';
import { PROBLEM_TYPE } from './problem.js';
import { registerSecurityHeaders, securityHeaders } from './security-headers.js';

/** How often Node looks for requests past their headers or request timeout. */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** Fastify options that bound slow clients (spread into `Fastify({...})`). */
export function httpServerOptions(config: Readonly<Config>): Pick<FastifyServerOptions, 'keepAliveTimeout' | 'clientErrorHandler'> & {
  http: { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number };
} {
  const h = config.http;
  return {
    keepAliveTimeout: h.keepAliveTimeoutMs,
    http: { headersTimeout: h.headersTimeoutMs, requestTimeout: h.requestTimeoutMs, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS },
    clientErrorHandler,
  };
}

/**
 * Errors Node raises before a request reaches Fastify (a timeout, oversized headers, a malformed
 * request line): answered as problem+json like everything else, then the socket is closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code]: [number, ErrorCode] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'request_timeout'] : err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'headers_too_large'] : [400, 'bad_request'];
  // As Node does: answer only when no response to this request has started.
  const res = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (socket.writable && !res?.headersSent) {
    const body = problemBody(code);
    socket.write(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: ${PROBLEM_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/**
 * The Content-Security-Policy of the app and the API: everything from this origin only, no inline
 * script, no plugins, not framed by other sites. The web app needs no more: its scripts and styles
 * are files under /assets/, styles set from script go through the CSSOM (allowed), the QR code is
 * inline SVG, and it talks to its own origin only. No `upgrade-insecure-requests`: pollcast is
 * often served over plain HTTP on a LAN (a lecture hall), where it would break every asset.
 */
const DIRECTIVES = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  manifestSrc: ["'self'"],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  upgradeInsecureRequests: null,
};

const CSP = { useDefaults: false, directives: DIRECTIVES };
// No includeSubDomains: pollcast does not own its parent domain's other hosts.
const HSTS = { maxAge: 31_536_000, includeSubDomains: false };
const HELMET: HelmetOptions = { contentSecurityPolicy: CSP, strictTransportSecurity: HSTS };

/** /embed/{id}: any site may put it in an <iframe> (that is its purpose), so no X-Frame-Options. */
export const EMBED_PAGE_HEADERS = securityHeaders({
  strictTransportSecurity: HSTS,
  contentSecurityPolicy: { useDefaults: false, directives: { ...DIRECTIVES, frameAncestors: ['*'] } },
  xFrameOptions: false,
});

/** /embed.js: other sites load it with <script src>, which Cross-Origin-Resource-Policy: same-origin would block. */
export const EMBED_SCRIPT_HEADERS = securityHeaders({ contentSecurityPolicy: CSP, strictTransportSecurity: HSTS, crossOriginResourcePolicy: { policy: 'cross-origin' } });
const DEFAULT_HEADERS = securityHeaders(HELMET);

/** Response headers a cross-origin caller may read, and request headers it may send. */
export const CORS_EXPOSED_HEADERS = ['Location', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'X-Request-Id'];
export const CORS_ALLOWED_HEADERS = ['Content-Type', 'Authorization', 'Idempotency-Key', 'X-Voter-Token', 'X-CSRF-Token', 'Last-Event-ID'];

/** Security headers and CORS; register before the routes. (The connection caps: address-limits.ts.) */
export async function registerHardening(app: FastifyInstance, config: Readonly<Config>): Promise<void> {
  registerSecurityHeaders(app, DEFAULT_HEADERS);
  const allowed = new Set(config.http.corsOrigins);
  // No origins listed: no CORS headers at all, and a preflight finds no route (404).
  if (allowed.size === 0) return;
  await app.register(cors, {
    // Only a listed origin gets any CORS header (and so credentials); others get none.
    origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin) ? origin : false),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: 600,
    // A malformed preflight from a listed origin is answered like any other (not with text/plain 400).
    strictPreflight: false,
  });
}
