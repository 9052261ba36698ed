/**
 * `pollcast serve` as a real child process, from source (`node --import tsx src/cli.ts serve`), on
 * a free port. Waits for /readyz; `stop()` sends a signal and resolves with the exit status. Only
 * ever signals its own child, by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './postgres.js';

export interface ChildApp {
  readonly role: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` (default SIGTERM); SIGKILL after `killAfterMs` if still running. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `port`: listen there instead of a free port (a restart in place, behind a load balancer's fixed
 * server list). `waitReady: false` returns at once, for a process that may die before it is ready.
 */
export async function startChildApp(role: 'all' | 'api' | 'realtime' | 'worker', env: Record<string, string>, readyWithinMs = 30_000, port?: number, waitReady = true): Promise<ChildApp> {
  port ??= await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--role', role], {
    cwd: process.cwd(),
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', POLLCAST_PROCESSES: '1', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  const app: ChildApp = {
    role,
    url,
    child,
    output: () => out,
    exited,
    async stop(signal = 'SIGTERM', killAfterMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), killAfterMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  if (!waitReady) return app;
  let dead = false;
  void exited.then(() => (dead = true));
  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (dead) throw new Error(`${role} exited before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      await app.stop('SIGKILL');
      throw new Error(`${role} not ready within ${readyWithinMs} ms:\n${out}`);
    }
    try {
      const r = await fetch(url + '/readyz', { signal: AbortSignal.timeout(1_000) });
      if (r.status === 200) return app;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
