/**
 * Webhook deliveries over node:http(s), SSRF-safe:
 * - the URL must be http(s), without credentials, at most 2,048 characters;
 * - the host is resolved once, every address it resolves to must be public (domain/network-address)
 *   or on the operator's allow-list, and the connection is made to that checked address (the
 *   `lookup` hook returns it), so a DNS answer that changes between check and connect (rebinding)
 *   cannot reach an internal service; TLS still verifies the certificate against the host name;
 * - no redirect is followed (a 3xx is a failed delivery);
 * - the whole attempt has a deadline, and at most `maxResponseBytes` of the answer are read.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type BlockList } from 'node:net';
import { blockedReason, isAllowed } from '../../domain/network-address.js';
import type { DeliveryAttempt, WebhookSender } from '../../ports/webhook-sender.js';

export interface HttpWebhookSenderOptions {
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** Networks that may be reached although they are not public (WEBHOOK_ALLOWED_NETWORKS). */
  allow?: BlockList | null;
}

export const MAX_WEBHOOK_URL_LENGTH = 2_048;

/** Why `raw` cannot be a webhook URL, or null. Checks the form only; addresses are checked at delivery. */
export function webhookUrlProblem(raw: string): string | null {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return `longer than ${MAX_WEBHOOK_URL_LENGTH} characters`;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'only http and https URLs';
  if (u.username || u.password) return 'no credentials in the URL';
  if (!u.hostname) return 'no host';
  return null;
}

export class HttpWebhookSender implements WebhookSender {
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #allow: BlockList | null;

  constructor(opts: HttpWebhookSenderOptions = {}) {
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#maxBytes = opts.maxResponseBytes ?? 64 * 1024;
    this.#allow = opts.allow ?? null;
  }

  /** The addresses `host` resolves to if every one may be reached, else the reason it may not. */
  async #resolve(host: string): Promise<{ address: string; family: 4 | 6 } | { error: string; detail: string }> {
    const bare = host.replace(/^\[|\]$/g, '');
    let addresses: Array<{ address: string; family: number }>;
    if (isIP(bare)) addresses = [{ address: bare, family: isIP(bare) }];
    else {
      try {
        addresses = await dnsLookup(bare, { all: true, verbatim: true });
      } catch (err) {
        return { error: 'dns_failed', detail: (err as Error).message };
      }
    }
    if (addresses.length === 0) return { error: 'dns_failed', detail: 'no address' };
    for (const a of addresses) {
      if (!isAllowed(a.address, this.#allow)) return { error: 'blocked_address', detail: `${a.address} (${blockedReason(a.address) ?? 'blocked'})` };
    }
    return { address: addresses[0]!.address, family: addresses[0]!.family === 6 ? 6 : 4 };
  }

  async send(url: string, headers: Record<string, string>, body: string): Promise<DeliveryAttempt> {
    const started = performance.now();
    const done = (a: Omit<DeliveryAttempt, 'durationMs'>): DeliveryAttempt => ({ ...a, durationMs: Math.round(performance.now() - started) });
    const problem = webhookUrlProblem(url);
    if (problem) return done({ ok: false, status: null, error: 'invalid_url', detail: problem, responseBytes: 0 });
    const u = new URL(url);
    const target = await this.#resolve(u.hostname);
    if ('error' in target) return done({ ok: false, status: null, ...target, responseBytes: 0 });

    return new Promise<DeliveryAttempt>((resolve) => {
      let settled = false;
      const finish = (a: Omit<DeliveryAttempt, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        resolve(done(a));
      };
      const payload = Buffer.from(body, 'utf8');
      const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = request(
        u,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': String(payload.length), 'user-agent': 'pollcast-webhooks/1', ...headers },
          // Connect to the address that was checked, whatever DNS answers now.
          lookup: (_host, _opts, cb) => cb(null, target.address, target.family),
          agent: false,
        },
        (res: IncomingMessage) => {
          const status = res.statusCode ?? 0;
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            // Enough: the status is what counts; the rest of a large answer is not read.
            if (bytes >= this.#maxBytes) settle(Math.min(bytes, this.#maxBytes));
          });
          res.on('end', () => settle(bytes));
          res.on('error', () => settle(bytes));
          const settle = (n: number) => {
            if (status >= 200 && status < 300) finish({ ok: true, status, responseBytes: n });
            else if (status >= 300 && status < 400) finish({ ok: false, status, error: 'redirect', detail: 'redirects are not followed', responseBytes: n });
            else finish({ ok: false, status, error: 'status', responseBytes: n });
          };
        },
      );
      const timer = setTimeout(() => finish({ ok: false, status: null, error: 'timeout', detail: `no complete answer within ${this.#timeoutMs} ms`, responseBytes: 0 }), this.#timeoutMs);
      req.on('error', (err) => finish({ ok: false, status: null, error: 'connection_failed', detail: err.message, responseBytes: 0 }));
      req.end(payload);
    });
  }
}
