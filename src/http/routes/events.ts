/**
 * Events: a presenter's session of questions under one short join code. Owner actions take the
 * event's owner token as `Authorization: Bearer` (it also manages every question as a poll).
 * Questions are answered and read as polls (/v1/polls/{questionId}/votes, /results).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { qaSettings, type LiveEvent } from '../../domain/event.js';
import { publicPoll, type Poll } from '../../domain/poll.js';
import { PollcastError } from '../../errors.js';
import type { HttpDeps } from '../deps.js';
import { limitOrThrow } from '../rate-guard.js';
import { callerOf } from '../caller.js';
import {
  CreateEventBody,
  EditPollBody,
  EventParams,
  EventQuestionParams,
  EventView,
  PollView,
  Problem,
  QaSettingsPatch,
  QuestionBody,
} from '../schemas.js';
import type { LiveStreams } from '../live-stream.js';

const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem, 429: Problem };
const security: Array<Record<string, string[]>> = [{ ownerToken: [] }];
const EventAnswer = Type.Object({ event: EventView });

export function eventView(ev: LiveEvent, questions: Poll[], now = Date.now()) {
  return {
    id: ev.id,
    code: ev.code,
    title: ev.title,
    currentQuestionId: ev.currentQuestionId,
    resultsShown: ev.resultsShown,
    questions: questions.map((q) => publicPoll(q, now)),
    qa: qaSettings(ev),
    createdAt: new Date(ev.createdAt).toISOString(),
    updatedAt: new Date(ev.updatedAt).toISOString(),
  };
}

export async function eventRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const events = deps.events;
  if (!events) return;
  const auth = deps.auth ?? null;
  const writes = deps.config.rateLimit.writesPerMinute;
  const view = async (id: string) => {
    const { event, questions } = await events.get(id);
    return { event: eventView(event, questions) };
  };

  app.post<{ Body: CreateEventBody }>(
    '/v1/events',
    {
      schema: {
        summary: 'Create an event',
        description:
          'An event runs many questions under one short join code (`code`, at most 8 characters, any letter case). Each question is a poll body as for POST /v1/polls ' +
          '(default status: draft, so the presenter opens voting). Keep the ownerToken: it manages the event and every question.',
        tags: ['events'],
        body: CreateEventBody,
        response: { 201: Type.Object({ event: EventView, ownerToken: Type.String() }), ...problems },
      },
    },
    async (req, reply) => {
      await limitOrThrow(deps.limiter, reply, 'writes:' + req.ip, writes);
      const { event, questions, ownerToken } = await events.create(req.body.title, req.body.questions, Date.now(), req.body.qa);
      reply.code(201).header('location', `/v1/events/${event.id}`);
      return { event: eventView(event, questions), ownerToken };
    },
  );

  app.get<{ Params: EventParams }>(
    '/v1/events/:eventId',
    {
      schema: {
        summary: 'Get an event',
        tags: ['events'],
        params: EventParams,
        response: { 200: EventAnswer, ...problems },
      },
    },
    async (req) => view(req.params.eventId),
  );

  app.get<{ Params: { code: string } }>(
    '/v1/join/:code',
    {
      schema: {
        summary: 'Find an event by its join code',
        description: 'Any letter case; spaces and dashes are ignored. 404 event_not_found for an unknown code.',
        tags: ['events'],
        params: Type.Object({ code: Type.String({ maxLength: 64 }) }),
        response: { 200: EventAnswer, ...problems },
      },
    },
    async (req) => {
      const { event, questions } = await events.join(req.params.code);
      return { event: eventView(event, questions) };
    },
  );

  app.patch<{ Params: EventParams; Body: { title?: string; qa?: QaSettingsPatch } }>(
    '/v1/events/:eventId',
    {
      schema: {
        summary: 'Rename an event or change its audience Q&A settings (owner)',
        tags: ['events'],
        params: EventParams,
        body: Type.Object(
          { title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), qa: Type.Optional(QaSettingsPatch) },
          { additionalProperties: false, minProperties: 1 },
        ),
        security,
        response: { 200: EventAnswer, ...problems },
      },
    },
    async (req) => {
      const caller = await callerOf(req, auth);
      if (req.body.title !== undefined) await events.rename(req.params.eventId, caller, req.body.title);
      if (req.body.qa !== undefined) await events.setQa(req.params.eventId, caller, req.body.qa);
      return view(req.params.eventId);
    },
  );

  app.delete<{ Params: EventParams }>(
    '/v1/events/:eventId',
    {
      schema: {
        summary: 'Delete an event and its questions (owner)',
        tags: ['events'],
        params: EventParams,
        security,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async (req, reply) => {
      await events.delete(req.params.eventId, await callerOf(req, auth));
      return reply.code(204).send();
    },
  );

  app.post<{ Params: EventParams; Body: { questionId: string | null } }>(
    '/v1/events/:eventId/current',
    {
      schema: {
        summary: 'Move the audience to a question (owner)',
        description:
          'Every phone on the join page follows. Moving to another question hides results until the presenter shows them.',
        tags: ['events'],
        params: EventParams,
        body: Type.Object(
          { questionId: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]) },
          { additionalProperties: false },
        ),
        security,
        response: { 200: EventAnswer, ...problems },
      },
    },
    async (req) => {
      await events.setCurrent(req.params.eventId, await callerOf(req, auth), req.body.questionId);
      return view(req.params.eventId);
    },
  );

  app.post<{ Params: EventParams; Body: { shown: boolean } }>(
    '/v1/events/:eventId/results',
    {
      schema: {
        summary: "Show or hide the current question's results (owner)",
        tags: ['events'],
        params: EventParams,
        body: Type.Object({ shown: Type.Boolean() }, { additionalProperties: false }),
        security,
        response: { 200: EventAnswer, ...problems },
      },
    },
    async (req) => {
      await events.showResults(req.params.eventId, await callerOf(req, auth), req.body.shown);
      return view(req.params.eventId);
    },
  );

  app.post<{ Params: EventParams; Body: { question: QuestionBody; position?: number } }>(
    '/v1/events/:eventId/questions',
    {
      schema: {
        summary: 'Add a question (owner)',
        tags: ['events'],
        params: EventParams,
        body: Type.Object(
          { question: QuestionBody, position: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })) },
          { additionalProperties: false },
        ),
        security,
        response: { 201: Type.Object({ event: EventView, question: PollView }), ...problems },
      },
    },
    async (req, reply) => {
      const { question } = await events.addQuestion(
        req.params.eventId,
        await callerOf(req, auth),
        req.body.question,
        req.body.position,
      );
      reply.code(201);
      return { ...(await view(req.params.eventId)), question: publicPoll(question, Date.now()) };
    },
  );

  app.put<{ Params: EventParams; Body: { questionIds: string[] } }>(
    '/v1/events/:eventId/order',
    {
      schema: {
        summary: 'Reorder the questions (owner)',
        tags: ['events'],
        params: EventParams,
        body: Type.Object(
          { questionIds: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 }) },
          { additionalProperties: false },
        ),
        security,
        response: { 200: EventAnswer, ...problems },
      },
    },
    async (req) => {
      await events.reorder(req.params.eventId, await callerOf(req, auth), req.body.questionIds);
      return view(req.params.eventId);
    },
  );

  app.patch<{ Params: EventQuestionParams; Body: EditPollBody }>(
    '/v1/events/:eventId/questions/:questionId',
    {
      schema: {
        summary: 'Edit a draft question (owner)',
        tags: ['events'],
        params: EventQuestionParams,
        body: EditPollBody,
        security,
        response: { 200: Type.Object({ question: PollView }), ...problems },
      },
    },
    async (req) => ({
      question: publicPoll(
        await events.editQuestion(req.params.eventId, await callerOf(req, auth), req.params.questionId, req.body),
        Date.now(),
      ),
    }),
  );

  app.delete<{ Params: EventQuestionParams }>(
    '/v1/events/:eventId/questions/:questionId',
    {
      schema: {
        summary: 'Remove a question and its votes (owner)',
        tags: ['events'],
        params: EventQuestionParams,
        security,
        response: { 200: EventAnswer, ...problems },
      },
    },
    async (req) => {
      await events.removeQuestion(req.params.eventId, await callerOf(req, auth), req.params.questionId);
      return view(req.params.eventId);
    },
  );

  for (const [action, to] of [
    ['open', 'open'],
    ['close', 'closed'],
  ] as const) {
    app.post<{ Params: EventQuestionParams }>(
      `/v1/events/:eventId/questions/:questionId/${action}`,
      {
        schema: {
          summary: `${action === 'open' ? 'Open' : 'Close'} voting on a question (owner)`,
          tags: ['events'],
          params: EventQuestionParams,
          security,
          response: { 200: Type.Object({ question: PollView }), ...problems },
        },
      },
      async (req) => ({
        question: publicPoll(
          await events.setVoting(req.params.eventId, await callerOf(req, auth), req.params.questionId, to),
          Date.now(),
        ),
      }),
    );
  }

  app.post<{ Params: EventQuestionParams; Body: { seconds: number } }>(
    '/v1/events/:eventId/questions/:questionId/countdown',
    {
      schema: {
        summary: 'Close an open question after a countdown (owner)',
        description:
          'Sets closesAt to now + seconds; the server refuses votes from then on and the scheduler closes the question.',
        tags: ['events'],
        params: EventQuestionParams,
        body: Type.Object({ seconds: Type.Integer({ minimum: 1, maximum: 3600 }) }, { additionalProperties: false }),
        security,
        response: { 200: Type.Object({ question: PollView }), ...problems },
      },
    },
    async (req) => ({
      question: publicPoll(
        await events.countdown(req.params.eventId, await callerOf(req, auth), req.params.questionId, req.body.seconds),
        Date.now(),
      ),
    }),
  );

  app.post<{ Params: EventQuestionParams }>(
    '/v1/events/:eventId/questions/:questionId/reset',
    {
      schema: {
        summary: "Reset a question's answers (owner)",
        description:
          'The answers so far are kept (archived with the time of the reset) and no longer counted; everyone may answer again.',
        tags: ['events'],
        params: EventQuestionParams,
        security,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async (req, reply) => {
      await events.reset(req.params.eventId, await callerOf(req, auth), req.params.questionId);
      return reply.code(204).send();
    },
  );
}

/** The live channel phones follow (served by api and realtime processes). */
export async function eventStreamRoutes(app: FastifyInstance, deps: HttpDeps, streams: LiveStreams): Promise<void> {
  const events = deps.events;
  const hub = deps.eventHub;
  if (!events || !hub) return;
  app.get<{ Params: EventParams; Querystring: { screen?: 'presenter' } }>(
    '/v1/events/:eventId/stream',
    {
      schema: {
        summary: 'Follow an event live (Server-Sent Events)',
        description:
          '`event` events: the current question (as a poll), its status, answers counted, results when shown, and `audience` (viewers of this stream on this server). ' +
          'Coalesced to at most 10 per second per event; the id grows with every change.',
        tags: ['events'],
        params: EventParams,
        querystring: Type.Object(
          {
            screen: Type.Optional(
              Type.Literal('presenter', { description: "The presenter's own screens: not counted in the audience" }),
            ),
          },
          { additionalProperties: false },
        ),
        produces: ['text/event-stream'],
        response: {
          200: Type.String({ description: 'text/event-stream' }),
          400: Problem,
          404: Problem,
          429: Problem,
          503: Problem,
        },
      },
    },
    async (req, reply) => {
      await streams.open(
        req,
        reply,
        hub,
        async () => {
          if (!(await events.find(req.params.eventId))) throw new PollcastError('event_not_found');
          return req.params.eventId;
        },
        (viewer) => (viewer.uncounted = req.query.screen === 'presenter'),
      );
    },
  );
}
