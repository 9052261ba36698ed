/** Small readers of request headers shared by routes. */
import type { FastifyRequest } from 'fastify';

export const VOTER_COOKIE = 'pollcast_voter';
export const SESSION_COOKIE = 'pollcast_session';

/** The value of one cookie, or undefined. */
export function cookieValue(req: FastifyRequest, name: string): string | undefined {
  const cookie = req.headers.cookie;
  if (typeof cookie !== 'string' || cookie.length > 8192) return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return safeDecode(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** COOKIE_SECURE=auto: Secure whenever the request came over HTTPS (X-Forwarded-Proto from a trusted proxy counts). */
export function isSecure(req: FastifyRequest, setting: boolean | 'auto'): boolean {
  return setting === 'auto' ? req.protocol === 'https' : setting;
}

/** The browser session: HttpOnly (no script reads it), SameSite=Lax, Secure over HTTPS. */
export function sessionCookie(secret: string, maxAgeSec: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${secret}; Path=/; Max-Age=${maxAgeSec}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

export function clearSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S{1,512})$/i.exec(h);
  return m ? m[1] : undefined;
}

export function voterToken(req: FastifyRequest): string | undefined {
  const h = req.headers['x-voter-token'];
  if (typeof h === 'string' && h.length > 0) return h;
  return cookieValue(req, VOTER_COOKIE);
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
