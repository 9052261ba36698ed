/** Small readers of request headers shared by routes. */
import type { FastifyRequest } from 'fastify';

export const VOTER_COOKIE = 'pollcast_voter';

export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S{1,512})$/i.exec(h);
  return m ? m[1] : undefined;
}

export function voterToken(req: FastifyRequest): string | undefined {
  const h = req.headers['x-voter-token'];
  if (typeof h === 'string' && h.length > 0) return h;
  const cookie = req.headers.cookie;
  if (typeof cookie !== 'string') return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === VOTER_COOKIE) return safeDecode(part.slice(eq + 1).trim());
  }
  return undefined;
}

export function voterCookie(token: string, secure: boolean): string {
  return `${VOTER_COOKIE}=${token}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** A badly encoded cookie is the client's mistake: keep the raw text, so it fails as an invalid token (401), not a 500. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
