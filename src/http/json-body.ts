/**
 * The JSON body parser. Like Fastify's default it refuses prototype-poisoning keys (`__proto__`,
 * `constructor.prototype`) so no handler ever sees one — but answers them as `unknown_field`
 * (they are valid JSON, just fields no endpoint accepts) instead of "not valid JSON".
 */
import type { FastifyRequest } from 'fastify';
import { PollcastError } from '../errors.js';

export function parseJsonBody(_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void): void {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    done(new PollcastError('invalid_json', text.length === 0 ? 'the body is empty' : `the body is not valid JSON: ${(err as Error).message}`));
    return;
  }
  // The scan only runs when the text could hold such a key, so ordinary bodies pay one search.
  const poisoned = text.includes('__proto__') || text.includes('constructor') ? poisonKey(value, 'body') : null;
  if (poisoned) {
    done(new PollcastError('unknown_field', `${poisoned.where} has a forbidden field "${poisoned.field}"`, { field: poisoned.field }));
    return;
  }
  done(null, value);
}

function poisonKey(value: unknown, where: string): { field: string; where: string } | null {
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = poisonKey(value[i], `${where}/${i}`);
      if (hit) return hit;
    }
    return null;
  }
  if (Object.hasOwn(value, '__proto__')) return { field: '__proto__', where };
  const ctor = Object.hasOwn(value, 'constructor') ? (value as { constructor: unknown }).constructor : undefined;
  if (ctor !== null && typeof ctor === 'object' && Object.hasOwn(ctor, 'prototype')) return { field: 'constructor', where };
  for (const [k, v] of Object.entries(value)) {
    const hit = poisonKey(v, `${where}/${k}`);
    if (hit) return hit;
  }
  return null;
}
