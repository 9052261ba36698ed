/**
 * Measures one scenario: warm up, then `runs` rounds that each measure the ceiling and the
 * scenario back to back (alternating which goes first, so machine noise hits both), then the
 * latency at half of the median capacity, then the stored-votes check. The ceiling and the
 * scenario use the same closed-loop generator (wrk or autocannon, see closed-loop-generator.ts).
 */
import type { BenchConfig, BenchTarget, LoadFigures, Machine, RunRecord, Scenario, ScenarioContext, ScenarioResult } from './bench-types.js';
import type { ClosedLoopGenerator } from './closed-loop-generator.js';
import { runPaced } from './paced-load.js';
import { processCpuSeconds } from './process-cpu.js';
import { createBenchPoll } from './poll-api.js';
import { verifyVotes } from './verify-votes.js';
import type { VotePlan } from './vote-plan.js';

/** Architecture target: vote latency p99 at half of the measured capacity. */
const HALF_LOAD_P99_TARGET_MS = 25;

export interface MeasureOptions {
  scenario: Scenario;
  ctx: ScenarioContext;
  ceiling: BenchTarget;
  config: BenchConfig;
  machine: Machine;
  load: ClosedLoopGenerator;
}

/** A stand-in owner token, shaped like a real one (pco_ + 32 characters), so the ceiling's requests are the votes' size. */
const CEILING_OWNER_TOKEN = 'pco_' + 'c'.repeat(32);

/** The ceiling: same generator, same request (Authorization header included), against the minimal Fastify handler. */
export function measureCeiling(load: ClosedLoopGenerator, ceiling: BenchTarget, config: BenchConfig, durationSec: number, tag: string): Promise<LoadFigures> {
  const plan: VotePlan = { pollId: 'ceiling', optionIds: ['a', 'b', 'c', 'd'], voterPrefix: tag, ownerToken: CEILING_OWNER_TOKEN };
  return load.run({ urls: ceiling.urls, plan, connections: config.connections, durationSec });
}

export async function measureScenario(o: MeasureOptions): Promise<ScenarioResult> {
  const { scenario, ctx, ceiling, config, load } = o;
  const startedAt = new Date().toISOString();
  ctx.log(`${scenario.name}: starting`);
  const target = await scenario.start(ctx);
  try {
    const poll = await createBenchPoll(target.urls[0]!);
    let acknowledged = 0;
    const unanswered: string[] = [];
    let unknownIds = 0;
    const account = (f: LoadFigures) => {
      acknowledged += f.ok2xx;
      unanswered.push(...f.unanswered);
      unknownIds += f.unansweredUnknownIds;
      return f;
    };
    let cpuUsPerVote: number | null = null;
    const votes = async (prefix: string, durationSec: number) => {
      const cpuBefore = processCpuSeconds(target.pids?.() ?? []);
      const f = account(await load.run({ urls: target.urls, plan: { ...poll, voterPrefix: prefix }, connections: config.connections, durationSec }));
      const cpuAfter = cpuBefore === null ? null : processCpuSeconds(target.pids?.() ?? []);
      cpuUsPerVote = cpuBefore !== null && cpuAfter !== null && f.ok2xx > 0 ? Math.round(((cpuAfter - cpuBefore) * 1e6) / f.ok2xx) : null;
      return f;
    };

    ctx.log(`${scenario.name}: warming up ${config.warmupSec} s`);
    await votes('w-', config.warmupSec);

    let ceilingCpuUsPerReq: number | null = null;
    const ceilingRun = async (tag: string) => {
      const before = processCpuSeconds(ceiling.pids?.() ?? []);
      const f = await measureCeiling(load, ceiling, config, config.durationSec, tag);
      const after = before === null ? null : processCpuSeconds(ceiling.pids?.() ?? []);
      ceilingCpuUsPerReq = before !== null && after !== null && f.ok2xx > 0 ? Math.round(((after - before) * 1e6) / f.ok2xx) : null;
      return f;
    };
    const runs: RunRecord[] = [];
    for (let i = 1; i <= config.runs; i++) {
      const order = i % 2 === 1 ? 'ceiling-first' : 'scenario-first';
      let c: LoadFigures;
      let v: LoadFigures;
      if (order === 'ceiling-first') {
        c = await ceilingRun(`c${i}-`);
        v = await votes(`r${i}-`, config.durationSec);
      } else {
        v = await votes(`r${i}-`, config.durationSec);
        c = await ceilingRun(`c${i}-`);
      }
      const run: RunRecord = {
        run: i,
        order,
        votesPerSec: v.perSec,
        p50Ms: v.p50Ms,
        p99Ms: v.p99Ms,
        p999Ms: v.p999Ms,
        votes2xx: v.ok2xx,
        non2xx: v.non2xx,
        statusCodes: v.statusCodes,
        errors: v.errors,
        timeouts: v.timeouts,
        durationSec: v.durationSec,
        sent: v.sent,
        unanswered: v.unanswered.length + v.unansweredUnknownIds,
        ceiling: { reqPerSec: c.perSec, p50Ms: c.p50Ms, p99Ms: c.p99Ms, p999Ms: c.p999Ms, cpuUsPerReq: ceilingCpuUsPerReq },
        ratio: c.perSec > 0 ? round3(v.perSec / c.perSec) : 0,
        cpuUsPerVote,
      };
      runs.push(run);
      ctx.log(
        `${scenario.name} run ${i}/${config.runs}: ${run.votesPerSec} votes/s${run.cpuUsPerVote !== null ? ` (${run.cpuUsPerVote} µs server CPU per vote; ceiling ${run.ceiling.cpuUsPerReq ?? 'n/a'} µs per request)` : ''} (p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, non-2xx ${run.non2xx}, errors ${run.errors}, ${run.unanswered} of ${run.sent} unanswered) | ceiling ${run.ceiling.reqPerSec} req/s | ratio ${(run.ratio * 100).toFixed(1)} %`,
      );
    }

    const median = medianBy(runs, (r) => r.votesPerSec);
    const ceilingReqPerSec = medianBy(runs, (r) => r.ceiling.reqPerSec).ceiling.reqPerSec;

    let halfCapacity: ScenarioResult['halfCapacity'] = null;
    if (median.votesPerSec > 0) {
      const rate = Math.max(1, Math.round(median.votesPerSec / 2));
      ctx.log(`${scenario.name}: latency at half capacity, ${rate} votes/s for ${config.durationSec} s`);
      const h = account(await runPaced({ urls: target.urls, plan: { ...poll, voterPrefix: 'h-' }, ratePerSec: rate, durationSec: config.durationSec, connections: config.connections }));
      halfCapacity = {
        targetRatePerSec: rate,
        achievedPerSec: h.perSec,
        p50Ms: h.p50Ms,
        p99Ms: h.p99Ms,
        p999Ms: h.p999Ms,
        p99TargetMs: HALF_LOAD_P99_TARGET_MS,
        generator: 'open loop at a fixed rate over raw keep-alive sockets, latency from each request’s due time',
      };
    }

    const verification = await verifyVotes(target.urls[0]!, poll.pollId, acknowledged, unanswered, unknownIds, target.stored?.bind(target));
    return {
      scenario: scenario.name,
      description: scenario.description,
      votesPerSec: median.votesPerSec,
      p50Ms: median.p50Ms,
      p99Ms: median.p99Ms,
      p999Ms: median.p999Ms,
      cpuUsPerVote: median.cpuUsPerVote,
      ceilingReqPerSec,
      ratio: ceilingReqPerSec > 0 ? round3(median.votesPerSec / ceilingReqPerSec) : 0,
      halfCapacity,
      verification,
      runs,
      target: target.settings,
      machine: o.machine,
      config,
      startedAt,
      finishedAt: new Date().toISOString(),
    };
  } finally {
    await target.stop();
  }
}

/** The middle element by `key` (the lower middle for an even count). */
function medianBy<T>(items: T[], key: (t: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
