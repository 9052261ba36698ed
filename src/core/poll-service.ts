/** Poll lifecycle for owners: create, edit (draft only), open, close, delete. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { newOwnerToken, newPollId } from '../domain/ids.js';
import { createPoll, editPoll, effectiveStatus, transition, type Poll, type PollDraft, type PollPatch } from '../domain/poll.js';
import { PollcastError } from '../errors.js';
import type { Notifier } from '../ports/notifier.js';
import type { Store } from '../ports/store.js';
import type { PollDirectory } from './poll-directory.js';

export function hashOwnerToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class PollService {
  constructor(
    private readonly store: Store,
    private readonly polls: PollDirectory,
    private readonly notifier: Notifier,
    private readonly pickShard: () => number,
  ) {}

  async create(draft: PollDraft): Promise<{ poll: Poll; ownerToken: string }> {
    const ownerToken = newOwnerToken();
    const poll = createPoll(newPollId(this.pickShard()), draft, hashOwnerToken(ownerToken), Date.now());
    await this.store.createPoll(poll);
    // A poll notice wakes the scheduler, which otherwise learns of a new due time only on its next tick.
    if (poll.opensAt !== null || poll.closesAt !== null) this.notifier.publish({ type: 'poll', pollId: poll.id });
    return { poll, ownerToken };
  }

  async get(id: string): Promise<Poll> {
    const poll = await this.polls.get(id);
    if (!poll) throw new PollcastError('poll_not_found');
    return poll;
  }

  /** True when `bearer` is this poll's owner token (constant-time comparison). */
  isOwner(poll: Poll, bearer: string | undefined): boolean {
    if (!bearer) return false;
    const a = Buffer.from(hashOwnerToken(bearer), 'hex');
    const b = Buffer.from(poll.ownerTokenHash, 'hex');
    return a.length === b.length && timingSafeEqual(a, b);
  }

  async #owned(id: string, bearer: string | undefined): Promise<Poll> {
    const poll = await this.polls.fresh(id);
    if (!poll) throw new PollcastError('poll_not_found');
    if (!bearer) throw new PollcastError('owner_token_required');
    if (!this.isOwner(poll, bearer)) throw new PollcastError('owner_token_invalid');
    return poll;
  }

  async edit(id: string, bearer: string | undefined, patch: PollPatch): Promise<Poll> {
    const poll = await this.#owned(id, bearer);
    if (effectiveStatus(poll, Date.now()) !== 'draft') throw new PollcastError('poll_not_draft');
    const next = editPoll(poll, patch, Math.max(Date.now(), poll.updatedAt + 1));
    await this.#save(next, poll.updatedAt);
    return next;
  }

  async setStatus(id: string, bearer: string | undefined, to: 'open' | 'closed'): Promise<Poll> {
    const poll = await this.#owned(id, bearer);
    const now = Math.max(Date.now(), poll.updatedAt + 1);
    const current = { ...poll, status: effectiveStatus(poll, now) };
    const next = transition(current, to, now);
    await this.#save(next, poll.updatedAt);
    return next;
  }

  async delete(id: string, bearer: string | undefined): Promise<void> {
    await this.#owned(id, bearer);
    await this.store.deletePoll(id);
    await this.polls.changed(id);
  }

  async #save(next: Poll, expectedUpdatedAt: number): Promise<void> {
    const version = await this.store.updatePoll(next, expectedUpdatedAt);
    if (version === null) throw new PollcastError('invalid_transition', 'the poll changed meanwhile: read it again and retry');
    await this.polls.changed(next.id);
    this.notifier.publish({ type: 'results', pollId: next.id, version, committedAt: Date.now() });
  }
}
