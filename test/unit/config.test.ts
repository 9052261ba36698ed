import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('config', () => {
  it('defaults to every role, embedded backends, port 8080', () => {
    const c = loadConfig({});
    assert.equal(c.role, 'all');
    assert.equal(c.port, 8080);
    assert.deepEqual(c.store, { kind: 'embedded', dataDir: './data', sync: 'full' });
    assert.equal(c.cache.kind, 'memory');
    assert.equal(c.bus.kind, 'memory');
  });

  it('the test-only fault hook POLLCAST_FAULT_CRASH_AFTER_APPLY is off by default, a count when set', () => {
    assert.equal(loadConfig({}).faultCrashAfterApply, 0);
    assert.equal(loadConfig({ POLLCAST_FAULT_CRASH_AFTER_APPLY: '3' }).faultCrashAfterApply, 3);
    assert.throws(() => loadConfig({ POLLCAST_FAULT_CRASH_AFTER_APPLY: '-1' }), ConfigError);
  });

  it('is frozen, deeply', () => {
    const c = loadConfig({});
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.store) && Object.isFrozen(c.groupCommit));
    assert.throws(() => {
      (c as { port: number }).port = 1;
    });
  });

  it('reports every bad setting at once, by name', () => {
    try {
      loadConfig({ PORT: 'abc', GROUP_COMMIT_MAX_BATCH: '0', REDIS_URL: 'http://x', LOG_LEVEL: 'loud', POLLCAST_SECRET: 'short' });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const names = err.problems.map((p) => p.split(':')[0]);
      for (const n of ['PORT', 'GROUP_COMMIT_MAX_BATCH', 'REDIS_URL', 'LOG_LEVEL', 'POLLCAST_SECRET']) assert.ok(names.includes(n), `${n} in ${names}`);
      assert.ok(!err.message.includes('short'), 'secret values are never echoed');
    }
  });

  it('switches adapters by URL and flags win over env', () => {
    const c = loadConfig(
      { DATABASE_URL: 'postgres://u@h/db', DATABASE_REPLICA_URLS: 'postgres://r1/db, postgres://r2/db', REDIS_URL: 'redis://h:6379', NATS_URL: 'nats://h:4222', PORT: '1' },
      { port: '9000', role: 'api' },
    );
    assert.equal(c.store.kind, 'postgres');
    assert.deepEqual(c.store.kind === 'postgres' && c.store.replicaUrls, ['postgres://r1/db', 'postgres://r2/db']);
    assert.equal(c.cache.kind, 'redis');
    assert.equal(c.bus.kind, 'nats');
    assert.equal(c.port, 9000);
    assert.equal(c.role, 'api');
  });

  it('refuses roles apart on embedded backends and unknown roles', () => {
    assert.throws(() => loadConfig({}, { role: 'api' }), /POLLCAST_ROLE.*needs DATABASE_URL/);
    assert.throws(() => loadConfig({ POLLCAST_ROLE: 'boss' }), /POLLCAST_ROLE/);
    assert.throws(() => loadConfig({ DATABASE_URL: 'postgres://h/db', REDIS_URL: 'redis://h' }, { role: 'worker' }), /missing: NATS_URL/);
  });

  it('distributed settings: key prefix, stream replicas, database bounds inside the request timeout', () => {
    const d = loadConfig({ DATABASE_URL: 'postgres://h/db', NATS_URL: 'nats://h:4222' });
    assert.equal(d.prefix, 'pollcast');
    assert.deepEqual(d.bus, { kind: 'nats', url: 'nats://h:4222', replicas: 1 });
    const c = loadConfig({ DATABASE_URL: 'postgres://h/db', NATS_URL: 'nats://h:4222', POLLCAST_PREFIX: 'tenant_a-1', NATS_STREAM_REPLICAS: '3', REQUEST_TIMEOUT_MS: '4000' });
    assert.equal(c.prefix, 'tenant_a-1');
    assert.equal(c.bus.kind === 'nats' && c.bus.replicas, 3);
    assert.ok(c.store.kind === 'postgres');
    assert.ok(c.store.connectTimeoutMs! + c.store.queryTimeoutMs! < 4000, 'one connection attempt and one statement fit in the request timeout');
    assert.throws(() => loadConfig({ POLLCAST_PREFIX: 'a:b' }), /POLLCAST_PREFIX/);
    assert.throws(() => loadConfig({ NATS_STREAM_REPLICAS: '7' }), /NATS_STREAM_REPLICAS/);
  });

  it('AMQP_URL chooses the RabbitMQ event bus; one broker at a time; a worker apart needs one', () => {
    const r = loadConfig({ DATABASE_URL: 'postgres://h/db', AMQP_URL: 'amqp://u:p@h:5672' });
    assert.deepEqual(r.bus, { kind: 'amqp', url: 'amqp://u:p@h:5672' });
    const limited = loadConfig({ AMQP_URL: 'amqps://h', AMQP_DELIVERY_LIMIT: '500' });
    assert.equal(limited.bus.kind === 'amqp' && limited.bus.deliveryLimit, 500);
    assert.throws(() => loadConfig({ AMQP_URL: 'amqp://h', NATS_URL: 'nats://h' }), /set one broker, not both/);
    assert.throws(() => loadConfig({ AMQP_URL: 'http://h' }), /AMQP_URL/);
    assert.throws(() => loadConfig({ AMQP_URL: 'amqp://h', AMQP_DELIVERY_LIMIT: '0' }), /AMQP_DELIVERY_LIMIT/);
    const worker = loadConfig({ DATABASE_URL: 'postgres://h/db', REDIS_URL: 'redis://h', AMQP_URL: 'amqp://h' }, { role: 'worker' });
    assert.equal(worker.bus.kind, 'amqp');
  });

  it('invite codes per hour per address: 1,000,000 by default, 0 turns the budget off, negatives refused', () => {
    assert.equal(loadConfig({}).rateLimit.invitesPerHour, 1_000_000);
    assert.equal(loadConfig({ RATE_LIMIT_INVITES_PER_HOUR: '0' }).rateLimit.invitesPerHour, 0);
    assert.throws(() => loadConfig({ RATE_LIMIT_INVITES_PER_HOUR: '-1' }), /RATE_LIMIT_INVITES_PER_HOUR/);
  });

  it('the CLI exits 2 on an unknown role and on bad settings', () => {
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--role', 'boss'], { encoding: 'utf8' });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /role/);
    const env = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], { encoding: 'utf8', env: { ...process.env, PORT: 'x', LOG_LEVEL: 'loud' } });
    assert.equal(env.status, 2);
    assert.match(env.stderr, /PORT/);
    assert.match(env.stderr, /LOG_LEVEL/);
    const help = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'migrate', '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /migrate/);
  });
});

describe('HTTP_MAX_CONNECTIONS default', () => {
  it('stays under the open-files limit (room for pools and files), 20,000 at most', async () => {
    const { defaultMaxConnections } = await import('../../src/config.js');
    assert.equal(defaultMaxConnections(null), 20_000);
    assert.equal(defaultMaxConnections(1_048_576), 20_000);
    assert.equal(defaultMaxConnections(20_000), 18_976, 'ulimit -n 20000: a 20,000-viewer run once died of EMFILE');
    assert.equal(defaultMaxConnections(1_024), 768);
    assert.equal(defaultMaxConnections(100), 75);
    assert.equal(defaultMaxConnections(10), 64);
  });
});
