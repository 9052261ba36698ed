/**
 * Turns a request's credentials into a Principal: the session cookie (browsers) or an API key in
 * `Authorization: Bearer pk_…` (programs). A bearer that is not an API key is a poll owner token
 * and is left to poll access. Lookups are cached for AUTH_CACHE_TTL_MS: a logout or revocation in
 * this process takes effect at once, in other processes within that time.
 *
 * CSRF: a state-changing request whose user comes from the session cookie must carry the
 * session's token in X-CSRF-Token; without it the cookie is ignored and the request is anonymous
 * with `csrfFailed`, so a route that needs the user answers csrf_token_invalid.
 */
import { ANONYMOUS, type Principal } from '../domain/principal.js';
import { PollcastError } from '../errors.js';
import type { AccountStore, ApiKey, Session, WorkspaceRole } from '../ports/account-store.js';
import { constantTimeEqual, looksLikeApiKey, sha256Hex } from './secrets.js';
import { LRUCache } from 'lru-cache';
import { systemClock, type Clock } from '../ports/clock.js';

export interface Credentials {
  sessionCookie: string | undefined;
  bearer: string | undefined;
  csrfHeader: string | undefined;
  /** GET/HEAD/OPTIONS need no CSRF token. */
  safeMethod: boolean;
}

export type ResolvedPrincipal = Principal | { kind: 'anonymous'; csrfFailed: true };

type SessionEntry = { session: Session; user: { id: string; email: string; name: string } } | null;

/**
 * Credentials looked up on every request, kept `ttlMs` in this process (0: not kept), the least
 * recently used going first past `max`. Values are boxed: a cached `null` (no such key) counts.
 */
class Remembered<V> {
  readonly #lru: LRUCache<string, { value: V }> | null;
  constructor(ttlMs: number, max = 50_000) {
    this.#lru = ttlMs > 0 ? new LRUCache({ max, ttl: ttlMs }) : null;
  }
  get(key: string): V | undefined {
    return this.#lru?.get(key)?.value;
  }
  set(key: string, value: V): void {
    this.#lru?.set(key, { value });
  }
  delete(key: string): void {
    this.#lru?.delete(key);
  }
  /** Drops every entry whose value matches (e.g. all cached sessions of a user). */
  deleteWhere(match: (value: V) => boolean): void {
    if (!this.#lru) return;
    for (const [k, v] of this.#lru.entries()) if (match(v.value)) this.#lru.delete(k);
  }
}

export class Authenticator {
  readonly #sessions: Remembered<SessionEntry>;
  readonly #keys: Remembered<ApiKey | null>;
  readonly #roles: Remembered<WorkspaceRole | null>;
  /** When each API key's use was last recorded. */
  readonly #touched = new LRUCache<string, number>({ max: 50_000 });

  constructor(
    private readonly accounts: AccountStore,
    cacheTtlMs: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.#sessions = new Remembered(cacheTtlMs);
    this.#keys = new Remembered(cacheTtlMs);
    this.#roles = new Remembered(cacheTtlMs);
  }

  async resolve(c: Credentials): Promise<ResolvedPrincipal> {
    if (c.bearer !== undefined && looksLikeApiKey(c.bearer)) {
      const key = await this.apiKey(c.bearer);
      if (!key) throw new PollcastError('api_key_invalid');
      return { kind: 'apiKey', key };
    }
    if (c.sessionCookie === undefined) return ANONYMOUS;
    const idHash = sha256Hex(c.sessionCookie);
    const entry = await this.#session(idHash);
    if (!entry) return ANONYMOUS;
    if (!c.safeMethod && (c.csrfHeader === undefined || !constantTimeEqual(c.csrfHeader, entry.session.csrfToken))) {
      return { kind: 'anonymous', csrfFailed: true };
    }
    return { kind: 'user', user: entry.user, sessionIdHash: idHash, csrfToken: entry.session.csrfToken };
  }

  async #session(idHash: string): Promise<SessionEntry> {
    const now = this.clock.now();
    const cached = this.#sessions.get(idHash);
    if (cached !== undefined && (cached === null || cached.session.expiresAt > now)) return cached;
    const session = await this.accounts.getSession(idHash, now);
    const user = session ? await this.accounts.getUser(session.userId) : null;
    const entry: SessionEntry = session && user ? { session, user: { id: user.id, email: user.email, name: user.name } } : null;
    this.#sessions.set(idHash, entry);
    return entry;
  }

  /** The unrevoked key for this secret, or null. Records its use at most once a minute. */
  async apiKey(secret: string): Promise<ApiKey | null> {
    if (secret.length > 200) return null;
    const hash = sha256Hex(secret);
    let key = this.#keys.get(hash);
    if (key === undefined) {
      key = await this.accounts.getApiKeyByHash(hash);
      if (key && key.revokedAt !== null) key = null;
      this.#keys.set(hash, key);
    }
    if (key) {
      const now = this.clock.now();
      if ((this.#touched.get(key.id) ?? 0) < now - 60_000) {
        this.#touched.set(key.id, now);
        this.accounts.touchApiKey(key.id, now).catch(() => undefined);
      }
    }
    return key;
  }

  /** The user's role in a workspace (cached like sessions). */
  async role(workspaceId: string, userId: string): Promise<WorkspaceRole | null> {
    const k = `${workspaceId}\n${userId}`;
    const cached = this.#roles.get(k);
    if (cached !== undefined) return cached;
    const role = await this.accounts.getRole(workspaceId, userId);
    this.#roles.set(k, role);
    return role;
  }

  forgetSession(idHash: string): void {
    this.#sessions.delete(idHash);
  }

  forgetUserSessions(userId: string): void {
    this.#sessions.deleteWhere((e) => e !== null && e.user.id === userId);
  }

  forgetRole(workspaceId: string, userId: string): void {
    this.#roles.delete(`${workspaceId}\n${userId}`);
  }

  forgetKeys(): void {
    this.#keys.deleteWhere(() => true);
  }
}
