/**
 * Graceful shutdown: readiness fails, new requests get 503 shutting_down with Retry-After, live
 * viewers get a retry hint and a closing event, every vote already accepted is committed and
 * answered — and is there after a restart on the same data directory.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { call, createPoll, startTestApp, type Answer } from '../support/app.js';
import { assertProblem } from '../support/problem.js';
import { SseStream } from '../support/sse.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A POST whose body arrives in two parts: the server has accepted it, but cannot answer until `finish()`. */
function slowPost(url: string, body: string): { finish(): void; answer: Promise<{ status: number; text: string }> } {
  const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 4));
  return { finish: () => req.end(body.slice(4)), answer };
}

describe('HTTP: graceful shutdown', () => {
  it('drains: in-flight votes are answered 201, readiness fails, new requests get 503, viewers are told to go', async () => {
    // Votes wait up to 1 s in the group-commit buffer, so they are surely in flight when shutdown starts.
    const t = await startTestApp({ GROUP_COMMIT_MAX_WAIT_MS: '1000', SSE_RECONNECT_MS: '1500', SHUTDOWN_TIMEOUT_MS: '20000' });
    const u = t.url;
    try {
      const { poll } = await createPoll(u);
      const ids = poll.options.map((o) => o.id);
      assert.equal((await call(u, 'GET', '/readyz')).status, 200);

      const stream = await SseStream.open(`${u}/v1/polls/${poll.id}/results/stream`);
      await stream.waitFor((e) => e.event === 'results');

      // Count the vote requests the server has received: Fastify's listener (and so its onRequest
      // hook) runs before this one, so a counted request was accepted before the shutdown began.
      let received = 0;
      t.app.http.server.on('request', (req: { url?: string }) => {
        if (req.url?.endsWith('/votes')) received += 1;
      });
      const inFlight = Array.from({ length: 20 }, (_, i) => call(u, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [ids[i % 3]!] }));
      const slow = slowPost(`${u}/v1/polls/${poll.id}/votes`, JSON.stringify({ optionIds: [ids[0]!] }));
      for (const deadline = Date.now() + 10_000; received < 21 && Date.now() < deadline; ) await sleep(10);
      assert.equal(received, 21, 'all votes reached the server');

      const stopping = t.app.shutdown('test');
      assert.equal(t.app.shutdown('again'), stopping, 'shutdown is idempotent');

      // Live viewers: a retry hint and a closing event, then the stream ends.
      const close = await stream.waitFor((e) => e.event === 'close', 3_000, 'event: close');
      assert.equal(close.retry, 1500);
      await stream.waitForEnd(3_000);

      // The listener stays open while accepted requests finish: not ready, and new work is refused.
      const ready = await call(u, 'GET', '/readyz');
      assert.equal(ready.status, 503, ready.text);
      assert.equal(ready.json.status, 'draining');
      assert.equal((await call(u, 'GET', '/healthz')).status, 200, 'still alive');
      const refused: Answer[] = [
        await call(u, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [ids[1]!] }),
        await call(u, 'POST', '/v1/polls', { question: 'q', options: ['a', 'b'] }),
        await call(u, 'GET', `/v1/polls/${poll.id}/results`),
      ];
      for (const r of refused) {
        assertProblem(r, 'shutting_down');
        assert.ok(Number(r.headers.get('retry-after')) >= 1, 'Retry-After');
      }

      // Every vote accepted before the shutdown is committed and answered.
      const answers = await Promise.all(inFlight);
      assert.deepEqual(
        answers.map((a) => a.status),
        Array(20).fill(201),
        answers.map((a) => a.text).join('\n').slice(0, 500),
      );
      slow.finish();
      const late = await slow.answer;
      assert.equal(late.status, 201, late.text);

      await stopping;
      await assert.rejects(fetch(`${u}/healthz`), 'the listener is closed once drained');

      // Restart on the same data directory: the 21 acknowledged votes are all there, counted once.
      const again = await startTestApp({ DATA_DIR: t.dataDir });
      try {
        assert.equal(await again.app.ports.store.countVotes(poll.id), 21);
        const res = (await call(again.url, 'GET', `/v1/polls/${poll.id}/results`)).json;
        assert.equal(res.total, 21);
        assert.deepEqual(
          res.options.map((o: { votes: number }) => o.votes),
          [8, 7, 6],
        );
      } finally {
        await again.stop();
      }
    } finally {
      await t.app.shutdown('test cleanup');
      rmSync(t.dataDir, { recursive: true, force: true });
    }
  });

  it('with nothing in flight, shutdown is prompt and closes the listener', async () => {
    const t = await startTestApp();
    await createPoll(t.url);
    const started = Date.now();
    await t.stop();
    assert.ok(Date.now() - started < 5_000, 'within a generous bound');
    await assert.rejects(fetch(`${t.url}/healthz`));
  });
});
