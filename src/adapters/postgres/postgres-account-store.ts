/**
 * The PostgreSQL account store: its own tables and migrations (`account_migrations`) in the
 * schema of DATABASE_URL (`?schema=name`, default `public`), on the primary only.
 *
 * Safe through PgBouncer in transaction pooling mode: table names are schema-qualified in the text
 * (no `SET search_path`), statements are unnamed (plain parameterized queries), and the only
 * settings and locks are transaction-scoped (`SET LOCAL`, `pg_advisory_xact_lock`).
 *
 * It runs on the vote store's foundation (pg-link.ts PgLink: pool, bounded transactions, retries of
 * deadlocks): a database that cannot serve is reported as `store_unavailable` (503, retry), as the
 * vote store reports it; other errors are pg's own.
 *
 * Foreign keys: a membership, session or API key names an existing user and workspace (an unknown
 * one throws 23503 and writes nothing).
 */
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
import { PgLink, stmt, type Row } from './pg-link.js';
import { runPgMigrations, type PgMigration } from './pg-migrations.js';
import { checkSchemaName, splitPgUrl } from './pg-sql.js';

export interface PostgresAccountStoreOptions {
  /** May carry `?schema=name`; removed before the URL reaches the driver. */
  url: string;
  /** Overrides `?schema=` in `url`. Tests give each run its own. */
  schema?: string | undefined;
  /** Default 4: account traffic is light next to votes. */
  poolSize?: number | undefined;
  /** Opening a connection or waiting for a pooled one. Default 3000. */
  connectTimeoutMs?: number | undefined;
  /** Client-side bound on one statement. Default 8000. */
  queryTimeoutMs?: number | undefined;
}

/** `s` is the quoted schema name. Ids and hashes collate as "C" (byte order). Never edit one that shipped. */
export const PG_ACCOUNT_MIGRATIONS: PgMigration[] = [
  {
    version: 1,
    sql: (s) => `
CREATE TABLE ${s}.users (
  id text COLLATE "C" PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name text NOT NULL,
  password_hash text NOT NULL,
  created_at bigint NOT NULL
);
CREATE TABLE ${s}.sessions (
  id_hash text COLLATE "C" PRIMARY KEY,
  user_id text COLLATE "C" NOT NULL REFERENCES ${s}.users (id) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX sessions_user ON ${s}.sessions (user_id);
CREATE INDEX sessions_expires ON ${s}.sessions (expires_at);
CREATE TABLE ${s}.workspaces (
  id text COLLATE "C" PRIMARY KEY,
  name text NOT NULL,
  created_at bigint NOT NULL
);
CREATE TABLE ${s}.memberships (
  workspace_id text COLLATE "C" NOT NULL REFERENCES ${s}.workspaces (id) ON DELETE CASCADE,
  user_id text COLLATE "C" NOT NULL REFERENCES ${s}.users (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX memberships_user ON ${s}.memberships (user_id);
CREATE TABLE ${s}.api_keys (
  id text COLLATE "C" PRIMARY KEY,
  workspace_id text COLLATE "C" NOT NULL REFERENCES ${s}.workspaces (id) ON DELETE CASCADE,
  key_hash text COLLATE "C" NOT NULL UNIQUE,
  name text NOT NULL,
  prefix text NOT NULL,
  scopes text[] NOT NULL,
  created_by text COLLATE "C" NOT NULL,
  created_at bigint NOT NULL,
  revoked_at bigint,
  last_used_at bigint
);
CREATE INDEX api_keys_workspace ON ${s}.api_keys (workspace_id);
CREATE TABLE ${s}.workspace_polls (
  poll_id text COLLATE "C" PRIMARY KEY,
  workspace_id text COLLATE "C" NOT NULL REFERENCES ${s}.workspaces (id) ON DELETE CASCADE,
  created_by text COLLATE "C",
  created_at bigint NOT NULL
);
CREATE INDEX workspace_polls_recent ON ${s}.workspace_polls (workspace_id, created_at DESC, poll_id DESC);
`,
  },
  {
    version: 2,
    sql: (s) => `
CREATE TABLE ${s}.invitations (
  id text COLLATE "C" PRIMARY KEY,
  workspace_id text COLLATE "C" NOT NULL REFERENCES ${s}.workspaces (id) ON DELETE CASCADE,
  email text NOT NULL,
  role text NOT NULL CHECK (role IN ('owner', 'editor', 'viewer')),
  invited_by text COLLATE "C" NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  UNIQUE (workspace_id, email)
);
CREATE INDEX invitations_email ON ${s}.invitations (email);
`,
  },
  {
    version: 3,
    sql: (s) => `
CREATE TABLE ${s}.webhooks (
  id text COLLATE "C" PRIMARY KEY,
  workspace_id text COLLATE "C" NOT NULL REFERENCES ${s}.workspaces (id) ON DELETE CASCADE,
  url text NOT NULL,
  events text[] NOT NULL,
  secrets jsonb NOT NULL,
  created_by text COLLATE "C" NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX webhooks_workspace ON ${s}.webhooks (workspace_id, created_at);
`,
  },
  {
    version: 4,
    sql: (s) => `
ALTER TABLE ${s}.users ADD COLUMN email_verified_at bigint;
`,
  },
];

const API_KEY_COLUMNS = 'id, workspace_id, name, prefix, scopes, created_by, created_at, revoked_at, last_used_at';
const INVITATION_COLUMNS = 'id, workspace_id, email, role, invited_by, created_at, expires_at';

/** One statement; `rows` as the vote store's link returns them. */
type Query = <R extends Row = Row>(text: string, values?: unknown[]) => Promise<{ rows: R[] }>;

export class PostgresAccountStore implements AccountStore {
  readonly kind = 'postgres';
  readonly schema: string;
  /** The quoted schema, for the statement texts. */
  readonly #s: string;
  /** The vote store's foundation: pool, bounded transactions, outages as store_unavailable. */
  readonly #link: PgLink;

  constructor(o: PostgresAccountStoreOptions) {
    const { url, schema } = splitPgUrl(o.url);
    this.schema = checkSchemaName(o.schema ?? schema ?? 'public');
    this.#s = `"${this.schema}"`;
    this.#link = new PgLink({
      url,
      poolSize: o.poolSize ?? 4,
      connectTimeoutMs: o.connectTimeoutMs ?? 3_000,
      queryTimeoutMs: o.queryTimeoutMs ?? 8_000,
      // Unnamed statements: account traffic is light, and a transaction pooler needs no setup.
      preparedStatements: false,
      applicationName: 'pollcast-accounts',
    });
  }

  /** One statement in its own implicit transaction. */
  #one<R extends Row = Row>(text: string, values: unknown[] = []): Promise<{ rows: R[] }> {
    return this.#link.query<R>(stmt(text), values).then((rows) => ({ rows }));
  }

  /** Runs `fn` in one transaction: commits what it did, or rolls back and rethrows. */
  #tx<T>(fn: (q: Query) => Promise<T>, timeoutMs?: number): Promise<T> {
    return this.#link.tx(
      (exec) => fn(<R extends Row = Row>(text: string, values: unknown[] = []) => exec<R>(stmt(text), values, { simple: values.length === 0 }).then((rows) => ({ rows }))),
      timeoutMs === undefined ? {} : { timeoutMs },
    );
  }

  async migrate(): Promise<void> {
    await runPgMigrations(this.#link, this.schema, 'account_migrations', PG_ACCOUNT_MIGRATIONS);
  }

  // --- users ---

  async createUser(user: User): Promise<boolean> {
    const r = await this.#one(
      `INSERT INTO ${this.#s}.users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING RETURNING id`,
      [user.id, user.email, user.name, user.passwordHash, user.createdAt],
    );
    return r.rows.length === 1;
  }

  async getUser(id: string): Promise<User | null> {
    const r = await this.#one<UserRow>(`SELECT id, email, name, password_hash, created_at FROM ${this.#s}.users WHERE id = $1`, [id]);
    return r.rows[0] ? toUser(r.rows[0]) : null;
  }

  async getUserByEmail(email: string): Promise<User | null> {
    const r = await this.#one<UserRow>(`SELECT id, email, name, password_hash, created_at FROM ${this.#s}.users WHERE email = $1`, [email]);
    return r.rows[0] ? toUser(r.rows[0]) : null;
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.#one(`UPDATE ${this.#s}.users SET password_hash = $2 WHERE id = $1`, [userId, passwordHash]);
  }

  async replacePasswordHash(userId: string, expected: string, passwordHash: string): Promise<boolean> {
    const r = await this.#one(`UPDATE ${this.#s}.users SET password_hash = $3 WHERE id = $1 AND password_hash = $2 RETURNING id`, [userId, expected, passwordHash]);
    return r.rows.length === 1;
  }

  async setEmailVerified(userId: string, email: string, at: number): Promise<boolean> {
    const r = await this.#one(`UPDATE ${this.#s}.users SET email_verified_at = coalesce(email_verified_at, $3) WHERE id = $1 AND email = $2 RETURNING id`, [userId, email, at]);
    return r.rows.length === 1;
  }

  async getEmailVerifiedAt(userId: string): Promise<number | null> {
    const r = await this.#one<{ email_verified_at: number | string | null }>(`SELECT email_verified_at FROM ${this.#s}.users WHERE id = $1`, [userId]);
    const v = r.rows[0]?.email_verified_at;
    return v === undefined || v === null ? null : Number(v);
  }

  // --- sessions ---

  async createSession(session: Session): Promise<void> {
    await this.#one(
      `INSERT INTO ${this.#s}.sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [session.idHash, session.userId, session.csrfToken, session.createdAt, session.expiresAt],
    );
  }

  async getSession(idHash: string, now: number): Promise<Session | null> {
    const r = await this.#one<SessionRow>(
      `SELECT id_hash, user_id, csrf_token, created_at, expires_at FROM ${this.#s}.sessions WHERE id_hash = $1 AND expires_at > $2`,
      [idHash, now],
    );
    return r.rows[0] ? toSession(r.rows[0]) : null;
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.#one(`DELETE FROM ${this.#s}.sessions WHERE id_hash = $1`, [idHash]);
  }

  async deleteUserSessions(userId: string, keepIdHash?: string): Promise<number> {
    const r = await this.#one(`DELETE FROM ${this.#s}.sessions WHERE user_id = $1 AND id_hash IS DISTINCT FROM $2::text RETURNING id_hash`, [userId, keepIdHash ?? null]);
    return r.rows.length;
  }

  // --- workspaces and members ---

  async createWorkspace(workspace: Workspace, ownerId: string): Promise<void> {
    await this.#tx(async (q) => {
      await q(`INSERT INTO ${this.#s}.workspaces (id, name, created_at) VALUES ($1, $2, $3)`, [workspace.id, workspace.name, workspace.createdAt]);
      await q(`INSERT INTO ${this.#s}.memberships (workspace_id, user_id, role) VALUES ($1, $2, 'owner')`, [workspace.id, ownerId]);
    });
  }

  async getWorkspace(id: string): Promise<Workspace | null> {
    const r = await this.#one<WorkspaceRow>(`SELECT id, name, created_at FROM ${this.#s}.workspaces WHERE id = $1`, [id]);
    return r.rows[0] ? toWorkspace(r.rows[0]) : null;
  }

  async listWorkspaces(userId: string): Promise<Array<{ workspace: Workspace; role: WorkspaceRole }>> {
    const r = await this.#one<WorkspaceRow & { role: WorkspaceRole }>(
      `SELECT w.id, w.name, w.created_at, m.role FROM ${this.#s}.memberships m JOIN ${this.#s}.workspaces w ON w.id = m.workspace_id
        WHERE m.user_id = $1 ORDER BY w.created_at, w.id`,
      [userId],
    );
    return r.rows.map((row) => ({ workspace: toWorkspace(row), role: row.role }));
  }

  async getRole(workspaceId: string, userId: string): Promise<WorkspaceRole | null> {
    const r = await this.#one<{ role: WorkspaceRole }>(`SELECT role FROM ${this.#s}.memberships WHERE workspace_id = $1 AND user_id = $2`, [workspaceId, userId]);
    return r.rows[0]?.role ?? null;
  }

  /** Ordered by email. */
  async listMembers(workspaceId: string): Promise<Member[]> {
    const r = await this.#one<{ id: string; email: string; name: string; role: WorkspaceRole }>(
      `SELECT u.id, u.email, u.name, m.role FROM ${this.#s}.memberships m JOIN ${this.#s}.users u ON u.id = m.user_id
        WHERE m.workspace_id = $1 ORDER BY u.email`,
      [workspaceId],
    );
    return r.rows.map((row) => ({ userId: row.id, email: row.email, name: row.name, role: row.role }));
  }

  async setRole(workspaceId: string, userId: string, role: WorkspaceRole): Promise<'ok' | 'last_owner'> {
    return this.#tx(async (q): Promise<'ok' | 'last_owner'> => {
      if (role !== 'owner' && (await this.#isLastOwner(q, workspaceId, userId))) return 'last_owner';
      await q(
        `INSERT INTO ${this.#s}.memberships (workspace_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role`,
        [workspaceId, userId, role],
      );
      return 'ok';
    });
  }

  async removeMember(workspaceId: string, userId: string): Promise<'ok' | 'not_member' | 'last_owner'> {
    return this.#tx(async (q): Promise<'ok' | 'not_member' | 'last_owner'> => {
      if (await this.#isLastOwner(q, workspaceId, userId)) return 'last_owner';
      const r = await q(`DELETE FROM ${this.#s}.memberships WHERE workspace_id = $1 AND user_id = $2 RETURNING user_id`, [workspaceId, userId]);
      return r.rows.length === 1 ? 'ok' : 'not_member';
    });
  }

  /**
   * Inside a transaction: locks the workspace row first, so membership changes of one workspace
   * run one at a time (two owners demoting each other at once cannot both see "another owner
   * left"). NO KEY UPDATE does not block inserts that only reference the workspace (API keys, polls).
   */
  async #isLastOwner(q: Query, workspaceId: string, userId: string): Promise<boolean> {
    await q(`SELECT 1 FROM ${this.#s}.workspaces WHERE id = $1 FOR NO KEY UPDATE`, [workspaceId]);
    const r = await q<{ role: WorkspaceRole; owners: number }>(
      `SELECT m.role, (SELECT count(*) FROM ${this.#s}.memberships o WHERE o.workspace_id = $1 AND o.role = 'owner') AS owners
         FROM ${this.#s}.memberships m WHERE m.workspace_id = $1 AND m.user_id = $2`,
      [workspaceId, userId],
    );
    const row = r.rows[0];
    return row !== undefined && row.role === 'owner' && row.owners <= 1;
  }

  // --- invitations ---

  async putInvitation(inv: Invitation): Promise<Invitation> {
    return this.#tx(async (q) => {
      await q(`DELETE FROM ${this.#s}.invitations WHERE workspace_id = $1 AND expires_at <= $2`, [inv.workspaceId, inv.createdAt]);
      const r = await q<InvitationRow>(
        `INSERT INTO ${this.#s}.invitations (${INVITATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (workspace_id, email) DO UPDATE SET role = excluded.role, invited_by = excluded.invited_by, created_at = excluded.created_at, expires_at = excluded.expires_at
         RETURNING ${INVITATION_COLUMNS}`,
        [inv.id, inv.workspaceId, inv.email, inv.role, inv.invitedBy, inv.createdAt, inv.expiresAt],
      );
      return toInvitation(r.rows[0]!);
    });
  }

  async listWorkspaceInvitations(workspaceId: string, now: number): Promise<Invitation[]> {
    const r = await this.#one<InvitationRow>(
      `SELECT ${INVITATION_COLUMNS} FROM ${this.#s}.invitations WHERE workspace_id = $1 AND expires_at > $2 ORDER BY created_at DESC, id`,
      [workspaceId, now],
    );
    return r.rows.map(toInvitation);
  }

  async listInvitationsFor(email: string, now: number): Promise<Array<{ invitation: Invitation; workspace: Workspace }>> {
    const r = await this.#one<InvitationRow & { workspace_name: string; workspace_created_at: number }>(
      `SELECT i.id, i.workspace_id, i.email, i.role, i.invited_by, i.created_at, i.expires_at, w.name AS workspace_name, w.created_at AS workspace_created_at
         FROM ${this.#s}.invitations i JOIN ${this.#s}.workspaces w ON w.id = i.workspace_id
        WHERE i.email = $1 AND i.expires_at > $2 ORDER BY i.created_at DESC, i.id`,
      [email, now],
    );
    return r.rows.map((row) => ({ invitation: toInvitation(row), workspace: { id: row.workspace_id, name: row.workspace_name, createdAt: row.workspace_created_at } }));
  }

  async deleteInvitation(id: string, of: { workspaceId: string } | { email: string }, now: number): Promise<boolean> {
    const [column, value] = 'workspaceId' in of ? ['workspace_id', of.workspaceId] : ['email', of.email];
    const r = await this.#one(`DELETE FROM ${this.#s}.invitations WHERE id = $1 AND ${column} = $2 AND expires_at > $3 RETURNING id`, [id, value, now]);
    return r.rows.length === 1;
  }

  async acceptInvitation(id: string, user: { id: string; email: string }, now: number): Promise<AcceptedInvitation | 'not_found' | 'last_owner'> {
    return this.#tx(async (q): Promise<AcceptedInvitation | 'not_found' | 'last_owner'> => {
      // The row lock makes one accept (or a revoke) win; the others find nothing.
      const r = await q<InvitationRow>(
        `SELECT ${INVITATION_COLUMNS} FROM ${this.#s}.invitations WHERE id = $1 AND email = $2 AND expires_at > $3 FOR UPDATE`,
        [id, user.email, now],
      );
      const row = r.rows[0];
      if (!row) return 'not_found';
      if (row.role !== 'owner' && (await this.#isLastOwner(q, row.workspace_id, user.id))) return 'last_owner';
      await q(
        `INSERT INTO ${this.#s}.memberships (workspace_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role`,
        [row.workspace_id, user.id, row.role],
      );
      await q(`DELETE FROM ${this.#s}.invitations WHERE id = $1`, [id]);
      return { workspaceId: row.workspace_id, role: row.role };
    });
  }

  // --- API keys ---

  async createApiKey(key: ApiKey, keyHash: string): Promise<void> {
    await this.#one(
      `INSERT INTO ${this.#s}.api_keys (id, workspace_id, key_hash, name, prefix, scopes, created_by, created_at, revoked_at, last_used_at)
       VALUES ($1, $2, $3, $4, $5, $6::text[], $7, $8, $9, $10)`,
      [key.id, key.workspaceId, keyHash, key.name, key.prefix, key.scopes, key.createdBy, key.createdAt, key.revokedAt, key.lastUsedAt],
    );
  }

  async getApiKeyByHash(keyHash: string): Promise<ApiKey | null> {
    const r = await this.#one<ApiKeyRow>(`SELECT ${API_KEY_COLUMNS} FROM ${this.#s}.api_keys WHERE key_hash = $1`, [keyHash]);
    return r.rows[0] ? toApiKey(r.rows[0]) : null;
  }

  // --- webhooks ---

  async createWebhook(w: WebhookEndpoint, max: number): Promise<boolean> {
    // Serialized per workspace by locking its row, so concurrent creates cannot pass the cap together.
    const r = await this.#one(
      `WITH ws AS (SELECT id FROM ${this.#s}.workspaces WHERE id = $2 FOR UPDATE)
       INSERT INTO ${this.#s}.webhooks (id, workspace_id, url, events, secrets, created_by, created_at)
       SELECT $1, $2, $3, $4::text[], $5::jsonb, $6, $7 FROM ws
        WHERE (SELECT count(*) FROM ${this.#s}.webhooks WHERE workspace_id = $2) < $8
       RETURNING id`,
      [w.id, w.workspaceId, w.url, w.events, JSON.stringify(w.secrets), w.createdBy, w.createdAt, max],
    );
    return r.rows.length === 1;
  }

  async listWebhooks(workspaceId: string): Promise<WebhookEndpoint[]> {
    const r = await this.#one<PgWebhookRow>(`SELECT * FROM ${this.#s}.webhooks WHERE workspace_id = $1 ORDER BY created_at, id`, [workspaceId]);
    return r.rows.map(toPgWebhook);
  }

  async getWebhook(workspaceId: string, id: string): Promise<WebhookEndpoint | null> {
    const r = await this.#one<PgWebhookRow>(`SELECT * FROM ${this.#s}.webhooks WHERE workspace_id = $1 AND id = $2`, [workspaceId, id]);
    return r.rows[0] ? toPgWebhook(r.rows[0]) : null;
  }

  async setWebhookSecrets(workspaceId: string, id: string, secrets: WebhookSecret[]): Promise<boolean> {
    const r = await this.#one(`UPDATE ${this.#s}.webhooks SET secrets = $3::jsonb WHERE workspace_id = $1 AND id = $2 RETURNING id`, [workspaceId, id, JSON.stringify(secrets)]);
    return r.rows.length === 1;
  }

  async deleteWebhook(workspaceId: string, id: string): Promise<boolean> {
    const r = await this.#one(`DELETE FROM ${this.#s}.webhooks WHERE workspace_id = $1 AND id = $2 RETURNING id`, [workspaceId, id]);
    return r.rows.length === 1;
  }

  /** Oldest first, revoked keys included. */
  async listApiKeys(workspaceId: string): Promise<ApiKey[]> {
    const r = await this.#one<ApiKeyRow>(`SELECT ${API_KEY_COLUMNS} FROM ${this.#s}.api_keys WHERE workspace_id = $1 ORDER BY created_at, id`, [workspaceId]);
    return r.rows.map(toApiKey);
  }

  async revokeApiKey(workspaceId: string, keyId: string, now: number): Promise<boolean> {
    const r = await this.#one(
      `UPDATE ${this.#s}.api_keys SET revoked_at = $3 WHERE workspace_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id`,
      [workspaceId, keyId, now],
    );
    return r.rows.length === 1;
  }

  /** Concurrent requests may touch out of order: last_used_at never moves back (greatest ignores NULL). */
  async touchApiKey(keyId: string, now: number): Promise<void> {
    await this.#one(`UPDATE ${this.#s}.api_keys SET last_used_at = greatest(last_used_at, $2::bigint) WHERE id = $1`, [keyId, now]);
  }

  // --- workspace polls ---

  async addWorkspacePoll(entry: WorkspacePoll): Promise<void> {
    await this.#one(
      `INSERT INTO ${this.#s}.workspace_polls (poll_id, workspace_id, created_by, created_at) VALUES ($1, $2, $3, $4)`,
      [entry.pollId, entry.workspaceId, entry.createdBy, entry.createdAt],
    );
  }

  async getWorkspacePoll(pollId: string): Promise<WorkspacePoll | null> {
    const r = await this.#one<WorkspacePollRow>(`SELECT poll_id, workspace_id, created_by, created_at FROM ${this.#s}.workspace_polls WHERE poll_id = $1`, [pollId]);
    return r.rows[0] ? toWorkspacePoll(r.rows[0]) : null;
  }

  /** Ties on createdAt are ordered by poll id (descending); a page boundary inside a tie skips the rest of it. */
  async listWorkspacePolls(workspaceId: string, opts: { limit: number; before?: number }): Promise<WorkspacePoll[]> {
    const cols = 'poll_id, workspace_id, created_by, created_at';
    const r =
      opts.before === undefined
        ? await this.#one<WorkspacePollRow>(
            `SELECT ${cols} FROM ${this.#s}.workspace_polls WHERE workspace_id = $1 ORDER BY created_at DESC, poll_id DESC LIMIT $2`,
            [workspaceId, opts.limit],
          )
        : await this.#one<WorkspacePollRow>(
            `SELECT ${cols} FROM ${this.#s}.workspace_polls WHERE workspace_id = $1 AND created_at < $2 ORDER BY created_at DESC, poll_id DESC LIMIT $3`,
            [workspaceId, opts.before, opts.limit],
          );
    return r.rows.map(toWorkspacePoll);
  }

  async removeWorkspacePoll(pollId: string): Promise<void> {
    await this.#one(`DELETE FROM ${this.#s}.workspace_polls WHERE poll_id = $1`, [pollId]);
  }

  async ping(): Promise<void> {
    await this.#one('SELECT 1');
  }

  async close(): Promise<void> {
    await this.#link.close();
  }
}

interface PgWebhookRow {
  id: string;
  workspace_id: string;
  url: string;
  events: string[];
  secrets: WebhookSecret[];
  created_by: string;
  created_at: string | number;
}

function toPgWebhook(r: PgWebhookRow): WebhookEndpoint {
  return { id: r.id, workspaceId: r.workspace_id, url: r.url, events: r.events as WebhookEvent[], secrets: r.secrets, createdBy: r.created_by, createdAt: Number(r.created_at) };
}
