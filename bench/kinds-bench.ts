/**
 * `npm run bench:kinds`: ranked, rating and open-text answers through the group commit, against
 * single-choice votes measured in the same run on the same server (embedded store, one process). Each kind gets
 * its own open-identity poll; autocannon keeps `--connections` keep-alive connections busy for
 * `--duration` seconds per kind, every request a new voter. Prints votes/s, p50/p99 and the ratio
 * to single choice, then checks the stored truth: results total = 201 answers, and for ranked
 * every IRV round accounts for every ballot; for text, every 201 is a shown answer.
 *
 * Then a quiz surge: one quiz question (5 s limit) in an event, and `--quiz-answers` distinct
 * players (default 10,000) sending their answer in its last 2 s over `--connections` connections.
 * Prints how many were acknowledged (201) and refused as late (409 answer_too_late), then checks
 * the stored truth: results total = 201s, the leaderboard has one player per 201 and its answered
 * counts sum to the 201s (every acknowledged answer scored exactly once, nothing late scored).
 * Asserts no times; exits 1 if a check fails.
 *
 *   npm run bench:kinds -- --connections 100 --duration 10 --runs 3 --quiz-answers 10000
 */
import { parseArgs } from 'node:util';
import { runClosedLoop } from './closed-loop-load.js';
import { repoRoot } from './repo-root.js';
import { startEmbedded } from './scenarios/embedded-scenario.js';
import type { VotePlan } from './vote-plan.js';
import type { BenchTarget } from './bench-types.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '100' },
    duration: { type: 'string', default: '10' },
    runs: { type: 'string', default: '1' },
    'quiz-answers': { type: 'string', default: '10000' },
  },
});
const quizAnswers = Number(values['quiz-answers']);
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
  {
    name: 'text',
    body: { kind: 'text' },
    // 500 answers of 3–6 words from a 60-word vocabulary (a few stop words among them): the word
    // counts upserted per batch are the batch's distinct words, whatever the answers so far.
    ballots: () => {
      const vocab = 'rust go python fast slow great coffee tea the and is friday monday team ship deploy review test bug fix cloud edge cache queue stream vote poll quiz cake pizza music coding design product users growth data model latency throughput budget roadmap launch demo sprint retro focus energy happy tired curious bold calm'.split(' ');
      return Array.from({ length: 500 }, (_, i) => {
        const n = 3 + (i % 4);
        const words = Array.from({ length: n }, (_, k) => vocab[(i * 7 + k * 13) % vocab.length]!);
        return `"text":${JSON.stringify(words.join(' '))}`;
      });
    },
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
        answers?: number;
        irv?: { rounds: Array<{ counts: Record<string, number>; exhausted: number }> };
      }>(`${url}/v1/polls/${plan.pollId}/results`);
      const roundsOk = (results.irv?.rounds ?? []).every(
        (r) => Object.values(r.counts).reduce((a, b) => a + b, 0) + r.exhausted === results.total,
      );
      const textOk = kind.name !== 'text' || results.answers === results.total;
      const ok = results.total >= f.ok2xx && results.total <= f.ok2xx + f.unanswered.length && roundsOk && textOk;
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
  if (quizAnswers > 0 && !(await quizSurge(url, quizAnswers, connections, target.stored))) failed = true;
} finally {
  await target.stop();
}
process.exit(failed ? 1 : 0);

/** A quiz question's last 2 s under `n` answers; true when every acknowledged answer is scored exactly once. */
async function quizSurge(url: string, n: number, parallel: number, stored: BenchTarget['stored']): Promise<boolean> {
  const limitSec = 5;
  const created = await json<{ event: { id: string; questions: Array<{ id: string; closesAt: string; options: Array<{ id: string }> }> }; ownerToken: string }>(
    `${url}/v1/events`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        title: 'Bench quiz',
        questions: [{ question: 'Surge?', kind: 'quiz', identityMode: 'open', status: 'open', timeLimitSec: limitSec, options: [{ text: 'A', correct: true }, 'B', 'C', 'D'] }],
      }),
    },
  );
  const q = created.event.questions[0]!;
  const ids = q.options.map((o) => o.id);
  const closesAt = Date.parse(q.closesAt);
  const startAt = closesAt - 2_000;
  log(`quiz: ${n} answers from ${new Date(startAt).toISOString()} (the last 2 s of a ${limitSec} s question), ${parallel} connections`);
  await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
  const started = Date.now();
  // Every player a new voter (open identity, the event's owner token as the trusted caller), options in turn.
  const plan: VotePlan = { pollId: q.id, optionIds: ids, voterPrefix: 'quiz-', ownerToken: created.ownerToken };
  const f = await runClosedLoop({ urls: [url], plan, connections: parallel, durationSec: 60, amount: n });
  const tookMs = Date.now() - started;
  const inWindow = Math.max(0, Math.min(tookMs, closesAt - started));
  const acked = f.ok2xx;
  const late = f.statusCodes['409'] ?? 0;
  await new Promise((r) => setTimeout(r, 300));
  const results = await json<{ total: number; correctOptionIds?: string[] }>(`${url}/v1/polls/${q.id}/results`);
  const board = await json<Array<{ score: number; answered: number; correct: number }>>(`${url}/v1/events/${created.event.id}/leaderboard?limit=100000`);
  const answered = board.reduce((a, e) => a + e.answered, 0);
  const rows = stored ? (await stored(q.id)).rows : results.total;
  // Answers without an answer (none expected: the run ends when all n are answered) may or may not be stored.
  const ok = results.total === rows && rows >= acked && rows <= acked + f.unanswered.length && board.length === rows && answered === rows && acked + late + f.unanswered.length === n;
  const other = Object.entries(f.statusCodes).map(([c, k]) => `${c}: ${k}`).join(', ');
  process.stdout.write(
    `quiz    surge: ${n} answers from closesAt − 2 s, all answered after ${(tookMs / 1000).toFixed(2)} s: 201 ${acked} (≈ ${Math.round(acked / Math.max(0.001, inWindow / 1000))}/s inside the window), 409 answer_too_late ${late} (statuses ${other}, unanswered ${f.unanswered.length}); ` +
      `stored total ${results.total}, correct options revealed ${results.correctOptionIds ? 'after close' : 'not yet'}; ` +
      `vote rows ${rows}; leaderboard ${board.length} players, ${answered} answers scored${ok ? ' — every acknowledged answer scored once' : '  ← CHECK FAILED'}\n`,
  );
  return ok;
}
