/**
 * `tracing-off`: what tracing costs when it is compiled in but off (issue 6; ARCHITECTURE target
 * < 2 % slower than the same run with it removed). Two builds of one snapshot of the code, each an
 * embedded pollcast (one process, all roles, SQLite), measured in the same bench run:
 *
 *   off      the build as shipped, no OTEL_EXPORTER_OTLP_ENDPOINT: tracing compiled in, off;
 *   removed  the same build with the tracing code deleted from the vote path (tracing-removed-build.ts
 *            says what and why a no-op facade would not do);
 *   on       informative, when the sink starts: as shipped, exporting every trace to a local OTLP sink.
 *
 * Each build gets its own server, poll and warm-up, then `max(3, --runs)` rounds. A round runs
 * `off` and `removed` back to back, in alternating order (off→removed, removed→off, …: A B B A, so
 * drift and position hit both), then `on` and a pause while its last spans are exported. Figures
 * are medians over the rounds; the report gives off ÷ removed (votes/s, p50, p99, CPU per vote),
 * the slowdown in % against the target, and the per-round ratios, whose spread is the noise.
 * Stored votes are checked per build as in every scenario.
 *
 * BENCH_TRACING_CONTROL=1 runs the same method as an A/A control: "removed" is then a second,
 * untouched copy of the shipped build, and the ratio shows the noise floor of the machine.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchTarget, LoadFigures, MeasureContext, Scenario, ScenarioResult, VariantComparison, VariantResult, VariantRun, Verification } from '../bench-types.js';
import { measureCeiling } from '../measure-scenario.js';
import { startOtlpSink, type OtlpSink } from '../otlp-sink.js';
import { createBenchPoll } from '../poll-api.js';
import { processCpuSeconds } from '../process-cpu.js';
import { removeTracing, snapshotBuilds, TRACING_REMOVALS } from '../tracing-removed-build.js';
import { verifyVotes } from '../verify-votes.js';
import type { VotePlan } from '../vote-plan.js';
import { startEmbedded } from './embedded-scenario.js';

/** ARCHITECTURE: tracing compiled in but off, < 2 % slower than removed. */
export const TRACING_OFF_TARGET_PCT = 2;
/** Medians need at least this many runs of each build, whatever --runs says. */
export const MIN_ROUNDS = 3;
/** After a run of `on`: its exporter sends what it buffered (every second) before the next run. */
const SETTLE_AFTER_ON_MS = 1_500;

const OTEL_OFF = { OTEL_EXPORTER_OTLP_ENDPOINT: undefined };

export interface TracingCostOptions {
  /** Measure the informative third build, tracing on with a local OTLP sink. Default true. */
  withTracingOn?: boolean;
  /** A/A control: "removed" is the shipped build again. Default: BENCH_TRACING_CONTROL=1. */
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
const codeDir = fromSource ? 'src' : 'dist';
const ext = fromSource ? '.ts' : '.js';

export function makeTracingOffScenario(opts: TracingCostOptions = {}): Scenario {
  return {
    name: 'tracing-off',
    description: 'embedded; tracing compiled in but off (as shipped) vs the same build with tracing removed, alternated in one run',
    async unavailable(ctx) {
      // The rewrites must still fit the code the bench would copy.
      try {
        for (const file of new Set(TRACING_REMOVALS.map((r) => r.file))) removeTracing(file, readFileSync(join(ctx.root, codeDir, file + ext), 'utf8'));
        return null;
      } catch (err) {
        return `cannot build the tracing-removed reference: ${(err as Error).message}`;
      }
    },
    // Run alone, the scenario is the shipped build with tracing off (the harness calls `measure`).
    start: (ctx) => startEmbedded({ label: 'tracing-off', root: ctx.root, env: OTEL_OFF }),
    measure: (m) => measureTracingCost(m, opts),
  };
}

export const tracingOffScenario: Scenario = makeTracingOffScenario();

export async function measureTracingCost(m: MeasureContext, opts: TracingCostOptions = {}): Promise<ScenarioResult> {
  const { ctx, config, load } = m;
  const startedAt = new Date().toISOString();
  const rounds = Math.max(MIN_ROUNDS, config.runs);
  const control = opts.control ?? process.env.BENCH_TRACING_CONTROL === '1';
  const log = (line: string) => ctx.log(`tracing-off: ${line}`);
  const snapshot = snapshotBuilds(ctx.root, fromSource);
  let sink: OtlpSink | null = null;
  const builds: Build[] = [];
  try {
    if (opts.withTracingOn !== false) {
      try {
        sink = await startOtlpSink();
      } catch (err) {
        log(`no local OTLP sink (${(err as Error).message}): skipping the "on" figure`);
      }
    }
    const defs: Array<{ name: Build['name']; description: string; root: string; env: Record<string, string | undefined> }> = [
      { name: 'off', description: 'as shipped, tracing compiled in but off (no OTEL_EXPORTER_OTLP_ENDPOINT)', root: snapshot.shipped, env: OTEL_OFF },
      control
        ? { name: 'removed', description: 'A/A CONTROL: the shipped build again, in the place of "removed"', root: snapshot.shipped, env: OTEL_OFF }
        : { name: 'removed', description: 'the same build with the tracing code removed from the vote path', root: snapshot.removed, env: OTEL_OFF },
    ];
    if (sink) {
      defs.push({
        name: 'on',
        description: 'as shipped, tracing on: every trace exported over OTLP/HTTP to a local sink in the harness',
        root: snapshot.shipped,
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER_RATIO: '1' },
      });
    }
    log(
      control
        ? 'A/A CONTROL (BENCH_TRACING_CONTROL=1): "removed" is the shipped build again; the ratio shows the noise floor only'
        : `copied ${codeDir}/ twice; "removed" deletes ${TRACING_REMOVALS.length} tracing sites (see the JSON's tracingCost.removals)`,
    );
    // Started together (start-up is not measured); each one that started is stopped in `finally`.
    for (const d of defs) log(`starting "${d.name}": ${d.description}`);
    const starts = await Promise.allSettled(defs.map((d) => startEmbedded({ label: `tracing-${d.name}`, root: d.root, env: d.env })));
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

    const [off, removed, on] = [builds[0]!, builds[1]!, builds[2]];
    const order: string[][] = [];
    log(`${rounds} rounds × ${builds.length} builds × ${config.durationSec} s`);
    for (let round = 1; round <= rounds; round++) {
      const seq = [...(round % 2 === 1 ? [off, removed] : [removed, off]), ...(on ? [on] : [])];
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
    const [offR, removedR, onR] = [results[0]!, results[1]!, results[2] ?? null];
    if (onR && sink) {
      const s = sink.stats();
      onR.settings = { ...onR.settings, otlpExports: s.exports, otlpBytes: s.bytes, otlpRejected: s.rejected };
    }
    const offVsRemoved = compare(offR, removedR);
    const result: ScenarioResult = {
      scenario: 'tracing-off',
      description: 'embedded; tracing compiled in but off (as shipped) vs the same build with tracing removed, alternated in one run',
      votesPerSec: offR.votesPerSec,
      p50Ms: offR.p50Ms,
      p99Ms: offR.p99Ms,
      p999Ms: offR.p999Ms,
      cpuUsPerVote: offR.cpuUsPerVote,
      ceilingReqPerSec: ceiling.perSec,
      ratio: ceiling.perSec > 0 ? round(offR.votesPerSec / ceiling.perSec, 3) : 0,
      halfCapacity: null,
      verification: combine(results),
      tracingCost: {
        control,
        targetMaxSlowdownPct: TRACING_OFF_TARGET_PCT,
        withinTarget: offVsRemoved.slowdownPct < TRACING_OFF_TARGET_PCT,
        order,
        off: offR,
        removed: removedR,
        on: onR,
        offVsRemoved,
        onVsRemoved: onR ? compare(onR, removedR) : null,
        removals: control ? [] : snapshot.removals,
      },
      // Each build's runs are in tracingCost (the ceiling was measured once, not per run).
      runs: [],
      target: { ...offR.settings, builds: builds.map((b) => b.name).join(', '), rounds, code: fromSource ? 'src/ through tsx' : 'dist/' },
      machine: m.machine,
      config,
      startedAt,
      finishedAt: new Date().toISOString(),
    };
    return result;
  } finally {
    await Promise.allSettled(builds.map((b) => b.target.stop()));
    await sink?.close();
    snapshot.dispose();
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

/** One verification for the scenario: every build's stored votes must match its answers. */
function combine(results: VariantResult[]): Verification {
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
