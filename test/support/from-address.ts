/**
 * Requests that come from a chosen local address, so one test plays several clients: on Linux all
 * of 127.0.0.0/8 is loopback, and binding the client socket to 127.0.0.2, 127.0.0.3 … makes the
 * server see different peers. Every request uses its own connection (no agent), closed after it.
 */
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Json } from './json.js';

export interface AddressedAnswer {
  /** 0: no answer (the connection was closed or reset; `error` says how). */
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: Json;
  error?: string;
}

export interface OpenStream extends AddressedAnswer {
  /** Ends the stream (closes its connection) and waits until it is closed. */
  close(): Promise<void>;
}

function parse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * GET or POST from `localAddress`. A 200 text/event-stream answer resolves at its headers and stays
 * open until `close()`; any other answer resolves with its whole body.
 */
export function openFrom(base: string, localAddress: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<OpenStream> {
  const u = new URL(base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    let settled = false;
    let closed: Promise<void> = Promise.resolve();
    const done = (a: AddressedAnswer) => {
      if (settled) return;
      settled = true;
      resolve({ ...a, close: async () => (req.destroy(), closed) });
    };
    const req = request(
      {
        host: u.hostname,
        port: Number(u.port),
        method,
        path,
        localAddress,
        agent: false,
        headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}), ...headers },
      },
      (res) => {
        const stream = res.statusCode === 200 && /^text\/event-stream/.test(res.headers['content-type'] ?? '');
        if (stream) {
          res.resume();
          done({ status: 200, headers: res.headers, text: '', json: undefined });
          return;
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, text, json: parse(text) }));
        res.on('error', (err) => done({ status: 0, headers: {}, text, json: undefined, error: err.message }));
      },
    );
    closed = new Promise<void>((r) => req.once('close', () => r()));
    req.on('error', (err: NodeJS.ErrnoException) => done({ status: 0, headers: {}, text: '', json: undefined, error: err.code ?? err.message }));
    req.setTimeout(20_000, () => req.destroy(new Error('no answer within 20 s')));
    req.end(payload);
  });
}

/** One request from `localAddress`, its connection closed afterwards. */
export async function callFrom(base: string, localAddress: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<AddressedAnswer> {
  const a = await openFrom(base, localAddress, method, path, body, headers);
  await a.close();
  return a;
}

export interface IdleConnection {
  socket: Socket;
  /** Resolves when the connection is closed (by either side). */
  closed: Promise<void>;
  /** True once the server closed it (our side has not). */
  closedByServer(): boolean;
}

/**
 * A TCP connection from `localAddress` that sends nothing. Resolves once connected, or once closed
 * if that comes first (a peer that resets the connection at accept can fail the connect itself).
 */
export function idleFrom(base: string, localAddress: string): Promise<IdleConnection> {
  const u = new URL(base);
  return new Promise((resolve) => {
    let byServer = false;
    const socket = connect({ host: u.hostname, port: Number(u.port), localAddress });
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    const conn: IdleConnection = { socket, closed, closedByServer: () => byServer };
    socket.once('connect', () => resolve(conn));
    socket.on('end', () => (byServer = true));
    socket.on('error', () => (byServer = true));
    void closed.then(() => resolve(conn));
  });
}
