/** The audience Q&A store contract on embedded SQLite (`qa.db` under a fresh data dir per run). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteAudienceQaStore } from '../../src/adapters/embedded/sqlite-audience-qa-store.js';
import { runQaStoreContract } from './audience-qa-store-contract.js';

runQaStoreContract('SqliteAudienceQaStore (embedded)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pollcast-qa-'));
  const open = async () => {
    const s = new SqliteAudienceQaStore({ dataDir, sync: 'normal' });
    await s.migrate();
    return s;
  };
  return { store: await open(), other: open, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
});
