/** Settings for running as a fleet: processes per machine, trusted proxies, the shutdown delay. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

const DISTRIBUTED = { DATABASE_URL: 'postgres://u@h/db', REDIS_URL: 'redis://h:6379' };

describe('config: scale-out settings', () => {
  it('processes: 1 on the embedded store, one per core on PostgreSQL + Redis, or as set', () => {
    assert.equal(loadConfig({}).processes, 1);
    assert.equal(loadConfig(DISTRIBUTED).processes, availableParallelism());
    assert.equal(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).processes, 1, 'without Redis processes cannot share caches and live results');
    assert.equal(loadConfig({ ...DISTRIBUTED, POLLCAST_PROCESSES: '3' }).processes, 3);
    assert.equal(loadConfig({ ...DISTRIBUTED, POLLCAST_PROCESSES: '3' }, { processes: '2' }).processes, 2, 'the flag wins');
  });

  it('refuses several processes on the embedded store, naming the flag or the variable', () => {
    assert.throws(() => loadConfig({}, { processes: '2' }), (err: unknown) => err instanceof ConfigError && /^--processes: 2 processes need DATABASE_URL and REDIS_URL/.test(err.problems[0]!));
    assert.throws(() => loadConfig({ POLLCAST_PROCESSES: '4' }), /POLLCAST_PROCESSES: 4 processes need DATABASE_URL and REDIS_URL/);
    assert.throws(() => loadConfig({ ...DISTRIBUTED, POLLCAST_PROCESSES: '0' }), /POLLCAST_PROCESSES/);
    assert.equal(loadConfig({ POLLCAST_PROCESSES: '1' }).processes, 1);
  });

  it('`serve --processes 2` on the embedded store exits 2 with the reason', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--processes', '2'], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '', REDIS_URL: '' } });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--processes: 2 processes need DATABASE_URL and REDIS_URL: the embedded store/);
  });

  it('TRUST_PROXY: a list of proxy addresses and CIDRs; nothing trusted by default; "true" refused', () => {
    assert.deepEqual(loadConfig({}).http.trustProxy, []);
    assert.deepEqual(loadConfig({ TRUST_PROXY: 'false' }).http.trustProxy, []);
    assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1, fd00::/8,loopback' }).http.trustProxy, ['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8', 'loopback']);
    for (const bad of ['true', '10.0.0.0/33', 'proxy.local', '1.2.3.4/8/1', '::1/129']) {
      assert.throws(() => loadConfig({ TRUST_PROXY: bad }), /TRUST_PROXY: must be a comma-separated list of proxy addresses/, bad);
    }
  });

  it('SHUTDOWN_DELAY_MS: 0 by default', () => {
    assert.equal(loadConfig({}).shutdownDelayMs, 0);
    assert.equal(loadConfig({ SHUTDOWN_DELAY_MS: '2000' }).shutdownDelayMs, 2000);
    assert.throws(() => loadConfig({ SHUTDOWN_DELAY_MS: '-1' }), /SHUTDOWN_DELAY_MS/);
  });
});
