/**
 * Hardening: security headers on API and web answers (the embed page frameable, /embed.js loadable
 * by other sites), CORS for listed origins only, CORS and limit settings checked at startup, huge
 * bodies and headers refused with problem+json without reading them, slow clients cut off, and the
 * connection cap.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { ConfigError, defaultMaxConnections, loadConfig } from '../../src/config.js';
import { call, createPoll, startTestApp, type TestApp } from '../support/app.js';
import { ensureWebBuilt } from '../support/browser.js';
import { assertProblem } from '../support/problem.js';

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const ALLOWED = 'https://allowed.example';
const FOREIGN = 'https://foreign.example';

function csp(h: Headers): Map<string, string> {
  const m = new Map<string, string>();
  for (const d of (h.get('content-security-policy') ?? '').split(';')) {
    const [name, ...values] = d.trim().split(/\s+/);
    if (name) m.set(name, values.join(' '));
  }
  return m;
}

/** Writes `head` (and then `chunks`, if any) on a raw socket; resolves with what came back and when the server closed it. */
function rawRequest(url: string, head: string, opts: { chunk?: string; everyMs?: number; timeoutMs?: number } = {}): Promise<{ text: string; closedAfterMs: number; serverClosed: boolean }> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const t0 = Date.now();
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const s: Socket = connect(Number(u.port), u.hostname, () => {
      s.write(head);
      if (opts.chunk !== undefined) timer = setInterval(() => s.writable && s.write(opts.chunk!), opts.everyMs ?? 5);
    });
    s.on('data', (d) => {
      text += d.toString('latin1');
      // Answered: stop sending and close our side, as an ordinary client would.
      if (text.includes('\r\n\r\n') && timer) {
        clearInterval(timer);
        timer = undefined;
        s.end();
      }
    });
    s.on('error', () => {});
    let byUs = false;
    const giveUp = setTimeout(() => ((byUs = true), s.destroy()), opts.timeoutMs ?? 15_000);
    s.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ text, closedAfterMs: Date.now() - t0, serverClosed: !byUs });
    });
  });
}

function problemCode(text: string): string | undefined {
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  try {
    return (JSON.parse(body) as { code?: string }).code;
  } catch {
    return undefined;
  }
}

describe('hardening: security headers', () => {
  let t: TestApp;
  before(async () => {
    ensureWebBuilt();
    t = await startTestApp();
  });
  after(() => t?.stop());

  it('API answers, problems included, carry the security headers', async () => {
    const { poll } = await createPoll(t.url);
    for (const r of [await call(t.url, 'GET', `/v1/polls/${poll.id}`), await call(t.url, 'GET', '/v1/polls/222222222222')]) {
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(r.headers.get('x-frame-options'), 'SAMEORIGIN');
      assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(r.headers.get('cross-origin-opener-policy'), 'same-origin');
      assert.equal(r.headers.get('cross-origin-resource-policy'), 'same-origin');
      assert.match(r.headers.get('strict-transport-security') ?? '', /^max-age=\d+/);
      const p = csp(r.headers);
      assert.equal(p.get('default-src'), "'self'");
      assert.equal(p.get('frame-ancestors'), "'self'");
      assert.equal(p.get('object-src'), "'none'");
    }
    assert.equal((await call(t.url, 'GET', '/v1/polls/222222222222')).status, 404);
  });

  it('the web app: a strict CSP without inline script or upgrade-insecure-requests (plain-HTTP LANs)', async () => {
    const r = await fetch(t.url + '/', { headers: HTML });
    assert.equal(r.status, 200);
    await r.text();
    const p = csp(r.headers);
    assert.equal(p.get('script-src'), "'self'");
    assert.equal(p.get('script-src-attr'), "'none'");
    assert.equal(p.get('style-src'), "'self'");
    assert.equal(p.get('connect-src'), "'self'");
    assert.equal(p.get('frame-ancestors'), "'self'");
    assert.ok(!p.has('upgrade-insecure-requests'));
    assert.equal(r.headers.get('x-frame-options'), 'SAMEORIGIN');
    for (const path of ['/p/222222222222', '/p/222222222222/manage']) {
      const page = await fetch(t.url + path, { headers: HTML });
      await page.text();
      assert.equal(csp(page.headers).get('frame-ancestors'), "'self'", `${path} is not frameable by other sites`);
    }
  });

  it('the embed page may be framed by any site; /embed.js may be loaded by any site', async () => {
    const r = await fetch(t.url + '/embed/222222222222', { headers: HTML });
    assert.equal(r.status, 200);
    await r.text();
    assert.equal(csp(r.headers).get('frame-ancestors'), '*');
    assert.equal(csp(r.headers).get('script-src'), "'self'");
    assert.equal(r.headers.get('x-frame-options'), null);
    const js = await fetch(t.url + '/embed.js');
    assert.equal(js.status, 200);
    await js.text();
    assert.equal(js.headers.get('cross-origin-resource-policy'), 'cross-origin');
  });

  it('without CORS_ORIGINS no origin gets cross-origin access', async () => {
    const r = await call(t.url, 'GET', '/healthz', undefined, { origin: ALLOWED });
    assert.equal(r.headers.get('access-control-allow-origin'), null);
    const pre = await call(t.url, 'OPTIONS', '/v1/polls', undefined, { origin: ALLOWED, 'access-control-request-method': 'POST' });
    assertProblem(pre, 'not_found');
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
  });
});

describe('hardening: CORS allow-list', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ CORS_ORIGINS: `${ALLOWED}, http://localhost:5173/` });
  });
  after(() => t?.stop());

  it('a preflight from a listed origin is allowed, with credentials and our headers', async () => {
    const r = await call(t.url, 'OPTIONS', '/v1/polls/222222222222/votes', undefined, {
      origin: ALLOWED,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,idempotency-key,x-voter-token,x-csrf-token,authorization',
    });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('access-control-allow-origin'), ALLOWED);
    assert.equal(r.headers.get('access-control-allow-credentials'), 'true');
    const allowed = (r.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
    for (const h of ['content-type', 'idempotency-key', 'x-voter-token', 'x-csrf-token', 'authorization']) assert.ok(allowed.includes(h), `${h} in ${allowed}`);
    assert.match(r.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(r.headers.get('vary') ?? '', /Origin/i);
    // The trailing slash in the setting is normalized away.
    const dev = await call(t.url, 'OPTIONS', '/v1/polls', undefined, { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' });
    assert.equal(dev.headers.get('access-control-allow-origin'), 'http://localhost:5173');
  });

  it('an actual request from a listed origin can read Location, Retry-After and the RateLimit headers', async () => {
    const r = await call(t.url, 'POST', '/v1/polls', { question: 'CORS?', options: ['Yes', 'No'] }, { origin: ALLOWED });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('access-control-allow-origin'), ALLOWED);
    assert.equal(r.headers.get('access-control-allow-credentials'), 'true');
    const exposed = (r.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(/,\s*/);
    for (const h of ['location', 'retry-after', 'ratelimit', 'ratelimit-policy']) assert.ok(exposed.includes(h), `${h} in ${exposed}`);
  });

  it('a foreign origin gets no CORS header at all, on a preflight or a request', async () => {
    const pre = await call(t.url, 'OPTIONS', '/v1/polls', undefined, { origin: FOREIGN, 'access-control-request-method': 'POST' });
    assert.notEqual(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), null);
    assert.equal(pre.headers.get('access-control-allow-credentials'), null);
    const r = await call(t.url, 'GET', '/healthz', undefined, { origin: FOREIGN });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('access-control-allow-origin'), null);
    assert.equal(r.headers.get('access-control-allow-credentials'), null);
    // Nor does a look-alike of a listed one.
    const like = await call(t.url, 'GET', '/healthz', undefined, { origin: ALLOWED + '.evil.example' });
    assert.equal(like.headers.get('access-control-allow-origin'), null);
  });
});

describe('hardening: settings checked at startup', () => {
  it('CORS_ORIGINS accepts origins only', () => {
    assert.deepEqual(loadConfig({}).http.corsOrigins, []);
    assert.deepEqual(loadConfig({ CORS_ORIGINS: 'https://A.example/, http://localhost:8080,https://a.example' }).http.corsOrigins, ['https://a.example', 'http://localhost:8080']);
    for (const bad of ['*', 'null', 'a.example', 'https://a.example/path', 'https://a.example?x=1', 'ftp://a.example', 'https://u:p@a.example', 'https://ok.example,*']) {
      assert.throws(() => loadConfig({ CORS_ORIGINS: bad }), (err: unknown) => err instanceof ConfigError && err.problems.some((p) => p.startsWith('CORS_ORIGINS:')), bad);
    }
  });

  it('overload and connection limits: defaults, 0 turns one off, nonsense refused', () => {
    const d = loadConfig({});
    assert.equal(d.overload.maxEventLoopDelayMs, 500);
    assert.equal(d.overload.maxQueue, 2 * 500 * 2);
    assert.ok(d.overload.maxHeapBytes > 0);
    assert.equal(d.overload.maxRssBytes, 0);
    assert.equal(d.http.headersTimeoutMs, 5_000);
    // 20,000, or less under this machine's open-files limit (test/unit/config.test.ts checks the rule).
    const limit = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    assert.equal(d.http.maxConnections, defaultMaxConnections(limit ? Number(limit[1]) : null));
    const off = loadConfig({ OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', OVERLOAD_MAX_HEAP_BYTES: '0', OVERLOAD_MAX_QUEUE: '0', HTTP_MAX_CONNECTIONS: '0' });
    assert.deepEqual(off.overload, { maxEventLoopDelayMs: 0, maxHeapBytes: 0, maxRssBytes: 0, maxQueue: 0 });
    assert.equal(off.http.maxConnections, 0);
    try {
      loadConfig({ OVERLOAD_MAX_QUEUE: '-1', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: 'fast', HTTP_HEADERS_TIMEOUT_MS: '20000' });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const names = err.problems.map((p) => p.split(':')[0]);
      for (const n of ['OVERLOAD_MAX_QUEUE', 'OVERLOAD_MAX_EVENT_LOOP_DELAY_MS']) assert.ok(names.includes(n), `${n} in ${names}`);
    }
    assert.throws(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '20000' }), /HTTP_HEADERS_TIMEOUT_MS: must not exceed REQUEST_TIMEOUT_MS/);
    // Unset, it follows a shorter request timeout.
    assert.equal(loadConfig({ REQUEST_TIMEOUT_MS: '4000' }).http.headersTimeoutMs, 4_000);
  });

  it('`pollcast serve` with a bad CORS_ORIGINS exits 2 naming it, before listening', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], { encoding: 'utf8', env: { ...process.env, CORS_ORIGINS: 'https://ok.example,*', PORT: '0' }, timeout: 60_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /CORS_ORIGINS/);
  });
});

describe('hardening: hostile requests', () => {
  let t: TestApp;
  before(async () => {
    // No per-address cap: the connection-cap test below measures the global cap from one address
    // (the per-address caps and the health reserve: address-limits.test.ts).
    t = await startTestApp({ HTTP_HEADERS_TIMEOUT_MS: '500', REQUEST_TIMEOUT_MS: '1000', HTTP_MAX_CONNECTIONS: '40', HTTP_MAX_CONNECTIONS_PER_ADDRESS: '0' });
  });
  after(() => t?.stop());

  it('a declared huge body is 413 problem+json at once, and the connection is closed unread', async () => {
    const r = await rawRequest(t.url, 'POST /v1/polls HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n{', { chunk: 'x'.repeat(65_536) });
    assert.match(r.text, /^HTTP\/1\.1 413 /);
    assert.match(r.text, /\r\ncontent-type: application\/problem\+json/i);
    assert.match(r.text, /\r\nconnection: close/i);
    assert.equal(problemCode(r.text), 'body_too_large');
    assert.ok(r.serverClosed && r.closedAfterMs < 2_000, `closed by the server after ${r.closedAfterMs} ms`);
  });

  it('a streamed (chunked) body is cut at BODY_LIMIT_BYTES: 413, connection closed', async () => {
    const r = await rawRequest(t.url, 'POST /v1/polls HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', { chunk: '4000\r\n' + 'x'.repeat(0x4000) + '\r\n' });
    assert.match(r.text, /^HTTP\/1\.1 413 /);
    assert.equal(problemCode(r.text), 'body_too_large');
    assert.ok(r.serverClosed && r.closedAfterMs < 2_000, `closed by the server after ${r.closedAfterMs} ms`);
  });

  it('headers over 16 KiB are 431 problem+json', async () => {
    const r = await rawRequest(t.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.match(r.text, /^HTTP\/1\.1 431 /);
    assert.match(r.text, /\r\ncontent-type: application\/problem\+json/i);
    assert.equal(problemCode(r.text), 'headers_too_large');
  });

  it('slow clients are cut off: silent, trickling headers, trickling a body (408 problem+json)', async () => {
    const u = t.url;
    const [silent, headers, body] = await Promise.all([
      rawRequest(u, ''),
      rawRequest(u, 'GET /healthz HTTP/1.1\r\n', { chunk: 'X-A: b\r\n', everyMs: 100 }),
      rawRequest(u, 'POST /v1/polls HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{', { chunk: ' ', everyMs: 100 }),
    ]);
    for (const [name, r, limit] of [['silent', silent, 500], ['trickling headers', headers, 500], ['trickling body', body, 1_000]] as const) {
      assert.ok(r.serverClosed, `${name}: closed by the server`);
      // The timeout, plus at most the 1 s between Node's checks, plus slack for a busy machine.
      assert.ok(r.closedAfterMs >= limit && r.closedAfterMs < limit + 4_000, `${name}: closed after ${r.closedAfterMs} ms`);
      assert.match(r.text, /^HTTP\/1\.1 408 /, name);
      assert.equal(problemCode(r.text), 'request_timeout', name);
    }
  });

  it('connections beyond HTTP_MAX_CONNECTIONS are closed at once; the server serves again when they go', async () => {
    const u = new URL(t.url);
    const sockets = await Promise.all(
      Array.from({ length: 60 }, () => new Promise<{ s: Socket; closed: Promise<void> }>((resolve) => {
        const s = connect(Number(u.port), u.hostname, () => resolve({ s, closed }));
        const closed = new Promise<void>((r) => s.once('close', () => r()));
        s.on('error', () => {});
      })),
    );
    await new Promise((r) => setTimeout(r, 300));
    const refused = sockets.filter(({ s }) => s.destroyed || s.readyState === 'closed').length;
    assert.ok(refused >= 15, `${refused} of 60 closed at once (cap 40)`);
    for (const { s } of sockets) s.destroy();
    await Promise.all(sockets.map((x) => x.closed));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await call(t.url, 'GET', '/healthz')).status, 200);
  });
});
