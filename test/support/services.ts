/**
 * Real services for adapter and integration tests. When a service is absent the test skips with
 * a message naming it — unless REQUIRE_SERVICES=1 (CI), where an absent service fails the run.
 */
import { spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';

export const REQUIRE_SERVICES = process.env.REQUIRE_SERVICES === '1';

export const SERVICES = {
  postgres: { host: '127.0.0.1', port: 5432, url: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
  redis: { host: '127.0.0.1', port: 6379, url: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' },
  nats: { host: '127.0.0.1', port: 4222, url: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222' },
  rabbitmq: { host: '127.0.0.1', port: 5672, url: process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672' },
} as const;

export type ServiceName = keyof typeof SERVICES;

export function reachable(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/**
 * Returns `false` (run the tests) when every named service answers, or a skip message.
 * Use as `describe(name, { skip: await needServices('postgres') }, ...)`.
 * With REQUIRE_SERVICES=1 a missing service throws, failing the file.
 */
export async function needServices(...names: ServiceName[]): Promise<false | string> {
  const missing: string[] = [];
  for (const n of names) {
    const s = SERVICES[n];
    if (!(await reachable(s.host, s.port))) missing.push(`${n} (${s.host}:${s.port})`);
  }
  if (missing.length === 0) return false;
  const msg = `needs ${missing.join(', ')}: not reachable`;
  if (REQUIRE_SERVICES) throw new Error(`REQUIRE_SERVICES=1 and this test ${msg}`);
  return `skipped: ${msg}`;
}

/**
 * Like needServices, for a program on PATH (or at one of `paths`): `false` when `probe` runs it
 * successfully, else a skip message — or, with REQUIRE_SERVICES=1 (CI, where .ci/run installs
 * `debianPackage`), a thrown error that fails the file. Never a silent skip.
 */
export function needProgram(name: string, debianPackage: string, probe: string[] = ['--version'], paths: string[] = [name]): false | string {
  for (const p of paths) {
    const r = spawnSync(p, probe, { stdio: 'ignore', timeout: 30_000 });
    if (!r.error && r.status === 0) return false;
  }
  const msg = `needs ${name} (Debian package ${debianPackage}): not installed`;
  if (REQUIRE_SERVICES) throw new Error(`REQUIRE_SERVICES=1 and this test ${msg}`);
  return `skipped: ${msg}`;
}
