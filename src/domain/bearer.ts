/** `Authorization: Bearer <token>` checks, in constant time (hashes of equal length compared). */
import { createHash, timingSafeEqual } from 'node:crypto';

/** True when `header` is `Bearer <token>` with exactly this token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const given = createHash('sha256').update(m[1]!).digest();
  return timingSafeEqual(given, createHash('sha256').update(token).digest());
}
