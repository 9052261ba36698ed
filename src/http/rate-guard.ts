/**
 * Rate limits for routes other than voting (the vote service limits votes itself): answers 429
 * `rate_limited` with Retry-After, and sets the RateLimit headers on every answer it checks.
 */
import type { FastifyReply } from 'fastify';
import { PollcastError } from '../errors.js';
import type { RateLimiter } from '../ports/rate-limiter.js';
import { rateLimitHeader } from './rate-limit-header.js';

export async function limitOrThrow(limiter: RateLimiter | null | undefined, reply: FastifyReply, key: string, limit: number, windowMs = 60_000): Promise<void> {
  if (!limiter || limit <= 0) return;
  const d = await limiter.hit(key, limit, windowMs);
  const resetSec = Math.max(1, Math.ceil(d.resetMs / 1000));
  const scope = key.slice(0, key.indexOf(':'));
  reply.header('ratelimit-policy', `"${scope}";q=${limit};w=${Math.round(windowMs / 1000)}`);
  reply.header('ratelimit', rateLimitHeader({ limit, remaining: d.remaining, resetSec }));
  if (!d.allowed) throw new PollcastError('rate_limited', undefined, { limit, scope }, resetSec);
}

/**
 * Spends `cost` units of a per-window budget under `key`; the limiter counts hits, so a cost is
 * that many hits. One hit first tells what is left: a request that does not fit is refused having
 * spent only that one. A request is granted only if every one of its hits was allowed, so
 * concurrent requests never get more than `limit` units in a window between them.
 */
export async function spendOrThrow(limiter: RateLimiter | null | undefined, reply: FastifyReply, key: string, cost: number, limit: number, windowMs: number): Promise<void> {
  if (!limiter || limit <= 0) return;
  const scope = key.slice(0, key.indexOf(':'));
  const refuse = (resetMs: number) => new PollcastError('rate_limited', `this asks for ${cost} of a budget of ${limit} per ${Math.round(windowMs / 1000)} s per address`, { limit, scope }, Math.max(1, Math.ceil(resetMs / 1000)));
  const first = await limiter.hit(key, limit, windowMs);
  reply.header('ratelimit-policy', `"${scope}";q=${limit};w=${Math.round(windowMs / 1000)}`);
  if (!first.allowed || first.remaining < cost - 1) throw refuse(first.resetMs);
  const rest = await Promise.all(Array.from({ length: cost - 1 }, () => limiter.hit(key, limit, windowMs)));
  const last = rest.reduce((low, d) => (d.remaining < low.remaining ? d : low), first);
  if (rest.some((d) => !d.allowed)) throw refuse(last.resetMs);
  reply.header('ratelimit', `limit=${limit}, remaining=${last.remaining}, reset=${Math.max(1, Math.ceil(last.resetMs / 1000))}`);
}
