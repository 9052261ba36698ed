/** Starts the ceiling server (ceiling-server.ts) in a child process. */
import { fileURLToPath } from 'node:url';
import type { BenchTarget } from './bench-types.js';
import { freePort, startNodeChild } from './child-process.js';
import { moduleArgs } from './module-args.js';

export async function startCeiling(root: string): Promise<BenchTarget> {
  const port = await freePort();
  const file = fileURLToPath(new URL('./ceiling-server' + extname(import.meta.url), import.meta.url));
  const child = await startNodeChild({
    label: 'ceiling',
    args: [...moduleArgs(file), String(port)],
    env: { ...process.env, NODE_ENV: 'production' },
    port,
    readyPath: '/readyz',
    cwd: root,
  });
  return { urls: [child.url], settings: { server: 'fastify, one POST route, no schema, no logger' }, pids: () => [child.child.pid!], stop: () => child.stop() };
}

function extname(url: string): string {
  return url.endsWith('.ts') ? '.ts' : '.js';
}
