/**
 * Wraps an event bus with metrics (events relayed; per consumer group: event age when handled,
 * failures) and, when tracing is on, spans: one producer span per relay batch, one consumer span
 * per handled event, continuing the trace its `payload.traceparent` names — the vote batch that
 * committed it, in the api process. The wrapped bus's contract is unchanged.
 */
import type { EventBus, EventHandler } from '../ports/event-bus.js';
import type { OutboxEvent } from '../ports/store.js';
import type { Metrics } from '../ports/metrics.js';
import { inSpan, type Tracing } from '../ports/tracing.js';

const traceOf = (e: OutboxEvent): string | undefined => (typeof e.payload.traceparent === 'string' ? e.payload.traceparent : undefined);

export function observeEventBus(bus: EventBus, metrics: Metrics, tracing: Tracing): EventBus {
  const observed: EventBus = {
    kind: bus.kind,

    async publish(events: OutboxEvent[]): Promise<void> {
      if (tracing.enabled) {
        const traces = events.map(traceOf);
        await inSpan(
          tracing,
          'outbox.relay publish',
          { kind: 'producer', parent: traces[0] ?? null, links: traces.slice(1, 128), attributes: { 'messaging.system': bus.kind, 'messaging.batch.message_count': events.length } },
          () => bus.publish(events),
        );
      } else {
        await bus.publish(events);
      }
      metrics.eventsRelayed(events.length);
    },

    consume(group: string, handler: EventHandler): Promise<() => Promise<void>> {
      return bus.consume(group, async (event) => {
        try {
          if (tracing.enabled) {
            await inSpan(
              tracing,
              `${event.type} process`,
              { kind: 'consumer', parent: traceOf(event) ?? null, attributes: { 'messaging.system': bus.kind, 'messaging.consumer.group.name': group, 'messaging.message.id': event.eventId } },
              () => handler(event),
            );
          } else {
            await handler(event);
          }
          metrics.eventConsumed(group, Date.now() - event.at, true);
        } catch (err) {
          metrics.eventConsumed(group, Date.now() - event.at, false);
          throw err;
        }
      });
    },

    ping: () => bus.ping(),
    close: () => bus.close(),
  };
  if (bus.backlog) observed.backlog = (group) => bus.backlog!(group);
  return observed;
}
