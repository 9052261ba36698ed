/**
 * Turns outbox events into deliveries: a poll opening or closing, its final results and vote-count
 * milestones become one webhook delivery per endpoint of the poll's workspace that subscribed to
 * the event, and a close becomes a summary e-mail to the workspace's owners (when enabled). Each
 * delivery's eventId derives from the outbox event (or, for a milestone, from the poll and the
 * number), so an event handled twice — a broker redelivery, a crash before the ack — finds its
 * deliveries there and adds none.
 */
import { randomId } from '../../domain/ids.js';
import type { NewDelivery } from '../../domain/delivery.js';
import { milestonesCrossed, type WebhookBody, type WebhookEvent } from '../../domain/webhook-events.js';
import type { Poll } from '../../domain/poll.js';
import type { AccountStore } from '../../ports/account-store.js';
import type { DeliveryStore } from '../../ports/delivery-store.js';
import type { OutboxEvent, Store } from '../../ports/store.js';

export interface FanoutOptions {
  /** E-mail owners a summary when a workspace poll closes (needs e-mail on). */
  closeSummaries: boolean;
  /** Called after new deliveries were stored (wakes the delivery worker). */
  onEnqueued?: () => void;
}

export const newDeliveryId = (): string => 'dl_' + randomId(16);

export class DeliveryFanout {
  /** The highest milestone planned per poll in this process (a bounded memo: it only saves work). */
  readonly #milestones = new Map<string, number>();
  readonly #pending = new Map<string, number>();

  constructor(
    private readonly store: Pick<Store, 'getPoll' | 'getResults'>,
    private readonly accounts: Pick<AccountStore, 'listWebhooks' | 'listMembers'>,
    private readonly deliveries: Pick<DeliveryStore, 'enqueue'>,
    private readonly opts: FanoutOptions,
    /** The poll's counted voters now (`fresh`: from the store, not a cache), or null when it is gone. */
    private readonly totalOf: (pollId: string, fresh: boolean) => Promise<number | null> = async (id, fresh) =>
      (await store.getResults(id, { fresh }))?.total ?? null,
  ) {}

  async handle(event: OutboxEvent): Promise<void> {
    const planned: Array<{ type: WebhookEvent; id: string; data: () => Promise<Record<string, unknown> | null> }> = [];
    let poll: Poll | null | undefined;
    const pollOnce = async () =>
      poll === undefined ? (poll = await this.store.getPoll(event.pollId, { fresh: true })) : poll;
    let summary = false;

    if (event.type === 'poll.status') {
      const { status, version } = event.payload;
      if (status === 'open')
        planned.push({
          type: 'poll.opened',
          id: `msg_${event.eventId}`,
          data: async () => pollData(await pollOnce(), { status, version }),
        });
      if (status === 'closed') {
        planned.push({
          type: 'poll.closed',
          id: `msg_${event.eventId}`,
          data: async () => pollData(await pollOnce(), { status, version }),
        });
        planned.push({
          type: 'results.final',
          id: `msg_${event.eventId}_final`,
          data: () => this.#finalResults(event.pollId, pollOnce),
        });
        summary = this.opts.closeSummaries;
      }
    }
    if (event.type === 'votes.recorded' || event.type === 'poll.status') {
      // votes.recorded carries the batch's new voters, not the poll's total: the total comes from
      // the results (cached between batches; fresh at a status change, so the last crossing before
      // a close is not missed). Every milestone up to the total is planned once per process; one
      // planned again after a restart finds its delivery there (same eventId) and adds nothing.
      const total = await this.totalOf(event.pollId, event.type === 'poll.status');
      const seen = this.#milestones.get(event.pollId) ?? 0;
      if (total !== null && total >= 100 && total > seen) {
        const top = milestonesCrossed(0, total).at(-1) ?? 0;
        if (top > seen) {
          for (const m of milestonesCrossed(this.#milestones.has(event.pollId) ? seen : 0, total)) {
            planned.push({
              type: 'votes.milestone',
              id: `msg_${event.pollId}_votes_${m}`,
              data: async () => pollData(await pollOnce(), { milestone: m, votes: total }),
            });
          }
          this.#pending.set(event.pollId, top);
        }
      }
    }
    if (planned.length === 0) return;
    const p = await pollOnce();
    if (!p || p.workspaceId === null) return this.#settle(event.pollId);
    const workspaceId = p.workspaceId;

    const out: NewDelivery[] = [];
    const now = Date.now();
    const endpoints = await this.accounts.listWebhooks(workspaceId);
    for (const plan of planned) {
      const subscribed = endpoints.filter((e) => e.events.includes(plan.type));
      if (subscribed.length === 0) continue;
      const data = await plan.data();
      if (data === null) continue;
      const body: WebhookBody = {
        type: plan.type,
        timestamp: new Date(event.at).toISOString(),
        data: { workspaceId, ...data },
      };
      const payload = JSON.stringify(body);
      for (const e of subscribed)
        out.push({
          id: newDeliveryId(),
          channel: 'webhook',
          target: e.id,
          eventId: plan.id,
          eventType: plan.type,
          workspaceId,
          payload,
          createdAt: now,
        });
    }
    if (summary) {
      const owners = (await this.accounts.listMembers(workspaceId)).filter((m) => m.role === 'owner');
      const payload = JSON.stringify({ pollId: event.pollId, workspaceId });
      for (const o of owners)
        out.push({
          id: newDeliveryId(),
          channel: 'email',
          target: o.email,
          eventId: `summary_${event.eventId}`,
          eventType: 'close_summary',
          workspaceId: null,
          payload,
          createdAt: now,
        });
    }
    if (out.length > 0 && (await this.deliveries.enqueue(out)) > 0) this.opts.onEnqueued?.();
    this.#settle(event.pollId);
  }

  /** The milestones planned for this event are stored: remember them (only now, so a failed enqueue is planned again). */
  #settle(pollId: string): void {
    const top = this.#pending.get(pollId);
    if (top === undefined) return;
    this.#pending.delete(pollId);
    if (this.#milestones.size >= 100_000) this.#milestones.clear();
    this.#milestones.set(pollId, Math.max(top, this.#milestones.get(pollId) ?? 0));
  }

  async #finalResults(pollId: string, poll: () => Promise<Poll | null>): Promise<Record<string, unknown> | null> {
    const [p, r] = await Promise.all([poll(), this.store.getResults(pollId, { fresh: true })]);
    if (!p || !r) return null;
    const text = new Map(p.options.map((o) => [o.id, o.text]));
    return {
      ...pollData(p, {}),
      results: { ...r, options: r.options.map((o) => ({ ...o, text: text.get(o.id) ?? null })) },
    };
  }
}

function pollData(p: Poll | null, extra: Record<string, unknown>): Record<string, unknown> | null {
  if (!p) return null;
  return { pollId: p.id, question: p.question, kind: p.kind, ...extra };
}
