/**
 * One connection pool to one PostgreSQL server, and the only place that talks to `pg`.
 *
 * Statements have constant text (arrays go in as parameters), so each is sent as a named
 * prepared statement and parsed once per server connection. Through PgBouncer in transaction
 * pooling mode (before 1.21) a named statement may be missing on, or already present on, the
 * server connection a transaction lands on; the first such error (26000 / 42P05) switches this
 * pool to unnamed statements for good and the operation runs again — it wrote nothing. Names are a
 * hash of the text, and the text names its schema, so a statement found under a name is always
 * the right one. No other session state is used: every transaction is self-contained.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { isConnectionFailure, isPreparedStatementMismatch, isRetryableConflict, toStoreError } from './pg-errors.js';

export interface Stmt {
  readonly name: string;
  readonly text: string;
}

export function stmt(text: string): Stmt {
  return { name: 'pollcast_' + createHash('sha256').update(text).digest('hex').slice(0, 20), text };
}

/**
 * BEGIN with both server-side bounds below the client's `timeoutMs` (SET LOCAL: gone at commit,
 * pooler-safe). lock_timeout: a transaction stuck on a lock ends on the server too;
 * idle_in_transaction_session_timeout: a session whose client was cut off is ended instead of
 * holding its row locks until TCP notices.
 */
export function boundedBegin(timeoutMs: number): { text: string; query_timeout: number } {
  const lockMs = Math.max(100, Math.floor(timeoutMs * 0.75));
  const idleMs = Math.max(100, Math.floor(timeoutMs * 0.9));
  return { text: `BEGIN; SET LOCAL lock_timeout = ${lockMs}; SET LOCAL idle_in_transaction_session_timeout = ${idleMs}`, query_timeout: timeoutMs };
}

export interface LinkOptions {
  url: string;
  poolSize: number;
  /** Bounds both opening a connection and waiting for a free one in the pool. */
  connectTimeoutMs: number;
  /** Client-side bound on one statement, so a hung server answers within the request timeout. */
  queryTimeoutMs: number;
  preparedStatements: boolean;
  applicationName: string;
}

export type Row = object;
/** `simple`: sent unprepared and without parameters, so the text may hold several statements (DDL). */
export interface ExecOptions {
  timeoutMs?: number | undefined;
  simple?: boolean;
}
export type Exec = <R extends Row = Row>(s: Stmt, values?: unknown[], opts?: ExecOptions) => Promise<R[]>;

/** int8 (counts, epoch ms, sequence numbers) as numbers: every value we store is below 2^53. */
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

const MAX_ATTEMPTS = 4;

export class PgLink {
  readonly pool: pg.Pool;
  readonly #queryTimeoutMs: number;
  #prepared: boolean;
  #closed = false;

  constructor(o: LinkOptions) {
    this.#prepared = o.preparedStatements;
    this.#queryTimeoutMs = o.queryTimeoutMs;
    this.pool = new pg.Pool({
      connectionString: o.url,
      max: o.poolSize,
      connectionTimeoutMillis: o.connectTimeoutMs,
      idleTimeoutMillis: 10_000,
      keepAlive: true,
      allowExitOnIdle: true,
      application_name: o.applicationName,
      types,
    });
    // An idle connection that breaks (server restart) is dropped by the pool; the next query opens
    // a new one. Without a listener the error would crash the process.
    this.pool.on('error', () => {});
    // The pool stops listening to a client while it is checked out, yet a client whose connection
    // breaks emits 'error' even then (after failing its queries): without this, a reset in the
    // middle of a transaction is an uncaught exception. The failure reaches the caller through the
    // pending query, or the next one ("not queryable"), and the client is destroyed on release.
    this.pool.on('connect', (client) => client.on('error', () => {}));
  }

  /** Pool figures for metrics: connections checked out, idle, callers waiting, and the limit. */
  get stats(): { inUse: number; idle: number; waiting: number; max: number } {
    const p = this.pool;
    return { inUse: p.totalCount - p.idleCount, idle: p.idleCount, waiting: p.waitingCount, max: p.options.max ?? 10 };
  }

  /** False once the pooler forced unnamed statements. */
  get preparedStatements(): boolean {
    return this.#prepared;
  }

  #exec(client: pg.PoolClient): Exec {
    return async <R extends Row>(s: Stmt, values: unknown[] = [], opts: ExecOptions = {}) => {
      const res = await client.query({
        text: s.text,
        ...(opts.simple ? {} : { values }),
        ...(this.#prepared && !opts.simple ? { name: s.name } : {}),
        query_timeout: opts.timeoutMs ?? this.#queryTimeoutMs,
      } as pg.QueryConfig);
      return res.rows as R[];
    };
  }

  /** One statement in its own implicit transaction. */
  async query<R extends Row = Row>(s: Stmt, values: unknown[] = [], opts: { timeoutMs?: number } = {}): Promise<R[]> {
    return this.#attempt(async (client) => this.#exec(client)<R>(s, values, opts), false);
  }

  /**
   * Runs `fn`'s statements on one connection, each in its own implicit transaction (no BEGIN).
   * A serialization failure or deadlock, or a prepared-statement mismatch, runs `fn` again from
   * the start: the vote batch's guarded write raises one when what it read no longer holds.
   */
  async session<T>(fn: (exec: Exec) => Promise<T>): Promise<T> {
    return this.#attempt(async (client) => fn(this.#exec(client)), false);
  }

  /**
   * Runs `fn` in one transaction and commits. If `fn` throws, rolls back and rethrows. Deadlocks,
   * serialization failures and prepared-statement mismatches run `fn` again from the start.
   */
  async tx<T>(fn: (exec: Exec) => Promise<T>, opts: { timeoutMs?: number } = {}): Promise<T> {
    const open = await this.begin(fn, opts);
    await open.commit();
    return open.value;
  }

  /**
   * Like `tx` but stops before COMMIT: the caller commits or rolls back (several shards commit
   * together only when all of them got this far).
   */
  async begin<T>(fn: (exec: Exec) => Promise<T>, opts: { timeoutMs?: number } = {}): Promise<OpenTx<T>> {
    return this.#attempt(async (client, poison) => {
      const exec = this.#exec(client);
      // Both below the client's bound. lock_timeout: a transaction stuck on a lock ends on the
      // server too (a client that gives up does not release the server's locks).
      // idle_in_transaction_session_timeout: when the client is cut off (partition) the server ends
      // the session instead of holding its row locks until TCP notices, and a COMMIT still on the
      // wire when the client gave up on it (answered 503) can no longer commit when the link heals:
      // the server went idle before the COMMIT was sent, and ends the session before the client's
      // bound on the COMMIT runs out.
      const timeoutMs = opts.timeoutMs ?? this.#queryTimeoutMs;
      await client.query(boundedBegin(timeoutMs) as pg.QueryConfig);
      try {
        const value = await fn((s, values, o) => exec(s, values, { ...o, timeoutMs: o?.timeoutMs ?? opts.timeoutMs }));
        return { value, client };
      } catch (err) {
        if (isConnectionFailure(err)) {
          // Broken or timed out: a ROLLBACK would wait another full timeout behind the stuck
          // statement. Destroying the connection rolls back on the server.
          poison();
        } else {
          // A connection whose ROLLBACK fails is in an unknown state: destroy it.
          await client.query({ text: 'ROLLBACK', query_timeout: this.#queryTimeoutMs } as pg.QueryConfig).catch(poison);
        }
        throw err;
      }
    }, true).then(({ value, client }) => new OpenTx(value, client, this.#queryTimeoutMs));
  }

  async #attempt<T>(run: (client: pg.PoolClient, poison: () => void) => Promise<T>, keepClient: boolean): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (err) {
        throw toStoreError(err);
      }
      let poisoned = false;
      const named = this.#prepared;
      try {
        const out = await run(client, () => (poisoned = true));
        if (!keepClient) client.release();
        return out;
      } catch (err) {
        // A broken or timed-out connection is destroyed, never handed out again.
        client.release(poisoned || isConnectionFailure(err) ? true : undefined);
        if (attempt < MAX_ATTEMPTS && named && isPreparedStatementMismatch(err)) {
          this.#prepared = false;
          continue;
        }
        if (attempt < MAX_ATTEMPTS && isRetryableConflict(err)) continue;
        throw toStoreError(err);
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end();
  }
}

/** A transaction that did its work and waits for COMMIT or ROLLBACK. Settles exactly once. */
export class OpenTx<T> {
  #client: pg.PoolClient | null;

  constructor(
    readonly value: T,
    client: pg.PoolClient,
    private readonly timeoutMs: number,
  ) {
    this.#client = client;
  }

  async commit(): Promise<void> {
    await this.#end('COMMIT');
  }

  async rollback(): Promise<void> {
    await this.#end('ROLLBACK').catch(() => {});
  }

  async #end(sql: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    const client = this.#client;
    if (!client) return;
    this.#client = null;
    try {
      await client.query({ text: sql, query_timeout: this.timeoutMs } as pg.QueryConfig);
      client.release();
    } catch (err) {
      client.release(isConnectionFailure(err) ? true : undefined);
      throw toStoreError(err);
    }
  }
}
