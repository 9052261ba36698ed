/**
 * Answer exports: every counted answer of a poll, or of every question of an event, as CSV or
 * NDJSON, streamed (managers); and an event's answers per minute (its analytics page).
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { EventAnswer } from '../../core/event-service.js';
import { exportsVoterIds, type ExportedAnswer } from '../../core/vote-export.js';
import { isValueKind } from '../../domain/poll.js';
import { callerOf } from '../caller.js';
import type { HttpDeps } from '../deps.js';
import { EXPORT_FORMATS, eventExportStream, exportStream, type ExportFormat } from '../export-formats.js';
import { EventParams, PollParams, Problem } from '../schemas.js';
import { checkPollId } from './polls.js';

const ExportQuery = Type.Object({ format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('ndjson')], { default: 'csv' })) }, { additionalProperties: false });
type ExportQuery = Static<typeof ExportQuery>;

export async function exportRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const auth = deps.auth ?? null;
  app.get<{ Params: PollParams; Querystring: ExportQuery }>(
    '/v1/polls/:pollId/export',
    {
      schema: {
        summary: 'Every counted answer as CSV or NDJSON (manager)',
        description:
          'Streams one row per counted vote: receipt id, option ids, option texts, time cast — and the voter id only for `open` identity mode polls (elsewhere it is a pseudonym and stays private). Works while the poll is live (votes committed during the export may or may not appear) and in constant server memory, whatever the size. CSV cells are always quoted; a cell starting with =, +, - or @ is prefixed with \' against spreadsheet formulas.',
        tags: ['polls'],
        params: PollParams,
        querystring: ExportQuery,
        security: [{ ownerToken: [] }, { apiKey: [] }, { session: [] }],
        response: {
          200: {
            description: 'The export (`format=csv`: text/csv with a header row; `format=ndjson`: application/x-ndjson, one object per line)',
            content: { 'text/csv': { schema: Type.String() }, 'application/x-ndjson': { schema: Type.String() } },
          },
          400: Problem,
          401: Problem,
          403: Problem,
          404: Problem,
          429: Problem,
        },
      },
    },
    async (req, reply) => {
      checkPollId(req.params.pollId);
      const format: ExportFormat = req.query.format ?? 'csv';
      const { poll, pages } = await deps.polls.exportAnswers(req.params.pollId, await callerOf(req, auth));
      // The first page is read before answering, so a store that is down gets a problem answer, not a cut-off 200.
      const all = await readingFirst(pages);
      const f = EXPORT_FORMATS[format];
      reply.header('content-type', f.type);
      reply.header('content-disposition', `attachment; filename="pollcast-${poll.id}-answers.${f.ext}"`);
      reply.header('cache-control', 'no-store');
      return reply.send(exportStream(format, all, { value: isValueKind(poll.kind), voter: exportsVoterIds(poll) }));
    },
  );

  const events = deps.events;
  if (!events) return;
  const eventProblems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 429: Problem };

  app.get<{ Params: EventParams; Querystring: ExportQuery }>(
    '/v1/events/:eventId/export',
    {
      schema: {
        summary: 'Every counted answer of every question of an event, as CSV or NDJSON (owner)',
        description:
          "Streams one row per counted answer, question by question in the presenter's order: the question's position, id, text and kind, then as the poll export: receipt id, option ids and texts (ranked: in order of preference), `value` for rating and nps, time cast, and the voter id only for questions in `open` identity mode (empty elsewhere). Works while the event is live, in constant server memory whatever its size.",
        tags: ['events'],
        params: EventParams,
        querystring: ExportQuery,
        security: [{ ownerToken: [] }],
        response: {
          200: {
            description: 'The export (`format=csv`: text/csv with a header row; `format=ndjson`: application/x-ndjson, one object per line)',
            content: { 'text/csv': { schema: Type.String() }, 'application/x-ndjson': { schema: Type.String() } },
          },
          ...eventProblems,
        },
      },
    },
    async (req, reply) => {
      const format: ExportFormat = req.query.format ?? 'csv';
      const { event, pages } = await events.exportAnswers(req.params.eventId, await callerOf(req, auth));
      const all = await readingFirst(pages);
      const f = EXPORT_FORMATS[format];
      reply.header('content-type', f.type);
      reply.header('content-disposition', `attachment; filename="pollcast-event-${event.code}-answers.${f.ext}"`);
      reply.header('cache-control', 'no-store');
      return reply.send(eventExportStream(format, all));
    },
  );

  const Minutes = Type.Array(Type.Object({ minute: Type.String({ description: 'ISO 8601, the start of the minute' }), votes: Type.Integer() }));
  app.get<{ Params: EventParams }>(
    '/v1/events/:eventId/analytics',
    {
      schema: {
        summary: 'Answers per minute of each question of an event (owner)',
        description: 'Counted from the outbox by the analytics worker, so a minute may lag the votes by the relay delay (about a second).',
        tags: ['events'],
        params: EventParams,
        security: [{ ownerToken: [] }],
        response: {
          200: Type.Object({
            eventId: Type.String(),
            minutes: Minutes,
            questions: Type.Array(Type.Object({ questionId: Type.String(), question: Type.String(), kind: Type.String(), minutes: Minutes })),
          }),
          ...eventProblems,
        },
      },
    },
    async (req, reply) => {
      const { event, questions } = await events.minuteCounts(req.params.eventId, await callerOf(req, auth));
      const sum = new Map<string, number>();
      for (const q of questions) for (const m of q.minutes) sum.set(m.minute, (sum.get(m.minute) ?? 0) + m.votes);
      reply.header('cache-control', 'no-store');
      return {
        eventId: event.id,
        minutes: [...sum].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([minute, votes]) => ({ minute, votes })),
        questions: questions.map((q) => ({ questionId: q.poll.id, question: q.poll.question, kind: q.poll.kind, minutes: q.minutes })),
      };
    },
  );
}

/** Reads the first page before answering, so a store that is down gets a problem answer, not a cut-off 200. */
async function readingFirst<T extends ExportedAnswer | EventAnswer>(pages: AsyncGenerator<T[]>): Promise<AsyncGenerator<T[]>> {
  const first = await pages.next();
  async function* all(): AsyncGenerator<T[]> {
    if (first.done) return;
    yield first.value;
    yield* pages;
  }
  return all();
}
