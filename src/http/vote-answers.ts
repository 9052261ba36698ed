/**
 * What a vote's client gets: status from the error registry, body rendered once as the exact
 * bytes (a retry with the same Idempotency-Key is replayed these bytes). A device voter's token is
 * appended to the body only for the request that was issued it; stored answers never carry one,
 * so a replay can never hand a token to someone who did not present it.
 */
import type { StoredResponse } from '../domain/vote.js';
import { ballotView } from '../domain/ballot.js';
import { ERRORS, problemBody } from '../errors.js';
import type { FreshOutcome, VoteAnswers } from '../core/vote/vote-answers.js';
import type { CountedVote, VoteCommand } from '../domain/vote.js';

const CREATED = 201;

const receipt = (v: CountedVote) => ({ receiptId: v.receiptId, ...ballotView(v.optionIds), countedAt: new Date(v.at).toISOString() });

export const httpVoteAnswers: VoteAnswers = {
  render(cmd: VoteCommand, outcome: FreshOutcome): StoredResponse {
    const requestHash = cmd.idempotency?.requestHash ?? '';
    switch (outcome.kind) {
      case 'counted':
        return {
          status: CREATED,
          requestHash,
          body: JSON.stringify({ pollId: cmd.pollId, ...receipt(outcome.vote), changed: outcome.changed }),
        };
      case 'duplicate':
        return { status: ERRORS.already_voted.status, requestHash, body: problemBody('already_voted', undefined, { counted: receipt(outcome.counted) }) };
      case 'rejected':
        return { status: ERRORS[outcome.code].status, requestHash, body: problemBody(outcome.code) };
      case 'key_reused':
        return { status: ERRORS.idempotency_key_reused.status, requestHash, body: problemBody('idempotency_key_reused') };
    }
  },

  withToken(answer: StoredResponse, voterToken: string): StoredResponse {
    // Every answer body is a JSON object: the token goes in as its last member (tokens are base64url).
    return { ...answer, body: `${answer.body.slice(0, -1)},"voterToken":${JSON.stringify(voterToken)}}` };
  },
};
