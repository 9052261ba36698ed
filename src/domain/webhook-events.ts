/** The events a webhook endpoint can subscribe to. A name outside this list is refused (422). */
export const WEBHOOK_EVENTS = ['poll.opened', 'poll.closed', 'results.final', 'votes.milestone', 'event.started', 'event.ended'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export function isWebhookEvent(name: string): name is WebhookEvent {
  return (WEBHOOK_EVENTS as readonly string[]).includes(name);
}

/** Endpoints per workspace, and how long a rotated-out secret keeps signing. */
export const WEBHOOK_LIMITS = { endpointsPerWorkspace: 20, rotationOverlapMs: 24 * 3600_000 } as const;
