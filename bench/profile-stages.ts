/**
 * Per-stage CPU budget of one vote from a V8 CPU profile:
 *   node dist-bench/bench/profile-stages.js <file.cpuprofile> --votes N [--from-ms T] [--vote-window]
 * N is the number of votes served while profiling (wrk's "requests in"); T skips the first T ms
 * of samples (startup); --vote-window counts only from the first to the last sample inside the
 * vote route (routes/votes), which also leaves out the shutdown after the load. Prints stage, ms of CPU, % of busy, µs per vote. The rules that name a
 * stage are the table in stage-attribution.ts.
 */
import { readFileSync } from 'node:fs';
import { attributeStages, stageRows, VOTE_WINDOW, type CpuProfile } from './stage-attribution.js';

function usage(): never {
  console.error('usage: profile-stages <file.cpuprofile> --votes N [--from-ms T] [--vote-window]');
  process.exit(2);
}

function numberAfter(args: readonly string[], flag: string): number | undefined {
  const at = args.indexOf(flag);
  if (at < 0) return undefined;
  const value = Number(args[at + 1]);
  if (!Number.isFinite(value) || value < 0) usage();
  return value;
}

const args = process.argv.slice(2);
const file = args[0];
const votes = numberAfter(args, '--votes');
if (file === undefined || file.startsWith('--') || votes === undefined || votes === 0) usage();
const fromMs = numberAfter(args, '--from-ms') ?? 0;

const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const budget = attributeStages(profile, fromMs, args.includes('--vote-window') ? VOTE_WINDOW : undefined);
const rows = stageRows(budget, votes);

const pad = (s: string, n: number): string => s.padEnd(n);
const num = (x: number, digits: number, n: number): string => x.toFixed(digits).padStart(n);
console.log(`${pad('stage', 24)}${'ms CPU'.padStart(10)}${'% busy'.padStart(9)}${'µs/vote'.padStart(10)}`);
for (const row of rows) console.log(`${pad(row.stage, 24)}${num(row.ms, 1, 10)}${num(row.percentOfBusy, 1, 9)}${num(row.usPerVote, 1, 10)}`);
console.log(`${pad('busy (total)', 24)}${num(budget.busyUs / 1000, 1, 10)}${num(100, 1, 9)}${num(budget.busyUs / votes, 1, 10)}`);
console.log(`idle ${(budget.idleUs / 1000).toFixed(1)} ms; span ${(budget.spanUs / 1000).toFixed(1)} ms from ${fromMs} ms${args.includes('--vote-window') ? ' (vote window)' : ''}; ${votes} votes`);
