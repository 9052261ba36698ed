/**
 * PostgreSQL scaffolding for tests: scratch schemas and databases (created per run, dropped
 * after), a free port, and a private PgBouncer in transaction pooling mode in front of the test
 * server. Everything is real: no mock of the database or the pooler.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { eventually } from './eventually.js';
import { reachable, SERVICES } from './services.js';

export const PG_URL = SERVICES.postgres.url;

/** Runs one statement on the test server (or `url`) over a short-lived connection. */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values: unknown[] = [], url: string = PG_URL): Promise<R[]> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await c.connect();
  try {
    return (await c.query<R>(sql, values)).rows;
  } finally {
    await c.end();
  }
}

export const scratchName = (prefix: string) => `${prefix}_${randomBytes(5).toString('hex')}`;

export async function dropSchema(schema: string, url: string = PG_URL): Promise<void> {
  await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`, [], url);
}

/** A new empty database on the test server; returns its URL. */
export async function createDatabase(name: string): Promise<string> {
  await adminQuery(`CREATE DATABASE "${name}"`);
  const u = new URL(PG_URL);
  u.pathname = '/' + name;
  return u.toString();
}

export async function dropDatabase(name: string): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** uid/gid of the `postgres` OS user when we run as root (servers refuse to run as root). */
export function postgresOsUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
  };
}

export function pgbouncerBinary(): string | null {
  for (const p of ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer']) {
    try {
      execFileSync(p, ['--version'], { stdio: 'ignore' });
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

export interface PgBouncer {
  port: number;
  /** The test server's URL, pointing at the pooler (database `db`, default the test database). */
  url(db?: string): string;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts a private PgBouncer (pool_mode = transaction, auth_type = trust) on a free port in front
 * of the test server. `extraDatabases` adds `[databases]` lines, e.g. a pool of one server
 * connection. Stopped by its own pid.
 */
export async function startPgBouncer(opts: { poolSize?: number; extraDatabases?: string[] } = {}): Promise<PgBouncer> {
  const bin = pgbouncerBinary();
  if (!bin) throw new Error('pgbouncer is not installed (apt-get install -y pgbouncer)');
  const target = new URL(PG_URL);
  const dir = mkdtempSync(join(tmpdir(), 'pollcast-pgbouncer-'));
  const port = await freePort();
  const user = decodeURIComponent(target.username || 'postgres');
  const files = {
    ini: join(dir, 'pgbouncer.ini'),
    users: join(dir, 'users.txt'),
    log: join(dir, 'pgbouncer.log'),
    pid: join(dir, 'pgbouncer.pid'),
  };
  writeFileSync(files.users, `"${user}" ""\n`);
  writeFileSync(
    files.ini,
    [
      '[databases]',
      `* = host=${target.hostname} port=${target.port || 5432}`,
      ...(opts.extraDatabases ?? []),
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${files.users}`,
      'pool_mode = transaction',
      `default_pool_size = ${opts.poolSize ?? 3}`,
      'max_client_conn = 200',
      `logfile = ${files.log}`,
      `pidfile = ${files.pid}`,
      `admin_users = ${user}`,
      '',
    ].join('\n'),
  );
  const osUser = postgresOsUser();
  if (osUser) for (const f of [dir, files.ini, files.users]) chownSync(f, osUser.uid, osUser.gid);
  const child: ChildProcess = spawn(bin, [...(osUser ? ['-u', 'postgres'] : []), files.ini], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const log = () => {
    try {
      return readFileSync(files.log, 'utf8') + stderr;
    } catch {
      return stderr;
    }
  };
  try {
    await eventually(async () => child.exitCode === null && (await reachable('127.0.0.1', port, 200)), 'pgbouncer listens', 10_000, 50);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${log()}`);
  }
  const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  return {
    port,
    url(db = target.pathname.slice(1)) {
      const u = new URL(PG_URL);
      u.port = String(port);
      u.pathname = '/' + db;
      return u.toString();
    },
    log,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000).unref())]);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
