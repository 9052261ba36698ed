/**
 * The per-source limits in the shipped load-balancer configs (issue 12, finding 1): pollcast's own
 * per-address caps see only the proxy's address, so the proxy limits each client.
 * - HAProxy (deploy/haproxy/haproxy.cfg) and nginx (deploy/nginx/nginx.conf) accept the files
 *   (`haproxy -c`, `nginx -t`); with REQUIRE_SERVICES=1 a missing binary fails the test.
 * - HAProxy: a source's 2,001st open connection is closed at accept; another source is served.
 * - nginx: a source's 1,001st live-results stream gets 429 `too_many_streams` problem+json with
 *   Retry-After (pollcast's own stream cap is off here, so the refusal is nginx's); another source
 *   still opens one.
 * Sources are told apart by binding the client to 127.0.0.x (all loopback on Linux).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { callFrom, idleFrom, openFrom, type IdleConnection, type OpenStream } from '../support/from-address.js';
import { haproxyBinary, SHIPPED_HAPROXY_CFG, startHaproxy, type Haproxy } from '../support/haproxy.js';
import { nginxBinary, renderNginxConf, SHIPPED_NGINX_CONF, startNginx, type Nginx } from '../support/nginx.js';
import { REQUIRE_SERVICES } from '../support/services.js';

function binaryOrSkip(name: string, found: string | null): string | false {
  if (found) return false;
  if (REQUIRE_SERVICES) throw new Error(`REQUIRE_SERVICES=1 and ${name} is not installed (apt-get install -y ${name})`);
  return `skipped: ${name} is not installed (apt-get install -y ${name})`;
}
const haproxy = haproxyBinary();
const nginx = nginxBinary();
const skipHaproxy = binaryOrSkip('haproxy', haproxy);
const skipNginx = binaryOrSkip('nginx', nginx);
const skipLoopbackRange = process.platform === 'linux' ? false : 'needs all of 127.0.0.0/8 on loopback (Linux)';

/** Opens `n` connections from `from`, a batch at a time (the kernel's accept queue is finite too). */
async function idleMany(url: string, from: string, n: number): Promise<IdleConnection[]> {
  const out: IdleConnection[] = [];
  while (out.length < n) out.push(...(await Promise.all(Array.from({ length: Math.min(200, n - out.length) }, () => idleFrom(url, from)))));
  return out;
}

describe('shipped proxy configs are valid', () => {
  it('haproxy -c accepts deploy/haproxy/haproxy.cfg', { skip: skipHaproxy }, () => {
    const r = spawnSync(haproxy!, ['-c', '-f', SHIPPED_HAPROXY_CFG], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /Configuration file is valid/);
  });

  it('nginx -t accepts deploy/nginx/nginx.conf (upstreams and paths made local)', { skip: skipNginx }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pollcast-nginx-t-'));
    try {
      const conf = renderNginxConf(readFileSync(SHIPPED_NGINX_CONF, 'utf8'), { port: 18_080, dir, upstreams: { pollcast_api: ['127.0.0.1:1'], pollcast_realtime: ['127.0.0.1:2'] } });
      writeFileSync(join(dir, 'nginx.conf'), conf);
      const r = spawnSync(nginx!, ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /test is successful/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('HAProxy limits each source', { skip: skipHaproxy || skipLoopbackRange, timeout: 120_000 }, () => {
  let t: TestApp;
  let lb: Haproxy;
  before(async () => {
    t = await startTestApp({ TRUST_PROXY: '127.0.0.1' });
    const host = new URL(t.url).host;
    lb = await startHaproxy({ servers: { api: [host], realtime: [host] }, check: { inter: '500ms', fall: 2, rise: 1 } });
    await eventually(async () => (await lb.serverStatus('api', 'api1')).startsWith('UP'), 'api1 UP in haproxy', 10_000, 100);
  });
  after(async () => {
    await lb?.stop();
    await t?.stop();
  });

  it("a source's 2,001st open connection is closed at accept; another source is served", async () => {
    const mine = await idleMany(lb.url, '127.0.0.2', 2_000);
    try {
      assert.equal((await callFrom(lb.url, '127.0.0.3', 'GET', '/healthz')).status, 200);
      assert.ok(mine.every((c) => !c.closedByServer()), 'the first 2,000 are open');
      const over = await idleFrom(lb.url, '127.0.0.2');
      await Promise.race([over.closed, new Promise((_, rej) => setTimeout(() => rej(new Error('the 2,001st connection was not closed')), 5_000))]);
      assert.ok(over.closedByServer(), 'closed by haproxy');
      const other = await callFrom(lb.url, '127.0.0.3', 'GET', '/healthz');
      assert.equal(other.status, 200, other.error ?? other.text);
    } finally {
      for (const c of mine) c.socket.destroy();
    }
  });
});

describe('nginx limits each source', { skip: skipNginx || skipLoopbackRange, timeout: 120_000 }, () => {
  let t: TestApp;
  let proxy: Nginx;
  const held: OpenStream[] = [];
  before(async () => {
    // pollcast's own stream cap off: a 429 here can only be nginx's.
    t = await startTestApp({ TRUST_PROXY: '127.0.0.1', HTTP_MAX_STREAMS_PER_ADDRESS: '0' });
    const host = new URL(t.url).host;
    proxy = await startNginx({ pollcast_api: [host], pollcast_realtime: [host] });
  });
  after(async () => {
    await Promise.all(held.map((s) => s.close()));
    await proxy?.stop();
    await t?.stop();
  });

  it("a source's 1,001st live-results stream is refused with 429 too_many_streams; another source opens one", async () => {
    const created = await callFrom(proxy.url, '127.0.0.4', 'POST', '/v1/polls', { question: 'Tea or coffee?', options: ['Tea', 'Coffee'] });
    assert.equal(created.status, 201, created.text);
    const path = `/v1/polls/${created.json.poll.id}/results/stream`;
    for (let i = 0; i < 1_000; i += 200) {
      const batch = await Promise.all(Array.from({ length: 200 }, () => openFrom(proxy.url, '127.0.0.5', 'GET', path)));
      held.push(...batch);
      assert.deepEqual([...new Set(batch.map((s) => s.status))], [200], `streams ${i}–${i + 199}: ${batch.find((s) => s.status !== 200)?.text ?? ''}`);
    }
    const over = await openFrom(proxy.url, '127.0.0.5', 'GET', path);
    held.push(over);
    assert.equal(over.status, 429, over.error ?? over.text);
    assert.match(String(over.headers['content-type']), /^application\/problem\+json/);
    assert.equal(over.json.code, 'too_many_streams');
    assert.equal(over.headers['retry-after'], '20');
    const other = await openFrom(proxy.url, '127.0.0.6', 'GET', path);
    held.push(other);
    assert.equal(other.status, 200, other.error ?? other.text);
  });
});
