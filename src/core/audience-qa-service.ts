/**
 * Audience Q&A for events: anyone joined asks (named or anonymous, as the event allows) and
 * upvotes once per voter; the event's owner moderates (approve, hide, pin, mark answered).
 *
 * Voters are the ones of the vote path: a device's signed voter token (cookie or X-Voter-Token),
 * `d:` + its id, so a phone that voted is the same voter here. A forged token counts against the
 * address's failure budget like a vote's. Upvotes are gathered by a group committer and applied in
 * one store transaction per batch, under the unique key (question, voter): exactly once under any
 * concurrency. Each committed change publishes the event's notice once per batch; the event's live
 * channel pushes it coalesced.
 *
 * Limits (the rate limiter port, one all-or-nothing admission per request): questions and upvotes
 * per voter per event per minute, and a per-address ceiling. One voter counts once per question
 * whatever it sends, so a flood from one voter moves the order by one voter's worth at most.
 */
import {
  compareQuestions,
  newAudienceQuestion,
  newAudienceQuestionId,
  isAudienceQuestionId,
  publicAudienceQuestion,
  QA_LIMITS,
  QUESTION_STATES,
  type AudienceQuestion,
  type AudienceQuestionState,
  type Moderation,
  type PublicAudienceQuestion,
  type QaSettings,
  type QaSort,
  type UpvoteOp,
  type UpvoteOutcome,
} from '../domain/audience-question.js';
import { qaSettings, type LiveEvent } from '../domain/event.js';
import { newVoterId } from '../domain/ids.js';
import type { VoterTokens } from '../domain/voter-token.js';
import { PollcastError } from '../errors.js';
import type { AudienceQaStore, QaCounts } from '../ports/audience-qa-store.js';
import type { Notifier } from '../ports/notifier.js';
import type { RateCheck, RateLimiter } from '../ports/rate-limiter.js';
import type { EventService } from './event-service.js';
import { GroupCommitter, type GroupCommitOptions } from './group-commit.js';
import type { Caller } from './poll-service.js';
import { DEVICE, failureKey } from './vote/voter-identity.js';

const MINUTE = 60_000;
/** How long an upvote trusts an event it read (the rows decide anyway: a deleted event's questions are gone). */
const EVENT_TTL_MS = 1_000;
const EVENT_CACHE_MAX = 10_000;

export interface QaLimits {
  /** Questions one voter may ask in one event per minute (0: no limit). */
  questionsPerVoterPerMinute: number;
  /** Upvotes and un-upvotes one voter may send in one event per minute (0: no limit). */
  upvotesPerVoterPerMinute: number;
  /** Q&A requests (asks and upvotes) per address per minute (0: no limit). */
  ipPerMinute: number;
  /** Forged voter tokens per address per minute (shared with votes; 0: not counted). */
  failuresPerMinute: number;
}

/** What a request says about its voter: the device token, if any, and the address. */
export interface QaClaim {
  voterToken?: string | undefined;
  ip: string;
}

/** What the event's live channel carries of its Q&A. */
export interface QaLive {
  /** Moves up with every change the audience can see. */
  version: number;
  settings: QaSettings;
  counts: QaCounts;
  /** Visible questions: the top QA_LIMITS.liveTop by the top order and the newest QA_LIMITS.liveRecent, each once, in the top order. */
  questions: PublicAudienceQuestion[];
}

export interface UpvoteAnswer {
  questionId: string;
  upvoted: boolean;
  upvotes: number;
  /** A device voter this request made: the HTTP layer sets the cookie. */
  voterToken?: string | undefined;
}

export type StateFilter = AudienceQuestionState | 'all';

export class AudienceQaService {
  readonly #upvotes: GroupCommitter<UpvoteOp, UpvoteOutcome>;
  /** Events read by upvotes lately: a surge of upvotes reads its event once a second, not once per upvote. */
  readonly #recent = new Map<string, { ev: LiveEvent; at: number }>();

  constructor(
    private readonly store: AudienceQaStore,
    private readonly events: EventService,
    private readonly limiter: RateLimiter,
    private readonly notifier: Notifier,
    private readonly tokens: VoterTokens,
    private readonly limits: QaLimits,
    groupCommit: GroupCommitOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.#upvotes = new GroupCommitter(groupCommit, async (ops) => {
      const out = await this.store.applyUpvotes(ops);
      const changed = new Set<string>();
      out.forEach((o, i) => {
        if (o.kind === 'upvoted' || o.kind === 'removed') changed.add(ops[i]!.eventId);
      });
      for (const eventId of changed) this.notifier.publish({ type: 'event', eventId });
      return out;
    });
  }

  async #event(eventId: string): Promise<LiveEvent> {
    const ev = await this.events.find(eventId);
    if (!ev) throw new PollcastError('event_not_found');
    return ev;
  }

  async #eventForUpvote(eventId: string): Promise<LiveEvent> {
    const now = Date.now();
    const hit = this.#recent.get(eventId);
    if (hit && now - hit.at < EVENT_TTL_MS) return hit.ev;
    const ev = await this.#event(eventId);
    if (this.#recent.size >= EVENT_CACHE_MAX) this.#recent.clear();
    this.#recent.set(eventId, { ev, at: now });
    return ev;
  }

  /** The voter key of a request: its token's device, or a new device (`issued`: its token) when it has none. */
  async #voter(claim: QaClaim): Promise<{ key: string; issued?: string }> {
    if (claim.voterToken === undefined) {
      const id = newVoterId();
      return { key: DEVICE + id, issued: this.tokens.issue(id) };
    }
    const id = this.tokens.verify(claim.voterToken);
    if (id === null) {
      if (this.limits.failuresPerMinute > 0) {
        const d = await this.limiter.hit(failureKey(claim.ip), this.limits.failuresPerMinute, MINUTE);
        if (!d.allowed)
          throw new PollcastError('rate_limited', undefined, { limit: this.limits.failuresPerMinute, scope: 'fail' }, Math.max(1, Math.ceil(d.resetMs / 1000)));
      }
      throw new PollcastError('voter_token_invalid');
    }
    return { key: DEVICE + id };
  }

  /** The voter of a read: null without a token (a reader with no token has upvoted nothing). */
  #reader(claim: QaClaim): string | null {
    if (claim.voterToken === undefined) return null;
    const id = this.tokens.verify(claim.voterToken);
    return id === null ? null : DEVICE + id;
  }

  async #admit(ip: string, scope: 'qask' | 'qup', eventId: string, voterKey: string): Promise<void> {
    const { ipPerMinute, failuresPerMinute } = this.limits;
    const perVoter = scope === 'qask' ? this.limits.questionsPerVoterPerMinute : this.limits.upvotesPerVoterPerMinute;
    const checks: RateCheck[] = [];
    if (ipPerMinute > 0) checks.push({ key: 'qaip:' + ip, limit: ipPerMinute, windowMs: MINUTE });
    if (perVoter > 0) checks.push({ key: `${scope}:${eventId}:${voterKey}`, limit: perVoter, windowMs: MINUTE });
    if (failuresPerMinute > 0) checks.push({ key: failureKey(ip), limit: failuresPerMinute, windowMs: MINUTE, cost: 0 });
    if (checks.length === 0) return;
    const a = await this.limiter.admit(checks);
    a.checks.forEach((d, i) => {
      if (d.allowed) return;
      const c = checks[i]!;
      throw new PollcastError('rate_limited', undefined, { limit: c.limit, scope: c.key.slice(0, c.key.indexOf(':')) }, Math.max(1, Math.ceil(d.resetMs / 1000)));
    });
  }

  async ask(eventId: string, body: { text: string; name?: string | undefined }, claim: QaClaim): Promise<{ question: AudienceQuestion; voterToken?: string | undefined }> {
    const ev = await this.#event(eventId);
    const voter = await this.#voter(claim);
    // Checked before anything is spent: a bad text costs the voter nothing.
    const question = newAudienceQuestion(newAudienceQuestionId(), ev.id, voter.key, body.text, body.name, qaSettings(ev), this.now());
    await this.#admit(claim.ip, 'qask', ev.id, voter.key);
    await this.store.add(question);
    this.notifier.publish({ type: 'event', eventId: ev.id });
    return { question, voterToken: voter.issued };
  }

  /** `up`: upvote (409 already_upvoted when counted before); else take it back (idempotent). */
  async upvote(eventId: string, questionId: string, up: boolean, claim: QaClaim): Promise<UpvoteAnswer> {
    const ev = await this.#eventForUpvote(eventId);
    if (!isAudienceQuestionId(questionId)) throw new PollcastError('audience_question_not_found');
    const voter = await this.#voter(claim);
    await this.#admit(claim.ip, 'qup', ev.id, voter.key);
    const out = await this.#upvotes.submit({ eventId: ev.id, questionId, voterKey: voter.key, up, at: this.now() });
    if (out.kind === 'unknown') throw new PollcastError('audience_question_not_found');
    if (out.kind === 'already') throw new PollcastError('already_upvoted', undefined, { questionId, upvotes: out.upvotes });
    return { questionId, upvoted: up, upvotes: out.upvotes, voterToken: voter.issued };
  }

  /**
   * The event's questions in `sort` order. The audience reads visible ones; other states need the
   * owner token. `upvoted`: which of them the reading voter has upvoted.
   */
  async list(
    eventId: string,
    q: { sort: QaSort; state: StateFilter; limit?: number | undefined },
    caller: Caller,
    claim: QaClaim,
  ): Promise<{ questions: PublicAudienceQuestion[]; upvoted: string[]; counts: QaCounts; settings: QaSettings }> {
    const ev = q.state === 'visible' ? await this.#event(eventId) : await this.events.owned(eventId, caller);
    const states = q.state === 'all' ? QUESTION_STATES : [q.state];
    const limit = Math.min(q.limit ?? QA_LIMITS.listMax, QA_LIMITS.listMax);
    const [rows, counts] = await Promise.all([this.store.list(ev.id, { sort: q.sort, states, limit }), this.store.counts(ev.id)]);
    const reader = this.#reader(claim);
    const upvoted = reader === null ? [] : await this.store.upvotedBy(reader, rows.map((r) => r.id));
    return { questions: rows.map(publicAudienceQuestion), upvoted, counts, settings: qaSettings(ev) };
  }

  async moderate(eventId: string, questionId: string, change: Moderation, caller: Caller): Promise<PublicAudienceQuestion> {
    const ev = await this.events.owned(eventId, caller);
    const next = isAudienceQuestionId(questionId) ? await this.store.moderate(ev.id, questionId, change, this.now()) : null;
    if (!next) throw new PollcastError('audience_question_not_found');
    this.notifier.publish({ type: 'event', eventId: ev.id });
    return publicAudienceQuestion(next);
  }

  /** What the event's live channel shows of the Q&A (read once per push). */
  async live(ev: LiveEvent): Promise<QaLive> {
    const visible = ['visible'] as const;
    const [version, counts, top, recent] = await Promise.all([
      this.store.version(ev.id),
      this.store.counts(ev.id),
      this.store.list(ev.id, { sort: 'top', states: visible, limit: QA_LIMITS.liveTop }),
      this.store.list(ev.id, { sort: 'recent', states: visible, limit: QA_LIMITS.liveRecent }),
    ]);
    const seen = new Set(top.map((q) => q.id));
    const questions = [...top, ...recent.filter((q) => !seen.has(q.id))].sort(compareQuestions('top'));
    return { version, settings: qaSettings(ev), counts, questions: questions.map(publicAudienceQuestion) };
  }

  deleteEvent(eventId: string): Promise<void> {
    return this.store.deleteEvent(eventId);
  }

  /** Commits every upvote already accepted. */
  drain(): Promise<void> {
    return this.#upvotes.drain();
  }
}
