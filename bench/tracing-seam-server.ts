/**
 * One embedded pollcast started through the composition root's documented seam,
 * `startApp(config, { observability })` (src/app.ts), with a tracing facade chosen here instead of
 * by `createTracing`. The modules are the shipped build's own (dist/, or src/ through tsx), loaded
 * from `<root>`, so this is the same code `pollcast serve` runs; only who picks the facade differs.
 *
 *   node tracing-seam-server.js <root> noop      the plain `noopTracing`: tracing never configured
 *   node tracing-seam-server.js <root> counting  a no-op facade that counts every call made to it
 *
 * `counting` writes its counts as JSON to BENCH_TRACING_COUNT_FILE whenever it gets SIGUSR2, so
 * the harness can take them before and after a load and divide by the votes. PORT, HOST, DATA_DIR
 * and the rest come from the environment, as for `pollcast serve`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as AppModule from '../src/app.js';
import type * as ConfigModule from '../src/config.js';
import type * as ObservabilityModule from '../src/observability/create-observability.js';
import type * as TracingModule from '../src/ports/tracing.js';

const [root, mode] = process.argv.slice(2);
if (!root || (mode !== 'noop' && mode !== 'counting')) {
  process.stderr.write('usage: tracing-seam-server <repository root> noop|counting\n');
  process.exit(2);
}
const fromSource = import.meta.url.endsWith('.ts');
const load = <T>(module: string): Promise<T> => import(pathToFileURL(join(root, fromSource ? 'src' : 'dist', module + (fromSource ? '.ts' : '.js'))).href) as Promise<T>;

const { loadConfig } = await load<typeof ConfigModule>('config');
const { startApp } = await load<typeof AppModule>('app');
const { createObservability } = await load<typeof ObservabilityModule>('observability/create-observability');
const { noopTracing, NOOP_SPAN } = await load<typeof TracingModule>('ports/tracing');

const counts = { enabled: 0, start: 0, run: 0, active: 0 };
/** Behaves as `noopTracing` and counts: `enabled` reads, and calls that would do tracing work. */
const counting: TracingModule.Tracing = {
  get enabled() {
    counts.enabled += 1;
    return false;
  },
  start: () => {
    counts.start += 1;
    return NOOP_SPAN;
  },
  run: <T>(_span: TracingModule.SpanHandle, fn: () => T): T => {
    counts.run += 1;
    return fn();
  },
  active: () => {
    counts.active += 1;
    return undefined;
  },
  shutdown: async () => {},
};
if (mode === 'counting') {
  const file = process.env.BENCH_TRACING_COUNT_FILE;
  if (!file) {
    process.stderr.write('tracing-seam-server: counting needs BENCH_TRACING_COUNT_FILE\n');
    process.exit(2);
  }
  process.on('SIGUSR2', () => writeFileSync(file, JSON.stringify(counts)));
}

const config = loadConfig(process.env);
// The metrics facade exactly as the composition root builds it; only the tracing facade is ours.
const built = await createObservability(config);
await built.tracing.shutdown();
const app = await startApp(config, { observability: { metrics: built.metrics, tracing: mode === 'noop' ? noopTracing : counting } });
const stop = () => void app.shutdown('signal').then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
