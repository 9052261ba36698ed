/**
 * The embedded account store: its own SQLite file (`accounts.db`) under DATA_DIR, in WAL mode,
 * next to the vote store's file, so account writes never queue behind vote batches. Same
 * durability choice as the vote store: EMBEDDED_SYNC=full fsyncs each commit.
 *
 * Foreign keys are on: a membership, session or API key names an existing user and workspace (an
 * unknown one throws SQLITE_CONSTRAINT_FOREIGNKEY and writes nothing). Scopes are a JSON array.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type {
  AcceptedInvitation,
  AccountStore,
  ApiKey,
  Invitation,
  Member,
  Session,
  User,
  Workspace,
  WorkspacePoll,
  WorkspaceRole,
  WebhookEndpoint,
  WebhookSecret,
} from '../../ports/account-store.js';
import type { WebhookEvent } from '../../domain/webhook-events.js';
import {
  toApiKey,
  toInvitation,
  toSession,
  toUser,
  toWorkspace,
  toWorkspacePoll,
  type ApiKeyRow,
  type InvitationRow,
  type SessionRow,
  type UserRow,
  type WorkspacePollRow,
  type WorkspaceRow,
} from '../account-rows.js';
import { runSqliteMigrations, type SqliteMigration } from './sqlite-schema.js';

/** Versioned migrations, applied in order, one transaction each. Never edit one that shipped. */
export const SQLITE_ACCOUNT_MIGRATIONS: SqliteMigration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE TABLE workspaces (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE memberships (
  workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
  PRIMARY KEY (workspace_id, user_id)
) WITHOUT ROWID;
CREATE INDEX memberships_user ON memberships (user_id);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  key_hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  last_used_at INTEGER
);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id);
CREATE TABLE workspace_polls (
  poll_id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  created_by TEXT,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX workspace_polls_recent ON workspace_polls (workspace_id, created_at DESC, poll_id DESC);
`,
  },
  {
    version: 2,
    sql: `
CREATE TABLE invitations (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
  invited_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  UNIQUE (workspace_id, email)
);
CREATE INDEX invitations_email ON invitations (email);
`,
  },
  {
    version: 3,
    sql: `
CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  secrets TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX webhooks_workspace ON webhooks (workspace_id, created_at);
`,
  },
  {
    version: 4,
    sql: `
ALTER TABLE users ADD COLUMN email_verified_at INTEGER;
`,
  },
];


const API_KEY_COLUMNS = 'id, workspace_id, name, prefix, scopes, created_by, created_at, revoked_at, last_used_at';


export class SqliteAccountStore implements AccountStore {
  readonly kind = 'embedded';
  readonly #db: Database.Database;
  #s!: Statements;
  #closed = false;

  constructor(opts: { dataDir: string; sync: 'full' | 'normal'; fileName?: string }) {
    mkdirSync(opts.dataDir, { recursive: true });
    this.#db = new Database(join(opts.dataDir, opts.fileName ?? 'accounts.db'));
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`synchronous = ${opts.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('foreign_keys = ON');
  }

  async migrate(): Promise<void> {
    runSqliteMigrations(this.#db, 'account_migrations', SQLITE_ACCOUNT_MIGRATIONS);
    this.#prepare();
  }

  #prepare(): void {
    this.#s = prepareStatements(this.#db);
  }

  // --- users ---

  async createUser(user: User): Promise<boolean> {
    return this.#s.insertUser.run(user.id, user.email, user.name, user.passwordHash, user.createdAt).changes === 1;
  }

  async getUser(id: string): Promise<User | null> {
    const row = this.#s.getUser.get(id) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async getUserByEmail(email: string): Promise<User | null> {
    const row = this.#s.getUserByEmail.get(email) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    this.#s.setPasswordHash.run(passwordHash, userId);
  }

  async replacePasswordHash(userId: string, expected: string, passwordHash: string): Promise<boolean> {
    return this.#s.replacePasswordHash.run(passwordHash, userId, expected).changes === 1;
  }

  async setEmailVerified(userId: string, email: string, at: number): Promise<boolean> {
    return this.#s.setEmailVerified.run(at, userId, email).changes === 1;
  }

  async getEmailVerifiedAt(userId: string): Promise<number | null> {
    return (this.#s.getEmailVerifiedAt.get(userId) as number | null | undefined) ?? null;
  }

  // --- sessions ---

  async createSession(session: Session): Promise<void> {
    this.#s.insertSession.run(session.idHash, session.userId, session.csrfToken, session.createdAt, session.expiresAt);
  }

  async getSession(idHash: string, now: number): Promise<Session | null> {
    const row = this.#s.getSession.get(idHash, now) as SessionRow | undefined;
    return row ? toSession(row) : null;
  }

  async deleteSession(idHash: string): Promise<void> {
    this.#s.deleteSession.run(idHash);
  }

  async deleteUserSessions(userId: string, keepIdHash?: string): Promise<number> {
    return this.#s.deleteUserSessions.run(userId, keepIdHash ?? null).changes;
  }

  // --- workspaces and members ---

  async createWorkspace(workspace: Workspace, ownerId: string): Promise<void> {
    this.#db.transaction(() => {
      this.#s.insertWorkspace.run(workspace.id, workspace.name, workspace.createdAt);
      this.#s.upsertMember.run(workspace.id, ownerId, 'owner');
    }).immediate();
  }

  async getWorkspace(id: string): Promise<Workspace | null> {
    const row = this.#s.getWorkspace.get(id) as WorkspaceRow | undefined;
    return row ? toWorkspace(row) : null;
  }

  async listWorkspaces(userId: string): Promise<Array<{ workspace: Workspace; role: WorkspaceRole }>> {
    const rows = this.#s.listWorkspaces.all(userId) as Array<WorkspaceRow & { role: WorkspaceRole }>;
    return rows.map((r) => ({ workspace: toWorkspace(r), role: r.role }));
  }

  async getRole(workspaceId: string, userId: string): Promise<WorkspaceRole | null> {
    return (this.#s.getRole.get(workspaceId, userId) as WorkspaceRole | undefined) ?? null;
  }

  /** Ordered by email. */
  async listMembers(workspaceId: string): Promise<Member[]> {
    const rows = this.#s.listMembers.all(workspaceId) as Array<{ id: string; email: string; name: string; role: WorkspaceRole }>;
    return rows.map((r) => ({ userId: r.id, email: r.email, name: r.name, role: r.role }));
  }

  /** The owner count and the change are one IMMEDIATE transaction (the write lock is taken first). */
  async setRole(workspaceId: string, userId: string, role: WorkspaceRole): Promise<'ok' | 'last_owner'> {
    return this.#db.transaction((): 'ok' | 'last_owner' => {
      if (role !== 'owner' && this.#isLastOwner(workspaceId, userId)) return 'last_owner';
      this.#s.upsertMember.run(workspaceId, userId, role);
      return 'ok';
    }).immediate();
  }

  async removeMember(workspaceId: string, userId: string): Promise<'ok' | 'not_member' | 'last_owner'> {
    return this.#db.transaction((): 'ok' | 'not_member' | 'last_owner' => {
      if (this.#s.getRole.get(workspaceId, userId) === undefined) return 'not_member';
      if (this.#isLastOwner(workspaceId, userId)) return 'last_owner';
      this.#s.deleteMember.run(workspaceId, userId);
      return 'ok';
    }).immediate();
  }

  /** Inside a transaction: the user is an owner and no other owner exists. */
  #isLastOwner(workspaceId: string, userId: string): boolean {
    return this.#s.getRole.get(workspaceId, userId) === 'owner' && (this.#s.countOwners.get(workspaceId) as number) <= 1;
  }

  // --- invitations ---

  async putInvitation(inv: Invitation): Promise<Invitation> {
    return this.#db.transaction((): Invitation => {
      this.#s.dropExpiredInvitations.run(inv.workspaceId, inv.createdAt);
      return toInvitation(this.#s.putInvitation.get(inv.id, inv.workspaceId, inv.email, inv.role, inv.invitedBy, inv.createdAt, inv.expiresAt) as InvitationRow);
    }).immediate();
  }

  async listWorkspaceInvitations(workspaceId: string, now: number): Promise<Invitation[]> {
    return (this.#s.listWorkspaceInvitations.all(workspaceId, now) as InvitationRow[]).map(toInvitation);
  }

  async listInvitationsFor(email: string, now: number): Promise<Array<{ invitation: Invitation; workspace: Workspace }>> {
    const rows = this.#s.listInvitationsFor.all(email, now) as Array<InvitationRow & { workspace_name: string; workspace_created_at: number }>;
    return rows.map((r) => ({ invitation: toInvitation(r), workspace: { id: r.workspace_id, name: r.workspace_name, createdAt: r.workspace_created_at } }));
  }

  async deleteInvitation(id: string, of: { workspaceId: string } | { email: string }, now: number): Promise<boolean> {
    const r = 'workspaceId' in of ? this.#s.revokeInvitation.run(id, of.workspaceId, now) : this.#s.declineInvitation.run(id, of.email, now);
    return r.changes === 1;
  }

  async acceptInvitation(id: string, user: { id: string; email: string }, now: number): Promise<AcceptedInvitation | 'not_found' | 'last_owner'> {
    return this.#db.transaction((): AcceptedInvitation | 'not_found' | 'last_owner' => {
      const row = this.#s.pendingInvitationFor.get(id, user.email, now) as InvitationRow | undefined;
      if (!row) return 'not_found';
      if (row.role !== 'owner' && this.#isLastOwner(row.workspace_id, user.id)) return 'last_owner';
      this.#s.upsertMember.run(row.workspace_id, user.id, row.role);
      this.#s.deleteInvitation.run(id);
      return { workspaceId: row.workspace_id, role: row.role };
    }).immediate();
  }

  // --- API keys ---

  async createApiKey(key: ApiKey, keyHash: string): Promise<void> {
    this.#s.insertApiKey.run(
      key.id, key.workspaceId, keyHash, key.name, key.prefix, JSON.stringify(key.scopes), key.createdBy, key.createdAt, key.revokedAt, key.lastUsedAt,
    );
  }

  async getApiKeyByHash(keyHash: string): Promise<ApiKey | null> {
    const row = this.#s.getApiKeyByHash.get(keyHash) as ApiKeyRow | undefined;
    return row ? toApiKey(row) : null;
  }

  /** Oldest first, revoked keys included. */
  async listApiKeys(workspaceId: string): Promise<ApiKey[]> {
    return (this.#s.listApiKeys.all(workspaceId) as ApiKeyRow[]).map(toApiKey);
  }

  async revokeApiKey(workspaceId: string, keyId: string, now: number): Promise<boolean> {
    return this.#s.revokeApiKey.run(now, workspaceId, keyId).changes === 1;
  }

  async touchApiKey(keyId: string, now: number): Promise<void> {
    this.#s.touchApiKey.run(now, now, keyId);
  }

  // --- webhooks ---

  async createWebhook(w: WebhookEndpoint, max: number): Promise<boolean> {
    return this.#s.insertWebhook.run(w.id, w.workspaceId, w.url, JSON.stringify(w.events), JSON.stringify(w.secrets), w.createdBy, w.createdAt, w.workspaceId, max).changes === 1;
  }

  async listWebhooks(workspaceId: string): Promise<WebhookEndpoint[]> {
    return (this.#s.listWebhooks.all(workspaceId) as WebhookRow[]).map(toWebhook);
  }

  async getWebhook(workspaceId: string, id: string): Promise<WebhookEndpoint | null> {
    const row = this.#s.getWebhook.get(workspaceId, id) as WebhookRow | undefined;
    return row ? toWebhook(row) : null;
  }

  async setWebhookSecrets(workspaceId: string, id: string, secrets: WebhookSecret[]): Promise<boolean> {
    return this.#s.setWebhookSecrets.run(JSON.stringify(secrets), workspaceId, id).changes === 1;
  }

  async deleteWebhook(workspaceId: string, id: string): Promise<boolean> {
    return this.#s.deleteWebhook.run(workspaceId, id).changes === 1;
  }

  // --- workspace polls ---

  async addWorkspacePoll(entry: WorkspacePoll): Promise<void> {
    this.#s.insertWorkspacePoll.run(entry.pollId, entry.workspaceId, entry.createdBy, entry.createdAt);
  }

  async getWorkspacePoll(pollId: string): Promise<WorkspacePoll | null> {
    const row = this.#s.getWorkspacePoll.get(pollId) as WorkspacePollRow | undefined;
    return row ? toWorkspacePoll(row) : null;
  }

  /** Ties on createdAt are ordered by poll id (descending); a page boundary inside a tie skips the rest of it. */
  async listWorkspacePolls(workspaceId: string, opts: { limit: number; before?: number }): Promise<WorkspacePoll[]> {
    const before = opts.before ?? null;
    return (this.#s.listWorkspacePolls.all(workspaceId, before, before, opts.limit) as WorkspacePollRow[]).map(toWorkspacePoll);
  }

  async removeWorkspacePoll(pollId: string): Promise<void> {
    this.#s.deleteWorkspacePoll.run(pollId);
  }

  async ping(): Promise<void> {
    this.#db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}

/** Every statement, prepared once after migrating; the names are typed, so no lookup can miss. */
function prepareStatements(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    insertUser: p('INSERT INTO users (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING'),
    getUser: p('SELECT * FROM users WHERE id = ?'),
    getUserByEmail: p('SELECT * FROM users WHERE email = ?'),
    setPasswordHash: p('UPDATE users SET password_hash = ? WHERE id = ?'),
    replacePasswordHash: p('UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?'),
    setEmailVerified: p('UPDATE users SET email_verified_at = coalesce(email_verified_at, ?) WHERE id = ? AND email = ?'),
    getEmailVerifiedAt: p('SELECT email_verified_at FROM users WHERE id = ?').pluck(),

    insertSession: p('INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)'),
    getSession: p('SELECT * FROM sessions WHERE id_hash = ? AND expires_at > ?'),
    deleteSession: p('DELETE FROM sessions WHERE id_hash = ?'),
    deleteUserSessions: p('DELETE FROM sessions WHERE user_id = ? AND id_hash IS NOT ?'),

    insertWorkspace: p('INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)'),
    getWorkspace: p('SELECT * FROM workspaces WHERE id = ?'),
    listWorkspaces: p(
      'SELECT w.id, w.name, w.created_at, m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = ? ORDER BY w.created_at, w.id',
    ),
    getRole: p('SELECT role FROM memberships WHERE workspace_id = ? AND user_id = ?').pluck(),
    listMembers: p(
      'SELECT u.id, u.email, u.name, m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.workspace_id = ? ORDER BY u.email',
    ),
    countOwners: p("SELECT count(*) FROM memberships WHERE workspace_id = ? AND role = 'owner'").pluck(),
    upsertMember: p(
      'INSERT INTO memberships (workspace_id, user_id, role) VALUES (?, ?, ?) ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role',
    ),
    deleteMember: p('DELETE FROM memberships WHERE workspace_id = ? AND user_id = ?'),

    dropExpiredInvitations: p('DELETE FROM invitations WHERE workspace_id = ? AND expires_at <= ?'),
    putInvitation: p(
      `INSERT INTO invitations (id, workspace_id, email, role, invited_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (workspace_id, email) DO UPDATE SET role = excluded.role, invited_by = excluded.invited_by, created_at = excluded.created_at, expires_at = excluded.expires_at
       RETURNING *`,
    ),
    listWorkspaceInvitations: p('SELECT * FROM invitations WHERE workspace_id = ? AND expires_at > ? ORDER BY created_at DESC, id'),
    listInvitationsFor: p(
      `SELECT i.*, w.name AS workspace_name, w.created_at AS workspace_created_at FROM invitations i JOIN workspaces w ON w.id = i.workspace_id
        WHERE i.email = ? AND i.expires_at > ? ORDER BY i.created_at DESC, i.id`,
    ),
    pendingInvitationFor: p('SELECT * FROM invitations WHERE id = ? AND email = ? AND expires_at > ?'),
    revokeInvitation: p('DELETE FROM invitations WHERE id = ? AND workspace_id = ? AND expires_at > ?'),
    declineInvitation: p('DELETE FROM invitations WHERE id = ? AND email = ? AND expires_at > ?'),
    deleteInvitation: p('DELETE FROM invitations WHERE id = ?'),

    insertApiKey: p(
      'INSERT INTO api_keys (id, workspace_id, key_hash, name, prefix, scopes, created_by, created_at, revoked_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    getApiKeyByHash: p(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE key_hash = ?`),
    insertWebhook: p(
      'INSERT INTO webhooks (id, workspace_id, url, events, secrets, created_by, created_at) SELECT ?, ?, ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM webhooks WHERE workspace_id = ?) < ?',
    ),
    listWebhooks: p('SELECT * FROM webhooks WHERE workspace_id = ? ORDER BY created_at, id'),
    getWebhook: p('SELECT * FROM webhooks WHERE workspace_id = ? AND id = ?'),
    setWebhookSecrets: p('UPDATE webhooks SET secrets = ? WHERE workspace_id = ? AND id = ?'),
    deleteWebhook: p('DELETE FROM webhooks WHERE workspace_id = ? AND id = ?'),
    listApiKeys: p(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE workspace_id = ? ORDER BY created_at, id`),
    revokeApiKey: p('UPDATE api_keys SET revoked_at = ? WHERE workspace_id = ? AND id = ? AND revoked_at IS NULL'),
    // Concurrent requests may touch out of order: last_used_at never moves back.
    touchApiKey: p('UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, ?), ?) WHERE id = ?'),

    insertWorkspacePoll: p('INSERT INTO workspace_polls (poll_id, workspace_id, created_by, created_at) VALUES (?, ?, ?, ?)'),
    getWorkspacePoll: p('SELECT * FROM workspace_polls WHERE poll_id = ?'),
    listWorkspacePolls: p(
      'SELECT * FROM workspace_polls WHERE workspace_id = ? AND (? IS NULL OR created_at < ?) ORDER BY created_at DESC, poll_id DESC LIMIT ?',
    ),
    deleteWorkspacePoll: p('DELETE FROM workspace_polls WHERE poll_id = ?'),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

interface WebhookRow {
  id: string;
  workspace_id: string;
  url: string;
  events: string;
  secrets: string;
  created_by: string;
  created_at: number;
}

function toWebhook(r: WebhookRow): WebhookEndpoint {
  return { id: r.id, workspaceId: r.workspace_id, url: r.url, events: JSON.parse(r.events) as WebhookEvent[], secrets: JSON.parse(r.secrets) as WebhookSecret[], createdBy: r.created_by, createdAt: r.created_at };
}
