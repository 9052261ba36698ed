/**
 * The caller of a request: its principal (session cookie or API key, resolved once and only when
 * a route asks) and its bearer token. Routes use `callerOf(req)`; nothing else reads credentials.
 */
import type { FastifyRequest } from 'fastify';
import type { Authenticator, ResolvedPrincipal } from '../core/authenticator.js';
import type { Caller } from '../core/poll-service.js';
import { ANONYMOUS } from '../domain/principal.js';
import { bearerToken, cookieValue, SESSION_COOKIE } from './request-context.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
const resolved = new WeakMap<FastifyRequest, Promise<ResolvedPrincipal>>();

export function principalOf(req: FastifyRequest, auth: Authenticator | null): Promise<ResolvedPrincipal> {
  let p = resolved.get(req);
  if (!p) {
    if (!auth) return Promise.resolve(ANONYMOUS);
    const csrf = req.headers['x-csrf-token'];
    p = auth.resolve({
      sessionCookie: cookieValue(req, SESSION_COOKIE),
      bearer: bearerToken(req),
      csrfHeader: typeof csrf === 'string' ? csrf : undefined,
      safeMethod: SAFE.has(req.method),
    });
    resolved.set(req, p);
  }
  return p;
}

export async function callerOf(req: FastifyRequest, auth: Authenticator | null): Promise<Caller> {
  return { principal: await principalOf(req, auth), bearer: bearerToken(req) };
}
