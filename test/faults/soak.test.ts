/**
 * Fault matrix — soak (a flag, not in CI): FAULTS_SOAK=1 (`npm run test:faults -- soak`).
 * SOAK_MINUTES (default 30) of votes at SOAK_RATE per second (default 500) with SOAK_VIEWERS
 * live-results viewers (default 1,000), against two pollcast processes (every role) behind the
 * shipped HAProxy config on a private PostgreSQL, Redis and NATS. The run is cut into segments of
 * SOAK_SEGMENT_MINUTES (default 5), each on a fresh poll with its own viewers, and in every
 * segment one fault picked at random (PostgreSQL crash or stall, Redis or NATS kill -9, an api
 * kill -9 or SIGSTOP) hits mid-segment. Every segment ends on the matrix's invariants (lost =
 * duplicated = unexpected = 0, totals = rows, viewers on the stored total). Every 10 s each
 * pollcast process's heap (its /metrics), resident memory and open file descriptors are sampled;
 * at the end: heap and descriptors flat after warm-up (the first segment), and the share of votes
 * not acknowledged below 0.1 %. The figures are printed as one `soak-figures` line; with
 * SOAK_REPORT=<file>, each segment's figures and every sample are appended to it as they come (the
 * test runner prints nothing until the test ends).
 */
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sleep } from '../support/eventually.js';
import { startHaproxy, type Haproxy } from '../support/haproxy.js';
import type { ChildApp } from '../support/child-app.js';
import { faultsSkip, runCase, startFleet, type Fleet } from './fleet.js';

const SOAK = process.env.FAULTS_SOAK === '1';
const num = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
const MINUTES = num('SOAK_MINUTES', 30);
const SEGMENT_MINUTES = num('SOAK_SEGMENT_MINUTES', 5);
const RATE = num('SOAK_RATE', 500);
const VIEWERS = num('SOAK_VIEWERS', 1_000);
const REPORT = process.env.SOAK_REPORT;
const report = (kind: string, o: unknown) => {
  if (REPORT) appendFileSync(REPORT, `${new Date().toISOString()} ${kind} ${JSON.stringify(o)}\n`);
};
const skip = SOAK ? faultsSkip({ haproxy: true }) : 'the soak runs only with FAULTS_SOAK=1 (npm run test:faults -- soak)';

interface Sample {
  at: number;
  slot: number;
  pid: number;
  heapMb: number;
  rssMb: number;
  fds: number;
}

async function sample(app: ChildApp, slot: number, at: number): Promise<Sample | null> {
  const pid = app.child.pid;
  if (pid === undefined) return null;
  try {
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
    const fds = readdirSync(`/proc/${pid}/fd`).length;
    const text = await (await fetch(`${app.url}/metrics`, { signal: AbortSignal.timeout(2_000) })).text();
    const heap = Number(/^nodejs_heap_size_used_bytes\s+(\S+)/m.exec(text)?.[1] ?? NaN);
    return { at, slot, pid, heapMb: heap / 1_048_576, rssMb: rssKb / 1024, fds };
  } catch {
    return null; // stopped, killed or restarting: no sample this time
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
};
const round = (x: number) => Math.round(x * 10) / 10;

describe('fault matrix: soak', { skip, timeout: (MINUTES * 3 + 15) * 60_000 }, () => {
  let fleet: Fleet;
  let lb: Haproxy;
  before(async () => {
    fleet = await startFleet({ env: { SHUTDOWN_DELAY_MS: '2000' } });
    const hosts = fleet.apps.map((a) => new URL(a.url).host);
    lb = await startHaproxy({ servers: { api: hosts, realtime: hosts }, check: { inter: '500ms', fall: 2, rise: 1 } });
  });
  after(async () => {
    await lb?.stop();
    await fleet?.destroy();
  });

  it(`${MINUTES} min at ${RATE} votes/s with ${VIEWERS} viewers and a random fault every ${SEGMENT_MINUTES} min: invariants hold, heap and descriptors flat`, async (t) => {
    const startedAt = Date.now();
    // Slots: which pollcast process (0 or 1); a restarted process keeps its slot.
    const slots: ChildApp[] = [...fleet.apps];
    const samples: Sample[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const at = Date.now() - startedAt;
        for (const [i, app] of slots.entries()) {
          const s = await sample(app, i, at);
          if (s) {
            samples.push(s);
            report('sample', s);
          }
        }
        await sleep(10_000);
      }
    })();

    type Fault = { name: string; run(): Promise<void> };
    const restartSlot = async (i: number, signal: 'SIGKILL') => {
      const victim = slots[i]!;
      const port = Number(new URL(victim.url).port);
      await victim.stop(signal);
      fleet.apps.splice(fleet.apps.indexOf(victim), 1);
      await sleep(5_000);
      slots[i] = await fleet.startApp('all', {}, port);
    };
    const faults: Fault[] = [
      { name: 'PostgreSQL crash', run: async () => { fleet.pg.crash(); await sleep(3_000); await fleet.pg.start(); } },
      { name: 'PostgreSQL stall', run: async () => { fleet.pg.stall(); await sleep(10_000); fleet.pg.resume(); } },
      { name: 'Redis kill -9', run: async () => { await fleet.redis.crash(); await sleep(10_000); await fleet.redis.start(); } },
      { name: 'NATS kill -9', run: async () => { await fleet.nats.crash(); await sleep(5_000); await fleet.nats.start(); } },
      { name: 'api kill -9', run: () => restartSlot(Math.floor(Math.random() * 2), 'SIGKILL') },
      {
        name: 'api SIGSTOP',
        run: async () => {
          const pid = slots[Math.floor(Math.random() * 2)]!.child.pid!;
          process.kill(pid, 'SIGSTOP');
          try {
            await sleep(10_000);
          } finally {
            process.kill(pid, 'SIGCONT');
          }
        },
      },
    ];

    const segments = Math.max(1, Math.round(MINUTES / SEGMENT_MINUTES));
    const perSegment = Math.round(RATE * SEGMENT_MINUTES * 60);
    let votes = 0;
    let acknowledged = 0;
    let notAcknowledged = 0;
    const latencies: number[] = [];
    const segmentFigures: Array<Record<string, unknown>> = [];
    let warmEnd = 0;
    try {
      for (let s = 0; s < segments; s++) {
        const fault = faults[Math.floor(Math.random() * faults.length)]!;
        let loadRef: { outcomes: Array<{ status: number; sentAt: number; doneAt: number }> } | undefined;
        const f = await runCase(t, fleet, {
          name: `soak ${s + 1}/${segments}: ${fault.name}`,
          targets: () => [lb.url],
          viewerUrls: [lb.url],
          viewers: VIEWERS,
          votes: perSegment,
          rate: RATE,
          faultAfter: 0.5,
          async fault(load) {
            loadRef = load;
            await fault.run();
            return { endedAt: Date.now() };
          },
        });
        for (const o of loadRef?.outcomes ?? []) {
          votes += 1;
          if (o.status === 201) {
            acknowledged += 1;
            latencies.push(o.doneAt - o.sentAt);
          } else notAcknowledged += 1;
        }
        segmentFigures.push({ segment: s + 1, fault: fault.name, votes: f.votes, acknowledged: f.acknowledged, inDoubt: f.inDoubt, lost: f.lost, duplicated: f.duplicated, unexpected: f.unexpected, convergedMs: f.convergedMs });
        report('segment', segmentFigures.at(-1));
        if (s === 0) warmEnd = Date.now() - startedAt;
      }
    } finally {
      sampling = false;
      await sampler;
    }

    // Flat after warm-up: per slot, the median of the last two minutes against the median of the
    // two minutes after the first segment (the same process only: a restarted slot starts over).
    const flat: Array<Record<string, unknown>> = [];
    const end = Date.now() - startedAt;
    for (let i = 0; i < slots.length; i++) {
      const pid = slots[i]!.child.pid;
      const mine = samples.filter((x) => x.slot === i && x.pid === pid);
      const warm = mine.filter((x) => x.at >= warmEnd && x.at < warmEnd + 120_000);
      const last = mine.filter((x) => x.at >= end - 120_000);
      if (warm.length === 0 || last.length === 0) {
        flat.push({ slot: i, pid, note: 'restarted after warm-up: no warm sample of this process' });
        continue;
      }
      const row = {
        slot: i,
        pid,
        heapMbWarm: round(median(warm.map((x) => x.heapMb))),
        heapMbEnd: round(median(last.map((x) => x.heapMb))),
        rssMbWarm: round(median(warm.map((x) => x.rssMb))),
        rssMbEnd: round(median(last.map((x) => x.rssMb))),
        fdsWarm: median(warm.map((x) => x.fds)),
        fdsEnd: median(last.map((x) => x.fds)),
      };
      flat.push(row);
    }
    latencies.sort((a, b) => a - b);
    const figures = {
      minutes: round(end / 60_000),
      rate: RATE,
      viewers: VIEWERS,
      votes,
      acknowledged,
      notAcknowledged,
      errorRate: votes === 0 ? 0 : notAcknowledged / votes,
      p50Ms: latencies[Math.floor(latencies.length * 0.5)] ?? null,
      p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? null,
      segments: segmentFigures,
      processes: flat,
      samples: samples.length,
    };
    t.diagnostic(`soak-figures ${JSON.stringify(figures)}`);
    report('figures', figures);
    assert.ok(figures.errorRate < 0.001, `${notAcknowledged} of ${votes} votes not acknowledged`);
    for (const p of flat) {
      if (typeof p.heapMbWarm !== 'number') continue;
      // Flat: heap within 25 % (+ 16 MB of noise) of its warm value, descriptors within 10 % + 64.
      assert.ok((p.heapMbEnd as number) <= (p.heapMbWarm as number) * 1.25 + 16, `heap of slot ${String(p.slot)} grew: ${JSON.stringify(p)}`);
      assert.ok((p.fdsEnd as number) <= (p.fdsWarm as number) * 1.1 + 64, `descriptors of slot ${String(p.slot)} grew: ${JSON.stringify(p)}`);
    }
  });
});
