/**
 * `pollcast serve --processes N`: the primary of a node:cluster. It serves nothing itself; it
 * forks N workers that each run the configured role (the same CLI, re-executed) and share the
 * listening port (the primary hands out connections round robin). It restarts a worker that
 * dies, with a growing delay when workers keep dying young; on SIGTERM/SIGINT it asks every worker
 * to drain (over IPC, so a worker never counts one Ctrl-C twice) and exits 0 once all have exited 0.
 *
 * Safe with any N because the singletons a role runs (scheduler, outbox relay) take a lease in the
 * store (src/worker/leader.ts), never "whoever is worker 1".
 */
import cluster, { type Worker } from 'node:cluster';
import pino from 'pino';
import type { Config } from './config.js';

/** The IPC message a worker treats as its shutdown signal (cli.ts). */
export const SHUTDOWN_MESSAGE = 'pollcast:shutdown';

/** A worker that lived at least this long was not crash-looping: its restart is immediate. */
const HEALTHY_AFTER_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * The young generation of each worker (V8 semi-spaces, MB). A vote surge keeps hundreds of requests
 * in flight across a group commit: with V8's default (16 MB) their objects outlive the young
 * generation and are promoted, and old-generation collections took 17–24 % of the CPU at 1,000
 * connections in a profile (4–6 % at 64 MB; docs/capacity.md). `npm start` and the image pass the
 * same flag to a single process; an explicit flag in NODE_OPTIONS or on the command line wins.
 */
export const SEMI_SPACE_FLAG = '--max-semi-space-size=64';

/** The node arguments of a worker: the primary's, plus SEMI_SPACE_FLAG unless a size was given. */
export function workerExecArgv(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((a) => a.startsWith('--max-semi-space-size') || a.startsWith('--semi-space'));
  return given ? [...execArgv] : [...execArgv, SEMI_SPACE_FLAG];
}

export function superviseWorkers(config: Readonly<Config>): void {
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv, process.env.NODE_OPTIONS) });
  const logger = pino({ level: config.logLevel, base: { service: 'pollcast', role: config.role, supervisor: process.pid } });
  const startedAt = new Map<Worker, number>();
  const restarts = new Set<NodeJS.Timeout>();
  let everListened = false;
  let youngDeaths = 0;
  let stopping = false;
  let failed = false;

  const fork = () => {
    const w = cluster.fork();
    startedAt.set(w, Date.now());
  };
  const live = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());

  // A worker hears the shutdown message only once its CLI has wired it up; one that is still
  // starting is asked when it starts listening.
  const listening = new Set<Worker>();
  const askToDrain = (w: Worker) => w.send(SHUTDOWN_MESSAGE, (err: Error | null) => err && w.process.kill('SIGTERM'));

  cluster.on('listening', (w, address) => {
    listening.add(w);
    if (stopping) askToDrain(w);
    if (!everListened) logger.info({ processes: config.processes, port: address.port }, 'pollcast cluster is serving');
    everListened = true;
    logger.debug({ worker: w.process.pid }, 'worker listening');
  });

  cluster.on('exit', (w, code, signal) => {
    const lived = Date.now() - (startedAt.get(w) ?? Date.now());
    startedAt.delete(w);
    listening.delete(w);
    if (stopping) {
      if (code !== 0) failed = true;
      if (live().length === 0) finish();
      return;
    }
    if (!everListened) {
      // Never served: a setting, a port or a backend is wrong, and restarting will not fix it.
      logger.error({ worker: w.process.pid, code, signal }, 'a worker exited before the cluster ever served; stopping');
      failed = true;
      stop('startup failed');
      return;
    }
    youngDeaths = lived < HEALTHY_AFTER_MS ? youngDeaths + 1 : 0;
    const delay = youngDeaths === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 500 * 2 ** (youngDeaths - 1));
    logger.error({ worker: w.process.pid, code, signal, livedMs: lived, restartInMs: delay }, 'worker died; starting another');
    const t = setTimeout(() => {
      restarts.delete(t);
      if (!stopping) fork();
    }, delay);
    restarts.add(t);
  });

  const finish = () => {
    logger.info({ failed }, 'every worker has exited');
    process.exit(failed ? 1 : 0);
  };

  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    for (const t of restarts) clearTimeout(t);
    restarts.clear();
    const workers = live();
    logger.info({ reason, workers: workers.length }, 'stopping: every worker drains');
    if (workers.length === 0) finish();
    for (const w of workers) if (listening.has(w)) askToDrain(w);
    // Each worker has its own deadline (delay + timeout); this is the backstop.
    setTimeout(() => {
      logger.error('workers still running after the shutdown deadline; killing them');
      for (const w of live()) w.process.kill('SIGKILL');
      failed = true;
      finish();
    }, config.shutdownDelayMs + config.shutdownTimeoutMs + 5_000).unref();
  };

  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++signals > 1) {
      logger.warn({ sig }, 'second signal: killing workers and exiting now');
      for (const w of live()) w.process.kill('SIGKILL');
      process.exit(1);
    }
    stop(sig);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  for (let i = 0; i < config.processes; i++) fork();
}
