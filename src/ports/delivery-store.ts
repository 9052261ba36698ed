/**
 * The delivery store port: the durable queue of webhook and e-mail deliveries and their attempt
 * log. Adapters: embedded (SQLite file `deliveries.db` under DATA_DIR) and PostgreSQL (its own
 * tables on the primary). Both pass test/contract/delivery-store-contract.ts.
 *
 * Contract:
 * - At most one delivery per (channel, target, eventId), by a unique key: `enqueue` of one that
 *   exists adds nothing (a redelivered event, a retried request).
 * - `claim` hands a due pending delivery to one caller at a time: it leases it (moves its
 *   nextAttemptAt to the lease's end, under a lease token), so other workers skip it, and a worker
 *   that dies holding it loses it when the lease ends. `record` applies only while the caller's
 *   lease still holds.
 * - Replay makes a delivered or dead delivery pending again with a fresh round of attempts; its
 *   id, eventId and payload stay the same.
 */
import type {
  AttemptRecord,
  Delivery,
  DeliveryChannel,
  DeliveryStatus,
  NewDelivery,
  NextState,
} from '../domain/delivery.js';

export type { AttemptRecord, Delivery, DeliveryChannel, DeliveryStatus, NewDelivery } from '../domain/delivery.js';

export interface DeliveryQuery {
  channel: DeliveryChannel;
  target: string;
  status?: DeliveryStatus | undefined;
  /** createdAt bounds, epoch ms: from inclusive, to exclusive. */
  from?: number | undefined;
  to?: number | undefined;
}

export interface DeliveryBacklog {
  /** Pending deliveries (waiting for their next attempt or being tried). */
  pending: number;
  /** Dead letters (given up, waiting for a replay). */
  dead: number;
  /** How long the oldest due pending delivery has been due, ms (0 when none is). */
  oldestDueMs: number;
}

export interface DeliveryStore {
  readonly kind: string;
  migrate(): Promise<void>;
  /** Adds the deliveries that do not exist yet; returns how many were new. */
  enqueue(deliveries: readonly NewDelivery[]): Promise<number>;
  /** Up to `limit` pending deliveries of `channels` due at `now`, oldest due first, leased to `lease` until `now + leaseMs`. */
  claim(
    now: number,
    limit: number,
    leaseMs: number,
    lease: string,
    channels: readonly DeliveryChannel[],
  ): Promise<Delivery[]>;
  /** Logs an attempt and moves the delivery to `next`; false (nothing written) when `lease` no longer holds it. */
  record(
    id: string,
    lease: string,
    attempt: Omit<AttemptRecord, 'deliveryId' | 'attempt'>,
    next: NextState,
  ): Promise<boolean>;
  get(id: string): Promise<Delivery | null>;
  /** Newest first; `before` (createdAt) pages backwards. */
  list(q: DeliveryQuery, opts: { limit: number; before?: number | undefined }): Promise<Delivery[]>;
  /** Oldest first. */
  attempts(id: string): Promise<AttemptRecord[]>;
  /**
   * Makes the matching deliveries that are not pending due again at `now` with a fresh round;
   * `onlyFailed`: dead ones only. Returns how many. At most `limit`.
   */
  replay(
    q: DeliveryQuery & { ids?: readonly string[] | undefined; onlyFailed: boolean },
    now: number,
    limit: number,
  ): Promise<number>;
  backlog(now: number): Promise<DeliveryBacklog>;
  /** Forgets delivered and dead deliveries (and their attempts) last changed before `before`; returns how many. */
  prune(before: number): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
