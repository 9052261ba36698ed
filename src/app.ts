/**
 * The composition root: builds the ports from config, composes the services each role needs,
 * starts them, and shuts them down in order. Roles are compositions, not separate programs.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createAccountStore, createAudienceQaStore, createDeliveryStore, createEventStore, createMailer, createPorts, createTieredCaches, createWebhookSender, type Ports } from './adapters/create.js';
import { AccountMail } from './core/account-mail.js';
import { DeliveryFanout } from './core/delivery/delivery-fanout.js';
import { DeliveryWorker } from './core/delivery/delivery-worker.js';
import { EmailChannel } from './core/delivery/email-channel.js';
import { WebhookChannel } from './core/delivery/webhook-channel.js';
import { startDeliveryConsumer } from './worker/delivery-consumer.js';
import { PollAccess } from './core/access.js';
import { AccountService } from './core/account-service.js';
import { Authenticator } from './core/authenticator.js';
import { InviteCodes } from './domain/invite-codes.js';
import { ProofOfWork } from './domain/proof-of-work.js';
import type { Config } from './config.js';
import { PollDirectory } from './core/poll-directory.js';
import { PollService } from './core/poll-service.js';
import { RequestLimits } from './core/request-limits.js';
import { EventService } from './core/event-service.js';
import { TextAnswerService } from './core/text-answer-service.js';
import { QuizService } from './core/quiz-service.js';
import { AudienceQaService } from './core/audience-qa-service.js';
import { ResultsReader } from './core/results-reader.js';
import { VoteService } from './core/vote-service.js';
import { VoterTokens } from './domain/voter-token.js';
import type { Readiness } from './http/deps.js';
import { InFlightRequests } from './http/in-flight.js';
import { buildHttpServer } from './http/server.js';
import { createObservability, type Observability } from './observability/create-observability.js';
import { hubObserver } from './observability/hub-observer.js';
import { createLogger } from './observability/logger.js';
import type { ScrapableMetrics } from './ports/metrics.js';
import type { AudienceQaStore } from './ports/audience-qa-store.js';
import { startMetricsServer } from './observability/metrics-server.js';
import { observeEventBus } from './observability/observed-event-bus.js';
import { traceStore } from './observability/traced-store.js';
import type { Tracing } from './ports/tracing.js';
import { LiveHub, ResultsHub } from './realtime/results-hub.js';
import { EventStreamSource } from './realtime/event-source.js';
import { startAnalyticsConsumer } from './worker/analytics-consumer.js';
import { Leadership } from './worker/leader.js';
import { OutboxRelay } from './worker/outbox-relay.js';
import { Scheduler } from './worker/scheduler.js';
import { CONSUMER_GROUPS } from './worker/consumer-groups.js';
import { startCommitmentConsumer } from './worker/commitment-consumer.js';
import { httpVoteAnswersWith } from './http/vote-answers.js';
import { ReceiptKeys } from './domain/receipt-key.js';
import { ReceiptService } from './core/receipt-service.js';
import { WebhookService } from './core/webhook-service.js';
import { allowList } from './domain/network-address.js';

export interface RunningApp {
  readonly config: Readonly<Config>;
  readonly logger: Logger;
  readonly ports: Ports;
  /** The audience Q&A store (checks count its rows against its counts). */
  readonly qaStore: AudienceQaStore;
  readonly http: FastifyInstance;
  /** The address the HTTP server listens on, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly port: number;
  readonly metrics: ScrapableMetrics;
  readonly tracing: Tracing;
  /** Where Prometheus scrapes this process: `<url>/metrics`, or the METRICS_PORT listener's. */
  readonly metricsUrl: string;
  /** Ordered, idempotent shutdown; every step runs even if one fails. */
  shutdown(reason?: string): Promise<void>;
}

export { createLogger };

/** `opts.prefix` overrides `config.prefix` (POLLCAST_PREFIX); `opts.observability` replaces the facades built from config. */
export async function startApp(config: Readonly<Config>, opts: { logger?: Logger; prefix?: string; observability?: Observability } = {}): Promise<RunningApp> {
  const logger = opts.logger ?? createLogger(config);
  const { metrics, tracing } = opts.observability ?? (await createObservability(config));
  const role = config.role;
  const runs = (r: 'api' | 'realtime' | 'worker') => role === 'all' || role === r;
  // Registered first, so run last: spans ended by every other step are still exported.
  const cleanup: Array<{ name: string; run: () => Promise<void> | void }> = [{ name: 'tracing', run: () => tracing.shutdown() }];

  const ports = await createPorts(config, opts.prefix ?? config.prefix, CONSUMER_GROUPS).catch(async (err: unknown) => {
    await tracing.shutdown();
    throw err;
  });
  const { cache, notifier, limiter } = ports;
  const store = tracing.enabled ? traceStore(ports.store, tracing) : ports.store;
  const bus = ports.bus && observeEventBus(ports.bus, metrics, tracing);
  // Registered first, so closed last (reverse order).
  cleanup.push({ name: 'store', run: () => store.close() });
  cleanup.push({ name: 'cache', run: () => cache.close() });
  cleanup.push({ name: 'rate limiter', run: () => limiter.close() });
  cleanup.push({ name: 'notifier', run: () => notifier.close() });
  cleanup.push({ name: 'event bus', run: () => bus?.close() });

  try {
    await store.migrate();
    const accountStore = await createAccountStore(config.store);
    cleanup.push({ name: 'account store', run: () => accountStore.close() });
    await accountStore.migrate();
    const secret = config.secret ?? (await store.ensureSecret(randomBytes(32).toString('base64url')));
    const tiers = createTieredCaches(cache);
    const polls = new PollDirectory(store, tiers.polls, notifier, undefined, metrics);
    const results = new ResultsReader(store, tiers.results, notifier, undefined, metrics);
    cleanup.push({ name: 'readers', run: () => (polls.close(), results.close()) });
    const deliveryStore = await createDeliveryStore(config.store);
    cleanup.push({ name: 'delivery store', run: () => deliveryStore.close() });
    await deliveryStore.migrate();
    // Set when this process runs the delivery worker: new or replayed deliveries wake it.
    let pokeDeliveries = () => {};
    const auth = new Authenticator(accountStore, config.auth.cacheTtlMs);
    const accounts = new AccountService(accountStore, auth, config.auth.sessionTtlMs);
    const mail = new AccountMail(accountStore, deliveryStore, auth, secret, { enabled: config.email.kind === 'smtp', onEnqueued: () => pokeDeliveries() });
    accounts.useMail(mail);
    const access = new PollAccess((w, u) => auth.role(w, u));
    const invites = new InviteCodes(secret);
    const pow = new ProofOfWork(secret);
    const receiptKeys = new ReceiptKeys(secret);
    const receipts = new ReceiptService(store, receiptKeys);
    const webhooks = new WebhookService(accounts, accountStore, config.webhooks.allowedNetworks.length > 0 ? allowList(config.webhooks.allowedNetworks) : null, deliveryStore, () => pokeDeliveries());
    const pollService = new PollService(store, polls, notifier, () => Math.floor(Math.random() * ports.shardCount), access, { service: accounts, store: accountStore }, invites);

    let votes: VoteService | null = null;
    if (runs('api')) {
      votes = new VoteService(store, polls, limiter, notifier, new VoterTokens(secret), {
        groupCommit: config.groupCommit,
        rateLimit: config.rateLimit,
        answers: httpVoteAnswersWith(receiptKeys),
        invites,
        pow,
        access,
        onBatch: (size, ms, ok) => metrics.batchCommitted(size, ms, ok),
        metrics,
        tracing,
      });
    }

    const hub = runs('realtime') ? new ResultsHub(results, notifier, config.realtime, hubObserver(metrics, tracing)) : null;
    const eventStore = await createEventStore(config.store);
    cleanup.push({ name: 'event store', run: () => eventStore.close() });
    await eventStore.migrate();
    const qaStore = await createAudienceQaStore(config.store);
    cleanup.push({ name: 'audience Q&A store', run: () => qaStore.close() });
    await qaStore.migrate();
    let qaService: AudienceQaService | null = null;
    const events = new EventService(eventStore, pollService, polls, notifier, (id) => qaService?.deleteEvent(id) ?? Promise.resolve(), (p, w, want) => accounts.workspace(p, w, want));
    const qa = new AudienceQaService(
      qaStore,
      events,
      limiter,
      notifier,
      new VoterTokens(secret),
      { ...config.qa, failuresPerMinute: config.rateLimit.failuresPerMinute },
      config.groupCommit,
    );
    qaService = qa;
    const textAnswers = new TextAnswerService(store, pollService, notifier);
    const quiz = new QuizService(eventStore, polls, store, new VoterTokens(secret));
    const eventHub = runs('realtime')
      ? new LiveHub(
          new EventStreamSource({ event: (id) => events.find(id), poll: (id) => polls.get(id), results: (id, o) => results.get(id, o), qa: (ev) => qa.live(ev) }),
          notifier,
          config.realtime,
        )
      : null;
    const api = votes;
    metrics.readFrom({
      dbPool: () => store.poolStats?.() ?? null,
      ...(api ? { voteQueue: () => api.queueDepth } : {}),
      ...(hub ? { sseConnections: () => hub.viewerCount + (eventHub?.viewerCount ?? 0) } : {}),
    });

    const onWorkerError = (err: unknown) => logger.warn({ err }, 'worker step failed; retrying');
    if (runs('worker') && bus) {
      const scheduler = new Scheduler(store, notifier, config.schedulerIntervalMs, onWorkerError);
      const relay = new OutboxRelay(store, bus, onWorkerError);
      let applied = 0;
      const crashAfter = config.faultCrashAfterApply;
      const afterApply =
        crashAfter > 0
          ? () => {
              if (++applied < crashAfter) return;
              logger.warn({ applied }, 'POLLCAST_FAULT_CRASH_AFTER_APPLY: killing this process between apply and ack');
              process.kill(process.pid, 'SIGKILL');
            }
          : undefined;
      const stopAnalytics = await startAnalyticsConsumer(store, bus, afterApply);
      // Webhooks and e-mail: one delivery worker per worker process (claims are leased, so several share the queue).
      const mailer = await createMailer(config.email);
      if (mailer) cleanup.push({ name: 'mailer', run: () => mailer.close() });
      const channels = {
        webhook: new WebhookChannel(accountStore, await createWebhookSender(config.webhooks)),
        ...(mailer && config.email.kind === 'smtp' ? { email: new EmailChannel({ mailer, links: mail.links, accounts: accountStore, polls: store, publicUrl: config.email.publicUrl }) } : {}),
      };
      const d = config.deliveries;
      const deliveryWorker = new DeliveryWorker(deliveryStore, channels, metrics, onWorkerError, {
        policy: { baseMs: d.retryBaseMs, maxDelayMs: d.retryMaxDelayMs, maxAttempts: d.maxAttempts },
        leaseMs: Math.max(60_000, 3 * config.webhooks.timeoutMs),
      });
      deliveryWorker.start();
      pokeDeliveries = () => deliveryWorker.poke();
      const fanout = new DeliveryFanout(
        store,
        accountStore,
        deliveryStore,
        { closeSummaries: config.email.kind === 'smtp' && config.email.closeSummaries, onEnqueued: pokeDeliveries },
        // Totals through the cached results reader: one read per vote batch must not reach the store.
        async (id, fresh) => (await results.get(id, { fresh }))?.total ?? null,
      );
      const stopDeliveries = await startDeliveryConsumer(fanout, bus);
      cleanup.push({ name: 'delivery worker', run: () => deliveryWorker.stop() });
      cleanup.push({ name: 'delivery consumer', run: stopDeliveries });
      metrics.readFrom({ deliveries: () => deliveryStore.backlog(Date.now()) });
      const stopCommitments = await startCommitmentConsumer(bus, (pollId) => receipts.seal(pollId));
      // Singletons: one leader per cluster for each, the others stand by.
      const schedulerLead = new Leadership(store, 'scheduler', scheduler, onWorkerError);
      const relayLead = new Leadership(store, 'outbox-relay', relay, onWorkerError);
      schedulerLead.start();
      relayLead.start();
      notifier.subscribe((n) => n.type === 'poll' && scheduler.poke());
      cleanup.push({ name: 'analytics consumer', run: stopAnalytics });
      cleanup.push({ name: 'commitment consumer', run: stopCommitments });
      cleanup.push({ name: 'outbox relay', run: () => relayLead.stop() });
      cleanup.push({ name: 'scheduler', run: () => schedulerLead.stop() });
      const events = bus;
      metrics.readFrom({
        outbox: async () => {
          const [backlog, oldest] = await Promise.all([store.outboxBacklog(), store.readOutbox(1)]);
          return { backlog, oldestAgeMs: oldest[0] ? Math.max(0, Date.now() - oldest[0].at) : 0 };
        },
        ...(events.backlog ? { consumers: () => Promise.all(CONSUMER_GROUPS.map(async (group) => ({ group, backlog: await events.backlog!(group) }))) } : {}),
      });
    }

    const readiness: Readiness = {
      draining: false,
      checks: [
        { name: 'store', check: () => store.ping() },
        // Without the cache or the broker this process still serves: reported, never fatal.
        ...(cache.ping ? [{ name: 'cache', check: () => cache.ping!(), required: false }] : []),
        ...(bus ? [{ name: 'broker', check: () => bus.ping(), required: false }] : []),
      ],
      requests: new InFlightRequests(),
    };
    const metricsServer = config.observability.metricsPort === null ? null : await startMetricsServer(metrics, config.host, config.observability.metricsPort, config.observability.metricsToken);
    if (metricsServer) cleanup.push({ name: 'metrics listener', run: () => metricsServer.close() });
    const http = await buildHttpServer(
      { config, polls: pollService, votes, results, hub, events, eventHub, qa, textAnswers, quiz, readiness, metrics, tracing, auth, accounts, pow, limiter: new RequestLimits(limiter), receipts, webhooks, mail },
      logger,
    );
    cleanup.push({ name: 'vote queue', run: () => votes?.drain() });
    cleanup.push({ name: 'upvote queue', run: () => qa.drain() });
    cleanup.push({ name: 'http server', run: () => http.close() });
    // While accepted requests finish, the listener stays open and answers new ones 503 + Retry-After.
    cleanup.push({ name: 'in-flight requests', run: async () => (await votes?.drain(), await readiness.requests.idle()) });
    cleanup.push({ name: 'live streams', run: () => (hub?.closeAll('shutdown'), eventHub?.closeAll('shutdown')) });

    // A surge of clients connecting at once waits in the accept queue instead of having its SYNs
    // dropped and retried (docs/operations.md, "Connections").
    const address = await http.listen({ host: config.host, port: config.port, backlog: config.http.listenBacklog });
    const port = (http.server.address() as { port: number }).port;
    const url = address.replace('0.0.0.0', '127.0.0.1').replace('[::]', '127.0.0.1');
    const metricsUrl = `${metricsServer?.url ?? url}/metrics`;
    logger.info({ url, role, store: store.kind, cache: cache.kind, bus: bus?.kind ?? 'none', metrics: metricsUrl, tracing: config.observability.otlpEndpoint ?? 'off' }, 'pollcast is serving');

    let stopping: Promise<void> | null = null;
    const shutdown = (reason = 'shutdown') => {
      stopping ??= (async () => {
        const deadline = Date.now() + config.shutdownDelayMs + config.shutdownTimeoutMs;
        if (config.shutdownDelayMs > 0) {
          // Load balancers see /readyz fail and stop routing here before anything is refused.
          logger.info({ reason, delayMs: config.shutdownDelayMs }, 'shutting down: readiness fails, still serving during the delay');
          readiness.leaving = true;
          await new Promise((r) => setTimeout(r, config.shutdownDelayMs));
        }
        logger.info({ reason }, 'shutting down: readiness fails, new requests get 503');
        readiness.draining = true;
        await runSteps(cleanup.reverse(), deadline, logger);
        logger.info('shutdown complete');
      })();
      return stopping;
    };
    return { config, logger, ports, qaStore, http, url, port, metrics, tracing, metricsUrl, shutdown };
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
