/**
 * The benchmark's private slice of PostgreSQL, Redis and NATS: a scratch schema (created by
 * pollcast's migrations, dropped afterwards), a random key prefix for Redis keys and the NATS
 * stream, and a way to count the stored truth (vote rows, summed tallies) with SQL. The servers are
 * BENCH_DATABASE_URL, BENCH_REDIS_URL and BENCH_NATS_URL, by default the local ones the tests use.
 */
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import pg from 'pg';
import { streamNames } from '../src/adapters/nats/nats-jetstream-setup.js';

export const BENCH_SERVICES = {
  postgres: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redis: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  nats: process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222',
};

export interface BenchSlice {
  schema: string;
  prefix: string;
  /** DATABASE_URL (with ?schema=), REDIS_URL, NATS_URL, POLLCAST_PREFIX. */
  env: Record<string, string>;
  stored(pollId: string): Promise<{ rows: number; tallied: number }>;
  /** Drops the schema, the stream and the prefix's keys; never throws. */
  cleanup(): Promise<void>;
}

/** null when PostgreSQL, Redis and NATS (or only those named) all accept a connection, else which do not. */
export async function servicesMissing(only?: ReadonlyArray<keyof typeof BENCH_SERVICES>): Promise<string | null> {
  const missing: string[] = [];
  for (const [name, url] of Object.entries(BENCH_SERVICES)) {
    if (only && !only.includes(name as keyof typeof BENCH_SERVICES)) continue;
    const u = new URL(url.split(',')[0]!);
    const port = Number(u.port || { postgres: 5432, redis: 6379, nats: 4222 }[name]);
    if (!(await reachable(u.hostname, port))) missing.push(`${name} (${u.hostname}:${port})`);
  }
  return missing.length === 0 ? null : `needs ${missing.join(', ')}: not reachable (set BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_NATS_URL)`;
}

export function benchSlice(): BenchSlice {
  const id = randomBytes(4).toString('hex');
  const schema = `pollcast_bench_${id}`;
  const prefix = `pollcast_bench_${id}`;
  const dbUrl = new URL(BENCH_SERVICES.postgres);
  dbUrl.searchParams.set('schema', schema);
  const query = async <R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> => {
    const c = new pg.Client({ connectionString: BENCH_SERVICES.postgres, connectionTimeoutMillis: 5_000 });
    await c.connect();
    try {
      return (await c.query<R>(sql, values)).rows;
    } finally {
      await c.end();
    }
  };
  return {
    schema,
    prefix,
    env: { DATABASE_URL: dbUrl.toString(), REDIS_URL: BENCH_SERVICES.redis, NATS_URL: BENCH_SERVICES.nats, POLLCAST_PREFIX: prefix },
    async stored(pollId) {
      // One statement, so both counts come from one snapshot even if a batch commits meanwhile.
      const [r] = await query<{ rows: number; tallied: number }>(
        `SELECT (SELECT count(*)::int FROM "${schema}".votes WHERE poll_id = $1) AS rows,
                (SELECT coalesce(sum(votes), 0)::int FROM "${schema}".tallies WHERE poll_id = $1) AS tallied`,
        [pollId],
      );
      return r!;
    },
    async cleanup() {
      await Promise.allSettled([query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`), deleteNatsStream(prefix, BENCH_SERVICES.nats), deleteRedisKeys(prefix, BENCH_SERVICES.redis)]);
    },
  };
}

/** Deletes the NATS stream of a key prefix (benchmarks and tests clean up with it). */
export async function deleteNatsStream(prefix: string, natsUrl: string): Promise<void> {
  const nc = await connect({ servers: natsUrl.split(','), timeout: 2_000 });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(streamNames(prefix).stream).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** Deletes every Redis key under a prefix. */
export async function deleteRedisKeys(prefix: string, redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    const done = (ok: boolean) => (s.destroy(), resolve(ok));
    s.setTimeout(1_000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}
