/**
 * Roles apart: 2 × `api`, 1 × `realtime`, 1 × `worker`, each its own `pollcast serve --role …`
 * process, sharing one scratch PostgreSQL schema, one Redis key prefix and one NATS stream — or
 * one RabbitMQ exchange and its quorum queues: the whole file runs once per broker.
 * - a vote sent to api #1 shows on the SSE stream the realtime process serves within one second;
 * - votes through both api processes: one vote per voter across processes (409 from the other),
 *   and the final tally = the vote rows in PostgreSQL (counted with SQL, per option too) = the
 *   worker's per-minute analytics;
 * - a poll whose closesAt comes a few seconds later is closed by the worker's scheduler, and the
 *   stream shows it; the worker's per-minute analytics (outbox → NATS → consumer) = the ballots;
 * - SIGTERM ends each process with exit status 0.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createPoll, voteHeaders } from '../support/app.js';
import { startChildApp, type ChildApp } from '../support/child-app.js';
import { distributedSlice, type DistributedSlice } from '../support/distributed.js';
import { eventually } from '../support/eventually.js';
import { adminQuery } from '../support/postgres.js';
import { needServices } from '../support/services.js';
import { SseStream } from '../support/sse.js';

const BROKERS = [
  { broker: 'nats' as const, label: 'NATS', skip: await needServices('postgres', 'redis', 'nats') },
  { broker: 'rabbitmq' as const, label: 'RabbitMQ', skip: await needServices('postgres', 'redis', 'rabbitmq') },
];

type Results = { pollId: string; version: number; status: string; total: number; options: Array<{ id: string; votes: number }> };

for (const { broker, label, skip } of BROKERS) {
  describe(`roles apart: 2 api + realtime + worker processes on shared PostgreSQL, Redis and ${label}`, { skip, timeout: 120_000 }, () => {
    let slice: DistributedSlice;
    let api1: ChildApp;
    let api2: ChildApp;
    let realtime: ChildApp;
    let worker: ChildApp;
    const streams: SseStream[] = [];
    const outputs = () => [api1, api2, realtime, worker].map((p) => (p ? `--- ${p.role} ${p.url}\n${p.output().slice(-2_000)}` : '')).join('\n');

    before(async () => {
      slice = distributedSlice('pollcast_roles', broker);
      // One process per role instance (no per-core cluster): the fleet is exactly these four.
      const env = { ...slice.env, POLLCAST_PROCESSES: '1', SCHEDULER_INTERVAL_MS: '500', SHUTDOWN_TIMEOUT_MS: '10000' };
      // Started together, as a fleet does: they race on migrations (advisory lock) and the secret.
      const started = await Promise.allSettled([
        startChildApp('api', env),
        startChildApp('api', env),
        startChildApp('realtime', env),
        startChildApp('worker', env),
      ]);
      // Kept even when one failed to start, so after() stops the others instead of leaving them running.
      [api1, api2, realtime, worker] = started.map((r) => (r.status === 'fulfilled' ? r.value : undefined)) as [ChildApp, ChildApp, ChildApp, ChildApp];
      const failed = started.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    });

    after(async () => {
      await Promise.all(streams.map((s) => s.close()));
      await Promise.all([api1, api2, realtime, worker].map((p) => p?.stop('SIGKILL', 1_000)));
      await slice.cleanup();
    });

    const vote = (api: ChildApp, pollId: string, ownerToken: string, optionId: string, voterId: string) =>
      call(api.url, 'POST', `/v1/polls/${pollId}/votes`, { optionIds: [optionId], voterId }, voteHeaders(ownerToken));
    const openStream = async (pollId: string) => {
      const s = await SseStream.open(`${realtime.url}/v1/polls/${pollId}/results/stream`);
      streams.push(s);
      assert.equal(s.status, 200, s.errorText);
      await s.waitFor((e) => e.event === 'results', 5_000, 'the initial state');
      return s;
    };
    /** The worker's per-minute counts (outbox → NATS → analytics consumer), read through an api process. */
    const analyticsSum = async (api: ChildApp, pollId: string, ownerToken: string) => {
      const r = await call(api.url, 'GET', `/v1/polls/${pollId}/analytics`, undefined, { authorization: `Bearer ${ownerToken}` });
      assert.equal(r.status, 200, r.text);
      return (r.json.minutes as Array<{ votes: number }>).reduce((a, m) => a + m.votes, 0);
    };
    const lastResults = (s: SseStream) => s.results<Results>().at(-1)?.data;
    const storedVotes = async (pollId: string) => {
      const [row] = await adminQuery<{ n: number }>(`SELECT count(*)::int AS n FROM "${slice.schema}".votes WHERE poll_id = $1`, [pollId]);
      return row!.n;
    };
    const storedPerOption = async (pollId: string) => {
      const rows = await adminQuery<{ o: string; n: number }>(
        `SELECT o, count(*)::int AS n FROM "${slice.schema}".votes, unnest(string_to_array(option_ids, ',')) AS o WHERE poll_id = $1 GROUP BY o`,
        [pollId],
      );
      return new Map(rows.map((r) => [r.o, r.n]));
    };

    it('each role answers in its own process; only api serves the API', async () => {
      for (const p of [api1, api2, realtime, worker]) {
        const r = await call(p.url, 'GET', '/readyz');
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.role, p.role);
      }
      assert.equal((await call(realtime.url, 'POST', '/v1/polls', { question: 'q', options: ['a', 'b'] })).status, 404, 'realtime takes no writes');
      assert.equal((await call(worker.url, 'GET', '/v1/polls/222222222222/results')).status, 404, 'worker serves no API');
    });

    it('a vote through api #1 reaches the realtime stream within a second; the final tally = vote rows', async (t) => {
      const { poll, ownerToken } = await createPoll(api1.url, { identityMode: 'open', options: ['A', 'B', 'C'] });
      const ids = poll.options.map((o) => o.id);
      const s = await openStream(poll.id);
      assert.equal(lastResults(s)!.total, 0);

      const sent = performance.now();
      const first = await vote(api1, poll.id, ownerToken, ids[0]!, 'first');
      assert.equal(first.status, 201, first.text);
      const seen = await s.waitFor((e) => e.event === 'results' && JSON.parse(e.data).total === 1, 1_000, 'the first vote on the stream within 1 s');
      const ms = seen.at - sent;
      assert.ok(ms < 1_000, `vote-to-viewer ${ms.toFixed(0)} ms`);
      t.diagnostic(`vote sent to api #1 → seen on the realtime stream: ${ms.toFixed(0)} ms`);

      // The same voter through the other api process: one vote per voter holds across processes.
      const again = await vote(api2, poll.id, ownerToken, ids[1]!, 'first');
      assert.equal(again.status, 409, again.text);
      assert.equal(again.json.code, 'already_voted');

      // A stream of votes spread over both api processes.
      let next = 0;
      const acked: string[] = ['first'];
      const other: string[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async (_, loop) => {
          while (next < 240) {
            const n = next++;
            const r = await vote(loop % 2 === 0 ? api1 : api2, poll.id, ownerToken, ids[n % 3]!, `v${n}`);
            if (r.status === 201) acked.push(`v${n}`);
            else other.push(`${r.status} ${r.text}`);
          }
        }),
      );
      assert.deepEqual(other, [], 'every new voter is answered 201');

      // Converges: the stream shows the exact stored tally, and it equals the rows in PostgreSQL.
      const rows = await storedVotes(poll.id);
      assert.equal(rows, acked.length, 'vote rows = 201 answers');
      await s.waitFor((e) => e.event === 'results' && JSON.parse(e.data).total === rows, 3_000, `the final total ${rows} on the stream`);
      const perOption = await storedPerOption(poll.id);
      const streamed = lastResults(s)!;
      assert.deepEqual(
        streamed.options.map((o) => [o.id, o.votes]),
        ids.map((id) => [id, perOption.get(id) ?? 0]),
        'each option on the stream = its vote rows',
      );
      const viaApi2 = (await call(api2.url, 'GET', `/v1/polls/${poll.id}/results`)).json as Results;
      assert.equal(viaApi2.total, rows);
      await eventually(async () => (await analyticsSum(api2, poll.id, ownerToken)) === rows, `analytics to count ${rows} ballots`, 20_000, 100);
    });

    it('the worker closes a poll at closesAt (the stream shows it) and its analytics equal the ballots', async () => {
      const closesAt = new Date(Date.now() + 3_000).toISOString();
      const { poll, ownerToken } = await createPoll(api2.url, { identityMode: 'open', options: ['Yes', 'No'], closesAt });
      const ids = poll.options.map((o) => o.id);
      const s = await openStream(poll.id);

      let ballots = 0;
      for (let i = 0; i < 40; i++) {
        const r = await vote(i % 2 ? api1 : api2, poll.id, ownerToken, ids[i % 2]!, `c${i}`);
        assert.equal(r.status, 201, r.text);
        ballots++;
      }

      await s.waitFor((e) => e.event === 'results' && JSON.parse(e.data).status === 'closed', 10_000, 'status closed on the stream');
      const [row] = await adminQuery<{ status: string }>(`SELECT status FROM "${slice.schema}".polls WHERE id = $1`, [poll.id]);
      assert.equal(row!.status, 'closed', 'the stored status was flipped (by the only scheduler: the worker)');
      const late = await vote(api1, poll.id, ownerToken, ids[0]!, 'late');
      assert.equal(late.status, 409, late.text);
      assert.equal(late.json.code, 'poll_closed');

      assert.equal(await storedVotes(poll.id), ballots);
      assert.equal(lastResults(s)!.total, ballots);
      await eventually(async () => (await analyticsSum(api1, poll.id, ownerToken)) === ballots, `analytics to count ${ballots} ballots (outbox → NATS → worker)`, 20_000, 100);
    });

    it('SIGTERM: every process drains and exits 0', async () => {
      const exits = await Promise.all([api1, api2, realtime, worker].map((p) => p.stop('SIGTERM')));
      assert.deepEqual(
        exits.map((e) => e.code),
        [0, 0, 0, 0],
        `exit statuses ${JSON.stringify(exits)}\n${outputs()}`,
      );
    });
  });
}
