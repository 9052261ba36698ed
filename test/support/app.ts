/** Starts a real pollcast in-process on a random port with its own data directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

export interface TestApp {
  app: RunningApp;
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pollcast-test-'));
  const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', EMBEDDED_SYNC: 'normal', ...env });
  // Own key prefix: apps on a shared Redis/NATS must not share rate-limit windows or streams.
  const app = await startApp(config, { prefix: 'pollcast_t' + Math.random().toString(36).slice(2, 10) });
  return {
    app,
    url: app.url,
    dataDir,
    async stop() {
      await app.shutdown('test');
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
export async function call<T = any>(
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
  let json: any = undefined;
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
