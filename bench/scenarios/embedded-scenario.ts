/** `embedded`: one pollcast process, every role, SQLite store under a fresh temp DATA_DIR. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { BenchTarget, Scenario } from '../bench-types.js';
import { benchEnv, startPollcast } from '../pollcast-process.js';

/**
 * Starts one embedded pollcast from the tree at `root`: `pollcast serve`, or the entry `args` name
 * (tracing-off-scenario.ts). `env` is laid over the bench environment; undefined removes.
 */
export async function startEmbedded(opts: { label: string; root: string; env?: Record<string, string | undefined>; args?: string[] }): Promise<BenchTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pollcast-bench-'));
  const env = benchEnv({ DATA_DIR: dataDir });
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  try {
    const server = await startPollcast({ label: opts.label, root: opts.root, env, ...(opts.args ? { args: opts.args } : {}) });
    return {
      urls: [server.url],
      settings: {
        processes: 1,
        store: 'embedded',
        EMBEDDED_SYNC: env.EMBEDDED_SYNC ?? 'full (default)',
        GROUP_COMMIT_MAX_BATCH: env.GROUP_COMMIT_MAX_BATCH ?? '500 (default)',
        GROUP_COMMIT_MAX_WAIT_MS: env.GROUP_COMMIT_MAX_WAIT_MS ?? '2 (default)',
        RATE_LIMIT_IP_PER_MIN: env.RATE_LIMIT_IP_PER_MIN!,
      },
      pids: () => [server.child.pid!],
      // The stored truth straight from the SQLite file (a read-only second connection; WAL lets it
      // read beside the server): vote rows, and the tallies summed, which must agree.
      async stored(pollId: string) {
        const db = new Database(join(dataDir, 'pollcast.db'), { readonly: true, fileMustExist: true });
        try {
          const rows = db.prepare('SELECT count(*) FROM votes WHERE poll_id = ?').pluck().get(pollId) as number;
          const tallied = db.prepare('SELECT coalesce(sum(votes), 0) FROM tallies WHERE poll_id = ?').pluck().get(pollId) as number;
          return { rows, tallied };
        } finally {
          db.close();
        }
      },
      async stop() {
        await server.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

export const embeddedScenario: Scenario = {
  name: 'embedded',
  description: 'one process, all roles, embedded SQLite store (no external services)',
  async unavailable() {
    return null;
  },
  start: (ctx) => startEmbedded({ label: 'embedded', root: ctx.root }),
};
