/**
 * Open-loop load at a fixed rate: request n is due at start + n/rate whatever happened to the
 * earlier ones, and its latency is measured from when it was due (a stall shows up as latency,
 * not as fewer requests: no coordinated omission). Used for "latency at half of capacity".
 *
 * Why not autocannon's `overallRate`: it gives each connection a per-second quota and sends it
 * back to back at the start of every second, so the server sees full-speed bursts. Why not
 * node:http: its client costs 130–300 µs of CPU per request here, enough to make the generator
 * the thing being measured. So: raw keep-alive sockets, one request at a time on each, answers
 * parsed just enough (status line, content-length; our servers never send chunked bodies).
 */
import { connect, type Socket } from 'node:net';
import type { LoadFigures } from './bench-types.js';
import { LatencyRecorder } from './latency-recorder.js';
import { voteAuthorization, voteBody, votePath, type VotePlan } from './vote-plan.js';

export interface PacedOptions {
  urls: string[];
  plan: VotePlan;
  ratePerSec: number;
  durationSec: number;
  /** Sockets in all; requests due while every socket is busy wait in a queue (and that counts). */
  connections: number;
  /**
   * Open another socket (up to this many in all) whenever a request is due and none is free,
   * instead of queueing it here: like a surge of separate clients, the excess then waits at the
   * server, which must shed it (the `overload` scenario). Default: `connections` (a fixed pool).
   */
  maxConnections?: number;
}

const DRAIN_TIMEOUT_MS = 10_000;
const HEADER_END = Buffer.from('\r\n\r\n');

interface Due {
  n: number;
  due: number;
}

interface Conn {
  socket: Socket;
  head: string;
  current: (Due & { voterId: string; sentAt: number }) | null;
  buf: Buffer;
  /** Bytes of body still to skip for the answer being read, or -1 while reading headers. */
  bodyLeft: number;
  status: number;
}

export async function runPaced(o: PacedOptions): Promise<LoadFigures> {
  const latency = new LatencyRecorder();
  const fromSend = new LatencyRecorder();
  const unanswered = new Set<string>();
  const statusCodes: Record<string, number> = {};
  const path = votePath(o.plan);
  const authorization = voteAuthorization(o.plan);
  const authLine = authorization === undefined ? '' : `Authorization: ${authorization}\r\n`;
  let ok2xx = 0;
  let non2xx = 0;
  let errors = 0;
  let inFlight = 0;
  let stopped = false;
  let lastAnswerAt = 0;

  const idle: Conn[] = [];
  const waiting: Due[] = [];
  const conns: Conn[] = [];
  let onSettled: () => void = () => {};

  const send = (c: Conn, d: Due) => {
    const voterId = `${o.plan.voterPrefix}p${d.n.toString(36)}`;
    const body = voteBody(o.plan, voterId, d.n);
    unanswered.add(voterId);
    c.current = { ...d, voterId, sentAt: performance.now() };
    c.socket.write(`POST ${path} HTTP/1.1\r\n${c.head}${authLine}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  };

  // Sockets being opened to take a waiting request (maxConnections).
  let opening = 0;
  const maxConnections = Math.max(o.connections, o.maxConnections ?? 0);
  const grow = () => {
    if (conns.length + opening >= maxConnections || waiting.length <= opening) return;
    opening += 1;
    open(urls[(conns.length + opening) % urls.length]!).then(
      (n) => {
        opening -= 1;
        // Connected after the run stopped: it must not send what is left waiting.
        if (stopped) return void n.socket.destroy();
        conns.push(n);
        release(n);
      },
      () => (opening -= 1),
    );
  };

  const release = (c: Conn) => {
    const next = waiting.shift();
    if (next) send(c, next);
    else idle.push(c);
  };

  const finish = (c: Conn) => {
    const cur = c.current;
    // An answer with no request of ours in flight (a server's 408 on an idle socket before it
    // closes it): nothing to account for.
    if (cur === null) return;
    lastAnswerAt = performance.now();
    c.current = null;
    inFlight -= 1;
    unanswered.delete(cur.voterId);
    statusCodes[c.status] = (statusCodes[c.status] ?? 0) + 1;
    if (c.status >= 200 && c.status < 300) {
      ok2xx += 1;
      const now = performance.now();
      latency.add(now - cur.due);
      fromSend.add(now - cur.sentAt);
    } else non2xx += 1;
    if (!stopped) release(c);
    onSettled();
  };

  const onData = (c: Conn, chunk: Buffer) => {
    c.buf = c.buf.length === 0 ? chunk : Buffer.concat([c.buf, chunk]);
    for (;;) {
      if (c.bodyLeft < 0) {
        const end = c.buf.indexOf(HEADER_END);
        if (end < 0) return;
        const head = c.buf.toString('latin1', 0, end);
        c.status = Number(head.slice(9, 12));
        const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        c.bodyLeft = m ? Number(m[1]) : 0;
        c.buf = c.buf.subarray(end + 4);
      }
      if (c.buf.length < c.bodyLeft) return;
      c.buf = c.buf.subarray(c.bodyLeft);
      c.bodyLeft = -1;
      finish(c);
    }
  };

  const open = (url: URL): Promise<Conn> =>
    new Promise((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname);
      socket.setNoDelay(true);
      const c: Conn = { socket, head: `Host: ${url.host}\r\n`, current: null, buf: Buffer.alloc(0), bodyLeft: -1, status: 0 };
      socket.on('data', (chunk: Buffer) => onData(c, chunk));
      socket.once('connect', () => resolve(c));
      socket.on('error', (err) => {
        if (!socket.connecting) return;
        reject(err);
      });
      // The server closed the socket: the answer in flight (if any) is lost; replace the socket.
      socket.on('close', () => {
        if (c.current) {
          c.current = null;
          inFlight -= 1;
          errors += 1;
          onSettled();
        }
        const i = conns.indexOf(c);
        if (i >= 0) conns.splice(i, 1);
        const j = idle.indexOf(c);
        if (j >= 0) idle.splice(j, 1);
        if (!stopped) void open(url).then((n) => (stopped ? n.socket.destroy() : (conns.push(n), release(n))), () => {});
      });
    });

  const urls = o.urls.map((u) => new URL(u));
  for (let i = 0; i < o.connections; i++) conns.push(await open(urls[i % urls.length]!));
  idle.push(...conns);

  const total = Math.max(1, Math.round(o.ratePerSec * o.durationSec));
  const interval = 1000 / o.ratePerSec;
  const t0 = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && t0 + sent * interval <= now) {
        const d = { n: sent, due: t0 + sent * interval };
        sent += 1;
        inFlight += 1;
        const c = idle.pop();
        if (c) send(c, d);
        else {
          waiting.push(d);
          grow();
        }
      }
      if (sent < total) setTimeout(tick, Math.max(0, t0 + sent * interval - performance.now()));
      else resolve();
    };
    tick();
  });
  const sendingSec = (performance.now() - t0) / 1000;

  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, DRAIN_TIMEOUT_MS);
    onSettled = () => {
      if (inFlight === 0) {
        clearTimeout(timer);
        resolve();
      }
    };
    onSettled();
  });
  stopped = true;
  const timeouts = inFlight;
  const answeringSec = (lastAnswerAt - t0) / 1000;
  for (const c of [...conns]) c.socket.destroy();

  return {
    ...latency.percentiles(),
    fromSend: fromSend.percentiles(),
    durationSec: Math.round(sendingSec * 100) / 100,
    answeringSec: Math.round(answeringSec * 100) / 100,
    ok2xx,
    perSec: Math.round(ok2xx / Math.max(sendingSec, 0.001)),
    non2xx,
    statusCodes,
    errors: errors + timeouts,
    timeouts,
    unanswered: [...unanswered],
    sent,
    unansweredUnknownIds: 0,
  };
}
