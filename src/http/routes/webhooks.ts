/** Webhook endpoints of a workspace (owner): create (the secret is shown once), list, delete, rotate the secret. */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { WEBHOOK_EVENTS } from '../../domain/webhook-events.js';
import { PollcastError } from '../../errors.js';
import { principalOf } from '../caller.js';
import type { HttpDeps } from '../deps.js';
import { limitOrThrow } from '../rate-guard.js';
import { Problem } from '../schemas.js';

const Params = Type.Object({ workspaceId: Type.String({ maxLength: 64 }) });
const HookParams = Type.Object({ workspaceId: Type.String({ maxLength: 64 }), webhookId: Type.String({ maxLength: 64 }) });
const WebhookView = Type.Object({ id: Type.String(), url: Type.String(), events: Type.Array(Type.String()), createdAt: Type.String(), activeSecrets: Type.Integer() });
// The URL's length and the event names are checked by the service, so they get their own codes
// (webhook_url_invalid, unknown_webhook_event) instead of a generic validation_failed.
const CreateBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 10_000, description: 'an absolute http(s) URL of at most 2,048 characters on a public address' }),
    events: Type.Array(Type.String({ maxLength: 100, description: WEBHOOK_EVENTS.join(', ') }), { minItems: 1, maxItems: 20 }),
  },
  { additionalProperties: false },
);
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem, 429: Problem };
const ID_RE = /^w_[A-Za-z0-9]{12}$/;

function checkWorkspaceId(id: string): void {
  if (!ID_RE.test(id)) throw new PollcastError('workspace_not_found');
}

export async function webhookRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const hooks = deps.webhooks;
  const auth = deps.auth ?? null;
  if (!hooks || !auth) return;
  const writes = deps.config.rateLimit.writesPerMinute;
  const who = (req: Parameters<typeof principalOf>[0]) => principalOf(req, auth);

  app.get<{ Params: Static<typeof Params> }>(
    '/v1/workspaces/:workspaceId/webhooks',
    { schema: { summary: 'Webhook endpoints (owner); secrets are never shown again', tags: ['webhooks'], params: Params, response: { 200: Type.Object({ webhooks: Type.Array(WebhookView) }), ...problems } } },
    async (req) => {
      checkWorkspaceId(req.params.workspaceId);
      return { webhooks: await hooks.list(await who(req), req.params.workspaceId) };
    },
  );

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof CreateBody> }>(
    '/v1/workspaces/:workspaceId/webhooks',
    {
      schema: {
        summary: 'Add a webhook endpoint (owner); its signing secret is in this answer only',
        description: `Events: ${WEBHOOK_EVENTS.join(', ')}. Deliveries are signed the Standard Webhooks way (docs/webhooks.md).`,
        tags: ['webhooks'],
        params: Params,
        body: CreateBody,
        response: { 201: Type.Object({ webhook: WebhookView, secret: Type.String() }), ...problems },
      },
    },
    async (req, reply) => {
      checkWorkspaceId(req.params.workspaceId);
      await limitOrThrow(deps.limiter, reply, 'writes:' + req.ip, writes);
      const created = await hooks.create(await who(req), req.params.workspaceId, req.body.url, req.body.events);
      reply.code(201).header('cache-control', 'no-store');
      return created;
    },
  );

  app.post<{ Params: Static<typeof HookParams> }>(
    '/v1/workspaces/:workspaceId/webhooks/:webhookId/rotate-secret',
    {
      schema: {
        summary: 'Rotate the signing secret (owner): the new one is in this answer only; the old one keeps signing for 24 h',
        tags: ['webhooks'],
        params: HookParams,
        response: { 200: Type.Object({ webhook: WebhookView, secret: Type.String() }), ...problems },
      },
    },
    async (req, reply) => {
      checkWorkspaceId(req.params.workspaceId);
      reply.header('cache-control', 'no-store');
      return hooks.rotate(await who(req), req.params.workspaceId, req.params.webhookId);
    },
  );

  app.delete<{ Params: Static<typeof HookParams> }>(
    '/v1/workspaces/:workspaceId/webhooks/:webhookId',
    { schema: { summary: 'Delete a webhook endpoint (owner)', tags: ['webhooks'], params: HookParams, response: { 204: Type.Null(), ...problems } } },
    async (req, reply) => {
      checkWorkspaceId(req.params.workspaceId);
      await hooks.remove(await who(req), req.params.workspaceId, req.params.webhookId);
      return reply.code(204).send();
    },
  );
}
