/**
 * Issuing invite codes in bulk: a 100,000-code request leaves the event loop free for other
 * requests while it runs, and each address has an hourly budget of codes (429 beyond it) — an
 * anonymous quick poll can no longer make the server compute millions of HMACs a second.
 */
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { call, startTestApp, type TestApp } from '../support/app.js';
import { assertProblem } from '../support/problem.js';

async function invitePoll(u: string, headers: Record<string, string> = {}) {
  const r = await call(u, 'POST', '/v1/polls', { question: 'Who comes?', options: ['a', 'b'], identityMode: 'invite' }, headers);
  assert.equal(r.status, 201, r.text);
  return { id: r.json.poll.id as string, auth: { ...headers, authorization: `Bearer ${r.json.ownerToken}` } };
}

describe('HTTP: invite code issuance', () => {
  describe('a big issuance does not hold other requests', () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp();
    });
    after(() => t.stop());

    it('while 100,000 codes are made, health checks sent one after another keep being answered', async () => {
      const poll = await invitePoll(t.url);
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      let headersAt = 0;
      const started = performance.now();
      // fetch resolves when the answer's headers arrive, i.e. once every code was made and serialized.
      const big = fetch(`${t.url}/v1/polls/${poll.id}/invites`, { method: 'POST', headers: { ...poll.auth, 'content-type': 'application/json' }, body: JSON.stringify({ count: 100_000 }) }).then((res) => {
        headersAt = performance.now();
        return res;
      });
      let answeredMeanwhile = 0;
      while (headersAt === 0) {
        const r = await fetch(`${t.url}/healthz`);
        await r.arrayBuffer();
        if (headersAt === 0 && r.status === 200) answeredMeanwhile++;
      }
      delay.disable();
      const res = await big;
      const body = (await res.json()) as { codes: string[]; issued: number };
      assert.equal(res.status, 201);
      assert.equal(body.codes.length, 100_000);
      assert.equal(new Set(body.codes).size, 100_000, 'all distinct');
      console.log(`# 100,000 codes in ${Math.round(headersAt - started)} ms; ${answeredMeanwhile} health checks answered meanwhile; event-loop delay max ${(delay.max / 1e6).toFixed(0)} ms`);
      // Made in one piece, the codes hold the loop for the whole issuance: at most the check already
      // in flight gets through. Made in slices, a check gets through between any two slices.
      assert.ok(answeredMeanwhile >= 10, `only ${answeredMeanwhile} health checks were answered while the codes were made`);
    });

    it('codes made in slices are the same codes: serials continue across slices and requests', async () => {
      const poll = await invitePoll(t.url);
      const a = await call(t.url, 'POST', `/v1/polls/${poll.id}/invites`, { count: 2_500 }, poll.auth);
      const b = await call(t.url, 'POST', `/v1/polls/${poll.id}/invites`, { count: 1 }, poll.auth);
      assert.equal(a.json.issued, 2_500);
      assert.equal(b.json.issued, 2_501);
      const serials = [...a.json.codes, ...b.json.codes].map((c: string) => c.split('-')[0]);
      assert.equal(new Set(serials).size, 2_501);
      // The codes straddling a slice edge and the next request's first code each take a vote.
      for (const code of [a.json.codes[999], a.json.codes[1_000], a.json.codes[2_499], b.json.codes[0]]) {
        const options = (await call(t.url, 'GET', `/v1/polls/${poll.id}`)).json.poll.options;
        const v = await call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [options[0].id], inviteCode: code });
        assert.equal(v.status, 201, `${code}: ${v.text}`);
      }
    });
  });

  describe('the per-address budget', () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ RATE_LIMIT_INVITES_PER_HOUR: '5000', TRUST_PROXY: '127.0.0.1' });
    });
    after(() => t.stop());

    it('codes beyond RATE_LIMIT_INVITES_PER_HOUR from one address → 429 rate_limited; no serials burned; another address has its own budget', async () => {
      const from = (ip: string) => ({ 'x-forwarded-for': ip });
      const one = await invitePoll(t.url, from('203.0.113.7'));
      const two = await invitePoll(t.url, from('203.0.113.7'));
      assert.equal((await call(t.url, 'POST', `/v1/polls/${one.id}/invites`, { count: 3_000 }, one.auth)).status, 201);

      // Another poll, same address: the budget is the address's, not the poll's.
      const over = await call(t.url, 'POST', `/v1/polls/${two.id}/invites`, { count: 3_000 }, two.auth);
      assertProblem(over, 'rate_limited', '3,000 more');
      const retryAfter = Number(over.headers.get('retry-after'));
      // Sliding window in 60 buckets: the oldest bucket leaves within the hour plus one bucket.
      assert.ok(retryAfter >= 1 && retryAfter <= 3_660, `retry-after ${retryAfter}`);

      // What is left still fits (the refusal spent one block of 1,000 codes): 5 − 3 − 1 = 1 block.
      const rest = await call(t.url, 'POST', `/v1/polls/${two.id}/invites`, { count: 1_000 }, two.auth);
      assert.equal(rest.status, 201, rest.text);
      assert.equal(rest.json.issued, 1_000, 'serials start at 0: the refusal burned none');
      assertProblem(await call(t.url, 'POST', `/v1/polls/${two.id}/invites`, { count: 1 }, two.auth), 'rate_limited', 'budget spent');

      // A second address is not affected.
      const three = await invitePoll(t.url, from('198.51.100.9'));
      assert.equal((await call(t.url, 'POST', `/v1/polls/${three.id}/invites`, { count: 5_000 }, three.auth)).status, 201);
    });

    it('concurrent requests never get more than the budget between them', async () => {
      const from = { 'x-forwarded-for': '192.0.2.44' };
      const polls = await Promise.all(Array.from({ length: 8 }, () => invitePoll(t.url, from)));
      const answers = await Promise.all(polls.map((p) => call(t.url, 'POST', `/v1/polls/${p.id}/invites`, { count: 2_000 }, p.auth)));
      const granted = answers.filter((a) => a.status === 201).reduce((n, a) => n + a.json.codes.length, 0);
      for (const a of answers) if (a.status !== 201) assertProblem(a, 'rate_limited', 'concurrent');
      assert.ok(granted <= 5_000 && granted >= 2_000, `granted ${granted}`);
    });
  });
});
