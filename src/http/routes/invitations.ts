/**
 * Workspace invitations. An owner invites an email address; the answer is the same for every
 * address (whether or not it has an account), and the person becomes a member only by accepting
 * while logged in with that email. With e-mail on (SMTP_URL) the invitation is also mailed, through
 * the delivery queue (docs/email.md); either way the invitee finds it under `GET /v1/me/invitations`
 * (and in the web app's account page).
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { WORKSPACE_ROLES } from '../../ports/account-store.js';
import { PollcastError } from '../../errors.js';
import { principalOf } from '../caller.js';
import type { HttpDeps } from '../deps.js';
import { limitOrThrow } from '../rate-guard.js';
import { Problem } from '../schemas.js';

const strict = { additionalProperties: false } as const;
const Role = Type.Unsafe<(typeof WORKSPACE_ROLES)[number]>({ type: 'string', enum: [...WORKSPACE_ROLES] });
const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' });
const Params = Type.Object({ workspaceId: Type.String({ maxLength: 64 }) });
const InvitationParams = Type.Object({ workspaceId: Type.String({ maxLength: 64 }), invitationId: Type.String({ maxLength: 64 }) });
const MyInvitationParams = Type.Object({ invitationId: Type.String({ maxLength: 64 }) });
const InvitationView = Type.Object({ id: Type.String(), email: Type.String(), role: Type.String(), invitedBy: Type.String(), createdAt: Type.String(), expiresAt: Type.String() });
const WorkspaceView = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Type.String(), role: Type.String() });
const MyInvitationView = Type.Object({
  id: Type.String(),
  workspace: Type.Object({ id: Type.String(), name: Type.String(), createdAt: Type.String() }),
  role: Type.String(),
  createdAt: Type.String(),
  expiresAt: Type.String(),
});
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem, 429: Problem };
const WORKSPACE_ID_RE = /^w_[A-Za-z0-9]{12}$/;
const INVITATION_ID_RE = /^i_[A-Za-z0-9]{16}$/;

function checkIds(workspaceId: string | undefined, invitationId: string | undefined): void {
  if (workspaceId !== undefined && !WORKSPACE_ID_RE.test(workspaceId)) throw new PollcastError('workspace_not_found');
  if (invitationId !== undefined && !INVITATION_ID_RE.test(invitationId)) throw new PollcastError('invitation_not_found');
}

export async function invitationRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const accounts = deps.accounts;
  const auth = deps.auth ?? null;
  if (!accounts || !auth) return;
  const writes = deps.config.rateLimit.writesPerMinute;
  const who = (req: Parameters<typeof principalOf>[0]) => principalOf(req, auth);

  app.post<{ Params: Static<typeof Params>; Body: { email: string; role: (typeof WORKSPACE_ROLES)[number] } }>(
    '/v1/workspaces/:workspaceId/invitations',
    {
      schema: {
        summary: 'Invite someone by email (owner); they become a member when they accept',
        description: 'The answer is the same whether or not an account has this email. Inviting the same email again renews the pending invitation (new role, new expiry, same id). With e-mail on, the invitation is mailed to the address; the invitee also sees it under GET /v1/me/invitations once logged in with that address (and, with e-mail on, must have confirmed it: 403 email_not_verified).',
        tags: ['workspaces'],
        params: Params,
        body: Type.Object({ email: Email, role: Role }, strict),
        response: { 202: Type.Object({ invitation: InvitationView }), ...problems },
      },
    },
    async (req, reply) => {
      checkIds(req.params.workspaceId, undefined);
      await limitOrThrow(deps.limiter, reply, 'writes:' + req.ip, writes);
      const invitation = await accounts.invite(await who(req), req.params.workspaceId, req.body.email, req.body.role);
      reply.code(202);
      return { invitation };
    },
  );

  app.get<{ Params: Static<typeof Params> }>(
    '/v1/workspaces/:workspaceId/invitations',
    { schema: { summary: 'Pending invitations (owner)', tags: ['workspaces'], params: Params, response: { 200: Type.Object({ invitations: Type.Array(InvitationView) }), ...problems } } },
    async (req) => {
      checkIds(req.params.workspaceId, undefined);
      return { invitations: await accounts.listInvitations(await who(req), req.params.workspaceId) };
    },
  );

  app.delete<{ Params: Static<typeof InvitationParams> }>(
    '/v1/workspaces/:workspaceId/invitations/:invitationId',
    { schema: { summary: 'Withdraw a pending invitation (owner)', tags: ['workspaces'], params: InvitationParams, response: { 204: Type.Null(), ...problems } } },
    async (req, reply) => {
      checkIds(req.params.workspaceId, req.params.invitationId);
      await accounts.revokeInvitation(await who(req), req.params.workspaceId, req.params.invitationId);
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/me/invitations',
    { schema: { summary: 'Invitations waiting for you (matched by your email)', tags: ['accounts'], response: { 200: Type.Object({ invitations: Type.Array(MyInvitationView) }), ...problems } } },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return { invitations: await accounts.myInvitations(await who(req)) };
    },
  );

  app.post<{ Params: Static<typeof MyInvitationParams> }>(
    '/v1/me/invitations/:invitationId/accept',
    { schema: { summary: 'Accept an invitation: you join the workspace with its role', tags: ['accounts'], params: MyInvitationParams, response: { 200: Type.Object({ workspace: WorkspaceView }), ...problems } } },
    async (req) => {
      checkIds(undefined, req.params.invitationId);
      return { workspace: await accounts.acceptInvitation(await who(req), req.params.invitationId) };
    },
  );

  app.post<{ Params: Static<typeof MyInvitationParams> }>(
    '/v1/me/invitations/:invitationId/decline',
    { schema: { summary: 'Decline an invitation', tags: ['accounts'], params: MyInvitationParams, response: { 204: Type.Null(), ...problems } } },
    async (req, reply) => {
      checkIds(undefined, req.params.invitationId);
      await accounts.declineInvitation(await who(req), req.params.invitationId);
      return reply.code(204).send();
    },
  );
}
