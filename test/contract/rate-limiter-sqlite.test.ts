/**
 * The embedded limiter that outlives a restart: the port's contract as shipped (short windows in
 * memory) and with every window on disk, then what the restart must keep — a claimed key and a
 * long-window count survive closing and reopening on the same directory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SqliteRateLimiter } from '../../src/adapters/embedded/sqlite-rate-limiter.js';
import { runRateLimiterContract } from './rate-limiter-contract.js';

const dirs: string[] = [];
const scratch = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'pollcast-limits-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

runRateLimiterContract('SqliteRateLimiter', async () => new SqliteRateLimiter({ dataDir: scratch() }));
runRateLimiterContract('SqliteRateLimiter (every window on disk)', async () => new SqliteRateLimiter({ dataDir: scratch(), memoryWindowMaxMs: 0 }));

const DAY = 86_400_000;

describe('SqliteRateLimiter across a restart', () => {
  it('a claimed key and a long-window count survive closing and reopening on the same directory', async () => {
    const dataDir = scratch();
    const a = new SqliteRateLimiter({ dataDir });
    assert.equal(await a.claimOnce('pow:n1', 60_000), true);
    assert.equal((await a.hit('ipcap:p:1.2.3.4', 2, 400 * DAY)).allowed, true);
    assert.equal((await a.hit('ipcap:p:1.2.3.4', 2, 400 * DAY)).allowed, true);
    assert.equal((await a.hit('ip:1.2.3.4', 1, 60_000)).allowed, true);
    await a.close();

    const b = new SqliteRateLimiter({ dataDir });
    try {
      assert.equal(await b.claimOnce('pow:n1', 60_000), false, 'a used challenge stays used');
      assert.equal(await b.claimOnce('pow:n2', 60_000), true);
      const capped = await b.hit('ipcap:p:1.2.3.4', 2, 400 * DAY);
      assert.equal(capped.allowed, false, 'the per-address cap still holds');
      assert.equal(capped.remaining, 0);
      assert.ok(capped.resetMs > 300 * DAY, `resetMs ${capped.resetMs}`);
      assert.equal((await b.hit('ipcap:p:5.6.7.8', 2, 400 * DAY)).allowed, true, 'other addresses are apart');
      assert.equal((await b.hit('ip:1.2.3.4', 1, 60_000)).allowed, true, 'a one-minute window lives in memory only');
    } finally {
      await b.close();
    }
  });

  it('an all-or-nothing admission spends nothing, in memory or on disk, when one check refuses', async () => {
    const l = new SqliteRateLimiter({ dataDir: scratch() });
    try {
      assert.equal((await l.hit('cap', 1, 400 * DAY)).allowed, true);
      const refused = await l.admit([
        { key: 'minute', limit: 1, windowMs: 60_000 },
        { key: 'cap', limit: 1, windowMs: 400 * DAY },
      ]);
      assert.deepEqual(refused.checks.map((d) => d.allowed), [true, false]);
      assert.equal(refused.allowed, false);
      assert.equal((await l.hit('minute', 1, 60_000)).allowed, true, 'the memory check was not spent');
      const other = await l.admit([
        { key: 'minute', limit: 1, windowMs: 60_000 },
        { key: 'cap2', limit: 1, windowMs: 400 * DAY },
      ]);
      assert.equal(other.allowed, false);
      assert.equal((await l.hit('cap2', 1, 400 * DAY)).allowed, true, 'the disk check was not spent');
    } finally {
      await l.close();
    }
  });

  it('prunes rows whose window has passed; what is still held is kept', async () => {
    let now = 1_000 * DAY;
    const dataDir = scratch();
    const l = new SqliteRateLimiter({ dataDir, now: () => now, pruneEveryMs: 0 });
    await l.claimOnce('short', 1_000);
    await l.claimOnce('long', 10 * DAY);
    await l.hit('old', 5, 2 * 3_600_000);
    now += 3 * 3_600_000;
    await l.claimOnce('trigger', 1_000);
    await l.close();
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(dataDir, 'limits.db'), { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT key FROM claims ORDER BY key').pluck().all(), ['long', 'trigger']);
      assert.equal(db.prepare('SELECT count(*) FROM rate_counts').pluck().get(), 0);
    } finally {
      db.close();
    }
  });
});
