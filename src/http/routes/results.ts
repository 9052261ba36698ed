/** Results: a snapshot, and a live SSE stream of coalesced updates. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { canSeeResults, type Poll } from '../../domain/poll.js';
import { PollcastError } from '../../errors.js';
import type { HttpDeps } from '../deps.js';
import { callerOf } from '../caller.js';
import { PollParams, Problem, ResultsView } from '../schemas.js';
import { checkPollId } from './polls.js';
import { SseViewer } from '../../realtime/sse-viewer.js';

const OwnerQuery = Type.Object({ ownerToken: Type.Optional(Type.String({ maxLength: 512 })) }, { additionalProperties: false });

export async function resultsRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const { polls, results } = deps;
  const auth = deps.auth ?? null;

  /** Owners may pass the token as a query parameter because EventSource cannot send headers. */
  const authorize = async (req: FastifyRequest<{ Params: { pollId: string }; Querystring: { ownerToken?: string } }>): Promise<Poll> => {
    checkPollId(req.params.pollId);
    const caller = await callerOf(req, auth);
    if (caller.bearer === undefined && req.query.ownerToken !== undefined) caller.bearer = req.query.ownerToken;
    const poll = await polls.get(req.params.pollId, caller);
    const live = canSeeResults(poll, false, Date.now());
    if (!live && !(await polls.mayRead(poll, caller))) {
      throw new PollcastError('results_hidden', poll.resultsVisibility === 'after_close' ? 'results are shown when the poll closes' : 'only the owner sees these results');
    }
    return poll;
  };

  app.get<{ Params: PollParams; Querystring: { ownerToken?: string } }>(
    '/v1/polls/:pollId/results',
    { schema: { summary: 'Current results', tags: ['results'], params: PollParams, querystring: OwnerQuery, response: { 200: ResultsView, 400: Problem, 401: Problem, 403: Problem, 404: Problem } } },
    async (req, reply) => {
      const poll = await authorize(req);
      const r = await results.get(poll.id);
      if (!r) throw new PollcastError('poll_not_found');
      reply.header('cache-control', 'no-store');
      return r;
    },
  );

  const hub = deps.hub;
  if (!hub) return;
  app.get<{ Params: PollParams; Querystring: { ownerToken?: string } }>(
    '/v1/polls/:pollId/results/stream',
    {
      schema: {
        summary: 'Live results (Server-Sent Events)',
        description:
          'First event: the full current state. Then `results` events, coalesced to at most 10 per second per poll, each with the results version as its id; ' +
          'send Last-Event-ID to resume. Comments (`: hb`) keep proxies open. On shutdown: `event: close` with a `retry:` hint.',
        tags: ['results'],
        params: PollParams,
        querystring: OwnerQuery,
        produces: ['text/event-stream'],
        response: { 200: Type.String({ description: 'text/event-stream' }), 400: Problem, 403: Problem, 404: Problem, 503: Problem },
      },
    },
    async (req, reply) => {
      const poll = await authorize(req);
      const lastId = req.headers['last-event-id'];
      const parsed = typeof lastId === 'string' && /^\d{1,15}$/.test(lastId) ? Number(lastId) : null;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const socket = raw.socket;
      if (socket === null || socket.destroyed) return;
      socket.setNoDelay(true);
      const leave = await hub.join(poll.id, new SseViewer(raw, socket), parsed);
      if (raw.destroyed || raw.writableEnded) leave();
      else raw.on('close', leave);
    },
  );
}
