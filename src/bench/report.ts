/** The benchmark's output: machine facts, JSON files under bench/results/, a table on stdout. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Machine, ScenarioResult } from './bench-types.js';

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
 * Writes one file per scenario (`<timestamp>-<scenario>.json`) and `latest.json`: the last
 * scenario's result at the top level, plus `scenarios`, the latest result of every scenario ever
 * run here (kept from the previous latest.json when this run skipped it).
 */
export function writeResults(root: string, results: ScenarioResult[]): string[] {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const written: string[] = [];
  for (const r of results) {
    const file = join(dir, `${stamp}-${r.scenario}.json`);
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
  const scenarios = { ...previous, ...Object.fromEntries(results.map((r) => [r.scenario, r])) };
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
    out.push(`\n${r.scenario}: ${r.description}`);
    const rows = [['run', 'votes/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'non-2xx', 'errors', 'ceiling req/s', 'ratio', 'CPU µs/vote', 'ceiling CPU µs/req']];
    for (const run of r.runs) {
      rows.push([
        String(run.run), int(run.votesPerSec), ms(run.p50Ms), ms(run.p99Ms), ms(run.p999Ms), int(run.non2xx), int(run.errors),
        int(run.ceiling.reqPerSec), pct(run.ratio), cpu(run.cpuUsPerVote), cpu(run.ceiling.cpuUsPerReq),
      ]);
    }
    out.push(table(rows));
  }
  const generator = results[0]?.config.generator;
  if (generator) out.push(`\nLoad generator (ceiling and scenarios alike): ${generator}`);
  out.push('\nSummary (median of runs; ratio = votes/s ÷ ceiling req/s measured in the same run)');
  const rows = [['scenario', 'votes/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'ceiling req/s', 'ratio', 'CPU µs/vote', 'p99 @ 50 % load', 'stored = 2xx']];
  for (const r of results) {
    const half = r.halfCapacity ? `${ms(r.halfCapacity.p99Ms)} ms @ ${int(r.halfCapacity.achievedPerSec)}/s ${r.halfCapacity.p99Ms < r.halfCapacity.p99TargetMs ? '<' : '≥'} ${r.halfCapacity.p99TargetMs}` : 'n/a';
    rows.push([r.scenario, int(r.votesPerSec), ms(r.p50Ms), ms(r.p99Ms), ms(r.p999Ms), int(r.ceilingReqPerSec), pct(r.ratio), cpu(r.cpuUsPerVote), half, r.verification.ok ? 'OK' : 'MISMATCH']);
  }
  out.push(table(rows));
  for (const r of results) out.push(`${r.scenario} verification: ${r.verification.ok ? 'OK' : 'MISMATCH'}: ${r.verification.detail}`);
  for (const r of results) {
    const c = r.comparison;
    if (c) out.push(`${r.scenario} vs ${c.baseline}: ${c.ratio.toFixed(2)}× the votes/s (${c.ratioOfCeilingRatios.toFixed(2)}× as a share of each one's same-run ceiling)`);
  }
  return out.join('\n') + '\n';
}
