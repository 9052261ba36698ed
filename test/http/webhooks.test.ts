/**
 * Webhook endpoints of a workspace: create (secret once), list, rotate (two secrets sign for a
 * day), delete; owners only; bad input — malformed, credentialed, huge, private/loopback/metadata
 * URLs and unknown event names — answered 4xx with stable codes, and nothing stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startTestApp, type TestApp } from '../support/app.js';
import { addMember, signUp, type Actor } from '../support/accounts.js';
import { assertProblem } from '../support/problem.js';

describe('HTTP: webhook endpoints', () => {
  let t: TestApp;
  let owner: Actor;
  let editor: Actor;
  let ws: string;
  before(async () => {
    t = await startTestApp();
    owner = await signUp(t.url, 'HookOwner');
    editor = await signUp(t.url, 'HookEditor');
    ws = owner.workspaceId!;
    await addMember(t.url, owner, ws, editor, 'editor');
  });
  after(() => t.stop());

  const create = (body: unknown, who: Actor = owner) => call(t.url, 'POST', `/v1/workspaces/${ws}/webhooks`, body, who.headers);
  const list = async () => (await call(t.url, 'GET', `/v1/workspaces/${ws}/webhooks`, undefined, owner.headers)).json.webhooks as Array<{ id: string; url: string; activeSecrets: number }>;

  it('create → the secret once; list without secrets; rotate → a new secret, both sign; delete', async () => {
    const r = await create({ url: 'https://hooks.example.com/pollcast', events: ['poll.closed', 'results.final', 'poll.closed'] });
    assert.equal(r.status, 201, r.text);
    assert.match(r.json.secret, /^whsec_/);
    assert.deepEqual(r.json.webhook.events, ['poll.closed', 'results.final']);
    assert.equal(r.json.webhook.activeSecrets, 1);
    const id = r.json.webhook.id as string;
    const listed = await list();
    assert.ok(listed.some((w) => w.id === id && w.url === 'https://hooks.example.com/pollcast'));
    assert.doesNotMatch(JSON.stringify(listed), /whsec_/, 'no secret in the list');

    const rot = await call(t.url, 'POST', `/v1/workspaces/${ws}/webhooks/${id}/rotate-secret`, undefined, owner.headers);
    assert.equal(rot.status, 200, rot.text);
    assert.notEqual(rot.json.secret, r.json.secret);
    assert.equal(rot.json.webhook.activeSecrets, 2, 'the old secret still signs during the overlap');

    assert.equal((await call(t.url, 'DELETE', `/v1/workspaces/${ws}/webhooks/${id}`, undefined, owner.headers)).status, 204);
    assertProblem(await call(t.url, 'DELETE', `/v1/workspaces/${ws}/webhooks/${id}`, undefined, owner.headers), 'webhook_not_found');
    assertProblem(await call(t.url, 'POST', `/v1/workspaces/${ws}/webhooks/${id}/rotate-secret`, undefined, owner.headers), 'webhook_not_found');
  });

  it('refuses bad URLs and unknown events with stable codes, storing nothing', async () => {
    const before = (await list()).length;
    const cases: Array<[unknown, string]> = [
      [{ url: 'not a url', events: ['poll.closed'] }, 'webhook_url_invalid'],
      [{ url: 'ftp://example.com/x', events: ['poll.closed'] }, 'webhook_url_invalid'],
      [{ url: 'https://user:pw@example.com/', events: ['poll.closed'] }, 'webhook_url_invalid'],
      [{ url: 'https://example.com/' + 'a'.repeat(3_000), events: ['poll.closed'] }, 'webhook_url_invalid'],
      [{ url: 'https://example.com/' + 'a'.repeat(20_000), events: ['poll.closed'] }, 'validation_failed'],
      [{ url: 'https://example.com/' + 'a'.repeat(200_000), events: ['poll.closed'] }, 'body_too_large'],
      [{ url: 'http://127.0.0.1:8080/hook', events: ['poll.closed'] }, 'webhook_url_not_allowed'],
      [{ url: 'http://10.0.0.7/hook', events: ['poll.closed'] }, 'webhook_url_not_allowed'],
      [{ url: 'http://169.254.169.254/latest/meta-data/', events: ['poll.closed'] }, 'webhook_url_not_allowed'],
      [{ url: 'http://[::1]/hook', events: ['poll.closed'] }, 'webhook_url_not_allowed'],
      [{ url: 'http://[::ffff:10.0.0.1]/hook', events: ['poll.closed'] }, 'webhook_url_not_allowed'],
      [{ url: 'http://localhost:9000/hook', events: ['poll.closed'] }, 'webhook_url_not_allowed'],
      [{ url: 'https://hooks.example.com/', events: ['poll.deleted'] }, 'unknown_webhook_event'],
      [{ url: 'https://hooks.example.com/', events: [] }, 'validation_failed'],
      [{ url: 'https://hooks.example.com/', events: ['poll.closed'], secret: 'mine' }, 'unknown_field'],
    ];
    for (const [body, code] of cases) {
      const r = await create(body);
      assertProblem(r, code as Parameters<typeof assertProblem>[1], JSON.stringify(body).slice(0, 80));
    }
    assert.equal((await list()).length, before);
  });

  it('owners only: an editor gets 403, a stranger 404, no session 401', async () => {
    assertProblem(await create({ url: 'https://hooks.example.com/', events: ['poll.opened'] }, editor), 'forbidden');
    const stranger = await signUp(t.url, 'Stranger');
    assertProblem(await create({ url: 'https://hooks.example.com/', events: ['poll.opened'] }, stranger), 'workspace_not_found');
    assertProblem(await call(t.url, 'GET', `/v1/workspaces/${ws}/webhooks`), 'authentication_required');
  });

  it('at most 20 endpoints per workspace', async () => {
    const me = await signUp(t.url, 'ManyHooks');
    const url = `/v1/workspaces/${me.workspaceId}/webhooks`;
    for (let i = 0; i < 20; i++) assert.equal((await call(t.url, 'POST', url, { url: `https://h${i}.example.com/`, events: ['poll.opened'] }, me.headers)).status, 201);
    assertProblem(await call(t.url, 'POST', url, { url: 'https://h20.example.com/', events: ['poll.opened'] }, me.headers), 'too_many_webhooks');
  });

  it('an operator allow-list lets an internal network through', async () => {
    const internal = await startTestApp({ WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32' });
    try {
      const o = await signUp(internal.url, 'Internal');
      const r = await call(internal.url, 'POST', `/v1/workspaces/${o.workspaceId}/webhooks`, { url: 'http://127.0.0.1:9999/hook', events: ['poll.closed'] }, o.headers);
      assert.equal(r.status, 201, r.text);
      assertProblem(await call(internal.url, 'POST', `/v1/workspaces/${o.workspaceId}/webhooks`, { url: 'http://10.0.0.1/hook', events: ['poll.closed'] }, o.headers), 'webhook_url_not_allowed');
    } finally {
      await internal.stop();
    }
  });
});
