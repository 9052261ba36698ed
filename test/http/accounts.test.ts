/** Accounts: sign up, log in, sessions and CSRF, password change, workspaces, members, API keys — and their bad inputs. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startTestApp, type TestApp, type Answer } from '../support/app.js';
import { isProblem, signUp } from '../support/accounts.js';
import type { Json } from '../support/json.js';

const PASSWORD = 'correct horse battery staple';

describe('HTTP: accounts and sessions', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ RATE_LIMIT_LOGIN_PER_MIN: '5' });
  });
  after(() => t?.stop());

  const expectProblem = (r: Answer<Json>, status: number, code: string) => {
    assert.equal(r.status, status, r.text);
    assert.ok(isProblem(r), r.text);
    assert.equal(r.json.code, code);
  };

  it('sign up → 201, an HttpOnly SameSite session cookie, a CSRF token, a personal workspace; the password is never echoed', async () => {
    const r = await call(t.url, 'POST', '/v1/auth/signup', { email: 'Ada@Example.TEST', password: PASSWORD, name: 'Ada' });
    assert.equal(r.status, 201);
    assert.equal(r.json.user.email, 'ada@example.test');
    assert.ok(!r.text.includes(PASSWORD));
    const cookie = r.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^pollcast_session=[\w-]{40,};/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.doesNotMatch(cookie, /Secure/, 'plain http: not Secure (COOKIE_SECURE=auto)');
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const me = await call(t.url, 'GET', '/v1/me', undefined, { cookie: cookie.split(';')[0]! });
    assert.equal(me.status, 200);
    assert.equal(me.json.csrfToken, r.json.csrfToken);
    assert.deepEqual(me.json.workspaces.map((w: { role: string }) => w.role), ['owner']);
  });

  it('the same email twice (any case) → 409 email_taken; nothing else is created', async () => {
    const a = await signUp(t.url, 'Twice');
    const r = await call(t.url, 'POST', '/v1/auth/signup', { email: a.email!.toUpperCase(), password: PASSWORD });
    expectProblem(r, 409, 'email_taken');
    const login = await call(t.url, 'POST', '/v1/auth/login', { email: a.email, password: PASSWORD });
    assert.equal(login.status, 200, 'the first account still logs in with its password');
  });

  it('log in: wrong password and unknown email give the same 401; the right one starts a new session', async () => {
    const a = await signUp(t.url, 'Login');
    const wrong = await call(t.url, 'POST', '/v1/auth/login', { email: a.email, password: 'not the password' });
    const unknown = await call(t.url, 'POST', '/v1/auth/login', { email: 'nobody@example.test', password: PASSWORD });
    expectProblem(wrong, 401, 'invalid_credentials');
    expectProblem(unknown, 401, 'invalid_credentials');
    assert.equal(wrong.json.detail, unknown.json.detail);
    const ok = await call(t.url, 'POST', '/v1/auth/login', { email: a.email, password: PASSWORD });
    assert.equal(ok.status, 200);
    assert.notEqual((ok.headers.get('set-cookie') ?? '').split(';')[0], a.headers.cookie);
  });

  it('login attempts per email are rate limited: 429 with Retry-After and RateLimit headers', async () => {
    const a = await signUp(t.url, 'Guessed');
    const statuses: number[] = [];
    let last: Answer<Json> | null = null;
    for (let i = 0; i < 7; i++) {
      last = await call(t.url, 'POST', '/v1/auth/login', { email: a.email, password: `guess ${i} guess` });
      statuses.push(last.status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
    expectProblem(last!, 429, 'rate_limited');
    assert.match(last!.headers.get('retry-after') ?? '', /^\d+$/);
    assert.match(last!.headers.get('ratelimit') ?? '', /limit=5, remaining=0, reset=\d+/);
  });

  it('CSRF: a state-changing request with the session cookie and no (or a wrong) X-CSRF-Token → 403, nothing done', async () => {
    const a = await signUp(t.url, 'Csrf');
    const before = await call(t.url, 'GET', '/v1/workspaces', undefined, { cookie: a.headers.cookie! });
    expectProblem(await call(t.url, 'POST', '/v1/workspaces', { name: 'Sneaky' }, { cookie: a.headers.cookie! }), 403, 'csrf_token_invalid');
    expectProblem(await call(t.url, 'POST', '/v1/workspaces', { name: 'Sneaky' }, { cookie: a.headers.cookie!, 'x-csrf-token': 'x'.repeat(32) }), 403, 'csrf_token_invalid');
    expectProblem(await call(t.url, 'POST', '/v1/auth/logout', undefined, { cookie: a.headers.cookie! }), 403, 'csrf_token_invalid');
    const afterList = await call(t.url, 'GET', '/v1/workspaces', undefined, { cookie: a.headers.cookie! });
    assert.deepEqual(afterList.json, before.json);
    assert.equal((await call(t.url, 'GET', '/v1/me', undefined, { cookie: a.headers.cookie! })).status, 200, 'still logged in');
  });

  it('log out ends the session (the cookie is cleared and no longer works)', async () => {
    const a = await signUp(t.url, 'Leaver');
    const r = await call(t.url, 'POST', '/v1/auth/logout', undefined, a.headers);
    assert.equal(r.status, 204);
    assert.match(r.headers.get('set-cookie') ?? '', /pollcast_session=; .*Max-Age=0/);
    expectProblem(await call(t.url, 'GET', '/v1/me', undefined, a.headers), 401, 'authentication_required');
  });

  it('change password: wrong current → 403; too short → 422; success ends the other sessions, keeps this one', async () => {
    const a = await signUp(t.url, 'Changer');
    const other = await call(t.url, 'POST', '/v1/auth/login', { email: a.email, password: PASSWORD });
    const otherCookie = (other.headers.get('set-cookie') ?? '').split(';')[0]!;
    expectProblem(await call(t.url, 'POST', '/v1/me/password', { currentPassword: 'nope nope nope', newPassword: 'another long password' }, a.headers), 403, 'password_incorrect');
    expectProblem(await call(t.url, 'POST', '/v1/me/password', { currentPassword: PASSWORD, newPassword: 'short' }, a.headers), 422, 'weak_password');
    assert.equal((await call(t.url, 'POST', '/v1/me/password', { currentPassword: PASSWORD, newPassword: 'another long password' }, a.headers)).status, 204);
    assert.equal((await call(t.url, 'GET', '/v1/me', undefined, a.headers)).status, 200);
    assert.equal((await call(t.url, 'GET', '/v1/me', undefined, { cookie: otherCookie })).status, 401);
    expectProblem(await call(t.url, 'POST', '/v1/auth/login', { email: a.email, password: PASSWORD }), 401, 'invalid_credentials');
    assert.equal((await call(t.url, 'POST', '/v1/auth/login', { email: a.email, password: 'another long password' })).status, 200);
  });

  it('Secure cookies behind HTTPS: a trusted proxy saying X-Forwarded-Proto: https gets a Secure cookie', async () => {
    const proxied = await startTestApp({ TRUST_PROXY: '127.0.0.1' });
    try {
      const r = await call(proxied.url, 'POST', '/v1/auth/signup', { email: 'tls@example.test', password: PASSWORD }, { 'x-forwarded-proto': 'https' });
      assert.match(r.headers.get('set-cookie') ?? '', /; Secure/);
    } finally {
      await proxied.stop();
    }
  });

  describe('bad inputs: 4xx problem+json, never 5xx, nothing written', () => {
    const cases: Array<[string, string, string, unknown, number, string]> = [
      ['signup: no body', 'POST', '/v1/auth/signup', undefined, 400, 'validation_failed'],
      ['signup: not JSON', 'POST', '/v1/auth/signup', '{"email":', 400, 'invalid_json'],
      ['signup: missing password', 'POST', '/v1/auth/signup', { email: 'x@example.test' }, 400, 'validation_failed'],
      ['signup: not an email', 'POST', '/v1/auth/signup', { email: 'nope', password: PASSWORD }, 400, 'validation_failed'],
      ['signup: short password', 'POST', '/v1/auth/signup', { email: 'short@example.test', password: 'abc' }, 422, 'weak_password'],
      ['signup: password = email', 'POST', '/v1/auth/signup', { email: 'same-as-pass@example.test', password: 'same-as-pass@example.test' }, 422, 'weak_password'],
      ['signup: huge password', 'POST', '/v1/auth/signup', { email: 'big@example.test', password: 'x'.repeat(300) }, 400, 'validation_failed'],
      ['signup: unknown field (mass assignment)', 'POST', '/v1/auth/signup', { email: 'mass@example.test', password: PASSWORD, role: 'owner' }, 400, 'unknown_field'],
      ['signup: wrong types', 'POST', '/v1/auth/signup', { email: 42, password: true }, 400, 'validation_failed'],
      ['login: unknown field', 'POST', '/v1/auth/login', { email: 'a@example.test', password: PASSWORD, admin: true }, 400, 'unknown_field'],
      ['login: empty email', 'POST', '/v1/auth/login', { email: '', password: PASSWORD }, 400, 'validation_failed'],
      ['password: not logged in', 'POST', '/v1/me/password', { currentPassword: PASSWORD, newPassword: 'another long password' }, 401, 'authentication_required'],
      ['me: not logged in', 'GET', '/v1/me', undefined, 401, 'authentication_required'],
      ['logout: not logged in', 'POST', '/v1/auth/logout', undefined, 401, 'authentication_required'],
    ];
    for (const [name, method, path, body, status, code] of cases) {
      it(name, async () => {
        expectProblem(await call(t.url, method, path, body), status, code);
      });
    }

    it('nothing was written by the refused sign-ups', async () => {
      for (const email of ['x@example.test', 'short@example.test', 'same-as-pass@example.test', 'big@example.test', 'mass@example.test']) {
        const r = await call(t.url, 'POST', '/v1/auth/signup', { email, password: PASSWORD });
        assert.equal(r.status, 201, `${email} was free`);
      }
    });

    it('a garbage or overlong session cookie is simply not a session', async () => {
      expectProblem(await call(t.url, 'GET', '/v1/me', undefined, { cookie: 'pollcast_session=%E0%A4%A' }), 401, 'authentication_required');
      expectProblem(await call(t.url, 'GET', '/v1/me', undefined, { cookie: 'pollcast_session=' + 'a'.repeat(5000) }), 401, 'authentication_required');
    });
  });
});

describe('HTTP: workspaces, members, API keys — bad inputs', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t?.stop());

  it('every bad input is a 4xx problem with its code', async () => {
    const owner = await signUp(t.url, 'Boss');
    const ws = owner.workspaceId!;
    const h = owner.headers;
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/v1/workspaces', { name: '' }, 400, 'validation_failed'],
      ['POST', '/v1/workspaces', { name: '   ' }, 400, 'validation_failed'],
      ['POST', '/v1/workspaces', { name: 'x'.repeat(101) }, 400, 'validation_failed'],
      ['POST', '/v1/workspaces', { name: 'ok', id: 'w_chosen00000' }, 400, 'unknown_field'],
      ['GET', '/v1/workspaces/not-an-id', undefined, 404, 'workspace_not_found'],
      ['GET', '/v1/workspaces/w_zzzzzzzzzzzz', undefined, 404, 'workspace_not_found'],
      ['GET', `/v1/workspaces/${ws}/polls?limit=0`, undefined, 400, 'validation_failed'],
      ['GET', `/v1/workspaces/${ws}/polls?before=yesterday`, undefined, 400, 'validation_failed'],
      ['GET', `/v1/workspaces/${ws}/polls?sort=asc`, undefined, 400, 'unknown_field'],
      ['POST', `/v1/workspaces/${ws}/members`, { email: 'nobody@example.test', role: 'viewer' }, 404, 'not_found'],
      ['POST', `/v1/workspaces/${ws}/invitations`, { email: owner.email, role: 'admin' }, 400, 'validation_failed'],
      ['POST', `/v1/workspaces/${ws}/invitations`, { email: 'no-at-sign', role: 'viewer' }, 400, 'validation_failed'],
      ['POST', `/v1/workspaces/${ws}/invitations`, { email: 'a@b.test', role: 'viewer', userId: owner.userId }, 400, 'unknown_field'],
      ['DELETE', `/v1/workspaces/${ws}/invitations/i_nobody0000000000`, undefined, 404, 'invitation_not_found'],
      ['DELETE', `/v1/workspaces/${ws}/invitations/bad`, undefined, 404, 'invitation_not_found'],
      ['POST', '/v1/me/invitations/i_nobody0000000000/accept', undefined, 404, 'invitation_not_found'],
      ['POST', '/v1/me/invitations/i_nobody0000000000/decline', undefined, 404, 'invitation_not_found'],
      ['PATCH', `/v1/workspaces/${ws}/members/u_nobody000000`, { role: 'viewer' }, 404, 'member_not_found'],
      ['PATCH', `/v1/workspaces/${ws}/members/${owner.userId}`, { role: 'editor' }, 409, 'last_owner'],
      ['DELETE', `/v1/workspaces/${ws}/members/${owner.userId}`, undefined, 409, 'last_owner'],
      ['DELETE', `/v1/workspaces/${ws}/members/u_nobody000000`, undefined, 404, 'member_not_found'],
      ['POST', `/v1/workspaces/${ws}/api-keys`, { name: 'k', scopes: [] }, 400, 'validation_failed'],
      ['POST', `/v1/workspaces/${ws}/api-keys`, { name: 'k', scopes: ['admin'] }, 400, 'validation_failed'],
      ['POST', `/v1/workspaces/${ws}/api-keys`, { name: 'k', scopes: ['polls:read'], key: 'pk_mine' }, 400, 'unknown_field'],
      ['DELETE', `/v1/workspaces/${ws}/api-keys/nope`, undefined, 404, 'api_key_not_found'],
      ['POST', '/v1/polls', { question: 'Q?', options: ['a', 'b'], workspaceId: 'w_bad' }, 400, 'validation_failed'],
      ['POST', '/v1/polls', { question: 'Q?', options: ['a', 'b'], identityMode: 'account' }, 422, 'invalid_poll'],
      ['POST', '/v1/polls', { question: 'Q?', options: ['a', 'b'], access: 'workspace' }, 422, 'invalid_poll'],
      ['POST', '/v1/polls', { question: 'Q?', options: ['a', 'b'], ipCap: 0 }, 400, 'validation_failed'],
      ['POST', '/v1/polls', { question: 'Q?', options: ['a', 'b'], powDifficulty: 25 }, 400, 'validation_failed'],
      ['POST', '/v1/polls', { question: 'Q?', options: ['a', 'b'], workspaceId: ws, ownerTokenHash: 'x' }, 400, 'unknown_field'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const r = await call(t.url, method, path, body, h);
      assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}: ${r.text}`);
      assert.ok(isProblem(r), `${method} ${path}: problem+json`);
      assert.equal(r.json.code, code, `${method} ${path} ${JSON.stringify(body)}`);
    }
    const members = await call(t.url, 'GET', `/v1/workspaces/${ws}/members`, undefined, h);
    assert.deepEqual(members.json.members.map((m: { role: string }) => m.role), ['owner'], 'still exactly one member, the owner');
    const keys = await call(t.url, 'GET', `/v1/workspaces/${ws}/api-keys`, undefined, h);
    assert.deepEqual(keys.json.apiKeys, []);
    const polls = await call(t.url, 'GET', `/v1/workspaces/${ws}/polls`, undefined, h);
    assert.deepEqual(polls.json.polls, []);
  });

  it('a body sent to a route that takes none is 400 unknown_field, and nothing happens', async () => {
    const owner = await signUp(t.url, 'NoBody');
    const poll = (await call(t.url, 'POST', '/v1/polls', { question: 'Q?', options: ['a', 'b'], workspaceId: owner.workspaceId }, owner.headers)).json.poll;
    for (const [method, path, body] of [
      ['POST', `/v1/polls/${poll.id}/close`, { status: 'open' }],
      ['DELETE', `/v1/polls/${poll.id}`, { force: true }],
      ['POST', '/v1/auth/logout', { everywhere: true }],
      ['DELETE', `/v1/workspaces/${owner.workspaceId}/members/${owner.userId}`, { role: 'viewer' }],
    ] as const) {
      const r = await call(t.url, method, path, body, owner.headers);
      assert.equal(r.status, 400, `${method} ${path}: ${r.text}`);
      assert.equal(r.json.code, 'unknown_field');
    }
    const after = await call(t.url, 'GET', `/v1/polls/${poll.id}`, undefined, owner.headers);
    assert.equal(after.json.poll.status, 'open');
    assert.equal((await call(t.url, 'GET', '/v1/me', undefined, owner.headers)).status, 200);
  });

  it('an API key is shown once: the list shows only its prefix; it is stored hashed', async () => {
    const owner = await signUp(t.url, 'KeyMaker');
    const r = await call(t.url, 'POST', `/v1/workspaces/${owner.workspaceId}/api-keys`, { name: 'ci', scopes: ['polls:read', 'polls:read'] }, owner.headers);
    assert.equal(r.status, 201);
    assert.match(r.json.key, /^pk_[A-Za-z0-9]{12}_[\w-]{32}$/);
    assert.deepEqual(r.json.apiKey.scopes, ['polls:read']);
    const list = await call(t.url, 'GET', `/v1/workspaces/${owner.workspaceId}/api-keys`, undefined, owner.headers);
    assert.ok(!list.text.includes(r.json.key));
    assert.ok(r.json.key.startsWith(list.json.apiKeys[0].prefix));
  });

  it('the owner list of polls: newest first, paged with `before`', async () => {
    const owner = await signUp(t.url, 'Lister');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await call(t.url, 'POST', '/v1/polls', { question: `Q${i}?`, options: ['a', 'b'], workspaceId: owner.workspaceId }, owner.headers);
      ids.push(r.json.poll.id);
      await new Promise((res) => setTimeout(res, 3));
    }
    const first = await call(t.url, 'GET', `/v1/workspaces/${owner.workspaceId}/polls?limit=3`, undefined, owner.headers);
    assert.deepEqual(first.json.polls.map((p: { id: string }) => p.id), ids.slice(2).reverse());
    const rest = await call(t.url, 'GET', `/v1/workspaces/${owner.workspaceId}/polls?limit=3&before=${encodeURIComponent(first.json.next)}`, undefined, owner.headers);
    assert.deepEqual(rest.json.polls.map((p: { id: string }) => p.id), ids.slice(0, 2).reverse());
    assert.equal(rest.json.next, null);
  });
});
