/**
 * Workspace invitations: inviting an email answers the same for every address (an account or not,
 * a member or not), and nobody joins a workspace until they accept while logged in with that
 * email. Before, `POST /members` answered 404 user_not_found for an unknown address and added a
 * known one at once, without asking them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startTestApp, type Answer, type TestApp } from '../support/app.js';
import { signUp, type Actor } from '../support/accounts.js';
import { assertProblem } from '../support/problem.js';

describe('HTTP: workspace invitations', () => {
  let t: TestApp;
  let u: string;
  let owner: Actor;
  let ws: string;
  before(async () => {
    t = await startTestApp();
    u = t.url;
    owner = await signUp(u, 'Owner');
    ws = owner.workspaceId!;
  });
  after(() => t?.stop());

  const invite = (email: string, role = 'editor', by: Actor = owner, workspaceId = ws) => call(u, 'POST', `/v1/workspaces/${workspaceId}/invitations`, { email, role }, by.headers);
  const memberEmails = async () => ((await call(u, 'GET', `/v1/workspaces/${ws}/members`, undefined, owner.headers)).json.members as Array<{ email: string }>).map((m) => m.email).sort();
  const mine = async (who: Actor) => (await call(u, 'GET', '/v1/me/invitations', undefined, who.headers)).json.invitations as Array<{ id: string; role: string; workspace: { id: string; name: string } }>;
  /** An answer with what must differ between addresses taken out. */
  const shape = (r: Answer<{ invitation: Record<string, unknown> }>) => ({
    status: r.status,
    contentType: r.headers.get('content-type'),
    keys: Object.keys(r.json).sort(),
    invitation: { ...r.json.invitation, id: typeof r.json.invitation.id, email: typeof r.json.invitation.email, createdAt: typeof r.json.invitation.createdAt, expiresAt: typeof r.json.invitation.expiresAt },
    headers: [...r.headers.keys()].filter((h) => !['date', 'content-length', 'x-request-id'].includes(h)).sort(),
  });

  it('the answer is the same for an address with an account, one without, a member, and the owner: 202 and an invitation', async () => {
    const known = await signUp(u, 'Known');
    const member = await signUp(u, 'Member');
    // `member` joins the usual way first.
    const m = await invite(member.email!);
    assert.equal((await call(u, 'POST', `/v1/me/invitations/${m.json.invitation.id}/accept`, undefined, member.headers)).status, 200);
    const before = await memberEmails();

    const answers = await Promise.all([known.email!, `nobody-${Date.now()}@example.test`, member.email!, owner.email!].map((e) => invite(e)));
    const [first, ...rest] = answers.map(shape);
    assert.equal(first!.status, 202, answers[0]!.text);
    for (const s of rest) assert.deepEqual(s, first);
    assert.deepEqual(await memberEmails(), before, 'inviting adds nobody');
    const knownMe = await call(u, 'GET', '/v1/me', undefined, known.headers);
    assert.ok(!knownMe.json.workspaces.some((w: { id: string }) => w.id === ws), 'the invitee is not in the workspace');
  });

  it('the old way in, POST …/members with an email, adds nobody', async () => {
    const someone = await signUp(u, 'Someone');
    const r = await call(u, 'POST', `/v1/workspaces/${ws}/members`, { email: someone.email, role: 'owner' }, owner.headers);
    assertProblem(r, 'not_found');
    assert.ok(!(await memberEmails()).includes(someone.email!));
  });

  it('the invitee sees the invitation and accepts it: member with its role; the invitation is gone', async () => {
    const invitee = await signUp(u, 'Invitee');
    const inv = (await invite(invitee.email!.toUpperCase(), 'viewer')).json.invitation;
    assert.equal(inv.email, invitee.email, 'stored lower-cased');
    const pending = await call(u, 'GET', `/v1/workspaces/${ws}/invitations`, undefined, owner.headers);
    assert.ok(pending.json.invitations.some((i: { id: string }) => i.id === inv.id));

    const list = await mine(invitee);
    assert.equal(list.length, 1);
    assert.equal(list[0]!.id, inv.id);
    assert.equal(list[0]!.role, 'viewer');
    assert.equal(list[0]!.workspace.id, ws);

    // Someone else, even knowing the id, can neither see, accept nor decline it.
    const stranger = await signUp(u, 'Stranger');
    assert.deepEqual(await mine(stranger), []);
    assertProblem(await call(u, 'POST', `/v1/me/invitations/${inv.id}/accept`, undefined, stranger.headers), 'invitation_not_found', 'stranger accepts');
    assertProblem(await call(u, 'POST', `/v1/me/invitations/${inv.id}/decline`, undefined, stranger.headers), 'invitation_not_found', 'stranger declines');
    // Not without the CSRF token, nor anonymously.
    assertProblem(await call(u, 'POST', `/v1/me/invitations/${inv.id}/accept`, undefined, { cookie: invitee.headers.cookie! }), 'csrf_token_invalid');
    assertProblem(await call(u, 'POST', `/v1/me/invitations/${inv.id}/accept`), 'authentication_required');
    assert.ok(!(await memberEmails()).includes(invitee.email!));

    const ok = await call(u, 'POST', `/v1/me/invitations/${inv.id}/accept`, undefined, invitee.headers);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.workspace.id, ws);
    assert.equal(ok.json.workspace.role, 'viewer');
    assert.ok((await memberEmails()).includes(invitee.email!));
    const me = await call(u, 'GET', '/v1/me', undefined, invitee.headers);
    assert.ok(me.json.workspaces.some((w: { id: string; role: string }) => w.id === ws && w.role === 'viewer'));
    // The role works at once: a viewer reads the workspace's polls.
    assert.equal((await call(u, 'GET', `/v1/workspaces/${ws}/polls`, undefined, invitee.headers)).status, 200);

    assertProblem(await call(u, 'POST', `/v1/me/invitations/${inv.id}/accept`, undefined, invitee.headers), 'invitation_not_found', 'twice');
    assert.deepEqual(await mine(invitee), []);
    const after = await call(u, 'GET', `/v1/workspaces/${ws}/invitations`, undefined, owner.headers);
    assert.ok(!after.json.invitations.some((i: { id: string }) => i.id === inv.id));
  });

  it('an address without an account: whoever signs up with it later finds the invitation', async () => {
    const email = `later-${process.pid}-${Date.now()}@example.test`;
    const inv = (await invite(email, 'editor')).json.invitation;
    const r = await call(u, 'POST', '/v1/auth/signup', { email, password: 'correct horse battery staple', name: 'Later' });
    const later: Actor = { name: 'Later', email, headers: { cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]!, 'x-csrf-token': r.json.csrfToken } };
    assert.deepEqual((await mine(later)).map((i) => i.id), [inv.id]);
    assert.equal((await call(u, 'POST', `/v1/me/invitations/${inv.id}/accept`, undefined, later.headers)).json.workspace.role, 'editor');
  });

  it('decline: no membership, and it cannot be accepted afterwards', async () => {
    const no = await signUp(u, 'Declines');
    const inv = (await invite(no.email!)).json.invitation;
    assert.equal((await call(u, 'POST', `/v1/me/invitations/${inv.id}/decline`, undefined, no.headers)).status, 204);
    assertProblem(await call(u, 'POST', `/v1/me/invitations/${inv.id}/accept`, undefined, no.headers), 'invitation_not_found');
    assert.ok(!(await memberEmails()).includes(no.email!));
  });

  it('the owner withdraws an invitation: it can no longer be accepted', async () => {
    const late = await signUp(u, 'TooLate');
    const inv = (await invite(late.email!)).json.invitation;
    assert.equal((await call(u, 'DELETE', `/v1/workspaces/${ws}/invitations/${inv.id}`, undefined, owner.headers)).status, 204);
    assertProblem(await call(u, 'DELETE', `/v1/workspaces/${ws}/invitations/${inv.id}`, undefined, owner.headers), 'invitation_not_found', 'twice');
    assertProblem(await call(u, 'POST', `/v1/me/invitations/${inv.id}/accept`, undefined, late.headers), 'invitation_not_found');
  });

  it('inviting again renews the one invitation (same id, the new role)', async () => {
    const again = await signUp(u, 'Again');
    const a = (await invite(again.email!, 'viewer')).json.invitation;
    const b = (await invite(again.email!, 'owner')).json.invitation;
    assert.equal(b.id, a.id);
    assert.equal(b.role, 'owner');
    assert.deepEqual((await mine(again)).map((i) => [i.id, i.role]), [[a.id, 'owner']]);
  });

  it('only an owner invites or sees the pending list; another workspace\'s owner cannot withdraw them', async () => {
    const editor = await signUp(u, 'Ed');
    const inv = (await invite(editor.email!, 'editor')).json.invitation;
    await call(u, 'POST', `/v1/me/invitations/${inv.id}/accept`, undefined, editor.headers);
    assertProblem(await invite('x@example.test', 'owner', editor), 'forbidden', 'an editor invites');
    assertProblem(await call(u, 'GET', `/v1/workspaces/${ws}/invitations`, undefined, editor.headers), 'forbidden', 'an editor lists');
    const other = await signUp(u, 'OtherOwner');
    const pending = (await invite('pending@example.test')).json.invitation;
    assertProblem(await call(u, 'DELETE', `/v1/workspaces/${ws}/invitations/${pending.id}`, undefined, other.headers), 'workspace_not_found');
    assertProblem(await call(u, 'DELETE', `/v1/workspaces/${other.workspaceId}/invitations/${pending.id}`, undefined, other.headers), 'invitation_not_found', 'from another workspace');
  });

  it('the last owner accepting a lower role elsewhere is fine; in their own workspace it is 409 last_owner and nothing changes', async () => {
    const solo = await signUp(u, 'Solo');
    const inv = (await invite(solo.email!, 'viewer', solo, solo.workspaceId!)).json.invitation;
    assertProblem(await call(u, 'POST', `/v1/me/invitations/${inv.id}/accept`, undefined, solo.headers), 'last_owner');
    const me = await call(u, 'GET', '/v1/me', undefined, solo.headers);
    assert.equal(me.json.workspaces.find((w: { id: string }) => w.id === solo.workspaceId).role, 'owner');
    assert.deepEqual((await mine(solo)).map((i) => i.id), [inv.id], 'still pending');
  });
});
