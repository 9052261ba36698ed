/**
 * Accounts, sessions, workspaces, members and API keys. Every method that acts for someone takes
 * the resolved principal and checks it here, so routes stay thin and the rules live in one place.
 */
import { PollcastError } from '../errors.js';
import type { Capability } from '../domain/principal.js';
import type { AccountStore, ApiKey, ApiKeyScope, Invitation, Member, User, Workspace, WorkspaceRole } from '../ports/account-store.js';
import { requireWorkspace, standingIn, type Standing } from './access.js';
import type { Authenticator, ResolvedPrincipal } from './authenticator.js';
import { checkPasswordRules, hashPassword, verifyPassword } from './passwords.js';
import { newApiKey, newCsrfToken, newInvitationId, newSessionSecret, newUserId, newWorkspaceId, sha256Hex } from './secrets.js';
import { systemClock, type Clock } from '../ports/clock.js';

/** How long an invitation to a workspace waits for its answer. */
export const INVITATION_TTL_MS = 14 * 24 * 3_600_000;

export interface PublicUser {
  id: string;
  email: string;
  name: string;
  createdAt: string;
}

export interface NewSession {
  user: PublicUser;
  /** The cookie value: returned once, stored only as its hash. */
  secret: string;
  csrfToken: string;
  expiresAt: number;
}

export const publicUser = (u: Pick<User, 'id' | 'email' | 'name' | 'createdAt'>): PublicUser => ({ id: u.id, email: u.email, name: u.name, createdAt: new Date(u.createdAt).toISOString() });
export const publicWorkspace = (w: Workspace) => ({ id: w.id, name: w.name, createdAt: new Date(w.createdAt).toISOString() });
export const publicApiKey = (k: ApiKey) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  createdBy: k.createdBy,
  createdAt: new Date(k.createdAt).toISOString(),
  revokedAt: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
  lastUsedAt: k.lastUsedAt === null ? null : new Date(k.lastUsedAt).toISOString(),
});

export const publicInvitation = (i: Invitation) => ({
  id: i.id,
  email: i.email,
  role: i.role,
  invitedBy: i.invitedBy,
  createdAt: new Date(i.createdAt).toISOString(),
  expiresAt: new Date(i.expiresAt).toISOString(),
});

export function requireUser(p: ResolvedPrincipal): Extract<ResolvedPrincipal, { kind: 'user' }> {
  if (p.kind === 'user') return p;
  if ('csrfFailed' in p) throw new PollcastError('csrf_token_invalid');
  // An API key acts for a workspace, not a person: account routes need a logged-in user.
  throw new PollcastError('authentication_required', p.kind === 'apiKey' ? 'this route needs a logged-in user, not an API key' : undefined);
}

/** What accounts tell the e-mail side (core/account-mail.ts), when e-mail is wired in. */
export interface AccountMailHooks {
  readonly enabled: boolean;
  sendVerification(user: { id: string; email: string }): Promise<void>;
  invitationSent(invitation: Invitation, workspaceName: string, inviterName: string): Promise<void>;
  isVerified(userId: string): Promise<boolean>;
}

export class AccountService {
  #mail: AccountMailHooks | null = null;

  constructor(
    private readonly store: AccountStore,
    private readonly auth: Authenticator,
    private readonly sessionTtlMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Verification mail at sign-up, invitation mail, and (with e-mail on) a confirmed address to accept an invitation. */
  useMail(mail: AccountMailHooks): void {
    this.#mail = mail;
  }

  async signup(input: { email: string; password: string; name?: string | undefined }): Promise<NewSession> {
    const email = input.email.trim().toLowerCase();
    checkPasswordRules(input.password, email);
    const now = this.clock.now();
    const user: User = { id: newUserId(), email, name: (input.name ?? '').trim() || email.split('@')[0]!, passwordHash: await hashPassword(input.password), createdAt: now };
    if (!(await this.store.createUser(user))) throw new PollcastError('email_taken');
    await this.store.createWorkspace({ id: newWorkspaceId(), name: `${user.name}'s workspace`, createdAt: now }, user.id);
    await this.#mail?.sendVerification(user);
    return this.#startSession(user);
  }

  async login(input: { email: string; password: string }): Promise<NewSession> {
    const user = await this.store.getUserByEmail(input.email.trim().toLowerCase());
    const ok = await verifyPassword(user?.passwordHash ?? null, input.password);
    if (!user || !ok) throw new PollcastError('invalid_credentials');
    return this.#startSession(user);
  }

  async #startSession(user: User): Promise<NewSession> {
    const secret = newSessionSecret();
    const now = this.clock.now();
    const session = { idHash: sha256Hex(secret), userId: user.id, csrfToken: newCsrfToken(), createdAt: now, expiresAt: now + this.sessionTtlMs };
    await this.store.createSession(session);
    return { user: publicUser(user), secret, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
  }

  async logout(p: ResolvedPrincipal): Promise<void> {
    const u = requireUser(p);
    await this.store.deleteSession(u.sessionIdHash);
    this.auth.forgetSession(u.sessionIdHash);
  }

  async me(p: ResolvedPrincipal) {
    const u = requireUser(p);
    const [user, workspaces, verifiedAt] = await Promise.all([this.store.getUser(u.user.id), this.store.listWorkspaces(u.user.id), this.store.getEmailVerifiedAt(u.user.id)]);
    if (!user) throw new PollcastError('authentication_required');
    return {
      user: publicUser(user),
      csrfToken: u.csrfToken,
      emailVerified: verifiedAt !== null,
      workspaces: workspaces.map((w) => ({ ...publicWorkspace(w.workspace), role: w.role })),
    };
  }

  /** Ends every other session of the user; this one stays. */
  async changePassword(p: ResolvedPrincipal, current: string, next: string): Promise<void> {
    const u = requireUser(p);
    const user = await this.store.getUser(u.user.id);
    if (!user) throw new PollcastError('authentication_required');
    if (!(await verifyPassword(user.passwordHash, current))) throw new PollcastError('password_incorrect');
    checkPasswordRules(next, user.email);
    await this.store.setPasswordHash(user.id, await hashPassword(next));
    await this.store.deleteUserSessions(user.id, u.sessionIdHash);
    this.auth.forgetUserSessions(user.id);
  }

  async createWorkspace(p: ResolvedPrincipal, name: string) {
    const u = requireUser(p);
    const ws: Workspace = { id: newWorkspaceId(), name: name.trim(), createdAt: this.clock.now() };
    if (ws.name.length === 0) throw new PollcastError('validation_failed', 'name must not be blank', { field: 'body/name' });
    await this.store.createWorkspace(ws, u.user.id);
    return { ...publicWorkspace(ws), role: 'owner' as WorkspaceRole };
  }

  async listWorkspaces(p: ResolvedPrincipal) {
    const u = requireUser(p);
    return (await this.store.listWorkspaces(u.user.id)).map((w) => ({ ...publicWorkspace(w.workspace), role: w.role }));
  }

  /** The workspace if the caller has `want` in it; throws 401/403/404 as docs/security.md says. */
  async workspace(p: ResolvedPrincipal, id: string, want: Capability): Promise<{ workspace: Workspace; standing: Standing }> {
    if (p.kind === 'anonymous') requireWorkspace({ kind: 'none' }, p, want);
    const workspace = await this.store.getWorkspace(id);
    const standing = workspace ? await standingIn(id, p, (w, u) => this.auth.role(w, u)) : ({ kind: 'none' } as const);
    requireWorkspace(standing, p, want);
    return { workspace: workspace!, standing };
  }

  async getWorkspace(p: ResolvedPrincipal, id: string) {
    const { workspace, standing } = await this.workspace(p, id, 'read');
    return { ...publicWorkspace(workspace), role: standing.kind === 'role' ? standing.role : null };
  }

  async listMembers(p: ResolvedPrincipal, id: string): Promise<Member[]> {
    requireUser(p);
    await this.workspace(p, id, 'read');
    return this.store.listMembers(id);
  }

  /** Changes the role of someone who is already a member (adding people goes through invite). */
  async setMember(p: ResolvedPrincipal, id: string, userId: string, role: WorkspaceRole): Promise<Member> {
    requireUser(p);
    await this.workspace(p, id, 'admin');
    const user = await this.store.getUser(userId);
    if (!user || (await this.store.getRole(id, user.id)) === null) throw new PollcastError('member_not_found');
    if ((await this.store.setRole(id, user.id, role)) === 'last_owner') throw new PollcastError('last_owner');
    this.auth.forgetRole(id, user.id);
    return { userId: user.id, email: user.email, name: user.name, role };
  }

  /**
   * Invites `email` to the workspace with `role` (owner only). The answer is the same whether or
   * not an account has that email, and nobody becomes a member until they accept
   * (`acceptInvitation`) while logged in with that email. Inviting the same email again renews
   * the pending invitation with the new role.
   */
  async invite(p: ResolvedPrincipal, id: string, email: string, role: WorkspaceRole) {
    const u = requireUser(p);
    const { workspace } = await this.workspace(p, id, 'admin');
    const now = this.clock.now();
    const stored = await this.store.putInvitation({ id: newInvitationId(), workspaceId: id, email: email.trim().toLowerCase(), role, invitedBy: u.user.id, createdAt: now, expiresAt: now + INVITATION_TTL_MS });
    await this.#mail?.invitationSent(stored, workspace.name, u.user.name);
    return publicInvitation(stored);
  }

  async listInvitations(p: ResolvedPrincipal, id: string) {
    requireUser(p);
    await this.workspace(p, id, 'admin');
    return (await this.store.listWorkspaceInvitations(id, this.clock.now())).map(publicInvitation);
  }

  async revokeInvitation(p: ResolvedPrincipal, id: string, invitationId: string): Promise<void> {
    requireUser(p);
    await this.workspace(p, id, 'admin');
    if (!(await this.store.deleteInvitation(invitationId, { workspaceId: id }, this.clock.now()))) throw new PollcastError('invitation_not_found');
  }

  /** Invitations waiting for the logged-in user (matched by the account's email). */
  async myInvitations(p: ResolvedPrincipal) {
    const u = requireUser(p);
    const rows = await this.store.listInvitationsFor(u.user.email, this.clock.now());
    return rows.map(({ invitation: i, workspace: w }) => ({ id: i.id, workspace: publicWorkspace(w), role: i.role, createdAt: new Date(i.createdAt).toISOString(), expiresAt: new Date(i.expiresAt).toISOString() }));
  }

  async acceptInvitation(p: ResolvedPrincipal, invitationId: string) {
    const u = requireUser(p);
    // With e-mail on, an invitation goes to whoever proved they read that address: otherwise anyone
    // could sign up with the invitee's address and take it.
    if (this.#mail?.enabled && !(await this.#mail.isVerified(u.user.id))) throw new PollcastError('email_not_verified');
    const r = await this.store.acceptInvitation(invitationId, { id: u.user.id, email: u.user.email }, this.clock.now());
    if (r === 'not_found') throw new PollcastError('invitation_not_found');
    if (r === 'last_owner') throw new PollcastError('last_owner');
    this.auth.forgetRole(r.workspaceId, u.user.id);
    const workspace = await this.store.getWorkspace(r.workspaceId);
    if (!workspace) throw new PollcastError('invitation_not_found');
    return { ...publicWorkspace(workspace), role: r.role };
  }

  async declineInvitation(p: ResolvedPrincipal, invitationId: string): Promise<void> {
    const u = requireUser(p);
    if (!(await this.store.deleteInvitation(invitationId, { email: u.user.email }, this.clock.now()))) throw new PollcastError('invitation_not_found');
  }

  async removeMember(p: ResolvedPrincipal, id: string, userId: string): Promise<void> {
    const u = requireUser(p);
    // Anyone may leave; removing others takes the owner role.
    await this.workspace(p, id, userId === u.user.id ? 'read' : 'admin');
    const r = await this.store.removeMember(id, userId);
    if (r === 'not_member') throw new PollcastError('member_not_found');
    if (r === 'last_owner') throw new PollcastError('last_owner');
    this.auth.forgetRole(id, userId);
  }

  async listApiKeys(p: ResolvedPrincipal, id: string) {
    requireUser(p);
    await this.workspace(p, id, 'admin');
    return (await this.store.listApiKeys(id)).map(publicApiKey);
  }

  async createApiKey(p: ResolvedPrincipal, id: string, name: string, scopes: ApiKeyScope[]) {
    const u = requireUser(p);
    await this.workspace(p, id, 'admin');
    const { id: keyId, key, prefix } = newApiKey();
    const record: ApiKey = { id: keyId, workspaceId: id, name: name.trim(), prefix, scopes: [...new Set(scopes)], createdBy: u.user.id, createdAt: this.clock.now(), revokedAt: null, lastUsedAt: null };
    await this.store.createApiKey(record, sha256Hex(key));
    return { apiKey: publicApiKey(record), key };
  }

  async revokeApiKey(p: ResolvedPrincipal, id: string, keyId: string): Promise<void> {
    requireUser(p);
    await this.workspace(p, id, 'admin');
    if (!(await this.store.revokeApiKey(id, keyId, this.clock.now()))) throw new PollcastError('api_key_not_found');
    this.auth.forgetKeys();
  }
}
