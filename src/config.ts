/**
 * Configuration: environment + CLI flags → one typed, validated, frozen object.
 * Every problem is reported at once, by variable name. Nothing reads process.env after this.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { z } from 'zod';

export const ROLES = ['all', 'api', 'realtime', 'worker'] as const;
export type Role = (typeof ROLES)[number];

export type StoreConfig =
  | { kind: 'embedded'; dataDir: string; sync: 'full' | 'normal' }
  | {
      kind: 'postgres';
      url: string;
      replicaUrls: string[];
      shardUrls: string[];
      poolSize: number;
      /** Bounds on opening (or waiting for) a connection and on one statement; derived from REQUEST_TIMEOUT_MS. */
      connectTimeoutMs?: number;
      queryTimeoutMs?: number;
    };
/** redis `commandTimeoutMs`: a command unanswered this long counts as Redis being down (the cache misses, limits fall back to per-process). */
export type CacheConfig = { kind: 'memory' } | { kind: 'redis'; url: string; commandTimeoutMs: number };
/**
 * nats `replicas`: copies of the event stream on a NATS cluster (every process must agree: each start applies it).
 * amqp `deliveryLimit`: `x-delivery-limit` of the group queues (unset: the server's default; every process must agree).
 */
/**
 * E-mail: off (SMTP_URL unset: nothing is sent, the features that need it say so) or SMTP.
 * `publicUrl`: where the links in messages point (the web app's origin, no trailing slash).
 */
export type EmailConfig = { kind: 'off' } | { kind: 'smtp'; url: string; from: string; publicUrl: string; closeSummaries: boolean };
export type BusConfig = { kind: 'memory' } | { kind: 'nats'; url: string; replicas?: number } | { kind: 'amqp'; url: string; deliveryLimit?: number };

export interface Config extends PlainConfig {
  store: StoreConfig;
  cache: CacheConfig;
  bus: BusConfig;
  email: EmailConfig;
  /**
   * Addresses/CIDRs (or proxy-addr names: loopback, linklocal, uniquelocal) of the proxies whose
   * X-Forwarded-For is believed; empty: the socket's peer is the client.
   */
  http: { bodyLimitBytes: number; requestTimeoutMs: number; cookieSecure: boolean | 'auto'; trustProxy: string[] } & HttpLimits;
  /** Thresholds past which new requests get 503 `overloaded` (src/http/overload-guard.ts); 0 turns one off. */
  overload: OverloadConfig;
  /** Processes of this role on this machine (node:cluster when > 1; needs the distributed backends). */
  processes: number;
  observability: ObservabilityConfig;
}

/** Bounds on slow or hostile clients (src/http/hardening.ts). */
export interface HttpLimits {
  /** The request line and headers must arrive within this (slowloris); ≤ requestTimeoutMs. */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Open connections beyond this are refused at accept (server.maxConnections); 0: no cap. */
  maxConnections: number;
  /**
   * The last this-many of maxConnections serve only /healthz, /readyz and /metrics (then close), so
   * a load balancer and Prometheus still get answers when the cap is reached; 0 when there is no cap.
   */
  healthReserveConnections: number;
  /**
   * Open connections from one peer address (an IPv6 /64 counts as one) beyond this are closed at
   * accept; peers in TRUST_PROXY are exempt (the proxy limits per source). 0: no per-address cap.
   */
  maxConnectionsPerAddress: number;
  /** Open live-results streams per client address (req.ip, so behind TRUST_PROXY the real client); 0: no cap. */
  maxStreamsPerAddress: number;
  /** The listen backlog (accept queue) asked of the kernel, which caps it at net.core.somaxconn. */
  listenBacklog: number;
  /** Origins (scheme://host[:port]) allowed cross-origin access, credentials included; empty: none. */
  corsOrigins: string[];
}

export interface OverloadConfig {
  /** Mean event-loop delay over a 0.5 s sample, in ms. */
  maxEventLoopDelayMs: number;
  /** V8 heap in use, in bytes. */
  maxHeapBytes: number;
  /** Resident set size of the process, in bytes. */
  maxRssBytes: number;
  /** Votes waiting for or inside a group-commit batch (the api role's vote queue). */
  maxQueue: number;
}

export interface ObservabilityConfig {
  /** null: /metrics is served on the main port; a number: on its own listener (0 = any free port). */
  metricsPort: number | null;
  /** METRICS_TOKEN: when set, every scrape (either port, any address) must carry `Authorization: Bearer <token>`. */
  metricsToken: string | null;
  /** OTLP/HTTP endpoint (traces go to `<endpoint>/v1/traces`); null: tracing is off and its SDK is never loaded. */
  otlpEndpoint: string | null;
  serviceName: string;
  /** Fraction of new traces recorded (a sampled parent's decision is always followed). */
  traceSampleRatio: number;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}`);
const urlList = (protocols: string[]) =>
  z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(url(protocols)));
const pgUrl = ['postgres:', 'postgresql:'];

/** One setting: the environment variable it is read from and its rule. */
function env<N extends string, R extends z.ZodType>(name: N, rule: R): { name: N; rule: R } {
  return { name, rule };
}

/**
 * The settings that land in Config as parsed, one entry each: where it goes, the variable it is
 * read from, and its rule (with its default). Config's type for them is derived from this table,
 * so a new setting of this kind is one line here. Settings with derived defaults or several
 * variables behind them (store, cache, bus, http, overload, observability) are built in loadConfig.
 */
const PLAIN = {
  top: {
    role: env('POLLCAST_ROLE', z.enum(ROLES).default('all')),
    host: env('HOST', z.string().min(1).default('0.0.0.0')),
    port: env('PORT', int(0, 65535).default(8080)),
    logLevel: env('LOG_LEVEL', z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
    secret: env('POLLCAST_SECRET', z.string().min(32, 'must be at least 32 characters').optional()),
    /** Namespace of every Redis key and channel and of the NATS stream: installations sharing those servers must differ. */
    prefix: env('POLLCAST_PREFIX', z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, _ or -').default('pollcast')),
    schedulerIntervalMs: env('SCHEDULER_INTERVAL_MS', int(50, 60_000).default(1_000)),
    /**
     * Fault injection for tests only (test/faults/worker-crash.test.ts): after this many events the
     * analytics consumer applied, the process kills itself (SIGKILL) before acknowledging the last
     * one — a worker crash between apply and ack. 0 (default): off.
     */
    faultCrashAfterApply: env('POLLCAST_FAULT_CRASH_AFTER_APPLY', int(0, 1_000_000).default(0)),
    shutdownTimeoutMs: env('SHUTDOWN_TIMEOUT_MS', int(100, 600_000).default(10_000)),
    /** Between /readyz failing and new requests being refused, so load balancers stop routing first. */
    shutdownDelayMs: env('SHUTDOWN_DELAY_MS', int(0, 600_000).default(0)),
  },
  groupCommit: {
    maxBatch: env('GROUP_COMMIT_MAX_BATCH', int(1, 10_000).default(500)),
    maxWaitMs: env('GROUP_COMMIT_MAX_WAIT_MS', z.coerce.number().min(0).max(1000).default(2)),
    maxInFlight: env('GROUP_COMMIT_MAX_IN_FLIGHT', int(1, 64).default(2)),
    maxQueue: env('GROUP_COMMIT_MAX_QUEUE', int(1, 1_000_000).default(20_000)),
  },
  realtime: {
    pushIntervalMs: env('RESULTS_PUSH_INTERVAL_MS', int(10, 60_000).default(100)),
    heartbeatMs: env('SSE_HEARTBEAT_MS', int(100, 600_000).default(15_000)),
    reconnectHintMs: env('SSE_RECONNECT_MS', int(100, 600_000).default(2_000)),
    maxBufferedBytes: env('SSE_MAX_BUFFERED_BYTES', int(1_024, 16_777_216).default(65_536)),
    stallTimeoutMs: env('SSE_STALL_TIMEOUT_MS', int(1_000, 3_600_000).default(60_000)),
    maxLifetimeMs: env('SSE_MAX_LIFETIME_MS', int(0, 86_400_000).default(1_800_000)),
  },
  rateLimit: {
    ipPerMinute: env('RATE_LIMIT_IP_PER_MIN', int(0, 100_000_000).default(600_000)),
    voterPerMinute: env('RATE_LIMIT_VOTER_PER_MIN', int(0, 1_000_000).default(120)),
    /** Votes per minute per API key (open mode, server-side voting). */
    apiKeyPerMinute: env('RATE_LIMIT_API_KEY_PER_MIN', int(0, 100_000_000).default(600_000)),
    /** Votes per minute into one poll, across every voter: a ceiling that protects the others. */
    pollPerMinute: env('RATE_LIMIT_POLL_PER_MIN', int(0, 1_000_000_000).default(6_000_000)),
    /** Non-vote writes (create a poll, sign up, issue invites …) per minute per IP. */
    writesPerMinute: env('RATE_LIMIT_WRITES_PER_MIN', int(0, 1_000_000).default(600)),
    /** Login attempts per minute per email (and 5 × this per IP). */
    loginPerMinute: env('RATE_LIMIT_LOGIN_PER_MIN', int(0, 10_000).default(10)),
    /** Wrong invite codes and forged voter tokens per minute per IP; past it, every vote from the address is 429 until the window slides. */
    failuresPerMinute: env('RATE_LIMIT_FAILURES_PER_MIN', int(0, 1_000_000).default(100)),
    /** Invite codes issued per hour per IP, counted in blocks of 1,000 codes (routes/polls.ts); 0 = no budget. */
    invitesPerHour: env('RATE_LIMIT_INVITES_PER_HOUR', int(0, 1_000_000_000).default(1_000_000)),
  },
  qa: {
    /** Questions one voter may ask in one event's audience Q&A per minute. */
    questionsPerVoterPerMinute: env('QA_QUESTIONS_PER_VOTER_PER_MIN', int(0, 1_000_000).default(5)),
    /** Upvotes (and un-upvotes) one voter may send in one event per minute. */
    upvotesPerVoterPerMinute: env('QA_UPVOTES_PER_VOTER_PER_MIN', int(0, 1_000_000).default(60)),
    /** Q&A asks and upvotes per address per minute: a ceiling (a hall shares one address). */
    ipPerMinute: env('QA_IP_PER_MIN', int(0, 100_000_000).default(60_000)),
  },
  webhooks: {
    /** Networks webhooks may reach although they are not public (CIDRs); empty: public addresses only. */
    allowedNetworks: env(
      'WEBHOOK_ALLOWED_NETWORKS',
      z
        .string()
        .optional()
        .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean))
        .refine((l) => l.every((c) => /^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(c) && isIP(c.split('/')[0]!) !== 0), 'a comma-separated list of CIDRs, like 10.0.0.0/8,127.0.0.1/32'),
    ),
    /** One delivery attempt's deadline (connect, send, answer). */
    timeoutMs: env('WEBHOOK_TIMEOUT_MS', int(100, 120_000).default(10_000)),
  },
  /** Webhook and e-mail deliveries: retries with exponential backoff (doubling from base to the cap, ±15 % jitter), dead after maxAttempts. */
  deliveries: {
    retryBaseMs: env('DELIVERY_RETRY_BASE_MS', int(10, 86_400_000).default(30_000)),
    retryMaxDelayMs: env('DELIVERY_RETRY_MAX_DELAY_MS', int(10, 7 * 86_400_000).default(4 * 3_600_000)),
    maxAttempts: env('DELIVERY_MAX_ATTEMPTS', int(1, 100).default(15)),
  },
  auth: {
    /** SESSION_TTL_HOURS, in milliseconds. */
    sessionTtlMs: env('SESSION_TTL_HOURS', z.coerce.number().min(0.01).max(24 * 365).default(24 * 14).transform((h) => Math.round(h * 3_600_000))),
    /** How long a process trusts a session or API key it looked up; revocation elsewhere takes effect within it. */
    cacheTtlMs: env('AUTH_CACHE_TTL_MS', int(0, 600_000).default(5_000)),
    /** How long a proof-of-work challenge stays valid (POW_CHALLENGE_TTL_SEC, in milliseconds). */
    powChallengeTtlMs: env('POW_CHALLENGE_TTL_SEC', int(10, 86_400).default(300).transform((s) => s * 1000)),
  },
};

type Plain = typeof PLAIN;
/** Config's plain settings, typed from their rules. */
type PlainConfig = { [K in keyof Plain['top']]: ValueOf<Plain['top'][K]> } & {
  [S in Exclude<keyof Plain, 'top'>]: { [K in keyof Plain[S]]: ValueOf<Plain[S][K]> };
};
type ValueOf<T> = T extends { rule: infer R extends z.ZodType } ? z.output<R> : never;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
/** The plain settings' variables and rules, as the environment schema's shape. */
type PlainShape = UnionToIntersection<{ [S in keyof Plain]: { [K in keyof Plain[S]]: ShapeOf<Plain[S][K]> }[keyof Plain[S]] }[keyof Plain]>;
type ShapeOf<T> = T extends { name: infer N extends string; rule: infer R } ? Record<N, R> : never;


/** The other variables, read by loadConfig below. */
const OTHER = {
  DATA_DIR: z.string().min(1).default('./data'),
  EMBEDDED_SYNC: z.enum(['full', 'normal']).default('full'),
  DATABASE_URL: url(pgUrl).optional(),
  DATABASE_REPLICA_URLS: urlList(pgUrl).optional(),
  DATABASE_SHARD_URLS: urlList(pgUrl).optional(),
  DATABASE_POOL_SIZE: int(1, 1000).default(10),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  REDIS_COMMAND_TIMEOUT_MS: int(10, 60_000).default(100),
  NATS_URL: urlList(['nats:', 'tls:']).pipe(z.array(z.string()).min(1)).transform((l) => l.join(',')).optional(),
  NATS_STREAM_REPLICAS: int(1, 5).default(1),
  AMQP_URL: url(['amqp:', 'amqps:']).optional(),
  AMQP_DELIVERY_LIMIT: int(1, 1_000_000_000).optional(),
  BODY_LIMIT_BYTES: int(256, 10_000_000).default(65_536),
  REQUEST_TIMEOUT_MS: int(100, 600_000).default(10_000),
  COOKIE_SECURE: z.union([z.literal('auto'), bool]).default('auto'),
  TRUST_PROXY: z
    .string()
    .transform((v) => (/^(false|0|no|none)$/i.test(v.trim()) ? [] : v.split(',').map((s) => s.trim()).filter(Boolean)))
    .pipe(
      z.array(z.string()).superRefine((list, ctx) => {
        const bad = list.filter((v) => !isProxyAddress(v));
        if (bad.length > 0) {
          ctx.addIssue({
            code: 'custom',
            message: `must be a comma-separated list of proxy addresses or CIDRs (e.g. 10.0.0.0/8,127.0.0.1), or loopback, linklocal, uniquelocal; not ${bad.map((b) => `"${b}"`).join(', ')} ("true", trusting anyone, is not accepted)`,
          });
        }
      }),
    )
    .default([]),
  HTTP_HEADERS_TIMEOUT_MS: int(100, 600_000).optional(),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(100, 600_000).default(72_000),
  HTTP_MAX_CONNECTIONS: int(0, 10_000_000).optional(),
  HTTP_HEALTH_RESERVE_CONNECTIONS: int(0, 10_000_000).optional(),
  HTTP_MAX_CONNECTIONS_PER_ADDRESS: int(0, 10_000_000).optional(),
  HTTP_MAX_STREAMS_PER_ADDRESS: int(0, 10_000_000).optional(),
  HTTP_LISTEN_BACKLOG: int(1, 1_000_000).default(8_192),
  CORS_ORIGINS: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(
      z.array(z.string()).superRefine((list, ctx) => {
        const bad = list.filter((v) => normalizeOrigin(v) === null);
        if (bad.length > 0) {
          ctx.addIssue({
            code: 'custom',
            message: `must be a comma-separated list of origins such as https://polls.example.com (scheme, host and port only; "*" is not accepted); not ${bad.map((b) => `"${b}"`).join(', ')}`,
          });
        }
      }),
    )
    .transform((list) => [...new Set(list.map((v) => normalizeOrigin(v)!))])
    .default([]),
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: int(0, 600_000).default(500),
  OVERLOAD_MAX_HEAP_BYTES: int(0, 1e15).optional(),
  OVERLOAD_MAX_RSS_BYTES: int(0, 1e15).default(0),
  OVERLOAD_MAX_QUEUE: int(0, 100_000_000).optional(),
  POLLCAST_PROCESSES: int(1, 1024).optional(),
  METRICS_PORT: int(0, 65535).optional(),
  METRICS_TOKEN: z.string().regex(/^[\x21-\x7e]{16,256}$/, 'must be 16–256 printable ASCII characters without spaces').optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http:', 'https:']).optional(),
  OTEL_SERVICE_NAME: z.string().regex(/^[\w.-]{1,64}$/, 'must be 1–64 letters, digits, _ . or -').default('pollcast'),
  OTEL_TRACES_SAMPLER_RATIO: z.coerce.number().min(0).max(1).default(1),
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  SMTP_FROM: z.string().min(3).max(300).regex(/^[^\r\n]*@[^\r\n]*$/, 'must be an address, or Name <address>, on one line').optional(),
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  EMAIL_CLOSE_SUMMARIES: bool.default(false),
};

const schema = z.object({ ...OTHER, ...(Object.fromEntries(Object.values(PLAIN).flatMap((section) => Object.values(section).map((s) => [s.name, s.rule]))) as PlainShape) });

export type Env = Record<string, string | undefined>;

/** Flags given on the command line win over the environment. */
export interface Flags {
  role?: string;
  port?: string;
  host?: string;
  dataDir?: string;
  processes?: string;
}

export function loadConfig(env: Env, flags: Flags = {}): Readonly<Config> {
  const merged: Env = {};
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') merged[key] = v;
  }
  if (flags.role !== undefined) merged.POLLCAST_ROLE = flags.role;
  if (flags.port !== undefined) merged.PORT = flags.port;
  if (flags.host !== undefined) merged.HOST = flags.host;
  if (flags.dataDir !== undefined) merged.DATA_DIR = flags.dataDir;
  if (flags.processes !== undefined) merged.POLLCAST_PROCESSES = flags.processes;
  // Secrets may come from files (Docker/Kubernetes secrets).
  const secretFile = env.POLLCAST_SECRET_FILE;
  const problems: string[] = [];
  if (secretFile && merged.POLLCAST_SECRET === undefined) {
    try {
      merged.POLLCAST_SECRET = readFileSyncTrim(secretFile);
    } catch (err) {
      problems.push(`POLLCAST_SECRET_FILE: cannot read ${secretFile}: ${(err as Error).message}`);
    }
  }

  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = issue.path.join('.');
      const shown =
        name === 'POLLCAST_ROLE' && flags.role !== undefined ? '--role' : name === 'POLLCAST_PROCESSES' && flags.processes !== undefined ? '--processes' : name;
      problems.push(`${shown}: ${issue.message}${name in merged && !/SECRET|URL/.test(name) ? ` (got "${merged[name]}")` : ''}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const e = parsed.data;

  if ((e.DATABASE_REPLICA_URLS?.length || e.DATABASE_SHARD_URLS?.length) && !e.DATABASE_URL) {
    problems.push('DATABASE_URL: must be set when DATABASE_REPLICA_URLS or DATABASE_SHARD_URLS is set');
  }
  if (e.HTTP_HEADERS_TIMEOUT_MS !== undefined && e.HTTP_HEADERS_TIMEOUT_MS > e.REQUEST_TIMEOUT_MS) {
    problems.push(`HTTP_HEADERS_TIMEOUT_MS: must not exceed REQUEST_TIMEOUT_MS (${e.REQUEST_TIMEOUT_MS}) (got "${e.HTTP_HEADERS_TIMEOUT_MS}")`);
  }
  problems.push(...connectionLimitProblems(e));
  if (e.NATS_URL && e.AMQP_URL) problems.push('NATS_URL/AMQP_URL: set one broker, not both');
  if (e.SMTP_URL && !e.SMTP_FROM) problems.push('SMTP_FROM: must be set when SMTP_URL is set (the sender address, e.g. "pollcast <noreply@example.com>")');
  if (e.SMTP_URL && !e.PUBLIC_URL) problems.push('PUBLIC_URL: must be set when SMTP_URL is set (the links in e-mails point there, e.g. https://polls.example.com)');
  if (e.DELIVERY_RETRY_MAX_DELAY_MS < e.DELIVERY_RETRY_BASE_MS) problems.push(`DELIVERY_RETRY_MAX_DELAY_MS: must not be below DELIVERY_RETRY_BASE_MS (${e.DELIVERY_RETRY_BASE_MS}) (got "${e.DELIVERY_RETRY_MAX_DELAY_MS}")`);
  const distributed = e.DATABASE_URL !== undefined;
  // Roles apart share state through PostgreSQL and Redis; workers also need the broker.
  if (e.POLLCAST_ROLE !== 'all') {
    const broker = e.AMQP_URL !== undefined ? 'AMQP_URL' : 'NATS_URL';
    const needs = ['DATABASE_URL', 'REDIS_URL', ...(e.POLLCAST_ROLE === 'worker' ? [broker] : [])];
    const missing = needs.filter((n) => merged[n] === undefined);
    if (missing.length > 0 || !distributed) {
      problems.push(
        `POLLCAST_ROLE: role "${e.POLLCAST_ROLE}" runs apart from the other roles and needs ${needs.join(', ')} (missing: ${missing.join(', ')}); the embedded backends only run as role "all"`,
      );
    }
  }
  // Several processes share state only through PostgreSQL and Redis: the embedded store, cache,
  // notifier and rate limiter live inside one process.
  const shared = distributed && e.REDIS_URL !== undefined;
  if (e.POLLCAST_PROCESSES !== undefined && e.POLLCAST_PROCESSES > 1 && !shared) {
    const shown = flags.processes !== undefined ? '--processes' : 'POLLCAST_PROCESSES';
    problems.push(
      `${shown}: ${e.POLLCAST_PROCESSES} processes need DATABASE_URL and REDIS_URL: the embedded store, cache, live-results bus and rate limiter live inside one process and cannot be shared (use 1, or set the distributed backends)`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const store: StoreConfig = e.DATABASE_URL
    ? {
        kind: 'postgres',
        url: e.DATABASE_URL,
        replicaUrls: e.DATABASE_REPLICA_URLS ?? [],
        shardUrls: e.DATABASE_SHARD_URLS ?? [],
        poolSize: e.DATABASE_POOL_SIZE,
        // An unreachable database must be answered 503 within the request timeout: a vote waits at
        // most for one connection attempt and one statement (a batch already committing fails
        // everything queued behind it), so the two together stay below it.
        connectTimeoutMs: Math.max(50, Math.round(e.REQUEST_TIMEOUT_MS * 0.25)),
        queryTimeoutMs: Math.max(50, Math.round(e.REQUEST_TIMEOUT_MS * 0.7)),
      }
    : { kind: 'embedded', dataDir: e.DATA_DIR, sync: e.EMBEDDED_SYNC };
  const cache: CacheConfig = e.REDIS_URL ? { kind: 'redis', url: e.REDIS_URL, commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS } : { kind: 'memory' };
  const bus: BusConfig = e.NATS_URL
    ? { kind: 'nats', url: e.NATS_URL, replicas: e.NATS_STREAM_REPLICAS }
    : e.AMQP_URL
      ? { kind: 'amqp', url: e.AMQP_URL, ...(e.AMQP_DELIVERY_LIMIT === undefined ? {} : { deliveryLimit: e.AMQP_DELIVERY_LIMIT }) }
      : { kind: 'memory' };

  const email: EmailConfig =
    e.SMTP_URL && e.SMTP_FROM && e.PUBLIC_URL
      ? { kind: 'smtp', url: e.SMTP_URL, from: e.SMTP_FROM, publicUrl: e.PUBLIC_URL.replace(/\/+$/, ''), closeSummaries: e.EMAIL_CLOSE_SUMMARIES }
      : { kind: 'off' };

  const config: Config = {
    ...plainConfig(e),
    store,
    cache,
    bus,
    email,
    http: {
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      cookieSecure: e.COOKIE_SECURE,
      trustProxy: e.TRUST_PROXY,
      // Default: 5 s, or the request timeout when that is shorter.
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS ?? Math.min(5_000, e.REQUEST_TIMEOUT_MS),
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.HTTP_MAX_CONNECTIONS ?? defaultMaxConnections(openFilesLimit()),
      ...connectionLimits(e),
      listenBacklog: e.HTTP_LISTEN_BACKLOG,
      corsOrigins: e.CORS_ORIGINS,
    },
    overload: {
      maxEventLoopDelayMs: e.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
      // Default: 90 % of V8's heap limit, short of the point where the process would die of it.
      maxHeapBytes: e.OVERLOAD_MAX_HEAP_BYTES ?? Math.floor(getHeapStatistics().heap_size_limit * 0.9),
      maxRssBytes: e.OVERLOAD_MAX_RSS_BYTES,
      // Default: twice what the committing batches can hold (2,000 with the defaults), so batches still fill.
      maxQueue: e.OVERLOAD_MAX_QUEUE ?? 2 * e.GROUP_COMMIT_MAX_BATCH * e.GROUP_COMMIT_MAX_IN_FLIGHT,
    },
    // Default: one per core where processes can share state, else one.
    processes: e.POLLCAST_PROCESSES ?? (shared ? availableParallelism() : 1),
    observability: {
      metricsPort: e.METRICS_PORT ?? null,
      metricsToken: e.METRICS_TOKEN ?? null,
      otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '') ?? null,
      serviceName: e.OTEL_SERVICE_NAME,
      traceSampleRatio: e.OTEL_TRACES_SAMPLER_RATIO,
    },
  };
  return deepFreeze(config);
}

/** Config's plain settings, copied from the parsed environment as PLAIN places them. */
function plainConfig(e: Record<string, unknown>): PlainConfig {
  const out: Record<string, unknown> = {};
  for (const [section, settings] of Object.entries(PLAIN)) {
    const values = Object.fromEntries(Object.entries(settings).map(([key, s]) => [key, e[s.name]]));
    if (section === 'top') Object.assign(out, values);
    else out[section] = values;
  }
  return out as PlainConfig;
}

/** The variables pollcast reads, for `--help` and the README's table. */
export const CONFIG_VARIABLES = Object.keys(schema.shape);

type ConnectionEnv = Pick<
  z.infer<typeof schema>,
  'HTTP_MAX_CONNECTIONS' | 'HTTP_HEALTH_RESERVE_CONNECTIONS' | 'HTTP_MAX_CONNECTIONS_PER_ADDRESS' | 'HTTP_MAX_STREAMS_PER_ADDRESS'
>;

/**
 * Defaults that follow HTTP_MAX_CONNECTIONS, so lowering the global cap never leaves one address
 * able to fill it: the health reserve is a tenth of the cap, at most 16; one address may hold half
 * of the other slots, at most 2,000; and streams at most half of its connections, at most 1,000, so
 * its votes still find a connection. With the default cap (20,000): 16, 2,000 (a tenth of the
 * server) and 1,000. Sized for a lecture hall of 300–600 phones behind one NAT: a phone opening the
 * app over HTTP/1.1 holds its stream plus up to 6 parallel connections for the page, and idle ones
 * stay open up to HTTP_KEEP_ALIVE_TIMEOUT_MS (72 s), so 300 phones can hold 1,200–1,800.
 */
function connectionLimits(e: ConnectionEnv): Pick<HttpLimits, 'healthReserveConnections' | 'maxConnectionsPerAddress' | 'maxStreamsPerAddress'> {
  const max = e.HTTP_MAX_CONNECTIONS ?? defaultMaxConnections(openFilesLimit());
  const reserve = e.HTTP_HEALTH_RESERVE_CONNECTIONS ?? (max > 0 ? Math.min(16, Math.floor(max / 10)) : 0);
  const perAddress = e.HTTP_MAX_CONNECTIONS_PER_ADDRESS ?? (max > 0 ? Math.max(1, Math.min(2_000, Math.floor((max - reserve) / 2))) : 2_000);
  const streams = e.HTTP_MAX_STREAMS_PER_ADDRESS ?? (perAddress > 0 ? Math.max(1, Math.min(1_000, Math.floor(perAddress / 2))) : 1_000);
  return { healthReserveConnections: max > 0 ? reserve : 0, maxConnectionsPerAddress: perAddress, maxStreamsPerAddress: streams };
}

/**
 * HTTP_MAX_CONNECTIONS unset: 20,000, but never past the open-files limit less room for the
 * database pools, Redis, NATS and files. Past that limit accept() fails with EMFILE and a library
 * reading /proc (under-pressure's memory sample) throws, which ended a realtime process at 20,000
 * viewers under `ulimit -n 20000`; refusing at the cap keeps it serving.
 */
export function defaultMaxConnections(openFiles: number | null): number {
  if (openFiles === null) return 20_000;
  return Math.max(64, Math.min(20_000, openFiles - Math.min(1_024, Math.floor(openFiles / 4))));
}

/** The soft limit on open files (Linux: /proc/self/limits), read once at start; null elsewhere. */
function openFilesLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Explicit settings that contradict the global cap. */
function connectionLimitProblems(e: ConnectionEnv): string[] {
  const max = e.HTTP_MAX_CONNECTIONS ?? defaultMaxConnections(openFilesLimit());
  if (max === 0) return [];
  const reserve = e.HTTP_HEALTH_RESERVE_CONNECTIONS;
  if (reserve !== undefined && reserve >= max) return [`HTTP_HEALTH_RESERVE_CONNECTIONS: must be below HTTP_MAX_CONNECTIONS (${max}) (got "${reserve}")`];
  const room = max - connectionLimits(e).healthReserveConnections;
  const perAddress = e.HTTP_MAX_CONNECTIONS_PER_ADDRESS;
  if (perAddress !== undefined && perAddress > room) {
    return [`HTTP_MAX_CONNECTIONS_PER_ADDRESS: must not exceed HTTP_MAX_CONNECTIONS minus the health reserve (${room}), or one address could fill the server (got "${perAddress}")`];
  }
  return [];
}

/** `scheme://host[:port]` as browsers send it in Origin, or null when `v` is not just an origin. */
function normalizeOrigin(v: string): string | null {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return null;
  }
  const bare = (u.protocol === 'http:' || u.protocol === 'https:') && u.pathname === '/' && !u.search && !u.hash && !u.username && !u.password;
  // `new URL` also accepts "https://a.com/" and "https://a.com?": only the origin itself, or with one trailing slash.
  return bare && /^https?:\/\/[^/?#]+\/?$/i.test(v) ? u.origin : null;
}

/** An IP, an IP/prefix, or a proxy-addr range name. */
function isProxyAddress(v: string): boolean {
  if (v === 'loopback' || v === 'linklocal' || v === 'uniquelocal') return true;
  const [ip, prefix, ...rest] = v.split('/');
  const family = isIP(ip ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

function readFileSyncTrim(path: string): string {
  return readFileSync(path, 'utf8').trim();
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

