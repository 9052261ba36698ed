/**
 * Events in a workspace: created with a session or API key that may write there, listed at
 * GET /v1/workspaces/{id}/events for its members, managed by its editors and owners as well as by
 * the owner token; everyone else is refused as for quick events, and a refused create writes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startTestApp, type TestApp } from '../support/app.js';
import { addMember, apiKey, signUp, type Actor } from '../support/accounts.js';
import { assertProblem } from '../support/problem.js';

describe('HTTP: workspace events', () => {
  let t: TestApp;
  let owner: Actor;
  let editor: Actor;
  let viewer: Actor;
  let other: Actor;
  let ws: string;
  before(async () => {
    t = await startTestApp();
    owner = await signUp(t.url, 'Owner');
    editor = await signUp(t.url, 'Editor');
    viewer = await signUp(t.url, 'Viewer');
    other = await signUp(t.url, 'Other');
    ws = owner.workspaceId!;
    await addMember(t.url, owner, ws, editor, 'editor');
    await addMember(t.url, owner, ws, viewer, 'viewer');
  });
  after(() => t.stop());

  const body = (title: string) => ({ title, workspaceId: ws, questions: [{ question: 'Ready?', options: ['Yes', 'No'] }, { question: 'Score', kind: 'nps' }] });
  const list = (who: Actor | null, query = '') => call(t.url, 'GET', `/v1/workspaces/${ws}/events${query}`, undefined, who?.headers ?? {});

  it('an editor creates one; members and the workspace keys list it, newest first, in pages', async () => {
    const first = await call(t.url, 'POST', '/v1/events', body('Kick-off'), editor.headers);
    assert.equal(first.status, 201, first.text);
    assert.equal(first.json.event.workspaceId, ws);
    assert.ok(first.json.event.questions.every((q: { workspaceId: string }) => q.workspaceId === ws), 'its questions are workspace polls');
    assert.match(first.json.ownerToken, /^pco_/);
    const second = await call(t.url, 'POST', '/v1/events', body('Retro'), owner.headers);
    assert.equal(second.status, 201, second.text);
    const key = await apiKey(t.url, owner, ws, ['polls:read']);
    for (const who of [owner, editor, viewer, key]) {
      const r = await list(who);
      assert.equal(r.status, 200, `${who.name}: ${r.text}`);
      const mine = r.json.events.filter((e: { id: string }) => [first.json.event.id, second.json.event.id].includes(e.id));
      assert.deepEqual(mine.map((e: { title: string; questions: number; code: string }) => [e.title, e.questions, e.code]), [
        ['Retro', 2, second.json.event.code],
        ['Kick-off', 2, first.json.event.code],
      ]);
    }
    const page = await list(owner, '?limit=1');
    assert.equal(page.json.events.length, 1);
    assert.ok(page.json.next);
    const rest = await list(owner, `?limit=1&before=${encodeURIComponent(page.json.next)}`);
    assert.notEqual(rest.json.events[0].id, page.json.events[0].id);
    // A quick event is listed nowhere.
    const quick = await call(t.url, 'POST', '/v1/events', { title: 'Quick', questions: [] });
    assert.equal(quick.status, 201);
    assert.equal(quick.json.event.workspaceId, null);
    assert.ok(!(await list(owner)).json.events.some((e: { id: string }) => e.id === quick.json.event.id));
  });

  it('strangers: 401 anonymous, 404 another workspace, 400 bad paging, and the same 404 for a malformed id', async () => {
    assertProblem(await list(null), 'authentication_required');
    assertProblem(await list(other), 'workspace_not_found');
    assertProblem(await call(t.url, 'GET', '/v1/workspaces/nope/events', undefined, owner.headers), 'workspace_not_found');
    assertProblem(await list(owner, '?limit=0'), 'validation_failed');
    assertProblem(await list(owner, '?sort=title'), 'unknown_field');
  });

  it('creating in a workspace needs write access there; a refused create makes nothing', async () => {
    const before = (await list(owner)).json.events.length;
    assertProblem(await call(t.url, 'POST', '/v1/events', body('Viewer'), viewer.headers), 'forbidden');
    assertProblem(await call(t.url, 'POST', '/v1/events', body('Anonymous')), 'authentication_required');
    assertProblem(await call(t.url, 'POST', '/v1/events', body('Other'), other.headers), 'workspace_not_found');
    assertProblem(await call(t.url, 'POST', '/v1/events', body('No CSRF'), { cookie: owner.headers.cookie! }), 'csrf_token_invalid');
    assertProblem(await call(t.url, 'POST', '/v1/events', { ...body('Bad id'), workspaceId: 'w_!' }, owner.headers), 'validation_failed');
    assert.equal((await list(owner)).json.events.length, before);
  });

  it('editors and owners present it with their session; the owner token still works; viewers and outsiders are refused', async () => {
    const created = await call(t.url, 'POST', '/v1/events', body('Town hall'), owner.headers);
    const ev = created.json.event as { id: string; questions: Array<{ id: string; options: Array<{ id: string }> }> };
    const [q1, q2] = ev.questions;
    const token = { authorization: `Bearer ${created.json.ownerToken}` };
    // The editor, by session: open, answer, move on, show results, export.
    assert.equal((await call(t.url, 'POST', `/v1/events/${ev.id}/questions/${q1!.id}/open`, undefined, editor.headers)).status, 200);
    assert.equal((await call(t.url, 'POST', `/v1/polls/${q1!.id}/votes`, { optionIds: [q1!.options[0]!.id] })).status, 201);
    assert.equal((await call(t.url, 'POST', `/v1/events/${ev.id}/current`, { questionId: q2!.id }, editor.headers)).status, 200);
    assert.equal((await call(t.url, 'POST', `/v1/events/${ev.id}/results`, { shown: true }, editor.headers)).status, 200);
    const csv = await call(t.url, 'GET', `/v1/events/${ev.id}/export`, undefined, editor.headers);
    assert.equal(csv.status, 200, csv.text);
    assert.equal(csv.text.trimEnd().split('\r\n').length, 2);
    // The owner token manages the workspace questions too.
    assert.equal((await call(t.url, 'POST', `/v1/events/${ev.id}/questions/${q2!.id}/open`, undefined, token)).status, 200);
    assert.equal((await call(t.url, 'POST', `/v1/polls/${q1!.id}/close`, undefined, token)).status, 200);
    // Refused: a viewer (403), an outsider and anonymous (no owner token: 401), another token (403); nothing changed.
    const state = async () => (await call(t.url, 'GET', `/v1/events/${ev.id}`)).json.event;
    const seen = await state();
    assertProblem(await call(t.url, 'POST', `/v1/events/${ev.id}/current`, { questionId: q1!.id }, viewer.headers), 'forbidden');
    assertProblem(await call(t.url, 'POST', `/v1/events/${ev.id}/current`, { questionId: q1!.id }, other.headers), 'owner_token_required');
    assertProblem(await call(t.url, 'POST', `/v1/events/${ev.id}/current`, { questionId: q1!.id }), 'owner_token_required');
    assertProblem(await call(t.url, 'POST', `/v1/events/${ev.id}/current`, { questionId: q1!.id }, { authorization: 'Bearer pco_wrong' }), 'owner_token_invalid');
    assertProblem(await call(t.url, 'POST', `/v1/events/${ev.id}/questions/${q2!.id}/close`, undefined, viewer.headers), 'forbidden');
    assertProblem(await call(t.url, 'GET', `/v1/events/${ev.id}/export`, undefined, other.headers), 'owner_token_required');
    const after = await state();
    assert.deepEqual([after.currentQuestionId, after.questions.map((q: { status: string }) => q.status)], [seen.currentQuestionId, seen.questions.map((q: { status: string }) => q.status)]);
    assert.equal(after.currentQuestionId, q2!.id);
    // The owner deletes it with the session: gone from the list.
    assert.equal((await call(t.url, 'DELETE', `/v1/events/${ev.id}`, undefined, owner.headers)).status, 204);
    assert.ok(!(await list(owner)).json.events.some((e: { id: string }) => e.id === ev.id));
  });
});
