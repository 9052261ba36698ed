/**
 * Audience Q&A of an event: ask, upvote (once per voter), read sorted by top or recent, and the
 * owner's moderation. Voters are the device voters of the vote path (cookie or X-Voter-Token); a
 * request without a token becomes a new voter and learns its token (body and cookie).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { publicAudienceQuestion, QA_LIMITS } from '../../domain/audience-question.js';
import type { QaClaim } from '../../core/audience-qa-service.js';
import type { HttpDeps } from '../deps.js';
import { callerOf } from '../caller.js';
import { isSecure, voterCookie, voterToken } from '../request-context.js';
import { EventParams, Problem, QaSettingsView } from '../schemas.js';

const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem, 429: Problem, 503: Problem };
const security: Array<Record<string, string[]>> = [{ ownerToken: [] }];
const BASE = '/v1/events/:eventId/questions-from-audience';

const QaParams = Type.Object({ eventId: EventParams.properties.eventId, questionId: Type.String({ maxLength: 64 }) });
type QaParams = Static<typeof QaParams>;

const AudienceQuestionView = Type.Object({
  id: Type.String(),
  text: Type.String({ description: 'As typed (NFC, ends trimmed): plain text, never markup. Show it as text.' }),
  name: Type.Union([Type.String(), Type.Null()], { description: 'The asker’s name, or null when anonymous' }),
  state: Type.Union([Type.Literal('pending'), Type.Literal('visible'), Type.Literal('hidden')]),
  pinned: Type.Boolean(),
  answered: Type.Boolean(),
  upvotes: Type.Integer(),
  createdAt: Type.String(),
});
const Counts = Type.Object({ pending: Type.Integer(), visible: Type.Integer(), hidden: Type.Integer() });

const AskBody = Type.Object(
  {
    // Generous schema bounds: the exact rules (300 characters after NFC and trimming, no control
    // or bidi-override characters) answer with their own codes (qa_text_too_long, qa_text_invalid).
    text: Type.String({ maxLength: 4_000 }),
    name: Type.Optional(Type.String({ maxLength: 1_000 })),
  },
  { additionalProperties: false },
);
type AskBody = Static<typeof AskBody>;

const ListQuery = Type.Object(
  {
    sort: Type.Optional(Type.Union([Type.Literal('top'), Type.Literal('recent')], { default: 'top' })),
    state: Type.Optional(
      Type.Union([Type.Literal('visible'), Type.Literal('pending'), Type.Literal('hidden'), Type.Literal('all')], {
        description: 'visible (default) for anyone; the others need the event owner token',
      }),
    ),
    // Query strings are not coerced (server.ts): a whole number as text, capped at listMax.
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$', description: `At most this many questions (1–${QA_LIMITS.listMax}; more is read as ${QA_LIMITS.listMax})` })),
  },
  { additionalProperties: false },
);
type ListQuery = Static<typeof ListQuery>;

const ModerateBody = Type.Object(
  {
    state: Type.Optional(
      Type.Union([Type.Literal('visible'), Type.Literal('hidden')], { description: 'visible approves (or unhides); hidden hides' }),
    ),
    pinned: Type.Optional(Type.Boolean()),
    answered: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
type ModerateBody = Static<typeof ModerateBody>;

const UpvoteAnswer = Type.Object({
  questionId: Type.String(),
  upvoted: Type.Boolean(),
  upvotes: Type.Integer(),
  voterToken: Type.Optional(Type.String({ description: 'Set when this request made a new voter: send it back in X-Voter-Token (or keep the cookie)' })),
});

export async function audienceQaRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const qa = deps.qa;
  if (!qa) return;
  const auth = deps.auth ?? null;
  const secure = deps.config.http.cookieSecure;
  const claim = (req: FastifyRequest): QaClaim => ({ voterToken: voterToken(req), ip: req.ip });
  const remember = (req: FastifyRequest, reply: FastifyReply, token: string | undefined) => {
    if (token !== undefined) reply.header('set-cookie', voterCookie(token, isSecure(req, secure)));
  };
  const voterHeaders = Type.Object({ 'x-voter-token': Type.Optional(Type.String()) });

  app.post<{ Params: EventParams; Body: AskBody }>(
    BASE,
    {
      schema: {
        summary: 'Ask the presenter a question',
        description:
          'Anyone joined to the event may ask; `name` as the event allows (`qa.names`). With pre-moderation the question is `pending` until the owner approves it. ' +
          'Text: 1–300 characters, no control or bidi-override characters; HTML is kept as typed and only ever shown as text.',
        tags: ['audience Q&A'],
        params: EventParams,
        headers: voterHeaders,
        body: AskBody,
        response: { 201: Type.Object({ question: AudienceQuestionView, voterToken: Type.Optional(Type.String()) }), ...problems },
      },
    },
    async (req, reply) => {
      const { question, voterToken: issued } = await qa.ask(req.params.eventId, req.body, claim(req));
      remember(req, reply, issued);
      reply.code(201).header('location', `/v1/events/${question.eventId}/questions-from-audience/${question.id}`);
      return { question: publicAudienceQuestion(question), ...(issued === undefined ? {} : { voterToken: issued }) };
    },
  );

  app.get<{ Params: EventParams; Querystring: ListQuery }>(
    BASE,
    {
      schema: {
        summary: 'Questions from the audience, sorted',
        description:
          '`top`: pinned first, then unanswered before answered, then most upvotes (older first among equals); `recent`: pinned first, then unanswered before answered, then newest first. ' +
          '`upvoted`: ids of the listed questions the calling voter has upvoted. The owner token reads pending and hidden questions too.',
        tags: ['audience Q&A'],
        params: EventParams,
        querystring: ListQuery,
        response: {
          200: Type.Object({ questions: Type.Array(AudienceQuestionView), upvoted: Type.Array(Type.String()), counts: Counts, settings: QaSettingsView }),
          ...problems,
        },
      },
    },
    async (req) =>
      qa.list(
        req.params.eventId,
        { sort: req.query.sort ?? 'top', state: req.query.state ?? 'visible', limit: req.query.limit === undefined ? undefined : Number(req.query.limit) },
        await callerOf(req, auth),
        claim(req),
      ),
  );

  for (const [method, up] of [
    ['POST', true],
    ['DELETE', false],
  ] as const) {
    app.route<{ Params: QaParams }>({
      method,
      url: `${BASE}/:questionId/upvote`,
      schema: {
        summary: up ? 'Upvote a question (once per voter)' : 'Take back an upvote',
        description: up
          ? '200 counted; 409 already_upvoted when this voter’s upvote is already counted (nothing changes; `upvotes` gives the count); 404 audience_question_not_found for an unknown, pending or hidden question.'
          : 'Idempotent: 200 with upvoted false whether or not there was an upvote to take back.',
        tags: ['audience Q&A'],
        params: QaParams,
        headers: voterHeaders,
        response: { 200: UpvoteAnswer, ...problems },
      },
      handler: async (req, reply) => {
        const out = await qa.upvote(req.params.eventId, req.params.questionId, up, claim(req));
        remember(req, reply, out.voterToken);
        return out.voterToken === undefined ? { questionId: out.questionId, upvoted: out.upvoted, upvotes: out.upvotes } : out;
      },
    });
  }

  app.patch<{ Params: QaParams; Body: ModerateBody }>(
    `${BASE}/:questionId`,
    {
      schema: {
        summary: 'Moderate a question from the audience (owner)',
        description: '`state: visible` approves a pending question (or shows a hidden one), `state: hidden` hides it (and unpins it); `pinned`; `answered`.',
        tags: ['audience Q&A'],
        params: QaParams,
        body: ModerateBody,
        security,
        response: { 200: Type.Object({ question: AudienceQuestionView }), ...problems },
      },
    },
    async (req) => ({ question: await qa.moderate(req.params.eventId, req.params.questionId, req.body, await callerOf(req, auth)) }),
  );
}
