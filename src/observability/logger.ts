/**
 * The process logger: pino JSON lines, level from LOG_LEVEL. Request-scoped lines come from
 * Fastify's per-request child (`reqId`, plus `trace_id`/`span_id` when tracing is on, see
 * http-observability.ts).
 *
 * Secrets never reach a line: values under the keys in SECRET_KEYS are censored at any depth up
 * to four levels (headers, bodies, errors' fields), credentials inside URLs (`//user:pass@`) and
 * token query parameters are masked in messages, stacks and request URLs.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config.js';

/** Field names whose values are secrets (HTTP headers are lower case; body fields camelCase). */
export const SECRET_KEYS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-voter-token',
  'x-api-key',
  'x-csrf-token',
  'ownerToken',
  'voterToken',
  'token',
  'accessToken',
  'refreshToken',
  'password',
  'currentPassword',
  'newPassword',
  'passwordHash',
  'csrfToken',
  'inviteCode',
  'key',
  'keyHash',
  'secret',
  'apiKey',
  'privateKey',
];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const k of SECRET_KEYS) {
    const seg = /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `["${k}"]`;
    paths.push(seg.startsWith('.') ? k : seg, `*${seg}`, `*.*${seg}`, `*.*.*${seg}`);
  }
  return paths;
}

const URL_CREDENTIALS = /(\/\/)[^/\s:@]*:[^@\s/]+@/g;
const SECRET_QUERY = /([?&](?:ownerToken|voterToken|inviteCode|token|access_token|apiKey|api_key|key|secret|password)=)[^&#\s"]*/gi;

/** Masks credentials in URLs and secret query parameters inside free text. */
export function scrubText(s: string): string {
  return s.replace(URL_CREDENTIALS, '$1[redacted]@').replace(SECRET_QUERY, '$1[redacted]');
}

interface RequestLike {
  method?: string;
  url?: string;
  routeOptions?: { url?: string };
  ip?: string;
  headers?: Record<string, unknown>;
}

const serializers = {
  err(err: Error) {
    const out = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
    if (typeof out.message === 'string') out.message = scrubText(out.message);
    if (typeof out.stack === 'string') out.stack = scrubText(out.stack);
    return out;
  },
  req(req: RequestLike) {
    return {
      method: req.method,
      url: typeof req.url === 'string' ? scrubText(req.url) : undefined,
      route: req.routeOptions?.url,
      ip: req.ip,
      // Copied, so the redaction censors the copy and never the live request's headers.
      headers: req.headers ? { ...req.headers } : undefined,
    };
  },
};

export function createLogger(config: Pick<Config, 'logLevel' | 'role'>, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    base: { service: 'pollcast', role: config.role },
    redact: { paths: redactPaths(), censor: '[redacted]' },
    serializers,
    hooks: {
      // A message string may quote a URL with credentials (a driver's error, an operator's note).
      logMethod(args, method) {
        for (let i = 0; i < args.length; i++) if (typeof args[i] === 'string') args[i] = scrubText(args[i] as string);
        method.apply(this, args as Parameters<typeof method>);
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
