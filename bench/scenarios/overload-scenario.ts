/**
 * `overload`: what one embedded pollcast does when offered 3 × what it can take (issue 5). Each run
 * first measures the capacity (closed loop, like every scenario, but with at least
 * CAPACITY_CONNECTIONS clients, each sending its next vote when answered: with group commit,
 * throughput rises with concurrency, and on a busy machine `--connections` 100 stops short of what
 * the server can do), then offers OVERLOAD_FACTOR × that rate open loop for `--duration` seconds:
 * vote n is due at start + n/rate whatever happened to the others. The generator starts with
 * OPEN_LOOP_SOCKETS sockets and opens another whenever a vote is due and none is free (up to
 * OPEN_LOOP_MAX_SOCKETS), like a surge of separate phones: the excess waits at the server, which
 * has to shed it, not in the generator. An accepted vote's latency counts from when it was due
 * (connecting included), and, separately, from when it was written to its socket.
 *
 * Printed per run: the capacity, the offered rate, the accepted rate (201/s), the shed rate
 * (503/s), the p50/p99 latency of the accepted votes, and the server's peak resident memory
 * (VmRSS from /proc, sampled every RSS_SAMPLE_MS). Then, as in every scenario, stored votes must
 * equal the 201s (plus those of the abandoned requests that did count, each looked up).
 *
 * The server runs with its default overload thresholds (OVERLOAD_MAX_QUEUE: twice what the
 * committing batches hold; event-loop delay 500 ms; heap 90 % of V8's limit): what a user gets.
 */
import { readFileSync } from 'node:fs';
import type { LoadFigures, MeasureContext, OverloadRun, Scenario, ScenarioResult } from '../bench-types.js';
import { runPaced } from '../paced-load.js';
import { createBenchPoll } from '../poll-api.js';
import { verifyVotes } from '../verify-votes.js';
import { startEmbedded } from './embedded-scenario.js';

export const OVERLOAD_FACTOR = 3;
const CAPACITY_CONNECTIONS = 500;
const OPEN_LOOP_SOCKETS = 1_000;
/** Below the server's HTTP_MAX_CONNECTIONS (20,000) and this machine's 20,000 file descriptors. */
const OPEN_LOOP_MAX_SOCKETS = 15_000;
const RSS_SAMPLE_MS = 100;
const DESCRIPTION = `embedded, offered ${OVERLOAD_FACTOR} × its measured capacity open loop: accepted and shed rates, p99 of accepted votes, peak memory`;

export const overloadScenario: Scenario = {
  name: 'overload',
  description: DESCRIPTION,
  async unavailable() {
    return process.platform === 'linux' ? null : 'reads the server’s memory from /proc (Linux only)';
  },
  start: (ctx) => startEmbedded({ label: 'overload', root: ctx.root }),
  measure: measureOverload,
  // The warm-up, then per run: the capacity, and the open-loop offer.
  loadSeconds: (c) => c.warmupSec + c.runs * 2 * c.durationSec,
};

/** Resident memory of `pid` in MB (VmRSS), or 0 when unreadable. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : 0;
  } catch {
    return 0;
  }
}

export async function measureOverload(m: MeasureContext): Promise<ScenarioResult> {
  const { ctx, config, load } = m;
  const startedAt = new Date().toISOString();
  const log = (line: string) => ctx.log(`overload: ${line}`);
  const target = await startEmbedded({ label: 'overload', root: ctx.root });
  try {
    const pid = target.pids!()[0]!;
    // Two polls, so each check is as exact as its generator allows: the closed-loop phases (wrk
    // names no abandoned request, so its check is a range) on one, the open-loop phases (every
    // unanswered vote is named and looked up, so its check is exact) on the other.
    const capPoll = await createBenchPoll(target.urls[0]!);
    const poll = await createBenchPoll(target.urls[0]!);
    const ledger = () => ({ acknowledged: 0, unanswered: [] as string[], unknownIds: 0 });
    const closed = ledger();
    const open = ledger();
    const account = (l: ReturnType<typeof ledger>, f: LoadFigures) => {
      l.acknowledged += f.ok2xx;
      l.unanswered.push(...f.unanswered);
      l.unknownIds += f.unansweredUnknownIds;
      return f;
    };

    log(`warming up ${config.warmupSec} s`);
    account(closed, await load.run({ urls: target.urls, plan: { ...capPoll, voterPrefix: 'w-' }, connections: config.connections, durationSec: config.warmupSec }));

    const runs: OverloadRun[] = [];
    for (let i = 1; i <= config.runs; i++) {
      const capConnections = Math.max(config.connections, CAPACITY_CONNECTIONS);
      const cap = account(closed, await load.run({ urls: target.urls, plan: { ...capPoll, voterPrefix: `c${i}-` }, connections: capConnections, durationSec: config.durationSec }));
      const offered = Math.max(1, Math.round(cap.perSec * OVERLOAD_FACTOR));
      log(`run ${i}/${config.runs}: capacity ${cap.perSec} votes/s (closed loop, ${capConnections} connections, p99 ${cap.p99Ms} ms); offering ${offered}/s open loop (${OPEN_LOOP_SOCKETS}–${OPEN_LOOP_MAX_SOCKETS} sockets) for ${config.durationSec} s`);
      const shedBefore = await shedCounts(target.urls[0]!);
      const rssBefore = rssMb(pid);
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), RSS_SAMPLE_MS);
      let f: LoadFigures;
      try {
        f = account(open, await runPaced({ urls: target.urls, plan: { ...poll, voterPrefix: `o${i}-` }, ratePerSec: offered, durationSec: config.durationSec, connections: OPEN_LOOP_SOCKETS, maxConnections: OPEN_LOOP_MAX_SOCKETS }));
      } finally {
        clearInterval(sampler);
      }
      peak = Math.max(peak, rssMb(pid));
      const shedAfter = await shedCounts(target.urls[0]!);
      const shedByReason = Object.fromEntries(Object.entries(shedAfter).map(([k, v]) => [k, v - (shedBefore[k] ?? 0)]));
      // Per second of the whole phase, from the first vote due to the last answer (answers go on
      // arriving after the last vote was sent).
      const secs = Math.max(f.answeringSec ?? f.durationSec, f.durationSec, 0.001);
      // What the server still holds (votes in sockets it has not read yet) must settle before the
      // next measurement, and before abandoned votes are looked up.
      await settle(target.urls[0]!);
      const shed = f.statusCodes['503'] ?? 0;
      const run: OverloadRun = {
        run: i,
        capacityPerSec: cap.perSec,
        capacityP99Ms: cap.p99Ms,
        offeredPerSec: offered,
        connections: OPEN_LOOP_SOCKETS,
        maxConnections: OPEN_LOOP_MAX_SOCKETS,
        sent: f.sent,
        acceptedPerSec: Math.round(f.ok2xx / secs),
        shedPerSec: Math.round(shed / secs),
        accepted: f.ok2xx,
        shed,
        otherNon2xx: f.non2xx - shed,
        errors: f.errors,
        p50Ms: f.p50Ms,
        p99Ms: f.p99Ms,
        p999Ms: f.p999Ms,
        sentP50Ms: f.fromSend?.p50Ms ?? 0,
        sentP99Ms: f.fromSend?.p99Ms ?? 0,
        shedByReason,
        rssBeforeMb: rssBefore,
        peakRssMb: peak,
        statusCodes: f.statusCodes,
      };
      runs.push(run);
      log(
        `run ${i}/${config.runs}: offered ${offered}/s → accepted ${run.acceptedPerSec}/s (201), shed ${run.shedPerSec}/s (503), other ${run.otherNon2xx}, errors ${run.errors}; ` +
          `accepted p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms from due (${run.sentP50Ms} / ${run.sentP99Ms} ms from sent); shed by reason ${JSON.stringify(shedByReason)}; RSS ${rssBefore} → peak ${peak} MB`,
      );
    }

    const stored = target.stored?.bind(target);
    const vClosed = await verifyVotes(target.urls[0]!, capPoll.pollId, closed.acknowledged, closed.unanswered, closed.unknownIds, stored);
    const vOpen = await verifyVotes(target.urls[0]!, poll.pollId, open.acknowledged, open.unanswered, open.unknownIds, stored);
    log(`closed-loop phases (wrk): ${vClosed.detail}`);
    log(`open-loop phases (every id named): ${vOpen.detail}`);
    const verification = { ...vOpen, ok: vOpen.ok && vClosed.ok, detail: `open loop: ${vOpen.detail}; closed loop: ${vClosed.detail}` };
    const med = (key: (r: OverloadRun) => number) => median(runs.map(key));
    return {
      scenario: 'overload',
      description: DESCRIPTION,
      votesPerSec: med((r) => r.acceptedPerSec),
      p50Ms: med((r) => r.p50Ms),
      p99Ms: med((r) => r.p99Ms),
      p999Ms: med((r) => r.p999Ms),
      cpuUsPerVote: null,
      ceilingReqPerSec: 0,
      ratio: 0,
      halfCapacity: null,
      verification,
      overload: {
        factor: OVERLOAD_FACTOR,
        capacityConnections: Math.max(config.connections, CAPACITY_CONNECTIONS),
        capacityPerSec: med((r) => r.capacityPerSec),
        offeredPerSec: med((r) => r.offeredPerSec),
        acceptedPerSec: med((r) => r.acceptedPerSec),
        shedPerSec: med((r) => r.shedPerSec),
        p99Ms: med((r) => r.p99Ms),
        sentP99Ms: med((r) => r.sentP99Ms),
        peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
        runs,
      },
      // The runs are in `overload` (a run here is a capacity measurement and an overload phase).
      runs: [],
      target: { ...target.settings, overloadThresholds: 'defaults' },
      machine: m.machine,
      config,
      startedAt,
      finishedAt: new Date().toISOString(),
    };
  } finally {
    await target.stop();
  }
}

/**
 * Waits until the server's vote counter has not moved for 5 s (at most 60 s): votes the generator
 * gave up on may still sit in the server's sockets, and one stored after its lookup would count as
 * a vote never sent. (A second is not enough: the server may spend it refusing a backlog.)
 */
async function settle(url: string): Promise<void> {
  const accepted = async () => {
    try {
      const text = await (await fetch(url + '/metrics', { signal: AbortSignal.timeout(10_000) })).text();
      return /^pollcast_votes_accepted_total (\S+)$/m.exec(text)?.[1] ?? '';
    } catch {
      return '';
    }
  };
  const until = Date.now() + 60_000;
  let last = await accepted();
  let still = 0;
  while (Date.now() < until && still < 5) {
    await new Promise((r) => setTimeout(r, 1_000));
    const now = await accepted();
    still = now === last && now !== '' ? still + 1 : 0;
    last = now;
  }
}

/** The server's pollcast_http_requests_shed_total by reason. */
async function shedCounts(url: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  try {
    const text = await (await fetch(url + '/metrics', { signal: AbortSignal.timeout(10_000) })).text();
    for (const m of text.matchAll(/^pollcast_http_requests_shed_total\{reason="(\w+)"\} (\S+)$/gm)) out[m[1]!] = Number(m[2]);
  } catch {
    // unreadable: reported as no sheds
  }
  return out;
}

/** The middle value (the lower middle for an even count). */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor((s.length - 1) / 2)]!;
}
