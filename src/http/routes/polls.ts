/** Poll management: create, read, edit (draft), open, close, delete, analytics. */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { isPollId } from '../../domain/ids.js';
import { publicPoll } from '../../domain/poll.js';
import { PollcastError } from '../../errors.js';
import type { HttpDeps } from '../deps.js';
import { bearerToken } from '../request-context.js';
import { CreatePollBody, EditPollBody, PollParams, PollView, Problem } from '../schemas.js';

const PollAnswer = Type.Object({ poll: PollView });
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem };
const security = [{ ownerToken: [] }];

export function checkPollId(id: string): void {
  if (!isPollId(id)) throw new PollcastError('poll_not_found');
}

export async function pollRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const { polls } = deps;

  app.post<{ Body: CreatePollBody }>(
    '/v1/polls',
    {
      schema: {
        summary: 'Create a poll',
        tags: ['polls'],
        body: CreatePollBody,
        response: { 201: Type.Object({ poll: PollView, ownerToken: Type.String() }), ...problems },
      },
    },
    async (req, reply) => {
      const { poll, ownerToken } = await polls.create(req.body);
      reply.code(201).header('location', `/v1/polls/${poll.id}`);
      return { poll: publicPoll(poll, Date.now()), ownerToken };
    },
  );

  app.get<{ Params: PollParams }>(
    '/v1/polls/:pollId',
    { schema: { summary: 'Get a poll', tags: ['polls'], params: PollParams, response: { 200: PollAnswer, ...problems } } },
    async (req) => {
      checkPollId(req.params.pollId);
      return { poll: publicPoll(await polls.get(req.params.pollId), Date.now()) };
    },
  );

  app.patch<{ Params: PollParams; Body: EditPollBody }>(
    '/v1/polls/:pollId',
    {
      schema: { summary: 'Edit a draft poll (owner)', tags: ['polls'], params: PollParams, body: EditPollBody, security, response: { 200: PollAnswer, ...problems } },
    },
    async (req) => {
      checkPollId(req.params.pollId);
      return { poll: publicPoll(await polls.edit(req.params.pollId, bearerToken(req), req.body), Date.now()) };
    },
  );

  for (const [action, to] of [['open', 'open'], ['close', 'closed']] as const) {
    app.post<{ Params: PollParams }>(
      `/v1/polls/:pollId/${action}`,
      { schema: { summary: `${action === 'open' ? 'Open (or reopen)' : 'Close'} a poll (owner)`, tags: ['polls'], params: PollParams, security, response: { 200: PollAnswer, ...problems } } },
      async (req) => {
        checkPollId(req.params.pollId);
        return { poll: publicPoll(await polls.setStatus(req.params.pollId, bearerToken(req), to), Date.now()) };
      },
    );
  }

  app.delete<{ Params: PollParams }>(
    '/v1/polls/:pollId',
    { schema: { summary: 'Delete a poll and its votes (owner)', tags: ['polls'], params: PollParams, security, response: { 204: Type.Null(), ...problems } } },
    async (req, reply) => {
      checkPollId(req.params.pollId);
      await polls.delete(req.params.pollId, bearerToken(req));
      return reply.code(204).send();
    },
  );

  app.get<{ Params: PollParams }>(
    '/v1/polls/:pollId/analytics',
    {
      schema: {
        summary: 'Votes per minute (owner)',
        tags: ['polls'],
        params: PollParams,
        security,
        response: { 200: Type.Object({ pollId: Type.String(), minutes: Type.Array(Type.Object({ minute: Type.String(), votes: Type.Integer() })) }), ...problems },
      },
    },
    async (req) => {
      checkPollId(req.params.pollId);
      const poll = await polls.get(req.params.pollId);
      const bearer = bearerToken(req);
      if (!bearer) throw new PollcastError('owner_token_required');
      if (!polls.isOwner(poll, bearer)) throw new PollcastError('owner_token_invalid');
      return { pollId: poll.id, minutes: await deps.store.getMinuteCounts(poll.id) };
    },
  );
}
