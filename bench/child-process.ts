/** Starting and stopping the benchmark's server processes: free port, readiness, ordered stop. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface NodeChild {
  readonly child: ChildProcess;
  readonly url: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Runs `node <args>` with `env` and waits until GET `readyPath` answers 200. The child's output is
 * forwarded to stderr with `label` in front, so a server's warnings show up in the bench log.
 */
export async function startNodeChild(opts: {
  label: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  readyPath: string;
  cwd: string;
  readyTimeoutMs?: number;
}): Promise<NodeChild> {
  const child = spawn(process.execPath, opts.args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const forward = (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (line.trim()) process.stderr.write(`[${opts.label}] ${line}\n`);
  };
  child.stdout!.on('data', forward);
  child.stderr!.on('data', forward);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));

  const url = `http://127.0.0.1:${opts.port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (gone) throw new Error(`${opts.label}: exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${opts.label}: not ready within ${opts.readyTimeoutMs ?? 60_000} ms`);
    }
    try {
      const r = await fetch(url + opts.readyPath, { signal: AbortSignal.timeout(1_000) });
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  let stopping: Promise<void> | null = null;
  const stop = (graceMs = 15_000) => {
    stopping ??= (async () => {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
  return { child, url, stop };
}
