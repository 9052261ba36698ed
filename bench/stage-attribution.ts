/**
 * Attributes the samples of a V8 .cpuprofile to the stages of one vote. Each sample's stack is
 * walked from the leaf up; the first frame that matches a rule in STAGE_RULES names the stage.
 * A native leaf (writev, writeBuffer, a hash digest, JSON.stringify) matches no rule, so it takes
 * the stage of its nearest JS caller that does: pg's connection → driver, ioredis → limits,
 * node:_http_outgoing → answer. A frame is tested against the rules in table order, so for one
 * frame an earlier rule wins (request-logger is logging before observability/* is metrics).
 * (idle) samples are not busy and are left out; (garbage collector) is GC; a stack no rule
 * matches, and (program), is "other".
 */

/** The fields of a .cpuprofile this reads (what `node --cpu-prof` and Profiler.stop write). */
export interface CpuProfile {
  nodes: readonly ProfileNode[];
  startTime: number;
  endTime: number;
  samples: readonly number[];
  timeDeltas: readonly number[];
}

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: readonly number[];
}

export const STAGES = [
  'HTTP parse',
  'routing and validation',
  'identity',
  'limits',
  'group commit',
  'driver',
  'answer',
  'logging',
  'metrics',
  'GC',
  'other',
] as const;
export type Stage = (typeof STAGES)[number];

interface StageRule {
  stage: Stage;
  /** Matched against the frame's script URL (file:///…/dist/src/…, node:…, …/node_modules/…). */
  url?: RegExp;
  /** Matched against the frame's function name. */
  fn?: RegExp;
}

const NM = String.raw`[\\/]node_modules[\\/]`;
const nm = (packages: string): RegExp => new RegExp(`${NM}(?:${packages})[\\\\/]`);
const ours = (paths: string): RegExp => new RegExp(String.raw`[\\/](?:${paths})\.[cm]?[jt]s$`);

/**
 * The rules, one table. The same vote path compiled from src/ (dist/…) or run through tsx matches,
 * since only the path under src/ is tested. Known approximations, kept visible here:
 * - HTTP parse is what runs under node:_http_server/_http_common/_http_incoming frames: the HTTP
 *   server's parser reads its socket in C++ (no JS onStreamRead), so llhttp's own time with no JS
 *   frame above it lands in (program), which is other; onStreamRead is the client sockets'
 *   (PostgreSQL, Redis, NATS): stream plumbing under it with no driver frame below is other;
 * - ServerResponse.writeHead lives in node:_http_server but writes the answer, so it is answer;
 * - helmet and our security headers are answer (they only set response headers);
 * - the vote service (core/vote-service) is split by method: #rateLimit is limits, #render is
 *   answer, the rest of it (#cast, check) is other; NATS publishes are other;
 * - node:internal/perf observers are metrics.
 */
export const STAGE_RULES: readonly StageRule[] = [
  { stage: 'GC', fn: /^\(garbage collector\)$/ },
  // the vote service's own steps, by method: its rate-limit step is limits, its render is answer
  { stage: 'limits', url: ours('core/vote-service'), fn: /^#?rateLimit$/ },
  { stage: 'answer', url: ours('core/vote-service'), fn: /^#?render$/ },
  // answer: rendering and writing the response
  { stage: 'answer', url: /^node:_http_server$/, fn: /^(?:writeHead|_implicitHeader|resOnFinish|onServerResponseClose|ServerResponse|_finish|emitCloseNT)$/ },
  { stage: 'answer', url: /^node:_http_outgoing$/ },
  { stage: 'answer', url: /[\\/]node_modules[\\/]fastify[\\/]lib[\\/](?:reply|error-handler|error-serializer|wrap-thenable)\.js$/ },
  { stage: 'answer', url: nm('fast-json-stringify|helmet') },
  { stage: 'answer', url: ours('http/vote-answers|http/routes/votes|core/vote/vote-answers|http/security-headers|http/problem') },
  // HTTP parse: the request's bytes into an IncomingMessage
  { stage: 'HTTP parse', url: /^node:(?:_http_server|_http_common|_http_incoming)$/ },
  // routing and validation: fastify's request lifecycle up to our handler, the body, the schema
  { stage: 'routing and validation', url: nm('find-my-way|fastify|ajv|fast-uri|fast-content-type-parse|secure-json-parse|@fastify[\\\\/][^\\\\/]+|avvio|light-my-request|fast-querystring') },
  { stage: 'routing and validation', url: ours('http/json-body|http/strict-bodies|http/schemas|http/hardening|http/request-context|http/in-flight|http/overload-guard|http/lingering-close') },
  // ajv and fastify compile validators with new Function: no file, a validateN name
  { stage: 'routing and validation', fn: /^validate\d*$/ },
  { stage: 'routing and validation', url: ours('domain/vote') },
  // identity: who is voting
  { stage: 'identity', url: ours('core/vote/voter-identity|core/access|core/authenticator|http/caller|core/secrets') },
  // limits: admission and rate limits, and the Redis client they use
  { stage: 'limits', url: ours('core/vote/admission|adapters/[^/\\\\]*/[^/\\\\]*rate-limiter|adapters/sliding-window|core/request-limits|http/rate-guard|http/address-limits|http/rate-limit-header') },
  { stage: 'limits', url: nm('ioredis|redis-parser|redis-errors|denque|cluster-key-slot|standard-as-callback') },
  // group commit: batching votes into one statement per tick
  { stage: 'group commit', url: ours('core/group-commit|core/vote/vote-committer|core/vote/idempotency|adapters/postgres/pg-record-votes|adapters/postgres/pg-sql|adapters/postgres/pg-link|adapters/postgres/postgres-store|adapters/embedded/sqlite-store') },
  // driver: the database client
  { stage: 'driver', url: nm('pg|pg-protocol|pg-pool|pg-types|pg-connection-string|pgpass|postgres-array|postgres-bytea|postgres-date|postgres-interval|better-sqlite3') },
  // logging, then metrics (a frame under observability/ that is not the logger is metrics)
  { stage: 'logging', url: nm('pino|pino-std-serializers|sonic-boom|thread-stream|fast-redact|quick-format-unescaped|atomic-sleep|on-exit-leak-free|fast-safe-stringify') },
  { stage: 'logging', url: ours('http/request-logger|observability/logger') },
  // the facades and HTTP hooks that lived under observability/ until the layer rules moved them
  { stage: 'metrics', url: ours('http/http-observability|http/request-id|ports/metrics|ports/tracing') },
  { stage: 'metrics', url: /[\\/]observability[\\/]/ },
  // performance observers (GC and event-loop timings feed metrics)
  { stage: 'metrics', url: /^node:internal\/perf\// },
  { stage: 'metrics', url: nm('prom-client|@opentelemetry[\\\\/][^\\\\/]+') },
];

/** The stage of one frame, or undefined when no rule names it (the walk goes on up). */
export function frameStage(frame: { functionName: string; url: string }): Stage | undefined {
  for (const rule of STAGE_RULES) {
    if (rule.url !== undefined && !rule.url.test(frame.url)) continue;
    if (rule.fn !== undefined && !rule.fn.test(frame.functionName)) continue;
    return rule.stage;
  }
  return undefined;
}

export interface StageBudget {
  /** µs of CPU per stage (busy samples only). */
  readonly us: ReadonlyMap<Stage, number>;
  readonly busyUs: number;
  readonly idleUs: number;
  /** The span of samples counted, in µs. */
  readonly spanUs: number;
}

/**
 * Sums sample durations per stage. A sample lasts until the next one (as DevTools counts it); the
 * last sample has no successor and is left out. Samples before `fromMs` after the profile's start
 * are skipped (startup). With `window`, only samples from the first to the last whose stack has a
 * frame with a matching URL count (VOTE_WINDOW: the load's span, without startup or shutdown).
 */
export function attributeStages(profile: CpuProfile, fromMs = 0, window?: RegExp): StageBudget {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const stageOfNode = new Map<number, Stage | 'idle'>();
  const resolve = (leaf: number): Stage | 'idle' => {
    const cached = stageOfNode.get(leaf);
    if (cached !== undefined) return cached;
    const leafName = byId.get(leaf)?.callFrame.functionName;
    let stage: Stage | 'idle' = 'other';
    if (leafName === '(idle)') stage = 'idle';
    else {
      for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
        const node = byId.get(id);
        const found = node === undefined ? undefined : frameStage(node.callFrame);
        if (found !== undefined) {
          stage = found;
          break;
        }
      }
    }
    stageOfNode.set(leaf, stage);
    return stage;
  };

  let windowStart = -Infinity;
  let windowEnd = Infinity;
  if (window !== undefined) {
    const inWindow = new Map<number, boolean>();
    const matches = (leaf: number): boolean => {
      let hit = inWindow.get(leaf);
      if (hit === undefined) {
        hit = false;
        for (let id: number | undefined = leaf; id !== undefined && !hit; id = parent.get(id)) hit = window.test(byId.get(id)?.callFrame.url ?? '');
        inWindow.set(leaf, hit);
      }
      return hit;
    };
    let at = profile.startTime;
    windowStart = Infinity;
    windowEnd = -Infinity;
    for (let i = 0; i < profile.samples.length; i++) {
      at += profile.timeDeltas[i] ?? 0;
      if (!matches(profile.samples[i]!)) continue;
      windowStart = Math.min(windowStart, at);
      windowEnd = Math.max(windowEnd, at);
    }
  }

  const us = new Map<Stage, number>(STAGES.map((s) => [s, 0]));
  let busyUs = 0;
  let idleUs = 0;
  const from = profile.startTime + fromMs * 1000;
  let t = profile.startTime;
  let firstCounted: number | undefined;
  let lastCounted = 0;
  for (let i = 0; i < profile.samples.length - 1; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const duration = profile.timeDeltas[i + 1] ?? 0;
    if (t < from || t < windowStart || t > windowEnd || duration <= 0) continue;
    firstCounted ??= t;
    lastCounted = t + duration;
    const stage = resolve(profile.samples[i]!);
    if (stage === 'idle') idleUs += duration;
    else {
      busyUs += duration;
      us.set(stage, (us.get(stage) ?? 0) + duration);
    }
  }
  return { us, busyUs, idleUs, spanUs: firstCounted === undefined ? 0 : lastCounted - firstCounted };
}

/** The frames that mark the load's span: our vote route. */
export const VOTE_WINDOW = /[\\/]http[\\/]routes[\\/]votes\.[cm]?[jt]s$/;

export interface StageRow {
  stage: Stage;
  ms: number;
  percentOfBusy: number;
  usPerVote: number;
}

export function stageRows(budget: StageBudget, votes: number): StageRow[] {
  return STAGES.map((stage) => {
    const us = budget.us.get(stage) ?? 0;
    return {
      stage,
      ms: us / 1000,
      percentOfBusy: budget.busyUs > 0 ? (100 * us) / budget.busyUs : 0,
      usPerVote: votes > 0 ? us / votes : 0,
    };
  });
}
