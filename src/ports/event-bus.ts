/**
 * Event bus port: durable, at-least-once delivery of outbox events to workers. A consumer group
 * gets each event at least once; handlers must be idempotent by eventId. `publish` resolves only
 * when the broker has accepted every event (publisher confirm). Adapters: memory, NATS JetStream.
 * An event's `payload.traceparent`, when present, travels as the message's `traceparent` header
 * where the broker has headers, and is back in the payload when the event is delivered.
 */
import type { OutboxEvent } from './store.js';

export type EventHandler = (event: OutboxEvent) => Promise<void>;

export interface EventBus {
  readonly kind: string;
  publish(events: OutboxEvent[]): Promise<void>;
  /** Starts delivering to `handler` as consumer group `group`; returns a stop function. */
  consume(group: string, handler: EventHandler): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  /** Events of `group` not yet handled (waiting or in flight), for metrics; absent if unknown. */
  backlog?(group: string): Promise<number>;
  close(): Promise<void>;
}
