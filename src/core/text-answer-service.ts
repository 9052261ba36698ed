/**
 * Open-text answers after they are counted: the manager's feed (every state) and moderation. A
 * hide or an approval commits with its word-count changes and a new results version, then a
 * `results` notice goes out, so every cloud and feed on screen changes with the next push (≤ 1 s).
 */
import type { ModerationAction, TextAnswerRecord } from '../domain/text-answer.js';
import { PollcastError } from '../errors.js';
import type { Notifier } from '../ports/notifier.js';
import type { ModeratedAnswer, Store } from '../ports/store.js';
import type { Caller, PollService } from './poll-service.js';

export const FEED_MAX = 200;

export class TextAnswerService {
  constructor(
    private readonly store: Store,
    private readonly polls: PollService,
    private readonly notifier: Notifier,
    private readonly now: () => number = Date.now,
  ) {}

  /** Newest first; `before`: the `at` of the last answer of the previous page. */
  async feed(pollId: string, caller: Caller, limit: number, before: number | null): Promise<TextAnswerRecord[]> {
    const poll = await this.polls.readManaged(pollId, caller);
    if (poll.kind !== 'text') return [];
    return this.store.listTextAnswers(poll.id, Math.min(Math.max(1, limit), FEED_MAX), before);
  }

  async moderate(pollId: string, answerId: string, caller: Caller, action: ModerationAction): Promise<ModeratedAnswer> {
    const poll = await this.polls.writeManaged(pollId, caller);
    if (poll.kind !== 'text') throw new PollcastError('answer_not_found');
    const done = await this.store.moderateAnswer(poll.id, answerId, action, this.now());
    if (!done) throw new PollcastError('answer_not_found');
    this.notifier.publish({ type: 'results', pollId: poll.id, version: done.version, committedAt: this.now() });
    return done;
  }
}
