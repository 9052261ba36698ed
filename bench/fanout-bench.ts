/**
 * `npm run bench:fanout`: what one `realtime` process costs per live viewer. On a scratch slice of
 * PostgreSQL + Redis + NATS it starts one `api` and one `realtime` process, opens `--viewers` SSE
 * streams on one poll from load-generator processes (fanout-viewers.ts, up to 5,000 sockets each,
 * each from its own 127.0.0.x address), votes at `--rate` votes/s through the api for `--duration`
 * seconds, and reports: vote-acknowledged → viewer-received latency measured at the clients
 * (p50/p99/p99.9/max), pushes per second as the viewers received them, memory per viewer (realtime
 * RSS growth ÷ viewers, after connecting and at the peak while voting), realtime CPU per frame,
 * bytes per frame, the server's own commit-to-push histogram, slow viewers dropped, and how long
 * after the last vote every viewer showed the final stored total. Prints figures; asserts no
 * times; exits 1 if a viewer does not converge on the stored total.
 *
 *   npm run bench:fanout -- --viewers 10000 --rate 200 --duration 10
 *   npm run bench:fanout -- --viewers 20000 --cpu-prof /tmp/prof   # writes the realtime profile
 *   npm run bench:fanout -- --scenario switch --viewers 10000       # an event's question switch (event-switch-bench.ts)
 *
 * 20,000 sockets on each side need more file descriptors than the usual 20,000 limit: the bench
 * re-runs itself under `ulimit -n` raised (root, or a hard limit that allows it).
 */
import { execFileSync, fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { benchSlice, servicesMissing } from './distributed-slice.js';
import { createBenchPoll } from './poll-api.js';
import type { NodeChild } from './child-process.js';
import { processCpuSeconds } from './process-cpu.js';
import { benchEnv, startPollcast } from './pollcast-process.js';
import type { FanoutReply, FanoutRequest } from './fanout-viewers.js';
import { repoRoot } from './repo-root.js';

const { values } = parseArgs({
  options: {
    viewers: { type: 'string', default: '5000' },
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '10' },
    'cpu-prof': { type: 'string' },
    /** `switch`: an event's question switch to --viewers phones (bench/event-switch-bench.ts); default: live results. */
    scenario: { type: 'string' },
    switches: { type: 'string', default: '5' },
  },
});
if (values.scenario === 'switch') {
  const { runSwitchBench } = await import('./event-switch-bench.js');
  process.exit(await runSwitchBench(Number(values.viewers), Number(values.switches)));
}
const viewerCount = Number(values.viewers);
const rate = Number(values.rate);
const durationSec = Number(values.duration);
if (![viewerCount, rate, durationSec].every((v) => Number.isInteger(v) && v > 0)) {
  process.stderr.write('bench:fanout: --viewers, --rate and --duration must be whole numbers > 0\n');
  process.exit(2);
}

const log = (s: string) => process.stderr.write(`bench:fanout: ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

// Both the realtime process and the load generators hold one descriptor per viewer.
const fdsNeeded = viewerCount + 4_096;
const fdLimit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
if (Number.isFinite(fdLimit) && fdLimit < fdsNeeded && process.env.POLLCAST_FANOUT_REEXEC === undefined) {
  const quoted = [process.execPath, ...process.execArgv, ...process.argv.slice(1)].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  // 111: the limit could not be raised; run here with what there is.
  const r = spawnSync('sh', ['-c', `ulimit -n ${fdsNeeded} 2>/dev/null || exit 111; exec ${quoted}`], { stdio: 'inherit', env: { ...process.env, POLLCAST_FANOUT_REEXEC: '1' } });
  if (r.status !== 111) process.exit(r.status ?? 1);
}
if (Number.isFinite(fdLimit) && fdLimit < fdsNeeded) {
  log(`ulimit -n is ${fdLimit} and cannot be raised to ${fdsNeeded}: viewers beyond it will fail to connect`);
}

const missing = await servicesMissing();
if (missing) {
  process.stderr.write(`bench:fanout: ${missing}\n`);
  process.exit(2);
}

/** One load-generator process and its answers, in order. */
class Generator {
  readonly child: ChildProcess;
  readonly #queue: Array<(m: FanoutReply) => void> = [];
  constructor(file: string) {
    this.child = fork(file, [], { execArgv: file.endsWith('.ts') ? ['--import', 'tsx'] : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: FanoutReply) => this.#queue.shift()?.(m));
  }
  ask<T extends FanoutReply['type']>(m: FanoutRequest, answer: T): Promise<Extract<FanoutReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.#queue.push((r) => (r.type === answer ? resolve(r as Extract<FanoutReply, { type: T }>) : reject(new Error(`expected ${answer}, got ${r.type}`))));
      this.child.send(m);
    });
  }
}

const PER_GENERATOR = 5_000;
const here = fileURLToPath(import.meta.url);
const generatorFile = here.replace(/fanout-bench\.(ts|js)$/, 'fanout-viewers.$1');
const root = repoRoot();
const slice = benchSlice();
const env = (role: string) => benchEnv({ ...slice.env, POLLCAST_ROLE: role, POLLCAST_PROCESSES: '1', RATE_LIMIT_VOTER_PER_MIN: '0' });
const started: NodeChild[] = [];
const generators: Generator[] = [];
let exitCode = 0;
try {
  const api = await startPollcast({ label: 'api', root, env: env('api') });
  started.push(api);
  const rtEnv = env('realtime');
  if (values['cpu-prof'] !== undefined) {
    const preload = here.replace(/fanout-bench\.(ts|js)$/, 'cpu-profile-preload.$1');
    rtEnv.NODE_OPTIONS = `${rtEnv.NODE_OPTIONS ?? ''} --import ${preload}`.trim();
    rtEnv.POLLCAST_CPU_PROF_DIR = values['cpu-prof'];
    mkdirSync(values['cpu-prof'], { recursive: true });
  }
  const realtime = await startPollcast({ label: 'realtime', root, env: rtEnv });
  started.push(realtime);
  const poll = await createBenchPoll(api.url);
  const rtPid = realtime.child.pid!;
  const { port } = new URL(realtime.url);
  await sleep(1_000);
  const rssBefore = rssKb(rtPid);

  const parts = Math.ceil(viewerCount / PER_GENERATOR);
  log(`opening ${viewerCount} viewers from ${parts} load-generator processes`);
  const opened = await Promise.all(
    Array.from({ length: parts }, (_, i) => {
      const g = new Generator(generatorFile);
      generators.push(g);
      const count = Math.min(PER_GENERATOR, viewerCount - i * PER_GENERATOR);
      return g.ask({ type: 'open', port: Number(port), path: `/v1/polls/${poll.pollId}/results/stream`, count, localAddress: `127.0.0.${10 + i}` }, 'opened');
    }),
  );
  const connected = opened.reduce((a, o) => a + o.connected, 0);
  const failed = opened.reduce((a, o) => a + o.failed, 0);
  await sleep(1_000);
  const rssAfter = rssKb(rtPid);
  log(`${connected} of ${viewerCount} viewers have the initial state (${failed} failed to connect); realtime RSS ${rssBefore} → ${rssAfter} kB`);

  const metrics = async () => (await (await fetch(`${realtime.url}/metrics`, { signal: AbortSignal.timeout(30_000) })).text()).split('\n');
  const counter = (lines: string[], name: string) => Number(lines.find((l) => l.startsWith(name + ' '))?.split(' ')[1] ?? 0);
  const m0 = await metrics();
  const cpu0 = processCpuSeconds([rtPid]);
  await Promise.all(generators.map((g) => g.ask({ type: 'mark' }, 'marked')));

  log(`voting at ${rate}/s for ${durationSec} s`);
  let sent = 0;
  const acks: number[] = [];
  let rssPeak = rssAfter;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssKb(rtPid))), 250);
  const start = performance.now();
  const startEpoch = performance.timeOrigin + start;
  const end = start + durationSec * 1000;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (;;) {
        const n = sent++;
        const due = start + (n * 1000) / rate;
        if (due >= end) return;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const r = await fetch(`${api.url}/v1/polls/${poll.pollId}/votes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${poll.ownerToken}` },
          body: JSON.stringify({ optionIds: [poll.optionIds[n % poll.optionIds.length]], voterId: `f${n}` }),
          // A vote that hangs must not hang the bench: unanswered, it is not acknowledged (and a
          // stored one then shows as a mismatch).
          signal: AbortSignal.timeout(30_000),
        }).catch(() => null);
        if (r === null) continue;
        await r.arrayBuffer().catch(() => null);
        if (r.status === 201) acks.push(performance.timeOrigin + performance.now());
      }
    }),
  );
  clearInterval(sampler);
  const lastAck = performance.timeOrigin + performance.now();
  const seconds = (lastAck - startEpoch) / 1000;
  const m1 = await metrics();
  const cpu1 = processCpuSeconds([rtPid]);
  const stored = (await slice.stored(poll.pollId)).rows;
  const awaited = await Promise.all(generators.map((g) => g.ask({ type: 'await', stored, timeoutMs: 10_000 }, 'awaited')));
  const converged = awaited.reduce((a, x) => a + x.converged, 0);
  // Viewers whose initial state came late (a slow join storm) count from here on.
  const live = awaited.reduce((a, x) => a + x.live, 0);
  const convergeMs = Math.max(0, ...awaited.map((x) => x.lastAt - lastAck));
  acks.sort((a, b) => a - b);
  const reports = await Promise.all(generators.map((g) => g.ask({ type: 'report', acks, from: startEpoch, to: lastAck }, 'reported')));

  const histogram = new Map<number, number>();
  for (const r of reports) for (const [ms, c] of r.histogram) histogram.set(ms, (histogram.get(ms) ?? 0) + c);
  const sortedMs = [...histogram.keys()].sort((a, b) => a - b);
  const samples = sortedMs.reduce((a, ms) => a + histogram.get(ms)!, 0);
  const clientQ = (q: number) => {
    let seen = 0;
    for (const ms of sortedMs) if ((seen += histogram.get(ms)!) >= q * samples) return ms;
    return NaN;
  };
  const missingSamples = reports.reduce((a, r) => a + r.missing, 0);
  const frames = reports.reduce((a, r) => a + r.frames, 0);
  const bytes = reports.reduce((a, r) => a + r.bytes, 0);
  const framesInWindow = reports.reduce((a, r) => a + r.framesInWindow, 0);
  const pushes = counter(m1, 'pollcast_results_pushes_total') - counter(m0, 'pollcast_results_pushes_total');
  const dropped = m1.filter((l) => l.startsWith('pollcast_sse_slow_viewers_dropped_total{')).reduce((a, l) => a + Number(l.split(' ').at(-1)), 0);
  const buckets = m1
    .filter((l) => l.startsWith('pollcast_vote_to_viewer_seconds_bucket'))
    .map((l) => [Number(/le="([^"]+)"/.exec(l)?.[1] === '+Inf' ? Infinity : /le="([^"]+)"/.exec(l)?.[1]), Number(l.split(' ')[1]) - Number(m0.find((x) => x.startsWith(l.split(' ')[0]!))?.split(' ')[1] ?? 0)] as const);
  const count = buckets.at(-1)?.[1] ?? 0;
  const quantile = (q: number) => buckets.find(([, c]) => c >= q * count)?.[0];
  const cpuSec = cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null;
  const serverFrames = counter(m1, 'pollcast_sse_frames_total') - counter(m0, 'pollcast_sse_frames_total');
  const cpuUsPerFrame = cpuSec !== null && serverFrames > 0 ? ((cpuSec * 1e6) / serverFrames).toFixed(1) : 'n/a';
  const cpuMsPerPush = cpuSec !== null && pushes > 0 ? ((cpuSec * 1e3) / pushes).toFixed(1) : 'n/a';
  const cpuShare = cpuSec !== null ? ((cpuSec / seconds) * 100).toFixed(0) + ' % of a core' : 'n/a';
  const frameBytes = frames > 0 ? Math.round(bytes / frames) : 0;
  const perViewerKb = connected > 0 ? (rssAfter - rssBefore) / connected : 0;
  const peakPerViewerKb = connected > 0 ? (rssPeak - rssBefore) / connected : 0;
  const ok = converged === live && live === viewerCount && acks.length === stored;
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  process.stdout.write(
    [
      `fan-out bench: 1 realtime process, ${connected} viewers of one poll, ${acks.length} votes at ${(acks.length / seconds).toFixed(0)}/s over ${seconds.toFixed(1)} s (load average ${load})`,
      `  vote acknowledged → viewer received (at the clients, ${samples.toLocaleString('en-US')} samples${missingSamples > 0 ? `, ${missingSamples} never received` : ''}): p50 ${clientQ(0.5)} ms, p99 ${clientQ(0.99)} ms, p99.9 ${clientQ(0.999)} ms, max ${sortedMs.at(-1)} ms`,
      `  pushes: ${(pushes / seconds).toFixed(1)}/s by the server; ${(framesInWindow / Math.max(1, connected) / seconds).toFixed(1)}/s received per viewer`,
      `  memory: ${perViewerKb.toFixed(1)} kB per viewer connected, ${peakPerViewerKb.toFixed(1)} kB at the peak while voting (realtime RSS ${(rssBefore / 1024).toFixed(0)} → ${(rssAfter / 1024).toFixed(0)} → peak ${(rssPeak / 1024).toFixed(0)} MB)`,
      `  frames: ${Math.round(frames / seconds).toLocaleString('en-US')}/s received, ${frameBytes} bytes each; slow viewers dropped: ${dropped}`,
      `  realtime CPU: ${cpuShare}, ${cpuUsPerFrame} µs per frame, ${cpuMsPerPush} ms per push`,
      `  commit → push (server histogram): p50 ≤ ${quantile(0.5) ?? 'n/a'} s, p99 ≤ ${quantile(0.99) ?? 'n/a'} s (bucket bounds)`,
      `  last vote → every viewer on the stored total ${stored}: ${converged === live ? `${convergeMs.toFixed(0)} ms` : `${live - converged} of ${live} viewers did not converge`}`,
      `  at 10 pushes/s a viewer receives ${((frameBytes * 10 * 8) / 1000).toFixed(1)} kbit/s: 100k viewers ≈ ${((frameBytes * 10 * 8 * 100_000) / 1e9).toFixed(2)} Gbit/s`,
      `  ${ok ? 'OK' : 'MISMATCH'}: stored ${stored}, acknowledged ${acks.length}; of ${viewerCount} viewers ${live} got a stream, ${converged} converged`,
      '',
    ].join('\n'),
  );
  if (!ok) exitCode = 1;
} finally {
  for (const g of generators) g.child.kill();
  await Promise.allSettled(started.map((c) => c.stop()));
  await slice.cleanup();
}
process.exit(exitCode);
