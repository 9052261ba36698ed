/**
 * `reference`: the minimal durable loop (reference-server.ts) on the same PostgreSQL as the
 * pollcast scenarios, in its own scratch schema, driven by the same load generator. Every pollcast
 * scenario is reported next to it, as a ratio. Stored rows are counted in its table afterwards and
 * must equal its 201s, as for every scenario.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { BenchTarget, Scenario } from '../bench-types.js';
import { freePort, startNodeChild } from '../child-process.js';
import { BENCH_SERVICES, servicesMissing } from '../distributed-slice.js';
import { moduleArgs } from '../module-args.js';

export const REFERENCE = 'reference';

/** Same group-commit bounds as pollcast's defaults (GROUP_COMMIT_MAX_BATCH, GROUP_COMMIT_MAX_WAIT_MS). */
const SETTINGS = { REFERENCE_MAX_BATCH: '500', REFERENCE_MAX_WAIT_MS: '2', REFERENCE_IN_FLIGHT: '2' };

export const referenceScenario: Scenario = {
  name: REFERENCE,
  description: 'reference: node:http + pg, group commit into one multi-row INSERT … ON CONFLICT DO NOTHING, answer after COMMIT, nothing else',
  unavailable: () => servicesMissing(['postgres']),
  async start(ctx): Promise<BenchTarget> {
    const schema = `pollcast_bench_ref_${randomBytes(4).toString('hex')}`;
    const sql = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> => {
      const c = new pg.Client({ connectionString: BENCH_SERVICES.postgres, connectionTimeoutMillis: 5_000 });
      await c.connect();
      try {
        return (await c.query<R>(text, values)).rows;
      } finally {
        await c.end();
      }
    };
    const drop = () => sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).then(() => undefined, () => undefined);
    const port = await freePort();
    const file = fileURLToPath(new URL('../reference-server' + (import.meta.url.endsWith('.ts') ? '.ts' : '.js'), import.meta.url));
    try {
      const child = await startNodeChild({
        label: REFERENCE,
        args: [...moduleArgs(file), String(port), BENCH_SERVICES.postgres, schema],
        env: { ...process.env, NODE_ENV: 'production', ...SETTINGS },
        port,
        readyPath: '/readyz',
        cwd: ctx.root,
      });
      return {
        urls: [child.url],
        settings: { processes: 1, store: 'postgres (own schema)', server: 'node:http, no framework', ...SETTINGS },
        pids: () => [child.child.pid!],
        async stored(pollId) {
          const [r] = await sql<{ rows: number }>(`SELECT count(*)::int AS rows FROM "${schema}".votes WHERE poll_id = $1`, [pollId]);
          // No tallies table: the rows are the tally.
          return { rows: r!.rows, tallied: r!.rows };
        },
        async stop() {
          await child.stop();
          await drop();
        },
      };
    } catch (err) {
      await drop();
      throw err;
    }
  },
};
