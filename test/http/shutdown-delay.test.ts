/**
 * SHUTDOWN_DELAY_MS: on shutdown /readyz fails at once, but requests are still served for the
 * delay, so a load balancer takes the process out before it refuses anything; then the usual
 * drain (503 shutting_down to new requests) follows.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { call, createPoll, startTestApp, voteHeaders } from '../support/app.js';
import { eventually } from '../support/eventually.js';

describe('HTTP: shutdown delay', () => {
  it('readiness fails first, requests are served during the delay, refused after it', async () => {
    const t = await startTestApp({ SHUTDOWN_DELAY_MS: '1500' });
    try {
      const { poll, ownerToken } = await createPoll(t.url, { identityMode: 'open' });
      // A request accepted before the shutdown whose body is still coming: the drain waits for it,
      // so the listener stays open (answering 503) after the delay until it is finished.
      const body = JSON.stringify({ optionIds: [poll.options[1]!.id], voterId: 'held' });
      const held = request(`${t.url}/v1/polls/${poll.id}/votes`, { method: 'POST', headers: { ...voteHeaders(ownerToken), 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
      const heldAnswer = new Promise<number>((resolve, reject) => {
        held.on('response', (res) => (res.resume(), res.on('end', () => resolve(res.statusCode ?? 0))));
        held.on('error', reject);
      });
      held.write(body.slice(0, 5));
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      const stopping = t.app.shutdown('test');

      const ready = await call(t.url, 'GET', '/readyz');
      assert.equal(ready.status, 503);
      assert.equal(ready.json.status, 'draining');
      const vote = await call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0]!.id], voterId: 'during-delay' }, voteHeaders(ownerToken));
      assert.ok(Date.now() - started < 1_500, 'still inside the delay');
      assert.equal(vote.status, 201, 'a vote during the delay is served');

      const refused = await eventually(async () => {
        const r = await call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [poll.options[0]!.id], voterId: 'after-delay' }, voteHeaders(ownerToken));
        return r.status === 503 ? r : undefined;
      }, 'new requests are refused once the delay is over', 5_000, 50);
      assert.ok(Date.now() - started >= 1_400, 'not refused before the delay');
      assert.equal(refused.json.code, 'shutting_down');
      held.end(body.slice(5));
      assert.equal(await heldAnswer, 201, 'the request accepted before the shutdown is answered');
      await stopping;
    } finally {
      await t.stop();
    }
  });
});
