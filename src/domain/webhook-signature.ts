/**
 * Standard Webhooks signing (standardwebhooks.com): each delivery carries `webhook-id`,
 * `webhook-timestamp` (seconds) and `webhook-signature`, a space-separated list of
 * `v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`. Secrets are `whsec_<base64>`;
 * during a rotation a delivery is signed with every active secret, so a receiver that knows
 * either accepts it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'whsec_';

export function newWebhookSecret(): string {
  return PREFIX + randomBytes(24).toString('base64');
}

function keyOf(secret: string): Buffer {
  if (!secret.startsWith(PREFIX)) throw new Error('a webhook secret starts with whsec_');
  return Buffer.from(secret.slice(PREFIX.length), 'base64');
}

export function signature(secret: string, id: string, timestampS: number, body: string): string {
  return 'v1,' + createHmac('sha256', keyOf(secret)).update(`${id}.${timestampS}.${body}`).digest('base64');
}

/** The three headers of one delivery, signed with each of `secrets` (the newest first). */
export function signedHeaders(secrets: readonly string[], id: string, timestampS: number, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampS),
    'webhook-signature': secrets.map((s) => signature(s, id, timestampS, body)).join(' '),
  };
}

/** A receiver's check (used by tests and documented for users): one matching signature within `toleranceS`. */
export function verifySignature(secret: string, headers: Record<string, string | undefined>, body: string, nowS: number, toleranceS = 300): boolean {
  const id = headers['webhook-id'];
  const ts = Number(headers['webhook-timestamp']);
  const sigs = headers['webhook-signature'];
  if (!id || !Number.isInteger(ts) || !sigs || Math.abs(nowS - ts) > toleranceS) return false;
  const expected = Buffer.from(signature(secret, id, ts, body));
  return sigs.split(' ').some((s) => {
    const given = Buffer.from(s);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
