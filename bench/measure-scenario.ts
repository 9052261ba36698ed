/**
 * Measures the ordinary scenarios (the reference and every pollcast layout) together, at one
 * connection count: start every target, warm each up, then `runs` rounds in which the ceiling and
 * every target run once each, back to back, the order rotated by one place per round (so each
 * system takes every position, and the machine's drift hits them all alike); then the latency at
 * half of each one's median capacity, then each one's stored-votes check. All use the same
 * closed-loop generator (wrk or autocannon, see closed-loop-generator.ts) with the same
 * connections. Figures are medians over the rounds.
 *
 * The targets idle while another runs (timers only). A fleet's worker process may still be
 * relaying the outbox of the previous slot for a moment: that CPU is pollcast's, and the next
 * slot (whoever it is) pays for it, which the rotation spreads over every system.
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
  scenarios: Scenario[];
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

interface Running {
  scenario: Scenario;
  target: BenchTarget;
  poll: Omit<VotePlan, 'voterPrefix'>;
  startedAt: string;
  acknowledged: number;
  unanswered: string[];
  unknownIds: number;
  runs: Array<{ f: LoadFigures; cpuUsPerVote: number | null; round: number; position: number }>;
}

interface CeilingRun {
  f: LoadFigures;
  cpuUsPerReq: number | null;
}

/** Runs `fn` and returns its result with the CPU `pids` spent meanwhile, in µs per `count(result)`. */
async function withCpu<T>(pids: number[], fn: () => Promise<T>, count: (t: T) => number): Promise<{ value: T; cpuUs: number | null }> {
  const before = processCpuSeconds(pids);
  const value = await fn();
  const after = before === null ? null : processCpuSeconds(pids);
  const n = count(value);
  return { value, cpuUs: before !== null && after !== null && n > 0 ? Math.round(((after - before) * 1e6) / n) : null };
}

export async function measureTogether(o: MeasureOptions): Promise<ScenarioResult[]> {
  const { ctx, ceiling, config, load } = o;
  const c = config.connections;
  const running: Running[] = [];
  try {
    // Started one after another (start-up is not measured); one that fails is skipped, not fatal.
    for (const scenario of o.scenarios) {
      ctx.log(`${scenario.name}: starting`);
      const startedAt = new Date().toISOString();
      let target: BenchTarget;
      try {
        target = await scenario.start(ctx);
      } catch (err) {
        ctx.log(`${scenario.name}: skipped: did not start: ${(err as Error).message}`);
        continue;
      }
      const r: Running = { scenario, target, poll: { pollId: '', optionIds: [] }, startedAt, acknowledged: 0, unanswered: [], unknownIds: 0, runs: [] };
      running.push(r);
      r.poll = await createBenchPoll(target.urls[0]!);
    }
    const account = (r: Running, f: LoadFigures) => {
      r.acknowledged += f.ok2xx;
      r.unanswered.push(...f.unanswered);
      r.unknownIds += f.unansweredUnknownIds;
      return f;
    };
    const votes = (r: Running, prefix: string, durationSec: number) =>
      withCpu(r.target.pids?.() ?? [], async () => account(r, await load.run({ urls: r.target.urls, plan: { ...r.poll, voterPrefix: prefix }, connections: c, durationSec })), (f) => f.ok2xx);

    for (const r of running) {
      ctx.log(`${r.scenario.name}: warming up ${config.warmupSec} s at ${c} connections`);
      await votes(r, `w${c}-`, config.warmupSec);
    }

    const ceilingRuns: CeilingRun[] = [];
    const slots: Array<Running | 'ceiling'> = ['ceiling', ...running];
    for (let round = 1; round <= config.runs; round++) {
      const shift = (round - 1) % slots.length;
      const order = [...slots.slice(shift), ...slots.slice(0, shift)];
      ctx.log(`round ${round}/${config.runs} at ${c} connections: ${order.map((s) => (s === 'ceiling' ? 'ceiling' : s.scenario.name)).join(' → ')}`);
      for (let i = 0; i < order.length; i++) {
        const slot = order[i]!;
        if (slot === 'ceiling') {
          const { value, cpuUs } = await withCpu(ceiling.pids?.() ?? [], () => measureCeiling(load, ceiling, config, config.durationSec, `c${c}r${round}-`), (f) => f.ok2xx);
          ceilingRuns.push({ f: value, cpuUsPerReq: cpuUs });
          ctx.log(`  ceiling: ${value.perSec} req/s (p50 ${value.p50Ms} ms, p99 ${value.p99Ms} ms${cpuUs !== null ? `, ${cpuUs} µs CPU per request` : ''})`);
        } else {
          const { value: f, cpuUs } = await votes(slot, `r${c}x${round}-`, config.durationSec);
          slot.runs.push({ f, cpuUsPerVote: cpuUs, round, position: i + 1 });
          ctx.log(
            `  ${slot.scenario.name}: ${f.perSec} votes/s (p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, p99.9 ${f.p999Ms} ms${cpuUs !== null ? `, ${cpuUs} µs server CPU per vote` : ''}, non-2xx ${f.non2xx}, errors ${f.errors}, ${f.unanswered.length + f.unansweredUnknownIds} of ${f.sent} unanswered)`,
          );
        }
      }
    }

    const ceilingMedian = median(ceilingRuns.map((x) => x.f.perSec));
    const results: ScenarioResult[] = [];
    for (const r of running) {
      const runs: RunRecord[] = r.runs.map(({ f, cpuUsPerVote, round }) => {
        const cr = ceilingRuns[round - 1]!;
        return {
          run: round,
          order: 'rotated',
          votesPerSec: f.perSec,
          p50Ms: f.p50Ms,
          p99Ms: f.p99Ms,
          p999Ms: f.p999Ms,
          votes2xx: f.ok2xx,
          non2xx: f.non2xx,
          statusCodes: f.statusCodes,
          errors: f.errors,
          timeouts: f.timeouts,
          durationSec: f.durationSec,
          sent: f.sent,
          unanswered: f.unanswered.length + f.unansweredUnknownIds,
          ceiling: { reqPerSec: cr.f.perSec, p50Ms: cr.f.p50Ms, p99Ms: cr.f.p99Ms, p999Ms: cr.f.p999Ms, cpuUsPerReq: cr.cpuUsPerReq },
          ratio: cr.f.perSec > 0 ? round3(f.perSec / cr.f.perSec) : 0,
          cpuUsPerVote,
        };
      });
      const votesPerSec = median(runs.map((x) => x.votesPerSec));
      let halfCapacity: ScenarioResult['halfCapacity'] = null;
      if (votesPerSec > 0) {
        const rate = Math.max(1, Math.round(votesPerSec / 2));
        ctx.log(`${r.scenario.name}: latency at half capacity, ${rate} votes/s for ${config.durationSec} s over ${c} connections`);
        const h = account(r, await runPaced({ urls: r.target.urls, plan: { ...r.poll, voterPrefix: `h${c}-` }, ratePerSec: rate, durationSec: config.durationSec, connections: c }));
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
      const verification = await verifyVotes(r.target.urls[0]!, r.poll.pollId, r.acknowledged, r.unanswered, r.unknownIds, r.target.stored?.bind(r.target));
      const cpus = runs.map((x) => x.cpuUsPerVote);
      results.push({
        scenario: r.scenario.name,
        description: r.scenario.description,
        votesPerSec,
        p50Ms: median(runs.map((x) => x.p50Ms)),
        p99Ms: median(runs.map((x) => x.p99Ms)),
        p999Ms: median(runs.map((x) => x.p999Ms)),
        cpuUsPerVote: cpus.every((x) => x !== null) && cpus.length > 0 ? Math.round(median(cpus as number[])) : null,
        ceilingReqPerSec: ceilingMedian,
        ratio: ceilingMedian > 0 ? round3(votesPerSec / ceilingMedian) : 0,
        halfCapacity,
        verification,
        runs,
        target: r.target.settings,
        machine: o.machine,
        config,
        startedAt: r.startedAt,
        finishedAt: new Date().toISOString(),
      });
    }
    return results;
  } finally {
    await Promise.allSettled(running.map((r) => r.target.stop()));
  }
}

/** The median (the mean of the middle two for an even count); 0 for none. */
export function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
