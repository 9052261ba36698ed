/** fetch wrapper: JSON in and out; every failure becomes an ApiError with a `code` to show a message for. */
import { messageFor } from './error-messages.js';

export interface Problem {
  status: number;
  code: string;
  title?: string;
  detail?: string;
  [extra: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly problem: Problem,
    /** Seconds from Retry-After, when the server sent one. */
    readonly retryAfterSec: number | null,
  ) {
    super(messageFor(code, status));
    this.name = 'ApiError';
  }

  /** Worth sending again unchanged (with the same Idempotency-Key for votes). */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function api<T>(method: string, path: string, opts: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (opts.signal) init.signal = opts.signal;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  let res: Response;
  let text: string;
  try {
    res = await fetch(path, init);
    text = await res.text();
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', { status: 0, code: 'network' }, null);
  }
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.ok) return json as T;
  const body = (json && typeof json === 'object' ? json : {}) as Partial<Problem>;
  const code = typeof body.code === 'string' ? body.code : res.status >= 500 ? 'internal_error' : 'unexpected';
  const ra = Number(res.headers.get('retry-after'));
  throw new ApiError(res.status, code, { ...body, status: res.status, code }, Number.isFinite(ra) && ra >= 0 ? ra : null);
}

/** A GET whose answer is a file (an export): the body as a Blob, or the problem as an ApiError. */
export async function apiBlob(path: string, headers: Record<string, string> = {}): Promise<Blob> {
  let res: Response;
  try {
    res = await fetch(path, { headers, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network', { status: 0, code: 'network' }, null);
  }
  if (res.ok) return res.blob();
  let body: Partial<Problem> = {};
  try {
    body = (await res.json()) as Partial<Problem>;
  } catch {
    body = {};
  }
  const code = typeof body.code === 'string' ? body.code : res.status >= 500 ? 'internal_error' : 'unexpected';
  throw new ApiError(res.status, code, { ...body, status: res.status, code }, null);
}

export function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError(0, 'unexpected', { status: 0, code: 'unexpected' }, null);
}
