/** Answer exports: every counted answer of a poll as CSV or NDJSON, streamed (managers). */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { exportsVoterIds, type ExportedAnswer } from '../../core/vote-export.js';
import { callerOf } from '../caller.js';
import type { HttpDeps } from '../deps.js';
import { EXPORT_FORMATS, exportStream, type ExportFormat } from '../export-formats.js';
import { PollParams, Problem } from '../schemas.js';
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
      const first = await pages.next();
      async function* all(): AsyncGenerator<ExportedAnswer[]> {
        if (first.done) return;
        yield first.value;
        yield* pages;
      }
      const f = EXPORT_FORMATS[format];
      reply.header('content-type', f.type);
      reply.header('content-disposition', `attachment; filename="pollcast-${poll.id}-answers.${f.ext}"`);
      reply.header('cache-control', 'no-store');
      return reply.send(exportStream(format, all(), exportsVoterIds(poll)));
    },
  );
}
