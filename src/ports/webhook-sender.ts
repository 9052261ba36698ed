/**
 * Sends one webhook delivery (an HTTP POST) and reports what happened. The adapter refuses targets
 * that are not public internet addresses (checked after DNS resolution, on the address it then
 * connects to), follows no redirect, and bounds time and response size.
 */
export interface DeliveryAttempt {
  /** 2xx. */
  ok: boolean;
  /** The receiver's status, or null when no answer came. */
  status: number | null;
  /** Why no 2xx: `blocked_address`, `invalid_url`, `dns_failed`, `timeout`, `connection_failed`, `redirect`, `status`. */
  error?: string;
  detail?: string;
  /** Response bytes read (at most the cap). */
  responseBytes: number;
  durationMs: number;
}

export interface WebhookSender {
  send(url: string, headers: Record<string, string>, body: string): Promise<DeliveryAttempt>;
}
