/** The benchmark's output: machine facts, JSON files under bench/results/, a table on stdout. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Machine, OverloadResult, ScenarioResult, TracingCost, VariantComparison } from './bench-types.js';

export function machineInfo(): Machine {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    loadAvgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/**
 * Writes one file per scenario and connection count (`<timestamp>-<scenario>-c<connections>.json`)
 * and `latest.json`: the last result at the top level, plus `scenarios`, the latest result of every
 * scenario ever run here keyed `<scenario>` at the first connection count of its run and
 * `<scenario>@<connections>` at every count (kept from the previous latest.json when this run
 * skipped it).
 */
export function writeResults(root: string, results: ScenarioResult[]): string[] {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const written: string[] = [];
  for (const r of results) {
    const file = join(dir, `${stamp}-${r.scenario}-c${r.config.connections}.json`);
    writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
    written.push(file);
  }
  const latestFile = join(dir, 'latest.json');
  let previous: Record<string, ScenarioResult> = {};
  try {
    const old = JSON.parse(readFileSync(latestFile, 'utf8')) as { scenarios?: Record<string, ScenarioResult> };
    previous = old.scenarios ?? {};
  } catch {
    previous = {};
  }
  const first = new Map<string, ScenarioResult>();
  for (const r of results) if (!first.has(r.scenario)) first.set(r.scenario, r);
  const scenarios = { ...previous, ...Object.fromEntries(results.map((r) => [`${r.scenario}@${r.config.connections}`, r])), ...Object.fromEntries(first) };
  const last = results[results.length - 1];
  if (last) {
    writeFileSync(latestFile, JSON.stringify({ ...last, scenarios }, null, 2) + '\n');
    written.push(latestFile);
  }
  return written;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => n.toFixed(2);
const pct = (r: number) => `${(r * 100).toFixed(1)} %`;
const cpu = (us: number | null | undefined) => (us === null || us === undefined ? 'n/a' : String(us));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

export function formatReport(results: ScenarioResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    out.push(`\n${r.scenario} at ${int(r.config.connections)} connections: ${r.description}`);
    if (r.tracingCost) {
      out.push(tracingRunsTable(r.tracingCost));
      continue;
    }
    if (r.overload) {
      out.push(overloadRunsTable(r.overload));
      continue;
    }
    const rows = [['round', 'votes/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'non-2xx', 'errors', 'ceiling req/s', 'ratio', 'CPU µs/vote', 'ceiling CPU µs/req']];
    for (const run of r.runs) {
      rows.push([
        String(run.run), int(run.votesPerSec), ms(run.p50Ms), ms(run.p99Ms), ms(run.p999Ms), int(run.non2xx), int(run.errors),
        int(run.ceiling.reqPerSec), pct(run.ratio), cpu(run.cpuUsPerVote), cpu(run.ceiling.cpuUsPerReq),
      ]);
    }
    out.push(table(rows));
  }
  const generator = results[0]?.config.generator;
  if (generator) out.push(`\nLoad generator (ceiling, reference and scenarios alike): ${generator}`);
  for (const connections of [...new Set(results.map((r) => r.config.connections))]) {
    const group = results.filter((r) => r.config.connections === connections);
    out.push(referenceTable(group, connections));
    out.push(`\nSummary at ${int(connections)} connections (medians of the rounds; ratio = votes/s ÷ ceiling req/s, same rounds)`);
    const rows = [['scenario', 'votes/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'ceiling req/s', 'ratio', 'CPU µs/vote', 'p99 @ 50 % load', 'stored = 2xx']];
    for (const r of group) {
      const half = r.halfCapacity ? `${ms(r.halfCapacity.p99Ms)} ms @ ${int(r.halfCapacity.achievedPerSec)}/s ${r.halfCapacity.p99Ms < r.halfCapacity.p99TargetMs ? '<' : '≥'} ${r.halfCapacity.p99TargetMs}` : 'n/a';
      rows.push([r.scenario, int(r.votesPerSec), ms(r.p50Ms), ms(r.p99Ms), ms(r.p999Ms), int(r.ceilingReqPerSec), pct(r.ratio), cpu(r.cpuUsPerVote), half, r.verification.ok ? 'OK' : 'MISMATCH']);
    }
    out.push(table(rows));
    for (const r of group) out.push(`${r.scenario} verification: ${r.verification.ok ? 'OK' : 'MISMATCH'}: ${r.verification.detail}`);
    for (const r of group) {
      const c = r.comparison;
      if (c) out.push(`${r.scenario} vs ${c.baseline}: ${c.ratio.toFixed(2)}× the votes/s (${c.ratioOfCeilingRatios.toFixed(2)}× as a share of each one's same-round ceiling)`);
    }
    for (const r of group) {
      const g = r.goal;
      if (g) out.push(`${r.scenario}: ${int(r.votesPerSec)} votes/s = ${pct(g.ratio)} of ${int(g.votesPerSec)} votes/s, ${g.what}`);
    }
  }
  for (const r of results) if (r.tracingCost) out.push(tracingSummary(r.tracingCost));
  for (const r of results) if (r.overload) out.push(overloadSummary(r.overload, r.verification.ok));
  return out.join('\n') + '\n';
}

const x = (ratio: number | null) => (ratio === null ? 'n/a' : `${ratio.toFixed(2)}×`);

/**
 * Each pollcast scenario next to the reference measured in the same rounds: every figure as
 * "pollcast (reference) pollcast÷reference". Empty when the reference did not run.
 */
function referenceTable(group: ScenarioResult[], connections: number): string {
  const compared = group.filter((r) => r.vsReference);
  if (compared.length === 0) return '';
  const rows = [['scenario', 'votes/s (ref) ×', 'p50 ms (ref) ×', 'p99 ms (ref) ×', 'p99.9 ms (ref) ×', 'CPU µs/vote (ref) ×', 'votes/s × per round']];
  for (const r of compared) {
    const v = r.vsReference!;
    const f = v.reference;
    rows.push([
      r.scenario,
      `${int(r.votesPerSec)} (${int(f.votesPerSec)}) ${x(v.votesPerSecRatio)}`,
      `${ms(r.p50Ms)} (${ms(f.p50Ms)}) ${x(v.p50Ratio)}`,
      `${ms(r.p99Ms)} (${ms(f.p99Ms)}) ${x(v.p99Ratio)}`,
      `${ms(r.p999Ms)} (${ms(f.p999Ms)}) ${x(v.p999Ratio)}`,
      `${cpu(r.cpuUsPerVote)} (${cpu(f.cpuUsPerVote)}) ${x(v.cpuPerVoteRatio)}`,
      v.perRoundVotesRatios.map((n) => n.toFixed(2)).join(', '),
    ]);
  }
  return `\npollcast vs the reference at ${int(connections)} connections (medians of the same rounds; × = pollcast ÷ reference: votes/s above 1 is faster, latency and CPU above 1 cost more)\n${table(rows)}`;
}

/** Every run of every variant of the `tracing-off` scenario, in the order they ran. */
function tracingRunsTable(t: TracingCost): string {
  const builds = [t.off, t.noop, ...(t.on ? [t.on] : [])];
  const rows = [['round', 'variant', 'votes/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'non-2xx', 'errors', 'CPU µs/vote']];
  t.order.forEach((names, i) => {
    for (const name of names) {
      const run = builds.find((b) => b.name === name)?.runs.find((r) => r.round === i + 1);
      if (run) rows.push([String(run.round), name, int(run.votesPerSec), ms(run.p50Ms), ms(run.p99Ms), ms(run.p999Ms), int(run.non2xx), int(run.errors), cpu(run.cpuUsPerVote)]);
    }
  });
  return table(rows);
}

const times = (r: number | null) => (r === null ? 'n/a' : `${r.toFixed(3)}×`);
const slower = (c: VariantComparison) => (c.slowdownPct >= 0 ? `${c.slowdownPct.toFixed(2)} % slower` : `${(-c.slowdownPct).toFixed(2)} % faster`);

/** Off against noop: their ratio and the slowdown against the target, and the tracing calls per vote. */
function tracingSummary(t: TracingCost): string {
  const out = [`\ntracing-off${t.control ? ' — A/A CONTROL (BENCH_TRACING_CONTROL=1): "noop" is the shipped start-up again, so the ratio is noise only' : ''}: medians of ${t.off.runs.length} runs per variant; order per round: ${t.order.map((o) => o.join('→')).join(', ')}`];
  out.push(`  compares: ${t.compares}`);
  const rows = [['variant', 'votes/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'CPU µs/vote', 'stored = 2xx', 'what']];
  for (const b of [t.noop, t.off, ...(t.on ? [t.on] : [])]) {
    rows.push([b.name, int(b.votesPerSec), ms(b.p50Ms), ms(b.p99Ms), ms(b.p999Ms), cpu(b.cpuUsPerVote), b.verification.ok ? 'OK' : 'MISMATCH', b.description]);
  }
  out.push(table(rows));
  const c = t.offVsNoop;
  out.push(
    `tracing compiled in but off vs not configured (noop through the seam): off/noop = ${times(c.votesPerSecRatio)} the votes/s → ${slower(c)} ` +
      `(target < ${t.targetMaxSlowdownPct} %: ${t.withinTarget ? 'met' : 'NOT MET'}); p50 ${times(c.p50Ratio)}, p99 ${times(c.p99Ratio)}, CPU per vote ${times(c.cpuPerVoteRatio)}`,
  );
  const spread = c.perRoundRatios.length > 0 ? (Math.max(...c.perRoundRatios) - Math.min(...c.perRoundRatios)) * 100 : 0;
  const resolves = spread <= t.targetMaxSlowdownPct ? '' : `; wider than the ${t.targetMaxSlowdownPct} % target, so this run cannot resolve a difference that small: run longer, or on a quieter machine`;
  out.push(`  per-round off/noop: ${c.perRoundRatios.map((r) => r.toFixed(3)).join(', ')}, median ${c.perRoundMedian.toFixed(3)} (spread ${spread.toFixed(1)} points: the noise of this run${resolves})`);
  const k = t.consults;
  out.push(
    k
      ? `tracing calls per vote with tracing off (counting facade, ${int(k.votes)} votes): ${k.enabledPerVote} enabled reads; ${k.startPerVote} start, ${k.runPerVote} run, ${k.activePerVote} active ${k.startPerVote + k.runPerVote + k.activePerVote === 0 ? '(no tracing work while off)' : '(TRACING WORK WHILE OFF: should be 0)'}`
      : 'tracing calls per vote with tracing off: not counted (see the log)',
  );
  if (t.on && t.onVsNoop) {
    const o = t.onVsNoop;
    out.push(`tracing on, exporting to a local OTLP sink, vs noop (informative, no target): ${times(o.votesPerSecRatio)} the votes/s → ${slower(o)}; p99 ${times(o.p99Ratio)}, CPU per vote ${times(o.cpuPerVoteRatio)}`);
  }
  return out.join('\n');
}

/** The `overload` scenario's runs: capacity, offered, accepted and shed rates, latency of the accepted, memory. */
function overloadRunsTable(o: OverloadResult): string {
  const rows = [['run', 'capacity/s', 'offered/s', 'accepted 201/s', 'shed 503/s', 'other', 'errors', 'accepted p50 ms', 'accepted p99 ms', 'p99 from sent ms', 'shed by reason', 'RSS before MB', 'peak RSS MB']];
  for (const r of o.runs) {
    rows.push([String(r.run), int(r.capacityPerSec), int(r.offeredPerSec), int(r.acceptedPerSec), int(r.shedPerSec), int(r.otherNon2xx), int(r.errors), ms(r.p50Ms), ms(r.p99Ms), ms(r.sentP99Ms), Object.entries(r.shedByReason).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${int(n)}`).join(', ') || '-', r.rssBeforeMb.toFixed(0), r.peakRssMb.toFixed(0)]);
  }
  return table(rows);
}

function overloadSummary(o: OverloadResult, stored: boolean): string {
  return (
    `\noverload: offered ${o.factor} × capacity (${int(o.capacityPerSec)}/s closed loop with ${int(o.capacityConnections)} connections → ${int(o.offeredPerSec)}/s open loop), medians of ${o.runs.length} run(s): ` +
    `accepted ${int(o.acceptedPerSec)}/s (${pct(o.capacityPerSec > 0 ? o.acceptedPerSec / o.capacityPerSec : 0)} of capacity), shed ${int(o.shedPerSec)}/s, ` +
    `p99 of accepted votes ${ms(o.p99Ms)} ms from due (${ms(o.sentP99Ms)} ms from sent), peak server RSS ${o.peakRssMb.toFixed(0)} MB; stored = 201s: ${stored ? 'OK' : 'MISMATCH'}`
  );
}
