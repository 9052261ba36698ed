/** The API's shapes as the app reads them (see GET /v1/openapi.json). */
export type PollStatus = 'draft' | 'open' | 'closed';
export type ResultsVisibility = 'live' | 'after_close' | 'owner_only';
export type IdentityMode = 'device' | 'account' | 'invite' | 'open';
export type PollAccess = 'link' | 'workspace';

export interface Poll {
  id: string;
  question: string;
  options: Array<{ id: string; text: string }>;
  kind: 'single' | 'multiple';
  maxChoices: number;
  status: PollStatus;
  opensAt: string | null;
  closesAt: string | null;
  resultsVisibility: ResultsVisibility;
  identityMode: IdentityMode;
  allowChange: boolean;
  /** The workspace that owns the poll (managed with a session); null for a quick poll (owner token). */
  workspaceId: string | null;
  access: PollAccess;
  ipCap: number | null;
  /** Leading zero bits of proof of work a device vote must carry; 0: none. */
  powDifficulty: number;
  createdAt: string;
  updatedAt: string;
}

export interface Results {
  pollId: string;
  version: number;
  status: PollStatus;
  total: number;
  options: Array<{ id: string; votes: number }>;
  updatedAt: string;
}

export interface VoteReceipt {
  pollId: string;
  receiptId: string;
  optionIds: string[];
  countedAt: string;
  changed?: boolean;
  voterToken?: string;
}

export interface User {
  id: string;
  email: string;
  name: string;
  createdAt: string;
}

export type Role = 'owner' | 'editor' | 'viewer';

export interface Workspace {
  id: string;
  name: string;
  createdAt: string;
  role: Role;
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: Role;
}

/** A pending invitation, as the workspace's owner sees it. */
export interface Invitation {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
  expiresAt: string;
}

/** A pending invitation, as the invitee sees it. */
export interface MyInvitation {
  id: string;
  workspace: { id: string; name: string };
  role: Role;
  expiresAt: string;
}

export type ApiKeyScope = 'polls:read' | 'polls:write' | 'votes:write';

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}
