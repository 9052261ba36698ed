/**
 * Events: create one with its questions, read it by id or join code, and the presenter's actions
 * (current question, results shown, questions added, edited while draft, reordered, removed,
 * voting opened and closed, a countdown, a reset). Every question is a quick poll managed by the
 * event's owner token, so the poll routes accept that token too. Each change the audience can see
 * publishes an `event` notice; the event stream (realtime/event-source.ts) pushes it coalesced.
 */
import {
  addQuestion,
  createLiveEvent,
  isLiveEventId,
  newJoinCode,
  newLiveEventId,
  normalizeJoinCode,
  removeQuestion,
  reorderQuestions,
  setCurrent,
  setQaSettings,
  setTitle,
  showResults,
  type LiveEvent,
} from '../domain/event.js';
import type { QaSettings } from '../domain/audience-question.js';
import { newOwnerToken } from '../domain/ids.js';
import type { Poll, PollDraft, PollPatch } from '../domain/poll.js';
import { PollcastError } from '../errors.js';
import type { EventStore } from '../ports/event-store.js';
import type { Notifier } from '../ports/notifier.js';
import { hashOwnerToken, isPollOwner } from './access.js';
import type { PollDirectory } from './poll-directory.js';
import type { Caller, PollService } from './poll-service.js';

/** Attempts at drawing a join code nobody holds (21^6 ≈ 86 million codes). */
const CODE_ATTEMPTS = 20;
/** Attempts at an optimistic event update racing another presenter action. */
const UPDATE_ATTEMPTS = 10;

export interface EventWithQuestions {
  event: LiveEvent;
  /** In the event's order; a question deleted behind the event's back is left out. */
  questions: Poll[];
}

export class EventService {
  constructor(
    private readonly events: EventStore,
    private readonly polls: PollService,
    private readonly directory: PollDirectory,
    private readonly notifier: Notifier,
    /** Called after an event is deleted, to remove what hangs off it (its audience Q&A). */
    private readonly onDelete: (eventId: string) => Promise<void> = async () => {},
  ) {}

  async create(
    title: string,
    drafts: PollDraft[],
    now = Date.now(),
    qa?: Partial<QaSettings>,
  ): Promise<EventWithQuestions & { ownerToken: string }> {
    const ownerToken = newOwnerToken();
    const hash = hashOwnerToken(ownerToken);
    // Checked before anything is written: a bad title or too many questions creates no polls.
    createLiveEvent(
      'ev_check',
      'CHECK',
      title,
      hash,
      drafts.map((_, i) => String(i)),
      now,
    );
    const questions: Poll[] = [];
    for (const [i, d] of drafts.entries()) {
      try {
        questions.push(await this.polls.createOwned({ status: 'draft', ...d }, hash));
      } catch (err) {
        if (err instanceof PollcastError && err.code === 'invalid_poll') {
          const field = typeof err.extra?.field === 'string' ? `questions[${i}].${err.extra.field}` : `questions[${i}]`;
          throw new PollcastError('invalid_poll', `questions[${i}]: ${err.message}`, { ...err.extra, field });
        }
        throw err;
      }
    }
    for (let attempt = 0; attempt < CODE_ATTEMPTS; attempt++) {
      const ev = createLiveEvent(
        newLiveEventId(),
        newJoinCode(),
        title,
        hash,
        questions.map((q) => q.id),
        now,
        qa,
      );
      if (await this.events.create(ev)) return { event: ev, questions, ownerToken };
    }
    throw new PollcastError('overloaded', 'no free join code found: retry');
  }

  async get(id: string): Promise<EventWithQuestions> {
    const ev = isLiveEventId(id) ? await this.events.get(id) : null;
    if (!ev) throw new PollcastError('event_not_found');
    return { event: ev, questions: await this.#questions(ev) };
  }

  /** By join code, in any letter case (spaces and dashes ignored). */
  async join(typed: string): Promise<EventWithQuestions> {
    const code = normalizeJoinCode(typed);
    const ev = code === null ? null : await this.events.getByCode(code);
    if (!ev) throw new PollcastError('event_not_found');
    return { event: ev, questions: await this.#questions(ev) };
  }

  /** The event, if it exists (no questions read). */
  async find(id: string): Promise<LiveEvent | null> {
    return isLiveEventId(id) ? this.events.get(id) : null;
  }

  async #questions(ev: LiveEvent): Promise<Poll[]> {
    const polls = await Promise.all(ev.questionIds.map((id) => this.directory.get(id)));
    return polls.filter((p): p is Poll => p !== null);
  }

  /** The event if the caller holds its owner token (404 unknown, 401 no token, 403 another token). */
  owned(id: string, caller: Caller): Promise<LiveEvent> {
    return this.#owned(id, caller);
  }

  /** The event if `bearer` is its owner token: 404 unknown, 401 no token, 403 another token. */
  async #owned(id: string, caller: Caller): Promise<LiveEvent> {
    const ev = await this.find(id);
    if (!ev) throw new PollcastError('event_not_found');
    // As for quick polls (core/access.ts): a session or an API key is no owner token.
    if (caller.bearer === undefined || caller.principal.kind === 'apiKey')
      throw new PollcastError('owner_token_required', 'this action needs the event owner token');
    if (!isPollOwner(ev, caller.bearer))
      throw new PollcastError('owner_token_invalid', 'the owner token does not manage this event');
    return ev;
  }

  /** Applies `change` to the stored event, retrying when another action got in first. */
  async #update(
    id: string,
    caller: Caller,
    change: (ev: LiveEvent, now: number) => LiveEvent | Promise<LiveEvent>,
  ): Promise<LiveEvent> {
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const ev = await this.#owned(id, caller);
      const next = await change(ev, Date.now());
      if (await this.events.update(next, ev.version)) {
        this.notifier.publish({ type: 'event', eventId: id });
        return next;
      }
    }
    throw new PollcastError('invalid_transition', 'the event kept changing meanwhile: retry');
  }

  async #question(id: string, caller: Caller, questionId: string): Promise<LiveEvent> {
    const ev = await this.#owned(id, caller);
    if (!ev.questionIds.includes(questionId))
      throw new PollcastError('question_not_in_event', undefined, { questionId });
    return ev;
  }

  setCurrent(id: string, caller: Caller, questionId: string | null): Promise<LiveEvent> {
    return this.#update(id, caller, (ev, now) => setCurrent(ev, questionId, now));
  }

  showResults(id: string, caller: Caller, shown: boolean): Promise<LiveEvent> {
    return this.#update(id, caller, (ev, now) => showResults(ev, shown, now));
  }

  setQa(id: string, caller: Caller, patch: Partial<QaSettings>): Promise<LiveEvent> {
    return this.#update(id, caller, (ev, now) => setQaSettings(ev, patch, now));
  }

  rename(id: string, caller: Caller, title: string): Promise<LiveEvent> {
    return this.#update(id, caller, (ev, now) => setTitle(ev, title, now));
  }

  async addQuestion(
    id: string,
    caller: Caller,
    draft: PollDraft,
    position?: number,
  ): Promise<{ event: LiveEvent; question: Poll }> {
    const before = await this.#owned(id, caller);
    const question = await this.polls.createOwned({ status: 'draft', ...draft }, before.ownerTokenHash);
    const event = await this.#update(id, caller, (ev, now) => addQuestion(ev, question.id, position, now));
    return { event, question };
  }

  async editQuestion(id: string, caller: Caller, questionId: string, patch: PollPatch): Promise<Poll> {
    await this.#question(id, caller, questionId);
    const poll = await this.polls.edit(questionId, caller, patch);
    this.notifier.publish({ type: 'event', eventId: id });
    return poll;
  }

  reorder(id: string, caller: Caller, order: string[]): Promise<LiveEvent> {
    return this.#update(id, caller, (ev, now) => reorderQuestions(ev, order, now));
  }

  /** Removes the question from the event and deletes it with its votes. */
  async removeQuestion(id: string, caller: Caller, questionId: string): Promise<LiveEvent> {
    const event = await this.#update(id, caller, (ev, now) => removeQuestion(ev, questionId, now));
    await this.polls.delete(questionId, caller).catch((err: unknown) => {
      if (!(err instanceof PollcastError && err.code === 'poll_not_found')) throw err;
    });
    return event;
  }

  async setVoting(id: string, caller: Caller, questionId: string, to: 'open' | 'closed'): Promise<Poll> {
    await this.#question(id, caller, questionId);
    const poll = await this.polls.setStatus(questionId, caller, to);
    this.notifier.publish({ type: 'event', eventId: id });
    return poll;
  }

  async countdown(id: string, caller: Caller, questionId: string, seconds: number): Promise<Poll> {
    await this.#question(id, caller, questionId);
    const poll = await this.polls.countdown(questionId, caller, seconds);
    this.notifier.publish({ type: 'event', eventId: id });
    return poll;
  }

  async reset(id: string, caller: Caller, questionId: string): Promise<void> {
    await this.#question(id, caller, questionId);
    await this.polls.reset(questionId, caller);
    this.notifier.publish({ type: 'event', eventId: id });
  }

  /** Deletes the event and its questions; the join code is free again. */
  async delete(id: string, caller: Caller): Promise<void> {
    const ev = await this.#owned(id, caller);
    await this.events.delete(id);
    for (const q of ev.questionIds) await this.polls.delete(q, caller).catch(() => {});
    await this.onDelete(id);
    this.notifier.publish({ type: 'event', eventId: id });
  }
}
