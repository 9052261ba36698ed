/**
 * The vote path: identify the voter → rate limit → idempotency → validate the ballot →
 * group-commit buffer → answer after the batch commits. Answers are rendered once, as the exact
 * bytes the client gets, so an idempotent retry can replay them byte for byte.
 */
import { createHash } from 'node:crypto';
import { newReceiptId, newVoterId } from '../domain/ids.js';
import { assertVotingOpen, LIMITS, type Poll } from '../domain/poll.js';
import { normalizeChoice, type StoredResponse, type VoteCommand, type VoteOutcome } from '../domain/vote.js';
import type { VoterTokens } from '../domain/voter-token.js';
import { isPollcastError, PollcastError, problemBody } from '../errors.js';
import { noopMetrics, type Metrics } from '../observability/metrics.js';
import { inSpan, noopTracing, type SpanHandle, type Tracing } from '../observability/tracing.js';
import type { Notifier } from '../ports/notifier.js';
import type { RateLimiter } from '../ports/rate-limiter.js';
import type { Store } from '../ports/store.js';
import { GroupCommitter, type BatchObserver, type GroupCommitOptions } from './group-commit.js';
import type { PollDirectory } from './poll-directory.js';
import { isPollOwner, type PollAccess } from './access.js';
import type { ResolvedPrincipal } from './authenticator.js';
import { ANONYMOUS } from '../domain/principal.js';
import type { InviteCodes } from '../domain/invite-codes.js';
import type { ProofOfWork } from '../domain/proof-of-work.js';

export interface CastInput {
  pollId: string;
  optionIds: string[];
  /** `open` mode: the caller names the voter. */
  voterId?: string | undefined;
  /** `device` mode: the token from X-Voter-Token or the cookie, if any. */
  voterToken?: string | undefined;
  /** `invite` mode: the voter's one-time code. */
  inviteCode?: string | undefined;
  /** A solved proof-of-work challenge, for polls that ask for one. */
  pow?: { challenge: string; solution: string } | undefined;
  idempotencyKey?: string | undefined;
  ip: string;
  /** The Authorization bearer (an API key or a quick poll's owner token), if any. */
  bearer?: string | undefined;
  /** Resolves the caller's session or API key; called only when the poll's mode or access needs it. */
  principal?: () => Promise<ResolvedPrincipal>;
}

export interface CastAnswer {
  status: number;
  body: string;
  /** Set for device voters, so the HTTP layer can set the cookie. */
  voterToken?: string | undefined;
  retryAfterSec?: number;
  rate?: { limit: number; remaining: number; resetSec: number };
}

const isStoreUnavailable = (err: unknown) => err instanceof PollcastError && err.code === 'store_unavailable';
const IDEMPOTENCY_KEY_RE = /^[\x21-\x7e]{1,255}$/;
const DEVICE = 'd:';
const NAMED = 'o:';
const ACCOUNT = 'a:';
const INVITE = 'i:';
/** A per-address cap lasts as long as a poll can reasonably run. */
const IP_CAP_WINDOW_MS = 400 * 24 * 3_600_000;
const anonymous = async (): Promise<ResolvedPrincipal> => ANONYMOUS;

export interface VoteServiceOptions {
  groupCommit: GroupCommitOptions;
  rateLimit: { ipPerMinute: number; voterPerMinute: number; apiKeyPerMinute?: number; pollPerMinute?: number };
  onBatch?: BatchObserver;
  /** Needed by invite polls, proof-of-work polls and workspace-only polls; absent: those votes are refused. */
  invites?: InviteCodes;
  pow?: ProofOfWork;
  access?: PollAccess;
  metrics?: Metrics;
  tracing?: Tracing;
}

export class VoteService {
  readonly #committer: GroupCommitter<VoteCommand, VoteOutcome>;
  readonly #metrics: Metrics;
  readonly #tracing: Tracing;
  /** The request span each queued vote came from (tracing on only): the batch continues them. */
  readonly #spans = new WeakMap<VoteCommand, SpanHandle>();

  constructor(
    private readonly store: Store,
    private readonly polls: PollDirectory,
    private readonly limiter: RateLimiter,
    private readonly notifier: Notifier,
    private readonly tokens: VoterTokens,
    private readonly opts: VoteServiceOptions,
  ) {
    this.#committer = new GroupCommitter(opts.groupCommit, (batch) => this.#commit(batch), opts.onBatch, isStoreUnavailable);
    this.#metrics = opts.metrics ?? noopMetrics;
    this.#tracing = opts.tracing ?? noopTracing;
  }

  get queueDepth(): number {
    return this.#committer.depth;
  }

  #commit(batch: VoteCommand[]): Promise<VoteOutcome[]> {
    if (!this.#tracing.enabled) return this.#commitBatch(batch, undefined);
    // One transaction carries many requests: its span continues the first and links the others.
    const from = batch.map((c) => this.#spans.get(c));
    return inSpan(
      this.#tracing,
      'vote.batch',
      { parent: from[0] ?? null, links: from.slice(1, 128), attributes: { 'pollcast.batch.size': batch.length } },
      (span) => this.#commitBatch(batch, span.traceparent),
    );
  }

  /** `traceparent` goes into the batch's outbox events and results notices (tracing on only). */
  async #commitBatch(batch: VoteCommand[], traceparent: string | undefined): Promise<VoteOutcome[]> {
    const outcomes = await this.store.recordVotes(batch, (cmd, outcome) => this.#render(cmd, outcome), traceparent === undefined ? undefined : { traceparent });
    const committedAt = Date.now();
    const versions = new Map<string, number>();
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i]!;
      if (o.kind === 'counted') versions.set(batch[i]!.pollId, o.version);
    }
    for (const [pollId, version] of versions) {
      this.notifier.publish(traceparent === undefined ? { type: 'results', pollId, version, committedAt } : { type: 'results', pollId, version, committedAt, traceparent });
    }
    return outcomes;
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
    // Workspace-only polls: outsiders are told nothing (404), whatever the identity mode.
    let principal: ResolvedPrincipal | null = null;
    const who = async () => (principal ??= await (input.principal ?? anonymous)());
    if (poll.access === 'workspace') {
      if (!this.opts.access) throw new PollcastError('poll_not_found');
      await this.opts.access.see(poll, await who());
    }
    const voterId = await this.#identify(poll, input, who);
    const pow = poll.powDifficulty > 0 && poll.identityMode === 'device' ? this.#checkPow(poll, input) : null;

    // Resolved only if the mode or access needed it (TS cannot see the closure assign it).
    const resolved = principal as ResolvedPrincipal | null;
    const keyId = resolved?.kind === 'apiKey' ? resolved.key.id : null;
    const rate = await this.#rateLimit(input.ip, voterId, keyId, poll.id);

    let idempotency: VoteCommand['idempotency'];
    if (input.idempotencyKey !== undefined) {
      if (!IDEMPOTENCY_KEY_RE.test(input.idempotencyKey)) throw new PollcastError('idempotency_key_invalid', 'Idempotency-Key must be 1–255 visible ASCII characters');
      // Keys are per poll, not per voter: the hash names who asks, so another voter's request
      // with the same key is 422, never a replay of someone else's answer. (Invite codes and
      // accounts are appended only when present, so older stored hashes still match.)
      const asked = [input.pollId, input.optionIds, input.voterId ?? null, input.voterToken ?? null];
      if (poll.identityMode === 'invite' || poll.identityMode === 'account') asked.push(voterId);
      const requestHash = createHash('sha256').update(JSON.stringify(asked)).digest('base64url');
      const prior = await this.store.getIdempotent(input.pollId, input.idempotencyKey);
      if (prior) {
        if (prior.requestHash !== requestHash) throw new PollcastError('idempotency_key_reused');
        this.#metrics.voteReplayed();
        return this.#answer(prior, rate);
      }
      idempotency = { key: input.idempotencyKey, requestHash };
    }

    assertVotingOpen(poll, Date.now());
    const optionIds = normalizeChoice(poll, input.optionIds);
    // Single-use checks spend something: only for a vote that is otherwise ready to go.
    if (pow) {
      const fresh = await this.limiter.claimOnce(`pow:${pow.nonce}`, Math.max(1000, pow.expiresAt - Date.now() + 1000));
      if (!fresh) throw new PollcastError('proof_of_work_invalid', 'this challenge was already used: get a new one');
    }
    if (poll.ipCap !== null) {
      const d = await this.limiter.hit(`ipcap:${poll.id}:${input.ip}`, poll.ipCap, IP_CAP_WINDOW_MS);
      if (!d.allowed) throw new PollcastError('ip_cap_reached', undefined, { limit: poll.ipCap });
    }
    const cmd: VoteCommand = { pollId: poll.id, voterId, optionIds, receiptId: newReceiptId(), at: Date.now() };
    if (idempotency) cmd.idempotency = idempotency;
    if (this.#tracing.enabled) {
      const span = this.#tracing.active();
      if (span) this.#spans.set(cmd, span);
    }
    const outcome = await this.#committer.submit(cmd);
    if (outcome.kind === 'replay') {
      this.#metrics.voteReplayed();
      return this.#answer(outcome.response, rate);
    }
    if (outcome.kind === 'key_reused') throw new PollcastError('idempotency_key_reused');
    if (outcome.kind === 'counted') this.#metrics.voteAccepted();
    else this.#metrics.voteRejected(outcome.kind === 'duplicate' ? 'already_voted' : outcome.code);
    const rendered = this.#render(cmd, outcome);
    return this.#answer(rendered, rate, rendered.voterToken ?? null);
  }

  async #identify(poll: Poll, input: CastInput, who: () => Promise<ResolvedPrincipal>): Promise<string> {
    const mode = poll.identityMode;
    if (mode !== 'open' && input.voterId !== undefined) throw new PollcastError('voter_id_not_allowed');
    switch (mode) {
      case 'open': {
        if (input.voterId === undefined) throw new PollcastError('voter_id_required');
        if (input.voterId.length === 0 || input.voterId.length > LIMITS.voterIdMax) {
          throw new PollcastError('validation_failed', `voterId must be 1–${LIMITS.voterIdMax} characters`);
        }
        await this.#requireTrustedCaller(poll, input, who);
        return NAMED + input.voterId;
      }
      case 'account': {
        const p = await who();
        if (p.kind !== 'user') throw new PollcastError('csrfFailed' in p ? 'csrf_token_invalid' : 'login_required');
        return ACCOUNT + p.user.id;
      }
      case 'invite': {
        if (input.inviteCode === undefined) throw new PollcastError('invite_code_required');
        const serial = this.opts.invites?.verify(poll.id, input.inviteCode, poll.invitesIssued) ?? null;
        if (serial === null) throw new PollcastError('invite_code_invalid');
        return INVITE + serial;
      }
      case 'device': {
        if (input.voterToken === undefined) return DEVICE + newVoterId();
        const id = this.tokens.verify(input.voterToken);
        if (id === null) throw new PollcastError('voter_token_invalid');
        return DEVICE + id;
      }
    }
  }

  /** `open` mode: an API key of the poll's workspace with votes:write, or a quick poll's owner token. */
  async #requireTrustedCaller(poll: Poll, input: CastInput, who: () => Promise<ResolvedPrincipal>): Promise<void> {
    if (input.bearer === undefined) throw new PollcastError('trusted_caller_required');
    if (poll.workspaceId === null && isPollOwner(poll, input.bearer)) return;
    const p = await who();
    if (p.kind === 'apiKey' && p.key.workspaceId === poll.workspaceId && p.key.scopes.includes('votes:write')) return;
    if (p.kind === 'apiKey' && p.key.workspaceId === poll.workspaceId) throw new PollcastError('insufficient_scope', 'naming voters needs the votes:write scope');
    throw new PollcastError(p.kind === 'apiKey' ? 'forbidden' : 'trusted_caller_required');
  }

  #checkPow(poll: Poll, input: CastInput): { nonce: string; expiresAt: number } {
    if (input.pow === undefined) throw new PollcastError('proof_of_work_required', undefined, { challenge: `/v1/polls/${poll.id}/challenge` });
    const r = this.opts.pow?.verify(poll.id, poll.powDifficulty, input.pow.challenge, input.pow.solution, Date.now());
    if (!r || !r.ok) throw new PollcastError('proof_of_work_invalid');
    return r;
  }

  async #rateLimit(ip: string, voterId: string, keyId: string | null, pollId: string): Promise<CastAnswer['rate']> {
    const { ipPerMinute, voterPerMinute, apiKeyPerMinute = 0, pollPerMinute = 0 } = this.opts.rateLimit;
    let tightest: CastAnswer['rate'];
    const check = async (key: string, limit: number) => {
      const d = await this.limiter.hit(key, limit, 60_000);
      const resetSec = Math.max(1, Math.ceil(d.resetMs / 1000));
      if (!d.allowed) throw new PollcastError('rate_limited', undefined, { limit, scope: key.slice(0, key.indexOf(':')) }, resetSec);
      if (!tightest || d.remaining < tightest.remaining) tightest = { limit, remaining: d.remaining, resetSec };
    };
    // Every check goes out together (one pipelined round trip on Redis). The per-IP limit is a
    // high ceiling (a lecture hall shares one address); the per-voter limit carries the load.
    const checks: Array<Promise<void>> = [];
    if (ipPerMinute > 0) checks.push(check('ip:' + ip, ipPerMinute));
    if (voterPerMinute > 0) checks.push(check('voter:' + pollId + ':' + voterId, voterPerMinute));
    if (keyId !== null && apiKeyPerMinute > 0) checks.push(check('key:' + keyId, apiKeyPerMinute));
    if (pollPerMinute > 0) checks.push(check('poll:' + pollId, pollPerMinute));
    await Promise.all(checks);
    return tightest;
  }

  /**
   * `token` is known for an answer rendered in this request (null: none); a stored answer being
   * replayed carries it only inside its body, so only replays read it back from there.
   */
  #answer(stored: StoredResponse, rate: CastAnswer['rate'], token?: string | null): CastAnswer {
    if (token === undefined) token = /"voterToken":"([^"]+)"/.exec(stored.body)?.[1] ?? null;
    const answer: CastAnswer = { status: stored.status, body: stored.body, voterToken: token ?? undefined };
    if (rate) answer.rate = rate;
    return answer;
  }

  /** The exact answer for an outcome. Called inside the store transaction for idempotent votes. */
  #render(cmd: VoteCommand, outcome: VoteOutcome): StoredResponse & { voterToken?: string | undefined } {
    const requestHash = cmd.idempotency?.requestHash ?? '';
    const voterToken = cmd.voterId.startsWith(DEVICE) ? this.tokens.issue(cmd.voterId.slice(DEVICE.length)) : undefined;
    switch (outcome.kind) {
      case 'counted':
        return {
          status: 201,
          requestHash,
          voterToken,
          body: JSON.stringify({
            pollId: cmd.pollId,
            receiptId: outcome.vote.receiptId,
            optionIds: outcome.vote.optionIds,
            countedAt: new Date(outcome.vote.at).toISOString(),
            changed: outcome.changed,
            voterToken,
          }),
        };
      case 'duplicate':
        return {
          status: 409,
          requestHash,
          voterToken,
          body: problemBody('already_voted', undefined, {
            counted: { receiptId: outcome.counted.receiptId, optionIds: outcome.counted.optionIds, countedAt: new Date(outcome.counted.at).toISOString() },
            voterToken,
          }),
        };
      case 'rejected': {
        const status = outcome.code === 'poll_not_found' ? 404 : 409;
        return { status, requestHash, body: problemBody(outcome.code) };
      }
      case 'replay':
        return outcome.response;
      case 'key_reused':
        return { status: 422, requestHash, body: problemBody('idempotency_key_reused') };
    }
  }

  /** Commits every vote already accepted; new votes keep queueing until the caller stops them. */
  drain(): Promise<void> {
    return this.#committer.drain();
  }

  /** The stored vote of the voter a request names, or null. Reads the primary. */
  async findVote(poll: Poll, who: { voterToken?: string | undefined; voterId?: string | undefined; inviteCode?: string | undefined; bearer?: string | undefined; principal?: () => Promise<ResolvedPrincipal> }) {
    let key: string;
    const principal = who.principal ?? anonymous;
    if (poll.access === 'workspace') await this.opts.access?.see(poll, await principal());
    switch (poll.identityMode) {
      case 'open':
        if (who.voterId === undefined) throw new PollcastError('voter_id_required');
        await this.#requireTrustedCaller(poll, who as CastInput, principal);
        key = NAMED + who.voterId;
        break;
      case 'account': {
        const p = await principal();
        if (p.kind !== 'user') throw new PollcastError('login_required');
        key = ACCOUNT + p.user.id;
        break;
      }
      case 'invite': {
        if (who.inviteCode === undefined) throw new PollcastError('invite_code_required');
        const serial = this.opts.invites?.verify(poll.id, who.inviteCode, poll.invitesIssued) ?? null;
        if (serial === null) throw new PollcastError('invite_code_invalid');
        key = INVITE + serial;
        break;
      }
      case 'device': {
        if (who.voterToken === undefined) return null;
        const id = this.tokens.verify(who.voterToken);
        if (id === null) throw new PollcastError('voter_token_invalid');
        key = DEVICE + id;
      }
    }
    return this.store.getVote(poll.id, key);
  }
}
