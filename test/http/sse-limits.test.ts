/**
 * Live-results streams are bounded: a viewer that stops reading is dropped once its unsent bytes
 * pass SSE_MAX_BUFFERED_BYTES (or stay unsent for SSE_STALL_TIMEOUT_MS) and counted in
 * pollcast_sse_slow_viewers_dropped_total, while reading viewers go on and converge; a stream ends
 * after SSE_MAX_LIFETIME_MS with a `retry:` hint, and the reconnect resumes with Last-Event-ID.
 *
 * The slow viewer is a real client: a raw socket that reads the response head and then pauses,
 * so the kernel's buffers fill and the server's unsent buffer grows. Frames of a 100-option poll
 * (≈ 3 kB) pushed up to 100 times a second fill them within seconds; the drop itself is checked
 * by its counter, never by a time.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { call, createPoll, startTestApp, type TestApp } from '../support/app.js';
import { SseStream } from '../support/sse.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens a stream, waits for its first results frame, then stops reading. */
async function pausedViewer(base: string, pollId: string): Promise<Socket> {
  const { port } = new URL(base);
  const socket = connect(Number(port), '127.0.0.1');
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(`GET /v1/polls/${pollId}/results/stream HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n`);
  let seen = '';
  await new Promise<void>((resolve) => {
    const onData = (d: Buffer) => {
      seen += d.toString('latin1');
      if (seen.includes('event: results')) {
        socket.off('data', onData);
        socket.pause();
        resolve();
      }
    };
    socket.on('data', onData);
  });
  assert.match(seen, /^HTTP\/1\.1 200/);
  return socket;
}

function metricValue(text: string, line: string): number {
  const hit = text.split('\n').find((l) => l.startsWith(line + ' '));
  return hit === undefined ? 0 : Number(hit.slice(line.length + 1));
}

describe('HTTP: live-results stream limits', () => {
  const apps: TestApp[] = [];
  const cleanup: Array<() => unknown> = [];
  after(async () => {
    for (const c of cleanup) await c();
    for (const t of apps) await t.stop();
  });

  it('a viewer that stops reading is dropped (unsent bytes past the bound, or not drained in time) and counted; a reading viewer converges', async () => {
    // Two servers, filled side by side: one drops by the byte bound, the other by the stall timeout.
    const cases = await Promise.all(
      (
        [
          ['buffer', { SSE_MAX_BUFFERED_BYTES: '16384' }],
          ['stalled', { SSE_MAX_BUFFERED_BYTES: '16777216', SSE_STALL_TIMEOUT_MS: '1000' }],
        ] as const
      ).map(async ([reason, env]) => {
        const t = await startTestApp({ RESULTS_PUSH_INTERVAL_MS: '10', SSE_HEARTBEAT_MS: '200', ...env });
        apps.push(t);
        const { poll } = await createPoll(t.url, { identityMode: 'open', options: Array.from({ length: 100 }, (_, i) => `Option number ${i}`) });
        const slow = await pausedViewer(t.url, poll.id);
        cleanup.push(() => slow.destroy());
        const reader = await SseStream.open(`${t.url}/v1/polls/${poll.id}/results/stream`);
        cleanup.push(() => reader.close());
        await reader.waitFor((e) => e.event === 'results');
        const dropped = async (r: string) => metricValue(await t.app.metrics.render(), `pollcast_sse_slow_viewers_dropped_total{reason="${r}"}`);
        assert.equal(await dropped(reason), 0);
        return { reason, t, poll, reader, dropped, votes: 0, done: false };
      }),
    );

    // One vote at a time on each server, committed straight through the store with its notice (HTTP
    // votes on a busy machine come too slowly to fill the kernel's buffers in reasonable time): a
    // new version, and a ≈ 3 kB frame, every push interval.
    for (const deadline = Date.now() + 120_000; cases.some((c) => !c.done); ) {
      await Promise.all(
        cases.map(async (c) => {
          if (c.done) return;
          assert.ok(Date.now() < deadline, `the paused viewer was not dropped (${c.reason}) after ${c.votes} votes`);
          const { store, notifier } = c.t.app.ports;
          for (let i = 0; i < 20; i++) {
            const n = c.votes++;
            const [outcome] = await store.recordVotes(
              [{ pollId: c.poll.id, voterId: `o:v${n}`, optionIds: [c.poll.options[n % 100]!.id], receiptId: `r_fill_${n}`, at: Date.now() }],
              () => ({ status: 201, requestHash: '', body: '{}' }),
            );
            assert.equal(outcome!.kind, 'counted');
            const { version } = (await store.getResults(c.poll.id))!;
            notifier.publish({ type: 'results', pollId: c.poll.id, version, committedAt: Date.now() });
            await sleep(10);
          }
          c.done = (await c.dropped(c.reason)) > 0;
        }),
      );
    }
    for (const c of cases) {
      assert.equal(await c.dropped(c.reason), 1, `only the paused viewer is dropped (${c.reason})`);
      assert.equal(await c.dropped(c.reason === 'buffer' ? 'stalled' : 'buffer'), 0);
      assert.equal(metricValue(await c.t.app.metrics.render(), 'pollcast_sse_connections'), 1, 'the reading viewer stays');
      const last = await c.reader.waitFor((e) => e.event === 'results' && JSON.parse(e.data).total === c.votes, 5_000, `the stored total ${c.votes}`);
      assert.deepEqual(JSON.parse(last.data), (await call(c.t.url, 'GET', `/v1/polls/${c.poll.id}/results`)).json);
      assert.equal(c.reader.ended, false);
    }
  });

  it('a stream ends after its lifetime with a retry hint; resuming with Last-Event-ID picks up where it was', async () => {
    const t = await startTestApp({ SSE_MAX_LIFETIME_MS: '2500', SSE_RECONNECT_MS: '700', SSE_HEARTBEAT_MS: '200', RESULTS_PUSH_INTERVAL_MS: '50' });
    apps.push(t);
    const { poll } = await createPoll(t.url);
    const vote = (optionId: string) => call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [optionId] });
    assert.equal((await vote(poll.options[0]!.id)).status, 201);
    const opened = performance.now();
    const s = await SseStream.open(`${t.url}/v1/polls/${poll.id}/results/stream`);
    cleanup.push(() => s.close());
    const first = await s.waitFor((e) => e.event === 'results');
    const close = await s.waitFor((e) => e.event === 'close', 5_000, 'the close event');
    await s.waitForEnd(2_000);
    const lived = performance.now() - opened;
    assert.ok(lived >= 2_500 * 0.8 - 50, `ended after ${lived.toFixed(0)} ms, before 80 % of its lifetime`);
    assert.deepEqual(JSON.parse(close.data), { reason: 'lifetime' });
    assert.ok(close.retry !== undefined && close.retry >= 350 && close.retry <= 1_050, `retry hint ${close.retry} is within 0.5–1.5 × SSE_RECONNECT_MS`);

    // What EventSource does next: reconnect with the last id it saw.
    const again = await SseStream.open(`${t.url}/v1/polls/${poll.id}/results/stream`, { 'last-event-id': first.id! });
    cleanup.push(() => again.close());
    await again.waitForComment('hb', 2_000);
    assert.equal(again.results().length, 0, 'an up-to-date viewer gets no repeat of the state');
    assert.equal((await vote(poll.options[1]!.id)).status, 201);
    const next = await again.waitFor((e) => e.event === 'results', 3_000);
    assert.equal(JSON.parse(next.data).total, 2);
  });
});
