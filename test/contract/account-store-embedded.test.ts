/**
 * The account store contract on embedded SQLite (its own file under a fresh data dir per run),
 * plus where the file goes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteAccountStore } from '../../src/adapters/embedded/sqlite-account-store.js';
import { runAccountStoreContract, testUser, type AccountTable } from './account-store-contract.js';

runAccountStoreContract('SqliteAccountStore (embedded)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pollcast-accounts-'));
  const open = async () => {
    const s = new SqliteAccountStore({ dataDir, sync: 'normal' });
    await s.migrate();
    return s;
  };
  return {
    store: await open(),
    reopen: open,
    count: async (table: AccountTable, where: Record<string, string> = {}) => {
      // A connection of its own: reads what was committed, around the store.
      const db = new Database(join(dataDir, 'accounts.db'), { readonly: true });
      try {
        const cols = Object.keys(where);
        const sql = `SELECT count(*) FROM ${table}` + (cols.length ? ' WHERE ' + cols.map((c) => `${c} = ?`).join(' AND ') : '');
        return db.prepare(sql).pluck().get(...Object.values(where)) as number;
      } finally {
        db.close();
      }
    },
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
});

describe('SqliteAccountStore files', () => {
  it('creates the data dir and accounts.db (or fileName) in it; data survives a reopen', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pollcast-accounts-'));
    try {
      const dataDir = join(root, 'a', 'b');
      const store = new SqliteAccountStore({ dataDir, sync: 'full' });
      await store.migrate();
      const u = testUser();
      assert.equal(await store.createUser(u), true);
      await store.close();
      assert.ok(existsSync(join(dataDir, 'accounts.db')));
      assert.ok(!existsSync(join(dataDir, 'pollcast.db')), 'not the vote store\'s file');

      const again = new SqliteAccountStore({ dataDir, sync: 'full' });
      await again.migrate();
      assert.deepEqual(await again.getUser(u.id), u);
      await again.close();

      const named = new SqliteAccountStore({ dataDir, sync: 'normal', fileName: 'other.db' });
      await named.migrate();
      assert.equal(await named.getUser(u.id), null);
      await named.close();
      assert.ok(existsSync(join(dataDir, 'other.db')));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
