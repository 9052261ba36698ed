/**
 * The events that leave through the transactional outbox, as one discriminated union on `type`.
 * A new kind is one entry in OutboxPayloads (its payload); producers and consumers then get its
 * payload typed by narrowing on `type`, and nothing re-checks fields at run time.
 */
import type { PollStatus } from './poll.js';

export interface OutboxPayloads {
  /** A vote batch changed a poll's tally. */
  'votes.recorded': {
    /** New voters counted by this batch (what it added to the poll's total; changes add nothing). */
    votes: number;
    /** Ballots counted in this batch (new and changed). */
    ballots: number;
    /** The minute of the batch, ISO 8601 (analytics buckets by it). */
    minute: string;
    version: number;
  };
  /** A poll's status changed (opened, closed, reopened: by its owner or its schedule). */
  'poll.status': { status: PollStatus; version: number };
}

export type OutboxEventType = keyof OutboxPayloads;

/** One outbox event of kind `T` (default: any kind). */
export type OutboxEvent<T extends OutboxEventType = OutboxEventType> = {
  [K in T]: {
    /** Unique, stable across redelivery: consumers dedupe on it. */
    eventId: string;
    type: K;
    pollId: string;
    at: number;
    /** `traceparent`: the W3C trace the event continues (tracing on only). */
    payload: OutboxPayloads[K] & { traceparent?: string };
  };
}[T];
