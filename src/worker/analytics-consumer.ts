/** Per-minute vote counts for owners' analytics, from `votes.recorded` events; idempotent by eventId. */
import type { EventBus } from '../ports/event-bus.js';
import type { OutboxEvent, Store } from '../ports/store.js';

export const ANALYTICS_GROUP = 'analytics';

/** `afterApply` runs after an event was applied and before the bus acknowledges it (a test's fault hook). */
export async function startAnalyticsConsumer(store: Store, bus: EventBus, afterApply?: () => void): Promise<() => Promise<void>> {
  return bus.consume(ANALYTICS_GROUP, async (event: OutboxEvent) => {
    if (event.type !== 'votes.recorded') return;
    await store.applyMinuteCounts(ANALYTICS_GROUP, event.eventId, event.pollId, [{ minute: event.payload.minute, votes: event.payload.ballots }]);
    afterApply?.();
  });
}
