/**
 * Voter identity: who a request votes (or reads its vote) as, in the poll's identity mode. One
 * function serves casting and reading one's own vote, so the two can never disagree.
 *
 * The key it returns is what the store keeps unique per poll: `o:` a name given by a trusted
 * caller (open), `a:` an account, `i:` an invite code's serial, `d:` a device's signed token.
 * A wrong invite code or a forged token counts against the address's failure budget, so guessing
 * is slowed like any other flood; once the budget is spent every code from that address is
 * refused with 429, the right ones too, so the answers tell a guesser nothing.
 */
import { newVoterId } from '../../domain/ids.js';
import type { InviteCodes } from '../../domain/invite-codes.js';
import { LIMITS, type Poll } from '../../domain/poll.js';
import { ANONYMOUS } from '../../domain/principal.js';
import type { VoterTokens } from '../../domain/voter-token.js';
import { PollcastError } from '../../errors.js';
import type { RateLimiter } from '../../ports/rate-limiter.js';
import { isPollOwner } from '../access.js';
import type { ResolvedPrincipal } from '../authenticator.js';

export const DEVICE = 'd:';
/** Prefix of an `open`-mode voter's stored id: the caller's voterId follows it. */
export const NAMED = 'o:';
const ACCOUNT = 'a:';
const INVITE = 'i:';
const FAILURE_WINDOW_MS = 60_000;

/** What a request says about its voter. */
export interface VoterClaim {
  /** `open` mode: the caller names the voter. */
  voterId?: string | undefined;
  /** `device` mode: the token from X-Voter-Token or the cookie, if any. */
  voterToken?: string | undefined;
  /** `invite` mode: the voter's one-time code. */
  inviteCode?: string | undefined;
  /** The Authorization bearer (an API key or a quick poll's owner token), if any. */
  bearer?: string | undefined;
  /** The caller's address (failures are counted against it). */
  ip: string;
}

export type Principal = () => Promise<ResolvedPrincipal>;
export const anonymous: Principal = async () => ANONYMOUS;

/** The failure budget's key for an address (admission looks at it before every vote). */
export const failureKey = (ip: string): string => 'fail:' + ip;

export class VoterIdentity {
  constructor(
    private readonly tokens: VoterTokens,
    private readonly invites: InviteCodes | undefined,
    private readonly limiter: RateLimiter,
    /** Wrong codes and forged tokens per address per minute; 0: not counted. */
    private readonly failuresPerMinute: number,
  ) {}

  /**
   * The voter's key. `cast`: a device with no token is a new voter; `read`: it has no vote (null).
   * `who` resolves the caller's session or API key, only when the mode needs it.
   */
  async resolve(poll: Poll, claim: VoterClaim, who: Principal, purpose: 'cast'): Promise<string>;
  async resolve(poll: Poll, claim: VoterClaim, who: Principal, purpose: 'read'): Promise<string | null>;
  async resolve(poll: Poll, claim: VoterClaim, who: Principal, purpose: 'cast' | 'read'): Promise<string | null> {
    const mode = poll.identityMode;
    if (purpose === 'cast' && mode !== 'open' && claim.voterId !== undefined) throw new PollcastError('voter_id_not_allowed');
    switch (mode) {
      case 'open': {
        if (claim.voterId === undefined) throw new PollcastError('voter_id_required');
        if (claim.voterId.length === 0 || claim.voterId.length > LIMITS.voterIdMax) {
          throw new PollcastError('validation_failed', `voterId must be 1–${LIMITS.voterIdMax} characters`);
        }
        await this.#requireTrustedCaller(poll, claim, who);
        return NAMED + claim.voterId;
      }
      case 'account': {
        const p = await who();
        if (p.kind !== 'user') throw new PollcastError(purpose === 'cast' && 'csrfFailed' in p ? 'csrf_token_invalid' : 'login_required');
        return ACCOUNT + p.user.id;
      }
      case 'invite': {
        if (claim.inviteCode === undefined) throw new PollcastError('invite_code_required');
        const serial = this.invites?.verify(poll.id, claim.inviteCode, poll.invitesIssued) ?? null;
        if (serial === null) return this.#failed(claim.ip, 'invite_code_invalid');
        return INVITE + serial;
      }
      case 'device': {
        if (claim.voterToken === undefined) return purpose === 'cast' ? DEVICE + newVoterId() : null;
        const id = this.tokens.verify(claim.voterToken);
        if (id === null) return this.#failed(claim.ip, 'voter_token_invalid');
        return DEVICE + id;
      }
    }
  }

  /** Counts a failure against the address, then refuses: 429 once its budget is spent. */
  async #failed(ip: string, code: 'invite_code_invalid' | 'voter_token_invalid'): Promise<never> {
    if (this.failuresPerMinute > 0) {
      const d = await this.limiter.hit(failureKey(ip), this.failuresPerMinute, FAILURE_WINDOW_MS);
      if (!d.allowed) throw new PollcastError('rate_limited', undefined, { limit: this.failuresPerMinute, scope: 'fail' }, Math.max(1, Math.ceil(d.resetMs / 1000)));
    }
    throw new PollcastError(code);
  }

  /** `open` mode: an API key of the poll's workspace with votes:write, or a quick poll's owner token. */
  async #requireTrustedCaller(poll: Poll, claim: VoterClaim, who: Principal): Promise<void> {
    if (claim.bearer === undefined) throw new PollcastError('trusted_caller_required');
    if (poll.workspaceId === null && isPollOwner(poll, claim.bearer)) return;
    const p = await who();
    if (p.kind === 'apiKey' && p.key.workspaceId === poll.workspaceId && p.key.scopes.includes('votes:write')) return;
    if (p.kind === 'apiKey' && p.key.workspaceId === poll.workspaceId) throw new PollcastError('insufficient_scope', 'naming voters needs the votes:write scope');
    throw new PollcastError(p.kind === 'apiKey' ? 'forbidden' : 'trusted_caller_required');
  }
}
