/**
 * Liveness and readiness. /readyz reports each dependency with its status (up, down, or degraded
 * for an optional one) and latency, and fails (503) only while draining or while a required one
 * (the store) is down: a process whose cache or broker is away still serves, in degraded mode.
 * Its `pid` tells which process of a `--processes N` cluster answered.
 */
import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from '../deps.js';

export async function healthRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const r = deps.readiness;
    const checks: Record<string, { status: 'up' | 'down' | 'degraded'; ok: boolean; required: boolean; ms: number; error?: string }> = {};
    const degraded: string[] = [];
    const leaving = r.draining || r.leaving === true;
    let ok = !leaving;
    await Promise.all(
      r.checks.map(async (c) => {
        const required = c.required !== false;
        const t = performance.now();
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([c.check(), new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('timeout')), 1_000)))]);
          checks[c.name] = { status: 'up', ok: true, required, ms: Math.round((performance.now() - t) * 10) / 10 };
        } catch (err) {
          if (required) ok = false;
          else degraded.push(c.name);
          checks[c.name] = { status: required ? 'down' : 'degraded', ok: false, required, ms: Math.round(performance.now() - t), error: (err as Error).message };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const status = leaving ? 'draining' : ok ? 'ready' : 'unready';
    return reply.code(ok ? 200 : 503).send({ status, degraded: degraded.sort(), role: deps.config.role, pid: process.pid, checks });
  });
}
