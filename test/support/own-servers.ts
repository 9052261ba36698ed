/**
 * Private PostgreSQL, Redis and NATS servers for the fault tests: started from the installed
 * Debian binaries on free ports with their own data directories under /tmp, so a test can crash,
 * stall and restart them without touching the machine's shared services. Every signal goes to a
 * pid this module started (or, for PostgreSQL, the postmaster's own children).
 *
 * PostgreSQL runs with fsync=off: the faults here kill processes, not the machine, and a killed
 * server loses nothing the kernel already has; the durability being tested is pollcast's (an
 * acknowledged vote is committed), not the disk's.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, sleep } from './eventually.js';
import { freePort, postgresOsUser } from './postgres.js';
import { reachable } from './services.js';

export const PG_BIN = '/usr/lib/postgresql/15/bin';
export const REDIS_SERVER = '/usr/bin/redis-server';
export const NATS_SERVER = '/usr/sbin/nats-server';

/** Runs a PostgreSQL tool as the postgres OS user when we are root (the tools refuse root). */
function pgTool(tool: string, args: string[]): { status: number | null; out: string } {
  const bin = join(PG_BIN, tool);
  const r = postgresOsUser()
    ? spawnSync('runuser', ['-u', 'postgres', '--', bin, ...args], { encoding: 'utf8', timeout: 120_000 })
    : spawnSync(bin, args, { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export interface OwnPostgres {
  readonly port: number;
  /** URL of database `postgres` on this server (schema `pollcast` unless another is given). */
  url(schema?: string): string;
  start(): Promise<void>;
  /** `pg_ctl stop -m immediate`: every server process exits at once, without a checkpoint. */
  crash(): void;
  /** SIGSTOP the postmaster and every backend; `resume()` sends SIGCONT to the same pids. */
  stall(): number[];
  resume(): void;
  log(): string;
  destroy(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'pollcast-faults-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'pg.log');
  const osUser = postgresOsUser();
  if (osUser) chownSync(dir, osUser.uid, osUser.gid);
  const init = pgTool('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  if (init.status !== 0) throw new Error(`initdb failed:\n${init.out}`);
  const port = await freePort();
  let stalled: number[] = [];
  const postmasterPid = (): number | null => {
    try {
      return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return null;
    }
  };
  const pg: OwnPostgres = {
    port,
    url(schema = 'pollcast') {
      return `postgres://postgres@127.0.0.1:${port}/postgres?schema=${schema}`;
    },
    async start() {
      const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB`;
      const r = pgTool('pg_ctl', ['-D', data, '-l', logFile, '-o', opts, '-w', '-t', '60', 'start']);
      if (r.status !== 0) throw new Error(`pg_ctl start failed:\n${r.out}\n${pg.log()}`);
      await eventually(async () => reachable('127.0.0.1', port, 200), 'own PostgreSQL listens', 30_000, 50);
    },
    crash() {
      const r = pgTool('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      if (r.status !== 0) throw new Error(`pg_ctl stop -m immediate failed:\n${r.out}`);
    },
    stall() {
      const pm = postmasterPid();
      if (!pm) throw new Error('PostgreSQL is not running');
      const children = execFileSync('pgrep', ['-P', String(pm)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
      stalled = [pm, ...children];
      signalAll(stalled, 'SIGSTOP');
      return stalled;
    },
    resume() {
      signalAll(stalled, 'SIGCONT');
      stalled = [];
    },
    log() {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
    async destroy() {
      pg.resume();
      if (existsSync(join(data, 'postmaster.pid'))) pgTool('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await pg.start();
  return pg;
}

/** A server run as our own child process on a fixed port, killable and restartable in place. */
export interface OwnDaemon {
  readonly port: number;
  readonly url: string;
  start(): Promise<void>;
  /** kill -9 of the current process; resolves when it has exited. */
  crash(): Promise<void>;
  stop(): Promise<void>;
  pid(): number | undefined;
  output(): string;
  destroy(): Promise<void>;
}

function ownDaemon(name: string, port: number, url: string, command: () => [string, string[]], cleanup: () => void): OwnDaemon {
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let out = '';
  const d: OwnDaemon = {
    port,
    url,
    async start() {
      const [bin, args] = command();
      const c = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      c.stdout!.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-20_000)));
      c.stderr!.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-20_000)));
      exited = new Promise((resolve) => c.once('exit', () => resolve()));
      try {
        await eventually(async () => c.exitCode === null && (await reachable('127.0.0.1', port, 200)), `own ${name} listens on ${port}`, 30_000, 50);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${out}`);
      }
    },
    async crash() {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000)]);
      await d.crash();
    },
    pid: () => child?.pid,
    output: () => out,
    async destroy() {
      await d.stop();
      cleanup();
    },
  };
  return d;
}

export async function startOwnRedis(): Promise<OwnDaemon> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pollcast-faults-redis-'));
  const d = ownDaemon('Redis', port, `redis://127.0.0.1:${port}`, () => [REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]], () =>
    rmSync(dir, { recursive: true, force: true }),
  );
  await d.start();
  return d;
}

/** nats-server with JetStream; its store directory survives a crash, as a real deployment's does. */
export async function startOwnNats(): Promise<OwnDaemon> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pollcast-faults-nats-'));
  const d = ownDaemon('NATS', port, `nats://127.0.0.1:${port}`, () => [NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir]], () =>
    rmSync(dir, { recursive: true, force: true }),
  );
  await d.start();
  return d;
}
