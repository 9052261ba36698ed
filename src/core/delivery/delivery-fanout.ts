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
  constructor(
    private readonly store: Pick<Store, 'getPoll' | 'getResults'>,
    private readonly accounts: Pick<AccountStore, 'listWebhooks' | 'listMembers'>,
    private readonly deliveries: Pick<DeliveryStore, 'enqueue'>,
    private readonly opts: FanoutOptions,
  ) {}

  async handle(event: OutboxEvent): Promise<void> {
    const planned: Array<{ type: WebhookEvent; id: string; data: () => Promise<Record<string, unknown> | null> }> = [];
    let poll: Poll | null | undefined;
    const pollOnce = async () => (poll === undefined ? (poll = await this.store.getPoll(event.pollId, { fresh: true })) : poll);
    let summary = false;

    if (event.type === 'poll.status') {
      const { status, version } = event.payload;
      if (status === 'open') planned.push({ type: 'poll.opened', id: `msg_${event.eventId}`, data: async () => pollData(await pollOnce(), { status, version }) });
      if (status === 'closed') {
        planned.push({ type: 'poll.closed', id: `msg_${event.eventId}`, data: async () => pollData(await pollOnce(), { status, version }) });
        planned.push({ type: 'results.final', id: `msg_${event.eventId}_final`, data: () => this.#finalResults(event.pollId, pollOnce) });
        summary = this.opts.closeSummaries;
      }
    } else if (event.type === 'votes.recorded') {
      // The total before this batch was at least votes − ballots (changed ballots do not add).
      for (const m of milestonesCrossed(event.payload.votes - event.payload.ballots, event.payload.votes)) {
        planned.push({ type: 'votes.milestone', id: `msg_${event.pollId}_votes_${m}`, data: async () => pollData(await pollOnce(), { milestone: m, votes: event.payload.votes }) });
      }
    }
    if (planned.length === 0) return;
    const p = await pollOnce();
    if (!p || p.workspaceId === null) return;
    const workspaceId = p.workspaceId;

    const out: NewDelivery[] = [];
    const now = Date.now();
    const endpoints = await this.accounts.listWebhooks(workspaceId);
    for (const plan of planned) {
      const subscribed = endpoints.filter((e) => e.events.includes(plan.type));
      if (subscribed.length === 0) continue;
      const data = await plan.data();
      if (data === null) continue;
      const body: WebhookBody = { type: plan.type, timestamp: new Date(event.at).toISOString(), data: { workspaceId, ...data } };
      const payload = JSON.stringify(body);
      for (const e of subscribed) out.push({ id: newDeliveryId(), channel: 'webhook', target: e.id, eventId: plan.id, eventType: plan.type, workspaceId, payload, createdAt: now });
    }
    if (summary) {
      const owners = (await this.accounts.listMembers(workspaceId)).filter((m) => m.role === 'owner');
      const payload = JSON.stringify({ pollId: event.pollId, workspaceId });
      for (const o of owners) out.push({ id: newDeliveryId(), channel: 'email', target: o.email, eventId: `summary_${event.eventId}`, eventType: 'close_summary', workspaceId: null, payload, createdAt: now });
    }
    if (out.length > 0 && (await this.deliveries.enqueue(out)) > 0) this.opts.onEnqueued?.();
  }

  async #finalResults(pollId: string, poll: () => Promise<Poll | null>): Promise<Record<string, unknown> | null> {
    const [p, r] = await Promise.all([poll(), this.store.getResults(pollId, { fresh: true })]);
    if (!p || !r) return null;
    const text = new Map(p.options.map((o) => [o.id, o.text]));
    return { ...pollData(p, {}), results: { ...r, options: r.options.map((o) => ({ ...o, text: text.get(o.id) ?? null })) } };
  }
}

function pollData(p: Poll | null, extra: Record<string, unknown>): Record<string, unknown> | null {
  if (!p) return null;
  return { pollId: p.id, question: p.question, kind: p.kind, ...extra };
}
