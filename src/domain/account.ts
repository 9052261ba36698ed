/**
 * Accounts as data: users, sessions, workspaces with member roles, API keys, invitations and which
 * polls belong to which workspace. Times are epoch milliseconds. The AccountStore port
 * (src/ports/account-store.ts) stores them.
 */

export const WORKSPACE_ROLES = ['owner', 'editor', 'viewer'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

export const API_KEY_SCOPES = ['polls:read', 'polls:write', 'votes:write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface User {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  createdAt: number;
}

export interface Session {
  /** sha256 of the cookie value, hex. */
  idHash: string;
  userId: string;
  /** Sent back by the browser in X-CSRF-Token on every state-changing request. */
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
}

export interface Workspace {
  id: string;
  name: string;
  createdAt: number;
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: WorkspaceRole;
}

export interface ApiKey {
  id: string;
  workspaceId: string;
  name: string;
  /** The first characters of the key, shown in lists so an owner can tell keys apart. */
  prefix: string;
  scopes: ApiKeyScope[];
  createdBy: string;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export interface Invitation {
  id: string;
  workspaceId: string;
  /** Lower-cased; matched against the email of the account that accepts. */
  email: string;
  role: WorkspaceRole;
  /** The user id of the owner who invited. */
  invitedBy: string;
  createdAt: number;
  /** The first instant it is gone. */
  expiresAt: number;
}

export type AcceptedInvitation = { workspaceId: string; role: WorkspaceRole };

export interface WorkspacePoll {
  pollId: string;
  workspaceId: string;
  createdBy: string | null;
  createdAt: number;
}
