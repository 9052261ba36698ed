/**
 * The vote path, as a pipeline of small stages (each in core/vote/, each tested on its own):
 *
 *   poll lookup (cached) → workspace access → voter identity → proof of work checked
 *   → admission (rate limits, one round trip at most, shared with other requests)
 *   → idempotency (a committed retry is answered from its stored answer)
 *   → ballot rules → single-use spends (proof of work, per-address cap)
 *   → group commit and notify → the answer, rendered once.
 *
 * Reading one's own vote shares the identity stage, so casting and reading name the same voter.
 */
import { newReceiptId } from '../domain/ids.js';
import { assertVotingOpen, effectiveStatus, LIMITS, type Poll } from '../domain/poll.js';
import { checkTextAnswer, cloudWords } from '../domain/text-answer.js';
import { normalizeBallot } from '../domain/ballot.js';
import type { CountedVote, StoredResponse, VoteCommand } from '../domain/vote.js';
import type { VoterTokens } from '../domain/voter-token.js';
import { isPollcastError, PollcastError } from '../errors.js';
import { noopMetrics, type Metrics } from '../ports/metrics.js';
import { noopTracing, type Tracing } from '../ports/tracing.js';
import type { Notifier } from '../ports/notifier.js';
import type { RateLimiter } from '../ports/rate-limiter.js';
import type { Store } from '../ports/store.js';
import type { BatchObserver, GroupCommitOptions } from './group-commit.js';
import type { PollDirectory } from './poll-directory.js';
import type { PollAccess } from './access.js';
import type { ResolvedPrincipal } from './authenticator.js';
import type { InviteCodes } from '../domain/invite-codes.js';
import type { ProofOfWork } from '../domain/proof-of-work.js';
import { Admission, type RateInfo, type RateLimits } from './vote/admission.js';
import { idempotencyClaim, priorAnswer } from './vote/idempotency.js';
import type { VoteAnswers } from './vote/vote-answers.js';
import { VoteCommitter } from './vote/vote-committer.js';
import { anonymous, DEVICE, VoterIdentity, type Principal, type VoterClaim } from './vote/voter-identity.js';

export type { RateInfo } from './vote/admission.js';

export interface CastInput extends VoterClaim {
  pollId: string;
  /** Single, multiple and ranked (in order of preference). */
  optionIds?: string[] | undefined;
  /** Rating and nps. */
  value?: number | undefined;
  /** Text questions. */
  text?: string | undefined;
  /** A solved proof-of-work challenge, for polls that ask for one. */
  pow?: { challenge: string; solution: string } | undefined;
  idempotencyKey?: string | undefined;
  /** Resolves the caller's session or API key; called only when the poll's mode or access needs it. */
  principal?: Principal;
}

export interface CastAnswer {
  /** The exact answer (status and body bytes). */
  response: StoredResponse;
  /** Set for a device voter this request was issued a token for, so the HTTP layer can set the cookie. */
  voterToken?: string | undefined;
  rate?: RateInfo | undefined;
}

export interface VoteServiceOptions {
  groupCommit: GroupCommitOptions;
  rateLimit: RateLimits;
  /** Renders answers (the HTTP layer's). */
  answers: VoteAnswers;
  onBatch?: BatchObserver;
  /** Needed by invite polls, proof-of-work polls and workspace-only polls; absent: those votes are refused. */
  invites?: InviteCodes;
  pow?: ProofOfWork;
  access?: PollAccess;
  metrics?: Metrics;
  tracing?: Tracing;
  now?: () => number;
}

/** A text answer checked against its question, with its cloud words (computed here, per request, not in the batch). */
function textAnswer(poll: Poll, raw: string | undefined): { text: string; words: string[] } {
  const text = checkTextAnswer(raw, poll.text?.maxLength ?? LIMITS.textDefaultLength);
  return { text, words: cloudWords(text, { profanityFilter: poll.text?.profanityFilter ?? false }) };
}

export class VoteService {
  readonly #identity: VoterIdentity;
  readonly #admission: Admission;
  readonly #committer: VoteCommitter;
  readonly #answers: VoteAnswers;
  readonly #metrics: Metrics;
  readonly #now: () => number;

  constructor(
    private readonly store: Store,
    private readonly polls: PollDirectory,
    limiter: RateLimiter,
    notifier: Notifier,
    private readonly tokens: VoterTokens,
    private readonly opts: VoteServiceOptions,
  ) {
    this.#now = opts.now ?? Date.now;
    this.#metrics = opts.metrics ?? noopMetrics;
    this.#answers = opts.answers;
    this.#identity = new VoterIdentity(tokens, opts.invites, limiter, opts.rateLimit.failuresPerMinute ?? 0);
    this.#admission = new Admission(limiter, opts.rateLimit, opts.pow, this.#now);
    this.#committer = new VoteCommitter(store, notifier, opts.answers, opts.tracing ?? noopTracing, opts.groupCommit, opts.onBatch, this.#now);
  }

  get queueDepth(): number {
    return this.#committer.depth;
  }

  /** Casts one vote; every outcome is counted once in the metrics (accepted, replayed or rejected by code). */
  async cast(input: CastInput): Promise<CastAnswer> {
    try {
      return await this.#cast(input);
    } catch (err) {
      this.#metrics.voteRejected(isPollcastError(err) ? err.code : 'internal_error');
      throw err;
    }
  }

  async #cast(input: CastInput): Promise<CastAnswer> {
    const poll = await this.polls.get(input.pollId);
    if (!poll) throw new PollcastError('poll_not_found');
    let principal: ResolvedPrincipal | null = null;
    const who: Principal = async () => (principal ??= await (input.principal ?? anonymous)());
    await this.#see(poll, who);
    const voterKey = await this.#identity.resolve(poll, input, who, 'cast');
    const pow = this.#admission.checkPow(poll, input.pow);
    // Resolved only if the mode or access needed it (TS cannot see the closure assign it).
    const resolved = principal as ResolvedPrincipal | null;
    const rate = await this.#admission.rateLimit(input.ip, voterKey, resolved?.kind === 'apiKey' ? resolved.key.id : null, poll.id);

    // The hash names the ballot as sent: option ids alone (as before values existed), or the value too.
    const asked =
      input.text !== undefined
        ? { optionIds: input.optionIds ?? null, value: input.value ?? null, text: input.text }
        : input.value === undefined
          ? (input.optionIds ?? [])
          : { optionIds: input.optionIds ?? null, value: input.value };
    const idempotency = idempotencyClaim(poll, input.idempotencyKey, asked, input, voterKey);
    if (idempotency) {
      const prior = await priorAnswer(this.store, poll.id, idempotency);
      if (prior) {
        this.#metrics.voteReplayed();
        return this.#replayed(prior, input, voterKey, rate);
      }
    }

    if (poll.kind === 'quiz' && effectiveStatus(poll, this.#now()) === 'closed') throw new PollcastError('answer_too_late');
    assertVotingOpen(poll, this.#now());
    const optionIds = normalizeBallot(poll, input);
    const text = poll.kind === 'text' ? textAnswer(poll, input.text) : undefined;
    await this.#admission.spend(poll, input.ip, pow);
    const cmd: VoteCommand = { pollId: poll.id, voterId: voterKey, optionIds, receiptId: newReceiptId(), at: this.#now() };
    if (idempotency) cmd.idempotency = idempotency;
    if (text) cmd.text = text;

    const { outcome, answer } = await this.#committer.submit(cmd);
    switch (outcome.kind) {
      case 'replay':
        // Another request with this key committed first.
        this.#metrics.voteReplayed();
        return this.#replayed(answer, input, voterKey, rate);
      case 'key_reused':
        throw new PollcastError('idempotency_key_reused');
      case 'counted':
        this.#metrics.voteAccepted();
        break;
      default:
        this.#metrics.voteRejected(outcome.kind === 'duplicate' ? 'already_voted' : outcome.code);
    }
    if (!voterKey.startsWith(DEVICE)) return { response: answer, rate };
    if (input.voterToken !== undefined) return this.#withToken(answer, input.voterToken, rate);
    // A new device voter learns its token from the request that made it, and only from that one.
    if (outcome.kind === 'rejected') return { response: answer, rate };
    return this.#withToken(answer, this.tokens.issue(voterKey.slice(DEVICE.length)), rate);
  }

  /**
   * A stored answer never holds a voter token. A replay gives one back only to a request that
   * presented it (the request hash covers the token, so a match means the very same token):
   * whoever learns a new voter's Idempotency-Key gets the receipt, never the voter's identity.
   */
  #replayed(stored: StoredResponse, input: CastInput, voterKey: string, rate: RateInfo | undefined): CastAnswer {
    if (input.voterToken === undefined || !voterKey.startsWith(DEVICE)) return { response: stored, rate };
    return this.#withToken(stored, input.voterToken, rate);
  }

  #withToken(answer: StoredResponse, voterToken: string, rate: RateInfo | undefined): CastAnswer {
    return { response: this.#answers.withToken(answer, voterToken), voterToken, rate };
  }

  /** Workspace-only polls: outsiders are told nothing (404), whatever the identity mode. */
  async #see(poll: Poll, who: Principal): Promise<void> {
    if (poll.access !== 'workspace') return;
    if (!this.opts.access) throw new PollcastError('poll_not_found');
    await this.opts.access.see(poll, await who());
  }

  /** Commits every vote already accepted; new votes keep queueing until the caller stops them. */
  drain(): Promise<void> {
    return this.#committer.drain();
  }

  /** The stored vote of the voter a request names, or null. Reads the primary. */
  async findVote(poll: Poll, claim: VoterClaim & { principal?: Principal }): Promise<CountedVote | null> {
    const who = claim.principal ?? anonymous;
    await this.#see(poll, who);
    const voterKey = await this.#identity.resolve(poll, claim, who, 'read');
    return voterKey === null ? null : this.store.getVote(poll.id, voterKey);
  }
}
