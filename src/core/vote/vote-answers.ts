/**
 * The answer to a vote, as the exact bytes a client gets. The HTTP layer supplies the renderer
 * (statuses and bodies are HTTP's business); core only asks for it, once per vote, inside the
 * store's transaction when the vote carries an Idempotency-Key (so a retry replays those bytes).
 * Stored answers never hold a voter token: the token goes only to the request that made it.
 */
import type { StoredResponse, VoteCommand, VoteOutcome } from '../../domain/vote.js';

export type FreshOutcome = Exclude<VoteOutcome, { kind: 'replay' }>;

export interface VoteAnswers {
  render(cmd: VoteCommand, outcome: FreshOutcome): StoredResponse;
  /** The answer with the device voter's token added (for the request that was issued it). */
  withToken(answer: StoredResponse, voterToken: string): StoredResponse;
}
