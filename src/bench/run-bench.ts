/**
 * `pollcast bench`: for each scenario, votes/s and latency against a minimal-Fastify ceiling
 * measured in the same run, latency at half of capacity, and a check that stored votes equal the
 * acknowledged ones. Prints figures and writes JSON under bench/results/; asserts no times. Exits
 * 1 when the stored votes do not match, 2 on bad options. The closed-loop load comes from wrk when
 * it is on PATH, else from autocannon (closed-loop-generator.ts).
 */
import { fileURLToPath } from 'node:url';
import type { BenchConfig, Scenario, ScenarioContext, ScenarioResult } from './bench-types.js';
import { startCeiling } from './ceiling-target.js';
import { pickClosedLoopGenerator, type ClosedLoopGenerator, type GeneratorName } from './closed-loop-generator.js';
import { measureCeiling, measureScenario } from './measure-scenario.js';
import { formatReport, machineInfo, writeResults } from './report.js';
import { pickScenarios } from './scenarios/registry.js';

const EXIT_USAGE = 2;

export interface BenchOptions {
  durationSec: number;
  runs: number;
  connections: number;
  scenarios?: string[] | undefined;
  /** Force a closed-loop generator; by default wrk when it is on PATH, else autocannon. */
  generator?: GeneratorName | undefined;
}

export async function runBench(o: BenchOptions): Promise<void> {
  const problems: string[] = [];
  if (!(o.durationSec > 0)) problems.push('--duration must be a positive number of seconds');
  if (!Number.isInteger(o.runs) || o.runs < 1) problems.push('--runs must be a whole number ≥ 1');
  if (!Number.isInteger(o.connections) || o.connections < 1) problems.push('--connections must be a whole number ≥ 1');
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
    process.stderr.write(`pollcast bench: ${problems.join('\n  ')}\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }

  // src/bench/ and dist/bench/ are both two levels below the repository root.
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const ctx: ScenarioContext = { root, log: (line) => process.stderr.write(`bench: ${line}\n`) };
  const machine = machineInfo();
  const config: BenchConfig = {
    durationSec: o.durationSec,
    runs: o.runs,
    connections: o.connections,
    warmupSec: Math.min(2, o.durationSec),
    loadGenerator: load.name,
    generator: load.description,
  };
  ctx.log(`${machine.cpus} CPUs (${machine.cpuModel}), node ${machine.node}, load average ${machine.loadAvgAtStart.join(' ')}`);
  ctx.log(`${config.runs} run(s) × ${config.durationSec} s per scenario, ${config.connections} connections`);
  ctx.log(`load generator: ${config.generator}`);

  const results: ScenarioResult[] = [];
  const ceiling = await startCeiling(root);
  try {
    ctx.log(`ceiling: warming up ${config.warmupSec} s`);
    await measureCeiling(load, ceiling, config, config.warmupSec, 'w-');
    for (const scenario of scenarios) {
      const reason = await scenario.unavailable(ctx);
      if (reason !== null) {
        ctx.log(`${scenario.name}: skipped: ${reason}`);
        continue;
      }
      const m = { ctx, ceiling, config, machine, load };
      results.push(await (scenario.measure ? scenario.measure(m) : measureScenario({ scenario, ...m })));
    }
  } finally {
    await ceiling.stop();
  }

  compareWithBaselines(results, scenarios);
  process.stdout.write(formatReport(results));
  for (const file of writeResults(root, results)) ctx.log(`wrote ${file}`);
  if (results.some((r) => !r.verification.ok)) process.exitCode = 1;
}

/** Sets `comparison` on each result whose scenario names a baseline that ran in this bench run. */
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
