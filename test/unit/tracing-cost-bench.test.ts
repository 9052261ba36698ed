/**
 * The `tracing-off` bench scenario: run at a tiny duration, it measures the shipped start-up (off)
 * and the no-op facade given through startApp's seam (noop), alternated, reports their ratio, and
 * counts the tracing calls per vote with tracing off. It reads no source text, so refactoring the
 * vote path cannot break it. Asserts structure and one invariant (no tracing work while off), never
 * a time or a speed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BenchConfig, ScenarioContext, ScenarioResult } from '../../bench/bench-types.js';
import { startCeiling } from '../../bench/ceiling-target.js';
import { pickClosedLoopGenerator } from '../../bench/closed-loop-generator.js';
import { repoRoot } from '../../bench/repo-root.js';
import { formatReport, machineInfo } from '../../bench/report.js';
import { SCENARIOS } from '../../bench/scenarios/registry.js';
import { makeTracingOffScenario, MIN_ROUNDS, TRACING_OFF_TARGET_PCT } from '../../bench/scenarios/tracing-off-scenario.js';

const root = repoRoot(import.meta.url);

describe('tracing-off bench', () => {
  it('is in the default set, selectable by name', () => {
    assert.ok(SCENARIOS.some((s) => s.name === 'tracing-off'));
  });

  it('measures off and noop alternately, reports their ratio, and counts no tracing work per vote while off', async () => {
    const lines: string[] = [];
    const ctx: ScenarioContext = { root, log: (l) => lines.push(l) };
    const scenario = makeTracingOffScenario({ withTracingOn: false, control: false });
    assert.equal(await scenario.unavailable(ctx), null);
    const load = pickClosedLoopGenerator('autocannon');
    const config: BenchConfig = { durationSec: 0.4, runs: 1, connections: 8, warmupSec: 0.3, loadGenerator: load.name, generator: load.description };
    const ceiling = await startCeiling(root);
    let result: ScenarioResult;
    try {
      result = await scenario.measure!({ ctx, ceiling, config, machine: machineInfo(), load });
    } finally {
      await ceiling.stop();
    }

    const t = result.tracingCost;
    assert.ok(t, 'tracingCost is reported');
    assert.equal(t.control, false);
    assert.equal(t.targetMaxSlowdownPct, TRACING_OFF_TARGET_PCT);
    assert.equal(t.on, null);
    assert.equal(t.onVsNoop, null);
    // At least MIN_ROUNDS runs each, whatever --runs says; the pair's order alternates.
    assert.equal(t.off.runs.length, MIN_ROUNDS);
    assert.equal(t.noop.runs.length, MIN_ROUNDS);
    assert.deepEqual(t.order, [['off', 'noop'], ['noop', 'off'], ['off', 'noop']]);
    for (const b of [t.off, t.noop]) {
      assert.ok(b.votesPerSec > 0, `${b.name}: votes were acknowledged`);
      assert.ok(Number.isFinite(b.p50Ms) && Number.isFinite(b.p99Ms));
      assert.ok(b.verification.ok, `${b.name}: ${b.verification.detail}`);
    }
    const c = t.offVsNoop;
    assert.equal(c.votesPerSecRatio, Math.round((t.off.votesPerSec / t.noop.votesPerSec) * 1e4) / 1e4);
    assert.equal(c.slowdownPct, Math.round((1 - c.votesPerSecRatio) * 100 * 100) / 100);
    assert.equal(t.withinTarget, c.slowdownPct < TRACING_OFF_TARGET_PCT);
    assert.equal(c.perRoundRatios.length, MIN_ROUNDS);
    assert.match(t.compares, /startApp/);

    // The counting facade saw the votes, and tracing did no work for them while off.
    assert.ok(t.consults, `consults were counted: ${lines.filter((l) => l.includes('count')).join(' | ')}`);
    assert.ok(t.consults.votes > 0);
    assert.equal(t.consults.startPerVote, 0, 'no span started per vote while tracing is off');
    assert.equal(t.consults.runPerVote, 0);
    assert.equal(t.consults.activePerVote, 0);

    assert.equal(result.votesPerSec, t.off.votesPerSec, 'the summary row is the shipped start-up');
    assert.ok(result.verification.ok, result.verification.detail);
    assert.match(result.verification.detail, /counting: /, 'the counting server’s votes are checked too');
    assert.ok(JSON.parse(JSON.stringify(result)).tracingCost.offVsNoop.votesPerSecRatio > 0, 'in the JSON');

    const report = formatReport([result]);
    assert.match(report, /tracing compiled in but off vs not configured \(noop through the seam\): off\/noop = [\d.]+× the votes\/s → [\d.]+ % (slower|faster) \(target < 2 %: (met|NOT MET)\)/);
    assert.match(report, /per-round off\/noop: [\d.]+, [\d.]+, [\d.]+, median [\d.]+ \(spread [\d.]+ points/);
    assert.match(report, /tracing calls per vote with tracing off \(counting facade, [\d,]+ votes\): [\d.]+ enabled reads; 0 start, 0 run, 0 active \(no tracing work while off\)/);
    assert.match(report, /\nnoop\s+[\d,]+/);
    assert.match(report, /\noff\s+[\d,]+/);
  });
});
