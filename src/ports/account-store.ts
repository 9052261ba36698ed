/**
 * The account store port: users, browser sessions, workspaces with member roles, API keys, and
 * which polls belong to which workspace. Adapters: embedded (its own SQLite file under DATA_DIR)
 * and PostgreSQL (the primary of DATABASE_URL, its own tables and migrations). Both pass
 * test/contract/account-store-contract.ts.
 *
 * Contract:
 * - Secrets never reach the store in the clear: sessions and API keys are looked up by a hash the
 *   caller computes; passwords arrive as argon2id hashes. Webhook signing secrets are the
 *   exception: signing needs the key itself.
 * - Emails are stored and compared lower-cased (the caller lower-cases); one user per email.
 * - A workspace always has at least one owner: `setRole`/`removeMember` refuse to leave it without
 *   one (they return 'last_owner').
 * - Times are epoch milliseconds.
 * - An invitation is pending until it is accepted, declined, revoked or expires; at most one is
 *   pending per workspace and email. Membership comes only from accepting one (or creating the
 *   workspace): nobody is added to a workspace without their consent.
 */
import type { WebhookEvent } from '../domain/webhook-events.js';

import type {
  AcceptedInvitation,
  ApiKey,
  Invitation,
  Member,
  Session,
  User,
  Workspace,
  WorkspacePoll,
  WorkspaceRole,
} from '../domain/account.js';

// The entities are domain data; they are re-exported so the port reads as one contract.
export * from '../domain/account.js';

/** A signing secret of a webhook endpoint; a rotated-out one signs until `expiresAt`. */
export interface WebhookSecret {
  secret: string;
  expiresAt: number | null;
}

export interface WebhookEndpoint {
  id: string;
  workspaceId: string;
  url: string;
  events: WebhookEvent[];
  /** Newest first. Kept in clear: signing needs them (like any HMAC key). */
  secrets: WebhookSecret[];
  createdBy: string;
  createdAt: number;
}

export interface AccountStore {
  readonly kind: string;
  migrate(): Promise<void>;

  /** False when the email is taken (nothing written). */
  createUser(user: User): Promise<boolean>;
  getUser(id: string): Promise<User | null>;
  getUserByEmail(email: string): Promise<User | null>;
  setPasswordHash(userId: string, passwordHash: string): Promise<void>;
  /** Sets the hash only if it is still `expected` (a reset link works once); false when it changed or the user is gone. */
  replacePasswordHash(userId: string, expected: string, passwordHash: string): Promise<boolean>;
  /** Marks the address verified if it is still the user's; false otherwise. */
  setEmailVerified(userId: string, email: string, at: number): Promise<boolean>;
  /** When the user's address was verified, or null (never, or no such user). */
  getEmailVerifiedAt(userId: string): Promise<number | null>;

  createSession(session: Session): Promise<void>;
  /** The session if it exists and has not expired at `now`. */
  getSession(idHash: string, now: number): Promise<Session | null>;
  deleteSession(idHash: string): Promise<void>;
  /** Ends every session of a user except `keepIdHash` (after a password change); returns how many. */
  deleteUserSessions(userId: string, keepIdHash?: string): Promise<number>;

  /** Creates the workspace with `ownerId` as its first owner, in one transaction. */
  createWorkspace(workspace: Workspace, ownerId: string): Promise<void>;
  getWorkspace(id: string): Promise<Workspace | null>;
  /** Every workspace the user belongs to, with their role, oldest first. */
  listWorkspaces(userId: string): Promise<Array<{ workspace: Workspace; role: WorkspaceRole }>>;
  getRole(workspaceId: string, userId: string): Promise<WorkspaceRole | null>;
  listMembers(workspaceId: string): Promise<Member[]>;
  /** Adds the user or changes their role. */
  setRole(workspaceId: string, userId: string, role: WorkspaceRole): Promise<'ok' | 'last_owner'>;
  removeMember(workspaceId: string, userId: string): Promise<'ok' | 'not_member' | 'last_owner'>;

  /**
   * Stores the invitation, or renews the one pending for the same workspace and email (role,
   * inviter and times replaced, id kept); drops the workspace's expired ones. Returns what is stored.
   */
  putInvitation(invitation: Invitation): Promise<Invitation>;
  /** The workspace's invitations pending at `now`, newest first. */
  listWorkspaceInvitations(workspaceId: string, now: number): Promise<Invitation[]>;
  /** Invitations to `email` pending at `now`, with their workspace, newest first. */
  listInvitationsFor(email: string, now: number): Promise<Array<{ invitation: Invitation; workspace: Workspace }>>;
  /** Removes a pending invitation of that workspace (revoke) or to that email (decline); false when there is none. */
  deleteInvitation(id: string, of: { workspaceId: string } | { email: string }, now: number): Promise<boolean>;
  /**
   * In one transaction: the user becomes a member with the invitation's role and the invitation
   * is gone. 'not_found' when no invitation with this id is pending at `now` for `user.email`;
   * 'last_owner' (nothing changed) when the role would demote the workspace's last owner.
   */
  acceptInvitation(id: string, user: { id: string; email: string }, now: number): Promise<AcceptedInvitation | 'not_found' | 'last_owner'>;

  createApiKey(key: ApiKey, keyHash: string): Promise<void>;
  /** The key with this hash, revoked or not (the caller decides what a revoked key means). */
  getApiKeyByHash(keyHash: string): Promise<ApiKey | null>;
  listApiKeys(workspaceId: string): Promise<ApiKey[]>;
  /** False when no unrevoked key with this id is in the workspace. */
  revokeApiKey(workspaceId: string, keyId: string, now: number): Promise<boolean>;
  touchApiKey(keyId: string, now: number): Promise<void>;

  addWorkspacePoll(entry: WorkspacePoll): Promise<void>;
  getWorkspacePoll(pollId: string): Promise<WorkspacePoll | null>;
  /** Newest first; `before` (createdAt) pages backwards. */
  listWorkspacePolls(workspaceId: string, opts: { limit: number; before?: number }): Promise<WorkspacePoll[]>;
  removeWorkspacePoll(pollId: string): Promise<void>;

  /** Adds the endpoint unless the workspace already has `max`; false when it has. */
  createWebhook(endpoint: WebhookEndpoint, max: number): Promise<boolean>;
  listWebhooks(workspaceId: string): Promise<WebhookEndpoint[]>;
  getWebhook(workspaceId: string, id: string): Promise<WebhookEndpoint | null>;
  setWebhookSecrets(workspaceId: string, id: string, secrets: WebhookSecret[]): Promise<boolean>;
  deleteWebhook(workspaceId: string, id: string): Promise<boolean>;

  ping(): Promise<void>;
  close(): Promise<void>;
}
