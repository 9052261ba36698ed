/** Row shapes of the account tables, shared by the SQLite and PostgreSQL adapters, and their domain values. */
import type { ApiKey, ApiKeyScope, Invitation, Session, User, Workspace, WorkspacePoll, WorkspaceRole } from '../ports/account-store.js';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  created_at: number;
}
export interface SessionRow {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}
export interface WorkspaceRow {
  id: string;
  name: string;
  created_at: number;
}
export interface ApiKeyRow {
  id: string;
  workspace_id: string;
  name: string;
  prefix: string;
  /** JSON text (SQLite) or a text[] (PostgreSQL). */
  scopes: string | ApiKeyScope[];
  created_by: string;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}
export interface InvitationRow {
  id: string;
  workspace_id: string;
  email: string;
  role: WorkspaceRole;
  invited_by: string;
  created_at: number;
  expires_at: number;
}
export interface WorkspacePollRow {
  poll_id: string;
  workspace_id: string;
  created_by: string | null;
  created_at: number;
}

export const toUser = (r: UserRow): User => ({ id: r.id, email: r.email, name: r.name, passwordHash: r.password_hash, createdAt: r.created_at });
export const toSession = (r: SessionRow): Session => ({
  idHash: r.id_hash,
  userId: r.user_id,
  csrfToken: r.csrf_token,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});
export const toWorkspace = (r: WorkspaceRow): Workspace => ({ id: r.id, name: r.name, createdAt: r.created_at });
export const toApiKey = (r: ApiKeyRow): ApiKey => ({
  id: r.id,
  workspaceId: r.workspace_id,
  name: r.name,
  prefix: r.prefix,
  scopes: typeof r.scopes === 'string' ? (JSON.parse(r.scopes) as ApiKeyScope[]) : r.scopes,
  createdBy: r.created_by,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
});
export const toWorkspacePoll = (r: WorkspacePollRow): WorkspacePoll => ({
  pollId: r.poll_id,
  workspaceId: r.workspace_id,
  createdBy: r.created_by,
  createdAt: r.created_at,
});
export const toInvitation = (r: InvitationRow): Invitation => ({
  id: r.id,
  workspaceId: r.workspace_id,
  email: r.email,
  role: r.role,
  invitedBy: r.invited_by,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});
