/**
 * Unknown fields are rejected everywhere, including on routes that take no body at all (close,
 * delete, logout …): a body sent to them is 400 `unknown_field`, never silently ignored, so no
 * client can believe it set something the route does not read (mass assignment, OWASP API3).
 */
import type { FastifyInstance } from 'fastify';
import { PollcastError } from '../errors.js';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function rejectUnexpectedBodies(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => WITH_BODY.has(m)) || (route.schema as { body?: unknown } | undefined)?.body !== undefined) return;
    const guard = async (req: { body?: unknown }) => {
      const b = req.body;
      if (b === undefined || b === null) return;
      if (typeof b === 'object' && !Array.isArray(b) && Object.keys(b).length === 0) return;
      const field = typeof b === 'object' && !Array.isArray(b) ? Object.keys(b)[0] : undefined;
      throw new PollcastError('unknown_field', 'this route takes no body', field === undefined ? undefined : { field });
    };
    const existing = route.preValidation;
    route.preValidation = existing === undefined ? guard : [...(Array.isArray(existing) ? existing : [existing]), guard];
  });
}
