/**
 * The audience Q&A store contract (src/ports/audience-qa-store.ts), run against every adapter:
 * questions and their orders, moderation, upvote batches planned in submission order, one row
 * per (question, voter) under concurrent batches, counts equal to rows, versions that only grow.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newAudienceQuestionId, type AudienceQuestion, type UpvoteOp } from '../../src/domain/audience-question.js';
import type { AudienceQaStore } from '../../src/ports/audience-qa-store.js';

export interface QaStoreHarness {
  store: AudienceQaStore;
  /** A second store on the same data (another process's connection). */
  other(): Promise<AudienceQaStore>;
  cleanup(): Promise<void>;
}

let seq = 0;
export function testQuestion(eventId: string, over: Partial<AudienceQuestion> = {}): AudienceQuestion {
  const at = 1_700_000_000_000 + ++seq;
  return {
    id: newAudienceQuestionId(),
    eventId,
    voterKey: 'd:asker' + seq,
    name: null,
    text: 'Question ' + seq,
    state: 'visible',
    pinned: false,
    answered: false,
    upvotes: 0,
    createdAt: at,
    updatedAt: at,
    ...over,
  };
}

const op = (eventId: string, questionId: string, voterKey: string, up = true): UpvoteOp => ({ eventId, questionId, voterKey, up, at: Date.now() });
const newEvent = () => 'ev_' + Math.random().toString(36).slice(2, 14).padEnd(12, 'x');

export function runQaStoreContract(name: string, make: () => Promise<QaStoreHarness>, opts: { skip?: string | false } = {}): void {
  describe(`audience Q&A store contract: ${name}`, { skip: opts.skip ?? false }, () => {
    let h: QaStoreHarness;
    let s: AudienceQaStore;
    before(async () => {
      h = await make();
      s = h.store;
    });
    after(async () => {
      await s?.close();
      await h?.cleanup();
    });

    it('migrate is idempotent; an unknown event has version 0 and no questions', async () => {
      await s.migrate();
      await s.migrate();
      const ev = newEvent();
      assert.equal(await s.version(ev), 0);
      assert.deepEqual(await s.list(ev, { sort: 'top', states: ['visible'], limit: 10 }), []);
      assert.deepEqual(await s.counts(ev), { pending: 0, visible: 0, hidden: 0 });
    });

    it('adds and reads questions (text, names and HTML as given), each add moves the version', async () => {
      const ev = newEvent();
      const q = testQuestion(ev, { text: '<script>alert(1)</script> é', name: 'Zoë' });
      await s.add(q);
      assert.deepEqual(await s.get(ev, q.id), q);
      assert.equal(await s.get(newEvent(), q.id), null, 'read within its event only');
      const v1 = await s.version(ev);
      await s.add(testQuestion(ev, { state: 'pending' }));
      assert.ok((await s.version(ev)) > v1);
      assert.deepEqual(await s.counts(ev), { pending: 1, visible: 1, hidden: 0 });
    });

    it('lists in both orders: pinned, then open before answered, then upvotes (top) or newest (recent)', async () => {
      const ev = newEvent();
      const a = testQuestion(ev, { upvotes: 0 });
      const b = testQuestion(ev);
      const c = testQuestion(ev);
      const d = testQuestion(ev, { state: 'hidden' });
      for (const q of [a, b, c, d]) await s.add(q);
      await s.applyUpvotes([op(ev, b.id, 'd:1'), op(ev, b.id, 'd:2'), op(ev, c.id, 'd:1')]);
      const ids = async (sort: 'top' | 'recent', states = ['visible'] as const) => (await s.list(ev, { sort, states, limit: 10 })).map((q) => q.id);
      assert.deepEqual(await ids('top'), [b.id, c.id, a.id]);
      assert.deepEqual(await ids('recent'), [c.id, b.id, a.id]);
      await s.moderate(ev, a.id, { pinned: true }, Date.now());
      await s.moderate(ev, b.id, { answered: true }, Date.now());
      assert.deepEqual(await ids('top'), [a.id, c.id, b.id]);
      assert.deepEqual(await ids('recent'), [a.id, c.id, b.id]);
      assert.equal((await s.list(ev, { sort: 'top', states: ['visible', 'hidden'], limit: 10 })).length, 4);
      assert.equal((await s.list(ev, { sort: 'top', states: ['visible'], limit: 2 })).length, 2);
    });

    it('moderates: approve, hide (unpins), unknown question → null; each change moves the version', async () => {
      const ev = newEvent();
      const q = testQuestion(ev, { state: 'pending' });
      await s.add(q);
      const v = await s.version(ev);
      const approved = await s.moderate(ev, q.id, { state: 'visible', pinned: true }, Date.now());
      assert.equal(approved?.state, 'visible');
      assert.equal(approved?.pinned, true);
      assert.ok((await s.version(ev)) > v);
      const hidden = await s.moderate(ev, q.id, { state: 'hidden' }, Date.now());
      assert.deepEqual([hidden?.state, hidden?.pinned], ['hidden', false]);
      assert.deepEqual(await s.get(ev, q.id), hidden);
      assert.equal(await s.moderate(ev, newAudienceQuestionId(), { pinned: true }, Date.now()), null);
      assert.equal(await s.moderate(newEvent(), q.id, { pinned: true }, Date.now()), null, 'another event’s question');
    });

    it('a batch is planned in submission order: upvote, again, take back, again — per voter, with counts after the batch', async () => {
      const ev = newEvent();
      const q = testQuestion(ev);
      const pending = testQuestion(ev, { state: 'pending' });
      await s.add(q);
      await s.add(pending);
      const out = await s.applyUpvotes([
        op(ev, q.id, 'd:a'),
        op(ev, q.id, 'd:a'),
        op(ev, q.id, 'd:b'),
        op(ev, q.id, 'd:a', false),
        op(ev, q.id, 'd:a', false),
        op(ev, q.id, 'd:c', false),
        op(ev, pending.id, 'd:a'),
        op(newEvent(), q.id, 'd:a'),
        op(ev, newAudienceQuestionId(), 'd:a'),
      ]);
      assert.deepEqual(
        out.map((o) => o.kind),
        ['upvoted', 'already', 'upvoted', 'removed', 'not_upvoted', 'not_upvoted', 'unknown', 'unknown', 'unknown'],
      );
      assert.deepEqual(out.slice(0, 6).map((o) => ('upvotes' in o ? o.upvotes : null)), [1, 1, 1, 1, 1, 1]);
      assert.equal((await s.get(ev, q.id))?.upvotes, 1);
      assert.deepEqual(await s.upvotedBy('d:b', [q.id, pending.id]), [q.id]);
      assert.deepEqual(await s.upvotedBy('d:a', [q.id]), []);
      assert.equal(await s.countMismatches(ev), 0);
      // Across batches the row decides.
      const again = await s.applyUpvotes([op(ev, q.id, 'd:b'), op(ev, q.id, 'd:a')]);
      assert.deepEqual(again, [
        { kind: 'already', upvotes: 2 },
        { kind: 'upvoted', upvotes: 2 },
      ]);
      const v = await s.version(ev);
      await s.applyUpvotes([op(ev, q.id, 'd:b')]);
      assert.equal(await s.version(ev), v, 'a batch that changes nothing does not move the version');
    });

    it('concurrent batches from two connections: 1,000 voters once each, one voter 50 times, counts equal rows', async () => {
      const ev = newEvent();
      const q = testQuestion(ev);
      await s.add(q);
      const other = await h.other();
      try {
        const stores = [s, other];
        const batches = Array.from({ length: 40 }, (_, b) =>
          stores[b % 2]!.applyUpvotes([
            ...Array.from({ length: 25 }, (_, i) => op(ev, q.id, `d:v${b * 25 + i}`)),
            op(ev, q.id, 'd:same'),
            op(ev, q.id, 'd:same'),
          ]),
        );
        const outs = (await Promise.all(batches)).flat();
        const kinds = new Map<string, number>();
        for (const o of outs) kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
        assert.deepEqual(Object.fromEntries(kinds), { upvoted: 1_001, already: 79 });
        assert.equal((await s.get(ev, q.id))?.upvotes, 1_001);
        assert.equal(await s.countMismatches(ev), 0);
        // And back down, concurrently, to zero.
        const downs = Array.from({ length: 20 }, (_, b) =>
          stores[b % 2]!.applyUpvotes(Array.from({ length: 50 }, (_, i) => op(ev, q.id, `d:v${b * 50 + i}`, false))),
        );
        await Promise.all(downs);
        assert.equal((await s.get(ev, q.id))?.upvotes, 1);
        assert.equal(await s.countMismatches(ev), 0);
      } finally {
        await other.close();
      }
    });

    it('deleteEvent removes its questions and upvotes, keeps the version growing', async () => {
      const ev = newEvent();
      const q = testQuestion(ev);
      await s.add(q);
      await s.applyUpvotes([op(ev, q.id, 'd:x')]);
      const v = await s.version(ev);
      await s.deleteEvent(ev);
      assert.equal(await s.get(ev, q.id), null);
      assert.deepEqual(await s.upvotedBy('d:x', [q.id]), []);
      assert.ok((await s.version(ev)) > v);
    });
  });
}
