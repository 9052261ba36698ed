/** Webhook and e-mail deliveries from outbox events (poll opened/closed, milestones); idempotent by the deliveries' keys. */
import type { DeliveryFanout } from '../core/delivery/delivery-fanout.js';
import type { EventBus } from '../ports/event-bus.js';

export const DELIVERY_GROUP = 'deliveries';

export async function startDeliveryConsumer(fanout: DeliveryFanout, bus: EventBus): Promise<() => Promise<void>> {
  return bus.consume(DELIVERY_GROUP, (event) => fanout.handle(event));
}
