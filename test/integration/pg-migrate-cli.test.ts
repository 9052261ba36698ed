/**
 * `pollcast migrate` from several processes at once (as a fleet starting together does): every
 * process exits 0 and each migration is applied exactly once. The schema comes from `?schema=`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { PG_MIGRATIONS } from '../../src/adapters/postgres/pg-migrations.js';
import { adminQuery, dropSchema, PG_URL, scratchName } from '../support/postgres.js';
import { needServices } from '../support/services.js';

const run = promisify(execFile);

describe('pollcast migrate on PostgreSQL', { skip: await needServices('postgres') }, () => {
  const schema = scratchName('pollcast_test');
  after(() => dropSchema(schema));

  it('succeeds from three processes started together; migrations are applied once', async () => {
    const url = new URL(PG_URL);
    url.searchParams.set('schema', schema);
    const env = { ...process.env, DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' };
    const runs = await Promise.all(
      [1, 2, 3].map(() => run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'migrate'], { env, timeout: 60_000 })),
    );
    for (const r of runs) assert.match(r.stdout, /migrations applied \(postgres\)/);
    const versions = await adminQuery<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
    // Each migration once, whatever their number (the events merge added version 2).
    assert.deepEqual(versions.map((v) => v.version), PG_MIGRATIONS.map((m) => m.version));
    const [votes] = await adminQuery<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhparent JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = $1 AND c.relname = 'votes'`,
      [schema],
    );
    assert.equal(votes!.n, 16, 'votes has its hash partitions');
    // The events' and the audience Q&A's own migrations ran too, once each.
    for (const table of ['event_migrations', 'qa_migrations']) {
      const rows = await adminQuery<{ version: number }>(`SELECT version FROM "${schema}".${table} ORDER BY version`);
      assert.ok(rows.length >= 1 && new Set(rows.map((r) => r.version)).size === rows.length, `${table}: ${JSON.stringify(rows)}`);
    }
  });
});
