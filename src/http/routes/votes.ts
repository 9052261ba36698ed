/** Casting a vote, and reading one's own. The answer bytes come from the vote service as-is. */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { PollcastError } from '../../errors.js';
import { ballotView } from '../../domain/ballot.js';
import type { HttpDeps } from '../deps.js';
import { PROBLEM_TYPE } from '../problem.js';
import { callerOf, principalOf } from '../caller.js';
import { bearerToken, isSecure, voterCookie, voterToken } from '../request-context.js';
import { PollParams, Problem, VoteBody, VoteReceipt, VoterId } from '../schemas.js';
import { checkPollId } from './polls.js';
import { rateLimitHeader } from '../rate-limit-header.js';

const asIs = (s: unknown) => s as string;

export async function voteRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const votes = deps.votes;
  if (!votes) return;
  const secure = deps.config.http.cookieSecure;
  const auth = deps.auth ?? null;

  app.post<{ Params: PollParams; Body: VoteBody }>(
    '/v1/polls/:pollId/votes',
    {
      schema: {
        summary: 'Cast a vote',
        description:
          '201 counted; 409 already voted (the body says what is counted) or poll closed/not open; 422 bad ballot. ' +
          'Single, multiple and quiz: `optionIds`; ranked: `optionIds` in order of preference (at most maxRank); rating and nps: `value` (a whole number on the scale); text: `text` (the 201 carries its `answerId`). ' +
          'A quiz answer after its time limit is 409 answer_too_late. ' +
          'Send Idempotency-Key to make retries safe. In device mode the answer carries voterToken; send it back in X-Voter-Token or the cookie.',
        tags: ['votes'],
        params: PollParams,
        body: VoteBody,
        headers: Type.Object({
          // Overlong values are checked by the vote service, so they get their own codes (idempotency_key_invalid, voter_token_invalid).
          'idempotency-key': Type.Optional(Type.String()),
          'x-voter-token': Type.Optional(Type.String()),
          'x-csrf-token': Type.Optional(Type.String({ maxLength: 200 })),
        }),
        response: { 201: VoteReceipt, 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem, 429: Problem, 503: Problem },
      },
    },
    async (req, reply) => {
      checkPollId(req.params.pollId);
      const key = req.headers['idempotency-key'];
      const answer = await votes.cast({
        pollId: req.params.pollId,
        optionIds: req.body.optionIds,
        value: req.body.value,
        text: req.body.text,
        voterId: req.body.voterId,
        voterToken: voterToken(req),
        inviteCode: req.body.inviteCode,
        pow: req.body.pow,
        idempotencyKey: typeof key === 'string' ? key : undefined,
        ip: req.ip,
        bearer: bearerToken(req),
        principal: () => principalOf(req, auth),
      });
      if (answer.voterToken) reply.header('set-cookie', voterCookie(answer.voterToken, isSecure(req, secure)));
      if (answer.rate) reply.header('ratelimit', rateLimitHeader(answer.rate));
      // The body is already JSON: send the stored bytes without re-serializing.
      const { status, body } = answer.response;
      return reply
        .code(status)
        .type(status >= 400 ? PROBLEM_TYPE : 'application/json; charset=utf-8')
        .serializer(asIs)
        .send(body);
    },
  );

  app.get<{ Params: PollParams; Querystring: { voterId?: string; inviteCode?: string } }>(
    '/v1/polls/:pollId/votes/me',
    {
      schema: {
        summary: "The caller's counted vote",
        tags: ['votes'],
        params: PollParams,
        querystring: Type.Object(
          { voterId: Type.Optional(VoterId), inviteCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ pollId: Type.String(), receiptId: Type.String(), optionIds: Type.Array(Type.String()), value: Type.Optional(Type.Integer()), countedAt: Type.String() }), 400: Problem, 401: Problem, 403: Problem, 404: Problem, 422: Problem },
      },
    },
    async (req) => {
      checkPollId(req.params.pollId);
      const poll = await deps.polls.get(req.params.pollId, await callerOf(req, auth));
      const vote = await votes.findVote(poll, {
        ip: req.ip,
        voterToken: voterToken(req),
        voterId: req.query.voterId,
        inviteCode: req.query.inviteCode,
        bearer: bearerToken(req),
        principal: () => principalOf(req, auth),
      });
      if (!vote) throw new PollcastError('not_found', 'this voter has not voted in this poll');
      return { pollId: poll.id, receiptId: vote.receiptId, ...ballotView(vote.optionIds), countedAt: new Date(vote.at).toISOString() };
    },
  );
}
