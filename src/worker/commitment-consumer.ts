/**
 * Publishes a poll's commitment when it closes: on every `poll.status` event saying `closed`
 * (an owner's or presenter's close, a schedule, a countdown reaching zero), the receipt service
 * seals the close (core/receipt-service.ts). Sealing is idempotent per close, so a redelivered
 * event, or a reader that sealed first, changes nothing.
 */
import type { EventBus } from '../ports/event-bus.js';
import type { OutboxEvent } from '../ports/store.js';

export const COMMITMENT_GROUP = 'commitments';

export async function startCommitmentConsumer(bus: EventBus, seal: (pollId: string) => Promise<unknown>): Promise<() => Promise<void>> {
  return bus.consume(COMMITMENT_GROUP, async (event: OutboxEvent) => {
    if (event.type !== 'poll.status' || event.payload.status !== 'closed') return;
    await seal(event.pollId);
  });
}
