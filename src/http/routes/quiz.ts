/** Quizzes in an event: a participant's nickname, the leaderboard, and a participant's own standing. */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { HttpDeps } from '../deps.js';
import { isSecure, voterCookie, voterToken } from '../request-context.js';
import { EventParams, LeaderboardEntryView, NicknameBody, Problem } from '../schemas.js';
import { limitOrThrow } from '../rate-guard.js';

const problems = { 400: Problem, 401: Problem, 404: Problem, 409: Problem, 422: Problem, 429: Problem };

export async function quizRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const quiz = deps.quiz;
  if (!quiz) return;
  const secure = deps.config.http.cookieSecure;
  // A room of phones shares one address (a lecture hall's NAT): joining is limited like voting, by the high per-address ceiling.
  const perAddress = deps.config.rateLimit.ipPerMinute;

  app.post<{ Params: EventParams; Body: NicknameBody }>(
    '/v1/events/:eventId/players',
    {
      schema: {
        summary: 'Join the quiz with a nickname',
        description:
          'Sets (or changes) the caller\'s nickname in the event: the phone is the device voter of its token (X-Voter-Token or the cookie; a new one is issued here if absent). ' +
          '409 nickname_taken (compared without case and accents), 422 nickname_offensive or nickname_invalid.',
        tags: ['quiz'],
        params: EventParams,
        body: NicknameBody,
        response: { 201: Type.Object({ nickname: Type.String(), voterToken: Type.Optional(Type.String()) }), ...problems },
      },
    },
    async (req, reply) => {
      await limitOrThrow(deps.limiter, reply, 'players:' + req.ip, perAddress);
      const player = await quiz.setNickname(req.params.eventId, req.body.nickname, voterToken(req));
      if (player.voterToken) reply.header('set-cookie', voterCookie(player.voterToken, isSecure(req, secure)));
      reply.code(201);
      return player;
    },
  );

  app.get<{ Params: EventParams; Querystring: { limit?: string } }>(
    '/v1/events/:eventId/leaderboard',
    {
      schema: {
        summary: 'The quiz leaderboard',
        description:
          "Sums of every participant's points over the event's quiz questions, from the stored scores. Ranked by score, then by the lower total time of correct answers; equal on both share a rank (1, 2, 2, 4).",
        tags: ['quiz'],
        params: EventParams,
        querystring: Type.Object({ limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]{0,4}|100000)$', description: '1–100000, default 100' })) }, { additionalProperties: false }),
        response: { 200: Type.Array(LeaderboardEntryView), ...problems },
      },
    },
    async (req) => {
      const board = await quiz.leaderboard(req.params.eventId);
      return board.slice(0, req.query.limit === undefined ? 100 : Number(req.query.limit)).map((e) => ({ nickname: e.nickname, score: e.score, rank: e.rank, correct: e.correct, answered: e.answered }));
    },
  );

  app.get<{ Params: EventParams }>(
    '/v1/events/:eventId/leaderboard/me',
    {
      schema: {
        summary: "The caller's own rank and score",
        tags: ['quiz'],
        params: EventParams,
        response: { 200: Type.Object({ nickname: Type.String(), score: Type.Integer(), rank: Type.Integer(), players: Type.Integer() }), ...problems },
      },
    },
    async (req) => quiz.standing(req.params.eventId, voterToken(req)),
  );
}
