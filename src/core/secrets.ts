/** Random credentials and their stored digests. Only digests reach the store. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { randomId } from '../domain/ids.js';

export const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');

export const newSessionSecret = (): string => randomBytes(32).toString('base64url');
export const newCsrfToken = (): string => randomBytes(24).toString('base64url');
export const newUserId = (): string => 'u_' + randomId(12);
export const newWorkspaceId = (): string => 'w_' + randomId(12);
export const newApiKeyId = (): string => randomId(12);
export const newInvitationId = (): string => 'i_' + randomId(16);

/** An API key: `pk_<id>_<secret>`; the id lets lists show which key is which without the secret. */
export function newApiKey(): { id: string; key: string; prefix: string } {
  const id = newApiKeyId();
  const key = `pk_${id}_${randomBytes(24).toString('base64url')}`;
  return { id, key, prefix: key.slice(0, 3 + id.length) };
}

export const looksLikeApiKey = (token: string): boolean => token.startsWith('pk_');

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
