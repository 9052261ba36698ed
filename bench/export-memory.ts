/**
 * `npm run bench:export`: the memory an answer export takes. Fills one poll with `--rows` counted
 * votes (through the store's recordVotes, in batches), starts pollcast on that store, downloads
 * GET /v1/polls/{id}/export (CSV, or `--format ndjson`) over HTTP while sampling this process's
 * RSS and V8 heap every 20 ms, and prints the peak memory above the idle baseline next to the
 * export's size. The client reads and drops each chunk, so what grows is the server's doing.
 * Prints figures; asserts only that every row arrived.
 *
 *   npm run bench:export -- --rows 1000000                 # embedded store (SQLite, temp dir)
 *   npm run bench:export -- --rows 1000000 --store postgres
 *   node --expose-gc --max-old-space-size=64 dist-bench/bench/export-memory.js --rows 1000000
 *   npm run bench:export -- --rows 1000000 --event 4    # an event of 4 questions: GET /v1/events/{id}/export
 *
 * Peak figures include garbage not yet collected (V8 collects lazily while memory is plentiful);
 * a small heap limit shows the bound: the export finishes with a heap far below its own size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { createStore } from '../src/adapters/create.js';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { hashOwnerToken } from '../src/core/access.js';
import { newPollId, newReceiptId } from '../src/domain/ids.js';
import { createPoll } from '../src/domain/poll.js';
import type { VoteCommand } from '../src/domain/vote.js';
import { benchSlice, servicesMissing } from './distributed-slice.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    store: { type: 'string', default: 'embedded' },
    format: { type: 'string', default: 'csv' },
    event: { type: 'string', default: '0' },
  },
});
const rows = Number(values.rows);
if (!Number.isInteger(rows) || rows < 1) throw new Error('--rows must be a whole number ≥ 1');
if (values.store !== 'embedded' && values.store !== 'postgres') throw new Error('--store is embedded or postgres');
if (values.format !== 'csv' && values.format !== 'ndjson') throw new Error('--format is csv or ndjson');
const questions = Number(values.event);
if (!Number.isInteger(questions) || questions < 0 || questions > 100) throw new Error('--event is a number of questions, 1–100 (0: a poll export)');

const MB = 1024 * 1024;
const mb = (n: number) => (n / MB).toFixed(1);
const dataDir = mkdtempSync(join(tmpdir(), 'pollcast-export-bench-'));
let slice: ReturnType<typeof benchSlice> | null = null;
if (values.store === 'postgres') {
  const missing = await servicesMissing(['postgres']);
  if (missing) {
    process.stderr.write(`bench:export: ${missing}\n`);
    process.exit(2);
  }
  slice = benchSlice();
}
const env: Record<string, string> = { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', EMBEDDED_SYNC: 'normal', ...(slice ? { DATABASE_URL: slice.env.DATABASE_URL! } : {}) };
const config = loadConfig(env);

try {
  // Fill.
  let ownerToken = '';
  let exportPath = '';
  const BATCH = 1_000;
  const fillStart = performance.now();
  let app: Awaited<ReturnType<typeof startApp>>;
  if (questions === 0) {
    ownerToken = 'pco_bench_' + Math.random().toString(36).slice(2);
    const now = Date.now();
    const poll = createPoll(newPollId(0), { question: 'export bench', options: ['Tea', 'Coffee', 'Water', 'Juice'], identityMode: 'open' }, hashOwnerToken(ownerToken), now);
    const { store } = await createStore(config.store);
    await store.migrate();
    await store.createPoll(poll);
    for (let done = 0; done < rows; done += BATCH) {
      const batch: VoteCommand[] = [];
      for (let i = done; i < Math.min(rows, done + BATCH); i++) {
        batch.push({ pollId: poll.id, voterId: `o:voter-${i}`, optionIds: [poll.options[i % 4]!.id], receiptId: newReceiptId(), at: now + i });
      }
      await store.recordVotes(batch, () => ({ status: 201, body: '', requestHash: '' }));
    }
    const stored = await store.countVotes(poll.id);
    await store.close();
    process.stdout.write(`filled ${stored} votes in ${((performance.now() - fillStart) / 1000).toFixed(1)} s (${values.store} store)\n`);
    if (stored !== rows) throw new Error(`stored ${stored} votes, expected ${rows}`);

    exportPath = `/v1/polls/${poll.id}/export`;
    app = await startApp(config, { prefix: slice?.prefix ?? 'pollcast_exportbench' });
  } else {
    // An event: created through the API, its questions filled through the running app's store.
    app = await startApp(config, { prefix: slice?.prefix ?? 'pollcast_exportbench' });
    const opts = ['Tea', 'Coffee', 'Water', 'Juice'];
    const created = await fetch(`${app.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'export bench', questions: Array.from({ length: questions }, (_, q) => ({ question: `Q${q + 1}`, options: opts, status: 'open', identityMode: 'open' })) }),
    });
    if (created.status !== 201) throw new Error(`creating the event answered ${created.status}: ${await created.text()}`);
    const body = (await created.json()) as { ownerToken: string; event: { id: string; questions: Array<{ id: string; options: Array<{ id: string }> }> } };
    ownerToken = body.ownerToken;
    exportPath = `/v1/events/${body.event.id}/export`;
    const now = Date.now();
    let stored = 0;
    for (const [q, question] of body.event.questions.entries()) {
      const share = Math.floor(rows / questions) + (q < rows % questions ? 1 : 0);
      for (let done = 0; done < share; done += BATCH) {
        const batch: VoteCommand[] = [];
        for (let i = done; i < Math.min(share, done + BATCH); i++) {
          batch.push({ pollId: question.id, voterId: `o:voter-${i}`, optionIds: [question.options[i % 4]!.id], receiptId: newReceiptId(), at: now + i });
        }
        await app.ports.store.recordVotes(batch, () => ({ status: 201, body: '', requestHash: '' }));
      }
      stored += await app.ports.store.countVotes(question.id);
    }
    process.stdout.write(`filled ${stored} answers over ${questions} questions in ${((performance.now() - fillStart) / 1000).toFixed(1)} s (${values.store} store)\n`);
    if (stored !== rows) throw new Error(`stored ${stored} answers, expected ${rows}`);
  }

  // Export.
  try {
    global.gc?.();
    await new Promise((r) => setTimeout(r, 200));
    const base = process.memoryUsage();
    let peakRss = base.rss;
    let peakHeap = base.heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 20);
    const started = performance.now();
    const res = await fetch(`${app.url}${exportPath}?format=${values.format}`, { headers: { authorization: `Bearer ${ownerToken}` } });
    if (res.status !== 200 || !res.body) throw new Error(`export answered ${res.status}: ${await res.text()}`);
    let bytes = 0;
    let lines = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
    }
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const dataRows = values.format === 'csv' ? lines - 1 : lines;
    if (dataRows !== rows) throw new Error(`the export had ${dataRows} rows, expected ${rows}`);
    process.stdout.write(
      [
        `${questions > 0 ? `event export (${questions} questions)` : 'export'} ${values.format}: ${dataRows} rows, ${mb(bytes)} MB in ${seconds.toFixed(1)} s (${Math.round(dataRows / seconds)} rows/s)`,
        `V8 heap limit of this process: ${mb(getHeapStatistics().heap_size_limit)} MB (run with --max-old-space-size=64 to show the export fits in far less than its size)`,
        `memory before: rss ${mb(base.rss)} MB, heap ${mb(base.heapUsed)} MB`,
        `memory peak during the export: rss ${mb(peakRss)} MB (+${mb(peakRss - base.rss)}), heap ${mb(peakHeap)} MB (+${mb(peakHeap - base.heapUsed)})`,
        `the export body is ${mb(bytes)} MB: the peak growth is ${((100 * (peakRss - base.rss)) / bytes).toFixed(1)} % of it (rss)`,
        '',
      ].join('\n'),
    );
  } finally {
    await app.shutdown('bench');
  }
} finally {
  await slice?.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
}
