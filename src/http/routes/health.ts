/** Liveness and readiness. /readyz fails while draining or while a required dependency is down. */
import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.js';

export async function healthRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const r = deps.readiness;
    const checks: Record<string, { ok: boolean; ms: number; error?: string }> = {};
    let ok = !r.draining;
    await Promise.all(
      r.checks.map(async (c) => {
        const t = performance.now();
        try {
          await Promise.race([c.check(), new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), 1_000).unref())]);
          checks[c.name] = { ok: true, ms: Math.round((performance.now() - t) * 10) / 10 };
        } catch (err) {
          ok = false;
          checks[c.name] = { ok: false, ms: Math.round(performance.now() - t), error: (err as Error).message };
        }
      }),
    );
    return reply.code(ok ? 200 : 503).send({ status: r.draining ? 'draining' : ok ? 'ready' : 'unready', role: deps.config.role, checks });
  });
}
