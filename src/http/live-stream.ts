/**
 * Opening a live stream (Server-Sent Events) for a request, the same way for every stream route
 * (a poll's results, an event's channel): one of the client address's stream slots
 * (HTTP_MAX_STREAMS_PER_ADDRESS, shared by every stream route of the process; 429 `too_many_streams`
 * beyond), the route's authorization (the slot is given back if it throws), `Last-Event-ID`, the
 * SSE headers, then the hub's join. The slot is given back when the stream closes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PollcastError } from '../errors.js';
import { SseViewer } from '../realtime/sse-viewer.js';
import { addressKey, AddressCounter } from './address-limits.js';

/** What a stream route joins: the results hub or the event hub. */
export interface StreamHub {
  join(key: string, viewer: SseViewer, lastEventId: number | null): Promise<() => void>;
}

/** A resume point: a version, at most 15 digits (always an exact number). Anything else starts afresh. */
export function lastEventIdOf(header: string | string[] | undefined): number | null {
  return typeof header === 'string' && /^\d{1,15}$/.test(header) ? Number(header) : null;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

export class LiveStreams {
  readonly #streams: AddressCounter;

  constructor(readonly limit: number) {
    this.#streams = new AddressCounter(limit);
  }

  /**
   * `authorize` answers the hub key to join (the poll or event id) or throws (answered as usual);
   * `configure` sets up the viewer before it joins.
   */
  async open(req: FastifyRequest, reply: FastifyReply, hub: StreamHub, authorize: () => Promise<string>, configure?: (viewer: SseViewer) => void): Promise<void> {
    const address = addressKey(req.ip);
    if (!this.#streams.acquire(address)) {
      // A stream lasts as long as its viewer watches: retry later, spread so refused viewers do not return together.
      throw new PollcastError('too_many_streams', `this address already has ${this.limit} live streams open`, { limit: this.limit }, 10 + Math.floor(Math.random() * 20));
    }
    let held = true;
    const release = () => {
      if (held) this.#streams.release(address);
      held = false;
    };
    let key: string;
    try {
      key = await authorize();
    } catch (err) {
      release();
      throw err;
    }
    const lastEventId = lastEventIdOf(req.headers['last-event-id']);
    reply.hijack();
    const raw = reply.raw;
    if (raw.destroyed) release();
    else raw.once('close', release);
    raw.writeHead(200, SSE_HEADERS);
    const socket = raw.socket;
    if (socket === null || socket.destroyed) return;
    socket.setNoDelay(true);
    const viewer = new SseViewer(raw, socket);
    configure?.(viewer);
    const leave = await hub.join(key, viewer, lastEventId);
    if (raw.destroyed || raw.writableEnded) leave();
    else raw.on('close', leave);
  }
}
