/** The delivery store contract on embedded SQLite (`deliveries.db` under a fresh data dir). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDeliveryStore } from '../../src/adapters/embedded/sqlite-delivery-store.js';
import { runDeliveryStoreContract } from './delivery-store-contract.js';

runDeliveryStoreContract('SqliteDeliveryStore (embedded)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pollcast-deliveries-'));
  const store = new SqliteDeliveryStore({ dataDir, sync: 'normal' });
  await store.migrate();
  return { store, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
});
