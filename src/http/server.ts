/** Builds the Fastify server for the roles that serve HTTP. */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { Logger } from 'pino';
import { PollcastError } from '../errors.js';
import type { HttpDeps } from './deps.js';
import { errorHandler, sendProblem } from './problem.js';
import { healthRoutes } from './routes/health.js';
import { pollRoutes } from './routes/polls.js';
import { resultsRoutes } from './routes/results.js';
import { voteRoutes } from './routes/votes.js';

export async function buildHttpServer(deps: HttpDeps, logger: Logger): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: logger,
    // No log line per request: at surge rates that would be a line per vote.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    requestTimeout: config.http.requestTimeoutMs,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
  }) as unknown as FastifyInstance;

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => sendProblem(reply, new PollcastError('not_found', `no route for ${req.method} ${req.url.split('?')[0]}`)));

  app.addHook('onRequest', async (req, reply) => {
    if (deps.readiness.draining && req.url !== '/healthz' && req.url !== '/readyz') {
      reply.header('connection', 'close');
      return sendProblem(reply, new PollcastError('shutting_down', undefined, undefined, 1));
    }
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'pollcast', version: '1', description: 'Real-time polls with durable, exactly-once votes and live results.' },
      components: { securitySchemes: { ownerToken: { type: 'http', scheme: 'bearer', description: 'The ownerToken returned when the poll was created' } } },
    },
  });

  const serveApi = config.role === 'all' || config.role === 'api';
  await healthRoutes(app, deps);
  if (serveApi) {
    await pollRoutes(app, deps);
    await voteRoutes(app, deps);
  }
  if (serveApi || config.role === 'realtime') await resultsRoutes(app, deps);

  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return app;
}
