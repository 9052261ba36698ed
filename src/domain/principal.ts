/** Who is asking: the result of checking a request's credentials. Pure data, no I/O. */
import type { ApiKey, ApiKeyScope, WorkspaceRole } from './account.js';

export interface SessionUser {
  id: string;
  email: string;
  name: string;
}

export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'user'; user: SessionUser; sessionIdHash: string; csrfToken: string }
  | { kind: 'apiKey'; key: ApiKey };

export const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous' });

/** What an actor may do in a workspace, ordered: each level includes the ones before it. */
export type Capability = 'read' | 'write' | 'admin';

const ROLE_CAN: Record<WorkspaceRole, Capability[]> = {
  viewer: ['read'],
  editor: ['read', 'write'],
  owner: ['read', 'write', 'admin'],
};

/** API keys never administer a workspace (members, keys): that stays with people. */
const SCOPE_CAN: Record<ApiKeyScope, Capability[]> = {
  'polls:read': ['read'],
  'polls:write': ['read', 'write'],
  'votes:write': [],
};

export function roleAllows(role: WorkspaceRole, want: Capability): boolean {
  return ROLE_CAN[role].includes(want);
}

export function keyAllows(scopes: readonly ApiKeyScope[], want: Capability): boolean {
  return scopes.some((s) => SCOPE_CAN[s].includes(want));
}
