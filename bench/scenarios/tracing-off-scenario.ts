/**
 * `tracing-off`: what tracing costs when it is compiled in but off (ARCHITECTURE: < 2 % slower than
 * the same build with tracing not loaded), measured without touching the source text, so that
 * refactoring the vote path cannot break the benchmark. Every variant is an embedded pollcast (one
 * process, all roles, SQLite) of the same build (dist/, or src/ through tsx), in the same bench run:
 *
 *   off    `pollcast serve` as shipped, no OTEL_EXPORTER_OTLP_ENDPOINT: the composition root's
 *          `createTracing` decides tracing is off and hands out `noopTracing`;
 *   noop   the same modules started through the composition root's documented seam,
 *          `startApp(config, { observability })` (tracing-seam-server.ts): `createTracing` is never
 *          asked, the app gets the plain `noopTracing` from the harness, as if no tracing were
 *          configured or configurable;
 *   on     informative, when the sink starts: as shipped, exporting every trace to a local OTLP sink.
 *
 * What off ÷ noop can and cannot show. Both run the same per-vote code: every tracing call site
 * (an `enabled` check per vote in the vote service, a few per batch, the bus and push observers)
 * is compiled in and consulted in both, since removing them means editing the source (what this
 * scenario did before, by rewriting the build's text, and why a refactor could fail it). So the
 * ratio bounds what tracing's start-up decision and wiring cost the vote path (expected: nothing,
 * within the noise the per-round ratios show), not the call sites themselves. Those are counted
 * instead, exactly: a fourth server gets a no-op facade that counts every call made to it
 * (`counting`), and the report gives the calls per acknowledged vote: `enabled` reads (each a
 * property read and a branch), and start/run/active calls, i.e. tracing work done although tracing
 * is off, which must be 0. A regression that does tracing work per vote while off shows there,
 * whatever the timing noise.
 *
 * Each timed variant gets its own server, poll and warm-up, then `max(3, --runs)` rounds. A round
 * runs `off` and `noop` back to back, in alternating order (A B, B A, …: drift and position hit
 * both), then `on` and a pause while its last spans are exported. Figures are medians over the
 * rounds; the report gives off ÷ noop (votes/s, p50, p99, CPU per vote), the slowdown in % against
 * the target, and the per-round ratios, whose spread is the noise. Stored votes are checked per
 * server as in every scenario.
 *
 * BENCH_TRACING_CONTROL=1 runs the same method as an A/A control: "noop" is then a second
 * `pollcast serve` as shipped, and the ratio shows the noise floor of the machine.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchTarget, LoadFigures, MeasureContext, Scenario, ScenarioResult, TracingConsults, VariantComparison, VariantResult, VariantRun, Verification } from '../bench-types.js';
import { measureCeiling } from '../measure-scenario.js';
import { moduleArgs } from '../module-args.js';
import { startOtlpSink, type OtlpSink } from '../otlp-sink.js';
import { createBenchPoll } from '../poll-api.js';
import { processCpuSeconds } from '../process-cpu.js';
import { verifyVotes } from '../verify-votes.js';
import type { VotePlan } from '../vote-plan.js';
import { startEmbedded } from './embedded-scenario.js';

/** ARCHITECTURE: tracing compiled in but off, < 2 % slower than not loaded. */
export const TRACING_OFF_TARGET_PCT = 2;
/** Medians need at least this many runs of each variant, whatever --runs says. */
export const MIN_ROUNDS = 3;
/** After a run of `on`: its exporter sends what it buffered (every second) before the next run. */
const SETTLE_AFTER_ON_MS = 1_500;

const OTEL_OFF = { OTEL_EXPORTER_OTLP_ENDPOINT: undefined };

const COMPARES =
  'off = pollcast serve as shipped (createTracing picks noopTracing); noop = the same modules through startApp(config, { observability }) with noopTracing from the harness. ' +
  'Both run every tracing call site: the ratio covers tracing’s start-up decision and wiring, not the sites; those are counted per vote (consults).';

export interface TracingCostOptions {
  /** Measure the informative third variant, tracing on with a local OTLP sink. Default true. */
  withTracingOn?: boolean;
  /** A/A control: "noop" is the shipped start-up again. Default: BENCH_TRACING_CONTROL=1. */
  control?: boolean;
}

interface Build {
  name: VariantResult['name'];
  description: string;
  target: BenchTarget;
  /** The poll and what every vote on it carries (the plan without a voter prefix). */
  poll: Omit<VotePlan, 'voterPrefix'>;
  runs: VariantRun[];
  acknowledged: number;
  unanswered: string[];
  unknownIds: number;
}

const fromSource = import.meta.url.endsWith('.ts');
const SEAM_SERVER = fileURLToPath(new URL('../tracing-seam-server' + (fromSource ? '.ts' : '.js'), import.meta.url));
const DESCRIPTION = 'embedded; tracing compiled in but off (as shipped) vs a no-op facade given through startApp’s seam, alternated in one run; tracing calls per vote counted';

export function makeTracingOffScenario(opts: TracingCostOptions = {}): Scenario {
  return {
    name: 'tracing-off',
    description: DESCRIPTION,
    unavailable: async () => (process.platform === 'win32' ? 'counts tracing calls on SIGUSR2 (POSIX only)' : null),
    // Run alone, the scenario is the shipped build with tracing off (the harness calls `measure`).
    start: (ctx) => startEmbedded({ label: 'tracing-off', root: ctx.root, env: OTEL_OFF }),
    measure: (m) => measureTracingCost(m, opts),
    // Warm-ups, the ceiling, the rounds (off, noop, on), the counting server's warm-up and load.
    loadSeconds: (c) => 3 * c.warmupSec + c.durationSec + Math.max(MIN_ROUNDS, c.runs) * (3 * c.durationSec + SETTLE_AFTER_ON_MS / 1000) + c.warmupSec + c.durationSec,
  };
}

export const tracingOffScenario: Scenario = makeTracingOffScenario();

export async function measureTracingCost(m: MeasureContext, opts: TracingCostOptions = {}): Promise<ScenarioResult> {
  const { ctx, config, load } = m;
  const startedAt = new Date().toISOString();
  const rounds = Math.max(MIN_ROUNDS, config.runs);
  const control = opts.control ?? process.env.BENCH_TRACING_CONTROL === '1';
  const log = (line: string) => ctx.log(`tracing-off: ${line}`);
  const seamArgs = (mode: 'noop' | 'counting') => [...moduleArgs(SEAM_SERVER), ctx.root, mode];
  let sink: OtlpSink | null = null;
  const builds: Build[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'pollcast-tracing-count-'));
  try {
    if (opts.withTracingOn !== false) {
      try {
        sink = await startOtlpSink();
      } catch (err) {
        log(`no local OTLP sink (${(err as Error).message}): skipping the "on" figure`);
      }
    }
    const defs: Array<{ name: Build['name']; description: string; env: Record<string, string | undefined>; args?: string[] }> = [
      { name: 'off', description: 'pollcast serve as shipped, tracing compiled in but off (no OTEL_EXPORTER_OTLP_ENDPOINT)', env: OTEL_OFF },
      control
        ? { name: 'noop', description: 'A/A CONTROL: pollcast serve as shipped again, in the place of "noop"', env: OTEL_OFF }
        : { name: 'noop', description: 'the same build through startApp(config, { observability }) with the plain noopTracing: tracing never configured', env: OTEL_OFF, args: seamArgs('noop') },
    ];
    if (sink) {
      defs.push({
        name: 'on',
        description: 'as shipped, tracing on: every trace exported over OTLP/HTTP to a local sink in the harness',
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER_RATIO: '1' },
      });
    }
    if (control) log('A/A CONTROL (BENCH_TRACING_CONTROL=1): "noop" is the shipped start-up again; the ratio shows the noise floor only');
    // Started together (start-up is not measured); each one that started is stopped in `finally`.
    for (const d of defs) log(`starting "${d.name}": ${d.description}`);
    const starts = await Promise.allSettled(defs.map((d) => startEmbedded({ label: `tracing-${d.name}`, root: ctx.root, env: d.env, ...(d.args ? { args: d.args } : {}) })));
    starts.forEach((s, i) => {
      if (s.status === 'fulfilled') builds.push({ name: defs[i]!.name, description: defs[i]!.description, target: s.value, poll: { pollId: '', optionIds: [] }, runs: [], acknowledged: 0, unanswered: [], unknownIds: 0 });
    });
    const failed = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    for (const b of builds) b.poll = await createBenchPoll(b.target.urls[0]!);

    const run = async (b: Build, prefix: string, durationSec: number): Promise<{ f: LoadFigures; cpuUsPerVote: number | null }> => {
      const pids = b.target.pids?.() ?? [];
      const before = processCpuSeconds(pids);
      const f = await load.run({ urls: b.target.urls, plan: { ...b.poll, voterPrefix: prefix }, connections: config.connections, durationSec });
      const after = before === null ? null : processCpuSeconds(pids);
      b.acknowledged += f.ok2xx;
      b.unanswered.push(...f.unanswered);
      b.unknownIds += f.unansweredUnknownIds;
      return { f, cpuUsPerVote: before !== null && after !== null && f.ok2xx > 0 ? Math.round(((after - before) * 1e6) / f.ok2xx) : null };
    };
    const settleIfOn = async (b: Build) => {
      if (b.name === 'on') await new Promise((r) => setTimeout(r, SETTLE_AFTER_ON_MS));
    };

    for (const b of builds) {
      log(`warming up "${b.name}" ${config.warmupSec} s`);
      await run(b, 'w-', config.warmupSec);
      await settleIfOn(b);
    }
    log(`ceiling (for the summary's ratio only): ${config.durationSec} s`);
    const ceiling = await measureCeiling(load, m.ceiling, config, config.durationSec, 'tc-');

    const [off, noop, on] = [builds[0]!, builds[1]!, builds[2]];
    const order: string[][] = [];
    log(`${rounds} rounds × ${builds.length} variants × ${config.durationSec} s`);
    for (let round = 1; round <= rounds; round++) {
      const seq = [...(round % 2 === 1 ? [off, noop] : [noop, off]), ...(on ? [on] : [])];
      order.push(seq.map((b) => b.name));
      for (let i = 0; i < seq.length; i++) {
        const b = seq[i]!;
        const { f, cpuUsPerVote } = await run(b, `r${round}-`, config.durationSec);
        const r: VariantRun = {
          round,
          position: i + 1,
          votesPerSec: f.perSec,
          p50Ms: f.p50Ms,
          p99Ms: f.p99Ms,
          p999Ms: f.p999Ms,
          votes2xx: f.ok2xx,
          non2xx: f.non2xx,
          errors: f.errors,
          timeouts: f.timeouts,
          sent: f.sent,
          unanswered: f.unanswered.length + f.unansweredUnknownIds,
          cpuUsPerVote,
        };
        b.runs.push(r);
        log(`round ${round}/${rounds} "${b.name}": ${r.votesPerSec} votes/s (p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${cpuUsPerVote ?? 'n/a'} µs CPU per vote, non-2xx ${r.non2xx}, errors ${r.errors})`);
        await settleIfOn(b);
      }
    }

    const results: VariantResult[] = [];
    for (const b of builds) {
      const verification = await verifyVotes(b.target.urls[0]!, b.poll.pollId, b.acknowledged, b.unanswered, b.unknownIds, b.target.stored?.bind(b.target));
      results.push(variantResult(b, verification));
    }
    // The timed servers are stopped before the counting one runs, so it does not share the cores with them.
    await Promise.allSettled(builds.map((b) => b.target.stop()));
    const counted = await countConsults(m, join(scratch, 'counts.json'), seamArgs('counting'), log);

    const [offR, noopR, onR] = [results[0]!, results[1]!, results[2] ?? null];
    if (onR && sink) {
      const s = sink.stats();
      onR.settings = { ...onR.settings, otlpExports: s.exports, otlpBytes: s.bytes, otlpRejected: s.rejected };
    }
    const offVsNoop = compare(offR, noopR);
    const result: ScenarioResult = {
      scenario: 'tracing-off',
      description: DESCRIPTION,
      votesPerSec: offR.votesPerSec,
      p50Ms: offR.p50Ms,
      p99Ms: offR.p99Ms,
      p999Ms: offR.p999Ms,
      cpuUsPerVote: offR.cpuUsPerVote,
      ceilingReqPerSec: ceiling.perSec,
      ratio: ceiling.perSec > 0 ? round(offR.votesPerSec / ceiling.perSec, 3) : 0,
      halfCapacity: null,
      verification: combine([...results.map((r) => ({ name: r.name, verification: r.verification })), ...(counted ? [{ name: 'counting', verification: counted.verification }] : [])]),
      tracingCost: {
        control,
        targetMaxSlowdownPct: TRACING_OFF_TARGET_PCT,
        withinTarget: offVsNoop.slowdownPct < TRACING_OFF_TARGET_PCT,
        order,
        off: offR,
        noop: noopR,
        on: onR,
        offVsNoop,
        onVsNoop: onR ? compare(onR, noopR) : null,
        compares: COMPARES,
        consults: counted?.consults ?? null,
      },
      // Each variant's runs are in tracingCost (the ceiling was measured once, not per run).
      runs: [],
      target: { ...offR.settings, variants: builds.map((b) => b.name).join(', '), rounds, code: fromSource ? 'src/ through tsx' : 'dist/' },
      machine: m.machine,
      config,
      startedAt,
      finishedAt: new Date().toISOString(),
    };
    return result;
  } finally {
    await Promise.allSettled(builds.map((b) => b.target.stop()));
    await sink?.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The tracing facade's calls per acknowledged vote with tracing off: a server given the counting
 * facade, warmed up, then counted over one load of `--duration` (counts taken before and after, so
 * start-up and the poll's creation are left out). Null, with a log line, when it fails.
 */
async function countConsults(m: MeasureContext, file: string, args: string[], log: (line: string) => void): Promise<{ consults: TracingConsults; verification: Verification } | null> {
  const { ctx, config, load } = m;
  let target: BenchTarget | null = null;
  try {
    target = await startEmbedded({ label: 'tracing-counting', root: ctx.root, env: { ...OTEL_OFF, BENCH_TRACING_COUNT_FILE: file }, args });
    const pid = target.pids?.()[0];
    if (pid === undefined) throw new Error('no server pid');
    const poll = await createBenchPoll(target.urls[0]!);
    const snapshot = async (): Promise<Record<'enabled' | 'start' | 'run' | 'active', number>> => {
      rmSync(file, { force: true });
      process.kill(pid, 'SIGUSR2');
      for (let i = 0; i < 100; i++) {
        try {
          return JSON.parse(readFileSync(file, 'utf8')) as Record<'enabled' | 'start' | 'run' | 'active', number>;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      throw new Error('the counting server wrote no counts within 5 s');
    };
    let acknowledged = 0;
    const unanswered: string[] = [];
    let unknownIds = 0;
    const votes = async (prefix: string, durationSec: number) => {
      const f = await load.run({ urls: target!.urls, plan: { ...poll, voterPrefix: prefix }, connections: config.connections, durationSec });
      acknowledged += f.ok2xx;
      unanswered.push(...f.unanswered);
      unknownIds += f.unansweredUnknownIds;
      return f;
    };
    log(`counting tracing calls per vote: warm-up ${config.warmupSec} s, then ${config.durationSec} s`);
    await votes('w-', config.warmupSec);
    const before = await snapshot();
    const f = await votes('r-', config.durationSec);
    // Votes still in a batch when the load stopped are answered (and consult) within a few ms.
    await new Promise((r) => setTimeout(r, 200));
    const after = await snapshot();
    const per = (k: keyof typeof before) => (f.ok2xx > 0 ? round((after[k] - before[k]) / f.ok2xx, 3) : 0);
    const consults: TracingConsults = { votes: f.ok2xx, enabledPerVote: per('enabled'), startPerVote: per('start'), runPerVote: per('run'), activePerVote: per('active') };
    log(`tracing calls per vote with tracing off: ${consults.enabledPerVote} enabled reads, ${consults.startPerVote} start, ${consults.runPerVote} run, ${consults.activePerVote} active (over ${consults.votes} votes)`);
    const verification = await verifyVotes(target.urls[0]!, poll.pollId, acknowledged, unanswered, unknownIds, target.stored?.bind(target));
    return { consults, verification };
  } catch (err) {
    log(`could not count tracing calls: ${(err as Error).message}`);
    return null;
  } finally {
    await target?.stop();
  }
}

function variantResult(b: Build, verification: Verification): VariantResult {
  const med = (key: (r: VariantRun) => number) => round(median(b.runs.map(key)), 3);
  const cpu = b.runs.map((r) => r.cpuUsPerVote);
  return {
    name: b.name,
    description: b.description,
    votesPerSec: round(median(b.runs.map((r) => r.votesPerSec)), 1),
    p50Ms: med((r) => r.p50Ms),
    p99Ms: med((r) => r.p99Ms),
    p999Ms: med((r) => r.p999Ms),
    cpuUsPerVote: cpu.every((c) => c !== null) ? Math.round(median(cpu as number[])) : null,
    runs: b.runs,
    verification,
    settings: { ...b.target.settings },
  };
}

/** `x` against the reference `ref`, from medians and round by round. */
export function compare(x: VariantResult, ref: VariantResult): VariantComparison {
  const ratio = (a: number, b: number, digits = 4) => (b > 0 ? round(a / b, digits) : 0);
  const votesPerSecRatio = ratio(x.votesPerSec, ref.votesPerSec);
  const perRoundRatios = x.runs.map((r) => {
    const other = ref.runs.find((o) => o.round === r.round);
    return other ? ratio(r.votesPerSec, other.votesPerSec) : 0;
  });
  return {
    votesPerSecRatio,
    slowdownPct: round((1 - votesPerSecRatio) * 100, 2),
    p50Ratio: ratio(x.p50Ms, ref.p50Ms, 3),
    p99Ratio: ratio(x.p99Ms, ref.p99Ms, 3),
    cpuPerVoteRatio: x.cpuUsPerVote !== null && ref.cpuUsPerVote !== null ? ratio(x.cpuUsPerVote, ref.cpuUsPerVote, 3) : null,
    perRoundRatios,
    perRoundMedian: round(median(perRoundRatios), 4),
  };
}

/** One verification for the scenario: every server's stored votes must match its answers. */
function combine(results: Array<{ name: string; verification: Verification }>): Verification {
  const vs = results.map((r) => r.verification);
  const sum = (key: (v: Verification) => number) => vs.reduce((s, v) => s + key(v), 0);
  const known = vs.map((v) => v.unknownIdsStored);
  return {
    ok: vs.every((v) => v.ok),
    storedTotal: sum((v) => v.storedTotal),
    acknowledged: sum((v) => v.acknowledged),
    unanswered: sum((v) => v.unanswered),
    unansweredStored: sum((v) => v.unansweredStored),
    unansweredUnknownIds: sum((v) => v.unansweredUnknownIds),
    unknownIdsStored: known.every((k) => k !== null) ? (known as number[]).reduce((s, k) => s + k, 0) : null,
    source: vs[0]!.source,
    detail: results.map((r) => `${r.name}: ${r.verification.detail}`).join('; '),
  };
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
