/**
 * Debian's Prometheus for tests: its own config and data directory under /tmp, a free port, a 1 s
 * scrape interval. Queries go through its HTTP API. `stop()` signals only this child, by pid.
 * `needBinary('prometheus')` skips a test when the package is missing, or fails it in CI
 * (REQUIRE_SERVICES=1, where .ci/run installs the package).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/postgres.js';
import { REQUIRE_SERVICES } from '../support/services.js';

export function needBinary(name: string): false | string {
  const found = spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
  if (found) return false;
  const msg = `needs ${name} (Debian package prometheus): not installed`;
  if (REQUIRE_SERVICES) throw new Error(`REQUIRE_SERVICES=1 and this test ${msg}`);
  return `skipped: ${msg}`;
}

export interface QueryResult {
  metric: Record<string, string>;
  value: number;
}

export interface PrometheusServer {
  readonly url: string;
  /** An instant query; throws on a PromQL error. */
  query(expr: string): Promise<QueryResult[]>;
  output(): string;
  stop(): Promise<void>;
}

export async function startPrometheus(opts: { targets: Array<{ job: string; target: string }>; ruleFiles?: string[] }): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'pollcast-prometheus-'));
  const jobs = [...new Set(opts.targets.map((t) => t.job))];
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    ...(opts.ruleFiles?.length ? ['rule_files:', ...opts.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`)] : []),
    'scrape_configs:',
    ...jobs.flatMap((job) => [
      `  - job_name: ${JSON.stringify(job)}`,
      '    static_configs:',
      `      - targets: [${opts.targets.filter((t) => t.job === job).map((t) => JSON.stringify(t.target)).join(', ')}]`,
    ]),
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config + '\n');
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await eventually(async () => (await fetch(url + '/-/ready', { signal: AbortSignal.timeout(1_000) })).status === 200, 'Prometheus is ready', 30_000, 200);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${out}`);
  }
  return {
    url,
    output: () => out,
    stop,
    async query(expr: string) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      if (body.status !== 'success') throw new Error(`PromQL error for ${expr}: ${body.error}`);
      if (body.data!.resultType !== 'vector') return [];
      return body.data!.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
  };
}
