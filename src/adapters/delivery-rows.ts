/** Delivery rows of both SQL engines, back to domain objects. */
import type { AttemptRecord, Delivery, DeliveryChannel, DeliveryStatus } from '../domain/delivery.js';

export interface DeliveryRow {
  id: string;
  channel: string;
  target: string;
  event_id: string;
  event_type: string;
  workspace_id: string | null;
  payload: string;
  created_at: number | string;
  status: string;
  attempts: number;
  round_attempts: number;
  next_attempt_at: number | string;
  last_status: number | null;
  last_error: string | null;
  last_duration_ms: number | null;
  updated_at: number | string;
  delivered_at: number | string | null;
}

export interface AttemptRow {
  delivery_id: string;
  attempt: number;
  at: number | string;
  ok: boolean | number;
  status: number | null;
  error: string | null;
  duration_ms: number;
}

/** bigint columns arrive as strings from pg. */
const n = (v: number | string): number => Number(v);

export function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    channel: r.channel as DeliveryChannel,
    target: r.target,
    eventId: r.event_id,
    eventType: r.event_type,
    workspaceId: r.workspace_id,
    payload: r.payload,
    createdAt: n(r.created_at),
    status: r.status as DeliveryStatus,
    attempts: r.attempts,
    roundAttempts: r.round_attempts,
    nextAttemptAt: n(r.next_attempt_at),
    lastStatus: r.last_status,
    lastError: r.last_error,
    lastDurationMs: r.last_duration_ms,
    updatedAt: n(r.updated_at),
    deliveredAt: r.delivered_at === null ? null : n(r.delivered_at),
  };
}

export function toAttempt(r: AttemptRow): AttemptRecord {
  return {
    deliveryId: r.delivery_id,
    attempt: r.attempt,
    at: n(r.at),
    ok: r.ok === true || r.ok === 1,
    status: r.status,
    error: r.error,
    durationMs: r.duration_ms,
  };
}
