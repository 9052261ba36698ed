/** Workspaces, their members and roles, their API keys, and their polls; invitations live in invitations.ts. */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { publicPoll } from '../../domain/poll.js';
import { API_KEY_SCOPES, WORKSPACE_ROLES } from '../../ports/account-store.js';
import { PollcastError } from '../../errors.js';
import { principalOf } from '../caller.js';
import type { HttpDeps } from '../deps.js';
import { limitOrThrow } from '../rate-guard.js';
import { invitationRoutes } from './invitations.js';
import { PollView, Problem, WorkspaceId } from '../schemas.js';

const strict = { additionalProperties: false } as const;
const lit = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
const Params = Type.Object({ workspaceId: Type.String({ maxLength: 64 }) });
const MemberParams = Type.Object({ workspaceId: Type.String({ maxLength: 64 }), userId: Type.String({ maxLength: 64 }) });
const KeyParams = Type.Object({ workspaceId: Type.String({ maxLength: 64 }), keyId: Type.String({ maxLength: 64 }) });
const Name = Type.String({ minLength: 1, maxLength: 100 });
const WorkspaceView = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Type.String(), role: Type.Union([Type.String(), Type.Null()]) });
const MemberView = Type.Object({ userId: Type.String(), email: Type.String(), name: Type.String(), role: Type.String() });
const ApiKeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  scopes: Type.Array(Type.String()),
  createdBy: Type.String(),
  createdAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
});
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem, 429: Problem };
const ID_RE = /^w_[A-Za-z0-9]{12}$/;

/** A malformed id names no workspace: the same 404 as one the caller may not see. */
function checkWorkspaceId(id: string): void {
  if (!ID_RE.test(id)) throw new PollcastError('workspace_not_found');
}

export async function workspaceRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const accounts = deps.accounts;
  const auth = deps.auth ?? null;
  if (!accounts || !auth) return;
  const writes = deps.config.rateLimit.writesPerMinute;
  const who = (req: Parameters<typeof principalOf>[0]) => principalOf(req, auth);

  app.get('/v1/workspaces', { schema: { summary: 'Your workspaces', tags: ['workspaces'], response: { 200: Type.Object({ workspaces: Type.Array(WorkspaceView) }), ...problems } } }, async (req) => ({
    workspaces: await accounts.listWorkspaces(await who(req)),
  }));

  app.post<{ Body: { name: string } }>(
    '/v1/workspaces',
    { schema: { summary: 'Create a workspace (you become its owner)', tags: ['workspaces'], body: Type.Object({ name: Name }, strict), response: { 201: Type.Object({ workspace: WorkspaceView }), ...problems } } },
    async (req, reply) => {
      await limitOrThrow(deps.limiter, reply, 'writes:' + req.ip, writes);
      reply.code(201);
      return { workspace: await accounts.createWorkspace(await who(req), req.body.name) };
    },
  );

  app.get<{ Params: Static<typeof Params> }>(
    '/v1/workspaces/:workspaceId',
    { schema: { summary: 'A workspace and your role in it', tags: ['workspaces'], params: Params, response: { 200: Type.Object({ workspace: WorkspaceView }), ...problems } } },
    async (req) => {
      checkWorkspaceId(req.params.workspaceId);
      return { workspace: await accounts.getWorkspace(await who(req), req.params.workspaceId) };
    },
  );

  app.get<{ Params: Static<typeof Params>; Querystring: { limit?: string; before?: string } }>(
    '/v1/workspaces/:workspaceId/polls',
    {
      schema: {
        summary: "The workspace's polls, newest first",
        tags: ['workspaces'],
        params: Params,
        querystring: Type.Object({ limit: Type.Optional(Type.String({ pattern: '^(?:[1-9]|[1-9][0-9]|1[0-9][0-9]|200)$', description: '1–200, default 50' })), before: Type.Optional(Type.String({ format: 'date-time', maxLength: 64 })) }, strict),
        response: { 200: Type.Object({ polls: Type.Array(PollView), next: Type.Union([Type.String(), Type.Null()]) }), ...problems },
      },
    },
    async (req) => {
      checkWorkspaceId(req.params.workspaceId);
      const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
      const page = await deps.polls.listInWorkspace(await who(req), req.params.workspaceId, {
        limit,
        ...(req.query.before !== undefined ? { before: Date.parse(req.query.before) } : {}),
      });
      const now = Date.now();
      return { polls: page.polls.map((p) => publicPoll(p, now)), next: page.next === null ? null : new Date(page.next).toISOString() };
    },
  );

  app.get<{ Params: Static<typeof Params> }>(
    '/v1/workspaces/:workspaceId/members',
    { schema: { summary: 'Members and their roles', tags: ['workspaces'], params: Params, response: { 200: Type.Object({ members: Type.Array(MemberView) }), ...problems } } },
    async (req) => {
      checkWorkspaceId(req.params.workspaceId);
      return { members: await accounts.listMembers(await who(req), req.params.workspaceId) };
    },
  );

  app.patch<{ Params: Static<typeof MemberParams>; Body: { role: (typeof WORKSPACE_ROLES)[number] } }>(
    '/v1/workspaces/:workspaceId/members/:userId',
    {
      schema: { summary: "Change a member's role (owner)", tags: ['workspaces'], params: MemberParams, body: Type.Object({ role: lit(WORKSPACE_ROLES) }, strict), response: { 200: Type.Object({ member: MemberView }), ...problems } },
    },
    async (req) => {
      checkWorkspaceId(req.params.workspaceId);
      return { member: await accounts.setMember(await who(req), req.params.workspaceId, req.params.userId, req.body.role) };
    },
  );

  app.delete<{ Params: Static<typeof MemberParams> }>(
    '/v1/workspaces/:workspaceId/members/:userId',
    { schema: { summary: 'Remove a member (owner), or leave (yourself)', tags: ['workspaces'], params: MemberParams, response: { 204: Type.Null(), ...problems } } },
    async (req, reply) => {
      checkWorkspaceId(req.params.workspaceId);
      await accounts.removeMember(await who(req), req.params.workspaceId, req.params.userId);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: Static<typeof Params> }>(
    '/v1/workspaces/:workspaceId/api-keys',
    { schema: { summary: 'API keys (owner); secrets are never shown again', tags: ['workspaces'], params: Params, response: { 200: Type.Object({ apiKeys: Type.Array(ApiKeyView) }), ...problems } } },
    async (req) => {
      checkWorkspaceId(req.params.workspaceId);
      return { apiKeys: await accounts.listApiKeys(await who(req), req.params.workspaceId) };
    },
  );

  app.post<{ Params: Static<typeof Params>; Body: { name: string; scopes: Array<(typeof API_KEY_SCOPES)[number]> } }>(
    '/v1/workspaces/:workspaceId/api-keys',
    {
      schema: {
        summary: 'Create an API key (owner); the key is in this answer only',
        tags: ['workspaces'],
        params: Params,
        body: Type.Object({ name: Name, scopes: Type.Array(lit(API_KEY_SCOPES), { minItems: 1, maxItems: API_KEY_SCOPES.length }) }, strict),
        response: { 201: Type.Object({ apiKey: ApiKeyView, key: Type.String() }), ...problems },
      },
    },
    async (req, reply) => {
      checkWorkspaceId(req.params.workspaceId);
      await limitOrThrow(deps.limiter, reply, 'writes:' + req.ip, writes);
      reply.code(201).header('cache-control', 'no-store');
      return accounts.createApiKey(await who(req), req.params.workspaceId, req.body.name, req.body.scopes);
    },
  );

  app.delete<{ Params: Static<typeof KeyParams> }>(
    '/v1/workspaces/:workspaceId/api-keys/:keyId',
    { schema: { summary: 'Revoke an API key (owner)', tags: ['workspaces'], params: KeyParams, response: { 204: Type.Null(), ...problems } } },
    async (req, reply) => {
      checkWorkspaceId(req.params.workspaceId);
      await accounts.revokeApiKey(await who(req), req.params.workspaceId, req.params.keyId);
      return reply.code(204).send();
    },
  );

  // Adding members: by invitation only (the invitee accepts).
  await invitationRoutes(app, deps);
}

export { WorkspaceId };
