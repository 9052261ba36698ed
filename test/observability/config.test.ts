/** Observability settings: METRICS_PORT, OTEL_EXPORTER_OTLP_ENDPOINT and friends, validated once. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('observability configuration', () => {
  it('defaults: /metrics on the main port, tracing off', () => {
    const c = loadConfig({});
    assert.deepEqual(c.observability, { metricsPort: null, metricsToken: null, otlpEndpoint: null, serviceName: 'pollcast', traceSampleRatio: 1 });
  });

  it('reads METRICS_PORT and the OTLP settings', () => {
    const c = loadConfig({ METRICS_PORT: '9464', METRICS_TOKEN: 'scrape-me-0123456789', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_SERVICE_NAME: 'votes-eu', OTEL_TRACES_SAMPLER_RATIO: '0.1' });
    assert.deepEqual(c.observability, { metricsPort: 9464, metricsToken: 'scrape-me-0123456789', otlpEndpoint: 'http://collector:4318', serviceName: 'votes-eu', traceSampleRatio: 0.1 });
  });

  it('reports every bad value at once, by variable name', () => {
    const p = problems({ METRICS_PORT: '70000', METRICS_TOKEN: 'short', OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317', OTEL_TRACES_SAMPLER_RATIO: '2', OTEL_SERVICE_NAME: 'a b' });
    assert.equal(p.length, 5, p.join('\n'));
    for (const name of ['METRICS_PORT', 'METRICS_TOKEN', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_TRACES_SAMPLER_RATIO', 'OTEL_SERVICE_NAME']) {
      assert.ok(p.some((x) => x.startsWith(name + ':')), `${name} in ${p.join(' | ')}`);
    }
  });
});
