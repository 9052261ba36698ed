/** Sign up, log in, log out, the current user, password change. Sessions live in an HttpOnly cookie. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { NewSession } from '../../core/account-service.js';
import { PASSWORD_MAX } from '../../core/passwords.js';
import { principalOf } from '../caller.js';
import type { HttpDeps } from '../deps.js';
import { limitOrThrow } from '../rate-guard.js';
import { clearSessionCookie, isSecure, sessionCookie } from '../request-context.js';
import { Problem } from '../schemas.js';

const strict = { additionalProperties: false } as const;
const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' });
const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX });
const SignupBody = Type.Object({ email: Email, password: Password, name: Type.Optional(Type.String({ maxLength: 100 })) }, strict);
const LoginBody = Type.Object({ email: Type.String({ minLength: 1, maxLength: 254 }), password: Password }, strict);
const PasswordBody = Type.Object({ currentPassword: Password, newPassword: Password }, strict);
const UserView = Type.Object({ id: Type.String(), email: Type.String(), name: Type.String(), createdAt: Type.String() });
const SessionAnswer = Type.Object({ user: UserView, csrfToken: Type.String(), expiresAt: Type.String() });
const WorkspaceView = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Type.String(), role: Type.String() });
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem, 429: Problem };

export async function accountRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const accounts = deps.accounts;
  const auth = deps.auth ?? null;
  if (!accounts) return;
  const { writesPerMinute, loginPerMinute } = deps.config.rateLimit;
  const secureSetting = deps.config.http.cookieSecure;

  const startSession = (req: FastifyRequest, reply: FastifyReply, s: NewSession) => {
    reply.header('set-cookie', sessionCookie(s.secret, Math.floor((s.expiresAt - Date.now()) / 1000), isSecure(req, secureSetting)));
    reply.header('cache-control', 'no-store');
    return { user: s.user, csrfToken: s.csrfToken, expiresAt: new Date(s.expiresAt).toISOString() };
  };

  app.post<{ Body: Static<typeof SignupBody> }>(
    '/v1/auth/signup',
    { schema: { summary: 'Create an account (and a personal workspace); starts a session', tags: ['accounts'], body: SignupBody, response: { 201: SessionAnswer, ...problems } } },
    async (req, reply) => {
      await limitOrThrow(deps.limiter, reply, 'writes:' + req.ip, writesPerMinute);
      const s = await accounts.signup(req.body);
      reply.code(201);
      return startSession(req, reply, s);
    },
  );

  app.post<{ Body: Static<typeof LoginBody> }>(
    '/v1/auth/login',
    { schema: { summary: 'Log in; sets the session cookie and returns the CSRF token', tags: ['accounts'], body: LoginBody, response: { 200: SessionAnswer, ...problems } } },
    async (req, reply) => {
      // Per email (guessing one account's password) and per address (trying many accounts).
      await limitOrThrow(deps.limiter, reply, 'login:' + req.body.email.trim().toLowerCase(), loginPerMinute);
      await limitOrThrow(deps.limiter, reply, 'loginip:' + req.ip, loginPerMinute * 5);
      return startSession(req, reply, await accounts.login(req.body));
    },
  );

  app.post(
    '/v1/auth/logout',
    { schema: { summary: 'End this session (needs X-CSRF-Token)', tags: ['accounts'], response: { 204: Type.Null(), ...problems } } },
    async (req, reply) => {
      await accounts.logout(await principalOf(req, auth));
      return reply.code(204).header('set-cookie', clearSessionCookie(isSecure(req, secureSetting))).send();
    },
  );

  app.get(
    '/v1/me',
    {
      schema: {
        summary: 'The logged-in user, their workspaces, and the CSRF token for this session',
        tags: ['accounts'],
        response: {
          200: Type.Object({ user: UserView, csrfToken: Type.String(), emailVerified: Type.Boolean({ description: 'the address was confirmed with the link of the verification e-mail' }), workspaces: Type.Array(WorkspaceView) }),
          ...problems,
        },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return accounts.me(await principalOf(req, auth));
    },
  );

  app.post<{ Body: Static<typeof PasswordBody> }>(
    '/v1/me/password',
    { schema: { summary: 'Change the password; ends every other session', tags: ['accounts'], body: PasswordBody, response: { 204: Type.Null(), ...problems } } },
    async (req, reply) => {
      await limitOrThrow(deps.limiter, reply, 'loginip:' + req.ip, loginPerMinute * 5);
      await accounts.changePassword(await principalOf(req, auth), req.body.currentPassword, req.body.newPassword);
      return reply.code(204).send();
    },
  );
}
