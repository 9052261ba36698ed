/**
 * Verifiable receipts: a voter checks a receipt with its key; anyone who may see a closed poll's
 * results reads its commitment (Merkle root and count). See docs/voting.md.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Commitment } from '../../domain/commitment.js';
import { canSeeResults } from '../../domain/poll.js';
import type { Published, ReceiptStatus } from '../../core/receipt-service.js';
import { PollcastError } from '../../errors.js';
import { callerOf } from '../caller.js';
import type { HttpDeps } from '../deps.js';
import { PollParams, Problem } from '../schemas.js';
import { checkPollId } from './polls.js';

const CommitmentFields = {
  pollId: Type.String(),
  scheme: Type.Literal('sha256-merkle-v1'),
  root: Type.String({ description: 'hex SHA-256 Merkle root over the counted votes (docs/voting.md)' }),
  count: Type.Integer({ description: 'how many counted votes the root covers' }),
  version: Type.Integer({ description: "the poll's results version the votes were read at" }),
  closedAt: Type.String({ format: 'date-time', description: 'the close this commitment is for' }),
  publishedAt: Type.String({ format: 'date-time', description: 'when it was computed and stored; it never changes after' }),
};
const CommitmentView = Type.Object({
  ...CommitmentFields,
  earlier: Type.Optional(Type.Array(Type.Object(CommitmentFields), { description: 'commitments of earlier closes, when the poll was reopened and closed again' })),
});
const ProofStep = Type.Object({ side: Type.Union([Type.Literal('left'), Type.Literal('right')]), hash: Type.String() });
const ReceiptView = Type.Object({
  receiptId: Type.String(),
  pollId: Type.String(),
  counted: Type.Boolean({ description: 'false: the voter changed this vote later; the newer receipt is the counted one' }),
  optionIds: Type.Optional(Type.Array(Type.String())),
  countedAt: Type.Optional(Type.String()),
  commitment: Type.Optional(CommitmentView),
  proof: Type.Optional(Type.Array(ProofStep)),
  proofUnavailable: Type.Optional(
    Type.Literal('votes_changed_since_close', { description: 'instead of proof: the stored votes no longer lead to the root published at close' }),
  ),
});

const commitmentFields = (c: Commitment) => ({
  pollId: c.pollId,
  scheme: c.scheme,
  root: c.root,
  count: c.count,
  version: c.version,
  closedAt: new Date(c.closedAt).toISOString(),
  publishedAt: new Date(c.publishedAt).toISOString(),
});
const commitmentView = (p: Published) => ({ ...commitmentFields(p.current), ...(p.earlier.length > 0 ? { earlier: p.earlier.map(commitmentFields) } : {}) });
const receiptView = ({ commitment, ...rest }: ReceiptStatus) => ({ ...rest, ...(commitment ? { commitment: commitmentView(commitment) } : {}) });
const ReceiptParams = Type.Object({ receiptId: Type.String({ minLength: 1, maxLength: 64 }) });
const ReceiptHeaders = Type.Object({ 'receipt-key': Type.Optional(Type.String({ maxLength: 1_000 })) });

export async function receiptRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const receipts = deps.receipts;
  if (!receipts) return;
  const auth = deps.auth ?? null;

  app.get<{ Params: { receiptId: string }; Headers: { 'receipt-key'?: string } }>(
    '/v1/receipts/:receiptId',
    {
      schema: {
        summary: 'Check a vote: counted, with which choice, and (once closed) its inclusion proof',
        description:
          'Send the `receiptKey` from the vote\'s 201 answer in the `Receipt-Key` header. Without the right key the answer is 404 whatever the receipt, so a receipt id alone reveals nothing. Once the poll is closed and its results are visible, the answer carries the poll\'s commitment and this vote\'s Merkle path to its root (`pollcast verify` checks it).',
        tags: ['receipts'],
        params: ReceiptParams,
        headers: ReceiptHeaders,
        response: { 200: ReceiptView, 400: Problem, 401: Problem, 404: Problem, 429: Problem },
      },
    },
    async (req, reply) => {
      const key = req.headers['receipt-key'];
      if (!key) throw new PollcastError('receipt_key_required');
      reply.header('cache-control', 'no-store');
      return receiptView(await receipts.check(req.params.receiptId, key, (poll) => canSeeResults(poll, false, Date.now())));
    },
  );

  app.get<{ Params: PollParams }>(
    '/v1/polls/:pollId/commitment',
    {
      schema: {
        summary: 'The commitment of a closed poll: a Merkle root over its counted votes, and their count',
        description:
          'Computed and stored when the poll closes (by its owner, a presenter, its schedule or a countdown), once per close, and never replaced; 409 poll_not_closed before. Keep a copy of `root`: inclusion proofs are given against it, and a poll reopened and closed again lists the earlier commitments in `earlier`.',
        tags: ['receipts'],
        params: PollParams,
        response: { 200: CommitmentView, 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem },
      },
    },
    async (req) => {
      checkPollId(req.params.pollId);
      const caller = await callerOf(req, auth);
      const poll = await deps.polls.get(req.params.pollId, caller);
      if (!canSeeResults(poll, false, Date.now()) && !(await deps.polls.mayRead(poll, caller))) throw new PollcastError('results_hidden');
      return commitmentView(await receipts.commitment(poll));
    },
  );
}
