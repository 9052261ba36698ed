/**
 * The AccountStore port's contract (src/ports/account-store.ts), run against every adapter.
 *
 * `makeStore()` opens a fresh, migrated, isolated store (its own data dir or schema) and gives:
 * - `reopen()`: a second instance on the same backend, migrated, as another process would open it;
 * - `count(table, where)`: rows of one of the store's tables, read around the store (the backend
 *   directly), so "nothing written" is checked on the data, not through the store's own reads.
 * Every test makes its own users and workspaces (random ids), so tests never see each other's rows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomId } from '../../src/domain/ids.js';
import type { AccountStore, ApiKey, Invitation, Session, User, Workspace, WorkspacePoll } from '../../src/ports/account-store.js';

export type AccountTable = 'users' | 'sessions' | 'workspaces' | 'memberships' | 'api_keys' | 'workspace_polls' | 'invitations' | 'account_migrations';

export interface AccountStoreHarness {
  store: AccountStore;
  reopen: () => Promise<AccountStore>;
  /** Rows of `table` whose columns equal `where` (all rows when empty). */
  count: (table: AccountTable, where?: Record<string, string>) => Promise<number>;
  cleanup: () => Promise<void>;
}

export interface AccountStoreContractOptions {
  /** A skip message (from needServices) or false. */
  skip?: string | false;
}

const T0 = 1_700_000_000_000;

export function testUser(over: Partial<User> = {}): User {
  const id = 'u_' + randomId(10);
  return { id, email: `${id.toLowerCase()}@example.test`, name: 'User ' + id, passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$' + randomId(22), createdAt: T0, ...over };
}

export function testSession(userId: string, over: Partial<Session> = {}): Session {
  return { idHash: randomId(32), userId, csrfToken: randomId(24), createdAt: T0, expiresAt: T0 + 3_600_000, ...over };
}

export function testWorkspace(over: Partial<Workspace> = {}): Workspace {
  return { id: 'w_' + randomId(10), name: 'Workspace ' + randomId(4), createdAt: T0, ...over };
}

export function testApiKey(workspaceId: string, createdBy: string, over: Partial<ApiKey> = {}): ApiKey {
  const prefix = 'pck_' + randomId(6);
  return {
    id: 'k_' + randomId(10),
    workspaceId,
    name: 'key ' + prefix,
    prefix,
    scopes: ['polls:read', 'votes:write'],
    createdBy,
    createdAt: T0,
    revokedAt: null,
    lastUsedAt: null,
    ...over,
  };
}

export function testInvitation(workspaceId: string, invitedBy: string, over: Partial<Invitation> = {}): Invitation {
  return { id: 'i_' + randomId(16), workspaceId, email: `i-${randomId(8).toLowerCase()}@example.test`, role: 'editor', invitedBy, createdAt: T0, expiresAt: T0 + 3_600_000, ...over };
}

export function runAccountStoreContract(name: string, makeStore: () => Promise<AccountStoreHarness>, opts: AccountStoreContractOptions = {}): void {
  describe(`AccountStore contract: ${name}`, { skip: opts.skip ?? false }, () => {
    let h: AccountStoreHarness;
    let store: AccountStore;

    before(async () => {
      h = await makeStore();
      store = h.store;
    });
    after(async () => {
      await h?.store.close();
      await h?.cleanup();
    });

    const newUser = async (over: Partial<User> = {}): Promise<User> => {
      const u = testUser(over);
      assert.equal(await store.createUser(u), true);
      return u;
    };
    /** A workspace owned by a new user. */
    const newWorkspace = async (over: Partial<Workspace> = {}, owner?: User): Promise<{ ws: Workspace; owner: User }> => {
      const o = owner ?? (await newUser());
      const ws = testWorkspace(over);
      await store.createWorkspace(ws, o.id);
      return { ws, owner: o };
    };

    // --- webhooks ------------------------------------------------------------------------------

    it('webhook endpoints: create up to the cap, list in order, read, replace secrets, delete; per workspace', async () => {
      const { ws, owner } = await newWorkspace();
      const { ws: other } = await newWorkspace();
      const hook = (id: string, at: number) => ({
        id,
        workspaceId: ws.id,
        url: `https://h.example.com/${id}`,
        events: ['poll.closed' as const, 'results.final' as const],
        secrets: [{ secret: 'whsec_AAAA', expiresAt: null }],
        createdBy: owner.id,
        createdAt: at,
      });
      assert.equal(await store.createWebhook(hook('wh_a', 1_000), 2), true);
      assert.equal(await store.createWebhook(hook('wh_b', 2_000), 2), true);
      assert.equal(await store.createWebhook(hook('wh_c', 3_000), 2), false, 'over the cap: refused');
      assert.deepEqual((await store.listWebhooks(ws.id)).map((w) => w.id), ['wh_a', 'wh_b']);
      assert.deepEqual(await store.getWebhook(ws.id, 'wh_a'), hook('wh_a', 1_000));
      assert.equal(await store.getWebhook(other.id, 'wh_a'), null, 'not through another workspace');
      const secrets = [{ secret: 'whsec_BBBB', expiresAt: null }, { secret: 'whsec_AAAA', expiresAt: 5_000 }];
      assert.equal(await store.setWebhookSecrets(ws.id, 'wh_a', secrets), true);
      assert.deepEqual((await store.getWebhook(ws.id, 'wh_a'))!.secrets, secrets);
      assert.equal(await store.setWebhookSecrets(other.id, 'wh_a', []), false);
      assert.equal(await store.deleteWebhook(other.id, 'wh_a'), false);
      assert.equal(await store.deleteWebhook(ws.id, 'wh_a'), true);
      assert.equal(await store.deleteWebhook(ws.id, 'wh_a'), false);
      assert.deepEqual((await store.listWebhooks(ws.id)).map((w) => w.id), ['wh_b']);
    });

    // --- users ---------------------------------------------------------------------------------

    it('creates a user and reads it back by id and by email; unknown ones read as null', async () => {
      const u = await newUser({ name: 'Ada Lovelace' });
      assert.deepEqual(await store.getUser(u.id), u);
      assert.deepEqual(await store.getUserByEmail(u.email), u);
      assert.equal(await store.getUser('u_nobody'), null);
      assert.equal(await store.getUserByEmail('nobody@example.test'), null);
      assert.equal(await h.count('users', { id: u.id }), 1);
    });

    it('a taken email answers false and writes nothing', async () => {
      const first = await newUser();
      const second = testUser({ email: first.email, name: 'Impostor' });
      assert.equal(await store.createUser(second), false);
      assert.equal(await h.count('users', { email: first.email }), 1);
      assert.equal(await h.count('users', { id: second.id }), 0);
      assert.equal(await store.getUser(second.id), null);
      assert.deepEqual(await store.getUserByEmail(first.email), first);
    });

    it('setPasswordHash changes that user only', async () => {
      const a = await newUser();
      const b = await newUser();
      await store.setPasswordHash(a.id, '$argon2id$new');
      assert.equal((await store.getUser(a.id))!.passwordHash, '$argon2id$new');
      assert.equal((await store.getUser(b.id))!.passwordHash, b.passwordHash);
    });

    it('replacePasswordHash changes the hash only while it is the expected one (a reset link works once)', async () => {
      const a = await newUser();
      assert.equal(await store.replacePasswordHash(a.id, a.passwordHash, '$argon2id$reset1'), true);
      assert.equal(await store.replacePasswordHash(a.id, a.passwordHash, '$argon2id$reset2'), false, 'the old hash is gone: a second use fails');
      assert.equal((await store.getUser(a.id))!.passwordHash, '$argon2id$reset1');
      assert.equal(await store.replacePasswordHash('u_nobody', 'x', 'y'), false);
    });

    it('setEmailVerified marks the address only while it is the user\'s; the first time is kept', async () => {
      const a = await newUser();
      assert.equal(await store.getEmailVerifiedAt(a.id), null);
      assert.equal(await store.setEmailVerified(a.id, 'other@example.test', 1_000), false, 'another address verifies nothing');
      assert.equal(await store.getEmailVerifiedAt(a.id), null);
      assert.equal(await store.setEmailVerified(a.id, a.email, 2_000), true);
      await store.setEmailVerified(a.id, a.email, 3_000);
      assert.equal(await store.getEmailVerifiedAt(a.id), 2_000);
      assert.equal(await store.getEmailVerifiedAt('u_nobody'), null);
    });

    // --- sessions ------------------------------------------------------------------------------

    it('a session reads back until it expires (expiresAt is the first instant it is gone)', async () => {
      const u = await newUser();
      const s = testSession(u.id, { createdAt: T0, expiresAt: T0 + 1_000 });
      await store.createSession(s);
      assert.deepEqual(await store.getSession(s.idHash, T0), s);
      assert.deepEqual(await store.getSession(s.idHash, T0 + 999), s);
      assert.equal(await store.getSession(s.idHash, T0 + 1_000), null);
      assert.equal(await store.getSession(s.idHash, T0 + 60_000), null);
      assert.equal(await store.getSession('unknown-hash', T0), null);
    });

    it('deleteSession ends one session', async () => {
      const u = await newUser();
      const s1 = testSession(u.id);
      const s2 = testSession(u.id);
      await store.createSession(s1);
      await store.createSession(s2);
      await store.deleteSession(s1.idHash);
      assert.equal(await store.getSession(s1.idHash, T0), null);
      assert.deepEqual(await store.getSession(s2.idHash, T0), s2);
      assert.equal(await h.count('sessions', { user_id: u.id }), 1);
      await store.deleteSession(s1.idHash); // already gone: no error
    });

    it('deleteUserSessions keeps the given session, ends the rest of that user only, and counts them', async () => {
      const u = await newUser();
      const other = await newUser();
      const keep = testSession(u.id);
      const rest = [testSession(u.id), testSession(u.id), testSession(u.id, { expiresAt: T0 - 1 })];
      const others = testSession(other.id);
      for (const s of [keep, ...rest, others]) await store.createSession(s);

      assert.equal(await store.deleteUserSessions(u.id, keep.idHash), 3);
      assert.deepEqual(await store.getSession(keep.idHash, T0), keep);
      for (const s of rest) assert.equal(await store.getSession(s.idHash, T0 - 10), null);
      assert.deepEqual(await store.getSession(others.idHash, T0), others);
      assert.equal(await h.count('sessions', { user_id: u.id }), 1);

      assert.equal(await store.deleteUserSessions(u.id), 1, 'without keepIdHash: every session');
      assert.equal(await h.count('sessions', { user_id: u.id }), 0);
      assert.equal(await store.deleteUserSessions(u.id), 0);
      assert.equal(await h.count('sessions', { user_id: other.id }), 1);
    });

    // --- workspaces ----------------------------------------------------------------------------

    it('createWorkspace stores the workspace with its creator as the only owner', async () => {
      const owner = await newUser({ email: 'owner-' + randomId(6).toLowerCase() + '@example.test', name: 'Owner' });
      const { ws } = await newWorkspace({ name: 'Newsroom' }, owner);
      assert.deepEqual(await store.getWorkspace(ws.id), ws);
      assert.equal(await store.getRole(ws.id, owner.id), 'owner');
      assert.deepEqual(await store.listMembers(ws.id), [{ userId: owner.id, email: owner.email, name: 'Owner', role: 'owner' }]);
      assert.equal(await h.count('memberships', { workspace_id: ws.id }), 1);
      assert.equal(await store.getWorkspace('w_nowhere'), null);
      assert.equal(await store.getRole(ws.id, 'u_stranger'), null);
    });

    it('createWorkspace is one transaction: when the owner cannot be added, no workspace is left', async () => {
      const ws = testWorkspace();
      await assert.rejects(store.createWorkspace(ws, 'u_does_not_exist'));
      assert.equal(await store.getWorkspace(ws.id), null);
      assert.equal(await h.count('workspaces', { id: ws.id }), 0);
      assert.equal(await h.count('memberships', { workspace_id: ws.id }), 0);
    });

    it('listWorkspaces: every workspace of the user with their role, oldest first; nothing of others', async () => {
      const u = await newUser();
      const a = await newWorkspace({ createdAt: T0 + 2_000, name: 'newest' });
      const b = await newWorkspace({ createdAt: T0, name: 'oldest' }, u);
      const c = await newWorkspace({ createdAt: T0 + 1_000, name: 'middle' });
      await newWorkspace({ createdAt: T0 - 1_000, name: 'not mine' });
      assert.equal(await store.setRole(a.ws.id, u.id, 'viewer'), 'ok');
      assert.equal(await store.setRole(c.ws.id, u.id, 'editor'), 'ok');
      assert.deepEqual(await store.listWorkspaces(u.id), [
        { workspace: b.ws, role: 'owner' },
        { workspace: c.ws, role: 'editor' },
        { workspace: a.ws, role: 'viewer' },
      ]);
      assert.deepEqual(await store.listWorkspaces('u_nobody'), []);
    });

    it('setRole adds a member and changes a role; listMembers is ordered by email', async () => {
      const owner = await newUser({ email: 'm-' + randomId(8).toLowerCase() + '@example.test' });
      const { ws } = await newWorkspace({}, owner);
      const ed = await newUser({ email: 'a-' + randomId(8).toLowerCase() + '@example.test' });
      const vw = await newUser({ email: 'z-' + randomId(8).toLowerCase() + '@example.test' });

      assert.equal(await store.setRole(ws.id, ed.id, 'viewer'), 'ok');
      assert.equal(await store.getRole(ws.id, ed.id), 'viewer');
      assert.equal(await store.setRole(ws.id, ed.id, 'editor'), 'ok');
      assert.equal(await store.getRole(ws.id, ed.id), 'editor');
      assert.equal(await store.setRole(ws.id, vw.id, 'viewer'), 'ok');
      assert.equal(await h.count('memberships', { workspace_id: ws.id }), 3, 'a role change is no second row');
      assert.deepEqual(await store.listMembers(ws.id), [
        { userId: ed.id, email: ed.email, name: ed.name, role: 'editor' },
        { userId: owner.id, email: owner.email, name: owner.name, role: 'owner' },
        { userId: vw.id, email: vw.email, name: vw.name, role: 'viewer' },
      ]);
    });

    it('setRole will not demote the last owner; with a second owner it will', async () => {
      const { ws, owner } = await newWorkspace();
      assert.equal(await store.setRole(ws.id, owner.id, 'editor'), 'last_owner');
      assert.equal(await store.setRole(ws.id, owner.id, 'viewer'), 'last_owner');
      assert.equal(await store.getRole(ws.id, owner.id), 'owner', 'nothing changed');
      assert.equal(await store.setRole(ws.id, owner.id, 'owner'), 'ok', 'owner to owner is no demotion');

      const second = await newUser();
      assert.equal(await store.setRole(ws.id, second.id, 'owner'), 'ok');
      assert.equal(await store.setRole(ws.id, owner.id, 'editor'), 'ok');
      assert.equal(await store.getRole(ws.id, owner.id), 'editor');
      assert.equal(await store.setRole(ws.id, second.id, 'viewer'), 'last_owner', 'second is now the last owner');
      assert.equal(await h.count('memberships', { workspace_id: ws.id, role: 'owner' }), 1);
    });

    it('removeMember: not_member, last_owner, ok', async () => {
      const { ws, owner } = await newWorkspace();
      const elsewhere = await newWorkspace();
      const ed = await newUser();
      await store.setRole(ws.id, ed.id, 'editor');

      assert.equal(await store.removeMember(ws.id, elsewhere.owner.id), 'not_member', 'a member of another workspace');
      assert.equal(await store.removeMember(ws.id, 'u_nobody'), 'not_member');
      assert.equal(await store.removeMember(ws.id, owner.id), 'last_owner');
      assert.equal(await store.getRole(ws.id, owner.id), 'owner');

      assert.equal(await store.removeMember(ws.id, ed.id), 'ok');
      assert.equal(await store.getRole(ws.id, ed.id), null);
      assert.equal(await store.removeMember(ws.id, ed.id), 'not_member', 'already removed');
      assert.equal(await h.count('memberships', { workspace_id: ws.id }), 1);

      const second = await newUser();
      await store.setRole(ws.id, second.id, 'owner');
      assert.equal(await store.removeMember(ws.id, owner.id), 'ok', 'another owner remains');
      assert.deepEqual((await store.listMembers(ws.id)).map((m) => [m.userId, m.role]), [[second.id, 'owner']]);
      assert.equal(await h.count('memberships', { workspace_id: elsewhere.ws.id }), 1, 'the other workspace is untouched');
    });

    it('two owners demoting or removing each other at once: one succeeds, one owner is always left', async () => {
      for (let round = 0; round < 5; round++) {
        const { ws, owner: a } = await newWorkspace();
        const b = await newUser();
        await store.setRole(ws.id, b.id, 'owner');
        const outs = await Promise.all(
          round % 2 === 0
            ? [store.setRole(ws.id, a.id, 'editor'), store.setRole(ws.id, b.id, 'editor')]
            : [store.removeMember(ws.id, a.id), store.removeMember(ws.id, b.id)],
        );
        assert.deepEqual([...outs].sort(), ['last_owner', 'ok'], `round ${round}`);
        assert.equal(await h.count('memberships', { workspace_id: ws.id, role: 'owner' }), 1, `round ${round}`);
      }
    });

    // --- API keys ------------------------------------------------------------------------------

    it('an API key is found by its hash (all fields, scopes in order); an unknown hash reads as null', async () => {
      const { ws, owner } = await newWorkspace();
      const key = testApiKey(ws.id, owner.id, { scopes: ['votes:write', 'polls:write', 'polls:read'] });
      const hash = 'sha256-' + randomId(40);
      await store.createApiKey(key, hash);
      assert.deepEqual(await store.getApiKeyByHash(hash), key);
      assert.equal(await store.getApiKeyByHash('sha256-unknown'), null);
      assert.equal(await h.count('api_keys', { workspace_id: ws.id }), 1);
      const lone = testApiKey(ws.id, owner.id, { scopes: [] });
      await store.createApiKey(lone, 'sha256-' + randomId(40));
      assert.deepEqual((await store.listApiKeys(ws.id)).find((k) => k.id === lone.id)?.scopes, []);
    });

    it('revokeApiKey sets revokedAt once; twice, or from another workspace, answers false', async () => {
      const { ws, owner } = await newWorkspace();
      const other = await newWorkspace();
      const key = testApiKey(ws.id, owner.id);
      const hash = 'sha256-' + randomId(40);
      await store.createApiKey(key, hash);

      assert.equal(await store.revokeApiKey(other.ws.id, key.id, T0 + 5), false, 'another workspace');
      assert.equal((await store.getApiKeyByHash(hash))!.revokedAt, null);
      assert.equal(await store.revokeApiKey(ws.id, 'k_unknown', T0 + 5), false);

      assert.equal(await store.revokeApiKey(ws.id, key.id, T0 + 10), true);
      assert.deepEqual(await store.getApiKeyByHash(hash), { ...key, revokedAt: T0 + 10 }, 'a revoked key is still found');
      assert.equal(await store.revokeApiKey(ws.id, key.id, T0 + 20), false, 'twice');
      assert.equal((await store.getApiKeyByHash(hash))!.revokedAt, T0 + 10, 'the first revocation time stays');
    });

    it('listApiKeys: the workspace\'s keys, oldest first, revoked ones included', async () => {
      const { ws, owner } = await newWorkspace();
      const other = await newWorkspace();
      const k2 = testApiKey(ws.id, owner.id, { createdAt: T0 + 2 });
      const k1 = testApiKey(ws.id, owner.id, { createdAt: T0 + 1 });
      const k3 = testApiKey(ws.id, owner.id, { createdAt: T0 + 3, scopes: ['polls:write'] });
      for (const k of [k2, k1, k3]) await store.createApiKey(k, 'sha256-' + randomId(40));
      await store.createApiKey(testApiKey(other.ws.id, other.owner.id), 'sha256-' + randomId(40));
      await store.revokeApiKey(ws.id, k1.id, T0 + 50);
      assert.deepEqual(await store.listApiKeys(ws.id), [{ ...k1, revokedAt: T0 + 50 }, k2, k3]);
      assert.deepEqual(await store.listApiKeys('w_nowhere'), []);
    });

    it('touchApiKey records the last use; it never moves back', async () => {
      const { ws, owner } = await newWorkspace();
      const key = testApiKey(ws.id, owner.id);
      const other = testApiKey(ws.id, owner.id);
      const hash = 'sha256-' + randomId(40);
      await store.createApiKey(key, hash);
      await store.createApiKey(other, 'sha256-' + randomId(40));
      await store.touchApiKey(key.id, T0 + 100);
      assert.equal((await store.getApiKeyByHash(hash))!.lastUsedAt, T0 + 100);
      await store.touchApiKey(key.id, T0 + 200);
      assert.equal((await store.getApiKeyByHash(hash))!.lastUsedAt, T0 + 200);
      await store.touchApiKey(key.id, T0 + 150);
      assert.equal((await store.getApiKeyByHash(hash))!.lastUsedAt, T0 + 200, 'an older touch arriving late');
      assert.equal((await store.listApiKeys(ws.id)).find((k) => k.id === other.id)!.lastUsedAt, null, 'other keys untouched');
      await store.touchApiKey('k_unknown', T0); // no such key: no error
    });

    // --- workspace polls -----------------------------------------------------------------------

    it('workspace polls: add, get, remove', async () => {
      const { ws, owner } = await newWorkspace();
      const mine: WorkspacePoll = { pollId: 'p_' + randomId(10), workspaceId: ws.id, createdBy: owner.id, createdAt: T0 };
      const anon: WorkspacePoll = { pollId: 'p_' + randomId(10), workspaceId: ws.id, createdBy: null, createdAt: T0 + 1 };
      await store.addWorkspacePoll(mine);
      await store.addWorkspacePoll(anon);
      assert.deepEqual(await store.getWorkspacePoll(mine.pollId), mine);
      assert.deepEqual(await store.getWorkspacePoll(anon.pollId), anon);
      assert.equal(await store.getWorkspacePoll('p_nowhere'), null);
      await store.removeWorkspacePoll(mine.pollId);
      assert.equal(await store.getWorkspacePoll(mine.pollId), null);
      assert.deepEqual(await store.listWorkspacePolls(ws.id, { limit: 10 }), [anon]);
      assert.equal(await h.count('workspace_polls', { workspace_id: ws.id }), 1);
      await store.removeWorkspacePoll(mine.pollId); // already gone: no error
    });

    it('listWorkspacePolls: newest first, at most `limit`, `before` pages back over every poll once', async () => {
      const { ws, owner } = await newWorkspace();
      const other = await newWorkspace();
      // Added out of order, so the order can only come from createdAt.
      const times = [5, 1, 9, 3, 7, 2, 8, 4, 6];
      const polls = times.map((t): WorkspacePoll => ({ pollId: 'p_' + randomId(10), workspaceId: ws.id, createdBy: owner.id, createdAt: T0 + t * 1_000 }));
      for (const p of polls) await store.addWorkspacePoll(p);
      await store.addWorkspacePoll({ pollId: 'p_' + randomId(10), workspaceId: other.ws.id, createdBy: null, createdAt: T0 + 5_500 });
      const newestFirst = [...polls].sort((a, b) => b.createdAt - a.createdAt);

      assert.deepEqual(await store.listWorkspacePolls(ws.id, { limit: 3 }), newestFirst.slice(0, 3));
      assert.deepEqual(await store.listWorkspacePolls(ws.id, { limit: 100 }), newestFirst);
      assert.deepEqual(await store.listWorkspacePolls(ws.id, { limit: 2, before: T0 + 6_000 }), newestFirst.slice(4, 6), 'before is exclusive');

      const seen: WorkspacePoll[] = [];
      let before: number | undefined;
      for (let page = 0; page < 10; page++) {
        const got = await store.listWorkspacePolls(ws.id, before === undefined ? { limit: 4 } : { limit: 4, before });
        assert.ok(got.length <= 4);
        if (got.length === 0) break;
        seen.push(...got);
        before = got[got.length - 1]!.createdAt;
      }
      assert.deepEqual(seen, newestFirst);
      assert.deepEqual(await store.listWorkspacePolls(ws.id, { limit: 5, before: T0 + 1_000 }), [], 'nothing older');
      assert.deepEqual(await store.listWorkspacePolls('w_nowhere', { limit: 5 }), []);
    });

    // --- invitations -----------------------------------------------------------------------------

    it('an invitation makes no member; it is listed for the workspace and for its email until it expires', async () => {
      const { ws, owner } = await newWorkspace();
      const invitee = await newUser();
      const inv = testInvitation(ws.id, owner.id, { email: invitee.email });
      assert.deepEqual(await store.putInvitation(inv), inv);
      assert.equal(await store.getRole(ws.id, invitee.id), null, 'not a member yet');
      assert.equal(await h.count('memberships', { workspace_id: ws.id }), 1);
      assert.deepEqual(await store.listWorkspaceInvitations(ws.id, T0), [inv]);
      assert.deepEqual(await store.listInvitationsFor(invitee.email, T0), [{ invitation: inv, workspace: ws }]);
      assert.deepEqual(await store.listInvitationsFor('someone-else@example.test', T0), []);
      // expiresAt is the first instant it is gone.
      assert.deepEqual(await store.listWorkspaceInvitations(ws.id, inv.expiresAt), []);
      assert.deepEqual(await store.listInvitationsFor(invitee.email, inv.expiresAt), []);
      assert.equal(await store.acceptInvitation(inv.id, invitee, inv.expiresAt), 'not_found');
    });

    it('putInvitation for the same workspace and email renews it (id kept), and drops the workspace\'s expired ones', async () => {
      const { ws, owner } = await newWorkspace();
      const first = testInvitation(ws.id, owner.id, { role: 'viewer' });
      const stale = testInvitation(ws.id, owner.id, { expiresAt: T0 + 10 });
      await store.putInvitation(first);
      await store.putInvitation(stale);
      const renewed = await store.putInvitation({ ...first, id: 'i_' + randomId(16), role: 'owner', createdAt: T0 + 20, expiresAt: T0 + 5_000_000 });
      assert.deepEqual(renewed, { ...first, role: 'owner', createdAt: T0 + 20, expiresAt: T0 + 5_000_000 });
      assert.deepEqual(await store.listWorkspaceInvitations(ws.id, T0 + 20), [renewed]);
      assert.equal(await h.count('invitations', { workspace_id: ws.id }), 1, 'the expired one is gone from the table');
    });

    it('acceptInvitation: only for its email, once; the user becomes a member with its role', async () => {
      const { ws, owner } = await newWorkspace();
      const invitee = await newUser();
      const stranger = await newUser();
      const inv = await store.putInvitation(testInvitation(ws.id, owner.id, { email: invitee.email, role: 'viewer' }));
      assert.equal(await store.acceptInvitation(inv.id, stranger, T0), 'not_found');
      assert.equal(await store.acceptInvitation('i_unknown000000000', invitee, T0), 'not_found');
      assert.deepEqual(await store.acceptInvitation(inv.id, invitee, T0), { workspaceId: ws.id, role: 'viewer' });
      assert.equal(await store.getRole(ws.id, invitee.id), 'viewer');
      assert.equal(await store.getRole(ws.id, stranger.id), null);
      assert.equal(await store.acceptInvitation(inv.id, invitee, T0), 'not_found', 'used up');
      assert.equal(await h.count('invitations', { workspace_id: ws.id }), 0);
    });

    it('acceptInvitation will not demote the last owner; nothing changes and it stays pending', async () => {
      const { ws, owner } = await newWorkspace();
      const inv = await store.putInvitation(testInvitation(ws.id, owner.id, { email: owner.email, role: 'editor' }));
      assert.equal(await store.acceptInvitation(inv.id, owner, T0), 'last_owner');
      assert.equal(await store.getRole(ws.id, owner.id), 'owner');
      assert.equal(await h.count('invitations', { id: inv.id }), 1);
    });

    it('deleteInvitation: revoke by workspace, decline by email; not by anyone else; twice answers false', async () => {
      const { ws, owner } = await newWorkspace();
      const other = await newWorkspace();
      const a = await store.putInvitation(testInvitation(ws.id, owner.id));
      const b = await store.putInvitation(testInvitation(ws.id, owner.id));
      assert.equal(await store.deleteInvitation(a.id, { workspaceId: other.ws.id }, T0), false);
      assert.equal(await store.deleteInvitation(a.id, { email: b.email }, T0), false);
      assert.equal(await store.deleteInvitation(a.id, { workspaceId: ws.id }, T0), true);
      assert.equal(await store.deleteInvitation(a.id, { workspaceId: ws.id }, T0), false);
      assert.equal(await store.deleteInvitation(b.id, { email: b.email }, T0), true);
      assert.equal(await h.count('invitations', { workspace_id: ws.id }), 0);
    });

    it('many accepts of one invitation at once: exactly one wins', async () => {
      const { ws, owner } = await newWorkspace();
      const invitee = await newUser();
      const inv = await store.putInvitation(testInvitation(ws.id, owner.id, { email: invitee.email }));
      const outs = await Promise.all(Array.from({ length: 6 }, () => store.acceptInvitation(inv.id, invitee, T0)));
      assert.equal(outs.filter((o) => o !== 'not_found').length, 1, JSON.stringify(outs));
      assert.equal(await store.getRole(ws.id, invitee.id), 'editor');
    });

    // --- lifecycle -----------------------------------------------------------------------------

    it('migrate again, and from a second instance, is harmless: the data stays, each migration is recorded once', async () => {
      const { ws, owner } = await newWorkspace();
      const migrations = await h.count('account_migrations');
      assert.ok(migrations >= 1);
      await store.migrate();
      await store.migrate();
      const second = await h.reopen();
      try {
        await second.migrate();
        assert.deepEqual(await second.getUser(owner.id), owner);
        assert.equal(await second.getRole(ws.id, owner.id), 'owner');
        await second.ping();
      } finally {
        await second.close();
        await second.close(); // twice: no error
      }
      assert.equal(await h.count('account_migrations'), migrations);
      assert.deepEqual(await store.getWorkspace(ws.id), ws);
      await store.ping();
    });
  });
}
