/**
 * Authorization: who may see and change which workspace and poll. The answers follow one rule
 * (docs/security.md): 404 when the caller may not know the thing exists, 401 when they sent no
 * credential that could allow the action, 403 when they are known and not allowed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Poll } from '../domain/poll.js';
import { keyAllows, roleAllows, type Capability } from '../domain/principal.js';
import { PollcastError } from '../errors.js';
import type { ApiKeyScope, WorkspaceRole } from '../ports/account-store.js';
import type { ResolvedPrincipal } from './authenticator.js';

export function hashOwnerToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** True when `bearer` is this quick poll's owner token (constant-time comparison). */
export function isPollOwner(poll: Pick<Poll, 'ownerTokenHash'>, bearer: string | undefined): boolean {
  if (!bearer || poll.ownerTokenHash === '') return false;
  const a = Buffer.from(hashOwnerToken(bearer), 'hex');
  const b = Buffer.from(poll.ownerTokenHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export type RoleLookup = (workspaceId: string, userId: string) => Promise<WorkspaceRole | null>;

/** What a principal holds in a workspace: a role (people), scopes (keys), or nothing. */
export type Standing = { kind: 'none' } | { kind: 'role'; role: WorkspaceRole } | { kind: 'key'; scopes: readonly ApiKeyScope[] };

export async function standingIn(workspaceId: string, p: ResolvedPrincipal, roleOf: RoleLookup): Promise<Standing> {
  if (p.kind === 'user') {
    const role = await roleOf(workspaceId, p.user.id);
    return role ? { kind: 'role', role } : { kind: 'none' };
  }
  if (p.kind === 'apiKey' && p.key.workspaceId === workspaceId) return { kind: 'key', scopes: p.key.scopes };
  return { kind: 'none' };
}

function allows(s: Standing, want: Capability): boolean {
  if (s.kind === 'role') return roleAllows(s.role, want);
  if (s.kind === 'key') return keyAllows(s.scopes, want);
  return false;
}

/** Members and the workspace's own keys see it; everyone else gets 404 (or 401 with no credential at all). */
export function requireWorkspace(s: Standing, p: ResolvedPrincipal, want: Capability): void {
  if (s.kind === 'none') {
    if (p.kind === 'anonymous') throw new PollcastError(csrf(p) ? 'csrf_token_invalid' : 'authentication_required');
    throw new PollcastError('workspace_not_found');
  }
  if (!allows(s, want)) {
    throw new PollcastError(s.kind === 'key' ? 'insufficient_scope' : 'forbidden', undefined, s.kind === 'key' ? undefined : { role: s.role });
  }
}

const csrf = (p: ResolvedPrincipal): boolean => 'csrfFailed' in p;

export class PollAccess {
  constructor(private readonly roleOf: RoleLookup) {}

  /** Whether the caller may know this poll exists. Throws poll_not_found when not. */
  async see(poll: Poll, p: ResolvedPrincipal): Promise<Standing> {
    if (poll.workspaceId === null) return { kind: 'none' };
    const s = await standingIn(poll.workspaceId, p, this.roleOf);
    if (poll.access === 'workspace' && !allows(s, 'read')) throw new PollcastError('poll_not_found');
    return s;
  }

  /**
   * `read`: owner-only data (analytics, hidden results, invite counts); `write`: edit, open,
   * close, delete, issue invites. Quick polls answer to their owner token; workspace polls to roles
   * and API key scopes — and, for the questions of a workspace's event, also to the event's owner
   * token (their ownerTokenHash; other workspace polls have none).
   */
  async require(poll: Poll, p: ResolvedPrincipal, bearer: string | undefined, want: Exclude<Capability, 'admin'>): Promise<void> {
    const s = await this.see(poll, p);
    if (poll.workspaceId !== null && isPollOwner(poll, bearer)) return;
    if (poll.workspaceId === null) {
      if (isPollOwner(poll, bearer)) return;
      throw new PollcastError(bearer === undefined || p.kind === 'apiKey' ? 'owner_token_required' : 'owner_token_invalid');
    }
    if (allows(s, want)) return;
    if (s.kind === 'none') {
      if (p.kind === 'anonymous') throw new PollcastError(csrf(p) ? 'csrf_token_invalid' : 'authentication_required');
      // A person or key of another workspace, on a poll they may see (access: link).
      throw new PollcastError('forbidden');
    }
    throw new PollcastError(s.kind === 'key' ? 'insufficient_scope' : 'forbidden');
  }

  /** Like `require`, as a yes/no (for "owner sees hidden results"). */
  async may(poll: Poll, p: ResolvedPrincipal, bearer: string | undefined, want: Exclude<Capability, 'admin'>): Promise<boolean> {
    try {
      await this.require(poll, p, bearer, want);
      return true;
    } catch (err) {
      // Only a refusal is a "no"; a not-found stays 404 and a store outage stays 503.
      if (!(err instanceof PollcastError) || err.code === 'poll_not_found' || err.status >= 500) throw err;
      return false;
    }
  }
}
