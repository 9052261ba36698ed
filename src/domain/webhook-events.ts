/** The events a webhook endpoint can subscribe to. A name outside this list is refused (422). */
export const WEBHOOK_EVENTS = ['poll.opened', 'poll.closed', 'results.final', 'votes.milestone', 'event.started', 'event.ended'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export function isWebhookEvent(name: string): name is WebhookEvent {
  return (WEBHOOK_EVENTS as readonly string[]).includes(name);
}

/** Endpoints per workspace, and how long a rotated-out secret keeps signing. */
export const WEBHOOK_LIMITS = { endpointsPerWorkspace: 20, rotationOverlapMs: 24 * 3600_000 } as const;

/** Vote-count milestones: 100, 1,000, 10,000 … (each announced once per poll). */
export function milestonesCrossed(fromExclusive: number, toInclusive: number): number[] {
  const out: number[] = [];
  for (let m = 100; m <= toInclusive && m < Number.MAX_SAFE_INTEGER; m *= 10) if (m > fromExclusive) out.push(m);
  return out;
}

/** The body of every delivery (Standard Webhooks' recommended shape). */
export interface WebhookBody {
  type: WebhookEvent;
  /** ISO 8601: when the event happened. */
  timestamp: string;
  data: Record<string, unknown>;
}
