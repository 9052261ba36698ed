/**
 * Commit and notify, on the embedded store and the in-memory notifier: one notice per poll per
 * batch, each answer rendered exactly once (inside the transaction for idempotent votes).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MemoryNotifier } from '../../../src/adapters/embedded/memory-notifier.js';
import { SqliteStore } from '../../../src/adapters/embedded/sqlite-store.js';
import type { VoteAnswers } from '../../../src/core/vote/vote-answers.js';
import { VoteCommitter } from '../../../src/core/vote/vote-committer.js';
import type { VoteCommand } from '../../../src/domain/vote.js';
import type { Notice } from '../../../src/ports/notifier.js';
import { httpVoteAnswers } from '../../../src/http/vote-answers.js';
import { noopTracing } from '../../../src/ports/tracing.js';
import { Clock, poll } from './fixtures.js';

describe('VoteCommitter', () => {
  let dir: string;
  let store: SqliteStore;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pollcast-committer-'));
    store = new SqliteStore({ dataDir: dir, sync: 'normal' });
    await store.migrate();
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a batch of votes: one results notice per poll, every answer rendered once, duplicates and replays answered', async () => {
    const clock = new Clock(Date.now());
    const p1 = poll({ id: 'AAAAAAAAAAAA' });
    const p2 = poll({ id: 'BBBBBBBBBBBB' });
    await store.createPoll(p1);
    await store.createPoll(p2);
    const notifier = new MemoryNotifier();
    const notices: Notice[] = [];
    notifier.subscribe((n) => notices.push(n));
    let renders = 0;
    const answers: VoteAnswers = {
      render: (cmd, o) => {
        renders++;
        return httpVoteAnswers.render(cmd, o);
      },
      withToken: httpVoteAnswers.withToken,
    };
    const committer = new VoteCommitter(store, notifier, answers, noopTracing, { maxBatch: 100, maxWaitMs: 5, maxInFlight: 1, maxQueue: 1000 }, undefined, clock.now);
    const [a1] = p1.options.map((o) => o.id);
    const [b1] = p2.options.map((o) => o.id);
    const cmd = (pollId: string, voterId: string, optionId: string, key?: string): VoteCommand => ({
      pollId,
      voterId,
      optionIds: [optionId],
      receiptId: `r_${voterId}_${key ?? ''}`.slice(0, 20),
      at: clock.now(),
      ...(key ? { idempotency: { key, requestHash: 'h-' + key } } : {}),
    });
    const out = await Promise.all([
      committer.submit(cmd(p1.id, 'd:1', a1!)),
      committer.submit(cmd(p1.id, 'd:2', a1!, 'k1')),
      committer.submit(cmd(p1.id, 'd:1', a1!)),
      committer.submit(cmd(p2.id, 'd:1', b1!)),
      committer.submit({ ...cmd(p1.id, 'd:3', a1!), idempotency: { key: 'k1', requestHash: 'another request' } }),
    ]);
    assert.deepEqual(
      out.map((c) => c.outcome.kind),
      ['counted', 'counted', 'duplicate', 'counted', 'key_reused'],
    );
    assert.deepEqual(
      out.map((c) => c.answer.status),
      [201, 201, 409, 201, 422],
    );
    assert.equal(renders, 5, 'one render per vote, none twice');
    await new Promise((r) => setImmediate(r));
    const results = notices.filter((n) => n.type === 'results');
    assert.equal(results.length, 2, 'one notice per poll for the batch');
    assert.deepEqual(new Set(results.map((n) => n.pollId)), new Set([p1.id, p2.id]));
    // A retry of k1 with the same hash, in a later batch, replays the stored bytes.
    const again = await committer.submit({ ...cmd(p1.id, 'd:9', a1!, 'k1'), idempotency: { key: 'k1', requestHash: 'h-k1' } });
    assert.equal(again.outcome.kind, 'replay');
    assert.equal(again.answer.body, out[1]!.answer.body);
    assert.equal(await store.countVotes(p1.id), 2);
  });

  it('withToken appends the voter token as the last member of the JSON answer', () => {
    const stored = { status: 201, requestHash: '', body: '{"a":1}' };
    assert.deepEqual(JSON.parse(httpVoteAnswers.withToken(stored, 'v1.x.y').body), { a: 1, voterToken: 'v1.x.y' });
  });
});
