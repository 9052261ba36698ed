/**
 * What a vote's client gets: status from the error registry, body rendered once as the exact
 * bytes (a retry with the same Idempotency-Key is replayed these bytes). A device voter's token is
 * appended to the body only for the request that was issued it; stored answers never carry one,
 * so a replay can never hand a token to someone who did not present it.
 */
import type { StoredResponse } from '../domain/vote.js';
import { ballotView } from '../domain/ballot.js';
import { ERRORS } from '../errors.js';
import { problemBody } from './problem-body.js';
import type { FreshOutcome, VoteAnswers } from '../core/vote/vote-answers.js';
import type { CountedVote, VoteCommand } from '../domain/vote.js';
import type { ReceiptKeys } from '../domain/receipt-key.js';

const CREATED = 201;

const receipt = (v: CountedVote) => ({ receiptId: v.receiptId, ...ballotView(v.optionIds), countedAt: new Date(v.at).toISOString() });

/**
 * `keys`: when given, a counted vote's answer carries `receiptKey`, the voter's secret for checking
 * the receipt later (GET /v1/receipts/{receiptId}). Only the 201 carries it, never a 409.
 */
export function httpVoteAnswersWith(keys: ReceiptKeys | null): VoteAnswers {
  return { render: (cmd, outcome) => render(cmd, outcome, keys), withToken };
}

function render(cmd: VoteCommand, outcome: FreshOutcome, keys: ReceiptKeys | null): StoredResponse {
    const requestHash = cmd.idempotency?.requestHash ?? '';
    switch (outcome.kind) {
      case 'counted':
        return {
          status: CREATED,
          requestHash,
          body: JSON.stringify({
            pollId: cmd.pollId,
            ...receipt(outcome.vote),
            ...(cmd.text ? { optionIds: [], answerId: cmd.receiptId, text: cmd.text.text } : {}),
            changed: outcome.changed,
            ...(keys ? { receiptKey: keys.issue(cmd.pollId, cmd.voterId, outcome.vote.receiptId) } : {}),
          }),
        };
      case 'duplicate':
        return { status: ERRORS.already_voted.status, requestHash, body: problemBody('already_voted', undefined, { counted: receipt(outcome.counted) }) };
      case 'rejected':
        return { status: ERRORS[outcome.code].status, requestHash, body: problemBody(outcome.code) };
      case 'key_reused':
        return { status: ERRORS.idempotency_key_reused.status, requestHash, body: problemBody('idempotency_key_reused') };
    }
}

function withToken(answer: StoredResponse, voterToken: string): StoredResponse {
  // Every answer body is a JSON object: the token goes in as its last member (tokens are base64url).
  return { ...answer, body: `${answer.body.slice(0, -1)},"voterToken":${JSON.stringify(voterToken)}}` };
}

/** Answers without receipt keys (tools and tests that build a bare vote path). */
export const httpVoteAnswers: VoteAnswers = httpVoteAnswersWith(null);
