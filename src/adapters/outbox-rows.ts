/** Outbox rows of both SQL engines, back to events. */
import type { OutboxEvent } from '../domain/events.js';

export interface OutboxRow {
  seq: number;
  event_id: string;
  type: string;
  poll_id: string;
  at: number;
  /** jsonb (PostgreSQL) or JSON text (SQLite). */
  payload: unknown;
}

/** A row the store wrote from an OutboxEvent: its type and payload are ours, not re-validated here. */
export function outboxEventOf(r: OutboxRow): OutboxEvent & { seq: number } {
  const payload: unknown = typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload;
  return { seq: r.seq, eventId: r.event_id, type: r.type, pollId: r.poll_id, at: r.at, payload } as OutboxEvent & { seq: number };
}
