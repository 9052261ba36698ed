/**
 * Metrics at /metrics: every figure the operator needs is exported, counts match what the clients
 * saw, labels stay bounded (route patterns, error codes), /metrics moves to METRICS_PORT when set,
 * and only src/observability talks to prom-client or OpenTelemetry.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parsePromText, sumOf, type LabelFilter, type Sample } from '../../src/observability/prom-text.js';
import { call, createPoll, startTestApp, useTestBackend, voteHeaders, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { assertProblem } from '../support/problem.js';
import { needServices } from '../support/services.js';
import { SseStream } from '../support/sse.js';

const VOTES = '/v1/polls/:pollId/votes';

async function scrape(url: string): Promise<{ text: string; samples: Sample[]; type: string | null }> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  const text = await res.text();
  return { text, samples: parsePromText(text), type: res.headers.get('content-type') };
}

const value = (s: Sample[], name: string, labels: LabelFilter = {}) => sumOf(s, name, labels);

describe('metrics (embedded)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t?.stop());

  it('counts votes by outcome exactly as the clients saw them, and exports every figure', async () => {
    const { poll, ownerToken } = await createPoll(t.url, { identityMode: 'open' });
    const ids = poll.options.map((o) => o.id);
    const stream = await SseStream.open(`${t.url}/v1/polls/${poll.id}/results/stream`);
    try {
      await stream.waitFor((e) => e.event === 'results', 5_000, 'the initial state');
      const statuses: number[] = [];
      const vote = async (body: unknown, headers: Record<string, string> = {}) => {
        const r = await call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, body, voteHeaders(ownerToken, headers));
        statuses.push(r.status);
        return r;
      };
      for (let i = 0; i < 12; i++) assert.equal((await vote({ optionIds: [ids[i % 3]!], voterId: `v${i}` })).status, 201);
      assert.equal((await vote({ optionIds: [ids[0]!], voterId: 'v0' })).status, 409);
      assert.equal((await vote({ optionIds: [ids[0]!], voterId: 'v1' })).status, 409);
      assert.equal((await vote({ optionIds: ['nope'], voterId: 'x' })).status, 422);
      assert.equal((await vote({ optionIds: [ids[1]!], voterId: 'k' }, { 'idempotency-key': 'key-1' })).status, 201);
      assert.equal((await vote({ optionIds: [ids[1]!], voterId: 'k' }, { 'idempotency-key': 'key-1' })).status, 201, 'the replay');
      assert.equal((await call(t.url, 'GET', '/no/such/path/abc123')).status, 404);
      await stream.waitFor((e) => e.event === 'results' && JSON.parse(e.data).total === 13, 5_000, 'the pushed tally');

      const { samples: s, text, type } = await eventually(async () => {
        const m = await scrape(t.url + '/metrics');
        return (value(m.samples, 'pollcast_consumer_event_age_seconds_count') ?? 0) > 0 ? m : undefined;
      }, 'the analytics consumer handled an event');
      assert.match(type ?? '', /^text\/plain; version=0\.0\.4/);

      assert.equal(value(s, 'pollcast_votes_accepted_total'), 13);
      assert.equal(value(s, 'pollcast_votes_replayed_total'), 1);
      assert.equal(value(s, 'pollcast_votes_rejected_total', { reason: 'already_voted' }), 2);
      assert.equal(value(s, 'pollcast_votes_rejected_total', { reason: 'invalid_option' }), 1);
      assert.equal(value(s, 'pollcast_http_requests_total', { route: VOTES, method: 'POST', status: '201' }), statuses.filter((x) => x === 201).length);
      assert.equal(value(s, 'pollcast_http_requests_total', { route: VOTES, method: 'POST', status: '409' }), 2);
      assert.equal(value(s, 'pollcast_http_request_duration_seconds_count', { route: VOTES, method: 'POST' }), statuses.length);
      // Unknown URLs share one label (no route, or the web app's catch-all): never the URL itself.
      assert.equal(value(s, 'pollcast_http_requests_total', { route: /^(unmatched|\/\*)$/, method: 'GET', status: '404' }), 1);
      assert.ok(!text.includes('abc123') && !text.includes(poll.id), 'no URL or poll id in any label');
      // Group commit: every vote that reached the committer is in exactly one batch.
      assert.equal(value(s, 'pollcast_vote_batch_size_sum'), 15);
      assert.ok((value(s, 'pollcast_vote_batch_commit_seconds_count') ?? 0) >= 1, 'pollcast_vote_batch_commit_seconds_count');
      assert.equal(value(s, 'pollcast_vote_batches_failed_total'), 0);
      // Live results: one viewer, pushes with a vote-to-viewer latency.
      assert.equal(value(s, 'pollcast_sse_connections'), 1);
      assert.ok((value(s, 'pollcast_results_pushes_total') ?? 0) >= 1, 'pollcast_results_pushes_total');
      assert.ok((value(s, 'pollcast_vote_to_viewer_seconds_count') ?? 0) >= 1, 'pollcast_vote_to_viewer_seconds_count');
      // Caches, outbox, consumers, the process.
      assert.ok((value(s, 'pollcast_cache_lookups_total', { kind: 'poll', outcome: 'local' }) ?? 0) >= 10, 'pollcast_cache_lookups_total');
      assert.ok((value(s, 'pollcast_cache_lookups_total', { kind: 'results' }) ?? 0) >= 1, 'pollcast_cache_lookups_total');
      for (const name of ['pollcast_outbox_backlog', 'pollcast_outbox_oldest_age_seconds', 'pollcast_vote_queue_depth', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes']) {
        assert.notEqual(value(s, name), null, name);
      }
      assert.equal(value(s, 'pollcast_consumer_backlog', { group: 'analytics' }) !== null, true);
      assert.ok((value(s, 'pollcast_outbox_relayed_total') ?? 0) >= 1, 'pollcast_outbox_relayed_total');
      assert.equal(s.find((x) => x.name === 'pollcast_build_info')?.labels.role, 'all');
    } finally {
      await stream.close();
    }
  });

  it('keeps label sets bounded: one series per route pattern, method, status and error code', async () => {
    const { samples } = await scrape(t.url + '/metrics');
    const routes = new Set(samples.filter((x) => x.name === 'pollcast_http_requests_total').map((x) => x.labels.route));
    for (const r of routes) assert.ok(r === 'unmatched' || r!.startsWith('/'), r);
    for (const r of samples.filter((x) => x.name === 'pollcast_votes_rejected_total')) assert.match(r.labels.reason!, /^[a-z_]+$/);
  });
});

describe('/metrics on the main port is not public', () => {
  let t: TestApp;
  before(async () => {
    // Every interface, so the test can also come from this machine's non-loopback address.
    t = await startTestApp({ HOST: '0.0.0.0' });
  });
  after(() => t?.stop());

  const outside = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && !a.internal && a.family === 'IPv4')?.address;

  it('a local, unproxied scrape gets the figures', async () => {
    const { samples } = await scrape(`http://127.0.0.1:${new URL(t.url).port}/metrics`);
    assert.notEqual(value(samples, 'pollcast_build_info'), null);
  });

  it('forwarded by a proxy on this host (X-Forwarded-For, Forwarded, X-Real-IP) → the 404 of an unknown route', async () => {
    const proxied: Array<Record<string, string>> = [{ 'x-forwarded-for': '203.0.113.9' }, { forwarded: 'for=203.0.113.9' }, { 'x-real-ip': '203.0.113.9' }];
    for (const h of proxied) {
      const r = await call(t.url, 'GET', '/metrics', undefined, h);
      assertProblem(r, 'not_found', JSON.stringify(h));
      assert.doesNotMatch(r.text, /pollcast_/);
    }
  });

  it('from another address → 404', { skip: outside ? false : 'no non-loopback IPv4 address on this machine' }, async () => {
    const r = await call(`http://${outside}:${new URL(t.url).port}`, 'GET', '/metrics');
    assertProblem(r, 'not_found', `from ${outside}`);
    assert.equal((await call(`http://${outside}:${new URL(t.url).port}`, 'GET', '/healthz')).status, 200, 'the port itself answers');
  });
});

describe('metrics on their own port (METRICS_PORT)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ METRICS_PORT: '0' });
  });
  after(() => t?.stop());

  it('serves /metrics on METRICS_PORT and not on the public port', async () => {
    assert.notEqual(new URL(t.app.metricsUrl).port, new URL(t.url).port);
    assert.equal((await call(t.url, 'GET', '/metrics')).status, 404);
    const { samples } = await scrape(t.app.metricsUrl);
    assert.notEqual(value(samples, 'pollcast_build_info'), null);
    assert.equal((await fetch(new URL('/other', t.app.metricsUrl))).status, 404);
  });
});

describe('METRICS_TOKEN: every scrape carries the token, on either port, from any address', () => {
  const TOKEN = 'scrape-token-0123456789abcdef';
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  let main: TestApp;
  let own: TestApp;
  before(async () => {
    [main, own] = await Promise.all([startTestApp({ HOST: '0.0.0.0', METRICS_TOKEN: TOKEN }), startTestApp({ METRICS_PORT: '0', METRICS_TOKEN: TOKEN })]);
  });
  after(() => Promise.all([main?.stop(), own?.stop()]));

  const outside = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && !a.internal && a.family === 'IPv4')?.address;

  it('main port: no token or a wrong one → the 404 of an unknown route, even from loopback', async () => {
    const local = `http://127.0.0.1:${new URL(main.url).port}`;
    for (const h of [{}, bearer('scrape-token-0123456789abcdeX'), bearer(TOKEN.slice(0, -1)), { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }]) {
      const r = await call(local, 'GET', '/metrics', undefined, h);
      assertProblem(r, 'not_found', JSON.stringify(h));
      assert.doesNotMatch(r.text, /pollcast_/);
    }
  });

  it('main port: the right token gets the figures, also through a proxy and from another address', async () => {
    const viaProxy = await fetch(`${main.url}/metrics`, { headers: { ...bearer(TOKEN), 'x-forwarded-for': '203.0.113.9' } });
    assert.equal(viaProxy.status, 200);
    assert.notEqual(value(parsePromText(await viaProxy.text()), 'pollcast_build_info'), null);
    if (outside) {
      const r = await fetch(`http://${outside}:${new URL(main.url).port}/metrics`, { headers: bearer(TOKEN) });
      assert.equal(r.status, 200, `from ${outside}`);
    }
  });

  it('METRICS_PORT: no token or a wrong one → 401 with WWW-Authenticate; the right one → the figures', async () => {
    for (const h of [{}, bearer('nope-nope-nope-nope-nope')]) {
      const r = await fetch(own.app.metricsUrl, { headers: h });
      assert.equal(r.status, 401, JSON.stringify(h));
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.doesNotMatch(await r.text(), /pollcast_/);
    }
    const ok = await fetch(own.app.metricsUrl, { headers: bearer(TOKEN) });
    assert.equal(ok.status, 200);
    assert.notEqual(value(parsePromText(await ok.text()), 'pollcast_build_info'), null);
  });
});

describe('metrics (PostgreSQL, Redis, NATS)', async () => {
  const skip = await needServices('postgres', 'redis', 'nats');
  let t: TestApp;
  before(async () => {
    if (skip) return;
    useTestBackend('distributed');
    try {
      t = await startTestApp({ DATABASE_POOL_SIZE: '7', POLLCAST_PROCESSES: '1' });
    } finally {
      useTestBackend('embedded');
    }
  });
  after(() => t?.stop());

  it('exports the database pool, the shared cache and the broker consumer backlog', { skip }, async () => {
    const { poll, ownerToken } = await createPoll(t.url, { identityMode: 'open' });
    for (let i = 0; i < 5; i++) assert.equal((await call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0]!.id], voterId: `p${i}` }, voteHeaders(ownerToken))).status, 201);
    const s = await eventually(async () => {
      const m = await scrape(t.url + '/metrics');
      return (value(m.samples, 'pollcast_consumer_event_age_seconds_count') ?? 0) >= 1 ? m.samples : undefined;
    }, 'the NATS consumer handled the events', 10_000);
    assert.equal(value(s, 'pollcast_db_pool_max'), 7);
    assert.ok((value(s, 'pollcast_db_pool_connections', { state: 'idle' }) ?? 0) + (value(s, 'pollcast_db_pool_connections', { state: 'in_use' }) ?? 0) >= 1, 'pollcast_db_pool_connections');
    assert.ok((value(s, 'pollcast_db_pool_waiting') ?? -1) >= 0, 'pollcast_db_pool_waiting');
    assert.notEqual(value(s, 'pollcast_consumer_backlog', { group: 'analytics' }), null, 'read from the NATS consumer');
    assert.equal(value(s, 'pollcast_votes_accepted_total'), 5);
  });
});

describe('the facades are the only way to the metrics and tracing libraries', () => {
  it('no file outside src/observability imports prom-client or @opentelemetry', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) {
          if (p !== join('src', 'observability')) walk(p);
        } else if (p.endsWith('.ts') && /from ['"](prom-client|@opentelemetry\/[^'"]+)['"]|import\(['"](prom-client|@opentelemetry)/.test(readFileSync(p, 'utf8'))) {
          offenders.push(p);
        }
      }
    };
    walk('src');
    assert.deepEqual(offenders, []);
  });
});
