/** Turns every failure into application/problem+json with a registered code. Never leaks a stack. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { lingerOnClose } from './lingering-close.js';
import { ERRORS, isPollcastError, PollcastError, type ErrorCode } from '../errors.js';
import { problemBody } from './problem-body.js';

export const PROBLEM_TYPE = 'application/problem+json';

export function sendProblem(reply: FastifyReply, err: PollcastError): FastifyReply {
  if (err.retryAfterSec !== undefined) reply.header('retry-after', String(err.retryAfterSec));
  if (err.code === 'rate_limited' && typeof err.extra?.limit === 'number') {
    reply.header('ratelimit', `limit=${err.extra.limit}, remaining=0, reset=${err.retryAfterSec ?? 60}`);
  }
  // A body too large, or a large one still arriving when the request is refused (shed at the door):
  // close the connection after the answer rather than read and discard the rest. A small body is
  // left alone (it came with the headers; the connection stays usable).
  if (err.code === 'body_too_large' || (!reply.request.raw.complete && largeBody(reply.request.headers))) {
    reply.header('connection', 'close');
    lingerOnClose(reply.raw.socket);
  }
  return reply.code(err.status).type(PROBLEM_TYPE).send(problemBody(err.code, err.message, err.extra));
}

function largeBody(h: FastifyRequest['headers']): boolean {
  return h['transfer-encoding'] !== undefined || Number(h['content-length'] ?? 0) > 16_384;
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_BAD_URL: 'bad_request',
  FST_ERR_MAX_PARAM_LENGTH: 'poll_not_found',
};

/** Maps any error thrown in a request to a PollcastError; unknown errors become internal_error. */
export function toPollcastError(err: unknown): PollcastError {
  if (isPollcastError(err)) return err;
  const e = err as FastifyError & { validation?: Array<{ keyword: string; instancePath: string; params: Record<string, unknown>; message?: string }> };
  if (e && Array.isArray(e.validation) && e.validation.length > 0) {
    // Every path parameter is a poll id: one that fails its schema names no poll.
    if (e.validationContext === 'params') return new PollcastError('poll_not_found');
    // Inside a union (an option given as a string or an object) the first error is the first
    // branch's; an unknown field in any branch is the clearer answer.
    const unknown = e.validation.find((x) => x.keyword === 'additionalProperties');
    const v = unknown ?? e.validation[0]!;
    const where = (e.validationContext ?? 'body') + (v.instancePath || '');
    if (v.keyword === 'additionalProperties') {
      const field = String(v.params.additionalProperty);
      return new PollcastError('unknown_field', `${where} has an unknown field "${field}"`, { field });
    }
    return new PollcastError('validation_failed', `${where} ${v.message ?? 'is invalid'}`, { field: where });
  }
  if (e && typeof e.code === 'string' && e.code in FASTIFY_CODES) {
    return new PollcastError(FASTIFY_CODES[e.code]!, e.message);
  }
  if (e instanceof SyntaxError) return new PollcastError('invalid_json', e.message);
  if (e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new PollcastError(e.statusCode === 404 ? 'not_found' : e.statusCode === 405 ? 'method_not_allowed' : 'bad_request', e.message);
  }
  if (isStoreOutage(err)) return new PollcastError('store_unavailable', undefined, undefined, 2);
  return new PollcastError('internal_error');
}

/** Connection-level failures of a backing store: the client should retry, not give up. */
export function isStoreOutage(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return (
    typeof code === 'string' &&
    (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'SQLITE_BUSY', 'SQLITE_FULL', 'SQLITE_IOERR', '57P01', '57P03', '53300', '08006', '08001', '08003'].includes(code) ||
      code.startsWith('SQLITE_IOERR'))
  ) || (err as Error)?.message === 'Connection terminated unexpectedly' || /timeout exceeded when trying to connect|Connection terminated/.test((err as Error)?.message ?? '');
}

export function errorHandler(this: unknown, err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const p = toPollcastError(err);
  if (p.status >= 500) request.log.error({ err }, 'request failed');
  return sendProblem(reply, p);
}

export const KNOWN_CODES = Object.keys(ERRORS) as ErrorCode[];
