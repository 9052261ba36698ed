/**
 * A private slice of the shared PostgreSQL, Redis and NATS for one test: a scratch schema
 * (`?schema=` on DATABASE_URL, created by migrate, dropped by `cleanup`), a random key prefix
 * (Redis keys and channels, the NATS stream) and the env that points pollcast at them. `cleanup`
 * drops the schema, deletes the stream and the prefix's Redis keys; it never throws.
 */
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { streamNames } from '../../src/adapters/nats/nats-jetstream-setup.js';
import { dropSchema, PG_URL, scratchName } from './postgres.js';
import { SERVICES } from './services.js';

export interface DistributedSlice {
  schema: string;
  prefix: string;
  /** DATABASE_URL (with ?schema=), REDIS_URL, NATS_URL, POLLCAST_PREFIX. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** DATABASE_URL for `schema` on the test server (or on `base`, e.g. a fault proxy's URL). */
export function schemaUrl(schema: string, base: string = PG_URL): string {
  const u = new URL(base);
  u.searchParams.set('schema', schema);
  return u.toString();
}

export async function deleteNatsStream(prefix: string): Promise<void> {
  const nc = await connect({ servers: SERVICES.nats.url, timeout: 2_000 });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(streamNames(prefix).stream).catch(() => false);
  } finally {
    await nc.close();
  }
}

export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(SERVICES.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
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

export function distributedSlice(label = 'pollcast_t'): DistributedSlice {
  const schema = scratchName(label);
  const prefix = `${label}_${randomBytes(5).toString('hex')}`;
  return {
    schema,
    prefix,
    env: {
      DATABASE_URL: schemaUrl(schema),
      REDIS_URL: SERVICES.redis.url,
      NATS_URL: SERVICES.nats.url,
      POLLCAST_PREFIX: prefix,
    },
    async cleanup() {
      await Promise.allSettled([dropSchema(schema), deleteNatsStream(prefix), deleteRedisKeys(prefix)]);
    },
  };
}
