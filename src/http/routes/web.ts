/**
 * The browser app (web/dist, built by `npm run build`). Hashed files under /assets/ are cached for
 * a year (immutable); everything else (HTML, /embed.js) is revalidated on every use. Gzip and
 * brotli copies written by the build are sent to browsers that take them.
 *
 * The app's own addresses (/, /p/*, /e/*, /embed/*, /j, /login, /signup, /account, /reset, /verify, /w/*) answer index.html to browsers (Accept:
 * text/html) and the usual problem+json not_found to API clients; any other address outside /v1/
 * answers a browser with the app's "nothing here" page (404). /j/{code} redirects a join code
 * (a poll id, dashes optional) to the poll's vote page; an event's short code at /j/{code} or
 * /{code} (any case) answers the app, whose join page follows the event.
 */
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { normalizeJoinCode } from '../../domain/event.js';
import { isPollId } from '../../domain/ids.js';
import { PollcastError } from '../../errors.js';
import type { HttpDeps } from '../deps.js';
import { EMBED_PAGE_HEADERS, EMBED_SCRIPT_HEADERS } from '../hardening.js';
import { sendProblem } from '../problem.js';

/** src/http/routes/ and dist/http/routes/ are both three levels below the package root. */
const WEB_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

export async function webRoutes(app: FastifyInstance, _deps: HttpDeps): Promise<void> {
  const topFiles = listTopFiles();
  if (!topFiles?.includes('index.html')) {
    app.log.warn({ dir: WEB_DIST }, 'web app not built (web/dist missing): serving the API only; run `npm run build`');
    return;
  }

  await app.register(fastifyStatic, {
    // Hashed files are looked up when asked for, so a rebuild while the server runs is served too.
    root: WEB_DIST + 'assets',
    prefix: '/assets/',
    index: false,
    preCompressed: true,
    cacheControl: false,
    setHeaders: (res, path) => {
      res.header('cache-control', path.startsWith(WEB_DIST + 'assets/') ? IMMUTABLE : REVALIDATE);
      if (path.endsWith('.html')) res.header('x-content-type-options', 'nosniff');
    },
  });
  // The few unhashed files at the top (index.html, embed.js, favicon.svg): their names never change.
  const hidden = { schema: { hide: true } };
  // /embed.js is loaded by other sites (<script src>) and /embed/* framed by them: their own security headers.
  for (const name of topFiles) app.get('/' + name, name === 'embed.js' ? { ...hidden, config: { securityHeaders: EMBED_SCRIPT_HEADERS } } : hidden, (_req, reply) => reply.sendFile(name, WEB_DIST));

  const wantsHtml = (req: FastifyRequest) => String(req.headers.accept ?? '').includes('text/html');
  const page = (req: FastifyRequest, reply: FastifyReply) => {
    if (!wantsHtml(req)) return sendProblem(reply, new PollcastError('not_found', `${req.url.split('?')[0]} is a page of the web app; ask for text/html`));
    return reply.sendFile('index.html', WEB_DIST);
  };
  for (const path of ['/', '/p/*', '/e/*', '/j', '/login', '/signup', '/account', '/receipt', '/reset', '/verify', '/w/*']) app.get(path, hidden, page);
  // An event's join code at the top level (/{code}): anything that cannot be a code is the 404 page.
  app.get<{ Params: { code: string } }>('/:code', hidden, (req, reply) => {
    if (normalizeJoinCode(req.params.code) !== null) return page(req, reply);
    if (wantsHtml(req)) return reply.code(404).sendFile('index.html', WEB_DIST);
    return sendProblem(reply, new PollcastError('not_found', `no route for GET ${req.url.split('?')[0]}`));
  });
  app.get('/embed/*', { ...hidden, config: { securityHeaders: EMBED_PAGE_HEADERS } }, page);
  // Any other address: a browser gets the app's "nothing here" page (status 404), not JSON.
  app.get('/*', hidden, (req, reply) => {
    if (wantsHtml(req) && !req.url.startsWith('/v1/')) return reply.code(404).sendFile('index.html', WEB_DIST);
    return sendProblem(reply, new PollcastError('not_found', `no route for GET ${req.url.split('?')[0]}`));
  });

  app.get<{ Params: { code: string } }>('/j/:code', hidden, (req, reply) => {
    const id = req.params.code.replace(/[\s\-.]/g, '');
    if (isPollId(id)) return reply.header('cache-control', REVALIDATE).redirect(`/p/${id}`, 302);
    return page(req, reply);
  });
}

/** The unhashed files at the top of web/dist, or null while it is missing (or being rebuilt). */
function listTopFiles(): string[] | null {
  try {
    return readdirSync(WEB_DIST).filter((name) => !/\.(gz|br)$/.test(name) && !name.startsWith('.') && statSync(WEB_DIST + name).isFile());
  } catch {
    return null;
  }
}
