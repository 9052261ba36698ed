/**
 * One live-results stream, as the hub sees it: the response's socket written directly with frames
 * rendered once for all viewers (no per-viewer string, encoding or closure per frame). The
 * response's headers are sent first; after that Node only writes the terminating chunk on `end()`,
 * so writing whole chunks to the socket keeps the HTTP framing Node chose (chunked for HTTP/1.1,
 * plain bytes until close for HTTP/1.0).
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { SseFrame } from './sse-frame.js';

export class SseViewer {
  /** The last results version written to this viewer (-1: none): no viewer sees a version go back. */
  sent = -1;
  /** Left, ended or dropped: never written again. */
  gone = false;
  /** Epoch ms after which the stream is ended with a reconnect hint (Infinity: never). */
  expiresAt = Infinity;
  /** Not part of the audience a source counts (a presenter's own screen). */
  uncounted = false;
  /** Epoch ms since when its unsent buffer has not emptied (0: it is empty). */
  stalledSince = 0;
  readonly #res: ServerResponse;
  readonly #socket: Socket;
  readonly #chunked: boolean;

  constructor(res: ServerResponse, socket: Socket) {
    this.#res = res;
    this.#socket = socket;
    res.flushHeaders();
    this.#chunked = res.chunkedEncoding;
  }

  /** Queues the frame; returns the bytes not yet handed to the kernel afterwards. */
  write(frame: SseFrame): number {
    if (this.gone) return 0;
    const s = this.#socket;
    s.write(this.#chunked ? frame.chunked : frame.plain);
    return s.writableLength;
  }

  get unsent(): number {
    return this.gone ? 0 : this.#socket.writableLength;
  }

  /** Ends the stream cleanly, after `last` if given. */
  end(last?: SseFrame): void {
    if (this.gone) return;
    if (last) this.write(last);
    this.gone = true;
    this.#res.end();
  }

  /** Drops a viewer that does not read: its queued bytes are discarded with the socket. */
  destroy(): void {
    this.gone = true;
    this.#socket.destroy();
  }
}
