/**
 * The composition root: builds the ports from config, composes the services each role needs,
 * starts them, and shuts them down in order. Roles are compositions, not separate programs.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { createPorts, type Ports } from './adapters/create.js';
import type { Config } from './config.js';
import { PollDirectory } from './core/poll-directory.js';
import { PollService } from './core/poll-service.js';
import { ResultsReader } from './core/results-reader.js';
import { VoteService } from './core/vote-service.js';
import { VoterTokens } from './domain/voter-token.js';
import type { Readiness } from './http/deps.js';
import { InFlightRequests } from './http/in-flight.js';
import { buildHttpServer } from './http/server.js';
import { ResultsHub } from './realtime/results-hub.js';
import { startAnalyticsConsumer } from './worker/analytics-consumer.js';
import { Leadership } from './worker/leader.js';
import { OutboxRelay } from './worker/outbox-relay.js';
import { Scheduler } from './worker/scheduler.js';

export interface RunningApp {
  readonly config: Readonly<Config>;
  readonly logger: Logger;
  readonly ports: Ports;
  readonly http: FastifyInstance;
  /** The address the HTTP server listens on, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly port: number;
  /** Ordered, idempotent shutdown; every step runs even if one fails. */
  shutdown(reason?: string): Promise<void>;
}

export function createLogger(config: Readonly<Config>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'pollcast', role: config.role },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-voter-token"]', 'res.headers["set-cookie"]', '*.ownerToken', '*.voterToken', '*.password'],
      censor: '[redacted]',
    },
  });
}

export async function startApp(config: Readonly<Config>, opts: { logger?: Logger; prefix?: string } = {}): Promise<RunningApp> {
  const logger = opts.logger ?? createLogger(config);
  const role = config.role;
  const runs = (r: 'api' | 'realtime' | 'worker') => role === 'all' || role === r;
  const cleanup: Array<{ name: string; run: () => Promise<void> | void }> = [];

  const ports = await createPorts(config, opts.prefix);
  const { store, cache, notifier, bus, limiter } = ports;
  // Registered first, so closed last (reverse order).
  cleanup.push({ name: 'store', run: () => store.close() });
  cleanup.push({ name: 'cache', run: () => cache.close() });
  cleanup.push({ name: 'rate limiter', run: () => limiter.close() });
  cleanup.push({ name: 'notifier', run: () => notifier.close() });
  cleanup.push({ name: 'event bus', run: () => bus?.close() });

  try {
    await store.migrate();
    const secret = config.secret ?? (await store.ensureSecret(randomBytes(32).toString('base64url')));
    const polls = new PollDirectory(store, cache, notifier);
    const results = new ResultsReader(store, cache, notifier);
    cleanup.push({ name: 'readers', run: () => (polls.close(), results.close()) });
    const pollService = new PollService(store, polls, notifier, () => Math.floor(Math.random() * ports.shardCount));

    let votes: VoteService | null = null;
    if (runs('api')) {
      votes = new VoteService(store, polls, limiter, notifier, new VoterTokens(secret), {
        groupCommit: config.groupCommit,
        rateLimit: config.rateLimit,
      });
    }

    const hub = runs('realtime') ? new ResultsHub(results, notifier, config.realtime) : null;

    const onWorkerError = (err: unknown) => logger.warn({ err }, 'worker step failed; retrying');
    if (runs('worker') && bus) {
      const scheduler = new Scheduler(store, notifier, config.schedulerIntervalMs, onWorkerError);
      const relay = new OutboxRelay(store, bus, onWorkerError);
      const stopAnalytics = await startAnalyticsConsumer(store, bus);
      // Singletons: one leader per cluster for each, the others stand by.
      const schedulerLead = new Leadership(store, 'scheduler', scheduler, onWorkerError);
      const relayLead = new Leadership(store, 'outbox-relay', relay, onWorkerError);
      schedulerLead.start();
      relayLead.start();
      notifier.subscribe((n) => n.type === 'poll' && scheduler.poke());
      cleanup.push({ name: 'analytics consumer', run: stopAnalytics });
      cleanup.push({ name: 'outbox relay', run: () => relayLead.stop() });
      cleanup.push({ name: 'scheduler', run: () => schedulerLead.stop() });
    }

    const readiness: Readiness = {
      draining: false,
      checks: [{ name: 'store', check: () => store.ping() }],
      requests: new InFlightRequests(),
    };
    const http = await buildHttpServer({ config, polls: pollService, votes, results, hub, store, readiness }, logger);
    cleanup.push({ name: 'vote queue', run: () => votes?.drain() });
    cleanup.push({ name: 'http server', run: () => http.close() });
    // While accepted requests finish, the listener stays open and answers new ones 503 + Retry-After.
    cleanup.push({ name: 'in-flight requests', run: async () => (await votes?.drain(), await readiness.requests.idle()) });
    cleanup.push({ name: 'live streams', run: () => hub?.closeAll('shutdown') });

    const address = await http.listen({ host: config.host, port: config.port });
    const port = (http.server.address() as { port: number }).port;
    const url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
    logger.info({ url, role, store: store.kind, cache: cache.kind, bus: bus?.kind ?? 'none' }, 'pollcast is serving');

    let stopping: Promise<void> | null = null;
    const shutdown = (reason = 'shutdown') => {
      stopping ??= (async () => {
        logger.info({ reason }, 'shutting down: readiness fails, new requests get 503');
        readiness.draining = true;
        const deadline = Date.now() + config.shutdownTimeoutMs;
        await runSteps(cleanup.reverse(), deadline, logger);
        logger.info('shutdown complete');
      })();
      return stopping;
    };
    return { config, logger, ports, http, url, port, shutdown };
  } catch (err) {
    await runSteps(cleanup.reverse(), Date.now() + 5_000, logger);
    throw err;
  }
}

async function runSteps(steps: Array<{ name: string; run: () => Promise<void> | void }>, deadline: number, logger: Logger): Promise<void> {
  for (const step of steps) {
    const left = Math.max(100, deadline - Date.now());
    try {
      await Promise.race([
        Promise.resolve().then(step.run),
        new Promise((_, rej) => setTimeout(() => rej(new Error(`timed out after ${left} ms`)), left).unref()),
      ]);
    } catch (err) {
      logger.warn({ err, step: step.name }, 'shutdown step failed; continuing');
    }
  }
}
