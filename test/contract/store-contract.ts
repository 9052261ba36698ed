/**
 * The Store port's contract (src/ports/store.ts), run against every adapter. The embedded
 * SQLite store is the reference: every adapter must give the same outcomes for the same batches.
 *
 * `makeStore()` opens a fresh, migrated, isolated store (its own data dir, schema or database).
 * Optional harness fields:
 * - `shardCount`: polls are spread over shards 0..n-1, so batches and fan-outs cross shards;
 * - `reopen()`: a second instance on the same backend, as another process would open it;
 * - `singleProcess`: one process owns the data (embedded), so leadership is never contested.
 * Tests that look at global state (outbox, scheduled transitions) use a store of their own.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Commitment } from '../../src/domain/commitment.js';
import { newPollId, newReceiptId, randomId } from '../../src/domain/ids.js';
import type { Poll } from '../../src/domain/poll.js';
import type { StoredResponse, VoteCommand, VoteOutcome } from '../../src/domain/vote.js';
import type { RenderAnswer, Store } from '../../src/ports/store.js';

export interface StoreHarness {
  store: Store;
  cleanup: () => Promise<void>;
  shardCount?: number;
  reopen?: () => Promise<Store>;
  singleProcess?: boolean;
}

export interface StoreContractOptions {
  /** A skip message (from needServices) or false. */
  skip?: string | false;
}

let pollSeq = 0;

/** A poll as the store keeps it; `shard` is taken modulo the harness's shard count by the caller. */
export function testPoll(shard: number, over: Partial<Poll> = {}): Poll {
  const now = Date.now();
  const id = newPollId(shard);
  return {
    id,
    question: `Question ${++pollSeq}?`,
    options: [
      { id: 'optA' + randomId(2), text: 'A' },
      { id: 'optB' + randomId(2), text: 'B' },
      { id: 'optC' + randomId(2), text: 'C' },
    ],
    kind: 'single',
    maxChoices: 1,
    scale: null,
    text: null,
    quiz: null,
    status: 'open',
    opensAt: null,
    closesAt: null,
    resultsVisibility: 'live',
    identityMode: 'open',
    allowChange: false,
    ownerTokenHash: 'hash-' + id,
    workspaceId: null,
    access: 'link',
    ipCap: null,
    powDifficulty: 0,
    invitesIssued: 0,
    createdAt: now,
    updatedAt: now,
    ...over,
  };
}

export function vote(poll: Poll, voterId: string, optionIdx: number[], idem?: { key: string; requestHash: string }): VoteCommand {
  return {
    pollId: poll.id,
    voterId,
    optionIds: optionIdx.map((i) => poll.options[i]!.id),
    receiptId: newReceiptId(),
    at: Date.now(),
    ...(idem ? { idempotency: idem } : {}),
  };
}

/** Renders like the HTTP layer would (status by outcome, a body naming it) and counts its calls. */
export function recordingRender(): RenderAnswer & { calls: VoteCommand[] } {
  const calls: VoteCommand[] = [];
  const render = ((cmd: VoteCommand, out: VoteOutcome): StoredResponse => {
    calls.push(cmd);
    const status = out.kind === 'counted' ? 201 : out.kind === 'duplicate' ? 409 : out.kind === 'rejected' ? (out.code === 'poll_not_found' ? 404 : 409) : 500;
    const receipt = out.kind === 'counted' ? out.vote.receiptId : out.kind === 'duplicate' ? out.counted.receiptId : null;
    return { status, body: JSON.stringify({ kind: out.kind, receipt, voter: cmd.voterId }), requestHash: cmd.idempotency?.requestHash ?? '' };
  }) as RenderAnswer & { calls: VoteCommand[] };
  render.calls = calls;
  return render;
}

const kinds = (outs: VoteOutcome[]) => outs.map((o) => (o.kind === 'rejected' ? `rejected:${o.code}` : o.kind === 'counted' && o.changed ? 'changed' : o.kind));
const tally = async (store: Store, poll: Poll) => {
  const r = await store.getResults(poll.id, { fresh: true });
  assert.ok(r, 'results exist');
  return { total: r.total, version: r.version, votes: r.options.map((o) => o.votes) };
};

export function runStoreContract(name: string, makeStore: () => Promise<StoreHarness>, opts: StoreContractOptions = {}): void {
  describe(`Store contract: ${name}`, { skip: opts.skip ?? false }, () => {
    let h: StoreHarness;
    let store: Store;
    let shards = 1;
    let nth = 0;
    /** Polls land on shards in turn, so a sharded backend sees every shard. */
    const newPoll = async (over: Partial<Poll> = {}, s: Store = store): Promise<Poll> => {
      const p = testPoll(nth++ % shards, over);
      await s.createPoll(p);
      return p;
    };
    const extra: StoreHarness[] = [];
    const own = async () => {
      const x = await makeStore();
      extra.push(x);
      return x.store;
    };

    before(async () => {
      h = await makeStore();
      store = h.store;
      shards = h.shardCount ?? 1;
    });
    const closeExtra = async () => {
      for (const x of extra.splice(0)) {
        await x.store.close();
        await x.cleanup();
      }
    };
    afterEach(closeExtra);
    after(async () => {
      await closeExtra();
      await h?.store.close();
      await h?.cleanup();
    });

    it('migrates again without harm and answers ping', async () => {
      await store.migrate();
      await store.ping();
    });

    it('creates and reads a poll (primary and default read); unknown ids read as null', async () => {
      const p = await newPoll({ allowChange: true, kind: 'multiple', maxChoices: 2, closesAt: Date.now() + 3_600_000 });
      assert.deepEqual(await store.getPoll(p.id, { fresh: true }), p);
      assert.deepEqual(await store.getPoll(p.id), p);
      assert.equal(await store.getPoll(newPollId(0)), null);
      assert.equal(await store.getResults(newPollId(0)), null);
      const r = await tally(store, p);
      assert.deepEqual(r, { total: 0, version: 0, votes: [0, 0, 0] });
    });

    it('reads many polls at once in the order asked, skipping unknown ids', async () => {
      const a = await newPoll({});
      const b = await newPoll({ kind: 'multiple', maxChoices: 2 });
      assert.deepEqual(await store.getPolls([b.id, newPollId(0), a.id]), [b, a]);
      assert.deepEqual(await store.getPolls([]), []);
    });

    it('updates optimistically: a stale expectedUpdatedAt changes nothing and answers null', async () => {
      const p = await newPoll({ status: 'draft' });
      const edited: Poll = { ...p, question: 'Edited?', updatedAt: p.updatedAt + 5 };
      const v1 = await store.updatePoll(edited, p.updatedAt);
      assert.equal(typeof v1, 'number');
      assert.equal((await store.getPoll(p.id, { fresh: true }))!.question, 'Edited?');
      // Someone else's view, from before the edit:
      assert.equal(await store.updatePoll({ ...p, question: 'Lost update', updatedAt: p.updatedAt + 9 }, p.updatedAt), null);
      assert.equal((await store.getPoll(p.id, { fresh: true }))!.question, 'Edited?');
      const opened: Poll = { ...edited, status: 'open', updatedAt: edited.updatedAt + 1 };
      const v2 = await store.updatePoll(opened, edited.updatedAt);
      assert.ok(v2! > v1!, 'results version grows with a status change');
      assert.equal((await tally(store, p)).version, v2);
      assert.equal(await store.updatePoll({ ...testPoll(0), updatedAt: 1 }, 0), null, 'unknown poll');
    });

    it('deletes a poll with its votes; a second delete answers false', async () => {
      const p = await newPoll();
      const render = recordingRender();
      await store.recordVotes([vote(p, 'v1', [0], { key: 'k-del', requestHash: 'h' }), vote(p, 'v2', [1])], render);
      assert.equal(await store.countVotes(p.id), 2);
      assert.equal(await store.deletePoll(p.id), true);
      assert.equal(await store.deletePoll(p.id), false);
      assert.equal(await store.getPoll(p.id, { fresh: true }), null);
      assert.equal(await store.getResults(p.id, { fresh: true }), null);
      assert.equal(await store.countVotes(p.id), 0);
      assert.equal(await store.getVote(p.id, 'v1'), null);
      assert.equal(await store.getIdempotent(p.id, 'k-del'), null);
    });

    it('counts votes: outcome, stored vote, tallies per option, countVotes', async () => {
      const p = await newPoll({ kind: 'multiple', maxChoices: 3 });
      const q = await newPoll();
      const batch = [vote(p, 'a', [0, 1]), vote(p, 'b', [1]), vote(p, 'c', [0, 2]), vote(q, 'a', [2])];
      const outs = await store.recordVotes(batch, recordingRender());
      assert.deepEqual(kinds(outs), ['counted', 'counted', 'counted', 'counted']);
      const first = outs[0]!;
      assert.ok(first.kind === 'counted' && first.changed === false);
      assert.deepEqual(first.vote, { optionIds: batch[0]!.optionIds, receiptId: batch[0]!.receiptId, at: batch[0]!.at });
      assert.deepEqual(await store.getVote(p.id, 'a'), { optionIds: batch[0]!.optionIds, receiptId: batch[0]!.receiptId, at: batch[0]!.at });
      assert.equal(await store.getVote(p.id, 'nobody'), null);
      const r = await tally(store, p);
      assert.deepEqual([r.total, r.votes], [3, [2, 2, 1]]);
      assert.equal(await store.countVotes(p.id), 3);
      assert.equal(await store.countVotes(q.id), 1);
      assert.deepEqual((await tally(store, q)).votes, [0, 0, 1]);
      const res = await store.getResults(p.id);
      assert.ok(res && res.pollId === p.id && res.status === 'open' && !Number.isNaN(Date.parse(res.updatedAt)));
    });

    it('lists the votes of a poll in keyset pages: voter id byte order, each voter once, no other poll', async () => {
      const p = await newPoll({ kind: 'multiple', maxChoices: 3 });
      const q = await newPoll();
      // Upper case sorts before lower case in byte order; a voter id may hold any character.
      const voters = ['b', 'A', 'c"q,x', 'a', 'Z', 'é', 'a0'];
      const batch = voters.map((v, i) => vote(p, v, i % 2 ? [0, 2] : [1]));
      await store.recordVotes([...batch, vote(q, 'a', [0])], recordingRender());
      const pages: string[][] = [];
      let after: string | null = null;
      for (;;) {
        const page = await store.listVotes(p.id, after, 3);
        if (page.length === 0) break;
        pages.push(page.map((r) => r.voterId));
        after = page.at(-1)!.voterId;
      }
      const sorted = [...voters].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      assert.deepEqual(pages.flat(), sorted);
      assert.deepEqual(pages.map((pg) => pg.length), [3, 3, 1]);
      const first = (await store.listVotes(p.id, null, 1))[0]!;
      const cmd = batch[voters.indexOf('A')]!;
      assert.deepEqual(first, { voterId: 'A', optionIds: cmd.optionIds, receiptId: cmd.receiptId, at: cmd.at });
      assert.deepEqual(await store.listVotes('000000000000', null, 10), []);
    });

    it('keeps one row per voter: duplicates in the same batch and across batches', async () => {
      const p = await newPoll();
      const b1 = [vote(p, 'x', [0]), vote(p, 'x', [1]), vote(p, 'y', [1])];
      const o1 = await store.recordVotes(b1, recordingRender());
      assert.deepEqual(kinds(o1), ['counted', 'duplicate', 'counted']);
      const dup = o1[1]!;
      assert.ok(dup.kind === 'duplicate');
      assert.deepEqual(dup.counted, { optionIds: b1[0]!.optionIds, receiptId: b1[0]!.receiptId, at: b1[0]!.at }, 'a duplicate names the vote that counts');
      const o2 = await store.recordVotes([vote(p, 'x', [2]), vote(p, 'y', [1])], recordingRender());
      assert.deepEqual(kinds(o2), ['duplicate', 'duplicate']);
      assert.equal((o2[0] as Extract<VoteOutcome, { kind: 'duplicate' }>).counted.receiptId, b1[0]!.receiptId);
      assert.equal(await store.countVotes(p.id), 2);
      const r = await tally(store, p);
      assert.deepEqual([r.total, r.votes], [2, [1, 1, 0]]);
    });

    it('allowChange: a changed vote moves the tallies and leaves the total', async () => {
      const p = await newPoll({ allowChange: true });
      const first = vote(p, 'v', [0]);
      await store.recordVotes([first, vote(p, 'w', [0])], recordingRender());
      const change = vote(p, 'v', [2]);
      const outs = await store.recordVotes([change], recordingRender());
      assert.deepEqual(kinds(outs), ['changed']);
      assert.deepEqual((await store.getVote(p.id, 'v'))!.optionIds, change.optionIds);
      let r = await tally(store, p);
      assert.deepEqual([r.total, r.votes], [2, [1, 0, 1]]);
      // The same choice again is a duplicate, not a change.
      assert.deepEqual(kinds(await store.recordVotes([vote(p, 'v', [2])], recordingRender())), ['duplicate']);
      // Within one batch: counted, then changed twice; the last choice stands.
      const outs2 = await store.recordVotes([vote(p, 'z', [0]), vote(p, 'z', [1]), vote(p, 'z', [1]), vote(p, 'z', [2])], recordingRender());
      assert.deepEqual(kinds(outs2), ['counted', 'changed', 'duplicate', 'changed']);
      r = await tally(store, p);
      assert.deepEqual([r.total, r.votes], [3, [1, 0, 2]]);
      assert.equal(await store.countVotes(p.id), 3);
      // Without allowChange a different choice is a duplicate.
      const fixed = await newPoll();
      await store.recordVotes([vote(fixed, 'v', [0])], recordingRender());
      assert.deepEqual(kinds(await store.recordVotes([vote(fixed, 'v', [1])], recordingRender())), ['duplicate']);
      assert.deepEqual((await tally(store, fixed)).votes, [1, 0, 0]);
    });

    it('rejects votes for closed, not-yet-open and unknown polls, and writes nothing for them', async () => {
      const now = Date.now();
      const closed = await newPoll({ status: 'closed' });
      const pastClose = await newPoll({ status: 'open', closesAt: now - 1_000 });
      const draft = await newPoll({ status: 'draft' });
      const later = await newPoll({ status: 'draft', opensAt: now + 3_600_000 });
      const due = await newPoll({ status: 'draft', opensAt: now - 1_000 });
      const unknown = testPoll(0);
      const outs = await store.recordVotes(
        [vote(closed, 'v', [0]), vote(pastClose, 'v', [0]), vote(draft, 'v', [0]), vote(later, 'v', [0]), vote(unknown, 'v', [0]), vote(due, 'v', [0])],
        recordingRender(),
      );
      assert.deepEqual(kinds(outs), ['rejected:poll_closed', 'rejected:poll_closed', 'rejected:poll_not_open', 'rejected:poll_not_open', 'rejected:poll_not_found', 'counted']);
      for (const p of [closed, pastClose, draft, later, unknown]) assert.equal(await store.countVotes(p.id), 0);
      for (const p of [closed, pastClose, draft, later]) assert.equal((await tally(store, p)).version, 0);
    });

    it('idempotency: one claim per key; a repeat replays the first answer, another body is key_reused', async () => {
      const p = await newPoll();
      const render = recordingRender();
      const k = { key: 'key-1', requestHash: 'hash-1' };
      const batch = [vote(p, 'i1', [0], k), vote(p, 'i1', [0], k), vote(p, 'i2', [1], { key: 'key-1', requestHash: 'other' }), vote(p, 'i3', [1], { key: 'key-3', requestHash: 'h3' })];
      const outs = await store.recordVotes(batch, render);
      assert.deepEqual(kinds(outs), ['counted', 'replay', 'key_reused', 'counted']);
      assert.equal(render.calls.length, 2, 'one rendered answer per claimed key');
      const stored = await store.getIdempotent(p.id, 'key-1');
      assert.ok(stored);
      assert.equal(stored.requestHash, 'hash-1');
      assert.equal(stored.status, 201);
      assert.deepEqual((outs[1] as Extract<VoteOutcome, { kind: 'replay' }>).response, stored);
      assert.equal(await store.countVotes(p.id), 2, 'i2 was not counted');
      // Across batches: the stored answer, byte for byte; nothing new counted or rendered.
      const later = await store.recordVotes([vote(p, 'i1', [2], k), vote(p, 'i9', [2], { key: 'key-1', requestHash: 'nope' })], render);
      assert.deepEqual(kinds(later), ['replay', 'key_reused']);
      assert.deepEqual((later[0] as Extract<VoteOutcome, { kind: 'replay' }>).response, stored);
      assert.equal(render.calls.length, 2);
      assert.equal(await store.countVotes(p.id), 2);
      assert.deepEqual((await tally(store, p)).votes, [1, 1, 0]);
      // Keys are per poll, and a rejected request's answer is kept too.
      const q = await newPoll({ status: 'closed' });
      const other = await store.recordVotes([vote(q, 'i1', [0], k)], render);
      assert.deepEqual(kinds(other), ['rejected:poll_closed']);
      assert.equal((await store.getIdempotent(q.id, 'key-1'))!.status, 409);
      assert.deepEqual(kinds(await store.recordVotes([vote(q, 'i1', [0], k)], render)), ['replay']);
      assert.equal(await store.getIdempotent(p.id, 'missing'), null);
    });

    it('a duplicate with a fresh key stores the duplicate answer', async () => {
      const p = await newPoll();
      await store.recordVotes([vote(p, 'd', [0])], recordingRender());
      const outs = await store.recordVotes([vote(p, 'd', [1], { key: 'dup-key', requestHash: 'hd' })], recordingRender());
      assert.deepEqual(kinds(outs), ['duplicate']);
      assert.equal((await store.getIdempotent(p.id, 'dup-key'))!.status, 409);
    });

    it('results version grows with every batch that changes counts, and counted outcomes carry it', async () => {
      const p = await newPoll({ allowChange: true });
      const seen: number[] = [(await tally(store, p)).version];
      for (let i = 0; i < 3; i++) {
        const outs = await store.recordVotes([vote(p, `g${i}`, [i % 3]), vote(p, `h${i}`, [0])], recordingRender());
        const v = (await tally(store, p)).version;
        for (const o of outs) assert.ok(o.kind === 'counted' && o.version === v, 'outcome carries the committed version');
        seen.push(v);
      }
      const changed = await store.recordVotes([vote(p, 'g0', [1])], recordingRender());
      seen.push((await tally(store, p)).version);
      assert.ok(changed[0]!.kind === 'counted' && changed[0]!.version === seen.at(-1));
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `version grew: ${seen.join(' → ')}`);
      // A batch that changes nothing leaves the version.
      await store.recordVotes([vote(p, 'h0', [0])], recordingRender());
      assert.equal((await tally(store, p)).version, seen.at(-1));
    });

    it('one batch over several polls (and shards) counts each on its own', async () => {
      const polls = [await newPoll(), await newPoll(), await newPoll()];
      const batch = polls.flatMap((p, i) => [vote(p, 'same-voter', [i]), vote(p, `only-${i}`, [0])]);
      const outs = await store.recordVotes(batch, recordingRender());
      assert.deepEqual(kinds(outs), batch.map(() => 'counted'));
      for (const [i, p] of polls.entries()) {
        const r = await tally(store, p);
        assert.deepEqual([r.total, r.votes], [2, [i === 0 ? 2 : 1, i === 1 ? 1 : 0, i === 2 ? 1 : 0]]);
        assert.equal(await store.countVotes(p.id), 2);
      }
    });

    it('ranked: rankings stored in order; first preferences, IRV and Borda from the tallies; a change moves the ranking', async () => {
      const p = await newPoll({ kind: 'ranked', maxChoices: 3, allowChange: true });
      const [a, b, c] = p.options.map((o) => o.id) as [string, string, string];
      const batch = [vote(p, 'r1', [1, 0]), vote(p, 'r2', [1, 0]), vote(p, 'r3', [0, 2, 1]), vote(p, 'r4', [2])];
      assert.deepEqual(kinds(await store.recordVotes(batch, recordingRender())), ['counted', 'counted', 'counted', 'counted']);
      assert.deepEqual((await store.getVote(p.id, 'r3'))!.optionIds, [a, c, b], 'the order of a ranking is kept');
      let r = (await store.getResults(p.id, { fresh: true }))!;
      assert.deepEqual(r.options.map((o) => o.votes), [1, 2, 1]);
      // Round 1: a1 b2 c1, tie a/c → c (listed last) out; round 2: a1+0 b2 → c's ballot exhausted (ranked c only); b has 2 of 3.
      assert.deepEqual(r.irv, {
        rounds: [
          { counts: { [a]: 1, [b]: 2, [c]: 1 }, eliminated: [c], exhausted: 0 },
          { counts: { [a]: 1, [b]: 2 }, eliminated: [], exhausted: 1 },
        ],
        winner: b,
      });
      assert.deepEqual(r.borda, { [a]: 1 + 1 + 2, [b]: 2 + 2 + 0, [c]: 1 + 2 });
      // r4 changes to a, c: c's only ballot moves; a now leads first preferences with r3.
      assert.deepEqual(kinds(await store.recordVotes([vote(p, 'r4', [0, 2])], recordingRender())), ['changed']);
      r = (await store.getResults(p.id, { fresh: true }))!;
      assert.deepEqual([r.total, r.options.map((o) => o.votes)], [4, [2, 2, 0]]);
      assert.deepEqual(r.irv!.rounds[0]!.counts, { [a]: 2, [b]: 2, [c]: 0 });
      for (const round of r.irv!.rounds) assert.equal(Object.values(round.counts).reduce((n, x) => n + x, 0) + round.exhausted, 4);
    });

    it('rating and nps: value tokens counted per value; statistics from the histogram', async () => {
      const rating = await newPoll({ kind: 'rating', options: [], maxChoices: 1, scale: { min: 1, max: 5 } });
      const nps = await newPoll({ kind: 'nps', options: [], maxChoices: 1, scale: { min: 0, max: 10 } });
      const valueVote = (poll: Poll, voterId: string, value: number): VoteCommand => ({ pollId: poll.id, voterId, optionIds: ['=' + value], receiptId: newReceiptId(), at: Date.now() });
      const batch = [valueVote(rating, 'a', 5), valueVote(rating, 'b', 2), valueVote(rating, 'c', 5), valueVote(nps, 'a', 10), valueVote(nps, 'b', 3), valueVote(nps, 'c', 7)];
      assert.deepEqual(kinds(await store.recordVotes(batch, recordingRender())), batch.map(() => 'counted'));
      assert.deepEqual((await store.getVote(rating.id, 'b'))!.optionIds, ['=2']);
      const r = (await store.getResults(rating.id, { fresh: true }))!;
      assert.deepEqual([r.total, r.mean, r.median, r.options], [3, 4, 5, []]);
      assert.deepEqual(r.histogram!.map((x) => x.votes), [0, 1, 0, 0, 2]);
      const n = (await store.getResults(nps.id, { fresh: true }))!;
      assert.deepEqual([n.total, n.promoters, n.passives, n.detractors, n.score], [3, 1, 1, 1, 0]);
    });

    it('resetVotes: votes set aside (kept, not counted), tallies zero, version up; the voters may vote again', async () => {
      const p = await newPoll({ kind: 'ranked', maxChoices: 3 });
      await store.recordVotes([vote(p, 'a', [0, 1]), vote(p, 'b', [2]), vote(p, 'c', [1], { key: 'k1', requestHash: 'h' })], recordingRender());
      const before = (await store.getResults(p.id, { fresh: true }))!;
      const version = await store.resetVotes(p.id, Date.now());
      assert.ok(version !== null && version > before.version);
      const after = (await store.getResults(p.id, { fresh: true }))!;
      assert.deepEqual([after.total, after.version, after.options.map((o) => o.votes), after.irv!.winner], [0, version, [0, 0, 0], null]);
      assert.equal(await store.countVotes(p.id), 0);
      assert.equal(await store.countResetVotes(p.id), 3);
      assert.equal(await store.getVote(p.id, 'a'), null);
      assert.equal(await store.getIdempotent(p.id, 'k1'), null);
      assert.deepEqual(kinds(await store.recordVotes([vote(p, 'a', [1])], recordingRender())), ['counted']);
      assert.deepEqual((await store.getResults(p.id, { fresh: true }))!.options.map((o) => o.votes), [0, 1, 0]);
      assert.equal(await store.resetVotes('nope' + p.id.slice(4), Date.now()), null);
      assert.ok(await store.deletePoll(p.id));
      assert.equal(await store.countResetVotes(p.id), 0);
    });

    it('commitments: stored only while the poll is closed at that close and version, the first per close stands, deleted with the poll', async () => {
      const p = await newPoll();
      await store.recordVotes([vote(p, 'a', [0])], recordingRender());
      const c = (over: Partial<Commitment> = {}): Commitment => ({
        pollId: p.id, closedAt: 0, scheme: 'sha256-merkle-v1', root: 'a'.repeat(64), count: 1, version: 0, publishedAt: Date.now(), ...over,
      });
      await store.saveCommitment(c({ version: (await tally(store, p)).version }));
      assert.deepEqual(await store.getCommitments(p.id), [], 'an open poll publishes nothing');
      const closedAt = Date.now();
      const closed: Poll = { ...p, status: 'closed', closesAt: closedAt, updatedAt: p.updatedAt + 1 };
      const v1 = await store.updatePoll(closed, p.updatedAt);
      assert.ok(v1 !== null);
      await store.saveCommitment(c({ closedAt, version: v1 - 1 }));
      await store.saveCommitment(c({ closedAt: closedAt - 1, version: v1 }));
      assert.deepEqual(await store.getCommitments(p.id), [], 'another version or another close: nothing');
      const first = c({ closedAt, version: v1, root: 'b'.repeat(64) });
      await store.saveCommitment(first);
      await store.saveCommitment(c({ closedAt, version: v1, root: 'c'.repeat(64), count: 2 }));
      assert.deepEqual(await store.getCommitments(p.id), [first], 'the first of a close stands');
      // Reopened, a vote, closed again: a second commitment beside the first.
      const reopened: Poll = { ...closed, status: 'open', closesAt: null, updatedAt: closed.updatedAt + 1 };
      assert.ok((await store.updatePoll(reopened, closed.updatedAt)) !== null);
      await store.recordVotes([vote(p, 'b', [1])], recordingRender());
      const again: Poll = { ...reopened, status: 'closed', closesAt: closedAt + 10, updatedAt: reopened.updatedAt + 1 };
      const v2 = await store.updatePoll(again, reopened.updatedAt);
      assert.ok(v2 !== null);
      const second = c({ closedAt: closedAt + 10, version: v2, count: 2 });
      await store.saveCommitment(second);
      assert.deepEqual(await store.getCommitments(p.id), [first, second]);
      assert.ok(await store.deletePoll(p.id));
      assert.deepEqual(await store.getCommitments(p.id), []);
    });

    it('text: answers with the vote rows, word counts per batch, top words and the feed; hide and approve move the cloud', async () => {
      const p = await newPoll({ kind: 'text', options: [], text: { maxLength: 200, maxAnswers: 2, moderation: 'post', profanityFilter: false } });
      const answer = (voterId: string, words: string[]): VoteCommand => ({ pollId: p.id, voterId, optionIds: [], receiptId: newReceiptId(), at: Date.now(), text: { text: words.join(' ') + '!', words } });
      const a1 = answer('a', ['tea', 'cake']);
      const outs = await store.recordVotes([a1, answer('b', ['tea']), answer('a', ['tea']), answer('a', ['nope'])], recordingRender());
      assert.deepEqual(kinds(outs), ['counted', 'counted', 'counted', 'duplicate']);
      await store.recordVotes([answer('c', ['cake', 'zebra'])], recordingRender());
      let r = (await store.getResults(p.id, { fresh: true }))!;
      assert.deepEqual(r.words, [{ word: 'tea', count: 3 }, { word: 'cake', count: 2 }, { word: 'zebra', count: 1 }]);
      assert.deepEqual([r.total, r.answers], [3, 4]);
      assert.deepEqual((await store.getVote(p.id, 'a'))!.optionIds.length, 2, "a voter's row lists their answers");
      const feed = await store.listTextAnswers(p.id, 10);
      assert.equal(feed.length, 4);
      assert.ok(feed.every((f) => f.state === 'shown' && !f.approved));
      assert.equal(feed.find((f) => f.answerId === a1.receiptId)!.text, 'tea cake!');
      assert.deepEqual(await store.listTextAnswers(p.id, 10, feed[0]!.at), feed.filter((f) => f.at < feed[0]!.at));
      const hidden = (await store.moderateAnswer(p.id, a1.receiptId, 'hide', Date.now()))!;
      assert.equal(hidden.state, 'hidden');
      assert.ok(hidden.version > r.version);
      r = (await store.getResults(p.id, { fresh: true }))!;
      assert.deepEqual(r.words, [{ word: 'tea', count: 2 }, { word: 'cake', count: 1 }, { word: 'zebra', count: 1 }]);
      assert.equal(r.answers, 3);
      assert.equal((await store.moderateAnswer(p.id, a1.receiptId, 'hide', Date.now()))!.state, 'hidden');
      assert.equal((await store.getResults(p.id, { fresh: true }))!.words!.length, 3, 'a second hide changes nothing');
      await store.moderateAnswer(p.id, a1.receiptId, 'approve', Date.now());
      assert.deepEqual((await store.getResults(p.id, { fresh: true }))!.words![0], { word: 'tea', count: 3 });
      assert.equal(await store.moderateAnswer(p.id, 'r_missing', 'hide', Date.now()), null);
      const pre = await newPoll({ kind: 'text', options: [], text: { maxLength: 200, maxAnswers: 1, moderation: 'pre', profanityFilter: false } });
      const w = { pollId: pre.id, voterId: 'x', optionIds: [], receiptId: newReceiptId(), at: Date.now(), text: { text: 'later', words: ['later'] } };
      await store.recordVotes([w], recordingRender());
      assert.deepEqual((await store.getResults(pre.id, { fresh: true }))!.words, []);
      assert.equal((await store.listTextAnswers(pre.id, 5))[0]!.state, 'pending');
      assert.equal((await store.moderateAnswer(pre.id, w.receiptId, 'approve', Date.now()))!.approved, true);
      assert.deepEqual((await store.getResults(pre.id, { fresh: true }))!.words, [{ word: 'later', count: 1 }]);
      await store.resetVotes(p.id, Date.now());
      assert.deepEqual([(await store.getResults(p.id, { fresh: true }))!.words, await store.listTextAnswers(p.id, 5)], [[], []]);
      assert.ok(await store.deletePoll(pre.id));
      assert.deepEqual(await store.listTextAnswers(pre.id, 5), []);
    });

    it('quiz: one points row per counted answer, summed per voter across questions (and shards); late answers score nothing', async () => {
      const opened = Date.now() - 2_000;
      const mk = async () => {
        const q = await newPoll({ kind: 'quiz', opensAt: opened, closesAt: opened + 20_000 });
        const withQuiz = { ...q, quiz: { correctOptionIds: [q.options[0]!.id], timeLimitSec: 20, maxPoints: 1000, minPoints: 500 } };
        await store.updatePoll(withQuiz, q.updatedAt);
        return withQuiz;
      };
      const q1 = await mk();
      const q2 = await mk();
      const at = (q: Poll, voterId: string, i: number, ms: number): VoteCommand => ({ ...vote(q, voterId, [i]), at: opened + ms });
      const outs = await store.recordVotes([at(q1, 'ann', 0, 0), at(q1, 'bob', 1, 100), at(q1, 'ann', 1, 200), at(q2, 'ann', 0, 10_000), at(q2, 'bob', 0, 0)], recordingRender());
      assert.deepEqual(kinds(outs), ['counted', 'counted', 'duplicate', 'counted', 'counted']);
      const scores = new Map((await store.quizScores([q1.id, q2.id])).map((s) => [s.voterId, s]));
      assert.deepEqual(scores.get('ann'), { voterId: 'ann', score: 1750, answered: 2, correct: 2, correctMs: 10_000 });
      assert.deepEqual(scores.get('bob'), { voterId: 'bob', score: 1000, answered: 2, correct: 1, correctMs: 0 });
      assert.deepEqual(await store.quizScores([]), []);
      const late = await newPoll({ kind: 'quiz', opensAt: opened - 60_000, closesAt: opened - 1 });
      assert.deepEqual(kinds(await store.recordVotes([vote(late, 'cat', [0])], recordingRender())), ['rejected:answer_too_late']);
      assert.deepEqual(await store.quizScores([late.id]), []);
      await store.resetVotes(q2.id, Date.now());
      assert.equal((await store.quizScores([q1.id, q2.id])).find((s) => s.voterId === 'ann')!.score, 1000);
    });

    it('quiz: a surge of concurrent batches scores every counted answer exactly once', async () => {
      const opened = Date.now() - 1_000;
      const q0 = await newPoll({ kind: 'quiz', opensAt: opened, closesAt: opened + 60_000 });
      const q = { ...q0, quiz: { correctOptionIds: [q0.options[0]!.id], timeLimitSec: 60, maxPoints: 1000, minPoints: 500 } };
      await store.updatePoll(q, q0.updatedAt);
      const voters = Array.from({ length: 300 }, (_, i) => `s${i}`);
      const batches = [0, 1, 2, 3].map((k) => voters.map((v, i) => vote(q, v, [(i + k) % 3])));
      const outs = (await Promise.all(batches.map((b) => store.recordVotes(b, recordingRender())))).flat();
      assert.equal(outs.filter((o) => o.kind === 'counted').length, voters.length);
      const scores = await store.quizScores([q.id]);
      assert.equal(scores.length, voters.length);
      assert.equal(scores.reduce((n, s) => n + s.answered, 0), await store.countVotes(q.id));
    });

    it('concurrent overlapping batches count every voter exactly once', async () => {
      const p = await newPoll({ allowChange: false });
      const q = await newPoll();
      const voters = Array.from({ length: 60 }, (_, i) => `cv${i}`);
      // Each batch holds every voter, in its own order: overlapping, unsorted input.
      const shuffled = (seed: number) => {
        const out = [...voters];
        let x = seed;
        for (let i = out.length - 1; i > 0; i--) {
          x = (x * 1103515245 + 12345) % 2147483648;
          const j = x % (i + 1);
          [out[i], out[j]] = [out[j]!, out[i]!];
        }
        return out;
      };
      const batches = [1, 2, 3, 4, 5, 6].map((seed) => shuffled(seed).flatMap((v, i) => [vote(p, v, [i % 3]), vote(q, v, [(i + seed) % 3])]));
      const results = await Promise.all(batches.map((b) => store.recordVotes(b, recordingRender())));
      const counted = results.flat().filter((o) => o.kind === 'counted').length;
      assert.equal(counted, voters.length * 2, 'each voter counted once per poll');
      for (const poll of [p, q]) {
        assert.equal(await store.countVotes(poll.id), voters.length);
        const r = await tally(store, poll);
        assert.equal(r.total, voters.length);
        assert.equal(r.votes.reduce((a, b) => a + b, 0), voters.length);
      }
    });

    it('a batch that throws writes nothing', async () => {
      const s = await own();
      const p = await newPoll({}, s);
      const q = await newPoll({}, s);
      const before = await s.outboxBacklog();
      let n = 0;
      const failing: RenderAnswer = (cmd) => {
        if (++n === 2) throw new Error('render failed');
        return { status: 201, body: '{}', requestHash: cmd.idempotency?.requestHash ?? '' };
      };
      const batch = [vote(p, 'f1', [0], { key: 'fk1', requestHash: 'h' }), vote(q, 'f2', [1], { key: 'fk2', requestHash: 'h' }), vote(p, 'f3', [1])];
      await assert.rejects(s.recordVotes(batch, failing), /render failed/);
      for (const poll of [p, q]) {
        assert.equal(await s.countVotes(poll.id), 0);
        assert.deepEqual(await tally(s, poll), { total: 0, version: 0, votes: [0, 0, 0] });
      }
      assert.equal(await s.getVote(p.id, 'f1'), null);
      assert.equal(await s.getIdempotent(p.id, 'fk1'), null);
      assert.equal(await s.getIdempotent(q.id, 'fk2'), null);
      assert.equal(await s.outboxBacklog(), before);
      // The same batch goes through afterwards.
      assert.deepEqual(kinds(await s.recordVotes(batch, recordingRender())), ['counted', 'counted', 'counted']);
    });

    it('applies scheduled opens and closes once, and names the next due time', async () => {
      const s = await own();
      const t0 = Date.now();
      const opens = await newPoll({ status: 'draft', opensAt: t0 + 10_000 }, s);
      const closes = await newPoll({ status: 'open', closesAt: t0 + 20_000 }, s);
      const both = await newPoll({ status: 'draft', opensAt: t0 + 30_000, closesAt: t0 + 40_000 }, s);
      await newPoll({ status: 'draft' }, s);
      await newPoll({ status: 'closed', closesAt: t0 + 5_000 }, s);
      assert.equal(await s.nextDueAt(t0), t0 + 10_000);
      assert.deepEqual(await s.applyDueTransitions(t0), []);
      const c1 = await s.applyDueTransitions(t0 + 15_000);
      assert.deepEqual(c1.map((c) => [c.pollId, c.status]), [[opens.id, 'open']]);
      assert.equal(c1[0]!.version, (await tally(s, opens)).version);
      assert.equal((await s.getPoll(opens.id, { fresh: true }))!.status, 'open');
      assert.deepEqual(await s.applyDueTransitions(t0 + 15_000), [], 'applied once');
      assert.equal(await s.nextDueAt(t0 + 15_000), t0 + 20_000);
      // Past both opensAt and closesAt: straight to closed. Sorted for shards.
      const c2 = await s.applyDueTransitions(t0 + 45_000);
      assert.deepEqual(c2.map((c) => `${c.pollId}:${c.status}`).sort(), [`${closes.id}:closed`, `${both.id}:closed`].sort());
      assert.equal(await s.nextDueAt(t0 + 45_000), null);
      const events = (await s.readOutbox(100)).filter((e) => e.type === 'poll.status');
      assert.deepEqual(events.map((e) => `${e.pollId}:${String(e.payload.status)}`).sort(), [`${opens.id}:open`, `${closes.id}:closed`, `${both.id}:closed`].sort());
    });

    it('outbox: events from vote batches and status changes, read oldest first, marked once published', async () => {
      const s = await own();
      assert.equal(await s.outboxBacklog(), 0);
      assert.deepEqual(await s.readOutbox(10), []);
      const p = await newPoll({}, s);
      const q = await newPoll({}, s);
      await s.recordVotes([vote(p, 'o1', [0]), vote(p, 'o2', [1]), vote(q, 'o1', [1])], recordingRender());
      await s.recordVotes([vote(p, 'o1', [2])], recordingRender()); // duplicate only: no event
      await s.updatePoll({ ...p, status: 'closed', updatedAt: p.updatedAt + 1 }, p.updatedAt);
      assert.equal(await s.outboxBacklog(), 3);
      const all = await s.readOutbox(10);
      assert.equal(all.length, 3);
      assert.equal(new Set(all.map((e) => e.eventId)).size, 3);
      assert.equal(new Set(all.map((e) => e.seq)).size, 3);
      const recorded = all.filter((e) => e.type === 'votes.recorded');
      const ofP = recorded.find((e) => e.pollId === p.id)!;
      assert.equal(ofP.payload.votes, 2);
      assert.equal(ofP.payload.ballots, 2);
      assert.equal(typeof ofP.payload.minute, 'string');
      assert.equal(typeof ofP.payload.version, 'number');
      assert.ok(ofP.at > 0);
      assert.equal(recorded.find((e) => e.pollId === q.id)!.payload.votes, 1);
      const status = all.find((e) => e.type === 'poll.status')!;
      assert.equal(status.pollId, p.id);
      assert.equal(status.payload.status, 'closed');
      const firstTwo = await s.readOutbox(2);
      assert.equal(firstTwo.length, 2);
      await s.markOutboxPublished(firstTwo.map((e) => e.seq));
      assert.equal(await s.outboxBacklog(), 1);
      const rest = await s.readOutbox(10);
      assert.equal(rest.length, 1);
      assert.ok(!firstTwo.some((e) => e.eventId === rest[0]!.eventId));
      await s.markOutboxPublished(rest.map((e) => e.seq));
      await s.markOutboxPublished(rest.map((e) => e.seq)); // twice is harmless
      assert.equal(await s.outboxBacklog(), 0);
    });

    it('outbox: a batch’s trace context goes into its events’ payloads, and only when given', async () => {
      const s = await own();
      const p = await newPoll({}, s);
      const q = await newPoll({}, s);
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      await s.recordVotes([vote(p, 't1', [0]), vote(q, 't1', [1])], recordingRender(), { traceparent });
      await s.recordVotes([vote(p, 't2', [0])], recordingRender());
      const events = (await s.readOutbox(10)).filter((e) => e.type === 'votes.recorded');
      assert.equal(events.length, 3);
      assert.deepEqual(events.map((e) => e.payload.traceparent ?? null).sort(), [null, traceparent, traceparent].sort());
    });

    it('applies per-minute counts once per event id and consumer', async () => {
      const p = await newPoll();
      const m1 = '2026-01-01T10:00:00.000Z';
      const m2 = '2026-01-01T10:01:00.000Z';
      assert.equal(await store.applyMinuteCounts('analytics', 'ev-1', p.id, [{ minute: m2, votes: 3 }, { minute: m1, votes: 2 }]), true);
      assert.equal(await store.applyMinuteCounts('analytics', 'ev-1', p.id, [{ minute: m2, votes: 3 }, { minute: m1, votes: 2 }]), false);
      assert.equal(await store.applyMinuteCounts('analytics', 'ev-2', p.id, [{ minute: m2, votes: 4 }]), true);
      assert.equal(await store.applyMinuteCounts('other-consumer', 'ev-1', p.id, [{ minute: m1, votes: 1 }]), true);
      assert.deepEqual(await store.getMinuteCounts(p.id), [
        { minute: m1, votes: 3 },
        { minute: m2, votes: 7 },
      ]);
      assert.deepEqual(await store.getMinuteCounts(testPoll(0).id), []);
    });

    it('prunes idempotency keys older than a time', async () => {
      const p = await newPoll();
      await store.recordVotes([vote(p, 'pr', [0], { key: 'old-key', requestHash: 'h' })], recordingRender());
      assert.equal(await store.pruneIdempotency(Date.now() - 3_600_000), 0);
      assert.ok(await store.getIdempotent(p.id, 'old-key'));
      assert.ok((await store.pruneIdempotency(Date.now() + 1_000)) >= 1);
      assert.equal(await store.getIdempotent(p.id, 'old-key'), null);
    });

    it('ensureSecret: the first candidate wins, for every instance', async () => {
      const s = await own();
      const first = 'first-secret-' + randomId(20);
      assert.equal(await s.ensureSecret(first), first);
      assert.equal(await s.ensureSecret('second-secret-' + randomId(20)), first);
      const x = extra.at(-1)!;
      if (x.reopen) {
        const other = await x.reopen();
        try {
          assert.equal(await other.ensureSecret('third-' + randomId(20)), first);
        } finally {
          await other.close();
        }
      }
    });

    it('tryLead: one leader per name across instances; released leadership can be taken', async () => {
      const release = await store.tryLead('contract-lead');
      assert.equal(typeof release, 'function');
      if (h.singleProcess || !h.reopen) {
        await release!();
        return;
      }
      const other = await h.reopen();
      try {
        assert.equal(await other.tryLead('contract-lead'), null, 'held by the first instance');
        const otherName = await other.tryLead('contract-other-name');
        assert.equal(typeof otherName, 'function', 'names are independent');
        await release!();
        const taken = await other.tryLead('contract-lead');
        assert.equal(typeof taken, 'function', 'free after release');
        assert.equal(await store.tryLead('contract-lead'), null, 'now held by the second instance');
        await taken!();
        await otherName!();
      } finally {
        await other.close();
      }
    });
  });
}
