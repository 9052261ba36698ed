/**
 * Failover behind a real load balancer: Debian's HAProxy running the shipped
 * deploy/haproxy/haproxy.cfg (servers, ports and check timing replaced: inter 500ms, fall 2,
 * rise 1) in front of 3 `api` and 2 `realtime` processes, plus a `worker`, on a scratch slice of
 * the real PostgreSQL, Redis and NATS.
 *
 * Under a steady vote load (concurrent loops; a failed request is retried with the same
 * Idempotency-Key until it is answered 201):
 * 1. kill -9 of one api process and one realtime process: HAProxy marks the dead api server DOWN
 *    within 3 s (read from its stats socket), votes keep being acknowledged;
 * 2. SIGTERM of another api process: it fails /readyz, keeps serving for SHUTDOWN_DELAY_MS while
 *    HAProxy takes it out, then drains and exits 0 — and not one request fails meanwhile;
 * 3. afterwards every voter answered 201 has exactly one vote row (counted in PostgreSQL), no
 *    other voter has one, the tallies sum to the rows, and every SSE viewer (connected through
 *    HAProxy; those on the killed realtime process reconnect) ends on the exact final tally.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createPoll, voteHeaders } from '../support/app.js';
import { startChildApp, type ChildApp } from '../support/child-app.js';
import { distributedSlice, type DistributedSlice } from '../support/distributed.js';
import { eventually, sleep } from '../support/eventually.js';
import { haproxyBinary, startHaproxy, type Haproxy } from '../support/haproxy.js';
import { adminQuery } from '../support/postgres.js';
import { ReconnectingViewer } from '../support/reconnecting-sse.js';
import { needServices } from '../support/services.js';

const CHECK = { inter: '500ms', fall: 2, rise: 1 };
/** ≥ (fall + 1) × inter: HAProxy has seen /readyz fail twice before anything is refused. */
const SHUTDOWN_DELAY_MS = 2_000;
const LOOPS = 6;
const VIEWERS = 6;
/** Six processes start at once from source (tsx) on two shared cores: give them time. */
const READY_MS = 90_000;

let skip = await needServices('postgres', 'redis', 'nats');
if (!skip && !haproxyBinary()) {
  if (process.env.REQUIRE_SERVICES === '1') throw new Error('REQUIRE_SERVICES=1 and haproxy is not installed (apt-get install -y haproxy)');
  skip = 'skipped: haproxy is not installed (apt-get install -y haproxy)';
}

type Results = { version: number; total: number; options: Array<{ id: string; votes: number }> };
type Phase = 'steady' | 'kill' | 'drain' | 'after';

describe('failover behind HAProxy: kill -9 and graceful drain under vote load', { skip, timeout: 150_000 }, () => {
  let slice: DistributedSlice;
  let apis: ChildApp[] = [];
  let realtimes: ChildApp[] = [];
  let worker: ChildApp;
  let lb: Haproxy;
  /** Whatever the test left running when it failed: stopped first in after(). */
  const leftovers: Array<() => Promise<unknown> | unknown> = [];
  const all = () => [...apis, ...realtimes, worker].filter(Boolean);
  const logs = () => [lb?.output().slice(-3_000), ...all().map((p) => `--- ${p.role} ${p.url}\n${p.output().slice(-1_500)}`)].join('\n');

  before(async () => {
    slice = distributedSlice('pollcast_lb');
    const env = { ...slice.env, SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS), SSE_RECONNECT_MS: '300', TRUST_PROXY: '127.0.0.1' };
    // Started together, as a fleet does (migrations serialize on an advisory lock).
    const started = await Promise.all([
      startChildApp('worker', env, READY_MS),
      ...[1, 2, 3].map(() => startChildApp('api', env, READY_MS)),
      ...[1, 2].map(() => startChildApp('realtime', env, READY_MS)),
    ]);
    worker = started[0]!;
    apis = started.slice(1, 4);
    realtimes = started.slice(4);
    const hostPort = (p: ChildApp) => new URL(p.url).host;
    lb = await startHaproxy({ servers: { api: apis.map(hostPort), realtime: realtimes.map(hostPort) }, check: CHECK });
    await eventually(async () => (await lb.stats()).filter((r) => /^(api|realtime)\d$/.test(r.svname) && r.status === 'UP').length === 5, 'every server UP in haproxy', 10_000, 100);
  });

  after(async () => {
    for (const f of leftovers) await f();
    await Promise.all(all().map((p) => p.stop('SIGKILL', 1_000)));
    await lb?.stop();
    await slice?.cleanup();
  });

  it('no acknowledged vote is lost or doubled; the dead server is out within 3 s; a drain fails nothing; viewers end on the final tally', async (t) => {
    const { poll, ownerToken } = await createPoll(lb.url, { identityMode: 'open', options: ['A', 'B', 'C'] });
    const ids = poll.options.map((o) => o.id);
    const viewers = Array.from({ length: VIEWERS }, () => new ReconnectingViewer<Results>(`${lb.url}/v1/polls/${poll.id}/results/stream`));
    leftovers.push(() => Promise.all(viewers.map((v) => v.close())));
    await eventually(() => viewers.every((v) => v.current() !== undefined), 'every viewer has the initial state', 10_000, 50);

    // --- the load: each loop votes as new voters, retrying each until it is answered 201 ------
    let phase: Phase = 'steady';
    let stop = false;
    let next = 0;
    const acked = new Set<string>();
    const ackAt: number[] = [];
    const failures: Array<{ phase: Phase; voter: string; what: string }> = [];
    const loops = Array.from({ length: LOOPS }, async () => {
      while (!stop) {
        const n = next++;
        const voter = `v${n}`;
        for (let attempt = 1; ; attempt++) {
          const at = phase;
          let what: string;
          try {
            const r = await call(lb.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [ids[n % 3]!], voterId: voter }, voteHeaders(ownerToken, { 'idempotency-key': `key-${voter}` }));
            if (r.status === 201) {
              acked.add(voter);
              ackAt.push(Date.now());
              break;
            }
            what = `${r.status} ${r.text.slice(0, 120)}`;
          } catch (err) {
            what = `network: ${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? '')}`;
          }
          failures.push({ phase: at, voter, what });
          if (attempt >= 60) throw new Error(`voter ${voter}: no 201 after ${attempt} attempts; last: ${what}`);
          await sleep(50);
        }
      }
    });
    const loadDone = Promise.all(loops);
    leftovers.unshift(() => ((stop = true), loadDone.catch(() => undefined)));
    const ackedSince = (since: number) => ackAt.filter((x) => x >= since).length;

    try {
      await eventually(() => acked.size >= 200, '200 votes acknowledged before the faults', 20_000, 20);

      // --- 1. kill -9 one api and one realtime process ------------------------------------------
      phase = 'kill';
      const [deadApi, drainedApi] = [apis[0]!, apis[1]!];
      const killedAt = Date.now();
      const deadViewersBefore = viewers.map((v) => v.reconnects);
      await Promise.all([deadApi.stop('SIGKILL'), realtimes[0]!.stop('SIGKILL')]);
      const downAfterMs = await eventually(
        async () => ((await lb.serverStatus('api', 'api1')).startsWith('DOWN') ? Date.now() - killedAt : undefined),
        'haproxy marks api1 DOWN',
        10_000,
        50,
      );
      t.diagnostic(`api1 killed → DOWN in haproxy after ${downAfterMs} ms; failed attempts so far: ${failures.length}`);
      assert.ok(downAfterMs < 3_000, `HAProxy took ${downAfterMs} ms to take the dead server out`);
      const flowing = Date.now();
      await eventually(() => ackedSince(flowing) >= 50, 'votes keep being acknowledged after the kill', 10_000, 20);
      await eventually(async () => (await lb.serverStatus('realtime', 'realtime1')).startsWith('DOWN'), 'haproxy marks realtime1 DOWN', 10_000, 50);
      await eventually(() => viewers.some((v, i) => v.reconnects > deadViewersBefore[i]!), 'a viewer of the killed realtime process reconnects', 10_000, 50);

      // --- 2. SIGTERM another api process: a graceful drain fails nothing ------------------------
      await sleep(500);
      phase = 'drain';
      const failedBeforeDrain = failures.length;
      const drainStarted = Date.now();
      const exit = await drainedApi.stop('SIGTERM');
      const statusAfterDrain = await lb.serverStatus('api', 'api2');
      await sleep(500);
      phase = 'after';
      t.diagnostic(`api2 drained in ${Date.now() - drainStarted - 500} ms (exit ${JSON.stringify(exit)}), haproxy status ${statusAfterDrain}; ${ackedSince(drainStarted)} votes acknowledged meanwhile`);
      assert.deepEqual(exit, { code: 0, signal: null }, `the drained api exits 0\n${drainedApi.output().slice(-2_000)}`);
      assert.deepEqual(
        failures.slice(failedBeforeDrain).filter((f) => f.phase === 'drain'),
        [],
        'not one request failed while a process drained',
      );
      assert.match(statusAfterDrain, /^DOWN/, 'haproxy took the draining server out before it exited');
      assert.ok(ackedSince(drainStarted) > 0, 'votes were acknowledged during the drain');
      await sleep(500);
    } finally {
      stop = true;
      await loadDone.catch((err: unknown) => assert.fail(`${(err as Error).message}\n${logs()}`));
    }

    // --- 3. exactly once, counted in PostgreSQL; viewers converge ---------------------------------
    const apiRow = (await lb.stats()).find((r) => r.pxname === 'api' && r.svname === 'BACKEND');
    t.diagnostic(`haproxy api backend: ${apiRow?.wretr} retries, ${apiRow?.wredis} redispatches, ${apiRow?.eresp} response errors, ${apiRow?.econ} connection errors`);
    const byPhase = failures.reduce<Record<string, number>>((m, f) => ((m[f.phase] = (m[f.phase] ?? 0) + 1), m), {});
    t.diagnostic(`${acked.size} voters acknowledged; failed attempts retried by phase: ${JSON.stringify(byPhase)}; e.g. ${failures.slice(0, 3).map((f) => f.what).join(' | ')}`);
    const rows = await adminQuery<{ voter_id: string; n: number }>(
      `SELECT voter_id, count(*)::int AS n FROM "${slice.schema}".votes WHERE poll_id = $1 GROUP BY voter_id`,
      [poll.id],
    );
    assert.deepEqual(rows.filter((r) => r.n !== 1), [], 'no voter has two rows');
    // Open-identity voters are stored as `o:<voterId>`.
    assert.deepEqual(rows.filter((r) => !r.voter_id.startsWith('o:')), [], 'every row is an open-identity voter');
    const stored = new Set(rows.map((r) => r.voter_id.slice(2)));
    assert.deepEqual([...acked].filter((v) => !stored.has(v)), [], 'every vote answered 201 is stored');
    assert.deepEqual([...stored].filter((v) => !acked.has(v)), [], 'no vote is stored that was not answered 201');
    const [tally] = await adminQuery<{ n: number }>(`SELECT coalesce(sum(votes), 0)::int AS n FROM "${slice.schema}".tallies WHERE poll_id = $1`, [poll.id]);
    assert.equal(tally!.n, stored.size, 'the tallies sum to the vote rows');

    const final = stored.size;
    try {
      await eventually(() => viewers.every((v) => v.current()?.total === final), `every viewer shows the final total ${final}`, 5_000, 50);
    } finally {
      t.diagnostic(`viewers: ${viewers.map((v) => `${v.current()?.total}/${v.reconnects} reconnects`).join(', ')}`);
      await Promise.all(viewers.map((v) => v.close()));
    }
  });
});
