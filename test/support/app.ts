/**
 * Starts a real pollcast in-process on a random port with its own data directory.
 *
 * Backends: embedded by default. With POLLCAST_TEST_BACKEND=distributed (in the environment, or
 * `useTestBackend('distributed')` before the first app starts) every app gets its own scratch
 * PostgreSQL schema, Redis key prefix and NATS stream (test/support/distributed.ts), removed by
 * `stop()`; the HTTP suites then run unchanged on the distributed adapters. DATABASE_URL, REDIS_URL,
 * NATS_URL given in `env` win over both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { distributedSlice, type DistributedSlice } from './distributed.js';
import type { Json } from './json.js';

export type TestBackend = 'embedded' | 'distributed';

let backend: TestBackend = process.env.POLLCAST_TEST_BACKEND === 'distributed' ? 'distributed' : 'embedded';

/** Which backends the next startTestApp calls use. */
export function useTestBackend(b: TestBackend): void {
  backend = b;
}

export function testBackend(): TestBackend {
  return backend;
}

export interface TestApp {
  app: RunningApp;
  url: string;
  dataDir: string;
  backend: TestBackend;
  stop(): Promise<void>;
}

/** Distributed state by data directory, so `startTestApp({ DATA_DIR: t.dataDir })` restarts onto the same schema. */
const slices = new Map<string, DistributedSlice>();

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'pollcast-test-'));
  let slice: DistributedSlice | null = null;
  if (backend === 'distributed' && env.DATABASE_URL === undefined) {
    slice = slices.get(dataDir) ?? distributedSlice('pollcast_http');
    slices.set(dataDir, slice);
  }
  // OVERLOAD_MAX_EVENT_LOOP_DELAY_MS off: in-process, the test's own client shares the event loop, so
  // its bursts would read as server lag (a test that wants the lag threshold sets it).
  const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', EMBEDDED_SYNC: 'normal', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', ...slice?.env, ...env });
  let app: RunningApp;
  try {
    // Own key prefix: apps on a shared Redis/NATS must not share rate-limit windows or streams.
    app = await startApp(config, { prefix: slice?.prefix ?? 'pollcast_t' + Math.random().toString(36).slice(2, 10) });
  } catch (err) {
    slices.delete(dataDir);
    await slice?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    app,
    url: app.url,
    dataDir,
    backend: config.store.kind === 'postgres' ? 'distributed' : 'embedded',
    async stop() {
      await app.shutdown('test');
      slices.delete(dataDir);
      await slice?.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

/** fetch with a JSON body; the answer's body is read both as text and (if it parses) JSON. */
export async function call<T = Json>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let json: Json = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export async function createPoll(base: string, overrides: Record<string, unknown> = {}) {
  const r = await call(base, 'POST', '/v1/polls', { question: 'Tea or coffee?', options: ['Tea', 'Coffee', 'Water'], ...overrides });
  if (r.status !== 201) throw new Error(`create poll failed: ${r.status} ${r.text}`);
  return r.json as { poll: { id: string; status: string; options: Array<{ id: string; text: string }> }; ownerToken: string };
}

/**
 * Headers that make a request a trusted caller of a quick poll: its owner token as the bearer.
 * `open`-mode polls take a voterId (a vote, or `GET …/votes/me?voterId=`) only with these.
 */
export function voteHeaders(ownerToken: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${ownerToken}`, ...extra };
}
