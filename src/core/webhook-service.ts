/**
 * Webhook endpoints of a workspace (owners only: an endpoint receives the workspace's events).
 * The URL's form is checked here, and an IP-literal host must be public (or allow-listed); a host
 * name is resolved and checked at every delivery instead, since DNS answers change. The signing
 * secret is shown once, when the endpoint is created or its secret rotated; after a rotation the
 * old secret keeps signing (beside the new one) for a day, so receivers can switch without a gap.
 */
import { isIP, type BlockList } from 'node:net';
import { randomId } from '../domain/ids.js';
import { blockedReason, isAllowed } from '../domain/network-address.js';
import { isWebhookEvent, WEBHOOK_LIMITS, type WebhookEvent } from '../domain/webhook-events.js';
import { newWebhookSecret } from '../domain/webhook-signature.js';
import { PollcastError } from '../errors.js';
import type { AccountStore, WebhookEndpoint } from '../ports/account-store.js';
import type { AttemptRecord, Delivery, DeliveryStatus, DeliveryStore } from '../ports/delivery-store.js';
import type { AccountService } from './account-service.js';
import { requireUser } from './account-service.js';
import type { ResolvedPrincipal } from './authenticator.js';

export interface WebhookView {
  id: string;
  url: string;
  events: WebhookEvent[];
  createdAt: string;
  /** How many secrets sign deliveries now (2 during a rotation). */
  activeSecrets: number;
}

const MAX_URL = 2_048;
/** Deliveries one range replay may make due again. */
export const REPLAY_MAX = 10_000;

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  lastDurationMs: number | null;
  createdAt: string;
  /** Pending only: when the next attempt is due. */
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function deliveryView(d: Delivery): DeliveryView {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    lastDurationMs: d.lastDurationMs,
    createdAt: new Date(d.createdAt).toISOString(),
    nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
    deliveredAt: iso(d.deliveredAt),
  };
}

const attemptView = (a: AttemptRecord) => ({ attempt: a.attempt, at: new Date(a.at).toISOString(), ok: a.ok, status: a.status, error: a.error, durationMs: a.durationMs });

export function webhookView(w: WebhookEndpoint, now: number): WebhookView {
  return { id: w.id, url: w.url, events: w.events, createdAt: new Date(w.createdAt).toISOString(), activeSecrets: w.secrets.filter((s) => s.expiresAt === null || s.expiresAt > now).length };
}

export class WebhookService {
  constructor(
    private readonly accounts: AccountService,
    private readonly store: AccountStore,
    private readonly allow: BlockList | null,
    private readonly deliveries: DeliveryStore | null = null,
    /** Called after a replay made deliveries due (wakes a delivery worker in this process). */
    private readonly onReplay: () => void = () => {},
  ) {}

  /** Throws `webhook_url_invalid` or `webhook_url_not_allowed` for a URL no delivery may use. */
  checkUrl(raw: string): void {
    if (raw.length > MAX_URL) throw new PollcastError('webhook_url_invalid', `the URL is longer than ${MAX_URL} characters`, { field: 'url' });
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new PollcastError('webhook_url_invalid', 'not an absolute URL', { field: 'url' });
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new PollcastError('webhook_url_invalid', 'only http and https URLs', { field: 'url' });
    if (u.username || u.password) throw new PollcastError('webhook_url_invalid', 'no credentials in the URL', { field: 'url' });
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !isAllowed(host, this.allow)) {
      throw new PollcastError('webhook_url_not_allowed', `${host} is not a public address (${blockedReason(host) ?? 'blocked'})`, { field: 'url' });
    }
    if (host === 'localhost' || host.endsWith('.localhost')) throw new PollcastError('webhook_url_not_allowed', 'localhost is not a public host', { field: 'url' });
  }

  checkEvents(events: readonly string[]): WebhookEvent[] {
    const unknown = events.filter((e) => !isWebhookEvent(e));
    if (unknown.length > 0) throw new PollcastError('unknown_webhook_event', `unknown event ${JSON.stringify(unknown[0])}`, { field: 'events' });
    return [...new Set(events as WebhookEvent[])];
  }

  async create(p: ResolvedPrincipal, workspaceId: string, url: string, events: readonly string[]): Promise<{ webhook: WebhookView; secret: string }> {
    const u = requireUser(p);
    await this.accounts.workspace(p, workspaceId, 'admin');
    this.checkUrl(url);
    const chosen = this.checkEvents(events);
    const secret = newWebhookSecret();
    const now = Date.now();
    const w: WebhookEndpoint = { id: 'wh_' + randomId(16), workspaceId, url, events: chosen, secrets: [{ secret, expiresAt: null }], createdBy: u.user.id, createdAt: now };
    if (!(await this.store.createWebhook(w, WEBHOOK_LIMITS.endpointsPerWorkspace))) throw new PollcastError('too_many_webhooks');
    return { webhook: webhookView(w, now), secret };
  }

  async list(p: ResolvedPrincipal, workspaceId: string): Promise<WebhookView[]> {
    requireUser(p);
    await this.accounts.workspace(p, workspaceId, 'admin');
    const now = Date.now();
    return (await this.store.listWebhooks(workspaceId)).map((w) => webhookView(w, now));
  }

  async remove(p: ResolvedPrincipal, workspaceId: string, id: string): Promise<void> {
    requireUser(p);
    await this.accounts.workspace(p, workspaceId, 'admin');
    if (!(await this.store.deleteWebhook(workspaceId, id))) throw new PollcastError('webhook_not_found');
  }

  /** A new secret signs from now on; the current one keeps signing beside it for a day. */
  async rotate(p: ResolvedPrincipal, workspaceId: string, id: string): Promise<{ webhook: WebhookView; secret: string }> {
    requireUser(p);
    await this.accounts.workspace(p, workspaceId, 'admin');
    const w = await this.store.getWebhook(workspaceId, id);
    if (!w) throw new PollcastError('webhook_not_found');
    const now = Date.now();
    const secret = newWebhookSecret();
    const kept = w.secrets.filter((s) => s.expiresAt === null || s.expiresAt > now).map((s) => ({ secret: s.secret, expiresAt: Math.min(s.expiresAt ?? Infinity, now + WEBHOOK_LIMITS.rotationOverlapMs) }));
    const secrets = [{ secret, expiresAt: null }, ...kept];
    if (!(await this.store.setWebhookSecrets(workspaceId, id, secrets))) throw new PollcastError('webhook_not_found');
    return { webhook: webhookView({ ...w, secrets }, now), secret };
  }

  async #endpoint(p: ResolvedPrincipal, workspaceId: string, id: string): Promise<{ store: DeliveryStore; endpoint: WebhookEndpoint }> {
    requireUser(p);
    await this.accounts.workspace(p, workspaceId, 'admin');
    const endpoint = await this.store.getWebhook(workspaceId, id);
    if (!endpoint || !this.deliveries) throw new PollcastError('webhook_not_found');
    return { store: this.deliveries, endpoint };
  }

  /** The endpoint's delivery log, newest first; `before` (an ISO time) pages backwards. */
  async listDeliveries(p: ResolvedPrincipal, workspaceId: string, id: string, opts: { status?: DeliveryStatus | undefined; before?: number | undefined; limit: number }): Promise<DeliveryView[]> {
    const { store } = await this.#endpoint(p, workspaceId, id);
    return (await store.list({ channel: 'webhook', target: id, status: opts.status }, { limit: opts.limit, before: opts.before })).map(deliveryView);
  }

  /** One delivery with every attempt and the body it sends. */
  async getDelivery(p: ResolvedPrincipal, workspaceId: string, id: string, deliveryId: string) {
    const { store } = await this.#endpoint(p, workspaceId, id);
    const d = await store.get(deliveryId);
    if (!d || d.channel !== 'webhook' || d.target !== id) throw new PollcastError('delivery_not_found');
    return { delivery: { ...deliveryView(d), payload: d.payload }, attempts: (await store.attempts(d.id)).map(attemptView) };
  }

  /** Sends one delivery again (same webhook-id, a fresh round of retries); a pending one is left as it is. */
  async replayDelivery(p: ResolvedPrincipal, workspaceId: string, id: string, deliveryId: string): Promise<{ replayed: number }> {
    const { store } = await this.#endpoint(p, workspaceId, id);
    const d = await store.get(deliveryId);
    if (!d || d.channel !== 'webhook' || d.target !== id) throw new PollcastError('delivery_not_found');
    const replayed = await store.replay({ channel: 'webhook', target: id, ids: [deliveryId], onlyFailed: false }, Date.now(), 1);
    if (replayed > 0) this.onReplay();
    return { replayed };
  }

  /** Sends again every delivery created in [from, to) that is not pending (only the dead ones when `onlyFailed`), at most REPLAY_MAX. */
  async replayRange(p: ResolvedPrincipal, workspaceId: string, id: string, range: { from: number; to: number; onlyFailed: boolean }): Promise<{ replayed: number }> {
    const { store } = await this.#endpoint(p, workspaceId, id);
    if (!(range.from < range.to)) throw new PollcastError('invalid_time_range', 'from must be before to', { field: 'from' });
    const replayed = await store.replay({ channel: 'webhook', target: id, from: range.from, to: range.to, onlyFailed: range.onlyFailed }, Date.now(), REPLAY_MAX);
    if (replayed > 0) this.onReplay();
    return { replayed };
  }
}
