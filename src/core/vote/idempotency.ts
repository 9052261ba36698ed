/**
 * Idempotency: a retry with the same Idempotency-Key gets the first answer and counts nothing new.
 * Keys are per poll; the request hash names the ballot and who asks, so another voter's request
 * with the same key is 422 (`idempotency_key_reused`), never a replay of someone else's answer.
 * The store claims the key in the vote's own transaction (a race between two retries is settled
 * there); this stage answers the common retry, of a vote already committed, without queueing it.
 */
import { createHash } from 'node:crypto';
import type { Poll } from '../../domain/poll.js';
import type { StoredResponse } from '../../domain/vote.js';
import { PollcastError } from '../../errors.js';
import type { Store } from '../../ports/store.js';
import type { VoterClaim } from './voter-identity.js';

const KEY_RE = /^[\x21-\x7e]{1,255}$/;

export interface IdempotencyClaim {
  key: string;
  requestHash: string;
}

/** The key checked and the request's hash; null when the request sent no key. */
export function idempotencyClaim(poll: Poll, key: string | undefined, ballot: unknown, claim: VoterClaim, voterKey: string): IdempotencyClaim | null {
  if (key === undefined) return null;
  if (!KEY_RE.test(key)) throw new PollcastError('idempotency_key_invalid', 'Idempotency-Key must be 1–255 visible ASCII characters');
  // Invite codes and accounts are appended only when present, so hashes stored before stay valid.
  const asked: unknown[] = [poll.id, ballot, claim.voterId ?? null, claim.voterToken ?? null];
  if (poll.identityMode === 'invite' || poll.identityMode === 'account') asked.push(voterKey);
  return { key, requestHash: createHash('sha256').update(JSON.stringify(asked)).digest('base64url') };
}

/** The stored answer of a committed request with this key, or null; 422 when the key was used for another request. */
export async function priorAnswer(store: Store, pollId: string, claim: IdempotencyClaim): Promise<StoredResponse | null> {
  const prior = await store.getIdempotent(pollId, claim.key);
  if (!prior) return null;
  if (prior.requestHash !== claim.requestHash) throw new PollcastError('idempotency_key_reused');
  return prior;
}
