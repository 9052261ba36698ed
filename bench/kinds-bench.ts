/**
 * `npm run bench:kinds`: ranked and rating answers through the group commit, against single-choice
 * votes measured in the same run on the same server (embedded store, one process). Each kind gets
 * its own open-identity poll; autocannon keeps `--connections` keep-alive connections busy for
 * `--duration` seconds per kind, every request a new voter. Prints votes/s, p50/p99 and the ratio
 * to single choice, then checks the stored truth: results total = 201 answers, and for ranked
 * every IRV round accounts for every ballot. Asserts no times; exits 1 if a check fails.
 *
 *   npm run bench:kinds -- --connections 100 --duration 10 --runs 3
 */
import { parseArgs } from 'node:util';
import { runClosedLoop } from './closed-loop-load.js';
import { repoRoot } from './repo-root.js';
import { startEmbedded } from './scenarios/embedded-scenario.js';
import type { VotePlan } from './vote-plan.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '100' },
    duration: { type: 'string', default: '10' },
    runs: { type: 'string', default: '1' },
  },
});
const connections = Number(values.connections);
const durationSec = Number(values.duration);
const runs = Number(values.runs);
if (![connections, durationSec, runs].every((v) => Number.isInteger(v) && v > 0)) {
  process.stderr.write('bench:kinds: --connections, --duration and --runs must be whole numbers > 0\n');
  process.exit(2);
}
const log = (s: string) => process.stderr.write(`bench:kinds: ${s}\n`);

interface Kind {
  name: string;
  body: Record<string, unknown>;
  ballots: (optionIds: string[]) => string[] | undefined;
}
const KINDS: Kind[] = [
  { name: 'single', body: { options: ['A', 'B', 'C', 'D'] }, ballots: () => undefined },
  {
    name: 'ranked',
    body: { kind: 'ranked', options: ['A', 'B', 'C', 'D'], maxRank: 3 },
    // 24 distinct rankings of three: the tallies hold at most 24 ranking keys however many voters.
    ballots: (ids) =>
      ids.flatMap((a) =>
        ids
          .filter((b) => b !== a)
          .flatMap((b) => ids.filter((c) => c !== a && c !== b).map((c) => `"optionIds":${JSON.stringify([a, b, c])}`)),
      ),
  },
  {
    name: 'rating',
    body: { kind: 'rating', scale: { min: 0, max: 10 } },
    ballots: () => Array.from({ length: 11 }, (_, v) => `"value":${v}`),
  },
];

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const r = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const body = (await r.json()) as T;
  if (!r.ok) throw new Error(`${init?.method ?? 'GET'} ${url} answered ${r.status}: ${JSON.stringify(body)}`);
  return body;
}

const target = await startEmbedded({ label: 'kinds', root: repoRoot() });
const url = target.urls[0]!;
let failed = false;
try {
  const perSec: Record<string, number[]> = {};
  for (let run = 1; run <= runs; run++) {
    for (const kind of KINDS) {
      const created = await json<{ poll: { id: string; options: Array<{ id: string }> }; ownerToken: string }>(
        `${url}/v1/polls`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ question: `Bench ${kind.name}`, identityMode: 'open', ...kind.body }),
        },
      );
      const ids = created.poll.options.map((o) => o.id);
      const plan: VotePlan = {
        pollId: created.poll.id,
        optionIds: ids,
        voterPrefix: `k${run}${kind.name}-`,
        ownerToken: created.ownerToken,
        ballots: kind.ballots(ids),
      };
      log(`run ${run}: ${kind.name}, ${connections} connections, ${durationSec} s`);
      const f = await runClosedLoop({ urls: [url], plan, connections, durationSec });
      (perSec[kind.name] ??= []).push(f.perSec);
      const results = await json<{
        total: number;
        irv?: { rounds: Array<{ counts: Record<string, number>; exhausted: number }> };
      }>(`${url}/v1/polls/${plan.pollId}/results`);
      const roundsOk = (results.irv?.rounds ?? []).every(
        (r) => Object.values(r.counts).reduce((a, b) => a + b, 0) + r.exhausted === results.total,
      );
      const ok = results.total >= f.ok2xx && results.total <= f.ok2xx + f.unanswered.length && roundsOk;
      if (!ok) failed = true;
      process.stdout.write(
        `${kind.name.padEnd(7)} run ${run}: ${Math.round(f.perSec).toLocaleString()} votes/s, p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, 201: ${f.ok2xx}, other: ${f.non2xx}, stored total ${results.total}` +
          `${kind.name === 'ranked' ? `, IRV rounds ${results.irv?.rounds.length} ${roundsOk ? 'consistent' : 'INCONSISTENT'}` : ''}${ok ? '' : '  ← CHECK FAILED'}\n`,
      );
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(perSec.single!);
  for (const kind of KINDS.slice(1))
    process.stdout.write(
      `${kind.name} / single (median of ${runs}): ${(median(perSec[kind.name]!) / base).toFixed(2)}×\n`,
    );
} finally {
  await target.stop();
}
process.exit(failed ? 1 : 0);
