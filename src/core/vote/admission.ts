/**
 * Admission: whether a vote may go on to the commit buffer. Proof of work (checked first, spent
 * last), rate limits (one all-or-nothing admission of every limit that applies, gathered with
 * other requests' into one round trip by the Redis adapter), and the per-address cap of a poll
 * (spent last, like the proof of work: only for a vote otherwise ready to go).
 */
import type { Poll } from '../../domain/poll.js';
import type { ProofOfWork } from '../../domain/proof-of-work.js';
import { PollcastError } from '../../errors.js';
import type { RateCheck, RateLimiter } from '../../ports/rate-limiter.js';
import { failureKey } from './voter-identity.js';

/** The tightest limit a request was checked against, for the RateLimit header. */
export interface RateInfo {
  limit: number;
  remaining: number;
  resetSec: number;
}

export interface RateLimits {
  ipPerMinute: number;
  voterPerMinute: number;
  apiKeyPerMinute?: number;
  pollPerMinute?: number;
  /** Wrong invite codes and forged tokens per address per minute (looked at, not spent, by a vote). */
  failuresPerMinute?: number;
}

export interface SolvedPow {
  nonce: string;
  expiresAt: number;
}

const MINUTE = 60_000;
/** A per-address cap lasts as long as a poll can reasonably run. */
const IP_CAP_WINDOW_MS = 400 * 24 * 3_600_000;

export class Admission {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: RateLimits,
    private readonly pow: ProofOfWork | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** A device-mode poll that asks for proof of work: the solution is verified now, spent in `spend`. */
  checkPow(poll: Poll, pow: { challenge: string; solution: string } | undefined): SolvedPow | null {
    if (poll.powDifficulty === 0 || poll.identityMode !== 'device') return null;
    if (pow === undefined) throw new PollcastError('proof_of_work_required', undefined, { challenge: `/v1/polls/${poll.id}/challenge` });
    const r = this.pow?.verify(poll.id, poll.powDifficulty, pow.challenge, pow.solution, this.now());
    if (!r || !r.ok) throw new PollcastError('proof_of_work_invalid');
    return { nonce: r.nonce, expiresAt: r.expiresAt };
  }

  /** Every limit that applies, admitted together or refused with 429 naming the limit that refused. */
  async rateLimit(ip: string, voterKey: string, apiKeyId: string | null, pollId: string): Promise<RateInfo | undefined> {
    const { ipPerMinute, voterPerMinute, apiKeyPerMinute = 0, pollPerMinute = 0, failuresPerMinute = 0 } = this.limits;
    const checks: RateCheck[] = [];
    // The per-IP limit is a high ceiling (a lecture hall shares one address); the per-voter limit carries the load.
    if (ipPerMinute > 0) checks.push({ key: 'ip:' + ip, limit: ipPerMinute, windowMs: MINUTE });
    if (voterPerMinute > 0) checks.push({ key: 'voter:' + pollId + ':' + voterKey, limit: voterPerMinute, windowMs: MINUTE });
    if (apiKeyId !== null && apiKeyPerMinute > 0) checks.push({ key: 'key:' + apiKeyId, limit: apiKeyPerMinute, windowMs: MINUTE });
    if (pollPerMinute > 0) checks.push({ key: 'poll:' + pollId, limit: pollPerMinute, windowMs: MINUTE });
    if (failuresPerMinute > 0) checks.push({ key: failureKey(ip), limit: failuresPerMinute, windowMs: MINUTE, cost: 0 });
    if (checks.length === 0) return undefined;
    const a = await this.limiter.admit(checks);
    let tightest: RateInfo | undefined;
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i]!;
      const d = a.checks[i]!;
      const resetSec = Math.max(1, Math.ceil(d.resetMs / 1000));
      if (!d.allowed) throw new PollcastError('rate_limited', undefined, { limit: c.limit, scope: c.key.slice(0, c.key.indexOf(':')) }, resetSec);
      if (c.cost !== 0 && (!tightest || d.remaining < tightest.remaining)) tightest = { limit: c.limit, remaining: d.remaining, resetSec };
    }
    return tightest;
  }

  /** Spends what is single-use: the proof-of-work challenge, one unit of the poll's per-address cap. */
  async spend(poll: Poll, ip: string, pow: SolvedPow | null): Promise<void> {
    if (pow) {
      const fresh = await this.limiter.claimOnce(`pow:${pow.nonce}`, Math.max(1000, pow.expiresAt - this.now() + 1000));
      if (!fresh) throw new PollcastError('proof_of_work_invalid', 'this challenge was already used: get a new one');
    }
    if (poll.ipCap !== null) {
      const d = await this.limiter.hit(`ipcap:${poll.id}:${ip}`, poll.ipCap, IP_CAP_WINDOW_MS);
      if (!d.allowed) throw new PollcastError('ip_cap_reached', undefined, { limit: poll.ipCap });
    }
  }
}
