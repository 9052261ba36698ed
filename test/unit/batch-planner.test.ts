/**
 * The vote batch planner (src/domain/batch-plan.ts) on its own: reads from maps, a fixed clock,
 * counted event ids. What the stores then write is checked by the store contract on every adapter.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchKeys, minuteOf, pairKey, planBatch, readsFromMaps, type BatchPlan, type BatchReads, type PlanContext, type PollState } from '../../src/domain/batch-plan.js';
import type { CountedVote, StoredResponse, VoteCommand, VoteOutcome } from '../../src/domain/vote.js';

const NOW = Date.parse('2026-03-01T12:34:56.789Z');
const open = (over: Partial<PollState> = {}): PollState => ({ status: 'open', opensAt: null, closesAt: null, allowChange: false, version: 7, ...over });

interface World {
  polls?: Record<string, PollState>;
  votes?: Record<string, Record<string, CountedVote>>;
  answers?: Record<string, Record<string, StoredResponse>>;
}

/** Map-backed reads that count what the planner asked. */
function world(w: World = {}): BatchReads & { asked: string[] } {
  const polls = new Map(Object.entries(w.polls ?? {}));
  const votes = new Map<string, CountedVote>();
  for (const [p, byVoter] of Object.entries(w.votes ?? {})) for (const [v, vote] of Object.entries(byVoter)) votes.set(pairKey(p, v), vote);
  const answers = new Map<string, StoredResponse>();
  for (const [p, byKey] of Object.entries(w.answers ?? {})) for (const [k, a] of Object.entries(byKey)) answers.set(pairKey(p, k), a);
  const inner = readsFromMaps(polls, votes, answers);
  const asked: string[] = [];
  return {
    asked,
    poll: (p) => (asked.push(`poll ${p}`), inner.poll(p)),
    vote: (p, v) => (asked.push(`vote ${p}/${v}`), inner.vote(p, v)),
    answer: (p, k) => (asked.push(`answer ${p}/${k}`), inner.answer(p, k)),
  };
}

let receipts = 0;
function cmd(pollId: string, voterId: string, optionIds: string[], idem?: [key: string, hash: string]): VoteCommand {
  return { pollId, voterId, optionIds, receiptId: `r${++receipts}`, at: NOW - 5, ...(idem ? { idempotency: { key: idem[0], requestHash: idem[1] } } : {}) };
}

/** Renders status and a body naming the outcome; records every call. */
function ctx(over: Partial<PlanContext> = {}): PlanContext & { rendered: Array<[VoteCommand, VoteOutcome]> } {
  const rendered: Array<[VoteCommand, VoteOutcome]> = [];
  let events = 0;
  return {
    now: NOW,
    newEventId: () => `ev${++events}`,
    render: (c, o) => {
      rendered.push([c, o]);
      const status = o.kind === 'counted' ? 201 : o.kind === 'duplicate' ? 409 : o.kind === 'rejected' ? 409 : 500;
      return { status, body: JSON.stringify({ kind: o.kind, voter: c.voterId }), requestHash: c.idempotency?.requestHash ?? '' };
    },
    rendered,
    ...over,
  };
}

const kinds = (p: BatchPlan) => p.outcomes.map((o) => (o.kind === 'rejected' ? `rejected:${o.code}` : o.kind === 'counted' && o.changed ? 'changed' : o.kind));
const tallies = (p: BatchPlan) => p.tallies.map((t) => `${t.pollId}/${t.optionId}:${t.delta}`);
const noWrites = (p: BatchPlan) => {
  assert.deepEqual([p.inserts, p.changes, p.tallies, p.bumps, p.events], [[], [], [], [], []]);
};
const stored = (vote: string[], receiptId = 'old', at = NOW - 60_000): CountedVote => ({ optionIds: vote, receiptId, at });

describe('batch planner: first votes', () => {
  it('counts each new voter: rows sorted by voter, per-option deltas, version read + 1, one event', () => {
    const r = world({ polls: { P: open({ version: 41 }) } });
    const batch = [cmd('P', 'v2', ['a']), cmd('P', 'v1', ['a', 'b']), cmd('P', 'v3', ['c'])];
    const plan = planBatch(batch, r, ctx());
    assert.deepEqual(kinds(plan), ['counted', 'counted', 'counted']);
    for (const [i, o] of plan.outcomes.entries()) {
      assert.deepEqual(o, { kind: 'counted', changed: false, version: 42, vote: { optionIds: batch[i]!.optionIds, receiptId: batch[i]!.receiptId, at: batch[i]!.at } });
    }
    assert.deepEqual(plan.inserts.map((v) => [v.voterId, v.joined, v.receiptId, v.changes]), [
      ['v1', 'a,b', batch[1]!.receiptId, 0],
      ['v2', 'a', batch[0]!.receiptId, 0],
      ['v3', 'c', batch[2]!.receiptId, 0],
    ]);
    assert.deepEqual(plan.changes, []);
    assert.deepEqual(tallies(plan), ['P/a:2', 'P/b:1', 'P/c:1']);
    assert.deepEqual(plan.bumps, [{ pollId: 'P', version: 42, total: 3 }]);
    assert.deepEqual(plan.events, [{ eventId: 'ev1', type: 'votes.recorded', pollId: 'P', at: NOW, payload: { votes: 3, ballots: 3, minute: '2026-03-01T12:34:00.000Z', version: 42 } }]);
    assert.deepEqual(plan.answers, []);
    assert.equal(plan.now, NOW);
  });

  it('puts the trace context into event payloads only when given', () => {
    const plan = planBatch([cmd('P', 'v', ['a'])], world({ polls: { P: open() } }), ctx({ traceparent: '00-abc-def-01' }));
    assert.equal(plan.events[0]!.payload.traceparent, '00-abc-def-01');
    assert.equal('traceparent' in planBatch([cmd('P', 'v', ['a'])], world({ polls: { P: open() } }), ctx()).events[0]!.payload, false);
  });

  it('minuteOf floors to the UTC minute', () => {
    assert.equal(minuteOf(Date.parse('2026-03-01T12:34:59.999Z')), '2026-03-01T12:34:00.000Z');
    assert.equal(minuteOf(Date.parse('2026-03-01T12:35:00.000Z')), '2026-03-01T12:35:00.000Z');
  });
});

describe('batch planner: duplicates', () => {
  it('the same voter twice in a batch: the first counts, the second names it; one row', () => {
    const batch = [cmd('P', 'x', ['a']), cmd('P', 'x', ['b']), cmd('P', 'y', ['b'])];
    const plan = planBatch(batch, world({ polls: { P: open() } }), ctx());
    assert.deepEqual(kinds(plan), ['counted', 'duplicate', 'counted']);
    assert.deepEqual(plan.outcomes[1], { kind: 'duplicate', counted: { optionIds: ['a'], receiptId: batch[0]!.receiptId, at: batch[0]!.at } });
    assert.deepEqual(plan.inserts.map((v) => `${v.voterId}:${v.joined}`), ['x:a', 'y:b']);
    assert.deepEqual(tallies(plan), ['P/a:1', 'P/b:1']);
    assert.deepEqual(plan.bumps, [{ pollId: 'P', version: 8, total: 2 }]);
  });

  it('a stored vote makes any later vote a duplicate naming it when changes are not allowed', () => {
    const r = world({ polls: { P: open() }, votes: { P: { x: stored(['a'], 'r-old') } } });
    const plan = planBatch([cmd('P', 'x', ['b']), cmd('P', 'x', ['a'])], r, ctx());
    assert.deepEqual(kinds(plan), ['duplicate', 'duplicate']);
    for (const o of plan.outcomes) assert.deepEqual(o, { kind: 'duplicate', counted: stored(['a'], 'r-old') });
    noWrites(plan);
  });

  it('with changes allowed, the same choice again is a duplicate, not a change', () => {
    const r = world({ polls: { P: open({ allowChange: true }) }, votes: { P: { x: stored(['a', 'b']) } } });
    const plan = planBatch([cmd('P', 'x', ['a', 'b'])], r, ctx());
    assert.deepEqual(kinds(plan), ['duplicate']);
    noWrites(plan);
  });
});

describe('batch planner: changes (allowChange)', () => {
  it('a stored vote changed: minus the old options, plus the new; the total stays; the row is guarded by the receipt read', () => {
    const r = world({ polls: { P: open({ allowChange: true, version: 3 }) }, votes: { P: { x: stored(['a', 'b'], 'r-old') } } });
    const c = cmd('P', 'x', ['b', 'c']);
    const plan = planBatch([c], r, ctx());
    assert.deepEqual(plan.outcomes, [{ kind: 'counted', changed: true, version: 4, vote: { optionIds: ['b', 'c'], receiptId: c.receiptId, at: c.at } }]);
    assert.deepEqual(tallies(plan), ['P/a:-1', 'P/c:1'], 'b nets to zero and is left out');
    assert.deepEqual(plan.inserts, []);
    assert.deepEqual(plan.changes, [{ pollId: 'P', voterId: 'x', optionIds: ['b', 'c'], joined: 'b,c', receiptId: c.receiptId, at: c.at, changes: 1, readReceiptId: 'r-old' }]);
    assert.deepEqual(plan.bumps, [{ pollId: 'P', version: 4, total: 0 }]);
    assert.deepEqual(plan.events[0]!.payload, { votes: 0, ballots: 1, minute: minuteOf(NOW), version: 4 });
  });

  it('within one batch: counted, changed, duplicate, changed; the row is inserted in its last state', () => {
    const batch = [cmd('P', 'z', ['a']), cmd('P', 'z', ['b']), cmd('P', 'z', ['b']), cmd('P', 'z', ['c'])];
    const plan = planBatch(batch, world({ polls: { P: open({ allowChange: true }) } }), ctx());
    assert.deepEqual(kinds(plan), ['counted', 'changed', 'duplicate', 'changed']);
    assert.deepEqual(plan.outcomes[2], { kind: 'duplicate', counted: { optionIds: ['b'], receiptId: batch[1]!.receiptId, at: batch[1]!.at } });
    assert.deepEqual(plan.inserts.map((v) => [v.voterId, v.joined, v.receiptId, v.changes]), [['z', 'c', batch[3]!.receiptId, 2]]);
    assert.deepEqual(plan.changes, []);
    assert.deepEqual(tallies(plan), ['P/c:1']);
    assert.deepEqual(plan.bumps, [{ pollId: 'P', version: 8, total: 1 }]);
    assert.equal(plan.events[0]!.payload.ballots, 3);
    for (const o of plan.outcomes) if (o.kind === 'counted') assert.equal(o.version, 8);
  });

  it('changed and changed back: deltas net to nothing, yet the version moves and the row is written', () => {
    const r = world({ polls: { P: open({ allowChange: true }) }, votes: { P: { x: stored(['a'], 'r-old') } } });
    const batch = [cmd('P', 'x', ['b']), cmd('P', 'x', ['a'])];
    const plan = planBatch(batch, r, ctx());
    assert.deepEqual(kinds(plan), ['changed', 'changed']);
    assert.deepEqual(plan.tallies, []);
    assert.deepEqual(plan.changes.map((c) => [c.joined, c.receiptId, c.changes, c.readReceiptId]), [['a', batch[1]!.receiptId, 2, 'r-old']]);
    assert.deepEqual(plan.bumps, [{ pollId: 'P', version: 8, total: 0 }]);
  });
});

describe('batch planner: the voting window', () => {
  it('rejects unknown, closed, past-close, draft and not-yet-open polls; a due draft and the exact opening instant are open', () => {
    const r = world({
      polls: {
        closed: open({ status: 'closed' }),
        pastClose: open({ closesAt: NOW - 1 }),
        atClose: open({ closesAt: NOW }),
        draft: open({ status: 'draft' }),
        later: open({ status: 'draft', opensAt: NOW + 1 }),
        due: open({ status: 'draft', opensAt: NOW - 1_000 }),
        atOpen: open({ status: 'draft', opensAt: NOW }),
        beforeClose: open({ closesAt: NOW + 1 }),
      },
    });
    const ids = ['closed', 'pastClose', 'atClose', 'draft', 'later', 'nowhere', 'due', 'atOpen', 'beforeClose'];
    const plan = planBatch(ids.map((p) => cmd(p, 'v', ['a'])), r, ctx());
    assert.deepEqual(kinds(plan), [
      'rejected:poll_closed',
      'rejected:poll_closed',
      'rejected:poll_closed',
      'rejected:poll_not_open',
      'rejected:poll_not_open',
      'rejected:poll_not_found',
      'counted',
      'counted',
      'counted',
    ]);
    assert.deepEqual(plan.bumps.map((b) => b.pollId), ['atOpen', 'beforeClose', 'due']);
    assert.deepEqual(plan.inserts.map((v) => v.pollId), ['atOpen', 'beforeClose', 'due']);
    assert.ok(!r.asked.some((a) => a.startsWith('vote') && !/^vote (due|atOpen|beforeClose)\//.test(a)), `no votes read for rejected polls: ${r.asked.join(', ')}`);
  });

  it('a batch of rejections writes nothing', () => {
    noWrites(planBatch([cmd('gone', 'v', ['a']), cmd('C', 'v', ['a'])], world({ polls: { C: open({ status: 'closed' }) } }), ctx()));
  });
});

describe('batch planner: idempotency', () => {
  it('within a batch: the first request claims the key; a repeat replays its answer, another body is key_reused', () => {
    const c = ctx();
    const batch = [cmd('P', 'i1', ['a'], ['k1', 'h1']), cmd('P', 'i1', ['a'], ['k1', 'h1']), cmd('P', 'i2', ['b'], ['k1', 'other']), cmd('P', 'i3', ['b'], ['k3', 'h3'])];
    const plan = planBatch(batch, world({ polls: { P: open() } }), c);
    assert.deepEqual(kinds(plan), ['counted', 'replay', 'key_reused', 'counted']);
    assert.deepEqual(c.rendered.map(([cmd]) => cmd), [batch[0], batch[3]], 'one render per claimed key');
    const first = plan.answers.find((a) => a.key === 'k1')!.response;
    assert.deepEqual(plan.outcomes[1], { kind: 'replay', response: first });
    assert.deepEqual(first, { status: 201, body: JSON.stringify({ kind: 'counted', voter: 'i1' }), requestHash: 'h1' });
    assert.deepEqual(plan.inserts.map((v) => v.voterId), ['i1', 'i3'], 'followers count nothing');
    assert.deepEqual(plan.answers.map((a) => `${a.pollId}/${a.key}`), ['P/k1', 'P/k3']);
    assert.equal(plan.bumps[0]!.total, 2);
  });

  it('the answer rendered carries the committed version', () => {
    const c = ctx();
    planBatch([cmd('P', 'v', ['a'], ['k', 'h'])], world({ polls: { P: open({ version: 99 }) } }), c);
    assert.equal((c.rendered[0]![1] as Extract<VoteOutcome, { kind: 'counted' }>).version, 100);
  });

  it('across batches: a stored answer replays byte for byte, another hash is key_reused; nothing read, counted or rendered for them', () => {
    const old: StoredResponse = { status: 201, body: '{"exact":"bytes"}', requestHash: 'h1' };
    const r = world({ polls: { P: open() }, answers: { P: { k1: old } } });
    const c = ctx();
    const plan = planBatch([cmd('P', 'i1', ['c'], ['k1', 'h1']), cmd('P', 'i9', ['c'], ['k1', 'nope'])], r, c);
    assert.deepEqual(plan.outcomes, [{ kind: 'replay', response: old }, { kind: 'key_reused' }]);
    assert.equal((plan.outcomes[0] as Extract<VoteOutcome, { kind: 'replay' }>).response, old);
    assert.equal(c.rendered.length, 0);
    noWrites(plan);
    assert.deepEqual(plan.answers, []);
    assert.deepEqual(r.asked, ['answer P/k1'], 'the key read once; no poll or vote read');
  });

  it('keys are per poll', () => {
    const r = world({ polls: { P: open(), Q: open() }, answers: { P: { k: { status: 201, body: '{}', requestHash: 'h' } } } });
    const plan = planBatch([cmd('Q', 'v', ['a'], ['k', 'h']), cmd('P', 'v', ['a'], ['k', 'h'])], r, ctx());
    assert.deepEqual(kinds(plan), ['counted', 'replay']);
    assert.deepEqual(plan.answers.map((a) => `${a.pollId}/${a.key}`), ['Q/k']);
  });

  it('rejected and duplicate answers are kept too, and followers replay them', () => {
    const r = world({ polls: { C: open({ status: 'closed' }), P: open() }, votes: { P: { d: stored(['a']) } } });
    const c = ctx();
    const batch = [cmd('C', 'v', ['a'], ['kc', 'h']), cmd('P', 'd', ['b'], ['kd', 'h']), cmd('nowhere', 'v', ['a'], ['kn', 'h']), cmd('C', 'v', ['a'], ['kc', 'h'])];
    const plan = planBatch(batch, r, c);
    assert.deepEqual(kinds(plan), ['rejected:poll_closed', 'duplicate', 'rejected:poll_not_found', 'replay']);
    assert.deepEqual(plan.answers.map((a) => [`${a.pollId}/${a.key}`, a.response.status]), [
      ['C/kc', 409],
      ['P/kd', 409],
      ['nowhere/kn', 409],
    ]);
    assert.equal((plan.outcomes[3] as Extract<VoteOutcome, { kind: 'replay' }>).response, plan.answers[0]!.response);
    assert.equal(c.rendered.length, 3);
    noWrites(plan);
  });

  it('a follower with a key reused does not count even when its own vote would', () => {
    const plan = planBatch([cmd('P', 'a', ['a'], ['k', 'h']), cmd('P', 'b', ['b'], ['k', 'h2'])], world({ polls: { P: open() } }), ctx());
    assert.deepEqual(kinds(plan), ['counted', 'key_reused']);
    assert.deepEqual(plan.inserts.map((v) => v.voterId), ['a']);
    assert.deepEqual(tallies(plan), ['P/a:1']);
  });

  it('a render that throws fails the whole plan (the store writes nothing)', () => {
    const boom = ctx({
      render: () => {
        throw new Error('render failed');
      },
    });
    assert.throws(() => planBatch([cmd('P', 'v', ['a'], ['k', 'h'])], world({ polls: { P: open() } }), boom), /render failed/);
  });
});

describe('batch planner: several polls in one batch', () => {
  it('each poll gets its own rows, deltas, version and event; writes sorted by poll', () => {
    const r = world({ polls: { Q: open({ version: 10 }), P: open({ version: 1, allowChange: true }), R: open({ version: 5 }) }, votes: { P: { same: stored(['a'], 'rp') } } });
    const batch = [cmd('Q', 'same', ['a']), cmd('P', 'same', ['b']), cmd('R', 'same', ['c']), cmd('Q', 'other', ['b']), cmd('R', 'same', ['a'])];
    const plan = planBatch(batch, r, ctx());
    assert.deepEqual(kinds(plan), ['counted', 'changed', 'counted', 'counted', 'duplicate']);
    assert.deepEqual(
      plan.outcomes.map((o) => (o.kind === 'counted' ? o.version : null)),
      [11, 2, 6, 11, null],
    );
    assert.deepEqual(plan.bumps, [
      { pollId: 'P', version: 2, total: 0 },
      { pollId: 'Q', version: 11, total: 2 },
      { pollId: 'R', version: 6, total: 1 },
    ]);
    assert.deepEqual(plan.events.map((e) => [e.pollId, e.payload.version, e.payload.votes, e.payload.ballots]), [
      ['P', 2, 0, 1],
      ['Q', 11, 2, 2],
      ['R', 6, 1, 1],
    ]);
    assert.equal(new Set(plan.events.map((e) => e.eventId)).size, 3);
    assert.deepEqual(tallies(plan), ['P/a:-1', 'P/b:1', 'Q/a:1', 'Q/b:1', 'R/c:1']);
    assert.deepEqual(plan.inserts.map((v) => `${v.pollId}/${v.voterId}`), ['Q/other', 'Q/same', 'R/same']);
    assert.deepEqual(plan.changes.map((v) => `${v.pollId}/${v.voterId}`), ['P/same']);
  });
});

describe('batch planner: reads', () => {
  it('asks for each poll, voter and key at most once', () => {
    const r = world({ polls: { P: open({ allowChange: true }) } });
    planBatch([cmd('P', 'x', ['a'], ['k', 'h']), cmd('P', 'x', ['b'], ['k', 'h']), cmd('P', 'x', ['c']), cmd('P', 'y', ['a'], ['k2', 'h'])], r, ctx());
    assert.deepEqual(r.asked, ['answer P/k', 'poll P', 'vote P/x', 'answer P/k2', 'vote P/y']);
  });

  it('batchKeys names every poll, voter and key once, sorted', () => {
    const keys = batchKeys([cmd('Q', 'b', ['a'], ['k2', 'h']), cmd('P', 'z', ['a']), cmd('Q', 'a', ['a'], ['k1', 'h']), cmd('Q', 'b', ['b'], ['k2', 'h2']), cmd('P', 'z', ['b'], ['k1', 'h'])]);
    assert.deepEqual(keys, {
      pollIds: ['P', 'Q'],
      voters: [['P', 'z'], ['Q', 'a'], ['Q', 'b']],
      claims: [['P', 'k1'], ['Q', 'k1'], ['Q', 'k2']],
    });
  });

  it('an empty batch plans nothing', () => {
    const plan = planBatch([], world(), ctx());
    assert.deepEqual(plan.outcomes, []);
    noWrites(plan);
    assert.deepEqual(plan.answers, []);
  });
});

describe('batch planner: ranked, rating and nps ballots', () => {
  it('ranked: one first preference and one identical-ranking count per ballot; identical rankings share a key', () => {
    const plan = planBatch(
      [cmd('p', 'v1', ['b', 'a']), cmd('p', 'v2', ['b', 'a']), cmd('p', 'v3', ['a'])],
      world({ polls: { p: open({ kind: 'ranked' }) } }),
      ctx(),
    );
    assert.deepEqual(kinds(plan), ['counted', 'counted', 'counted']);
    assert.deepEqual(tallies(plan), ['p/>a:1', 'p/>b,a:2', 'p/a:1', 'p/b:2']);
    assert.deepEqual(plan.inserts.map((i) => i.joined), ['b,a', 'b,a', 'a']);
  });

  it('ranked: a change moves the old ranking key and first preference to the new ones; a reordering is a change', () => {
    const plan = planBatch(
      [cmd('p', 'v1', ['a', 'b'])],
      world({ polls: { p: open({ kind: 'ranked', allowChange: true }) }, votes: { p: { v1: { optionIds: ['b', 'a'], receiptId: 'r0', at: 1 } } } }),
      ctx(),
    );
    assert.deepEqual(kinds(plan), ['changed']);
    assert.deepEqual(tallies(plan), ['p/>a,b:1', 'p/>b,a:-1', 'p/a:1', 'p/b:-1']);
  });

  it('rating: the value token is the tally key', () => {
    const plan = planBatch([cmd('p', 'v1', ['=4']), cmd('p', 'v2', ['=4']), cmd('p', 'v3', ['=1'])], world({ polls: { p: open({ kind: 'rating' }) } }), ctx());
    assert.deepEqual(tallies(plan), ['p/=1:1', 'p/=4:2']);
    assert.deepEqual(plan.bumps, [{ pollId: 'p', version: 8, total: 3 }]);
  });
});

describe('batch planner: open text', () => {
  const textPoll = (over: Partial<PollState> = {}) => open({ kind: 'text', text: { maxAnswers: 2, moderation: 'post' }, ...over });
  const answer = (pollId: string, voterId: string, words: string[]): VoteCommand => ({ ...cmd(pollId, voterId, []), text: { text: words.join(' '), words } });

  it('counts answers up to maxAnswers per voter (earlier commands of the batch included), then duplicate', () => {
    const r = world({ polls: { T: textPoll() }, votes: { T: { old: stored(['r_prev']) } } });
    const batch = [answer('T', 'v1', ['tea']), answer('T', 'v1', ['tea']), answer('T', 'v1', ['tea']), answer('T', 'old', ['x1']), answer('T', 'old', ['x2'])];
    const plan = planBatch(batch, r, ctx());
    assert.deepEqual(kinds(plan), ['counted', 'counted', 'duplicate', 'counted', 'duplicate']);
    // v1: one new row listing both answers; old: its row changed to list its two answers.
    assert.deepEqual(plan.inserts.map((i) => [i.voterId, i.optionIds.length, i.changes]), [['v1', 2, 1]]);
    assert.deepEqual(plan.changes.map((c) => [c.voterId, c.optionIds[0], c.readReceiptId]), [['old', 'r_prev', 'old']]);
    assert.equal(plan.texts.length, 3);
    assert.deepEqual(plan.bumps, [{ pollId: 'T', version: 8, total: 1 }], 'total counts new voters, not answers');
  });

  it('word deltas are summed per batch (one per distinct word), sorted; the shown tally counts answers', () => {
    const r = world({ polls: { T: textPoll(), U: textPoll() } });
    const batch = [answer('T', 'a', ['zeta', 'alpha']), answer('T', 'b', ['alpha']), answer('U', 'c', ['alpha'])];
    const plan = planBatch(batch, r, ctx());
    assert.deepEqual(plan.words.map((w) => `${w.pollId}/${w.word}:${w.delta}`), ['T/alpha:2', 'T/zeta:1', 'U/alpha:1']);
    assert.deepEqual(tallies(plan), ['T/#shown:2', 'U/#shown:1']);
    assert.deepEqual(plan.texts.map((t) => [t.pollId, t.state, t.words]), [
      ['T', 'shown', 'zeta alpha'],
      ['T', 'shown', 'alpha'],
      ['U', 'shown', 'alpha'],
    ].sort((x, y) => (x[0]! < y[0]! ? -1 : 1)));
  });

  it('pre-moderation: answers are stored pending, nothing joins the cloud', () => {
    const plan = planBatch([answer('T', 'a', ['wait'])], world({ polls: { T: textPoll({ text: { maxAnswers: 1, moderation: 'pre' } }) } }), ctx());
    assert.deepEqual(kinds(plan), ['counted']);
    assert.deepEqual(plan.words, []);
    assert.deepEqual(plan.tallies, []);
    assert.equal(plan.texts[0]!.state, 'pending');
  });

  it('a closed text question counts nothing', () => {
    const plan = planBatch([answer('T', 'a', ['late'])], world({ polls: { T: textPoll({ status: 'closed' }) } }), ctx());
    assert.deepEqual(kinds(plan), ['rejected:poll_closed']);
    assert.deepEqual([plan.texts, plan.words], [[], []]);
    noWrites(plan);
  });
});

describe('batch planner: quiz', () => {
  const OPENED = NOW - 10_000;
  const quizPoll = (over: Partial<PollState> = {}) =>
    open({ kind: 'quiz', opensAt: OPENED, closesAt: OPENED + 20_000, quiz: { correctOptionIds: ['a'], timeLimitSec: 20, maxPoints: 1000, minPoints: 500 }, ...over });

  it('scores each first answer once on the server clock (command time − opening): correct 1000→500, wrong 0', () => {
    const r = world({ polls: { Q: quizPoll() }, votes: { Q: { before: stored(['a']) } } });
    const c1 = { ...cmd('Q', 'v1', ['a']), at: OPENED };
    const c2 = { ...cmd('Q', 'v2', ['a']), at: OPENED + 10_000 };
    const c3 = { ...cmd('Q', 'v3', ['b']), at: OPENED + 1 };
    const again = cmd('Q', 'v1', ['b']);
    const old = cmd('Q', 'before', ['a']);
    const plan = planBatch([c2, c1, c3, again, old], r, ctx());
    assert.deepEqual(kinds(plan), ['counted', 'counted', 'counted', 'duplicate', 'duplicate']);
    assert.deepEqual(plan.points.map((p) => [p.voterId, p.points, p.correct, p.ms]), [
      ['v1', 1000, true, 0],
      ['v2', 750, true, 10_000],
      ['v3', 0, false, 1],
    ]);
  });

  it('after the time limit: answer_too_late, nothing counted or scored', () => {
    const plan = planBatch([cmd('Q', 'v1', ['a'])], world({ polls: { Q: quizPoll({ closesAt: NOW - 1 }) } }), ctx());
    assert.deepEqual(kinds(plan), ['rejected:answer_too_late']);
    assert.deepEqual(plan.points, []);
    noWrites(plan);
  });

  it('a choice batch has no text, word or point writes', () => {
    const plan = planBatch([cmd('P', 'v1', ['a'])], world({ polls: { P: open() } }), ctx());
    assert.deepEqual([plan.texts, plan.words, plan.points], [[], [], []]);
  });
});
