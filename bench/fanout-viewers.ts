/**
 * One load-generator process of `bench:fanout`: it opens `count` raw SSE sockets from its own
 * local address (127.0.0.x, so 20,000 sockets do not exhaust one address's ephemeral ports),
 * records when each `results` frame arrived (epoch ms) and the total it carried, and, given the
 * acknowledgement times of the votes, computes vote-acknowledged → viewer-received latency as the
 * clients saw it. Driven by its parent over IPC (see FanoutRequest / FanoutReply).
 *
 * Latency of the k-th acknowledged vote at one viewer: the first time that viewer held a frame
 * with total ≥ k, minus the k-th acknowledgement time (0 when the viewer already had it). Every
 * vote acknowledged by then is committed, so no earlier frame can have shown all of them.
 */
import { connect, type Socket } from 'node:net';

export type FanoutRequest =
  | { type: 'open'; port: number; path: string; count: number; localAddress: string }
  | { type: 'mark' }
  | { type: 'await'; stored: number; timeoutMs: number }
  | { type: 'report'; acks: number[]; from: number; to: number };

export type FanoutReply =
  | { type: 'opened'; connected: number; failed: number }
  | { type: 'marked'; frames: number; bytes: number }
  | { type: 'awaited'; converged: number; lastAt: number; live: number }
  | { type: 'reported'; histogram: Array<[number, number]>; missing: number; frames: number; bytes: number; framesInWindow: number; dropped: number };

const now = () => performance.timeOrigin + performance.now();

class Viewer {
  readonly socket: Socket;
  /** Arrival time and total of every results frame, in arrival order. */
  readonly times: number[] = [];
  readonly totals: number[] = [];
  bytes = 0;
  closed = false;
  #pending = '';

  constructor(socket: Socket) {
    this.socket = socket;
  }

  get total(): number {
    return this.totals.length === 0 ? -1 : this.totals[this.totals.length - 1]!;
  }

  /** Frames end with a blank line; chunked-encoding lines between them are skipped over. */
  onData(d: Buffer): void {
    this.bytes += d.length;
    const text = this.#pending + d.toString('latin1');
    const end = text.lastIndexOf('\n\n');
    if (end < 0) {
      this.#pending = text;
      return;
    }
    this.#pending = text.slice(end + 2);
    let at = 0;
    const t = now();
    for (;;) {
      const ev = text.indexOf('event: results\n', at);
      if (ev < 0 || ev > end) break;
      const k = text.indexOf('"total":', ev);
      if (k < 0 || k > end) break;
      this.times.push(t);
      this.totals.push(parseInt(text.slice(k + 8, k + 20), 10));
      at = k;
    }
  }
}

const viewers: Viewer[] = [];
let marked = { frames: 0, bytes: 0 };

function send(m: FanoutReply): void {
  process.send!(m);
}

async function open(m: Extract<FanoutRequest, { type: 'open' }>): Promise<void> {
  const request = Buffer.from(`GET ${m.path} HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n`);
  let failed = 0;
  for (let i = 0; i < m.count; i += 250) {
    await Promise.all(
      Array.from(
        { length: Math.min(250, m.count - i) },
        () =>
          new Promise<void>((resolve) => {
            const socket = connect({ port: m.port, host: '127.0.0.1', localAddress: m.localAddress });
            const v = new Viewer(socket);
            socket.once('connect', () => {
              socket.write(request);
              viewers.push(v);
              resolve();
            });
            socket.on('error', () => {
              if (!viewers.includes(v)) {
                failed++;
                resolve();
              }
            });
            socket.on('close', () => (v.closed = true));
            socket.on('data', (d: Buffer) => v.onData(d));
          }),
      ),
    );
  }
  // Every open viewer has its first frame (the initial state), or 60 s have passed.
  for (const deadline = Date.now() + 60_000; viewers.some((v) => v.totals.length === 0 && !v.closed) && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 100));
  }
  send({ type: 'opened', connected: viewers.filter((v) => v.totals.length > 0).length, failed });
}

function counts(): { frames: number; bytes: number } {
  let frames = 0;
  let bytes = 0;
  for (const v of viewers) {
    frames += v.totals.length;
    bytes += v.bytes;
  }
  return { frames, bytes };
}

async function awaitTotal(stored: number, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; viewers.some((v) => v.total !== stored) && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  let converged = 0;
  let lastAt = 0;
  let live = 0;
  for (const v of viewers) {
    if (v.totals.length > 0) live++;
    if (v.total !== stored) continue;
    converged++;
    // When this viewer first showed the final total.
    let j = v.totals.length - 1;
    while (j > 0 && v.totals[j - 1] === stored) j--;
    lastAt = Math.max(lastAt, v.times[j]!);
  }
  send({ type: 'awaited', converged, lastAt, live });
}

function report(acks: number[], from: number, to: number): void {
  const histogram = new Map<number, number>();
  let missing = 0;
  let framesInWindow = 0;
  for (const v of viewers) {
    let j = 0;
    for (let k = 1; k <= acks.length; k++) {
      while (j < v.totals.length && v.totals[j]! < k) j++;
      if (j === v.totals.length) {
        missing += acks.length - k + 1;
        break;
      }
      const ms = Math.max(0, Math.round(v.times[j]! - acks[k - 1]!));
      histogram.set(ms, (histogram.get(ms) ?? 0) + 1);
    }
    for (const t of v.times) if (t >= from && t <= to) framesInWindow++;
  }
  const c = counts();
  send({
    type: 'reported',
    histogram: [...histogram],
    missing,
    frames: c.frames - marked.frames,
    bytes: c.bytes - marked.bytes,
    framesInWindow,
    dropped: viewers.filter((v) => v.closed).length,
  });
}

process.on('message', (m: FanoutRequest) => {
  if (m.type === 'open') void open(m);
  else if (m.type === 'mark') {
    marked = counts();
    send({ type: 'marked', ...marked });
  } else if (m.type === 'await') void awaitTotal(m.stored, m.timeoutMs);
  else if (m.type === 'report') {
    report(m.acks, m.from, m.to);
    for (const v of viewers) v.socket.destroy();
    process.disconnect();
  }
});
process.on('disconnect', () => {
  for (const v of viewers) v.socket.destroy();
});
