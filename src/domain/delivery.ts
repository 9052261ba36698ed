/**
 * Deliveries: one message owed to one receiver (a webhook endpoint or an e-mail address) for one
 * event, kept until it is delivered or given up (dead letter). Webhooks and e-mail share this one
 * mechanism: a durable row keyed by (channel, target, eventId), attempts with exponential backoff
 * and jitter, a bound, a dead letter, and replay. Pure: time and randomness come in as arguments.
 */

export const DELIVERY_CHANNELS = ['webhook', 'email'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];
export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface NewDelivery {
  /** `dl_` + random: the handle of the log and of replay. */
  id: string;
  channel: DeliveryChannel;
  /** The webhook endpoint id, or the recipient's address (lower case). */
  target: string;
  /**
   * The event this message is about. One delivery per (channel, target, eventId): a redelivered
   * broker message or a repeated enqueue finds it there and adds nothing. It is also the webhook's
   * `webhook-id`, the same on every attempt and replay, so a receiver can dedupe.
   */
  eventId: string;
  /** The webhook event name or the kind of e-mail. */
  eventType: string;
  /** The workspace a webhook delivery belongs to (its log is shown there); null for e-mail. */
  workspaceId: string | null;
  /** JSON: the webhook body as sent, or the e-mail's data (rendered at send time). */
  payload: string;
  createdAt: number;
}

export interface Delivery extends NewDelivery {
  status: DeliveryStatus;
  /** Attempts ever made (replays included). */
  attempts: number;
  /** Attempts since it was enqueued or last replayed: the backoff and the bound count these. */
  roundAttempts: number;
  /** When a pending delivery is next tried (or, while one worker holds it, when its lease ends). */
  nextAttemptAt: number;
  lastStatus: number | null;
  lastError: string | null;
  lastDurationMs: number | null;
  updatedAt: number;
  deliveredAt: number | null;
}

/** One attempt, as the delivery log shows it. */
export interface AttemptRecord {
  deliveryId: string;
  /** 1-based, over the delivery's whole life. */
  attempt: number;
  at: number;
  ok: boolean;
  /** The receiver's status (HTTP status, or the SMTP reply code), or null when none came. */
  status: number | null;
  error: string | null;
  durationMs: number;
}

/** What one try of a channel reports. `permanent`: trying again cannot help (dead at once). */
export interface SendOutcome {
  ok: boolean;
  status: number | null;
  error?: string | undefined;
  durationMs: number;
  permanent?: boolean;
}

export interface RetryPolicy {
  /** The wait after the first failed attempt; each further one doubles it. */
  baseMs: number;
  /** No wait is longer than this. */
  maxDelayMs: number;
  /** Attempts per round; past this the delivery is dead (dead letter) until replayed. */
  maxAttempts: number;
}

/**
 * Default: 30 s doubling to a 4 h cap, 15 attempts: the waits add up to about 24 h (±15 % jitter
 * on each), after which the delivery is dead. docs/webhooks.md shows the schedule.
 */
export const DEFAULT_RETRY: RetryPolicy = { baseMs: 30_000, maxDelayMs: 4 * 3_600_000, maxAttempts: 15 };

/** The nominal wait after failed attempt `n` (1-based), before jitter. */
export function nominalDelayMs(policy: RetryPolicy, n: number): number {
  return Math.min(policy.maxDelayMs, policy.baseMs * 2 ** Math.max(0, n - 1));
}

/** The wait after failed attempt `n`: the nominal one ±15 %, so receivers that failed together are not retried together. */
export function retryDelayMs(policy: RetryPolicy, n: number, random: () => number = Math.random): number {
  return Math.round(nominalDelayMs(policy, n) * (0.85 + 0.3 * random()));
}

export type NextState = { status: 'delivered' } | { status: 'dead' } | { status: 'pending'; nextAttemptAt: number };

/** Where a delivery goes after an attempt that was its round's attempt number `roundAttempt`. */
export function nextState(
  outcome: SendOutcome,
  roundAttempt: number,
  now: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): NextState {
  if (outcome.ok) return { status: 'delivered' };
  if (outcome.permanent || roundAttempt >= policy.maxAttempts) return { status: 'dead' };
  return { status: 'pending', nextAttemptAt: now + retryDelayMs(policy, roundAttempt, random) };
}
