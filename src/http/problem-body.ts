/** problem+json rendering of the error registry (src/errors.ts holds codes, statuses and titles only). */
import { ERRORS, type ErrorCode } from '../errors.js';

/** The application/problem+json body for a code (RFC 9457). Extra members sit beside the standard ones. */
export function problemBody(code: ErrorCode, detail?: string, extra?: Record<string, unknown>): string {
  const def = ERRORS[code];
  return JSON.stringify({
    type: `https://pollcast.dev/errors/${code}`,
    title: def.title,
    status: def.status,
    code,
    detail: detail ?? def.title,
    ...extra,
  });
}
