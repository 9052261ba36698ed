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
import type { Poll, PollDraft, PollKind, PollPatch } from '../domain/poll.js';
import { PollcastError } from '../errors.js';
import type { EventStore } from '../ports/event-store.js';
import type { Notifier } from '../ports/notifier.js';
import { hashOwnerToken, isPollOwner } from './access.js';
import type { PollDirectory } from './poll-directory.js';
import type { Caller, PollService } from './poll-service.js';
import type { ExportedAnswer } from './vote-export.js';
import type { MinuteCount } from '../ports/store.js';
import type { ResolvedPrincipal } from './authenticator.js';

/** Checks a principal's access to a workspace (AccountService.workspace): throws as it does. */
export type WorkspaceCheck = (p: ResolvedPrincipal, workspaceId: string, want: 'read' | 'write') => Promise<unknown>;

/** Attempts at drawing a join code nobody holds (21^6 ≈ 86 million codes). */
const CODE_ATTEMPTS = 20;
/** Attempts at an optimistic event update racing another presenter action. */
const UPDATE_ATTEMPTS = 10;

export interface EventWithQuestions {
  event: LiveEvent;
  /** In the event's order; a question deleted behind the event's back is left out. */
  questions: Poll[];
}

/** One answer in an event's export: the answer and which question it answers. */
export interface EventAnswer extends ExportedAnswer {
  /** 1-based, in the presenter's order. */
  position: number;
  questionId: string;
  question: string;
  kind: PollKind;
}

export class EventService {
  constructor(
    private readonly events: EventStore,
    private readonly polls: PollService,
    private readonly directory: PollDirectory,
    private readonly notifier: Notifier,
    /** Called after an event is deleted, to remove what hangs off it (its audience Q&A). */
    private readonly onDelete: (eventId: string) => Promise<void> = async () => {},
    private readonly workspaces: WorkspaceCheck | null = null,
  ) {}

  /**
   * `inWorkspace`: create it in a workspace the caller may write to (editor, owner, polls:write
   * key); its questions are then polls of that workspace, managed by its roles and the owner token.
   */
  async create(
    title: string,
    drafts: PollDraft[],
    now = Date.now(),
    qa?: Partial<QaSettings>,
    inWorkspace?: { workspaceId: string; caller: Caller },
  ): Promise<EventWithQuestions & { ownerToken: string }> {
    const workspaceId = inWorkspace?.workspaceId ?? null;
    if (inWorkspace) {
      if (!this.workspaces) throw new PollcastError('workspace_not_found');
      await this.workspaces(inWorkspace.caller.principal, inWorkspace.workspaceId, 'write');
    }
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
        questions.push(await this.polls.createOwned({ status: 'draft', ...d }, hash, workspaceId));
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
        workspaceId,
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

  /**
   * The event if the caller manages it: its owner token, or for a workspace's event a session or
   * API key that may write in that workspace. 404 unknown; 401 no token (and no standing in the
   * workspace); 403 another token, or a member without write access.
   */
  async #owned(id: string, caller: Caller): Promise<LiveEvent> {
    const ev = await this.find(id);
    if (!ev) throw new PollcastError('event_not_found');
    if (caller.bearer !== undefined && caller.principal.kind !== 'apiKey' && isPollOwner(ev, caller.bearer)) return ev;
    if (ev.workspaceId && this.workspaces && caller.principal.kind !== 'anonymous') {
      try {
        await this.workspaces(caller.principal, ev.workspaceId, 'write');
        return ev;
      } catch (err) {
        // A member (or the workspace's key) who may not write: 403; outsiders fall through to the token answers.
        if (err instanceof PollcastError && (err.code === 'forbidden' || err.code === 'insufficient_scope')) throw err;
        if (!(err instanceof PollcastError && err.code === 'workspace_not_found')) throw err;
      }
    }
    // As for quick polls (core/access.ts): a session or an API key is no owner token.
    if (caller.bearer === undefined || caller.principal.kind === 'apiKey')
      throw new PollcastError('owner_token_required', 'this action needs the event owner token');
    throw new PollcastError('owner_token_invalid', 'the owner token does not manage this event');
  }

  /** A workspace's events, newest first (`limit` at a time; `before`: the previous page's `next`). */
  async listInWorkspace(principal: ResolvedPrincipal, workspaceId: string, page: { limit: number; before?: number }): Promise<{ events: LiveEvent[]; next: number | null }> {
    if (!this.workspaces) throw new PollcastError('not_found');
    await this.workspaces(principal, workspaceId, 'read');
    const events = await this.events.listInWorkspace(workspaceId, page);
    const last = events[events.length - 1];
    return { events, next: events.length === page.limit && last ? last.createdAt : null };
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
    const question = await this.polls.createOwned({ status: 'draft', ...draft }, before.ownerTokenHash, before.workspaceId ?? null);
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

  /**
   * Every counted answer of every question, question by question in the presenter's order, a
   * store page at a time (core/vote-export.ts): memory stays one page whatever the event's size,
   * and live questions keep taking answers meanwhile. Owner only; each question is read through
   * the poll export, which checks the same token again.
   */
  async exportAnswers(id: string, caller: Caller): Promise<{ event: LiveEvent; pages: AsyncGenerator<EventAnswer[]> }> {
    const event = await this.#owned(id, caller);
    const polls = this.polls;
    async function* pages(): AsyncGenerator<EventAnswer[]> {
      for (const [i, questionId] of event.questionIds.entries()) {
        const q = await polls.exportAnswers(questionId, caller).catch((err: unknown) => {
          // Removed since the event was read: nothing to export.
          if (err instanceof PollcastError && err.code === 'poll_not_found') return null;
          throw err;
        });
        if (!q) continue;
        const about = { position: i + 1, questionId, question: q.poll.question, kind: q.poll.kind };
        for await (const page of q.pages) yield page.map((a) => ({ ...a, ...about }));
      }
    }
    return { event, pages: pages() };
  }

  /** Answers per minute of each question (from the analytics consumer), owner only. */
  async minuteCounts(id: string, caller: Caller): Promise<{ event: LiveEvent; questions: Array<{ poll: Poll; minutes: MinuteCount[] }> }> {
    const event = await this.#owned(id, caller);
    const questions = [];
    for (const questionId of event.questionIds) {
      const q = await this.polls.minuteCounts(questionId, caller).catch((err: unknown) => {
        if (err instanceof PollcastError && err.code === 'poll_not_found') return null;
        throw err;
      });
      if (q) questions.push(q);
    }
    return { event, questions };
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
