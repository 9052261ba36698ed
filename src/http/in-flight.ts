/**
 * Counts HTTP requests between arrival and the end of their response, so shutdown can keep the
 * listener open — answering new requests 503 — until every request already accepted is answered.
 */
import type { ServerResponse } from 'node:http';

export class InFlightRequests {
  #count = 0;
  readonly #done = (): void => {
    this.#count -= 1;
  };

  get count(): number {
    return this.#count;
  }

  /** Call once per request; the count drops when the response ends or the connection dies. */
  track(res: ServerResponse): void {
    this.#count += 1;
    res.once('close', this.#done);
  }

  /** Resolves when no request is in flight (checked every `pollMs`). */
  async idle(pollMs = 10): Promise<void> {
    while (this.#count > 0) await new Promise((r) => setTimeout(r, pollMs));
  }
}
