/**
 * `npm run bench` (main.ts): at each connection count, the reference (a minimal durable loop),
 * every pollcast scenario and a minimal-Fastify ceiling measured in shared rounds; each pollcast
 * figure next to the reference's and as a ratio; latency at half of capacity; and a check that
 * stored votes equal the acknowledged ones, the reference's included. Prints figures and writes
 * JSON under bench/results/; asserts no times. Exits 1 when the stored votes do not match, 2 on bad
 * options. The closed-loop load comes from wrk when it is on PATH, else from autocannon
 * (closed-loop-generator.ts); the same one for every system.
 */
import type { BenchConfig, Scenario, ScenarioContext, ScenarioResult } from './bench-types.js';
import { startCeiling } from './ceiling-target.js';
import { pickClosedLoopGenerator, type ClosedLoopGenerator, type GeneratorName } from './closed-loop-generator.js';
import { measureCeiling, measureTogether } from './measure-scenario.js';
import { formatReport, machineInfo, writeResults } from './report.js';
import { repoRoot } from './repo-root.js';
import { REFERENCE } from './scenarios/reference-scenario.js';
import { pickScenarios } from './scenarios/registry.js';

const EXIT_USAGE = 2;

export interface BenchOptions {
  durationSec: number;
  runs: number;
  /** Each connection count is measured in turn (every ordinary scenario, the reference and the ceiling). */
  connections: number[];
  scenarios?: string[] | undefined;
  /** Force a closed-loop generator; by default wrk when it is on PATH, else autocannon. */
  generator?: GeneratorName | undefined;
}

export async function runBench(o: BenchOptions): Promise<void> {
  const problems: string[] = [];
  if (!(o.durationSec > 0)) problems.push('--duration must be a positive number of seconds');
  if (!Number.isInteger(o.runs) || o.runs < 1) problems.push('--runs must be a whole number ≥ 1');
  if (o.connections.length === 0 || o.connections.some((c) => !Number.isInteger(c) || c < 1)) problems.push('--connections must be a comma-separated list of whole numbers ≥ 1');
  let scenarios: Scenario[] = [];
  try {
    scenarios = pickScenarios(o.scenarios);
  } catch (err) {
    problems.push(`--scenarios: ${(err as Error).message}`);
  }
  let load: ClosedLoopGenerator | null = null;
  try {
    load = pickClosedLoopGenerator(o.generator);
  } catch (err) {
    problems.push(`--generator: ${(err as Error).message}`);
  }
  if (problems.length > 0 || load === null) {
    process.stderr.write(`bench: ${problems.join('\n  ')}\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }

  const root = repoRoot();
  const ctx: ScenarioContext = { root, log: (line) => process.stderr.write(`bench: ${line}\n`) };
  const machine = machineInfo();
  const base: BenchConfig = {
    durationSec: o.durationSec,
    runs: o.runs,
    connections: o.connections[0]!,
    warmupSec: Math.min(2, o.durationSec),
    loadGenerator: load.name,
    generator: load.description,
  };
  ctx.log(`${machine.cpus} CPUs (${machine.cpuModel}), node ${machine.node}, load average ${machine.loadAvgAtStart.join(' ')}`);
  ctx.log(`${base.runs} round(s) × ${base.durationSec} s, at ${o.connections.join(' and ')} connections`);
  ctx.log(`load generator: ${base.generator}`);

  const available: Scenario[] = [];
  for (const scenario of scenarios) {
    const reason = await scenario.unavailable(ctx);
    if (reason === null) available.push(scenario);
    else ctx.log(`${scenario.name}: skipped: ${reason}`);
  }
  const together = available.filter((s) => !s.measure);
  const alone = available.filter((s) => s.measure);
  // Load time only (start-ups, verification and pauses come on top): per connection count, the
  // ceiling's warm-up, each scenario's warm-up and half-capacity run, and the shared rounds.
  const perCount = base.warmupSec + together.length * (base.warmupSec + base.durationSec) + (together.length + 1) * base.runs * base.durationSec;
  const loadSec = (together.length > 0 ? o.connections.length * perCount : 0) + alone.reduce((sum, s) => sum + (s.loadSeconds?.(base) ?? 0), 0);
  ctx.log(`about ${Math.ceil(loadSec / 60)} min of load (${together.map((s) => s.name).join(', ')} in shared rounds; then ${alone.map((s) => s.name).join(', ') || 'nothing'} on their own), plus start-ups`);

  const results: ScenarioResult[] = [];
  const ceiling = await startCeiling(root);
  try {
    for (const connections of o.connections) {
      const config: BenchConfig = { ...base, connections };
      ctx.log(`ceiling: warming up ${config.warmupSec} s at ${connections} connections`);
      await measureCeiling(load, ceiling, config, config.warmupSec, `w${connections}-`);
      const m = { ctx, ceiling, config, machine, load };
      if (together.length > 0) {
        const measured = await measureTogether({ scenarios: together, ...m });
        compareWithBaselines(measured, together);
        compareWithReference(measured);
        compareWithGoals(measured, together);
        results.push(...measured);
      }
      // Scenarios that measure themselves run once, at the first connection count.
      if (connections === o.connections[0]) for (const scenario of alone) results.push(await scenario.measure!(m));
    }
  } finally {
    await ceiling.stop();
  }

  process.stdout.write(formatReport(results));
  for (const file of writeResults(root, results)) ctx.log(`wrote ${file}`);
  if (results.some((r) => !r.verification.ok)) process.exitCode = 1;
}

/** Sets `comparison` on each result whose scenario names a baseline measured with it. */
function compareWithBaselines(results: ScenarioResult[], scenarios: Scenario[]): void {
  for (const r of results) {
    const baseline = scenarios.find((s) => s.name === r.scenario)?.baseline;
    const b = baseline ? results.find((x) => x.scenario === baseline) : undefined;
    if (!baseline || !b || b.votesPerSec <= 0 || b.ratio <= 0) continue;
    r.comparison = {
      baseline,
      ratio: Math.round((r.votesPerSec / b.votesPerSec) * 100) / 100,
      ratioOfCeilingRatios: Math.round((r.ratio / b.ratio) * 100) / 100,
    };
  }
}

/** Sets `goal` on each result whose scenario has one (postgres-2: the moonshot). */
export function compareWithGoals(results: ScenarioResult[], scenarios: Scenario[]): void {
  for (const r of results) {
    const goal = scenarios.find((s) => s.name === r.scenario)?.goal;
    if (goal) r.goal = { ...goal, ratio: Math.round((r.votesPerSec / goal.votesPerSec) * 1000) / 1000 };
  }
}

/** Sets `vsReference` on every other result measured in the same rounds as the reference. */
export function compareWithReference(results: ScenarioResult[]): void {
  const ref = results.find((r) => r.scenario === REFERENCE);
  if (!ref) return;
  const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : 0);
  for (const r of results) {
    if (r === ref) continue;
    r.vsReference = {
      reference: { votesPerSec: ref.votesPerSec, p50Ms: ref.p50Ms, p99Ms: ref.p99Ms, p999Ms: ref.p999Ms, cpuUsPerVote: ref.cpuUsPerVote },
      votesPerSecRatio: ratio(r.votesPerSec, ref.votesPerSec),
      p50Ratio: ratio(r.p50Ms, ref.p50Ms),
      p99Ratio: ratio(r.p99Ms, ref.p99Ms),
      p999Ratio: ratio(r.p999Ms, ref.p999Ms),
      cpuPerVoteRatio: r.cpuUsPerVote !== null && ref.cpuUsPerVote !== null ? ratio(r.cpuUsPerVote, ref.cpuUsPerVote) : null,
      perRoundVotesRatios: r.runs.map((run) => ratio(run.votesPerSec, ref.runs.find((x) => x.run === run.run)?.votesPerSec ?? 0)),
    };
  }
}
