/**
 * Upvotes exactly once under concurrency, checked against the stored rows (the store's count and
 * its rows agree: countMismatches is 0): 1,000 voters upvoting one question at once count 1,000;
 * one voter upvoting 50 times at once counts once; a voter flooding upvotes and un-upvotes on
 * one question moves it by one voter's worth at most. (See test/http/concurrency.test.ts on why
 * 1,000 connections at once need the listen backlog.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { call, startTestApp, type Answer, type TestApp } from '../support/app.js';

describe('HTTP: concurrent upvotes', () => {
  let t: TestApp;
  let u: string;
  before(async () => {
    // Upvote budgets out of the way: these tests are about counting, not limiting.
    t = await startTestApp({ QA_UPVOTES_PER_VOTER_PER_MIN: '0' });
    u = t.url;
  });
  after(() => t.stop());

  const statuses = (answers: Answer[]) => {
    const n = new Map<number, number>();
    for (const a of answers) n.set(a.status, (n.get(a.status) ?? 0) + 1);
    return Object.fromEntries(n);
  };
  const setup = async () => {
    const ev = await call(u, 'POST', '/v1/events', { title: 'Concurrency', questions: [] });
    const id = ev.json.event.id as string;
    const asked = await call(u, 'POST', `/v1/events/${id}/questions-from-audience`, { text: 'Popular question' });
    const other = await call(u, 'POST', `/v1/events/${id}/questions-from-audience`, { text: 'Another question' });
    return { id, q: asked.json.question.id as string, other: other.json.question.id as string, path: (q: string) => `/v1/events/${id}/questions-from-audience/${q}/upvote` };
  };

  it('1,000 distinct voters upvoting one question at once → 1,000 × 200, 1,000 rows, a count of 1,000', async () => {
    const somaxconn = process.platform === 'linux' ? Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8')) : Infinity;
    assert.ok(somaxconn >= 1_000, `net.core.somaxconn is ${somaxconn}: below the 1,000 connections this test opens at once`);
    const { id, q, path } = await setup();
    const answers = await Promise.all(Array.from({ length: 1_000 }, () => call(u, 'POST', path(q))));
    assert.deepEqual(statuses(answers), { 200: 1_000 });
    assert.equal(new Set(answers.map((a) => a.json.voterToken)).size, 1_000, 'each request was its own voter');
    assert.equal(Math.max(...answers.map((a) => a.json.upvotes as number)), 1_000);
    assert.equal((await t.app.qaStore.get(id, q))?.upvotes, 1_000);
    assert.equal(await t.app.qaStore.countMismatches(id), 0, 'the count equals the rows');
    const listed = await call(u, 'GET', `/v1/events/${id}/questions-from-audience`);
    assert.equal(listed.json.questions[0].upvotes, 1_000);
  });

  it('one voter upvoting 50 times at once → one 200, 49 × 409 already_upvoted, one row', async () => {
    const { id, q, other, path } = await setup();
    const token = (await call(u, 'POST', path(other))).json.voterToken as string;
    const answers = await Promise.all(Array.from({ length: 50 }, () => call(u, 'POST', path(q), undefined, { 'x-voter-token': token })));
    assert.deepEqual(statuses(answers), { 200: 1, 409: 49 });
    assert.ok(answers.filter((a) => a.status === 409).every((a) => a.json.code === 'already_upvoted' && a.json.upvotes === 1));
    assert.equal((await t.app.qaStore.get(id, q))?.upvotes, 1);
    assert.equal(await t.app.qaStore.countMismatches(id), 0);
  });

  it('one voter flooding upvotes and un-upvotes at once, beside 20 honest voters: the count ends at 20 or 21, equal to the rows', async () => {
    const { id, q, other, path } = await setup();
    const token = (await call(u, 'POST', path(other))).json.voterToken as string;
    const flood = Array.from({ length: 200 }, (_, i) => call(u, i % 2 === 0 ? 'POST' : 'DELETE', path(q), undefined, { 'x-voter-token': token }));
    const honest = Array.from({ length: 20 }, () => call(u, 'POST', path(q)));
    const answers = await Promise.all([...flood, ...honest]);
    assert.ok(answers.every((a) => a.status === 200 || (a.status === 409 && a.json.code === 'already_upvoted')), JSON.stringify(statuses(answers)));
    const count = (await t.app.qaStore.get(id, q))!.upvotes;
    assert.ok(count === 20 || count === 21, `count ${count}`);
    assert.equal(await t.app.qaStore.countMismatches(id), 0);
    // Every answer reported a count within one voter's worth of the honest ones.
    assert.ok(answers.every((a) => a.status !== 200 || (a.json.upvotes as number) <= 21));
  });
});
