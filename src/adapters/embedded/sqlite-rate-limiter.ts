/**
 * The embedded rate limiter that outlives a restart: single-use claims (proof-of-work nonces) and
 * long-window counts (a poll's per-address cap, 400 days) are kept in SQLite (`limits.db` under
 * DATA_DIR); windows up to `memoryWindowMaxMs` (1 hour) stay in a MemoryRateLimiter — the hot path
 * of every vote never writes to disk, and losing a minute's count on restart is harmless.
 *
 * The file is WAL with synchronous=NORMAL: every commit survives a process crash or restart (what
 * is at stake), without an fsync on the event loop per vote; a power loss may forget the last
 * claims and counts. Calls are synchronous, so one admission reads and writes with no other
 * request in between: all-or-nothing holds across memory and disk checks alike. Rows whose window
 * has passed are pruned at open and then at most every `pruneEveryMs` on a write.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { bucketMsOf, WINDOW_BUCKETS, type Admission, type RateCheck, type RateDecision, type RateLimiter } from '../../ports/rate-limiter.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { resetMsOf } from '../sliding-window.js';
import { runSqliteMigrations, type SqliteMigration } from './sqlite-schema.js';

/** `IF NOT EXISTS`: version 1 also adopts a limits.db made before it was versioned. */
const MIGRATIONS: SqliteMigration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE IF NOT EXISTS rate_counts (
  key TEXT NOT NULL,
  window_ms INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  count INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (key, window_ms, bucket)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rate_counts_expires ON rate_counts (expires_at);
CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, until INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS claims_until ON claims (until);
`,
  },
];

export interface SqliteRateLimiterOptions {
  dataDir: string;
  fileName?: string;
  /** Windows up to this length are counted in memory only (default 1 hour). 0: every window on disk. */
  memoryWindowMaxMs?: number;
  pruneEveryMs?: number;
  now?: () => number;
}

interface Counted {
  n: number;
  oldest: number | null;
}

export class SqliteRateLimiter implements RateLimiter {
  readonly kind = 'sqlite';
  readonly #db: Database.Database;
  readonly #memory: MemoryRateLimiter;
  readonly #memoryWindowMaxMs: number;
  readonly #pruneEveryMs: number;
  readonly #now: () => number;
  readonly #s: {
    count: Database.Statement<[string, number, number]>;
    add: Database.Statement<[string, number, number, number, number]>;
    claim: Database.Statement<[string, number, number]>;
    pruneCounts: Database.Statement<[number]>;
    pruneClaims: Database.Statement<[number]>;
  };
  #pruneAt = 0;
  #closed = false;

  constructor(opts: SqliteRateLimiterOptions) {
    this.#now = opts.now ?? Date.now;
    this.#memory = new MemoryRateLimiter(this.#now);
    this.#memoryWindowMaxMs = opts.memoryWindowMaxMs ?? 3_600_000;
    this.#pruneEveryMs = opts.pruneEveryMs ?? 600_000;
    mkdirSync(opts.dataDir, { recursive: true });
    this.#db = new Database(join(opts.dataDir, opts.fileName ?? 'limits.db'));
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    runSqliteMigrations(this.#db, 'limit_migrations', MIGRATIONS);
    this.#s = {
      count: this.#db.prepare('SELECT coalesce(sum(count), 0) AS n, min(bucket) AS oldest FROM rate_counts WHERE key = ? AND window_ms = ? AND bucket >= ?'),
      add: this.#db.prepare(
        'INSERT INTO rate_counts (key, window_ms, bucket, count, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key, window_ms, bucket) DO UPDATE SET count = count + excluded.count',
      ),
      // Takes the key when it is free or its claim has run out; `changes` says whether it did.
      claim: this.#db.prepare('INSERT INTO claims (key, until) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET until = excluded.until WHERE claims.until <= ?'),
      pruneCounts: this.#db.prepare('DELETE FROM rate_counts WHERE expires_at <= ?'),
      pruneClaims: this.#db.prepare('DELETE FROM claims WHERE until <= ?'),
    };
    this.#maybePrune(this.#now());
  }

  #durable(c: RateCheck): boolean {
    return c.windowMs > this.#memoryWindowMaxMs;
  }

  #read(c: RateCheck, now: number): Counted {
    const nb = Math.floor(now / bucketMsOf(c.windowMs));
    // The same buckets a SlidingCount keeps: none wholly older than the window.
    const row = this.#s.count.get(c.key, c.windowMs, nb - WINDOW_BUCKETS) as { n: number; oldest: number | null };
    return { n: row.n, oldest: row.oldest };
  }

  #maybePrune(now: number): void {
    if (now < this.#pruneAt) return;
    this.#pruneAt = now + this.#pruneEveryMs;
    this.#s.pruneCounts.run(now);
    this.#s.pruneClaims.run(now);
  }

  admitSync(checks: readonly RateCheck[]): Admission {
    if (this.#closed || !checks.some((c) => this.#durable(c))) return this.#memory.admitSync(checks);
    const now = this.#now();
    const short = checks.filter((c) => !this.#durable(c));
    // Look first (cost 0 counts nothing), spend only once every check, memory and disk, allows.
    const look = this.#memory.admitSync(short.map((c) => ({ ...c, cost: 0 as const })));
    const counted = checks.map((c) => (this.#durable(c) ? this.#read(c, now) : null));
    const allowed = look.allowed && counted.every((r, i) => r === null || r.n < checks[i]!.limit);
    const shortDecisions = allowed && short.length > 0 ? this.#memory.admitSync(short).checks : look.checks;
    if (allowed) {
      this.#db.transaction(() => {
        for (const c of checks) {
          const cost = c.cost ?? 1;
          if (!this.#durable(c) || cost === 0) continue;
          const bucketMs = bucketMsOf(c.windowMs);
          const nb = Math.floor(now / bucketMs);
          this.#s.add.run(c.key, c.windowMs, nb, cost, (nb + WINDOW_BUCKETS + 1) * bucketMs);
        }
      })();
      this.#maybePrune(now);
    }
    let s = 0;
    const decisions = checks.map((c, i): RateDecision => {
      const r = counted[i];
      if (!r) return shortDecisions[s++]!;
      const bucketMs = bucketMsOf(c.windowMs);
      const spent = allowed && (c.cost ?? 1) > 0 ? (c.cost ?? 1) : 0;
      const oldest = r.oldest ?? (spent > 0 ? Math.floor(now / bucketMs) : null);
      return {
        allowed: r.n < c.limit,
        limit: c.limit,
        remaining: Math.max(0, c.limit - r.n - spent),
        resetMs: resetMsOf(oldest, bucketMs, c.windowMs, now),
      };
    });
    return { allowed, checks: decisions };
  }

  async admit(checks: readonly RateCheck[]): Promise<Admission> {
    return this.admitSync(checks);
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateDecision> {
    return this.admitSync([{ key, limit, windowMs }]).checks[0]!;
  }

  claimOnceSync(key: string, ttlMs: number): boolean {
    if (this.#closed) return this.#memory.claimOnceSync(key, ttlMs);
    const now = this.#now();
    const taken = this.#s.claim.run(key, now + ttlMs, now).changes === 1;
    if (taken) this.#maybePrune(now);
    return taken;
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    return this.claimOnceSync(key, ttlMs);
  }

  /** Idempotent. A call after close is answered from memory only (limits stay in force, never fail open). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#db.open) this.#db.close();
  }
}
