/** Runs `pollcast serve` as a child process for a scenario: the built CLI, or the source via tsx. */
import { join } from 'node:path';
import { freePort, startNodeChild, type NodeChild } from './child-process.js';
import { moduleArgs } from './module-args.js';
import { SEMI_SPACE_FLAG } from '../src/process-supervisor.js';

/** Variables that would switch pollcast to distributed backends or another role. */
const DISTRIBUTED_VARS = ['DATABASE_URL', 'DATABASE_REPLICA_URLS', 'DATABASE_SHARD_URLS', 'REDIS_URL', 'NATS_URL', 'AMQP_URL', 'POLLCAST_ROLE'];

/**
 * The environment a bench server gets: the caller's environment without distributed settings
 * (a scenario adds the ones it wants), quiet logs, and a per-IP rate limit and per-address
 * connection and stream caps the load generator (one IP playing a crowd) cannot reach.
 */
export function benchEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of DISTRIBUTED_VARS) delete env[k];
  return { ...env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_IP_PER_MIN: '100000000', HTTP_MAX_CONNECTIONS_PER_ADDRESS: '0', HTTP_MAX_STREAMS_PER_ADDRESS: '0', NODE_ENV: 'production', ...extra };
}

/**
 * `pollcast serve` from the tree at `root`, or, with `args`, another entry that serves the same
 * way (node arguments after the executable: tracing-seam-server.ts).
 */
export async function startPollcast(opts: { label: string; root: string; env: NodeJS.ProcessEnv; args?: string[] }): Promise<NodeChild> {
  const port = await freePort();
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = fromSource ? join(opts.root, 'src', 'cli.ts') : join(opts.root, 'bin', 'pollcast.js');
  return startNodeChild({
    label: opts.label,
    // As `npm start` and the image run it (src/process-supervisor.ts SEMI_SPACE_FLAG).
    args: opts.args ?? [SEMI_SPACE_FLAG, ...moduleArgs(entry), 'serve'],
    env: { ...opts.env, PORT: String(port) },
    port,
    readyPath: '/readyz',
    cwd: opts.root,
  });
}
