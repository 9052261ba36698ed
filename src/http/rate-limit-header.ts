/** The RateLimit header (draft-ietf-httpapi-ratelimit-headers), built in one place for every route. */
export interface RateLimitState {
  limit: number;
  remaining: number;
  resetSec: number;
}

export function rateLimitHeader(r: RateLimitState): string {
  return `limit=${r.limit}, remaining=${r.remaining}, reset=${r.resetSec}`;
}
