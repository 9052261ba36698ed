/** Shared fixtures of the vote-stage specs: a poll in any mode, the in-memory ports, an injected clock. */
import { createPoll, type Poll } from '../../../src/domain/poll.js';
import type { ResolvedPrincipal } from '../../../src/core/authenticator.js';
import { ANONYMOUS } from '../../../src/domain/principal.js';

export const T0 = 1_733_460_000_000;

export function poll(overrides: Partial<Poll> = {}, draft: Parameters<typeof createPoll>[1] = { question: 'Tea or coffee?', options: ['Tea', 'Coffee'] }): Poll {
  return { ...createPoll('PPPPPPPPPPPP', draft, 'owner-hash', T0), ...overrides };
}

export const nobody = async (): Promise<ResolvedPrincipal> => ANONYMOUS;

export class Clock {
  constructor(public t = T0) {}
  readonly now = (): number => this.t;
}
