/**
 * Account e-mail: password reset (request, confirm), address verification (confirm, send again).
 * A reset request is answered 202 whatever the address, so it reveals nothing. With e-mail off the
 * requests are answered `email_disabled` (409).
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { PASSWORD_MAX } from '../../core/passwords.js';
import { principalOf } from '../caller.js';
import type { HttpDeps } from '../deps.js';
import { limitOrThrow } from '../rate-guard.js';
import { Problem } from '../schemas.js';

const strict = { additionalProperties: false } as const;
const Token = Type.String({ minLength: 1, maxLength: 1_000 });
const ResetRequest = Type.Object(
  { email: Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' }) },
  strict,
);
const ResetConfirm = Type.Object(
  { token: Token, password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX }) },
  strict,
);
const VerifyBody = Type.Object({ token: Token }, strict);
const problems = { 400: Problem, 401: Problem, 403: Problem, 409: Problem, 410: Problem, 422: Problem, 429: Problem };

export async function accountMailRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const mail = deps.mail;
  const auth = deps.auth ?? null;
  if (!mail) return;
  const { writesPerMinute, loginPerMinute } = deps.config.rateLimit;

  app.post<{ Body: Static<typeof ResetRequest> }>(
    '/v1/auth/password-reset',
    {
      schema: {
        summary: 'Ask for a password reset link by e-mail',
        description:
          'Answered 202 whether or not an account has this address. The link works once, for an hour. 409 email_disabled when the server sends no e-mail.',
        tags: ['accounts'],
        body: ResetRequest,
        response: { 202: Type.Null(), ...problems },
      },
    },
    async (req, reply) => {
      await limitOrThrow(deps.limiter, reply, 'reset:' + req.body.email.trim().toLowerCase(), loginPerMinute);
      await limitOrThrow(deps.limiter, reply, 'writes:' + req.ip, writesPerMinute);
      await mail.requestPasswordReset(req.body.email);
      return reply.code(202).send();
    },
  );

  app.post<{ Body: Static<typeof ResetConfirm> }>(
    '/v1/auth/password-reset/confirm',
    {
      schema: {
        summary: 'Set a new password with the token of a reset link; ends every session of the account',
        tags: ['accounts'],
        body: ResetConfirm,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async (req, reply) => {
      await limitOrThrow(deps.limiter, reply, 'loginip:' + req.ip, loginPerMinute * 5);
      await mail.resetPassword(req.body.token, req.body.password);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: Static<typeof VerifyBody> }>(
    '/v1/auth/verify-email',
    {
      schema: {
        summary: 'Confirm an e-mail address with the token of a verification link',
        tags: ['accounts'],
        body: VerifyBody,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async (req, reply) => {
      await limitOrThrow(deps.limiter, reply, 'loginip:' + req.ip, loginPerMinute * 5);
      await mail.verifyEmail(req.body.token);
      return reply.code(204).send();
    },
  );

  app.post(
    '/v1/me/email-verification',
    {
      schema: {
        summary: 'Send the verification e-mail again (nothing if the address is confirmed)',
        tags: ['accounts'],
        response: { 202: Type.Null(), ...problems },
      },
    },
    async (req, reply) => {
      await limitOrThrow(deps.limiter, reply, 'writes:' + req.ip, writesPerMinute);
      await mail.resendVerification(await principalOf(req, auth));
      return reply.code(202).send();
    },
  );
}
