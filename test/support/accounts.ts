/** Signs people up and acts as them: a session cookie plus its CSRF token, or an API key. */
import { call, type Answer } from './app.js';
import type { Json } from './json.js';

export interface Actor {
  name: string;
  headers: Record<string, string>;
  userId?: string;
  email?: string;
  workspaceId?: string;
}

let seq = 0;

export async function signUp(base: string, name: string): Promise<Actor> {
  const email = `${name.toLowerCase()}-${process.pid}-${++seq}-${Math.random().toString(36).slice(2, 8)}@example.test`;
  const r = await call(base, 'POST', '/v1/auth/signup', { email, password: 'correct horse battery staple', name });
  if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${r.text}`);
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
  const me = await call(base, 'GET', '/v1/me', undefined, { cookie });
  return { name, email, userId: r.json.user.id, workspaceId: me.json.workspaces[0].id, headers: { cookie, 'x-csrf-token': r.json.csrfToken } };
}

/** The owner invites `who` by email and `who` accepts: the only way into a workspace. */
export async function addMember(base: string, owner: Actor, workspaceId: string, who: Actor, role: 'owner' | 'editor' | 'viewer'): Promise<void> {
  const r = await call(base, 'POST', `/v1/workspaces/${workspaceId}/invitations`, { email: who.email, role }, owner.headers);
  if (r.status !== 202) throw new Error(`invite failed: ${r.status} ${r.text}`);
  const a = await call(base, 'POST', `/v1/me/invitations/${r.json.invitation.id}/accept`, undefined, who.headers);
  if (a.status !== 200) throw new Error(`accept failed: ${a.status} ${a.text}`);
}

export async function apiKey(base: string, owner: Actor, workspaceId: string, scopes: string[], name = 'test key'): Promise<Actor> {
  const r = await call(base, 'POST', `/v1/workspaces/${workspaceId}/api-keys`, { name, scopes }, owner.headers);
  if (r.status !== 201) throw new Error(`api key failed: ${r.status} ${r.text}`);
  return { name: `key(${scopes.join(',')})`, headers: { authorization: `Bearer ${r.json.key}` }, workspaceId };
}

export async function workspacePoll(base: string, owner: Actor, workspaceId: string, over: Record<string, unknown> = {}) {
  const r = await call(base, 'POST', '/v1/polls', { question: 'Lunch?', options: ['Soup', 'Salad'], workspaceId, ...over }, owner.headers);
  if (r.status !== 201) throw new Error(`workspace poll failed: ${r.status} ${r.text}`);
  return r.json.poll as { id: string; options: Array<{ id: string }>; status: string };
}

export function isProblem(r: Answer<Json>): boolean {
  return (r.headers.get('content-type') ?? '').startsWith('application/problem+json') && typeof r.json?.code === 'string';
}

