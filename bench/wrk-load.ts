/**
 * Closed-loop load with wrk (C, its own process; Debian package `wrk`): `connections` keep-alive
 * connections over `threads` threads, each connection sending its next request when the previous
 * answer arrives. Measured here: ≈ 30 µs of CPU per request (two thirds of it in the kernel)
 * against autocannon's 90–120 µs, so the generator takes far less CPU from the server it measures.
 *
 * wrk cannot say which requests were in flight when it stopped, only how many (issued −
 * answered): those are returned as `unansweredUnknownIds`, and the verification accepts any
 * number of them between none and all being stored.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadFigures } from './bench-types.js';
import type { ClosedLoopOptions } from './closed-loop-load.js';
import { WRK_SUMMARY_MARKER, wrkScript, type WrkSummary } from './wrk-script.js';

/**
 * Threads per wrk process: 2. Measured here against the ceiling server (100 connections, 5 s runs,
 * alternated, 7 pairs): -t 2 gave the higher ceiling in 6 of 7 pairs, by ≈ 7 % (median), though
 * with a worse p99 (the second thread competes with the server for the two cores).
 */
export const WRK_THREADS = 2;

const TIMEOUT_SEC = 10;

/** wrk's version when `wrk` is on PATH, else null. */
export function findWrk(): string | null {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8', timeout: 5_000 });
  if (r.error) return null;
  const m = /^wrk (\S+)/m.exec(r.stdout ?? '');
  return m ? m[1]! : null;
}

export interface WrkOptions extends ClosedLoopOptions {
  threads: number;
}

/** Spreads the connections over the URLs (one wrk per URL, run together) and merges. */
export async function runWrk(o: WrkOptions): Promise<LoadFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'pollcast-wrk-'));
  try {
    const runs = o.urls.map((url, i) => {
      const connections = Math.floor(o.connections / o.urls.length) + (i < o.connections % o.urls.length ? 1 : 0);
      const script = join(dir, `load-${i}.lua`);
      writeFileSync(script, wrkScript({ ...o.plan, voterPrefix: `${o.plan.voterPrefix}u${i}-` }, new URL(url).host));
      return runOne(url, script, connections, Math.min(o.threads, connections), o.durationSec);
    });
    return merge(await Promise.all(runs));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runOne(url: string, script: string, connections: number, threads: number, durationSec: number): Promise<WrkSummary> {
  // wrk sleeps whole seconds (`-d`); the rate is computed from the run time it reports.
  const seconds = Math.max(1, Math.round(durationSec));
  const args = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', `${TIMEOUT_SEC}s`, '-s', script, url];
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c));
  });
  const line = out.split('\n').find((l) => l.startsWith(WRK_SUMMARY_MARKER));
  if (code !== 0 || !line) {
    throw new Error(`wrk ${args.join(' ')} exited ${code} without a summary: ${(err || out).trim().slice(-2_000)}`);
  }
  return JSON.parse(line.slice(WRK_SUMMARY_MARKER.length)) as WrkSummary;
}

const ms = (us: number) => Math.round(us / 10) / 100;

function merge(summaries: WrkSummary[]): LoadFigures {
  const statusCodes: Record<string, number> = {};
  let ok2xx = 0;
  let answered = 0;
  let issued = 0;
  let errors = 0;
  let timeouts = 0;
  let durationUs = 0;
  for (const s of summaries) {
    errors += s.errors.connect + s.errors.read + s.errors.write;
    timeouts += s.errors.timeout;
    durationUs = Math.max(durationUs, s.durationUs);
    for (const t of s.threads) {
      ok2xx += t.ok2xx;
      answered += t.responded;
      issued += t.issued;
      for (const [code, n] of Object.entries(t.statuses)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
    }
  }
  // Percentiles of separate wrk processes cannot be merged exactly; the worst is an upper bound.
  // With one URL (one process) they are exact.
  const worst = (k: 'p50' | 'p99' | 'p999') => ms(Math.max(...summaries.map((s) => s.latencyUs[k])));
  const durationSec = durationUs / 1e6;
  return {
    p50Ms: worst('p50'),
    p99Ms: worst('p99'),
    p999Ms: worst('p999'),
    durationSec: Math.round(durationSec * 100) / 100,
    ok2xx,
    perSec: durationSec > 0 ? Math.round(ok2xx / durationSec) : 0,
    non2xx: answered - ok2xx,
    statusCodes,
    errors,
    timeouts,
    unanswered: [],
    sent: issued,
    unansweredUnknownIds: issued - answered,
  };
}
