/**
 * Security headers, computed once per process. helmet (the library @fastify/helmet wraps) builds
 * the same headers for every response of a route, yet ran its whole middleware chain on every
 * request (≈ 3–4 % of a vote's CPU in a profile). Here helmet runs once per header set at start;
 * each response then gets the frozen result in one `reply.headers()` call.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export type HeaderSet = Readonly<Record<string, string>>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route's security headers, when not the default set (the embed page and script). */
    securityHeaders?: HeaderSet;
  }
}

/** Runs helmet once against a recording response and returns the headers it set. */
export function securityHeaders(options: Readonly<HelmetOptions>): HeaderSet {
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
      return res;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failed: unknown = null;
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) failed = err;
  });
  if (failed) throw failed;
  return Object.freeze(headers);
}

/** Every response gets the route's header set (or `defaults`) before its handler runs. */
export function registerSecurityHeaders(app: FastifyInstance, defaults: HeaderSet): void {
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    reply.headers(req.routeOptions.config?.securityHeaders ?? defaults);
    done();
  });
}
