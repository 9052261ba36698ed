/**
 * The delivery log of a webhook endpoint and replay (owners, like the endpoints themselves): list
 * deliveries with their status codes, one delivery with every attempt, replay one, replay a time
 * range. A replay sends the same body with the same `webhook-id`.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { DELIVERY_STATUSES } from '../../domain/delivery.js';
import { PollcastError } from '../../errors.js';
import { principalOf } from '../caller.js';
import type { HttpDeps } from '../deps.js';
import { limitOrThrow } from '../rate-guard.js';
import { Problem } from '../schemas.js';

const HookParams = Type.Object({
  workspaceId: Type.String({ maxLength: 64 }),
  webhookId: Type.String({ maxLength: 64 }),
});
const DeliveryParams = Type.Object({
  workspaceId: Type.String({ maxLength: 64 }),
  webhookId: Type.String({ maxLength: 64 }),
  deliveryId: Type.String({ maxLength: 64 }),
});
const Status = Type.Unsafe<(typeof DELIVERY_STATUSES)[number]>({ type: 'string', enum: [...DELIVERY_STATUSES] });
const ListQuery = Type.Object(
  {
    status: Type.Optional(Status),
    before: Type.Optional(
      Type.String({ format: 'date-time', description: 'page backwards: deliveries created before this time' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);
const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(t: T) =>
  Type.Union([t, Type.Null()]);
const DeliveryView = Type.Object({
  id: Type.String(),
  eventId: Type.String({ description: 'sent as webhook-id, the same on every attempt and replay' }),
  eventType: Type.String(),
  status: Status,
  attempts: Type.Integer(),
  lastStatus: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  lastDurationMs: Nullable(Type.Integer()),
  createdAt: Type.String(),
  nextAttemptAt: Nullable(Type.String()),
  deliveredAt: Nullable(Type.String()),
});
const AttemptView = Type.Object({
  attempt: Type.Integer(),
  at: Type.String(),
  ok: Type.Boolean(),
  status: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  durationMs: Type.Integer(),
});
const RangeBody = Type.Object(
  {
    from: Type.String({ format: 'date-time' }),
    to: Type.String({ format: 'date-time' }),
    onlyFailed: Type.Optional(
      Type.Boolean({ default: true, description: 'true: only dead deliveries; false: every delivered or dead one' }),
    ),
  },
  { additionalProperties: false },
);
const Replayed = Type.Object({ replayed: Type.Integer() });
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 422: Problem, 429: Problem };
const WS_RE = /^w_[A-Za-z0-9]{12}$/;

function checkWorkspaceId(id: string): void {
  if (!WS_RE.test(id)) throw new PollcastError('workspace_not_found');
}

function time(v: string, field: string): number {
  const ms = Date.parse(v);
  if (!Number.isFinite(ms))
    throw new PollcastError('invalid_time_range', `${field} is not an ISO 8601 time`, { field });
  return ms;
}

export async function webhookDeliveryRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const hooks = deps.webhooks;
  const auth = deps.auth ?? null;
  if (!hooks || !auth) return;
  const writes = deps.config.rateLimit.writesPerMinute;
  const who = (req: Parameters<typeof principalOf>[0]) => principalOf(req, auth);

  app.get<{ Params: Static<typeof HookParams>; Querystring: Static<typeof ListQuery> }>(
    '/v1/workspaces/:workspaceId/webhooks/:webhookId/deliveries',
    {
      schema: {
        summary: 'The delivery log of a webhook endpoint (owner), newest first',
        description:
          'Each delivery: its event, status (pending, delivered, dead), attempts, the last status code, error and response time. Kept 30 days after it ends.',
        tags: ['webhooks'],
        params: HookParams,
        querystring: ListQuery,
        response: { 200: Type.Object({ deliveries: Type.Array(DeliveryView) }), ...problems },
      },
    },
    async (req, reply) => {
      checkWorkspaceId(req.params.workspaceId);
      reply.header('cache-control', 'no-store');
      const before = req.query.before === undefined ? undefined : time(req.query.before, 'before');
      return {
        deliveries: await hooks.listDeliveries(await who(req), req.params.workspaceId, req.params.webhookId, {
          status: req.query.status,
          before,
          limit: req.query.limit ?? 50,
        }),
      };
    },
  );

  app.get<{ Params: Static<typeof DeliveryParams> }>(
    '/v1/workspaces/:workspaceId/webhooks/:webhookId/deliveries/:deliveryId',
    {
      schema: {
        summary: 'One delivery (owner): every attempt, and the body it sends',
        tags: ['webhooks'],
        params: DeliveryParams,
        response: {
          200: Type.Object({
            delivery: Type.Intersect([DeliveryView, Type.Object({ payload: Type.String() })]),
            attempts: Type.Array(AttemptView),
          }),
          ...problems,
        },
      },
    },
    async (req, reply) => {
      checkWorkspaceId(req.params.workspaceId);
      reply.header('cache-control', 'no-store');
      return hooks.getDelivery(await who(req), req.params.workspaceId, req.params.webhookId, req.params.deliveryId);
    },
  );

  app.post<{ Params: Static<typeof DeliveryParams> }>(
    '/v1/workspaces/:workspaceId/webhooks/:webhookId/deliveries/:deliveryId/replay',
    {
      schema: {
        summary: 'Send one delivery again (owner): same body, same webhook-id, a fresh round of retries',
        description: 'A delivery still pending is left as it is (replayed: 0).',
        tags: ['webhooks'],
        params: DeliveryParams,
        response: { 202: Replayed, ...problems },
      },
    },
    async (req, reply) => {
      checkWorkspaceId(req.params.workspaceId);
      await limitOrThrow(deps.limiter, reply, 'writes:' + req.ip, writes);
      const r = await hooks.replayDelivery(
        await who(req),
        req.params.workspaceId,
        req.params.webhookId,
        req.params.deliveryId,
      );
      reply.code(202);
      return r;
    },
  );

  app.post<{ Params: Static<typeof HookParams>; Body: Static<typeof RangeBody> }>(
    '/v1/workspaces/:workspaceId/webhooks/:webhookId/replay',
    {
      schema: {
        summary: 'Send again the deliveries created in a time range (owner): by default the dead ones only',
        description:
          'Deliveries created at or after `from` and before `to`, at most 10,000 per call; pending ones are left as they are.',
        tags: ['webhooks'],
        params: HookParams,
        body: RangeBody,
        response: { 202: Replayed, ...problems },
      },
    },
    async (req, reply) => {
      checkWorkspaceId(req.params.workspaceId);
      await limitOrThrow(deps.limiter, reply, 'writes:' + req.ip, writes);
      const range = {
        from: time(req.body.from, 'from'),
        to: time(req.body.to, 'to'),
        onlyFailed: req.body.onlyFailed ?? true,
      };
      const r = await hooks.replayRange(await who(req), req.params.workspaceId, req.params.webhookId, range);
      reply.code(202);
      return r;
    },
  );
}
