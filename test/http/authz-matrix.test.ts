/**
 * Authorization as a matrix (OWASP API1/API5): every route that touches a workspace or a poll ×
 * {anonymous, voter (logged in, no role), viewer, editor, owner, another workspace's owner, API
 * keys} with the status each must get. A 4xx is always problem+json; nothing a refused request
 * asked for may have happened (checked for the writes below by reading state back).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createPoll, startTestApp, type TestApp } from '../support/app.js';
import { addMember, apiKey, isProblem, signUp, workspacePoll, type Actor } from '../support/accounts.js';

const COLUMNS = ['anonymous', 'voter', 'viewer', 'editor', 'owner', 'other', 'keyRead', 'keyWrite', 'keyVotes', 'otherKey'] as const;
type Column = (typeof COLUMNS)[number];
type Row = {
  name: string;
  /** Builds the request for one actor (fresh state per cell where the request changes it). */
  request: (who: Column) => Promise<{ method: string; path: string; body?: unknown }>;
  expect: Record<Column, number>;
  /** Reads state back after a refused write: must be unchanged. */
  unchanged?: (req: { method: string; path: string }) => Promise<void>;
};

const same = (status: number): Record<Column, number> => Object.fromEntries(COLUMNS.map((c) => [c, status])) as Record<Column, number>;

describe('authorization matrix', () => {
  let t: TestApp;
  const actors = {} as Record<Column, Actor>;
  let ws: string;
  let linkPoll: { id: string };
  let privatePoll: { id: string; options: Array<{ id: string }> };
  let hiddenPoll: { id: string };
  let invitePoll: { id: string };
  let accountPoll: { id: string; options: Array<{ id: string }> };
  let extra: Actor;
  /** An event (quick, managed by its owner token): every account actor lacks the token. */
  let event: { id: string; code: string; currentQuestionId: string; questions: Array<{ id: string }> };
  let eventToken: string;

  before(async () => {
    t = await startTestApp();
    const u = t.url;
    actors.anonymous = { name: 'anonymous', headers: {} };
    actors.owner = await signUp(u, 'Owner');
    ws = actors.owner.workspaceId!;
    actors.editor = await signUp(u, 'Editor');
    actors.viewer = await signUp(u, 'Viewer');
    actors.voter = await signUp(u, 'Voter');
    actors.other = await signUp(u, 'Other');
    extra = await signUp(u, 'Extra');
    await addMember(u, actors.owner, ws, actors.editor, 'editor');
    await addMember(u, actors.owner, ws, actors.viewer, 'viewer');
    actors.keyRead = await apiKey(u, actors.owner, ws, ['polls:read']);
    actors.keyWrite = await apiKey(u, actors.owner, ws, ['polls:write']);
    actors.keyVotes = await apiKey(u, actors.owner, ws, ['votes:write']);
    actors.otherKey = await apiKey(u, actors.other, actors.other.workspaceId!, ['polls:read', 'polls:write', 'votes:write']);
    linkPoll = await workspacePoll(u, actors.owner, ws);
    privatePoll = await workspacePoll(u, actors.owner, ws, { access: 'workspace' });
    hiddenPoll = await workspacePoll(u, actors.owner, ws, { resultsVisibility: 'owner_only' });
    invitePoll = await workspacePoll(u, actors.owner, ws, { identityMode: 'invite' });
    accountPoll = await workspacePoll(u, actors.owner, ws, { identityMode: 'account' });
    const ev = await call(u, 'POST', '/v1/events', { title: 'Town hall', questions: [{ question: 'A?', options: ['x', 'y'] }, { question: 'B?', kind: 'nps' }] });
    event = ev.json.event;
    eventToken = ev.json.ownerToken;
  });
  after(() => t?.stop());

  const fresh = (over: Record<string, unknown> = {}) => workspacePoll(t.url, actors.owner, ws, over);
  const pollStatus = async (id: string) => (await call(t.url, 'GET', `/v1/polls/${id}`, undefined, actors.owner.headers)).json?.poll?.status;

  /** A refused event write changed nothing the audience sees. */
  const eventUnchanged = async () => {
    const ev = (await call(t.url, 'GET', `/v1/events/${event.id}`)).json.event;
    assert.equal(ev.currentQuestionId, event.currentQuestionId);
    assert.equal(ev.resultsShown, false);
    assert.deepEqual(ev.questions.map((q: { id: string; status: string }) => [q.id, q.status]), event.questions.map((q) => [q.id, 'draft']));
  };
  const eventWrite = (name: string, method: string, path: () => string, body?: () => unknown): Row => ({
    name,
    request: async () => ({ method, path: path(), ...(body === undefined ? {} : { body: body() }) }),
    // Sessions and API keys are no owner token: 401 owner_token_required for everyone.
    expect: same(401),
    unchanged: eventUnchanged,
  });

  const rows: Row[] = [
    { name: 'GET /v1/events/{e}', request: async () => ({ method: 'GET', path: `/v1/events/${event.id}` }), expect: same(200) },
    { name: 'GET /v1/join/{code}', request: async () => ({ method: 'GET', path: `/v1/join/${event.code.toLowerCase()}` }), expect: same(200) },
    // Owner-token reads: a session or an API key is no owner token.
    { name: 'GET /v1/events/{e}/export', request: async () => ({ method: 'GET', path: `/v1/events/${event.id}/export` }), expect: same(401) },
    { name: 'GET /v1/events/{e}/analytics', request: async () => ({ method: 'GET', path: `/v1/events/${event.id}/analytics` }), expect: same(401) },
    eventWrite('PATCH /v1/events/{e}', 'PATCH', () => `/v1/events/${event.id}`, () => ({ title: 'Mine now' })),
    eventWrite('POST /v1/events/{e}/current', 'POST', () => `/v1/events/${event.id}/current`, () => ({ questionId: null })),
    eventWrite('POST /v1/events/{e}/results', 'POST', () => `/v1/events/${event.id}/results`, () => ({ shown: true })),
    eventWrite('POST /v1/events/{e}/questions', 'POST', () => `/v1/events/${event.id}/questions`, () => ({ question: { question: 'C?', kind: 'nps' } })),
    eventWrite('PUT /v1/events/{e}/order', 'PUT', () => `/v1/events/${event.id}/order`, () => ({ questionIds: [...event.questions.map((q) => q.id)].reverse() })),
    eventWrite('PATCH /v1/events/{e}/questions/{q}', 'PATCH', () => `/v1/events/${event.id}/questions/${event.questions[0]!.id}`, () => ({ question: 'Mine?' })),
    eventWrite('POST /v1/events/{e}/questions/{q}/open', 'POST', () => `/v1/events/${event.id}/questions/${event.questions[0]!.id}/open`),
    eventWrite('POST /v1/events/{e}/questions/{q}/reset', 'POST', () => `/v1/events/${event.id}/questions/${event.questions[0]!.id}/reset`),
    eventWrite('DELETE /v1/events/{e}/questions/{q}', 'DELETE', () => `/v1/events/${event.id}/questions/${event.questions[0]!.id}`),
    eventWrite('DELETE /v1/events/{e}', 'DELETE', () => `/v1/events/${event.id}`),
    { name: 'GET /v1/me', request: async () => ({ method: 'GET', path: '/v1/me' }), expect: { ...same(200), anonymous: 401, keyRead: 401, keyWrite: 401, keyVotes: 401, otherKey: 401 } },
    { name: 'GET /v1/workspaces', request: async () => ({ method: 'GET', path: '/v1/workspaces' }), expect: { ...same(200), anonymous: 401, keyRead: 401, keyWrite: 401, keyVotes: 401, otherKey: 401 } },
    {
      name: 'POST /v1/workspaces',
      request: async () => ({ method: 'POST', path: '/v1/workspaces', body: { name: 'Side project' } }),
      expect: { ...same(201), anonymous: 401, keyRead: 401, keyWrite: 401, keyVotes: 401, otherKey: 401 },
    },
    {
      name: 'GET /v1/workspaces/{w}',
      request: async () => ({ method: 'GET', path: `/v1/workspaces/${ws}` }),
      expect: { anonymous: 401, voter: 404, viewer: 200, editor: 200, owner: 200, other: 404, keyRead: 200, keyWrite: 200, keyVotes: 403, otherKey: 404 },
    },
    {
      name: 'GET /v1/workspaces/{w}/polls',
      request: async () => ({ method: 'GET', path: `/v1/workspaces/${ws}/polls` }),
      expect: { anonymous: 401, voter: 404, viewer: 200, editor: 200, owner: 200, other: 404, keyRead: 200, keyWrite: 200, keyVotes: 403, otherKey: 404 },
    },
    {
      name: 'GET /v1/workspaces/{w}/events',
      request: async () => ({ method: 'GET', path: `/v1/workspaces/${ws}/events` }),
      expect: { anonymous: 401, voter: 404, viewer: 200, editor: 200, owner: 200, other: 404, keyRead: 200, keyWrite: 200, keyVotes: 403, otherKey: 404 },
    },
    {
      name: 'GET /v1/workspaces/{w}/members',
      request: async () => ({ method: 'GET', path: `/v1/workspaces/${ws}/members` }),
      expect: { anonymous: 401, voter: 404, viewer: 200, editor: 200, owner: 200, other: 404, keyRead: 401, keyWrite: 401, keyVotes: 401, otherKey: 401 },
    },
    {
      name: 'POST /v1/workspaces/{w}/invitations',
      request: async () => ({ method: 'POST', path: `/v1/workspaces/${ws}/invitations`, body: { email: 'invitee@example.test', role: 'viewer' } }),
      expect: { anonymous: 401, voter: 404, viewer: 403, editor: 403, owner: 202, other: 404, keyRead: 401, keyWrite: 401, keyVotes: 401, otherKey: 401 },
    },
    {
      name: 'GET /v1/workspaces/{w}/invitations',
      request: async () => ({ method: 'GET', path: `/v1/workspaces/${ws}/invitations` }),
      expect: { anonymous: 401, voter: 404, viewer: 403, editor: 403, owner: 200, other: 404, keyRead: 401, keyWrite: 401, keyVotes: 401, otherKey: 401 },
    },
    {
      name: 'DELETE /v1/workspaces/{w}/invitations/{i}',
      request: async () => {
        const r = await call(t.url, 'POST', `/v1/workspaces/${ws}/invitations`, { email: `doomed-${Math.random()}@example.test`, role: 'viewer' }, actors.owner.headers);
        return { method: 'DELETE', path: `/v1/workspaces/${ws}/invitations/${r.json.invitation.id}` };
      },
      expect: { anonymous: 401, voter: 404, viewer: 403, editor: 403, owner: 204, other: 404, keyRead: 401, keyWrite: 401, keyVotes: 401, otherKey: 401 },
      unchanged: async (req) => {
        const id = req.path.split('/').pop();
        const list = await call(t.url, 'GET', `/v1/workspaces/${ws}/invitations`, undefined, actors.owner.headers);
        assert.ok(list.json.invitations.some((i: { id: string }) => i.id === id), 'the invitation is still pending');
      },
    },
    {
      name: 'GET /v1/me/invitations',
      request: async () => ({ method: 'GET', path: '/v1/me/invitations' }),
      expect: { ...same(200), anonymous: 401, keyRead: 401, keyWrite: 401, keyVotes: 401, otherKey: 401 },
    },
    {
      name: 'POST /v1/me/invitations/{i}/accept (addressed to Extra)',
      request: async () => {
        const r = await call(t.url, 'POST', `/v1/workspaces/${ws}/invitations`, { email: extra.email, role: 'owner' }, actors.owner.headers);
        return { method: 'POST', path: `/v1/me/invitations/${r.json.invitation.id}/accept` };
      },
      // Only the addressee may accept; for everyone else the invitation does not exist.
      expect: { ...same(404), anonymous: 401, keyRead: 401, keyWrite: 401, keyVotes: 401, otherKey: 401 },
      unchanged: async () => {
        const m = await call(t.url, 'GET', `/v1/workspaces/${ws}/members`, undefined, actors.owner.headers);
        assert.ok(!m.json.members.some((x: { userId: string; role: string }) => x.userId === extra.userId && x.role === 'owner'), 'nobody became owner');
      },
    },
    {
      name: 'PATCH /v1/workspaces/{w}/members/{u}',
      request: async () => ({ method: 'PATCH', path: `/v1/workspaces/${ws}/members/${actors.viewer.userId}`, body: { role: 'viewer' } }),
      expect: { anonymous: 401, voter: 404, viewer: 403, editor: 403, owner: 200, other: 404, keyRead: 401, keyWrite: 401, keyVotes: 401, otherKey: 401 },
    },
    {
      name: 'DELETE /v1/workspaces/{w}/members/{u}',
      request: async () => {
        await addMember(t.url, actors.owner, ws, extra, 'viewer');
        return { method: 'DELETE', path: `/v1/workspaces/${ws}/members/${extra.userId}` };
      },
      expect: { anonymous: 401, voter: 404, viewer: 403, editor: 403, owner: 204, other: 404, keyRead: 401, keyWrite: 401, keyVotes: 401, otherKey: 401 },
      unchanged: async () => {
        const m = await call(t.url, 'GET', `/v1/workspaces/${ws}/members`, undefined, actors.owner.headers);
        assert.ok(m.json.members.some((x: { userId: string }) => x.userId === extra.userId), 'the member is still there');
      },
    },
    {
      name: 'GET /v1/workspaces/{w}/api-keys',
      request: async () => ({ method: 'GET', path: `/v1/workspaces/${ws}/api-keys` }),
      expect: { anonymous: 401, voter: 404, viewer: 403, editor: 403, owner: 200, other: 404, keyRead: 401, keyWrite: 401, keyVotes: 401, otherKey: 401 },
    },
    {
      name: 'GET /v1/workspaces/{w}/webhooks',
      request: async () => ({ method: 'GET', path: `/v1/workspaces/${ws}/webhooks` }),
      expect: { anonymous: 401, voter: 404, viewer: 403, editor: 403, owner: 200, other: 404, keyRead: 401, keyWrite: 401, keyVotes: 401, otherKey: 401 },
    },
    {
      name: 'POST /v1/workspaces/{w}/webhooks',
      request: async () => ({ method: 'POST', path: `/v1/workspaces/${ws}/webhooks`, body: { url: 'https://hooks.example.com/m', events: ['poll.closed'] } }),
      expect: { anonymous: 401, voter: 404, viewer: 403, editor: 403, owner: 201, other: 404, keyRead: 401, keyWrite: 401, keyVotes: 401, otherKey: 401 },
    },
    {
      name: 'POST /v1/workspaces/{w}/webhooks/{h}/rotate-secret, DELETE /v1/workspaces/{w}/webhooks/{h}',
      request: async (who) => {
        const r = await call(t.url, 'POST', `/v1/workspaces/${ws}/webhooks`, { url: 'https://hooks.example.com/d', events: ['poll.opened'] }, actors.owner.headers);
        const id = r.json.webhook.id as string;
        return who === 'editor' ? { method: 'POST', path: `/v1/workspaces/${ws}/webhooks/${id}/rotate-secret` } : { method: 'DELETE', path: `/v1/workspaces/${ws}/webhooks/${id}` };
      },
      expect: { anonymous: 401, voter: 404, viewer: 403, editor: 403, owner: 204, other: 404, keyRead: 401, keyWrite: 401, keyVotes: 401, otherKey: 401 },
    },
    {
      name: 'POST /v1/workspaces/{w}/api-keys',
      request: async () => ({ method: 'POST', path: `/v1/workspaces/${ws}/api-keys`, body: { name: 'k', scopes: ['polls:read'] } }),
      expect: { anonymous: 401, voter: 404, viewer: 403, editor: 403, owner: 201, other: 404, keyRead: 401, keyWrite: 401, keyVotes: 401, otherKey: 401 },
    },
    {
      name: 'DELETE /v1/workspaces/{w}/api-keys/{k}',
      request: async () => {
        const r = await call(t.url, 'POST', `/v1/workspaces/${ws}/api-keys`, { name: 'doomed', scopes: ['polls:read'] }, actors.owner.headers);
        return { method: 'DELETE', path: `/v1/workspaces/${ws}/api-keys/${r.json.apiKey.id}` };
      },
      expect: { anonymous: 401, voter: 404, viewer: 403, editor: 403, owner: 204, other: 404, keyRead: 401, keyWrite: 401, keyVotes: 401, otherKey: 401 },
      unchanged: async (req) => {
        const id = req.path.split('/').pop();
        const keys = await call(t.url, 'GET', `/v1/workspaces/${ws}/api-keys`, undefined, actors.owner.headers);
        assert.equal(keys.json.apiKeys.find((k: { id: string }) => k.id === id)?.revokedAt, null, 'the key is not revoked');
      },
    },
    {
      name: 'POST /v1/polls in the workspace',
      request: async () => ({ method: 'POST', path: '/v1/polls', body: { question: 'New?', options: ['Y', 'N'], workspaceId: ws } }),
      expect: { anonymous: 401, voter: 404, viewer: 403, editor: 201, owner: 201, other: 404, keyRead: 403, keyWrite: 201, keyVotes: 403, otherKey: 404 },
    },
    { name: 'GET /v1/polls/{link poll}', request: async () => ({ method: 'GET', path: `/v1/polls/${linkPoll.id}` }), expect: same(200) },
    {
      name: 'GET /v1/polls/{workspace-only poll}',
      request: async () => ({ method: 'GET', path: `/v1/polls/${privatePoll.id}` }),
      expect: { anonymous: 404, voter: 404, viewer: 200, editor: 200, owner: 200, other: 404, keyRead: 200, keyWrite: 200, keyVotes: 404, otherKey: 404 },
    },
    {
      name: 'GET /v1/polls/{workspace-only poll}/results',
      request: async () => ({ method: 'GET', path: `/v1/polls/${privatePoll.id}/results` }),
      expect: { anonymous: 404, voter: 404, viewer: 200, editor: 200, owner: 200, other: 404, keyRead: 200, keyWrite: 200, keyVotes: 404, otherKey: 404 },
    },
    {
      name: 'GET /v1/polls/{owner-only results}/results',
      request: async () => ({ method: 'GET', path: `/v1/polls/${hiddenPoll.id}/results` }),
      expect: { anonymous: 403, voter: 403, viewer: 200, editor: 200, owner: 200, other: 403, keyRead: 200, keyWrite: 200, keyVotes: 403, otherKey: 403 },
    },
    {
      name: 'PATCH /v1/polls/{p} (draft)',
      request: async () => ({ method: 'PATCH', path: `/v1/polls/${(await fresh({ status: 'draft' })).id}`, body: { question: 'Changed?' } }),
      expect: { anonymous: 401, voter: 403, viewer: 403, editor: 200, owner: 200, other: 403, keyRead: 403, keyWrite: 200, keyVotes: 403, otherKey: 403 },
      unchanged: async (req) => {
        const r = await call(t.url, 'GET', req.path, undefined, actors.owner.headers);
        assert.equal(r.json.poll.question, 'Lunch?');
      },
    },
    {
      name: 'PATCH /v1/polls/{workspace-only draft}',
      request: async () => ({ method: 'PATCH', path: `/v1/polls/${(await fresh({ status: 'draft', access: 'workspace' })).id}`, body: { question: 'Changed?' } }),
      expect: { anonymous: 404, voter: 404, viewer: 403, editor: 200, owner: 200, other: 404, keyRead: 403, keyWrite: 200, keyVotes: 404, otherKey: 404 },
    },
    {
      name: 'POST /v1/polls/{p}/close',
      request: async () => ({ method: 'POST', path: `/v1/polls/${(await fresh()).id}/close` }),
      expect: { anonymous: 401, voter: 403, viewer: 403, editor: 200, owner: 200, other: 403, keyRead: 403, keyWrite: 200, keyVotes: 403, otherKey: 403 },
      unchanged: async (req) => assert.equal(await pollStatus(req.path.split('/')[3]!), 'open'),
    },
    {
      name: 'POST /v1/polls/{p}/open',
      request: async () => ({ method: 'POST', path: `/v1/polls/${(await fresh({ status: 'draft' })).id}/open` }),
      expect: { anonymous: 401, voter: 403, viewer: 403, editor: 200, owner: 200, other: 403, keyRead: 403, keyWrite: 200, keyVotes: 403, otherKey: 403 },
      unchanged: async (req) => assert.equal(await pollStatus(req.path.split('/')[3]!), 'draft'),
    },
    {
      name: 'DELETE /v1/polls/{p}',
      request: async () => ({ method: 'DELETE', path: `/v1/polls/${(await fresh()).id}` }),
      expect: { anonymous: 401, voter: 403, viewer: 403, editor: 204, owner: 204, other: 403, keyRead: 403, keyWrite: 204, keyVotes: 403, otherKey: 403 },
      unchanged: async (req) => assert.equal(await pollStatus(req.path.split('/')[3]!), 'open'),
    },
    {
      name: 'GET /v1/polls/{p}/analytics',
      request: async () => ({ method: 'GET', path: `/v1/polls/${linkPoll.id}/analytics` }),
      expect: { anonymous: 401, voter: 403, viewer: 200, editor: 200, owner: 200, other: 403, keyRead: 200, keyWrite: 200, keyVotes: 403, otherKey: 403 },
    },
    {
      // Individual answers: managers only (a viewer sees the per-minute counts, not who chose what).
      name: 'GET /v1/polls/{p}/export',
      request: async () => ({ method: 'GET', path: `/v1/polls/${linkPoll.id}/export?format=ndjson` }),
      expect: { anonymous: 401, voter: 403, viewer: 403, editor: 200, owner: 200, other: 403, keyRead: 403, keyWrite: 200, keyVotes: 403, otherKey: 403 },
    },
    {
      name: 'GET /v1/polls/{workspace-only poll}/export',
      request: async () => ({ method: 'GET', path: `/v1/polls/${privatePoll.id}/export` }),
      expect: { anonymous: 404, voter: 404, viewer: 403, editor: 200, owner: 200, other: 404, keyRead: 403, keyWrite: 200, keyVotes: 404, otherKey: 404 },
    },
    {
      // Those who may see the poll learn it is not closed yet; everyone else learns nothing.
      name: 'GET /v1/polls/{workspace-only poll}/commitment',
      request: async () => ({ method: 'GET', path: `/v1/polls/${privatePoll.id}/commitment` }),
      expect: { anonymous: 404, voter: 404, viewer: 409, editor: 409, owner: 409, other: 404, keyRead: 409, keyWrite: 409, keyVotes: 404, otherKey: 404 },
    },
    {
      name: 'POST /v1/polls/{invite poll}/invites',
      request: async () => ({ method: 'POST', path: `/v1/polls/${invitePoll.id}/invites`, body: { count: 3 } }),
      expect: { anonymous: 401, voter: 403, viewer: 403, editor: 201, owner: 201, other: 403, keyRead: 403, keyWrite: 201, keyVotes: 403, otherKey: 403 },
    },
    {
      name: 'POST /v1/polls/{workspace-only poll}/votes (device)',
      request: async () => ({ method: 'POST', path: `/v1/polls/${privatePoll.id}/votes`, body: { optionIds: [privatePoll.options[0]!.id] } }),
      expect: { anonymous: 404, voter: 404, viewer: 201, editor: 201, owner: 201, other: 404, keyRead: 201, keyWrite: 201, keyVotes: 404, otherKey: 404 },
    },
    {
      name: 'POST /v1/polls/{account poll}/votes',
      request: async () => ({ method: 'POST', path: `/v1/polls/${accountPoll.id}/votes`, body: { optionIds: [accountPoll.options[0]!.id] } }),
      expect: { anonymous: 401, voter: 201, viewer: 201, editor: 201, owner: 201, other: 201, keyRead: 401, keyWrite: 401, keyVotes: 401, otherKey: 401 },
    },
  ];

  for (const row of rows) {
    it(row.name, async () => {
      const got: Record<string, number> = {};
      for (const who of COLUMNS) {
        const req = await row.request(who);
        const r = await call(t.url, req.method, req.path, req.body, actors[who].headers);
        got[who] = r.status;
        if (r.status >= 400) {
          assert.ok(isProblem(r), `${row.name} as ${who}: ${r.status} is problem+json with a code (${r.text.slice(0, 120)})`);
          if (row.unchanged) await row.unchanged(req);
        }
      }
      assert.deepEqual(got, row.expect);
    });
  }

  it('a quick poll answers to its owner token only: 401 without one, 403 with a wrong one, whatever the session', async () => {
    const { poll, ownerToken } = await createPoll(t.url, { status: 'draft' });
    const patch = (headers: Record<string, string>) => call(t.url, 'PATCH', `/v1/polls/${poll.id}`, { question: 'Mine?' }, headers);
    assert.equal((await patch({})).status, 401);
    assert.equal((await patch(actors.owner.headers)).json.code, 'owner_token_required');
    assert.equal((await patch({ authorization: 'Bearer pco_wrong' })).json.code, 'owner_token_invalid');
    assert.equal((await patch({ ...actors.other.headers, authorization: 'Bearer pco_wrong' })).status, 403);
    assert.equal((await call(t.url, 'GET', `/v1/polls/${poll.id}`)).json.poll.question, 'Tea or coffee?');
    assert.equal((await patch({ authorization: `Bearer ${ownerToken}` })).status, 200);
  });

  it('an event answers to its owner token only: 403 with a wrong one (session or not), 200 with its own', async () => {
    const path = `/v1/events/${event.id}/results`;
    assert.equal((await call(t.url, 'POST', path, { shown: true }, { authorization: 'Bearer pco_wrong' })).json.code, 'owner_token_invalid');
    assert.equal((await call(t.url, 'POST', path, { shown: true }, { ...actors.other.headers, authorization: 'Bearer pco_wrong' })).status, 403);
    const own = await call(t.url, 'POST', path, { shown: true }, { authorization: `Bearer ${eventToken}` });
    assert.equal(own.status, 200);
    assert.equal(own.json.event.resultsShown, true);
    await call(t.url, 'POST', path, { shown: false }, { authorization: `Bearer ${eventToken}` });
  });

  it('a revoked API key is 401 api_key_invalid at once; a garbled one too', async () => {
    const key = await apiKey(t.url, actors.owner, ws, ['polls:read']);
    assert.equal((await call(t.url, 'GET', `/v1/workspaces/${ws}/polls`, undefined, key.headers)).status, 200);
    const keys = await call(t.url, 'GET', `/v1/workspaces/${ws}/api-keys`, undefined, actors.owner.headers);
    const id = keys.json.apiKeys.at(-1).id;
    assert.equal((await call(t.url, 'DELETE', `/v1/workspaces/${ws}/api-keys/${id}`, undefined, actors.owner.headers)).status, 204);
    const r = await call(t.url, 'GET', `/v1/workspaces/${ws}/polls`, undefined, key.headers);
    assert.equal(r.status, 401);
    assert.equal(r.json.code, 'api_key_invalid');
    assert.equal((await call(t.url, 'GET', `/v1/polls/${linkPoll.id}`, undefined, { authorization: 'Bearer pk_nothing_here' })).json.code, 'api_key_invalid');
  });

  it('a workspace-only poll and a poll that does not exist look the same to outsiders', async () => {
    const outsider = await call(t.url, 'GET', `/v1/polls/${privatePoll.id}`, undefined, actors.other.headers);
    const missing = await call(t.url, 'GET', `/v1/polls/2zzzzzzzzzzz`, undefined, actors.other.headers);
    assert.equal(outsider.status, missing.status);
    assert.equal(outsider.json.code, missing.json.code);
    assert.equal(outsider.json.detail, missing.json.detail);
  });
});
