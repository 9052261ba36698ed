/**
 * Closing a connection whose client is still sending (a refused huge body): after the answer, stop
 * writing (FIN) but keep reading and discarding for up to LINGER_MS before closing. Closing at once
 * would leave unread bytes in the kernel, which then resets the connection (RST), and a client
 * that gets a reset may never read the 413 that was already sent. nginx calls this lingering_close.
 * The discarded bytes are never buffered: Node's parser drops the rest of an unread body.
 */
import type { Socket } from 'node:net';

const LINGER_MS = 2_000;
const LINGERING = Symbol('pollcast.lingering');

/** Call while answering a request with `Connection: close`; Node's own close then lingers. */
export function lingerOnClose(socket: Socket | null | undefined): void {
  const s = socket as (Socket & { [LINGERING]?: true }) | null | undefined;
  if (!s || s.destroyed || s[LINGERING]) return;
  s[LINGERING] = true;
  // Node ends a `Connection: close` response with socket.destroySoon(): end, then destroy at once.
  s.destroySoon = function lingeringDestroySoon(this: Socket) {
    if (this.writable) this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('end', () => this.destroy());
    this.once('close', () => clearTimeout(timer));
    this.resume();
  };
}
