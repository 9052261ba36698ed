/**
 * `npm run bench:store`: what one PostgreSQL takes through the store's group-commit path with no
 * HTTP, Node request handling or Redis in front — the per-database figure docs/capacity.md sizes
 * shards with. Batches of `--batch` new voters (the vote path's GROUP_COMMIT_MAX_BATCH) go through
 * `recordVotes` with `--in-flight` batches at once per poll, over `--polls` polls (1: one hot poll,
 * whose batches serialize on its row; more: batches of different polls commit in parallel).
 * Afterwards the vote rows are counted and must equal the votes recorded. Prints figures; asserts
 * no times.
 *
 *   npm run bench:store -- --duration 10 --batch 500 --in-flight 2 --polls 1
 */
import { parseArgs } from 'node:util';
import { createStore } from '../src/adapters/create.js';
import { newPollId, newReceiptId } from '../src/domain/ids.js';
import { createPoll } from '../src/domain/poll.js';
import type { VoteCommand } from '../src/domain/vote.js';
import { benchSlice, servicesMissing } from './distributed-slice.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    batch: { type: 'string', default: '500' },
    'in-flight': { type: 'string', default: '2' },
    polls: { type: 'string', default: '1' },
  },
});
const durationMs = Number(values.duration) * 1000;
const batch = Number(values.batch);
const inFlight = Number(values['in-flight']);
const pollCount = Number(values.polls);
for (const [name, v] of Object.entries({ duration: durationMs, batch, 'in-flight': inFlight, polls: pollCount })) {
  if (!Number.isInteger(v) || v < 1) {
    process.stderr.write(`bench:store: --${name} must be a whole number ≥ 1\n`);
    process.exit(2);
  }
}

const missing = await servicesMissing();
if (missing) {
  process.stderr.write(`bench:store: ${missing}\n`);
  process.exit(2);
}

const slice = benchSlice();
const { store } = await createStore({ kind: 'postgres', url: slice.env.DATABASE_URL!, replicaUrls: [], shardUrls: [], poolSize: pollCount * inFlight + 2 });
try {
  await store.migrate();
  const now = Date.now();
  const polls = Array.from({ length: pollCount }, () => createPoll(newPollId(0), { question: 'store bench', options: ['A', 'B', 'C', 'D'], identityMode: 'open' }, 'x', now));
  for (const p of polls) await store.createPoll(p);
  const render = () => ({ status: 201, body: '{}', requestHash: '' });

  let recorded = 0;
  let batches = 0;
  let next = 0;
  const commitMs: number[] = [];
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    polls.flatMap((poll) =>
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < deadline) {
          const at = Date.now();
          const cmds: VoteCommand[] = Array.from({ length: batch }, () => {
            const n = next++;
            return { pollId: poll.id, voterId: `o:s${n}`, optionIds: [poll.options[n % 4]!.id], receiptId: newReceiptId(), at };
          });
          const t = performance.now();
          const outcomes = await store.recordVotes(cmds, render);
          commitMs.push(performance.now() - t);
          recorded += outcomes.filter((o) => o.kind === 'counted').length;
          batches += 1;
        }
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const { rows } = await slice.stored(polls[0]!.id).then(async (first) => {
    let total = first.rows;
    for (const p of polls.slice(1)) total += (await slice.stored(p.id)).rows;
    return { rows: total };
  });
  commitMs.sort((a, b) => a - b);
  const q = (f: number) => commitMs[Math.min(commitMs.length - 1, Math.floor(f * commitMs.length))]!.toFixed(1);
  process.stdout.write(
    [
      `store bench: PostgreSQL, ${pollCount} poll(s) × ${inFlight} batch(es) in flight, ${batch} votes per batch, ${seconds.toFixed(1)} s`,
      `  ${Math.round(recorded / seconds).toLocaleString('en-US')} votes/s, ${batches} batches, commit p50 ${q(0.5)} ms, p99 ${q(0.99)} ms`,
      `  stored rows ${rows} ${rows === recorded ? '=' : '≠'} ${recorded} recorded: ${rows === recorded ? 'OK' : 'MISMATCH'}`,
      '',
    ].join('\n'),
  );
  if (rows !== recorded) process.exitCode = 1;
} finally {
  await store.close();
  await slice.cleanup();
}
