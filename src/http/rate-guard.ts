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
