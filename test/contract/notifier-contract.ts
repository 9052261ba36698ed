/**
 * The Notifier port's contract, run against every adapter. `make(ns)` builds a fresh instance in
 * namespace `ns`; every test uses its own random namespace. Notices are lossy by contract, so
 * cross-instance checks publish until a notice arrives. Capabilities: `shared` — instances made
 * with the same namespace hear each other (a distributed backend).
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Notice, Notifier } from '../../src/ports/notifier.js';
import { newNamespace } from './namespace.js';
import { eventually, sleep } from '../support/eventually.js';

export interface NotifierContractOptions {
  shared?: boolean;
  /** A skip message (from needServices) or false. */
  skip?: string | false;
}

type Inbox = Notice[];

function listen(n: Notifier): { inbox: Inbox; stop: () => void } {
  const inbox: Inbox = [];
  const stop = n.subscribe((x) => inbox.push(x));
  return { inbox, stop };
}

const has = (inbox: Inbox, pollId: string) => inbox.filter((x) => 'pollId' in x && x.pollId === pollId).length;

export function runNotifierContract(name: string, make: (ns: string) => Promise<Notifier>, opts: NotifierContractOptions = {}): void {
  describe(`Notifier contract: ${name}`, { skip: opts.skip ?? false }, () => {
    const made: Notifier[] = [];
    const fresh = async (ns = newNamespace()) => {
      const n = await make(ns);
      made.push(n);
      return n;
    };
    afterEach(async () => {
      await Promise.all(made.splice(0).map((n) => n.close()));
    });

    it('delivers each notice, both kinds intact, to every listener — never inside publish()', async () => {
      const n = await fresh();
      const one = listen(n);
      const two = listen(n);
      const results: Notice = { type: 'results', pollId: 'p1', version: 7, committedAt: 1_700_000_000_000 };
      const poll: Notice = { type: 'poll', pollId: 'p2' };
      n.publish(results);
      n.publish(poll);
      assert.equal(one.inbox.length, 0, 'a listener ran inside publish()');
      await eventually(() => one.inbox.length >= 2 && two.inbox.length >= 2, 'both listeners hear both notices');
      for (const { inbox } of [one, two]) {
        assert.deepEqual(inbox.find((x) => 'pollId' in x && x.pollId === 'p1'), results);
        assert.deepEqual(inbox.find((x) => 'pollId' in x && x.pollId === 'p2'), poll);
      }
    });

    it('stops delivering to a listener once it unsubscribes', async () => {
      const n = await fresh();
      const gone = listen(n);
      const stays = listen(n);
      gone.stop();
      n.publish({ type: 'poll', pollId: 'after' });
      await eventually(() => has(stays.inbox, 'after') > 0, 'the remaining listener hears the notice');
      assert.equal(gone.inbox.length, 0);
    });

    it('a throwing listener does not stop the others', async () => {
      const n = await fresh();
      n.subscribe(() => {
        throw new Error('listener failure');
      });
      const ok = listen(n);
      n.publish({ type: 'poll', pollId: 'p' });
      await eventually(() => has(ok.inbox, 'p') > 0, 'the healthy listener hears the notice');
    });

    it('publish never throws, also after close; close is idempotent', async () => {
      const n = await make(newNamespace());
      n.publish({ type: 'poll', pollId: 'before-close' });
      await n.close();
      await n.close();
      n.publish({ type: 'poll', pollId: 'after-close' });
    });

    if (opts.shared) {
      it('a notice published by one instance reaches another on the same namespace, not a third on another', async () => {
        const ns = newNamespace();
        const [a, b, other] = await Promise.all([fresh(ns), fresh(ns), fresh()]);
        const atB = listen(b);
        const atOther = listen(other);
        await eventually(() => (a.publish({ type: 'poll', pollId: 'cross' }), has(atB.inbox, 'cross') > 0), 'b hears a');
        // `other` would have got a's notice before this marker, which Redis processed later.
        await eventually(() => (other.publish({ type: 'poll', pollId: 'marker' }), has(atOther.inbox, 'marker') > 0), 'other hears itself');
        assert.equal(has(atOther.inbox, 'cross'), 0);
      });

      it('an event notice (keyed by eventId) crosses to another instance intact', async () => {
        const ns = newNamespace();
        const [a, b] = await Promise.all([fresh(ns), fresh(ns)]);
        const atB = listen(b);
        const notice: Notice = { type: 'event', eventId: 'ev_cross' };
        await eventually(() => (a.publish(notice), atB.inbox.some((x) => x.type === 'event')), 'b hears the event notice');
        assert.deepEqual(atB.inbox.find((x) => x.type === 'event'), notice);
      });

      it('a publisher\'s own listeners hear each of its notices once, not once more via the backend', async () => {
        const ns = newNamespace();
        const [a, b] = await Promise.all([fresh(ns), fresh(ns)]);
        const atA = listen(a);
        const atB = listen(b);
        await eventually(() => (b.publish({ type: 'poll', pollId: 'warm-up' }), has(atA.inbox, 'warm-up') > 0), 'a hears b');
        a.publish({ type: 'poll', pollId: 'once' });
        await eventually(() => has(atB.inbox, 'once') > 0, 'b hears a');
        // Anything a echoes to itself arrives on a's connection before b's later notice does.
        await eventually(() => (b.publish({ type: 'poll', pollId: 'later' }), has(atA.inbox, 'later') > 0), 'a hears b again');
        await sleep(20);
        assert.equal(has(atA.inbox, 'once'), 1);
      });
    }
  });
}
