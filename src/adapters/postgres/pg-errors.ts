/**
 * Which PostgreSQL failures mean "the database is unreachable" (answer 503, retry later) rather
 * than a bug. Connection failures become `store_unavailable` so every caller, not only the HTTP
 * layer, sees one stable code.
 */
import { PollcastError } from '../../errors.js';

const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** The server ended the session: shut down or crashed. */
const SESSION_ENDED = new Set(['57P01', '57P02']);
/**
 * "Not now" with a working connection: recovery, too many clients, a standby where a primary was
 * expected, and a lock or statement that timed out (too busy to answer in time).
 */
const BUSY = new Set(['57P03', '53300', '25006', '55P03', '57014']);
const MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The connection is broken or in an unknown state: it must not go back to the pool. */
export function isConnectionFailure(err: unknown): boolean {
  const code = codeOf(err);
  if (code !== undefined && (NODE_CODES.has(code) || SESSION_ENDED.has(code) || code.startsWith('08'))) return true;
  const message = (err as Error | null)?.message ?? '';
  return MESSAGES.some((m) => message.includes(m));
}

/** The database cannot serve now; the client should retry later (503). */
export function isUnavailable(err: unknown): boolean {
  const code = codeOf(err);
  return isConnectionFailure(err) || (code !== undefined && BUSY.has(code));
}

/** Deadlock or serialization failure: the transaction wrote nothing and may simply run again. */
export function isRetryableConflict(err: unknown): boolean {
  const code = codeOf(err);
  return code === '40P01' || code === '40001';
}

/**
 * A named prepared statement that the server does not know (26000) or already has (42P05): the
 * connection pooler hands us a different server connection per transaction.
 */
export function isPreparedStatementMismatch(err: unknown): boolean {
  const code = codeOf(err);
  return code === '26000' || code === '42P05';
}

export function toStoreError(err: unknown): unknown {
  if (err instanceof PollcastError || !isUnavailable(err)) return err;
  return Object.assign(new PollcastError('store_unavailable', undefined, undefined, 2), { cause: err });
}
