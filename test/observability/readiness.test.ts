/**
 * /readyz reports each dependency with its status and latency and fails only on what stops the
 * process from serving: the store down → 503; Redis down → still ready, reported degraded (and
 * votes still counted).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createPoll, startTestApp, voteHeaders, type TestApp } from '../support/app.js';
import { distributedSlice, schemaUrl, type DistributedSlice } from '../support/distributed.js';
import { eventually } from '../support/eventually.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { PG_URL } from '../support/postgres.js';
import { needServices, SERVICES } from '../support/services.js';

interface Check {
  status: 'up' | 'down' | 'degraded';
  ok: boolean;
  required: boolean;
  ms: number;
  error?: string;
}
interface Ready {
  status: string;
  degraded: string[];
  checks: Record<string, Check>;
}

describe('/readyz (embedded)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t?.stop());

  it('lists the store and the broker with status and latency; 503 once the store is gone', async () => {
    const r = await call<Ready>(t.url, 'GET', '/readyz');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'ready');
    assert.deepEqual(r.json.degraded, []);
    assert.deepEqual(Object.keys(r.json.checks).sort(), ['broker', 'store']);
    assert.equal(r.json.checks.store!.status, 'up');
    assert.equal(r.json.checks.store!.required, true);
    assert.equal(typeof r.json.checks.store!.ms, 'number');
    assert.equal(r.json.checks.broker!.required, false);

    await t.app.ports.store.close();
    const down = await call<Ready>(t.url, 'GET', '/readyz');
    assert.equal(down.status, 503, down.text);
    assert.equal(down.json.status, 'unready');
    assert.equal(down.json.checks.store!.status, 'down');
    assert.match(down.json.checks.store!.error ?? '', /./);
  });
});

describe('/readyz (PostgreSQL and Redis behind fault proxies)', async () => {
  const skip = await needServices('postgres', 'redis', 'nats');
  let pg: FaultProxy;
  let redis: FaultProxy;
  let slice: DistributedSlice;
  let t: TestApp;
  before(async () => {
    if (skip) return;
    pg = await FaultProxy.start({ host: SERVICES.postgres.host, port: SERVICES.postgres.port });
    redis = await FaultProxy.start({ host: SERVICES.redis.host, port: SERVICES.redis.port });
    slice = distributedSlice('pollcast_ready');
    t = await startTestApp({
      ...slice.env,
      DATABASE_URL: schemaUrl(slice.schema, pg.url(PG_URL)),
      REDIS_URL: redis.url(SERVICES.redis.url),
      POLLCAST_PROCESSES: '1',
    });
  });
  after(async () => {
    await t?.stop();
    await slice?.cleanup();
    await pg?.close();
    await redis?.close();
  });

  it('Redis down: still ready, cache reported degraded, votes still counted', { skip }, async () => {
    const ok = await call<Ready>(t.url, 'GET', '/readyz');
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(Object.keys(ok.json.checks).sort(), ['broker', 'cache', 'store']);
    for (const c of Object.values(ok.json.checks)) assert.equal(c.status, 'up');

    const { poll, ownerToken } = await createPoll(t.url, { identityMode: 'open' });
    redis.cut();
    const degraded = await eventually(async () => {
      const r = await call<Ready>(t.url, 'GET', '/readyz');
      return r.json.checks.cache?.status === 'degraded' ? r : undefined;
    }, 'the cache is reported degraded');
    assert.equal(degraded.status, 200, degraded.text);
    assert.equal(degraded.json.status, 'ready');
    assert.deepEqual(degraded.json.degraded, ['cache']);
    assert.equal(degraded.json.checks.store!.status, 'up');
    const v = await call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0]!.id], voterId: 'r1' }, voteHeaders(ownerToken));
    assert.equal(v.status, 201, v.text);

    redis.restore();
    await eventually(async () => (await call<Ready>(t.url, 'GET', '/readyz')).json.checks.cache?.status === 'up', 'the cache is back', 10_000);
  });

  it('PostgreSQL down: 503 with the store reported down; ready again when it returns', { skip }, async () => {
    pg.cut();
    const r = await eventually(async () => {
      const x = await call<Ready>(t.url, 'GET', '/readyz');
      return x.status === 503 ? x : undefined;
    }, 'readiness fails', 10_000);
    assert.equal(r.json.status, 'unready');
    assert.equal(r.json.checks.store!.status, 'down');
    assert.equal(r.json.checks.cache!.status, 'up');
    pg.restore();
    await eventually(async () => (await call(t.url, 'GET', '/readyz')).status === 200, 'ready again', 15_000);
  });
});
