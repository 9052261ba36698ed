/**
 * A private slice of the shared PostgreSQL, Redis and NATS (or RabbitMQ) for one test: a scratch schema
 * (`?schema=` on DATABASE_URL, created by migrate, dropped by `cleanup`), a random key prefix
 * (Redis keys and channels, the NATS stream) and the env that points pollcast at them. `cleanup`
 * drops the schema, deletes the stream and the prefix's Redis keys; it never throws.
 */
import { randomBytes } from 'node:crypto';
import { deleteNatsStream as deleteNatsStreamAt, deleteRedisKeys as deleteRedisKeysAt } from '../../bench/distributed-slice.js';
import { CONSUMER_GROUPS } from '../../src/worker/consumer-groups.js';
import { dropSchema, PG_URL, scratchName } from './postgres.js';
import { deleteRabbitTopology } from './rabbitmq.js';
import { SERVICES } from './services.js';

export interface DistributedSlice {
  schema: string;
  prefix: string;
  /** DATABASE_URL (with ?schema=), REDIS_URL, NATS_URL or AMQP_URL, POLLCAST_PREFIX. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** DATABASE_URL for `schema` on the test server (or on `base`, e.g. a fault proxy's URL). */
export function schemaUrl(schema: string, base: string = PG_URL): string {
  const u = new URL(base);
  u.searchParams.set('schema', schema);
  return u.toString();
}

export const deleteNatsStream = (prefix: string): Promise<void> => deleteNatsStreamAt(prefix, SERVICES.nats.url);
export const deleteRedisKeys = (prefix: string): Promise<void> => deleteRedisKeysAt(prefix, SERVICES.redis.url);

/** `broker`: the event bus the slice's processes share (NATS JetStream by default). */
export function distributedSlice(label = 'pollcast_t', broker: 'nats' | 'rabbitmq' = 'nats'): DistributedSlice {
  const schema = scratchName(label);
  const prefix = `${label}_${randomBytes(5).toString('hex')}`;
  return {
    schema,
    prefix,
    env: {
      DATABASE_URL: schemaUrl(schema),
      REDIS_URL: SERVICES.redis.url,
      ...(broker === 'nats' ? { NATS_URL: SERVICES.nats.url } : { AMQP_URL: SERVICES.rabbitmq.url }),
      POLLCAST_PREFIX: prefix,
    },
    async cleanup() {
      const topology = broker === 'nats' ? deleteNatsStream(prefix) : deleteRabbitTopology(prefix, CONSUMER_GROUPS);
      await Promise.allSettled([dropSchema(schema), topology, deleteRedisKeys(prefix)]);
    },
  };
}
