/**
 * Debian's HAProxy for tests, running the shipped deploy/haproxy/haproxy.cfg with only what a test
 * must change: its servers (the test's processes), its ports (free ones on 127.0.0.1), its check
 * timing, a private stats socket, no DNS resolvers and no privilege drop. Everything else — checks,
 * retries, timeouts, routing of streams, X-Forwarded-For, size limit — is the file users deploy.
 * Stopped by its own pid.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './eventually.js';
import { freePort } from './postgres.js';
import { reachable } from './services.js';

export const SHIPPED_HAPROXY_CFG = 'deploy/haproxy/haproxy.cfg';

export function haproxyBinary(): string | null {
  for (const p of ['/usr/sbin/haproxy', '/usr/bin/haproxy']) {
    if (existsSync(p) && spawnSync(p, ['-v'], { stdio: 'ignore' }).status === 0) return p;
  }
  return null;
}

export interface RenderOptions {
  port: number;
  statsPort: number;
  socket: string;
  /** Backend name → `host:port` of each server. */
  servers: Record<string, string[]>;
  check: { inter: string; fall: number; rise: number };
}

/** The shipped config with the test's servers, ports, check timing and socket. */
export function renderHaproxyCfg(shipped: string, o: RenderOptions): string {
  const out: string[] = [];
  let section = '';
  let name = '';
  const endSection = () => {
    if (section === 'backend' && o.servers[name]) o.servers[name]!.forEach((addr, i) => out.push(`    server ${name}${i + 1} ${addr}`));
  };
  for (const line of shipped.split('\n')) {
    const head = /^(\w+)\s*(\S*)/.exec(line);
    if (head && !/^\s/.test(line)) {
      endSection();
      [, section, name] = head as unknown as [string, string, string];
      if (section === 'resolvers') continue;
      out.push(line);
      if (section === 'global') out.push(`    stats socket ${o.socket} mode 600 level admin`);
      continue;
    }
    if (section === 'resolvers') continue;
    const t = line.trim();
    if (section === 'global' && /^(stats socket|user|group|chroot|daemon)\b/.test(t)) continue;
    if (section === 'backend' && /^server\s/.test(t)) continue;
    if (/^bind\s/.test(t)) {
      out.push(`    bind 127.0.0.1:${section === 'frontend' ? o.port : o.statsPort}`);
      continue;
    }
    if (/^default-server\s/.test(t)) {
      out.push(
        line
          .replace(/\sresolvers \S+/, '')
          .replace(/\s(fast|down)?inter \S+/g, (_m, kind: string | undefined) => ` ${kind ?? ''}inter ${o.check.inter}`)
          .replace(/\sfall \d+/, ` fall ${o.check.fall}`)
          .replace(/\srise \d+/, ` rise ${o.check.rise}`),
      );
      continue;
    }
    out.push(line);
  }
  endSection();
  return out.join('\n');
}

export interface StatRow {
  pxname: string;
  svname: string;
  status: string;
  [k: string]: string;
}

export interface Haproxy {
  readonly url: string;
  readonly statsUrl: string;
  readonly cfg: string;
  output(): string;
  /** `show stat` over the admin socket, one row per frontend, backend and server. */
  stats(): Promise<StatRow[]>;
  /** The status (UP, DOWN, MAINT, "UP 1/2", …) of one server. */
  serverStatus(backend: string, server: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startHaproxy(opts: { servers: Record<string, string[]>; check: RenderOptions['check'] }): Promise<Haproxy> {
  const bin = haproxyBinary();
  if (!bin) throw new Error('haproxy is not installed (apt-get install -y haproxy)');
  const dir = mkdtempSync(join(tmpdir(), 'pollcast-haproxy-'));
  const [port, statsPort] = [await freePort(), await freePort()];
  const socket = join(dir, 'admin.sock');
  const cfg = renderHaproxyCfg(readFileSync(SHIPPED_HAPROXY_CFG, 'utf8'), { port, statsPort, socket, servers: opts.servers, check: opts.check });
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, cfg);
  const check = spawnSync(bin, ['-c', '-q', '-f', file], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy -c rejected the rendered config:\n${check.stderr}\n${cfg}`);

  // -db: foreground, no daemon; logs go to stdout (log stdout in the shipped global section).
  const child: ChildProcess = spawn(bin, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stats = async (): Promise<StatRow[]> => {
    const csv = await new Promise<string>((resolve, reject) => {
      const s = createConnection(socket);
      let data = '';
      s.setEncoding('utf8');
      s.on('data', (d: string) => (data += d));
      s.on('end', () => resolve(data));
      s.on('error', reject);
      s.end('show stat\n');
    });
    const [header, ...rows] = csv.trim().split('\n');
    const cols = header!.replace(/^# /, '').split(',');
    return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i], v])) as StatRow);
  };

  const proxy: Haproxy = {
    url: `http://127.0.0.1:${port}`,
    statsUrl: `http://127.0.0.1:${statsPort}/stats`,
    cfg,
    output: () => out,
    stats,
    async serverStatus(backend, server) {
      const row = (await stats()).find((r) => r.pxname === backend && r.svname === server);
      if (!row) throw new Error(`no server ${backend}/${server} in haproxy's stats`);
      return row.status;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000).unref())]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await eventually(async () => child.exitCode === null && existsSync(socket) && (await reachable('127.0.0.1', port, 200)), 'haproxy listens', 10_000, 50);
  } catch (err) {
    await proxy.stop();
    throw new Error(`${(err as Error).message}\n${out}`);
  }
  return proxy;
}
