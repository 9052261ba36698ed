/**
 * Traces: one vote is followed from the HTTP request through the group-commit batch and the store,
 * the outbox and the broker, to the worker's consumer and the realtime push — one trace id, spans
 * received by an in-test OTLP/HTTP receiver. With tracing off, the SDK is never loaded.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startApp, type RunningApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { call, createPoll, startTestApp, voteHeaders, type TestApp } from '../support/app.js';
import { distributedSlice, type DistributedSlice } from '../support/distributed.js';
import { eventually } from '../support/eventually.js';
import { needServices } from '../support/services.js';
import { SseStream } from '../support/sse.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const SERVER = 2;
const CONSUMER = 5;

function byName(spans: ReceivedSpan[], traceId: string, name: string): ReceivedSpan | undefined {
  return spans.find((s) => s.traceId === traceId && s.name === name);
}

/** The vote's chain: server span → vote.batch → (store.recordVotes, outbox → consumer), and the push. */
function assertVoteChain(spans: ReceivedSpan[], traceId: string): { server: ReceivedSpan; consumer: ReceivedSpan } {
  const server = byName(spans, traceId, 'POST /v1/polls/:pollId/votes')!;
  assert.ok(server, 'the vote request has a server span');
  assert.equal(server.kind, SERVER);
  const batch = byName(spans, traceId, 'vote.batch')!;
  assert.ok(batch, 'the group-commit batch is in the trace');
  assert.equal(batch.parentSpanId, server.spanId, 'the batch continues the request');
  const record = byName(spans, traceId, 'store.recordVotes')!;
  assert.ok(record, 'the store call is in the trace');
  assert.equal(record.parentSpanId, batch.spanId);
  // Every consumer group that takes the event (analytics, deliveries, commitments) continues it.
  const consumers = spans.filter((s) => s.traceId === traceId && s.name === 'votes.recorded process');
  assert.ok(consumers.length > 0, 'the worker consumer span is in the trace');
  for (const c of consumers) {
    assert.equal(c.kind, CONSUMER);
    assert.equal(c.parentSpanId, batch.spanId, 'the consumer continues the batch that wrote the event');
  }
  const applied = byName(spans, traceId, 'store.applyMinuteCounts');
  const consumer = consumers.find((c) => applied?.parentSpanId === c.spanId);
  assert.ok(consumer, 'the analytics consumer’s store call is its child');
  return { server, consumer };
}

describe('tracing, all roles in one process (embedded store, memory bus)', () => {
  let receiver: OtlpReceiver;
  let t: TestApp;
  before(async () => {
    receiver = await startOtlpReceiver();
    t = await startTestApp({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  });
  after(async () => {
    await t?.stop();
    await receiver?.close();
  });

  it('one vote: request → batch → store → outbox → consumer → push share one trace id', async () => {
    assert.equal(t.app.tracing.enabled, true);
    const { poll, ownerToken } = await createPoll(t.url, { identityMode: 'open' });
    const stream = await SseStream.open(`${t.url}/v1/polls/${poll.id}/results/stream`);
    try {
      await stream.waitFor((e) => e.event === 'results', 5_000, 'the initial state');
      const r = await call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0]!.id], voterId: 'ann' }, voteHeaders(ownerToken));
      assert.equal(r.status, 201, r.text);
      const traceId = await eventually(
        () => receiver.spans.find((s) => s.name === 'votes.recorded process')?.traceId,
        'the consumer span is exported',
        10_000,
      );
      const push = await eventually(() => byName(receiver.spans, traceId, 'results.push'), 'the push span is exported', 10_000);
      const { server } = assertVoteChain(receiver.spans, traceId);
      assert.equal(server.resource['service.name'], 'pollcast');
      assert.equal(typeof push.attributes['pollcast.vote_to_viewer_ms'], 'number');
      assert.deepEqual(receiver.rejected, [], 'every export was OTLP JSON to /v1/traces');
    } finally {
      await stream.close();
    }
  });

  it('continues an incoming W3C traceparent', async () => {
    const { poll, ownerToken } = await createPoll(t.url, { identityMode: 'open' });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const r = await call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[1]!.id], voterId: 'bob' }, voteHeaders(ownerToken, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` }));
    assert.equal(r.status, 201, r.text);
    const server = await eventually(() => byName(receiver.spans, traceId, 'POST /v1/polls/:pollId/votes'), 'the server span is exported', 10_000);
    assert.equal(server.parentSpanId, '00f067aa0ba902b7');
    await eventually(() => byName(receiver.spans, traceId, 'votes.recorded process'), 'the consumer joins the caller’s trace', 10_000);
  });
});

describe('tracing with the SDK absent', () => {
  // The SDK, exporter and context manager; @opentelemetry/api alone (a no-op facade) is loaded by prom-client.
  const SDK = /@opentelemetry[/](sdk-|exporter-|otlp-|context-async-hooks|resources|core)/;

  it('tracing off: no OpenTelemetry SDK module is loaded in the process', () => {
    const script = `
      import { startApp } from './src/app.ts';
      import { loadConfig } from './src/config.ts';
      import { mkdtempSync, rmSync } from 'node:fs';
      import { createRequire } from 'node:module';
      const dir = mkdtempSync('/tmp/pollcast-otel-');
      const app = await startApp(loadConfig({ DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', EMBEDDED_SYNC: 'normal' }));
      await fetch(app.url + '/v1/polls/000000000000/results');
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => ${SDK}.test(k));
      await app.shutdown();
      rmSync(dir, { recursive: true, force: true });
      console.log(JSON.stringify({ enabled: app.tracing.enabled, loaded }));
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 60_000 });
    assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), { enabled: false, loaded: [] });
    // The same check sees the SDK in this process, where the apps above traced.
    assert.ok(Object.keys(createRequire(import.meta.url).cache).some((k) => SDK.test(k)), 'the check sees the SDK where it is loaded');
  });
});

describe('tracing across processes: api, worker and realtime apart (PostgreSQL, Redis, NATS)', async () => {
  const skip = await needServices('postgres', 'redis', 'nats');
  let receiver: OtlpReceiver;
  let slice: DistributedSlice;
  const apps: RunningApp[] = [];
  const dirs: string[] = [];
  const start = async (role: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'pollcast-trace-'));
    dirs.push(dir);
    const config = loadConfig({ ...slice.env, DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', POLLCAST_ROLE: role, POLLCAST_PROCESSES: '1', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    const app = await startApp(config, { prefix: slice.prefix });
    apps.push(app);
    return app;
  };

  before(async () => {
    if (skip) return;
    receiver = await startOtlpReceiver();
    slice = distributedSlice('pollcast_trace');
  });
  after(async () => {
    for (const a of apps.reverse()) await a.shutdown('test');
    await slice?.cleanup();
    await receiver?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a span from the api and one from the worker share the vote’s trace id', { skip }, async () => {
    const api = await start('api');
    const worker = await start('worker');
    const realtime = await start('realtime');
    const { poll, ownerToken } = await createPoll(api.url, { identityMode: 'open' });
    const stream = await SseStream.open(`${realtime.url}/v1/polls/${poll.id}/results/stream`);
    try {
      await stream.waitFor((e) => e.event === 'results', 5_000, 'the initial state');
      const r = await call(api.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0]!.id], voterId: 'cy' }, voteHeaders(ownerToken));
      assert.equal(r.status, 201, r.text);
      const consumer = await eventually(() => receiver.spans.find((s) => s.name === 'votes.recorded process'), 'the worker’s consumer span is exported', 15_000);
      const { server } = assertVoteChain(receiver.spans, consumer.traceId);
      assert.equal(server.resource['pollcast.role'], 'api');
      assert.equal(consumer.resource['pollcast.role'], 'worker');
      const relay = byName(receiver.spans, consumer.traceId, 'outbox.relay publish');
      assert.ok(relay && relay.resource['pollcast.role'] === 'worker', 'the relay’s publish is in the trace');
      const push = await eventually(() => byName(receiver.spans, consumer.traceId, 'results.push'), 'the realtime push span is exported', 10_000);
      assert.equal(push.resource['pollcast.role'], 'realtime');
    } finally {
      await stream.close();
    }
    void worker;
  });
});
