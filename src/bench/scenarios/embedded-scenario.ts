/** `embedded`: one pollcast process, every role, SQLite store under a fresh temp DATA_DIR. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scenario } from '../bench-types.js';
import { benchEnv, startPollcast } from '../pollcast-process.js';

export const embeddedScenario: Scenario = {
  name: 'embedded',
  description: 'one process, all roles, embedded SQLite store (no external services)',
  async unavailable() {
    return null;
  },
  async start(ctx) {
    const dataDir = mkdtempSync(join(tmpdir(), 'pollcast-bench-'));
    const env = benchEnv({ DATA_DIR: dataDir });
    try {
      const server = await startPollcast({ label: 'embedded', root: ctx.root, env });
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
        async stop() {
          await server.stop();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    } catch (err) {
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
  },
};
