/**
 * The JSON body parser. Like Fastify's default it refuses prototype-poisoning keys (`__proto__`,
 * `constructor.prototype`) so no handler ever sees one — but answers them as `unknown_field`
 * (they are valid JSON, just fields no endpoint accepts) instead of "not valid JSON".
 *
 * It also refuses bodies nested deeper than MAX_JSON_DEPTH (`body_too_deep`) before anything walks
 * them: no endpoint takes more than a few levels, and every recursive walk after the parse (the
 * poison scan here, schema validation, hashing) would otherwise run out of stack on a small body
 * of a few thousand brackets and answer 500.
 */
import type { FastifyRequest } from 'fastify';
import { PollcastError } from '../errors.js';

/** Deepest nesting of arrays and objects a body may have; the top-level object is depth 1. */
export const MAX_JSON_DEPTH = 64;

export function parseJsonBody(_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void): void {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  let value: unknown;
  try {
    // V8's JSON.parse does not recurse on the native stack, so any depth parses; the check follows.
    value = JSON.parse(text);
  } catch (err) {
    done(new PollcastError('invalid_json', text.length === 0 ? 'the body is empty' : `the body is not valid JSON: ${(err as Error).message}`));
    return;
  }
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    done(new PollcastError('body_too_deep', `the body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`, { maxDepth: MAX_JSON_DEPTH }));
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

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Whether valid JSON `text` nests deeper than `max`. One pass over the characters, no allocation;
 * a text shorter than 2·(max+1) cannot (every level costs an opening and a closing character), so
 * the usual small vote body is not scanned at all.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  if (text.length < 2 * (max + 1)) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Skip the string: brackets inside it are text.
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/** Bounded recursion: only called on bodies that passed the depth check. */
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
