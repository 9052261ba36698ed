/**
 * Ranked, rating and nps questions over HTTP: creating them, every bad ballot with its own 422 code
 * (and nothing counted), results with IRV/Borda, mean/median/histogram and NPS figures, and 1,000
 * distinct voters at once on a ranked question (rows = voters, every IRV round accounts for them).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createPoll, startTestApp, type TestApp } from '../support/app.js';
import { assertProblem } from '../support/problem.js';
import type { ErrorCode } from '../../src/errors.js';

interface Results {
  total: number;
  options: Array<{ id: string; votes: number }>;
  irv?: {
    rounds: Array<{ counts: Record<string, number>; eliminated: string[]; exhausted: number }>;
    winner: string | null;
  };
  borda?: Record<string, number>;
  histogram?: Array<{ value: number; votes: number }>;
  mean?: number | null;
  median?: number | null;
  score?: number | null;
  promoters?: number;
  passives?: number;
  detractors?: number;
}

describe('HTTP: ranked, rating and nps questions', () => {
  let t: TestApp;
  let u: string;
  before(async () => {
    t = await startTestApp();
    u = t.url;
  });
  after(() => t.stop());

  const vote = (pollId: string, body: unknown) => call(u, 'POST', `/v1/polls/${pollId}/votes`, body);
  const results = async (pollId: string) => (await call<Results>(u, 'GET', `/v1/polls/${pollId}/results`)).json;

  it('creates each kind; the poll shows maxRank or its scale', async () => {
    const r = await createPoll(u, { kind: 'ranked', maxRank: 2 });
    assert.equal((r.poll as unknown as { maxRank: number }).maxRank, 2);
    const rating = await call(u, 'POST', '/v1/polls', {
      question: 'How was it?',
      kind: 'rating',
      scale: { min: 0, max: 10, labels: ['awful', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'superb'] },
    });
    assert.equal(rating.status, 201, rating.text);
    assert.deepEqual(rating.json.poll.scale.labels.at(-1), 'superb');
    assert.deepEqual(rating.json.poll.options, []);
    const nps = await call(u, 'POST', '/v1/polls', { question: 'Recommend us?', kind: 'nps' });
    assert.deepEqual(nps.json.poll.scale, { min: 0, max: 10 });
    assertProblem(await call(u, 'POST', '/v1/polls', { question: 'No options?' }), 'invalid_poll');
    assertProblem(
      await call(u, 'POST', '/v1/polls', { question: 'Q', kind: 'nps', options: ['a', 'b'] }),
      'invalid_poll',
    );
    assertProblem(
      await call(u, 'POST', '/v1/polls', { question: 'Q', kind: 'rating', scale: { min: 2, max: 1 } }),
      'invalid_poll',
    );
    assertProblem(
      await call(u, 'POST', '/v1/polls', { question: 'Q', kind: 'ranked', options: ['a', 'b'], maxRank: 3 }),
      'invalid_poll',
    );
  });

  it('every bad ballot gets its own 422 and counts nothing', async () => {
    const ranked = (await createPoll(u, { kind: 'ranked', maxRank: 2 })).poll;
    const [a, b, c] = ranked.options.map((o) => o.id) as [string, string, string];
    const rating = (await call(u, 'POST', '/v1/polls', { question: 'Rate', kind: 'rating' })).json.poll as {
      id: string;
    };
    const nps = (await call(u, 'POST', '/v1/polls', { question: 'NPS', kind: 'nps' })).json.poll as { id: string };
    const single = (await createPoll(u)).poll;
    const cases: Array<[string, unknown, ErrorCode]> = [
      [ranked.id, { optionIds: [a, a] }, 'ranking_repeats_option'],
      [ranked.id, { optionIds: [a, 'nope'] }, 'ranking_unknown_option'],
      [ranked.id, { optionIds: [a, b, c] }, 'too_many_ranks'],
      [ranked.id, { optionIds: [a], value: 1 }, 'value_not_accepted'],
      [ranked.id, {}, 'too_few_choices'],
      [rating.id, { value: 6 }, 'value_out_of_scale'],
      [rating.id, { value: 0 }, 'value_out_of_scale'],
      [rating.id, { value: 2.5 }, 'value_not_integer'],
      [rating.id, {}, 'value_required'],
      [rating.id, { optionIds: [a] }, 'options_not_accepted'],
      [nps.id, { optionIds: [a] }, 'options_not_accepted'],
      [nps.id, { value: 11 }, 'value_out_of_scale'],
      [nps.id, { value: -1 }, 'value_out_of_scale'],
      [single.id, { value: 1 }, 'value_not_accepted'],
      [single.id, { optionIds: [single.options[0]!.id], value: 1 }, 'value_not_accepted'],
    ];
    for (const [pollId, body, code] of cases) assertProblem(await vote(pollId, body), code, JSON.stringify(body));
    // Values of the wrong JSON type are schema failures (400), not 5xx.
    assertProblem(await vote(nps.id, { value: '7' }), 'validation_failed');
    for (const id of [ranked.id, rating.id, nps.id, single.id]) {
      assert.equal(await t.app.ports.store.countVotes(id), 0);
      assert.equal((await results(id)).total, 0);
    }
  });

  it('ranked: the receipt keeps the order; results carry first preferences, IRV rounds and Borda', async () => {
    const { poll } = await createPoll(u, {
      kind: 'ranked',
      options: ['Memphis', 'Nashville', 'Chattanooga', 'Knoxville'],
    });
    const [M, N, C, K] = poll.options.map((o) => o.id) as [string, string, string, string];
    // The Tennessee example, scaled down to 1/... : 42/26/15/17 → 8, 5, 3, 4 keeps the outcome (K wins IRV, N wins Borda).
    const groups: Array<[string[], number]> = [
      [[M, N, C, K], 8],
      [[N, C, K, M], 5],
      [[C, K, N, M], 3],
      [[K, C, N, M], 4],
    ];
    for (const [ranking, n] of groups) {
      for (let i = 0; i < n; i++) {
        const r = await vote(poll.id, { optionIds: ranking });
        assert.equal(r.status, 201, r.text);
        assert.deepEqual(r.json.optionIds, ranking);
      }
    }
    const res = await results(poll.id);
    assert.equal(res.total, 20);
    assert.deepEqual(
      res.options.map((o) => o.votes),
      [8, 5, 3, 4],
    );
    assert.deepEqual(
      res.irv!.rounds.map((r) => r.eliminated),
      [[C], [N], []],
    );
    assert.deepEqual(res.irv!.rounds[2]!.counts, { [M]: 8, [K]: 12 });
    assert.equal(res.irv!.winner, K);
    assert.deepEqual(res.borda, {
      [M]: 24,
      [N]: 8 * 2 + 5 * 3 + 3 + 4,
      [C]: 8 + 5 * 2 + 3 * 3 + 4 * 2,
      [K]: 5 + 3 * 2 + 4 * 3,
    });
  });

  it('rating: mean, median and histogram; the receipt and votes/me show the value', async () => {
    const poll = (await call(u, 'POST', '/v1/polls', { question: 'Rate', kind: 'rating' })).json.poll as { id: string };
    let token = '';
    for (const v of [5, 4, 4, 1]) {
      const r = await vote(poll.id, { value: v });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.value, v);
      assert.deepEqual(r.json.optionIds, []);
      token = r.json.voterToken;
    }
    const me = await call(u, 'GET', `/v1/polls/${poll.id}/votes/me`, undefined, { 'x-voter-token': token });
    assert.equal(me.json.value, 1);
    const again = await call(u, 'POST', `/v1/polls/${poll.id}/votes`, { value: 3 }, { 'x-voter-token': token });
    assertProblem(again, 'already_voted');
    assert.equal(again.json.counted.value, 1);
    const res = await results(poll.id);
    assert.deepEqual([res.total, res.mean, res.median], [4, 3.5, 4]);
    assert.deepEqual(
      res.histogram,
      [1, 2, 3, 4, 5].map((value) => ({ value, votes: { 1: 1, 4: 2, 5: 1 }[value] ?? 0 })),
    );
    assert.deepEqual(res.options, []);
  });

  it('nps: promoters, passives, detractors and score', async () => {
    const poll = (await call(u, 'POST', '/v1/polls', { question: 'NPS', kind: 'nps' })).json.poll as { id: string };
    for (const v of [10, 9, 8, 0, 6, 10]) assert.equal((await vote(poll.id, { value: v })).status, 201);
    const res = await results(poll.id);
    assert.deepEqual([res.promoters, res.passives, res.detractors, res.score], [3, 1, 2, 16.7]);
    assert.equal(res.histogram!.length, 11);
  });

  it('a changed ranked vote moves its ranking (allowChange)', async () => {
    const { poll } = await createPoll(u, { kind: 'ranked', allowChange: true });
    const [a, b] = poll.options.map((o) => o.id) as [string, string];
    const first = await vote(poll.id, { optionIds: [a, b] });
    const changed = await call(
      u,
      'POST',
      `/v1/polls/${poll.id}/votes`,
      { optionIds: [b, a] },
      { 'x-voter-token': first.json.voterToken },
    );
    assert.equal(changed.status, 201, changed.text);
    assert.equal(changed.json.changed, true);
    const res = await results(poll.id);
    assert.equal(res.total, 1);
    assert.deepEqual(res.irv!.rounds[0]!.counts[b], 1);
    assert.equal(res.irv!.winner, b);
  });

  it('1,000 distinct voters at once on a ranked question → 1,000 rows; every IRV round accounts for 1,000 ballots', async () => {
    const { poll } = await createPoll(u, { kind: 'ranked', maxRank: 2, options: ['a', 'b', 'c', 'd'] });
    const ids = poll.options.map((o) => o.id);
    const rankings = ids.flatMap((x) => ids.filter((y) => y !== x).map((y) => [x, y]));
    const answers = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) => vote(poll.id, { optionIds: rankings[(i * 7) % rankings.length]! })),
    );
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [201]);
    assert.equal(await t.app.ports.store.countVotes(poll.id), 1_000);
    const res = await results(poll.id);
    assert.equal(res.total, 1_000);
    assert.equal(
      res.options.reduce((n, o) => n + o.votes, 0),
      1_000,
    );
    for (const r of res.irv!.rounds)
      assert.equal(Object.values(r.counts).reduce((n, x) => n + x, 0) + r.exhausted, 1_000);
    // First preferences as counted from the answers themselves.
    const firsts = new Map<string, number>();
    for (const a of answers) firsts.set(a.json.optionIds[0], (firsts.get(a.json.optionIds[0]) ?? 0) + 1);
    assert.deepEqual(res.irv!.rounds[0]!.counts, Object.fromEntries(ids.map((id) => [id, firsts.get(id) ?? 0])));
    assert.ok(res.irv!.winner !== null);
  });
});
