/** Per-minute vote counts for owners' analytics, from `votes.recorded` events; idempotent by eventId. */
import type { EventBus } from '../ports/event-bus.js';
import type { OutboxEvent, Store } from '../ports/store.js';

export const ANALYTICS_GROUP = 'analytics';

/** `afterApply` runs after an event was applied and before the bus acknowledges it (a test's fault hook). */
export async function startAnalyticsConsumer(store: Store, bus: EventBus, afterApply?: () => void): Promise<() => Promise<void>> {
  return bus.consume(ANALYTICS_GROUP, async (event: OutboxEvent) => {
    if (event.type !== 'votes.recorded') return;
    const minute = typeof event.payload.minute === 'string' ? event.payload.minute : new Date(event.at).toISOString();
    const ballots = typeof event.payload.ballots === 'number' ? event.payload.ballots : 0;
    await store.applyMinuteCounts(ANALYTICS_GROUP, event.eventId, event.pollId, [{ minute, votes: ballots }]);
    afterApply?.();
  });
}
