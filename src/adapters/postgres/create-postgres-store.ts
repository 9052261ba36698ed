/**
 * Builds the PostgreSQL store from config: DATABASE_URL is shard 0, each DATABASE_SHARD_URLS entry
 * one more shard (in order: the order is part of the poll ids, never reorder it), each
 * DATABASE_REPLICA_URLS entry a read replica of shard 0, or of shard N with `?shard=N`.
 * `?schema=name` on DATABASE_URL (or `opts.schema`) picks the schema, default `public`.
 * Each primary and replica gets its own pool of DATABASE_POOL_SIZE connections.
 */
import { MAX_SHARDS } from '../../domain/ids.js';
import type { Store } from '../../ports/store.js';
import { PgLeases } from './pg-lease.js';
import { PgLink } from './pg-link.js';
import { PgShard } from './pg-shard.js';
import { buildSql, checkSchemaName, splitPgUrl } from './pg-sql.js';
import { PostgresStore } from './postgres-store.js';

/** DATABASE_URL and its companions as config parsed them (config.ts StoreConfig, kind postgres). */
export interface PostgresConnectionConfig {
  kind?: 'postgres';
  url: string;
  replicaUrls: readonly string[];
  shardUrls: readonly string[];
  poolSize: number;
  connectTimeoutMs?: number | undefined;
  queryTimeoutMs?: number | undefined;
}

export interface PostgresStoreOptions {
  /** Overrides `?schema=` in DATABASE_URL. Tests give each run its own. */
  schema?: string;
  /** Opening a connection or waiting for a pooled one; beyond it the store answers 503. Default: the config's, else 3000. */
  connectTimeoutMs?: number;
  /** Client-side bound on one statement; a hung server answers 503 within it. Default: the config's (0.7 × REQUEST_TIMEOUT_MS), else 8000. */
  queryTimeoutMs?: number;
  /** Named prepared statements (default true; a pooler that cannot keep them switches them off by itself). */
  preparedStatements?: boolean;
  /** Leadership lease length; a dead leader is replaced within it. Default 15000. */
  leaseTtlMs?: number;
  applicationName?: string;
}

export async function createPostgresStore(
  c: PostgresConnectionConfig,
  opts: PostgresStoreOptions = {},
): Promise<{ store: Store; shardCount: number }> {
  const store = buildPostgresStore(c, opts);
  return { store, shardCount: store.shards.length };
}

export function buildPostgresStore(c: PostgresConnectionConfig, opts: PostgresStoreOptions = {}): PostgresStore {
  const primary = splitPgUrl(c.url);
  const schema = checkSchemaName(opts.schema ?? primary.schema ?? 'public');
  // DATABASE_URL may be repeated as the first shard URL; it is shard 0 either way.
  const shardUrls = [primary.url, ...c.shardUrls.map((u) => splitPgUrl(u).url).filter((u, i) => !(i === 0 && u === primary.url))];
  if (shardUrls.length > MAX_SHARDS) throw new RangeError(`DATABASE_SHARD_URLS: at most ${MAX_SHARDS} shards`);

  const replicaUrls: string[][] = shardUrls.map(() => []);
  for (const raw of c.replicaUrls) {
    const r = splitPgUrl(raw);
    const shard = r.shard === null ? 0 : Number(r.shard);
    if (!Number.isInteger(shard) || shard < 0 || shard >= shardUrls.length) {
      throw new RangeError(`DATABASE_REPLICA_URLS: shard=${r.shard} names no configured shard (0–${shardUrls.length - 1})`);
    }
    replicaUrls[shard]!.push(r.url);
  }

  const link = (url: string, applicationName: string) =>
    new PgLink({
      url,
      poolSize: c.poolSize,
      connectTimeoutMs: opts.connectTimeoutMs ?? c.connectTimeoutMs ?? 3_000,
      queryTimeoutMs: opts.queryTimeoutMs ?? c.queryTimeoutMs ?? 8_000,
      preparedStatements: opts.preparedStatements ?? true,
      applicationName,
    });
  const sql = buildSql(schema);
  const name = opts.applicationName ?? 'pollcast';
  const shards = shardUrls.map(
    (url, i) => new PgShard(i, link(url, name), replicaUrls[i]!.map((r) => link(r, `${name}-replica`)), sql, schema),
  );
  return new PostgresStore(shards, new PgLeases(shards[0]!.primary, sql, opts.leaseTtlMs ?? 15_000));
}
