/** Results: a snapshot, and a live SSE stream of coalesced updates. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { canSeeResults, type Poll } from '../../domain/poll.js';
import { PollcastError } from '../../errors.js';
import type { HttpDeps } from '../deps.js';
import { callerOf } from '../caller.js';
import { PollParams, Problem, ResultsView } from '../schemas.js';
import { checkPollId } from './polls.js';
import type { LiveStreams } from '../live-stream.js';

const OwnerQuery = Type.Object({ ownerToken: Type.Optional(Type.String({ maxLength: 512 })) }, { additionalProperties: false });

export async function resultsRoutes(app: FastifyInstance, deps: HttpDeps, streams: LiveStreams): Promise<void> {
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
  // Open streams per client address (req.ip: behind TRUST_PROXY, the real client), in this process.
  app.get<{ Params: PollParams; Querystring: { ownerToken?: string } }>(
    '/v1/polls/:pollId/results/stream',
    {
      schema: {
        summary: 'Live results (Server-Sent Events)',
        description:
          'First event: the full current state. Then `results` events, coalesced to at most 10 per second per poll, each with the results version as its id; ' +
          'send Last-Event-ID to resume. Comments (`: hb`) keep proxies open. On shutdown: `event: close` with a `retry:` hint. ' +
          'One client address may hold HTTP_MAX_STREAMS_PER_ADDRESS streams at once; beyond that, 429 `too_many_streams` with Retry-After.',
        tags: ['results'],
        params: PollParams,
        querystring: OwnerQuery,
        produces: ['text/event-stream'],
        response: { 200: Type.String({ description: 'text/event-stream' }), 400: Problem, 403: Problem, 404: Problem, 429: Problem, 503: Problem },
      },
    },
    async (req, reply) => {
      await streams.open(req, reply, hub, async () => (await authorize(req)).id);
    },
  );
}
