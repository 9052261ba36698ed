/**
 * Live results over Server-Sent Events: the first event is the full state, updates follow with
 * growing ids, pushes are coalesced (≤ 10/s per poll), Last-Event-ID resumes, heartbeats flow.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createPoll, startTestApp, type TestApp } from '../support/app.js';
import { assertProblem } from '../support/problem.js';
import { SseStream } from '../support/sse.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('HTTP: live results (SSE)', () => {
  let t: TestApp;
  let u: string;
  const streams: SseStream[] = [];
  const open = async (pollId: string, headers: Record<string, string> = {}) => {
    const s = await SseStream.open(`${u}/v1/polls/${pollId}/results/stream`, headers);
    streams.push(s);
    return s;
  };
  const vote = (pollId: string, optionId: string) => call(u, 'POST', `/v1/polls/${pollId}/votes`, { optionIds: [optionId] });

  before(async () => {
    t = await startTestApp({ SSE_HEARTBEAT_MS: '200', RESULTS_PUSH_INTERVAL_MS: '100' });
    u = t.url;
  });
  after(async () => {
    await Promise.all(streams.map((s) => s.close()));
    await t.stop();
  });

  it('opens as text/event-stream and sends the full current state first, with id = version', async () => {
    const { poll } = await createPoll(u);
    await vote(poll.id, poll.options[0]!.id);
    const snapshot = (await call(u, 'GET', `/v1/polls/${poll.id}/results`)).json;
    const s = await open(poll.id);
    assert.equal(s.status, 200);
    assert.match(s.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.match(s.headers.get('cache-control') ?? '', /no-cache/);
    const first = await s.waitFor((e) => e.event === 'results');
    assert.equal(s.events[0], first, 'nothing before the state');
    assert.equal(first.id, String(snapshot.version));
    assert.deepEqual(JSON.parse(first.data), snapshot);
    assert.ok(s.retries.length > 0, 'a retry hint comes with the stream');
  });

  it('spreads the retry hints of new streams over 0.5–1.5 × SSE_RECONNECT_MS, so a dead process\'s viewers do not return in one instant', async () => {
    const { poll } = await createPoll(u);
    const hints = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const s = await open(poll.id);
      await s.waitFor((e) => e.event === 'results');
      hints.add(s.retries[0]!);
      await s.close();
    }
    const base = t.app.config.realtime.reconnectHintMs;
    for (const h of hints) assert.ok(h >= base * 0.5 && h <= base * 1.5, `hint ${h} within 0.5–1.5 × ${base}`);
    assert.ok(hints.size >= 4, `40 streams got ${hints.size} distinct hints: ${[...hints].join(', ')}`);
  });

  it('votes produce later events with increasing ids, converging on the stored tally', async () => {
    const { poll } = await createPoll(u);
    const s = await open(poll.id);
    const first = await s.waitFor((e) => e.event === 'results');
    for (let i = 0; i < 5; i++) {
      await vote(poll.id, poll.options[i % 2]!.id);
      await sleep(150);
    }
    const last = await s.waitFor((e) => e.event === 'results' && JSON.parse(e.data).total === 5, 3_000, 'an event with total 5');
    const ids = s.results().map((e) => Number(e.id));
    assert.ok(ids.length >= 2, `more than the first event: ${ids}`);
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i]! > ids[i - 1]!, `ids grow: ${ids}`);
    assert.ok(Number(last.id) > Number(first.id));
    const stored = (await call(u, 'GET', `/v1/polls/${poll.id}/results`)).json;
    assert.deepEqual(JSON.parse(last.data), stored);
  });

  it('coalesces: ~200 votes over ~1 s reach a viewer as at most ~10 events per second', async () => {
    const { poll } = await createPoll(u);
    const s = await open(poll.id);
    await s.waitFor((e) => e.event === 'results');
    const before = s.results().length;
    const started = performance.now();
    // 40 waves of 5 votes, each wave committed before the next: at least 40 new versions in about
    // a second — uncoalesced, that would be 40 events.
    for (let wave = 0; wave < 40; wave++) {
      const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => vote(poll.id, poll.options[(wave + i) % 3]!.id)));
      assert.ok(answers.every((a) => a.status === 201));
      await sleep(15);
    }
    await s.waitFor((e) => e.event === 'results' && JSON.parse(e.data).total === 200, 3_000, 'the final tally (200)');
    const elapsedS = (performance.now() - started) / 1_000;
    const burst = s.events.filter((e) => e.event === 'results').slice(before);
    const version = (await call(u, 'GET', `/v1/polls/${poll.id}/results`)).json.version as number;
    assert.ok(version >= 40, `at least 40 versions were committed (${version})`);
    assert.ok(burst.length <= 12 * Math.ceil(elapsedS), `${burst.length} events for ${version} versions in ${elapsedS.toFixed(2)} s`);
    // Any one-second window holds at most ~10 (12 allows for the window's edges).
    for (const e of burst) {
      const inWindow = burst.filter((x) => x.at >= e.at && x.at < e.at + 1_000).length;
      assert.ok(inWindow <= 12, `${inWindow} events within one second`);
    }
  });

  it('Last-Event-ID equal to the current version → no initial event; the next change still arrives', async () => {
    const { poll } = await createPoll(u);
    await vote(poll.id, poll.options[0]!.id);
    const { version } = (await call(u, 'GET', `/v1/polls/${poll.id}/results`)).json;
    const s = await open(poll.id, { 'last-event-id': String(version) });
    await s.waitForComment('hb', 2_000);
    assert.equal(s.results().length, 0, 'no results event for a viewer that is up to date');
    await vote(poll.id, poll.options[1]!.id);
    const next = await s.waitFor((e) => e.event === 'results', 3_000);
    assert.ok(Number(next.id) > version);
    assert.equal(JSON.parse(next.data).total, 2);
  });

  it('an older or malformed Last-Event-ID → the full state at once', async () => {
    const { poll } = await createPoll(u);
    await vote(poll.id, poll.options[0]!.id);
    for (const id of ['0', 'abc', '-5']) {
      const s = await open(poll.id, { 'last-event-id': id });
      const e = await s.waitFor((x) => x.event === 'results', 2_000);
      assert.equal(JSON.parse(e.data).total, 1, `Last-Event-ID ${id}`);
    }
  });

  it('a Last-Event-ID above the current version → the full state at once, and later changes arrive', async () => {
    const { poll } = await createPoll(u);
    await vote(poll.id, poll.options[0]!.id);
    const { version } = (await call(u, 'GET', `/v1/polls/${poll.id}/results`)).json;
    const s = await open(poll.id, { 'last-event-id': String(version + 1_000) });
    const e = await s.waitFor((x) => x.event === 'results', 2_000, 'the full state');
    assert.equal(e.id, String(version));
    assert.equal(JSON.parse(e.data).total, 1);
    await vote(poll.id, poll.options[1]!.id);
    const next = await s.waitFor((x) => x.event === 'results' && JSON.parse(x.data).total === 2, 3_000, 'the next change');
    assert.ok(Number(next.id) > version);
  });

  it('heartbeat comments keep the stream alive', async () => {
    const { poll } = await createPoll(u);
    const s = await open(poll.id);
    await s.waitForComment('hb', 3_000);
    assert.ok(s.comments.filter((c) => c.trim() === 'hb').length >= 1);
  });

  it('closing the poll pushes the new status; deleting it ends the stream', async () => {
    const { poll, ownerToken } = await createPoll(u);
    const s = await open(poll.id);
    await s.waitFor((e) => e.event === 'results');
    await call(u, 'POST', `/v1/polls/${poll.id}/close`, undefined, { authorization: `Bearer ${ownerToken}` });
    await s.waitFor((e) => e.event === 'results' && JSON.parse(e.data).status === 'closed', 3_000, 'a closed status');
    await call(u, 'DELETE', `/v1/polls/${poll.id}`, undefined, { authorization: `Bearer ${ownerToken}` });
    await s.waitFor((e) => e.event === 'deleted', 3_000, 'a deleted event');
    await s.waitForEnd(3_000);
  });

  it('an unknown poll → 404 poll_not_found as problem+json, not a stream', async () => {
    const s = await open('222222222222');
    assert.equal(s.status, 404);
    const r = { status: s.status, headers: s.headers, text: s.errorText!, json: JSON.parse(s.errorText!) };
    assertProblem(r, 'poll_not_found');
  });
});
