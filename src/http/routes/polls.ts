/** Poll management: create, read, edit (draft), open, close, delete, analytics, invites, challenges. */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { isPollId } from '../../domain/ids.js';
import { LIMITS, publicPoll } from '../../domain/poll.js';
import { PollcastError } from '../../errors.js';
import { callerOf } from '../caller.js';
import type { HttpDeps } from '../deps.js';
import { limitOrThrow, spendOrThrow } from '../rate-guard.js';
import { CreatePollBody, EditPollBody, PollParams, PollView, Problem } from '../schemas.js';

const PollAnswer = Type.Object({ poll: PollView });
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem, 429: Problem };
/** Quick polls: the owner token; workspace polls: a session (with X-CSRF-Token) or an API key. */
const security: Array<Record<string, string[]>> = [{ ownerToken: [] }, { apiKey: [] }, { session: [] }];
/** Invite codes are counted against RATE_LIMIT_INVITES_PER_HOUR in blocks of this many (a request for 1 spends a block). */
export const INVITE_BUDGET_BLOCK = 1_000;
const HOUR_MS = 3_600_000;

export function checkPollId(id: string): void {
  if (!isPollId(id)) throw new PollcastError('poll_not_found');
}

export async function pollRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const { polls } = deps;
  const auth = deps.auth ?? null;
  const writes = deps.config.rateLimit.writesPerMinute;
  const invitesPerHour = deps.config.rateLimit.invitesPerHour;

  app.post<{ Body: CreatePollBody }>(
    '/v1/polls',
    {
      schema: {
        summary: 'Create a poll',
        description: 'Without workspaceId: a quick poll, managed with the ownerToken in the answer (shown once). With workspaceId: a workspace poll (editor, owner, or an API key with polls:write); ownerToken is null.',
        tags: ['polls'],
        body: CreatePollBody,
        response: { 201: Type.Object({ poll: PollView, ownerToken: Type.Union([Type.String(), Type.Null()]) }), ...problems },
      },
    },
    async (req, reply) => {
      await limitOrThrow(deps.limiter, reply, 'writes:' + req.ip, writes);
      const { poll, ownerToken } = await polls.create(req.body, await callerOf(req, auth));
      reply.code(201).header('location', `/v1/polls/${poll.id}`);
      return { poll: publicPoll(poll, Date.now()), ownerToken };
    },
  );

  app.get<{ Params: PollParams }>(
    '/v1/polls/:pollId',
    { schema: { summary: 'Get a poll', tags: ['polls'], params: PollParams, response: { 200: PollAnswer, ...problems } } },
    async (req) => {
      checkPollId(req.params.pollId);
      return { poll: publicPoll(await polls.get(req.params.pollId, await callerOf(req, auth)), Date.now()) };
    },
  );

  app.patch<{ Params: PollParams; Body: EditPollBody }>(
    '/v1/polls/:pollId',
    {
      schema: { summary: 'Edit a draft poll (manager)', tags: ['polls'], params: PollParams, body: EditPollBody, security, response: { 200: PollAnswer, ...problems } },
    },
    async (req) => {
      checkPollId(req.params.pollId);
      return { poll: publicPoll(await polls.edit(req.params.pollId, await callerOf(req, auth), req.body), Date.now()) };
    },
  );

  for (const [action, to] of [['open', 'open'], ['close', 'closed']] as const) {
    app.post<{ Params: PollParams }>(
      `/v1/polls/:pollId/${action}`,
      { schema: { summary: `${action === 'open' ? 'Open (or reopen)' : 'Close'} a poll (manager)`, tags: ['polls'], params: PollParams, security, response: { 200: PollAnswer, ...problems } } },
      async (req) => {
        checkPollId(req.params.pollId);
        return { poll: publicPoll(await polls.setStatus(req.params.pollId, await callerOf(req, auth), to), Date.now()) };
      },
    );
  }

  app.delete<{ Params: PollParams }>(
    '/v1/polls/:pollId',
    { schema: { summary: 'Delete a poll and its votes (manager)', tags: ['polls'], params: PollParams, security, response: { 204: Type.Null(), ...problems } } },
    async (req, reply) => {
      checkPollId(req.params.pollId);
      await polls.delete(req.params.pollId, await callerOf(req, auth));
      return reply.code(204).send();
    },
  );

  app.get<{ Params: PollParams }>(
    '/v1/polls/:pollId/analytics',
    {
      schema: {
        summary: 'Votes per minute (manager or workspace viewer)',
        tags: ['polls'],
        params: PollParams,
        security,
        response: { 200: Type.Object({ pollId: Type.String(), minutes: Type.Array(Type.Object({ minute: Type.String(), votes: Type.Integer() })) }), ...problems },
      },
    },
    async (req) => {
      checkPollId(req.params.pollId);
      const { poll, minutes } = await polls.minuteCounts(req.params.pollId, await callerOf(req, auth));
      return { pollId: poll.id, minutes };
    },
  );

  app.post<{ Params: PollParams; Body: { count: number } }>(
    '/v1/polls/:pollId/invites',
    {
      schema: {
        summary: 'Issue one-time invite codes (manager; invite polls)',
        description: `Up to ${LIMITS.invitesPerRequest} codes per request; each code is good for one vote. The codes are shown only in this answer: the server keeps only how many were issued. Each address may issue RATE_LIMIT_INVITES_PER_HOUR codes in any hour (counted in blocks of ${INVITE_BUDGET_BLOCK}); beyond it the answer is 429 rate_limited with Retry-After.`,
        tags: ['polls'],
        params: PollParams,
        body: Type.Object({ count: Type.Integer({ minimum: 1, maximum: LIMITS.invitesPerRequest }) }, { additionalProperties: false }),
        security,
        response: { 201: Type.Object({ pollId: Type.String(), codes: Type.Array(Type.String()), issued: Type.Integer() }), ...problems },
      },
    },
    async (req, reply) => {
      checkPollId(req.params.pollId);
      await limitOrThrow(deps.limiter, reply, 'writes:' + req.ip, writes);
      // The per-address budget of codes, in blocks: the limiter counts hits, one per block.
      const spend = (count: number) => spendOrThrow(deps.limiter, reply, 'invites:' + req.ip, Math.ceil(count / INVITE_BUDGET_BLOCK), Math.ceil(invitesPerHour / INVITE_BUDGET_BLOCK), HOUR_MS);
      const r = await polls.issueInvites(req.params.pollId, await callerOf(req, auth), req.body.count, spend);
      // The body is built slice by slice as the codes come (a code is base32 and dashes: JSON as is),
      // so no single serialization of 100,000 strings holds the event loop either.
      const parts: string[] = [];
      for await (const slice of r.slices) parts.push('"' + slice.join('","') + '"');
      reply.code(201).type('application/json; charset=utf-8');
      return `{"pollId":${JSON.stringify(req.params.pollId)},"codes":[${parts.join(',')}],"issued":${r.issued}}`;
    },
  );

  const pow = deps.pow;
  if (pow) {
    app.get<{ Params: PollParams }>(
      '/v1/polls/:pollId/challenge',
      {
        schema: {
          summary: 'A proof-of-work challenge for the next vote',
          description:
            'For polls with powDifficulty > 0: find any `solution` (1–64 characters) such that SHA-256(challenge + ":" + solution) begins with `difficulty` zero bits, ' +
            'then send `pow: {challenge, solution}` with the vote. Each challenge is good for one vote until expiresAt.',
          tags: ['votes'],
          params: PollParams,
          response: { 200: Type.Object({ challenge: Type.String(), difficulty: Type.Integer(), expiresAt: Type.String(), algorithm: Type.String() }), ...problems },
        },
      },
      async (req, reply) => {
        checkPollId(req.params.pollId);
        const poll = await polls.get(req.params.pollId, await callerOf(req, auth));
        const c = pow.issue(poll.id, poll.powDifficulty, Date.now(), deps.config.auth.powChallengeTtlMs);
        reply.header('cache-control', 'no-store');
        return { challenge: c.challenge, difficulty: c.difficulty, expiresAt: new Date(c.expiresAt).toISOString(), algorithm: 'sha256-leading-zero-bits' };
      },
    );
  }
}
