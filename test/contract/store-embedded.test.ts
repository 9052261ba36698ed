import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/adapters/embedded/sqlite-store.js';
import { runStoreContract } from './store-contract.js';

runStoreContract('SqliteStore (embedded)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pollcast-store-'));
  const open = async () => {
    const s = new SqliteStore({ dataDir, sync: 'normal' });
    await s.migrate();
    return s;
  };
  return {
    store: await open(),
    reopen: open,
    singleProcess: true,
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
});
