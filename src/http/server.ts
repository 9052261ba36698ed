/** Builds the Fastify server for the roles that serve HTTP. */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { Logger } from 'pino';
import { PollcastError } from '../errors.js';
import type { HttpDeps } from './deps.js';
import { parseJsonBody } from './json-body.js';
import { errorHandler, sendProblem, toPollcastError } from './problem.js';
import { httpServerOptions, registerHardening } from './hardening.js';
import { HEALTH_PATHS, inHealthReserve, limitConnections } from './address-limits.js';
import { OverloadGuard } from './overload-guard.js';
import { healthRoutes } from './routes/health.js';
import { exportRoutes } from './routes/exports.js';
import { pollRoutes } from './routes/polls.js';
import { receiptRoutes } from './routes/receipts.js';
import { webhookRoutes } from './routes/webhooks.js';
import { webhookDeliveryRoutes } from './routes/webhook-deliveries.js';
import { accountMailRoutes } from './routes/account-mail.js';
import { accountRoutes } from './routes/accounts.js';
import { workspaceRoutes } from './routes/workspaces.js';
import { rejectUnexpectedBodies } from './strict-bodies.js';
import { resultsRoutes } from './routes/results.js';
import { LiveStreams } from './live-stream.js';
import { eventRoutes, eventStreamRoutes } from './routes/events.js';
import { audienceQaRoutes } from './routes/audience-qa.js';
import { voteRoutes } from './routes/votes.js';
import { textAnswerRoutes } from './routes/text-answers.js';
import { quizRoutes } from './routes/quiz.js';
import { webRoutes } from './routes/web.js';
import { metricsRoute, observeHttp } from './http-observability.js';
import { noopMetrics } from '../ports/metrics.js';
import { noopTracing } from '../ports/tracing.js';
import { requestIdGenerator } from './request-id.js';
import { lazyChildLogger } from './request-logger.js';

export async function buildHttpServer(deps: HttpDeps, logger: Logger): Promise<FastifyInstance> {
  const { config } = deps;
  // Refuses new requests with 503 while overloaded, in the server's request listener, before Fastify.
  const overload = new OverloadGuard(config, deps.metrics ?? noopMetrics, logger);
  // Fastify's own logger type, so the instance is a plain FastifyInstance (no cast): pino's Logger is one.
  const fastifyLogger: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance: fastifyLogger,
    // No log line per request: at surge rates that would be a line per vote.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdGenerator(),
    // The per-request child logger is made only when the request writes a line.
    childLoggerFactory: lazyChildLogger,
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy.length > 0 ? [...config.http.trustProxy] : false,
    requestTimeout: config.http.requestTimeoutMs,
    // Headers timeout, keep-alive timeout, problem+json for client errors (slow and hostile clients).
    ...httpServerOptions(config),
    serverFactory: overload.serverFactory(),
    return503OnClosing: true,
    // Shutdown closes the server only after every accepted request was answered (app.ts), so the
    // connections left are idle or have sent nothing yet: close them all rather than wait for them.
    forceCloseConnections: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
    // Errors the router raises before any route runs (a bad %-escape, an overlong id) are problems too.
    frameworkErrors: (err, _req, reply) => {
      void sendProblem(reply, toPollcastError(err));
    },
  });

  // JSON only: a text/plain (or any other) body is 415, not a string handed to the schema.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => sendProblem(reply, new PollcastError('not_found', `no route for ${req.method} ${req.url.split('?')[0]}`)));

  // Callback style: an async hook costs a promise per request, and this one runs on every vote.
  app.addHook('onRequest', (req, reply, done) => {
    deps.readiness.requests.track(reply.raw);
    if (deps.readiness.draining && req.url !== '/healthz' && req.url !== '/readyz' && req.url !== '/metrics') {
      reply.header('connection', 'close');
      void sendProblem(reply, new PollcastError('shutting_down', undefined, undefined, 1));
      return;
    }
    // A connection in the last slots of HTTP_MAX_CONNECTIONS: health and metrics only, then closed.
    if (inHealthReserve(req.raw.socket)) {
      reply.header('connection', 'close');
      const q = req.url.indexOf('?');
      if (!HEALTH_PATHS.has(q < 0 ? req.url : req.url.slice(0, q))) {
        void sendProblem(reply, new PollcastError('too_many_connections', undefined, undefined, 1 + Math.floor(Math.random() * 5)));
        return;
      }
    }
    done();
  });
  // Security headers, CORS; the connection caps (global, per address, the health reserve); the overload guard's measurements.
  await registerHardening(app, config);
  limitConnections(app.server, config, logger);
  const votes = deps.votes;
  await overload.attach(app, votes ? () => votes.queueDepth : null);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'pollcast', version: '1', description: 'Real-time polls with durable, exactly-once votes and live results.' },
      components: {
        securitySchemes: {
          ownerToken: { type: 'http', scheme: 'bearer', description: 'The ownerToken returned when a quick poll was created' },
          apiKey: { type: 'http', scheme: 'bearer', description: 'A workspace API key (pk_…), scoped polls:read, polls:write and/or votes:write' },
          session: { type: 'apiKey', in: 'cookie', name: 'pollcast_session', description: 'Browser session from /v1/auth/login; state-changing requests also send X-CSRF-Token' },
        },
      },
    },
  });

  const serveApi = config.role === 'all' || config.role === 'api';
  // Before the routes, so every route is measured (and traced, when tracing is on).
  observeHttp(app, deps.metrics ?? noopMetrics, deps.tracing ?? noopTracing);
  rejectUnexpectedBodies(app);
  if (deps.metrics && deps.config.observability.metricsPort === null) metricsRoute(app, deps.metrics, deps.config.observability.metricsToken);
  await healthRoutes(app, deps);
  if (serveApi) {
    await pollRoutes(app, deps);
    await exportRoutes(app, deps);
    await receiptRoutes(app, deps);
    await voteRoutes(app, deps);
    await accountRoutes(app, deps);
    await workspaceRoutes(app, deps);
    await webhookRoutes(app, deps);
    await webhookDeliveryRoutes(app, deps);
    await accountMailRoutes(app, deps);
    await eventRoutes(app, deps);
    await textAnswerRoutes(app, deps);
    await quizRoutes(app, deps);
    await audienceQaRoutes(app, deps);
  }
  if (serveApi || config.role === 'realtime') {
    // One count of open streams per client address for every stream route of this process.
    const streams = new LiveStreams(config.http.maxStreamsPerAddress);
    await resultsRoutes(app, deps, streams);
    await eventStreamRoutes(app, deps, streams);
  }
  if (serveApi) await webRoutes(app, deps);

  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return app;
}
