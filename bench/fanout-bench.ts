/**
 * `npm run bench:fanout`: what one `realtime` process costs per live viewer. On a scratch slice of
 * PostgreSQL + Redis + NATS it starts one `api` and one `realtime` process, opens `--viewers` SSE
 * streams on one poll (raw sockets from this process), votes at `--rate` votes/s through the api
 * for `--duration` seconds, and reports: memory per viewer (realtime RSS growth ÷ viewers), pushes
 * and frames per second, realtime CPU per frame written, bytes per frame (→ bandwidth per 100k
 * viewers), the realtime process's own commit-to-push p50/p99 (pollcast_vote_to_viewer_seconds),
 * and how long after the last vote every viewer showed the final stored total. Prints figures;
 * asserts no times; exits 1 if a viewer does not converge on the stored total.
 *
 *   npm run bench:fanout -- --viewers 5000 --rate 200 --duration 10
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { benchSlice, servicesMissing } from './distributed-slice.js';
import { createBenchPoll } from './poll-api.js';
import type { NodeChild } from './child-process.js';
import { processCpuSeconds } from './process-cpu.js';
import { benchEnv, startPollcast } from './pollcast-process.js';
import { repoRoot } from './repo-root.js';

const { values } = parseArgs({ options: { viewers: { type: 'string', default: '5000' }, rate: { type: 'string', default: '200' }, duration: { type: 'string', default: '10' } } });
const viewerCount = Number(values.viewers);
const rate = Number(values.rate);
const durationSec = Number(values.duration);
if (![viewerCount, rate, durationSec].every((v) => Number.isInteger(v) && v > 0)) {
  process.stderr.write('bench:fanout: --viewers, --rate and --duration must be whole numbers > 0\n');
  process.exit(2);
}
const missing = await servicesMissing();
if (missing) {
  process.stderr.write(`bench:fanout: ${missing}\n`);
  process.exit(2);
}

const log = (s: string) => process.stderr.write(`bench:fanout: ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

interface Viewer {
  socket: Socket;
  bytes: number;
  frames: number;
  /** The last `total` seen, and when. */
  total: number;
  at: number;
  tail: string;
}

const root = repoRoot();
const slice = benchSlice();
const env = (role: string) => benchEnv({ ...slice.env, POLLCAST_ROLE: role, POLLCAST_PROCESSES: '1', RATE_LIMIT_VOTER_PER_MIN: '0' });
const started: NodeChild[] = [];
const viewers: Viewer[] = [];
let exitCode = 0;
try {
  const api = await startPollcast({ label: 'api', root, env: env('api') });
  started.push(api);
  const realtime = await startPollcast({ label: 'realtime', root, env: env('realtime') });
  started.push(realtime);
  const poll = await createBenchPoll(api.url);
  const rtPid = realtime.child.pid!;
  const { port } = new URL(realtime.url);
  await sleep(1_000);
  const rssBefore = rssKb(rtPid);

  log(`opening ${viewerCount} viewers`);
  const request = `GET /v1/polls/${poll.pollId}/results/stream HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n`;
  for (let i = 0; i < viewerCount; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, viewerCount - i) }, () =>
        new Promise<void>((resolve, reject) => {
          const v: Viewer = { socket: connect(Number(port), '127.0.0.1'), bytes: 0, frames: 0, total: -1, at: 0, tail: '' };
          v.socket.setEncoding('utf8');
          v.socket.once('connect', () => (v.socket.write(request), resolve()));
          v.socket.once('error', reject);
          v.socket.on('data', (d: string) => {
            v.bytes += d.length;
            v.tail = (v.tail + d).slice(-4_096);
            const frames = d.split('event: results').length - 1;
            if (frames > 0) {
              v.frames += frames;
              // The last complete frame's data line holds the total.
              const at = v.tail.lastIndexOf('event: results\ndata: ');
              const line = at < 0 ? '' : v.tail.slice(at + 21);
              const nl = line.indexOf('\n');
              if (nl > 0) {
                v.total = (JSON.parse(line.slice(0, nl)) as { total: number }).total;
                v.at = performance.now();
              }
            }
          });
          viewers.push(v);
        }),
      ),
    );
  }
  for (const deadline = Date.now() + 60_000; viewers.some((v) => v.frames === 0) && Date.now() < deadline; ) await sleep(100);
  await sleep(1_000);
  const rssAfter = rssKb(rtPid);
  const connected = viewers.filter((v) => v.frames > 0).length;
  log(`${connected} of ${viewerCount} viewers have the initial state; realtime RSS ${rssBefore} → ${rssAfter} kB`);

  const metrics = async () => (await (await fetch(`${realtime.url}/metrics`)).text()).split('\n');
  const counter = (lines: string[], name: string) => Number(lines.find((l) => l.startsWith(name + ' '))?.split(' ')[1] ?? NaN);
  const m0 = await metrics();
  const cpu0 = processCpuSeconds([rtPid]);
  const bytes0 = viewers.reduce((a, v) => a + v.bytes, 0);
  const frames0 = viewers.reduce((a, v) => a + v.frames, 0);

  log(`voting at ${rate}/s for ${durationSec} s`);
  let sent = 0;
  let acked = 0;
  const start = performance.now();
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
        });
        await r.arrayBuffer();
        if (r.status === 201) acked++;
      }
    }),
  );
  const lastAck = performance.now();
  const seconds = (lastAck - start) / 1000;
  const stored = (await slice.stored(poll.pollId)).rows;
  for (const deadline = Date.now() + 10_000; viewers.some((v) => v.total !== stored) && Date.now() < deadline; ) await sleep(20);
  const converged = viewers.filter((v) => v.total === stored);
  const convergeMs = Math.max(0, ...converged.map((v) => v.at - lastAck));

  const m1 = await metrics();
  const cpu1 = processCpuSeconds([rtPid]);
  const frames = viewers.reduce((a, v) => a + v.frames, 0) - frames0;
  const bytes = viewers.reduce((a, v) => a + v.bytes, 0) - bytes0;
  const pushes = counter(m1, 'pollcast_results_pushes_total') - counter(m0, 'pollcast_results_pushes_total');
  const buckets = m1
    .filter((l) => l.startsWith('pollcast_vote_to_viewer_seconds_bucket'))
    .map((l) => [Number(/le="([^"]+)"/.exec(l)?.[1] === '+Inf' ? Infinity : /le="([^"]+)"/.exec(l)?.[1]), Number(l.split(' ')[1]) - Number(m0.find((x) => x.startsWith(l.split(' ')[0]!))?.split(' ')[1] ?? 0)] as const);
  const count = buckets.at(-1)?.[1] ?? 0;
  const quantile = (q: number) => buckets.find(([, c]) => c >= q * count)?.[0];
  const cpuUsPerFrame = cpu0 !== null && cpu1 !== null && frames > 0 ? Math.round(((cpu1 - cpu0) * 1e6) / frames) : null;
  const cpuShare = cpu0 !== null && cpu1 !== null ? ((cpu1 - cpu0) / seconds) * 100 : null;
  const frameBytes = frames > 0 ? Math.round(bytes / frames) : 0;
  const perViewerKb = connected > 0 ? (rssAfter - rssBefore) / connected : 0;
  const ok = converged.length === viewers.length && acked === stored;
  process.stdout.write(
    [
      `fan-out bench: 1 realtime process, ${connected} viewers of one poll, ${acked} votes at ${(acked / seconds).toFixed(0)}/s over ${seconds.toFixed(1)} s`,
      `  memory: ${perViewerKb.toFixed(1)} kB per viewer (realtime RSS ${(rssBefore / 1024).toFixed(0)} → ${(rssAfter / 1024).toFixed(0)} MB)`,
      `  pushes: ${(pushes / seconds).toFixed(1)}/s; frames written: ${Math.round(frames / seconds).toLocaleString('en-US')}/s, ${frameBytes} bytes each`,
      `  realtime CPU: ${cpuShare === null ? 'n/a' : cpuShare.toFixed(0) + ' % of a core'}, ${cpuUsPerFrame ?? 'n/a'} µs per frame`,
      `  commit → push (server): p50 ≤ ${quantile(0.5) ?? 'n/a'} s, p99 ≤ ${quantile(0.99) ?? 'n/a'} s (histogram bucket bounds)`,
      `  last vote → every viewer on the stored total ${stored}: ${converged.length === viewers.length ? `${convergeMs.toFixed(0)} ms` : `${viewers.length - converged.length} viewers did not converge`}`,
      `  at 10 pushes/s a viewer receives ${((frameBytes * 10 * 8) / 1000).toFixed(1)} kbit/s: 100k viewers ≈ ${((frameBytes * 10 * 8 * 100_000) / 1e9).toFixed(2)} Gbit/s`,
      `  ${ok ? 'OK' : 'MISMATCH'}: stored ${stored}, acknowledged ${acked}`,
      '',
    ].join('\n'),
  );
  if (!ok) exitCode = 1;
} finally {
  for (const v of viewers) v.socket.destroy();
  await Promise.allSettled(started.map((c) => c.stop()));
  await slice.cleanup();
}
process.exit(exitCode);
