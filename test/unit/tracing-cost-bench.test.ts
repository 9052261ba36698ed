/**
 * The `tracing-off` bench scenario (issue 6): the tracing-removed reference still fits the sources,
 * and the scenario, run at a tiny duration, reports both builds, alternated, with their ratio.
 * Asserts structure only, never a time or a speed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BenchConfig, ScenarioContext, ScenarioResult } from '../../bench/bench-types.js';
import { startCeiling } from '../../bench/ceiling-target.js';
import { pickClosedLoopGenerator } from '../../bench/closed-loop-generator.js';
import { formatReport, machineInfo } from '../../bench/report.js';
import { SCENARIOS } from '../../bench/scenarios/registry.js';
import { makeTracingOffScenario, MIN_ROUNDS, TRACING_OFF_TARGET_PCT } from '../../bench/scenarios/tracing-off-scenario.js';
import { removeTracing, TRACING_REMOVALS } from '../../bench/tracing-removed-build.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const files = [...new Set(TRACING_REMOVALS.map((r) => r.file))];

describe('tracing-off bench: the tracing-removed reference', () => {
  it('every rewrite fits the current sources once, and no tracing.enabled check is left', () => {
    for (const file of files) {
      const before = readFileSync(join(root, 'src', file + '.ts'), 'utf8');
      const after = removeTracing(file, before);
      assert.ok(after.length < before.length, `${file}: nothing removed`);
      assert.doesNotMatch(after, /tracing\.enabled/, file);
    }
    const vote = removeTracing('core/vote-service', readFileSync(join(root, 'src/core/vote-service.ts'), 'utf8'));
    assert.doesNotMatch(vote, /inSpan\(/, 'the vote.batch span is gone');
    assert.doesNotMatch(vote, /#tracing\.active\(\)/, 'no request span is looked up per vote');
  });

  it('names the rewrite that no longer fits instead of building a wrong reference', () => {
    const text = readFileSync(join(root, 'src/observability/hub-observer.ts'), 'utf8').replace('info.traceparent === null', 'info.traceparent == null');
    assert.throws(() => removeTracing('observability/hub-observer', text), /hub observer.*matched 0 times.*TRACING_REMOVALS/);
  });

  it('is in the default set, selectable by name', () => {
    assert.ok(SCENARIOS.some((s) => s.name === 'tracing-off'));
  });
});

describe('tracing-off bench: the scenario at a tiny duration', () => {
  it('measures off and removed alternately and reports their ratio and the slowdown', async () => {
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
    assert.equal(t.onVsRemoved, null);
    // At least MIN_ROUNDS runs each, whatever --runs says; the pair's order alternates.
    assert.equal(t.off.runs.length, MIN_ROUNDS);
    assert.equal(t.removed.runs.length, MIN_ROUNDS);
    assert.deepEqual(t.order, [['off', 'removed'], ['removed', 'off'], ['off', 'removed']]);
    for (const b of [t.off, t.removed]) {
      assert.ok(b.votesPerSec > 0, `${b.name}: votes were acknowledged`);
      assert.ok(Number.isFinite(b.p50Ms) && Number.isFinite(b.p99Ms));
      assert.ok(b.verification.ok, `${b.name}: ${b.verification.detail}`);
    }
    const c = t.offVsRemoved;
    assert.equal(c.votesPerSecRatio, Math.round((t.off.votesPerSec / t.removed.votesPerSec) * 1e4) / 1e4);
    assert.equal(c.slowdownPct, Math.round((1 - c.votesPerSecRatio) * 100 * 100) / 100);
    assert.equal(t.withinTarget, c.slowdownPct < TRACING_OFF_TARGET_PCT);
    assert.equal(c.perRoundRatios.length, MIN_ROUNDS);
    assert.ok(t.removals.length === TRACING_REMOVALS.length);
    assert.equal(result.votesPerSec, t.off.votesPerSec, 'the summary row is the shipped build');
    assert.ok(result.verification.ok);
    assert.ok(JSON.parse(JSON.stringify(result)).tracingCost.offVsRemoved.votesPerSecRatio > 0, 'in the JSON');

    const report = formatReport([result]);
    assert.match(report, /tracing compiled in but off vs removed: off\/removed = [\d.]+× the votes\/s → [\d.]+ % (slower|faster) \(target < 2 %: (met|NOT MET)\)/);
    assert.match(report, /per-round off\/removed: [\d.]+, [\d.]+, [\d.]+, median [\d.]+ \(spread [\d.]+ points/);
    assert.match(report, /\nremoved\s+[\d,]+/);
    assert.match(report, /\noff\s+[\d,]+/);
  });
});
