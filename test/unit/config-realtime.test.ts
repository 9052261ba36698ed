/** Live-stream settings: defaults, overrides, and refused values named in the error. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('config: live results streams', () => {
  it('defaults: 64 kB unsent per viewer, 60 s stall, 30 min lifetime', () => {
    assert.deepEqual(loadConfig({}).realtime, {
      pushIntervalMs: 100,
      heartbeatMs: 15_000,
      reconnectHintMs: 2_000,
      maxBufferedBytes: 65_536,
      stallTimeoutMs: 60_000,
      maxLifetimeMs: 1_800_000,
    });
  });

  it('overrides, and 0 turns the lifetime limit off', () => {
    const r = loadConfig({ SSE_MAX_BUFFERED_BYTES: '16384', SSE_STALL_TIMEOUT_MS: '5000', SSE_MAX_LIFETIME_MS: '0' }).realtime;
    assert.equal(r.maxBufferedBytes, 16_384);
    assert.equal(r.stallTimeoutMs, 5_000);
    assert.equal(r.maxLifetimeMs, 0);
  });

  it('refuses out-of-range values by name', () => {
    try {
      loadConfig({ SSE_MAX_BUFFERED_BYTES: '100', SSE_STALL_TIMEOUT_MS: '10', SSE_MAX_LIFETIME_MS: '-1' });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const names = err.problems.map((p) => p.split(':')[0]);
      for (const n of ['SSE_MAX_BUFFERED_BYTES', 'SSE_STALL_TIMEOUT_MS', 'SSE_MAX_LIFETIME_MS']) assert.ok(names.includes(n), `${n} in ${names}`);
    }
  });
});
