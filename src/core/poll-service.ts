/** Poll lifecycle: create (quick or in a workspace), edit (draft only), open, close, delete, invites. */
import { exportAnswers, type ExportedAnswer } from './vote-export.js';
import { newOwnerToken, newPollId } from '../domain/ids.js';
import { InviteCodes } from '../domain/invite-codes.js';
import { createPoll, editPoll, effectiveStatus, LIMITS, transition, type Poll, type PollDraft, type PollPatch } from '../domain/poll.js';
import { PollcastError } from '../errors.js';
import type { AccountStore } from '../ports/account-store.js';
import type { Notifier } from '../ports/notifier.js';
import type { MinuteCount, Store } from '../ports/store.js';
import { hashOwnerToken, PollAccess } from './access.js';
import type { AccountService } from './account-service.js';
import type { ResolvedPrincipal } from './authenticator.js';
import type { PollDirectory } from './poll-directory.js';
import { systemClock, type Clock } from '../ports/clock.js';

/** Invite codes made per turn of the event loop (≈ 5–10 ms of HMACs). */
const INVITE_SLICE = 1_000;

/** Codes for serials from … from+count-1, a slice per turn: timers and I/O (other requests) run between slices. */
async function* inviteSlices(invites: InviteCodes, pollId: string, from: number, count: number): AsyncGenerator<string[]> {
  for (let done = 0; done < count; done += INVITE_SLICE) {
    if (done > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    yield invites.issue(pollId, from + done, Math.min(INVITE_SLICE, count - done));
  }
}

/** Who asks: the resolved principal and the raw bearer token (a quick poll's owner token). */
export interface Caller {
  principal: ResolvedPrincipal;
  bearer: string | undefined;
}

export class PollService {
  constructor(
    private readonly store: Store,
    private readonly polls: PollDirectory,
    private readonly notifier: Notifier,
    private readonly pickShard: () => number,
    readonly access: PollAccess,
    private readonly accounts: { service: AccountService; store: AccountStore } | null = null,
    private readonly invites: InviteCodes | null = null,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Without `workspaceId`: a quick poll, managed by the owner token returned once. With it: the
   * caller needs write access to the workspace (editor, owner, or a polls:write key).
   */
  async create(draft: PollDraft & { workspaceId?: string | undefined }, caller?: Caller): Promise<{ poll: Poll; ownerToken: string | null }> {
    const { workspaceId, ...def } = draft;
    let createdBy: string | null = null;
    if (workspaceId !== undefined) {
      if (!this.accounts || !caller) throw new PollcastError('workspace_not_found');
      await this.accounts.service.workspace(caller.principal, workspaceId, 'write');
      createdBy = caller.principal.kind === 'user' ? caller.principal.user.id : caller.principal.kind === 'apiKey' ? `key:${caller.principal.key.id}` : null;
    }
    const ownerToken = workspaceId === undefined ? newOwnerToken() : null;
    const poll = createPoll(newPollId(this.pickShard()), def, ownerToken === null ? '' : hashOwnerToken(ownerToken), this.clock.now(), workspaceId ?? null);
    await this.store.createPoll(poll);
    if (workspaceId !== undefined && this.accounts) {
      await this.accounts.store.addWorkspacePoll({ pollId: poll.id, workspaceId, createdBy, createdAt: poll.createdAt });
    }
    // A poll notice wakes the scheduler, which otherwise learns of a new due time only on its next tick.
    if (poll.opensAt !== null || poll.closesAt !== null) this.notifier.publish({ type: 'poll', pollId: poll.id });
    return { poll, ownerToken };
  }

  /**
   * A question of an event: a poll managed by the event's owner token (given as its hash) and, in a
   * workspace's event, by the workspace's roles too (the caller checked them for the event).
   */
  async createOwned(draft: PollDraft, ownerTokenHash: string, workspaceId: string | null = null): Promise<Poll> {
    const poll = createPoll(newPollId(this.pickShard()), draft, ownerTokenHash, Date.now(), workspaceId);
    await this.store.createPoll(poll);
    if (poll.opensAt !== null || poll.closesAt !== null) this.notifier.publish({ type: 'poll', pollId: poll.id });
    return poll;
  }

  /** Closes an open poll `seconds` from now (the scheduler closes it at zero; votes are refused after it either way). */
  async countdown(id: string, caller: Caller, seconds: number): Promise<Poll> {
    const poll = await this.#managed(id, caller);
    const now = Math.max(Date.now(), poll.updatedAt + 1);
    if (effectiveStatus(poll, now) !== 'open') throw new PollcastError('invalid_transition', 'a countdown runs on an open question');
    const next: Poll = { ...poll, status: 'open', closesAt: now + seconds * 1000, updatedAt: now };
    await this.#save(next, poll.updatedAt);
    return next;
  }

  /** Sets the poll's votes aside (kept in an archive, no longer counted); voters may vote again. */
  async reset(id: string, caller: Caller): Promise<void> {
    await this.#managed(id, caller);
    const version = await this.store.resetVotes(id, Date.now());
    if (version === null) throw new PollcastError('poll_not_found');
    await this.polls.changed(id);
    this.notifier.publish({ type: 'results', pollId: id, version, committedAt: Date.now() });
  }

  /** The poll if the caller may know it exists (a workspace-only poll is 404 to outsiders). */
  async get(id: string, caller?: Caller): Promise<Poll> {
    const poll = await this.polls.get(id);
    if (!poll) throw new PollcastError('poll_not_found');
    if (caller && poll.access !== 'link') await this.access.see(poll, caller.principal);
    return poll;
  }

  /** May the caller read owner-only data of this poll (hidden results, analytics)? */
  mayRead(poll: Poll, caller: Caller): Promise<boolean> {
    return this.access.may(poll, caller.principal, caller.bearer, 'read');
  }

  async #managed(id: string, caller: Caller, want: 'read' | 'write' = 'write'): Promise<Poll> {
    const poll = await this.polls.fresh(id);
    if (!poll) throw new PollcastError('poll_not_found');
    await this.access.require(poll, caller.principal, caller.bearer, want);
    return poll;
  }

  /** Owner-only reads (analytics): throws as `require(…, 'read')` does. */
  readManaged(id: string, caller: Caller): Promise<Poll> {
    return this.#managed(id, caller, 'read');
  }

  /** Manager-only actions outside this service (moderating answers): throws as `require(…, 'write')` does. */
  writeManaged(id: string, caller: Caller): Promise<Poll> {
    return this.#managed(id, caller, 'write');
  }

  /** Votes per minute of a poll the caller may read owner-only data of. */
  async minuteCounts(id: string, caller: Caller): Promise<{ poll: Poll; minutes: MinuteCount[] }> {
    const poll = await this.#managed(id, caller, 'read');
    return { poll, minutes: await this.store.getMinuteCounts(poll.id) };
  }

  /**
   * A workspace's polls, newest first, `limit` at a time (`before`: the previous page's `next`).
   * Two queries whatever the page size: the page of ids, then its polls.
   */
  async listInWorkspace(
    principal: ResolvedPrincipal,
    workspaceId: string,
    page: { limit: number; before?: number },
  ): Promise<{ polls: Poll[]; next: number | null }> {
    if (!this.accounts) throw new PollcastError('not_found');
    await this.accounts.service.workspace(principal, workspaceId, 'read');
    const entries = await this.accounts.store.listWorkspacePolls(workspaceId, page);
    const polls = await this.store.getPolls(entries.map((e) => e.pollId));
    const last = entries[entries.length - 1];
    return { polls, next: entries.length === page.limit && last ? last.createdAt : null };
  }

  /** Every counted answer, page by page (core/vote-export.ts): individual answers, so managers only (`require(…, 'write')`). */
  async exportAnswers(id: string, caller: Caller): Promise<{ poll: Poll; pages: AsyncGenerator<ExportedAnswer[]> }> {
    const poll = await this.#managed(id, caller, 'write');
    return { poll, pages: exportAnswers(this.store, poll) };
  }

  async edit(id: string, caller: Caller, patch: PollPatch): Promise<Poll> {
    const poll = await this.#managed(id, caller);
    if (effectiveStatus(poll, this.clock.now()) !== 'draft') throw new PollcastError('poll_not_draft');
    const next = editPoll(poll, patch, Math.max(this.clock.now(), poll.updatedAt + 1));
    await this.#save(next, poll.updatedAt);
    return next;
  }

  async setStatus(id: string, caller: Caller, to: 'open' | 'closed'): Promise<Poll> {
    const poll = await this.#managed(id, caller);
    const now = Math.max(this.clock.now(), poll.updatedAt + 1);
    const current = { ...poll, status: effectiveStatus(poll, now) };
    const next = transition(current, to, now);
    await this.#save(next, poll.updatedAt);
    return next;
  }

  async delete(id: string, caller: Caller): Promise<void> {
    const poll = await this.#managed(id, caller);
    await this.store.deletePoll(id);
    if (poll.workspaceId !== null) await this.accounts?.store.removeWorkspacePoll(id);
    await this.polls.changed(id);
  }

  /**
   * Issues `count` more invite codes for an invite poll. The issued count is raised with an
   * optimistic write (retried on a concurrent change), so two requests never hand out one serial.
   * `spend` runs once, after the checks and before the write, so a refused budget burns no serials.
   * The codes come in slices of INVITE_SLICE with a turn of the event loop before each further
   * slice: 100,000 HMACs in one go would hold every other request for most of a second.
   */
  async issueInvites(id: string, caller: Caller, count: number, spend: (count: number) => Promise<void> = async () => {}): Promise<{ slices: AsyncIterable<string[]>; issued: number }> {
    const invites = this.invites;
    if (!invites) throw new PollcastError('not_found');
    let spent = false;
    for (let attempt = 0; attempt < 20; attempt++) {
      const poll = await this.#managed(id, caller);
      if (poll.identityMode !== 'invite') throw new PollcastError('invalid_poll', 'invite codes are for polls with identityMode "invite"', { field: 'identityMode' });
      if (poll.invitesIssued + count > LIMITS.invitesPerPoll) {
        throw new PollcastError('invalid_poll', `a poll has at most ${LIMITS.invitesPerPoll} invite codes`, { field: 'count' });
      }
      if (!spent) {
        await spend(count);
        spent = true;
      }
      const next: Poll = { ...poll, invitesIssued: poll.invitesIssued + count, updatedAt: Math.max(this.clock.now(), poll.updatedAt + 1) };
      const version = await this.store.updatePoll(next, poll.updatedAt);
      if (version === null) continue;
      await this.polls.changed(id);
      return { slices: inviteSlices(invites, id, poll.invitesIssued, count), issued: next.invitesIssued };
    }
    throw new PollcastError('invalid_transition', 'the poll kept changing meanwhile: retry');
  }

  async #save(next: Poll, expectedUpdatedAt: number): Promise<void> {
    const version = await this.store.updatePoll(next, expectedUpdatedAt);
    if (version === null) throw new PollcastError('invalid_transition', 'the poll changed meanwhile: read it again and retry');
    await this.polls.changed(next.id);
    this.notifier.publish({ type: 'results', pollId: next.id, version, committedAt: this.clock.now() });
  }
}
