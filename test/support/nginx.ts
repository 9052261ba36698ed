/**
 * Debian's nginx for tests, running the shipped deploy/nginx/nginx.conf with only what a test must
 * change: the upstream servers (keeping their max_fails/fail_timeout), the listen port, and the
 * pid and temp paths (a private directory). Stopped by its own pid.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './eventually.js';
import { freePort } from './postgres.js';
import { reachable } from './services.js';

export const SHIPPED_NGINX_CONF = 'deploy/nginx/nginx.conf';

export function nginxBinary(): string | null {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx']) {
    if (existsSync(p) && spawnSync(p, ['-v'], { stdio: 'ignore' }).status === 0) return p;
  }
  return null;
}

/** The shipped config with the test's upstream servers, port and private paths. */
export function renderNginxConf(shipped: string, o: { port: number; dir: string; upstreams: Record<string, string[]> }): string {
  const out: string[] = [];
  let upstream: string | null = null;
  let params: string | null = null;
  const asRoot = process.getuid?.() === 0;
  for (const line of shipped.split('\n')) {
    const t = line.trim();
    const open = /^upstream\s+(\S+)\s*\{/.exec(t);
    if (open) {
      upstream = open[1]!;
      params = null;
      out.push(line);
      continue;
    }
    if (upstream !== null && /^server\s/.test(t)) {
      if (params === null) {
        params = /^server\s+\S+\s*(.*);$/.exec(t)?.[1] ?? '';
        for (const s of o.upstreams[upstream] ?? []) out.push(`        server ${s} ${params};`);
      }
      continue;
    }
    if (upstream !== null && t === '}') upstream = null;
    if (/^pid\s/.test(t)) {
      out.push(`pid ${o.dir}/nginx.pid;${asRoot ? '\nuser root;' : ''}`);
      continue;
    }
    if (/^listen\s/.test(t)) {
      out.push(`        listen 127.0.0.1:${o.port};`);
      continue;
    }
    out.push(line);
    if (/^http\s*\{/.test(t)) {
      for (const k of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) out.push(`    ${k}_temp_path ${o.dir}/${k};`);
    }
  }
  return out.join('\n');
}

export interface Nginx {
  readonly url: string;
  readonly conf: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startNginx(upstreams: Record<string, string[]>): Promise<Nginx> {
  const bin = nginxBinary();
  if (!bin) throw new Error('nginx is not installed (apt-get install -y nginx)');
  const dir = mkdtempSync(join(tmpdir(), 'pollcast-nginx-'));
  const port = await freePort();
  const conf = renderNginxConf(readFileSync(SHIPPED_NGINX_CONF, 'utf8'), { port, dir, upstreams });
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, conf);
  const check = spawnSync(bin, ['-t', '-q', '-p', dir, '-c', file], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t rejected the rendered config:\n${check.stderr}\n${conf}`);
  const child: ChildProcess = spawn(bin, ['-p', dir, '-c', file, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const nginx: Nginx = {
    url: `http://127.0.0.1:${port}`,
    conf,
    output: () => out,
    async stop() {
      // SIGQUIT: graceful stop of the master and its workers.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000).unref())]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await eventually(async () => child.exitCode === null && (await reachable('127.0.0.1', port, 200)), 'nginx listens', 10_000, 50);
  } catch (err) {
    await nginx.stop();
    throw new Error(`${(err as Error).message}\n${out}`);
  }
  return nginx;
}
