/**
 * Open-text answers: the manager's feed and moderation (hide, approve). Answers themselves are cast
 * at POST /v1/polls/{id}/votes with `{"text"}`; the word cloud is in the question's results.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TextAnswerRecord } from '../../domain/text-answer.js';
import type { HttpDeps } from '../deps.js';
import { callerOf } from '../caller.js';
import { AnswerParams, PollParams, Problem, TextAnswerView } from '../schemas.js';
import { checkPollId } from './polls.js';

const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 422: Problem, 429: Problem };
const security: Array<Record<string, string[]>> = [{ ownerToken: [] }];

const view = (a: TextAnswerRecord) => ({ answerId: a.answerId, text: a.text, state: a.state, approved: a.approved, hidden: a.state === 'hidden', at: new Date(a.at).toISOString() });

export async function textAnswerRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const answers = deps.textAnswers;
  if (!answers) return;
  const auth = deps.auth ?? null;

  app.get<{ Params: PollParams; Querystring: { limit?: string; before?: string } }>(
    '/v1/polls/:pollId/answers',
    {
      schema: {
        summary: "A text question's answers (manager)",
        description: 'Newest first, every state (shown, pending, hidden). Page with `before` = the `at` of the last answer seen. Show `text` as text, never as HTML.',
        tags: ['text'],
        security,
        params: PollParams,
        querystring: Type.Object(
          { limit: Type.Optional(Type.String({ pattern: '^(?:[1-9]|[1-9][0-9]|1[0-9][0-9]|200)$', description: '1–200, default 50' })), before: Type.Optional(Type.String({ format: 'date-time', maxLength: 64 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ answers: Type.Array(TextAnswerView) }), ...problems },
      },
    },
    async (req) => {
      checkPollId(req.params.pollId);
      const before = req.query.before === undefined ? null : Date.parse(req.query.before);
      const list = await answers.feed(req.params.pollId, await callerOf(req, auth), req.query.limit === undefined ? 50 : Number(req.query.limit), before);
      return { answers: list.map(view) };
    },
  );

  for (const action of ['hide', 'approve'] as const) {
    app.post<{ Params: AnswerParams }>(
      `/v1/polls/:pollId/answers/:answerId/${action}`,
      {
        schema: {
          summary: action === 'hide' ? 'Hide an answer (manager)' : 'Approve an answer (manager)',
          description:
            action === 'hide'
              ? 'The answer leaves the word cloud and the shown feed; the results version grows, so live screens change with the next push. Hiding twice changes nothing.'
              : 'Pre-moderation: a pending answer is shown and its words join the cloud. Approving a hidden answer shows it again.',
          tags: ['text'],
          security,
          params: AnswerParams,
          response: { 200: Type.Object({ answerId: Type.String(), state: TextAnswerView.properties.state, approved: Type.Boolean(), version: Type.Integer() }), ...problems },
        },
      },
      async (req) => {
        checkPollId(req.params.pollId);
        const done = await answers.moderate(req.params.pollId, req.params.answerId, await callerOf(req, auth), action);
        return { answerId: req.params.answerId, ...done };
      },
    );
  }
}
