/**
 * Rate limits for routes other than voting (the vote service limits votes itself): answers 429
 * `rate_limited` with Retry-After, and sets the RateLimit headers on every answer it checks.
 */
import type { FastifyReply } from 'fastify';
import { PollcastError } from '../errors.js';
import type { RequestLimits } from '../core/request-limits.js';
import { rateLimitHeader } from './rate-limit-header.js';

export async function limitOrThrow(limits: RequestLimits | null | undefined, reply: FastifyReply, key: string, limit: number, windowMs = 60_000): Promise<void> {
  if (!limits || limit <= 0) return;
  const d = await limits.hit(key, limit, windowMs);
  const resetSec = Math.max(1, Math.ceil(d.resetMs / 1000));
  const scope = key.slice(0, key.indexOf(':'));
  reply.header('ratelimit-policy', `"${scope}";q=${limit};w=${Math.round(windowMs / 1000)}`);
  reply.header('ratelimit', rateLimitHeader({ limit, remaining: d.remaining, resetSec }));
  if (!d.allowed) throw new PollcastError('rate_limited', undefined, { limit, scope }, resetSec);
}

/** Spends `cost` units of a per-window budget under `key` (RequestLimits.spend); 429 when it does not fit. */
export async function spendOrThrow(limits: RequestLimits | null | undefined, reply: FastifyReply, key: string, cost: number, limit: number, windowMs: number): Promise<void> {
  if (!limits || limit <= 0) return;
  const scope = key.slice(0, key.indexOf(':'));
  const { allowed, lowest } = await limits.spend(key, cost, limit, windowMs);
  reply.header('ratelimit-policy', `"${scope}";q=${limit};w=${Math.round(windowMs / 1000)}`);
  const resetSec = Math.max(1, Math.ceil(lowest.resetMs / 1000));
  if (!allowed) {
    throw new PollcastError('rate_limited', `this asks for ${cost} of a budget of ${limit} per ${Math.round(windowMs / 1000)} s per address`, { limit, scope }, resetSec);
  }
  reply.header('ratelimit', `limit=${limit}, remaining=${lowest.remaining}, reset=${resetSec}`);
}
