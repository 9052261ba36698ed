/**
 * Builds the metrics and tracing facades from config. Metrics are always on (prom-client, one
 * registry per app). Tracing is on only with OTEL_EXPORTER_OTLP_ENDPOINT; otherwise the SDK is
 * never imported and the app gets `noopTracing`.
 */
import { createRequire } from 'node:module';
import type { Config } from '../config.js';
import { PromMetrics } from './prom-metrics.js';
import { noopTracing, type Tracing } from '../ports/tracing.js';

export interface Observability {
  metrics: PromMetrics;
  tracing: Tracing;
}

/** The package version, for build_info and the trace resource (src/ and dist/ sit at the same depth). */
export const VERSION: string = (() => {
  try {
    return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

export async function createTracing(config: Readonly<Config>): Promise<Tracing> {
  const o = config.observability;
  if (o.otlpEndpoint === null) return noopTracing;
  const { OtelTracing } = await import('./otel-tracing.js');
  return new OtelTracing({ endpoint: o.otlpEndpoint, serviceName: o.serviceName, role: config.role, version: VERSION, sampleRatio: o.traceSampleRatio });
}

export async function createObservability(config: Readonly<Config>): Promise<Observability> {
  const metrics = new PromMetrics({ role: config.role, version: VERSION });
  metrics.joinCluster();
  return { metrics, tracing: await createTracing(config) };
}
