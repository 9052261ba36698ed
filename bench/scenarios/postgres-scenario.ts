/**
 * `postgres`, `postgres-2`, `postgres-2-ports`: pollcast on PostgreSQL + Redis + NATS the way a
 * fleet runs it: `api` process(es) taking the votes and one `worker` process relaying the outbox
 * to NATS, all on this machine, in a scratch schema and key prefix. Stored votes are counted as
 * rows in PostgreSQL afterwards.
 *
 * Two api processes, two ways:
 * - `postgres-2` (the one the 2-vs-1 ratio uses): `serve --processes 2`, one port, node:cluster's
 *   primary handing connections out round robin. It is what users run on one machine, and the load
 *   generator is one wrk process with the same threads as for the ceiling and `postgres`, so its
 *   percentiles are exact and the comparison is like for like.
 * - `postgres-2-ports`: two single-process servers on two ports; the harness runs one wrk per URL,
 *   which doubles the generator's threads on the same two cores and merges percentiles as the
 *   worse of the two (an upper bound). Kept to show the cluster's primary costs nothing measurable.
 */
import { request } from 'node:http';
import type { BenchTarget, Scenario } from '../bench-types.js';
import type { NodeChild } from '../child-process.js';
import { benchSlice, servicesMissing } from '../distributed-slice.js';
import { benchEnv, startPollcast } from '../pollcast-process.js';

/** ARCHITECTURE: the whole 2-core box, `--processes 2`, durable votes/s (the largest televised vote's peak, ≈ 1.5M/min). */
export const MOONSHOT_VOTES_PER_SEC = 25_000;

interface Layout {
  name: string;
  description: string;
  baseline?: string;
  optIn?: boolean;
  goal?: Scenario['goal'];
  /** api servers (ports), and processes per server. */
  servers: number;
  processesPerServer: number;
}

export const postgresScenario = scenario({
  name: 'postgres',
  description: 'PostgreSQL + Redis + NATS: 1 api process (+ 1 worker process relaying the outbox)',
  servers: 1,
  processesPerServer: 1,
});

export const postgres2Scenario = scenario({
  name: 'postgres-2',
  description: 'PostgreSQL + Redis + NATS: 2 api processes (serve --processes 2, one port) + 1 worker process',
  baseline: 'postgres',
  goal: { votesPerSec: MOONSHOT_VOTES_PER_SEC, what: 'the moonshot: 25,000 durable votes/s on this box (≈ 1.5M votes/min)' },
  servers: 1,
  processesPerServer: 2,
});

export const postgres2PortsScenario = scenario({
  name: 'postgres-2-ports',
  description: 'PostgreSQL + Redis + NATS: 2 api processes on 2 ports (one wrk per port) + 1 worker process',
  baseline: 'postgres',
  optIn: true,
  servers: 2,
  processesPerServer: 1,
});

function scenario(layout: Layout): Scenario {
  return {
    name: layout.name,
    description: layout.description,
    ...(layout.baseline ? { baseline: layout.baseline } : {}),
    ...(layout.goal ? { goal: layout.goal } : {}),
    ...(layout.optIn ? { optIn: true } : {}),
    unavailable: () => servicesMissing(),
    async start(ctx): Promise<BenchTarget> {
      const slice = benchSlice();
      const started: NodeChild[] = [];
      const stopAll = async () => {
        await Promise.allSettled(started.map((c) => c.stop()));
        await slice.cleanup();
      };
      try {
        const env = (role: string, processes: number) => benchEnv({ ...slice.env, POLLCAST_ROLE: role, POLLCAST_PROCESSES: String(processes) });
        // The worker first: it applies the migrations, so the api processes start on a ready schema.
        started.push(await startPollcast({ label: `${layout.name} worker`, root: ctx.root, env: env('worker', 1) }));
        for (let i = 0; i < layout.servers; i++) {
          const api = await startPollcast({ label: `${layout.name} api${i + 1}`, root: ctx.root, env: env('api', layout.processesPerServer) });
          started.push(api);
          // A cluster answers /readyz as soon as its first process listens; the load must not start
          // before every process takes connections, or the first one gets them all.
          await everyProcessListening(api.url, layout.processesPerServer);
        }
        const sample = env('api', layout.processesPerServer);
        return {
          urls: started.slice(1).map((c) => c.url),
          settings: {
            processes: layout.servers * layout.processesPerServer,
            layout: layout.processesPerServer > 1 ? `serve --processes ${layout.processesPerServer}` : `${layout.servers} × serve`,
            store: 'postgres',
            cache: 'redis',
            bus: 'nats',
            workerProcesses: 1,
            DATABASE_POOL_SIZE: sample.DATABASE_POOL_SIZE ?? '10 (default)',
            GROUP_COMMIT_MAX_BATCH: sample.GROUP_COMMIT_MAX_BATCH ?? '500 (default)',
            GROUP_COMMIT_MAX_WAIT_MS: sample.GROUP_COMMIT_MAX_WAIT_MS ?? '2 (default)',
            RATE_LIMIT_IP_PER_MIN: sample.RATE_LIMIT_IP_PER_MIN!,
          },
          stored: (pollId) => slice.stored(pollId),
          // The api servers (with a cluster's workers); the worker process is not counted.
          pids: () => started.slice(1).map((c) => c.child.pid!),
          stop: stopAll,
        };
      } catch (err) {
        await stopAll();
        throw err;
      }
    },
  };
}

/** Waits until /readyz, asked over fresh connections, has answered from `n` different pids. */
async function everyProcessListening(url: string, n: number, timeoutMs = 60_000): Promise<void> {
  if (n <= 1) return;
  const pids = new Set<number>();
  const deadline = Date.now() + timeoutMs;
  while (pids.size < n) {
    if (Date.now() > deadline) throw new Error(`${url}: only ${pids.size} of ${n} processes answered within ${timeoutMs} ms`);
    const pid = await readyPid(url).catch(() => null);
    if (pid !== null) pids.add(pid);
    else await new Promise((r) => setTimeout(r, 100));
  }
}

function readyPid(url: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    // agent: false → a new connection per request, so the cluster's round robin picks anew.
    const req = request(`${url}/readyz`, { agent: false, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => {
        try {
          const parsed = JSON.parse(body) as { pid?: number };
          resolve(res.statusCode === 200 && typeof parsed.pid === 'number' ? parsed.pid : null);
        } catch {
          resolve(null);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
