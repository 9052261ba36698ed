/**
 * Closed-loop load with autocannon (in this process): `connections` keep-alive connections, each
 * sending its next request when the previous answer arrives. Measures capacity. Every request is
 * a new voter; voter ids that never got an answer (in flight when the run stopped, timed out,
 * reset) are returned so the verification can look up what became of them.
 */
import type { AutocannonResult } from 'autocannon';
import type { LoadFigures } from './bench-types.js';
import { LatencyRecorder } from './latency-recorder.js';
import { voteAuthorization, voteBody, votePath, type VotePlan } from './vote-plan.js';

/** The part of autocannon's per-connection client the 'response' event hands us. */
interface ConnectionClient {
  requestIterator: { context: Record<string, unknown> };
}

export interface ClosedLoopOptions {
  urls: string[];
  plan: VotePlan;
  connections: number;
  durationSec: number;
  /** When set: exactly this many requests in all (split over the URLs), whatever the time; `durationSec` is then ignored. */
  amount?: number | undefined;
}

/** Spreads the connections over the URLs (one autocannon per URL, run together) and merges. */
export async function runClosedLoop(o: ClosedLoopOptions): Promise<LoadFigures> {
  const { default: autocannon } = await import('autocannon').catch((err: unknown) => {
    throw new Error(`npm run bench needs autocannon, a dev dependency: run \`npm install\` without --omit=dev (${(err as Error).message})`);
  });
  const latency = new LatencyRecorder();
  const unanswered = new Set<string>();
  const authorization = voteAuthorization(o.plan);
  const headers: Record<string, string> = authorization === undefined ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', authorization };
  const runs = o.urls.map((url, i) => {
    const connections = Math.floor(o.connections / o.urls.length) + (i < o.connections % o.urls.length ? 1 : 0);
    const prefix = `${o.plan.voterPrefix}u${i}-`;
    let seq = 0;
    const instance = autocannon({
      url,
      connections,
      duration: o.durationSec,
      ...(o.amount !== undefined ? { amount: Math.floor(o.amount / o.urls.length) + (i < o.amount % o.urls.length ? 1 : 0) } : {}),
      timeout: 10,
      requests: [
        {
          method: 'POST',
          path: votePath(o.plan),
          headers,
          // pipelining is 1, so a connection's context holds the voter of its one pending request.
          setupRequest(req, context) {
            const n = seq++;
            const voterId = prefix + n.toString(36);
            context.voterId = voterId;
            unanswered.add(voterId);
            req.body = voteBody(o.plan, voterId, n);
            return req;
          },
        },
      ],
    });
    // Not `onResponse`: with it autocannon buffers every body and rebuilds header maps (≈ 30 %
    // of the generator's throughput). The 'response' event fires before the connection builds
    // its next request, so its context still names the voter just answered.
    instance.on('response', (client: ConnectionClient, status: number, _bytes: number, ms: number) => {
      unanswered.delete(client.requestIterator.context.voterId as string);
      if (status >= 200 && status < 300) latency.add(ms);
    });
    return Promise.resolve(instance);
  });
  const results: AutocannonResult[] = await Promise.all(runs);

  const statusCodes: Record<string, number> = {};
  let ok2xx = 0;
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;
  let durationSec = 0;
  let sent = 0;
  for (const r of results) {
    sent += r.requests.sent;
    ok2xx += r['2xx'];
    non2xx += r.non2xx;
    errors += r.errors;
    timeouts += r.timeouts;
    durationSec = Math.max(durationSec, r.duration);
    for (const [code, s] of Object.entries(r.statusCodeStats)) statusCodes[code] = (statusCodes[code] ?? 0) + s.count;
  }
  return {
    ...latency.percentiles(),
    durationSec,
    ok2xx,
    perSec: durationSec > 0 ? Math.round(ok2xx / durationSec) : 0,
    non2xx,
    statusCodes,
    errors,
    timeouts,
    unanswered: [...unanswered],
    sent,
    unansweredUnknownIds: 0,
  };
}
