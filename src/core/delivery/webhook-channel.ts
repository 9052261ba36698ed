/**
 * Sends webhook deliveries: the stored body, signed the Standard Webhooks way with every secret
 * the endpoint has active at the time of the attempt (two during a rotation), with the delivery's
 * eventId as `webhook-id` on every attempt and replay. The sender (an adapter) makes the request
 * SSRF-safe. An endpoint deleted meanwhile ends its deliveries (dead, `endpoint_deleted`).
 */
import type { Delivery, SendOutcome } from '../../domain/delivery.js';
import { signedHeaders } from '../../domain/webhook-signature.js';
import type { AccountStore } from '../../ports/account-store.js';
import type { WebhookSender } from '../../ports/webhook-sender.js';
import { systemClock, type Clock } from '../../ports/clock.js';
import type { DeliveryHandler } from './delivery-worker.js';

export class WebhookChannel implements DeliveryHandler {
  constructor(
    private readonly accounts: Pick<AccountStore, 'getWebhook'>,
    private readonly sender: WebhookSender,
    private readonly clock: Clock = systemClock,
  ) {}

  async send(d: Delivery): Promise<SendOutcome> {
    const endpoint = d.workspaceId === null ? null : await this.accounts.getWebhook(d.workspaceId, d.target);
    if (!endpoint) return { ok: false, status: null, error: 'endpoint_deleted', durationMs: 0, permanent: true };
    const now = this.clock.now();
    const secrets = endpoint.secrets.filter((s) => s.expiresAt === null || s.expiresAt > now).map((s) => s.secret);
    const headers = signedHeaders(secrets, d.eventId, Math.floor(now / 1000), d.payload);
    const a = await this.sender.send(endpoint.url, headers, d.payload);
    if (a.ok) return { ok: true, status: a.status, durationMs: a.durationMs };
    const error =
      a.error === 'status'
        ? `status ${a.status}`
        : a.detail
          ? `${a.error ?? 'failed'}: ${a.detail}`
          : (a.error ?? 'failed');
    // A URL no request can use stays unusable; every other failure may pass (DNS, a receiver back up).
    return { ok: false, status: a.status, error, durationMs: a.durationMs, permanent: a.error === 'invalid_url' };
  }
}
