/**
 * Outages of the distributed backends during a stream of votes, cut with the TCP fault proxy.
 *
 * PostgreSQL (the source of truth) cut off — 'reset' (server gone) and 'hang' (partition: sockets
 * open, no byte passes) — while votes stream in:
 * - every vote sent while the database is cut is answered 503 problem+json with Retry-After,
 *   within REQUEST_TIMEOUT_MS (the store's connect/statement bounds derive from it), never 201;
 * - none of those is counted later (by SQL and /votes/me), not even once the held bytes flow again;
 * - votes that were in flight at the instant of the cut are in doubt (the COMMIT may have reached
 *   the server while its answer was lost): a retry tells the client which (201 or 409);
 * - after restore() service resumes in the same process, and vote rows = 201s + in-doubt 409s.
 *
 * Redis cut off ('reset' and 'hang') during a vote stream: every vote is still answered 201 and
 * counted (Redis is never the source of truth): rows = 201s = the results total.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { call, createPoll, startTestApp, voteHeaders, type TestApp } from '../support/app.js';
import { schemaUrl } from '../support/distributed.js';
import { eventually, sleep } from '../support/eventually.js';
import { FaultProxy, type CutMode } from '../support/fault-proxy.js';
import { adminQuery, dropSchema, PG_URL, scratchName } from '../support/postgres.js';
import { needServices, SERVICES } from '../support/services.js';

const skip = await needServices('postgres', 'redis');
const REQUEST_TIMEOUT_MS = 3_000;
const LOOPS = 8;

interface Answered {
  voterId: string;
  sentAt: number;
  ms: number;
  status: number;
  code: string | undefined;
  retryAfter: string | null;
}

/** LOOPS concurrent clients, each voting as a new voter in a row; pausable; records every answer. */
function voteStream(url: string, pollId: string, optionIds: string[], ownerToken: string, prefix: string) {
  const answers: Answered[] = [];
  let running = true;
  let paused = false;
  let inFlight = 0;
  let seq = 0;
  const loop = async () => {
    while (running) {
      if (paused) {
        await sleep(10);
        continue;
      }
      const voterId = `${prefix}${seq++}`;
      const sentAt = performance.now();
      inFlight++;
      try {
        const r = await fetch(`${url}/v1/polls/${pollId}/votes`, {
          method: 'POST',
          headers: voteHeaders(ownerToken, { 'content-type': 'application/json' }),
          body: JSON.stringify({ optionIds: [optionIds[seq % optionIds.length]], voterId }),
          // Beyond the server's own bound: an answer this late fails the latency check below.
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS + 5_000),
        });
        const text = await r.text();
        let code: string | undefined;
        try {
          code = (JSON.parse(text) as { code?: string }).code;
        } catch {
          code = undefined;
        }
        answers.push({ voterId, sentAt, ms: performance.now() - sentAt, status: r.status, code, retryAfter: r.headers.get('retry-after') });
        // A client backs off a little after a 503 (not the full Retry-After: we want to see recovery).
        if (r.status === 503) await sleep(25);
      } catch (err) {
        answers.push({ voterId, sentAt, ms: performance.now() - sentAt, status: 0, code: String(err), retryAfter: null });
        await sleep(25);
      } finally {
        inFlight--;
      }
    }
  };
  const loops = Array.from({ length: LOOPS }, loop);
  return {
    answers,
    get acked() {
      return answers.filter((a) => a.status === 201).length;
    },
    /** Stops sending new votes and waits until every vote sent is answered. */
    async pause() {
      paused = true;
      while (inFlight > 0) await sleep(10);
    },
    resume() {
      paused = false;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function countRows(schema: string, pollId: string): Promise<number> {
  const [row] = await adminQuery<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".votes WHERE poll_id = $1`, [pollId]);
  return row!.n;
}

async function postgresOutage(t: TestContext, mode: CutMode): Promise<void> {
  const proxy = await FaultProxy.start({ host: SERVICES.postgres.host, port: SERVICES.postgres.port });
  const schema = scratchName('pollcast_pgout');
  let app: TestApp | null = null;
  let stopStream = async () => {};
  try {
    app = await startTestApp({
      DATABASE_URL: schemaUrl(schema, proxy.url(PG_URL)),
      REDIS_URL: SERVICES.redis.url,
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      DATABASE_POOL_SIZE: '4',
    });
    const url = app.url;
    const created = await createPoll(url, { identityMode: 'open', options: ['A', 'B', 'C'] });
    const pollId = created.poll.id;
    const stream = voteStream(url, pollId, created.poll.options.map((o) => o.id), created.ownerToken, 'v');
    stopStream = () => stream.stop();

    await eventually(() => stream.acked >= 100, '100 votes before the cut', 20_000);
    const cutAt = performance.now();
    proxy.cut(mode);
    // Long enough for hung statements to hit their bound and for many votes to be refused.
    await sleep(REQUEST_TIMEOUT_MS + 1_000);
    // Every vote sent while cut is answered before the link comes back: none can be saved by it.
    await stream.pause();
    const restoreAt = performance.now();
    proxy.restore();
    stream.resume();

    const before = stream.answers.filter((a) => a.sentAt < cutAt);
    const straddling = before.filter((a) => a.sentAt + a.ms > cutAt);
    const during = stream.answers.filter((a) => a.sentAt >= cutAt && a.sentAt < restoreAt);
    assert.ok(during.length > 0, 'votes were sent while the database was cut off');
    const wrong = during.filter((a) => a.status !== 503 || a.code !== 'store_unavailable' || !(Number(a.retryAfter) >= 1));
    assert.deepEqual(wrong.slice(0, 5), [], 'every vote sent while cut: 503 store_unavailable with Retry-After');
    const slowest = Math.max(...[...during, ...straddling].map((a) => a.ms));
    assert.ok(slowest < REQUEST_TIMEOUT_MS, `answered within REQUEST_TIMEOUT_MS (slowest ${slowest.toFixed(0)} ms)`);

    // Service resumes in the same process: 201s again, then a clean run of them.
    const ackedAtRestore = stream.acked;
    await eventually(() => stream.acked >= ackedAtRestore + 100, '100 votes acknowledged after restore', 20_000);
    await stream.stop();
    const afterRestore = stream.answers.filter((a) => a.sentAt >= restoreAt);
    const firstOk = afterRestore.findIndex((a) => a.status === 201);
    const relapses = afterRestore.slice(firstOk).filter((a) => a.status !== 201);
    assert.deepEqual(relapses.slice(0, 5), [], 'once a vote succeeds after restore, every later one does');
    const other = stream.answers.filter((a) => a.status !== 201 && a.status !== 503);
    assert.deepEqual(other.slice(0, 5), [], 'only 201 or 503: no other 5xx, no dropped connection');

    // Nothing refused while cut was counted, even after the held bytes flowed again.
    for (const a of during.filter((_, i) => i % Math.ceil(during.length / 25) === 0)) {
      const me = await call(url, 'GET', `/v1/polls/${pollId}/votes/me?voterId=${a.voterId}`, undefined, voteHeaders(created.ownerToken));
      assert.equal(me.status, 404, `${a.voterId} (answered 503 while cut) is not counted: ${me.text}`);
    }
    // In flight at the cut: a retry says which happened.
    let inDoubtCounted = 0;
    for (const a of straddling.filter((x) => x.status === 503)) {
      const r = await call(url, 'POST', `/v1/polls/${pollId}/votes`, { optionIds: [created.poll.options[0]!.id], voterId: a.voterId }, voteHeaders(created.ownerToken));
      assert.ok(r.status === 201 || r.status === 409, `retry of an in-doubt vote: ${r.status} ${r.text}`);
      if (r.status === 201) a.status = 201;
      else inDoubtCounted++;
    }
    const acked = stream.answers.filter((a) => a.status === 201).length;
    const rows = await countRows(schema, pollId);
    assert.equal(rows, acked + inDoubtCounted, 'vote rows = 201 answers (+ in-doubt votes the retry found counted)');
    const results = (await call(url, 'GET', `/v1/polls/${pollId}/results`)).json as { total: number };
    assert.equal(results.total, rows, 'the tally = the rows');
    t.diagnostic(
      `${mode}: ${during.length} votes refused while cut (slowest answer ${slowest.toFixed(0)} ms of ${REQUEST_TIMEOUT_MS}); ` +
        `${straddling.length} in flight at the cut (${inDoubtCounted} of those answered 503 but committed); ${rows} rows = ${acked} 201s + ${inDoubtCounted}`,
    );
  } finally {
    await stopStream();
    proxy.restore();
    await app?.stop();
    await proxy.close();
    await dropSchema(schema);
  }
}

async function redisOutage(t: TestContext, mode: CutMode): Promise<void> {
  const proxy = await FaultProxy.start({ host: SERVICES.redis.host, port: SERVICES.redis.port });
  const schema = scratchName('pollcast_redisout');
  let app: TestApp | null = null;
  let stopStream = async () => {};
  try {
    app = await startTestApp({ DATABASE_URL: schemaUrl(schema), REDIS_URL: proxy.url(SERVICES.redis.url), REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
    assert.equal(app.app.ports.cache.kind, 'redis');
    const url = app.url;
    const created = await createPoll(url, { identityMode: 'open', options: ['A', 'B', 'C'] });
    const pollId = created.poll.id;
    const stream = voteStream(url, pollId, created.poll.options.map((o) => o.id), created.ownerToken, 'r');
    stopStream = () => stream.stop();

    await eventually(() => stream.acked >= 100, '100 votes before the cut', 20_000);
    proxy.cut(mode);
    const ackedAtCut = stream.acked;
    // 'hang' is held past the heartbeat (2 missed 5 s pings would take longer: the command timeout
    // and breaker are what keep votes moving meanwhile).
    await sleep(mode === 'hang' ? 3_000 : 1_500);
    const ackedDuringCut = stream.acked - ackedAtCut;
    proxy.restore();
    await sleep(500);
    await stream.stop();

    const notOk = stream.answers.filter((a) => a.status !== 201);
    assert.deepEqual(notOk.slice(0, 5), [], 'every vote answered 201 with Redis cut off');
    assert.ok(ackedDuringCut > 0, 'votes were acknowledged while Redis was cut off');
    const rows = await countRows(schema, pollId);
    assert.equal(rows, stream.acked, 'vote rows = 201 answers: no vote lost');
    const results = (await call(url, 'GET', `/v1/polls/${pollId}/results`)).json as { total: number };
    assert.equal(results.total, rows);
    const slowest = Math.max(...stream.answers.map((a) => a.ms));
    t.diagnostic(`${mode}: ${stream.acked} votes, ${ackedDuringCut} while cut; slowest answer ${slowest.toFixed(0)} ms`);
  } finally {
    await stopStream();
    proxy.restore();
    await app?.stop();
    await proxy.close();
    await dropSchema(schema);
  }
}

describe('PostgreSQL cut off during a vote stream (fault proxy)', { skip }, () => {
  for (const mode of ['reset', 'hang'] as CutMode[]) {
    it(`${mode}: 503 + Retry-After within the request timeout, never 201, nothing refused counted; resumes without restart`, { timeout: 90_000 }, (t) =>
      postgresOutage(t, mode),
    );
  }
});

describe('Redis cut off during a vote stream (fault proxy)', { skip }, () => {
  for (const mode of ['reset', 'hang'] as CutMode[]) {
    it(`${mode}: every vote 201 and counted; rows = 201s`, { timeout: 60_000 }, (t) => redisOutage(t, mode));
  }
});
