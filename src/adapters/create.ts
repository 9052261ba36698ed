/**
 * Builds each port from its config union. Distributed adapters are imported lazily so the
 * embedded default never loads a driver it does not use. An unknown kind cannot compile.
 */
import type { BusConfig, CacheConfig, Config, EmailConfig, StoreConfig } from '../config.js';
import type { DeliveryStore } from '../ports/delivery-store.js';
import type { Mailer } from '../ports/mailer.js';
import type { WebhookSender } from '../ports/webhook-sender.js';
import { allowList } from '../domain/network-address.js';
import type { AccountStore } from '../ports/account-store.js';
import type { Cache, TieredCache } from '../ports/cache.js';
import type { Poll } from '../domain/poll.js';
import type { Results } from '../domain/results.js';
import { TieredLruCache } from './tiered-cache.js';
import type { EventBus } from '../ports/event-bus.js';
import type { EventStore } from '../ports/event-store.js';
import type { AudienceQaStore } from '../ports/audience-qa-store.js';
import type { Notifier } from '../ports/notifier.js';
import type { RateLimiter } from '../ports/rate-limiter.js';
import type { Store } from '../ports/store.js';

export interface Ports {
  store: Store;
  cache: Cache;
  notifier: Notifier;
  /** Only processes that run the worker role connect to the broker: api keeps taking votes without it. */
  bus: EventBus | null;
  limiter: RateLimiter;
  /** How many shards new polls may be placed on. */
  shardCount: number;
}

export async function createStore(c: StoreConfig): Promise<{ store: Store; shardCount: number }> {
  switch (c.kind) {
    case 'embedded': {
      const { SqliteStore } = await import('./embedded/sqlite-store.js');
      return { store: new SqliteStore({ dataDir: c.dataDir, sync: c.sync }), shardCount: 1 };
    }
    case 'postgres': {
      const { createPostgresStore } = await import('./postgres/create-postgres-store.js');
      return createPostgresStore(c);
    }
  }
}

/** Accounts live beside the votes: their own SQLite file, or their own tables on the primary (a small pool: light traffic). */
export async function createAccountStore(c: StoreConfig): Promise<AccountStore> {
  switch (c.kind) {
    case 'embedded': {
      const { SqliteAccountStore } = await import('./embedded/sqlite-account-store.js');
      return new SqliteAccountStore({ dataDir: c.dataDir, sync: c.sync });
    }
    case 'postgres': {
      const { PostgresAccountStore } = await import('./postgres/postgres-account-store.js');
      return new PostgresAccountStore({
        url: c.url,
        poolSize: Math.min(c.poolSize, 4),
        connectTimeoutMs: c.connectTimeoutMs,
        queryTimeoutMs: c.queryTimeoutMs,
      });
    }
  }
}

/** Events live beside the votes, like accounts: their own SQLite file, or their own table on the primary. */
export async function createEventStore(c: StoreConfig): Promise<EventStore> {
  switch (c.kind) {
    case 'embedded': {
      const { SqliteEventStore } = await import('./embedded/sqlite-event-store.js');
      return new SqliteEventStore({ dataDir: c.dataDir, sync: c.sync });
    }
    case 'postgres': {
      const { PostgresEventStore } = await import('./postgres/postgres-event-store.js');
      return new PostgresEventStore({ url: c.url, connectTimeoutMs: c.connectTimeoutMs, queryTimeoutMs: c.queryTimeoutMs });
    }
  }
}

/** Webhook and e-mail deliveries live beside the accounts: their own SQLite file, or their own tables on the primary. */
export async function createDeliveryStore(c: StoreConfig): Promise<DeliveryStore> {
  switch (c.kind) {
    case 'embedded': {
      const { SqliteDeliveryStore } = await import('./embedded/sqlite-delivery-store.js');
      return new SqliteDeliveryStore({ dataDir: c.dataDir, sync: c.sync });
    }
    case 'postgres': {
      const { PostgresDeliveryStore } = await import('./postgres/postgres-delivery-store.js');
      return new PostgresDeliveryStore({ url: c.url, connectTimeoutMs: c.connectTimeoutMs, queryTimeoutMs: c.queryTimeoutMs });
    }
  }
}

export async function createWebhookSender(c: Config['webhooks']): Promise<WebhookSender> {
  const { HttpWebhookSender } = await import('./webhook/http-webhook-sender.js');
  return new HttpWebhookSender({ timeoutMs: c.timeoutMs, allow: c.allowedNetworks.length > 0 ? allowList(c.allowedNetworks) : null });
}

/** Null when e-mail is off (SMTP_URL unset): nodemailer is then never loaded. */
export async function createMailer(c: EmailConfig): Promise<Mailer | null> {
  switch (c.kind) {
    case 'off':
      return null;
    case 'smtp': {
      const { SmtpMailer } = await import('./email/smtp-mailer.js');
      return new SmtpMailer({ url: c.url, from: c.from });
    }
  }
}

/** Audience Q&A lives beside the events: its own SQLite file, or its own tables on the primary. */
export async function createAudienceQaStore(c: StoreConfig): Promise<AudienceQaStore> {
  switch (c.kind) {
    case 'embedded': {
      const { SqliteAudienceQaStore } = await import('./embedded/sqlite-audience-qa-store.js');
      return new SqliteAudienceQaStore({ dataDir: c.dataDir, sync: c.sync });
    }
    case 'postgres': {
      const { PostgresAudienceQaStore } = await import('./postgres/postgres-audience-qa-store.js');
      return new PostgresAudienceQaStore({ url: c.url, connectTimeoutMs: c.connectTimeoutMs, queryTimeoutMs: c.queryTimeoutMs });
    }
  }
}

/**
 * `dataDir` (the embedded store's DATA_DIR): the in-process limiter keeps what must outlive a
 * restart — single-use claims, long-window counts such as a poll's per-address cap — in a file there.
 */
export async function createCacheAndLimiter(
  c: CacheConfig,
  prefix: string,
  dataDir?: string,
): Promise<{ cache: Cache; limiter: RateLimiter; notifier: Notifier }> {
  switch (c.kind) {
    case 'memory': {
      const [{ MemoryCache }, { MemoryNotifier }] = await Promise.all([import('./embedded/memory-cache.js'), import('./embedded/memory-notifier.js')]);
      const limiter =
        dataDir === undefined
          ? new (await import('./embedded/memory-rate-limiter.js')).MemoryRateLimiter()
          : new (await import('./embedded/sqlite-rate-limiter.js')).SqliteRateLimiter({ dataDir });
      return { cache: new MemoryCache(), limiter, notifier: new MemoryNotifier() };
    }
    case 'redis': {
      const { createRedisPorts } = await import('./redis/create-redis-ports.js');
      return createRedisPorts(c.url, prefix, { commandTimeoutMs: c.commandTimeoutMs });
    }
  }
}

/**
 * The tiered caches of poll metadata and results: an lru-cache per process in front of the shared
 * cache, or alone when the shared cache is itself in-process (a second in-process copy adds nothing).
 */
export function createTieredCaches(shared: Cache): { polls: TieredCache<Poll | null>; results: TieredCache<Results> } {
  const tier = shared.kind === 'memory' ? null : shared;
  return {
    polls: new TieredLruCache<Poll | null>(tier, { namespace: 'poll:', maxEntries: 100_000 }),
    results: new TieredLruCache<Results>(tier, { namespace: 'results:', maxEntries: 100_000 }),
  };
}

export async function createEventBus(c: BusConfig, prefix: string, groups: readonly string[] = []): Promise<EventBus> {
  switch (c.kind) {
    case 'memory': {
      const { MemoryEventBus } = await import('./embedded/memory-event-bus.js');
      return new MemoryEventBus();
    }
    case 'nats': {
      const { NatsEventBus } = await import('./nats/nats-event-bus.js');
      return NatsEventBus.connect(c.url, prefix, c.replicas === undefined ? {} : { replicas: c.replicas });
    }
    case 'amqp': {
      const { RabbitMqEventBus } = await import('./rabbitmq/rabbitmq-event-bus.js');
      return RabbitMqEventBus.connect(c.url, prefix, { groups, ...(c.deliveryLimit === undefined ? {} : { deliveryLimit: c.deliveryLimit }) });
    }
  }
}

/**
 * `consumerGroups`: the groups this process will consume. A broker whose queues keep events only
 * once they exist (RabbitMQ) declares them on connect, before the outbox relay publishes.
 */
export async function createPorts(config: Readonly<Config>, prefix = 'pollcast', consumerGroups: readonly string[] = []): Promise<Ports> {
  const { store, shardCount } = await createStore(config.store);
  const dataDir = config.store.kind === 'embedded' ? config.store.dataDir : undefined;
  const { cache, limiter, notifier } = await createCacheAndLimiter(config.cache, prefix, dataDir);
  const needsBus = config.role === 'all' || config.role === 'worker';
  const bus = needsBus ? await createEventBus(config.bus, prefix, consumerGroups) : null;
  return { store, cache, limiter, notifier, bus, shardCount };
}
