import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPollId, newPollId, shardOf } from '../../src/domain/ids.js';
import { assertVotingOpen, canSeeResults, createPoll, dueTransition, editPoll, effectiveStatus, transition } from '../../src/domain/poll.js';
import { normalizeChoice } from '../../src/domain/vote.js';
import { VoterTokens } from '../../src/domain/voter-token.js';
import { PollcastError } from '../../src/errors.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof PollcastError) return e.code;
    throw e;
  }
  return 'ok';
};

describe('poll ids', () => {
  it('carry their shard in the first character', () => {
    for (const shard of [0, 1, 7, 55]) {
      const id = newPollId(shard);
      assert.equal(shardOf(id), shard);
      assert.ok(isPollId(id), id);
    }
    assert.equal(isPollId('nope'), false);
    assert.throws(() => newPollId(56));
  });
});

describe('createPoll', () => {
  it('opens on creation, trims, gives options ids', () => {
    const p = createPoll('x', { question: '  Q?  ', options: ['A', { text: 'B' }] }, 'h', T0);
    assert.equal(p.status, 'open');
    assert.equal(p.question, 'Q?');
    assert.deepEqual(p.options.map((o) => o.text), ['A', 'B']);
    assert.notEqual(p.options[0]!.id, p.options[1]!.id);
    assert.equal(p.maxChoices, 1);
    assert.equal(p.identityMode, 'device');
    assert.equal(p.resultsVisibility, 'live');
  });
  it('stays draft when asked or when opensAt is in the future', () => {
    assert.equal(createPoll('x', { question: 'Q', options: ['A', 'B'], status: 'draft' }, 'h', T0).status, 'draft');
    assert.equal(createPoll('x', { question: 'Q', options: ['A', 'B'], opensAt: new Date(T0 + 60_000).toISOString() }, 'h', T0).status, 'draft');
  });
  it('refuses bad definitions with invalid_poll', () => {
    const bad = [
      { question: ' ', options: ['A', 'B'] },
      { question: 'x'.repeat(501), options: ['A', 'B'] },
      { question: 'Q', options: ['A'] },
      { question: 'Q', options: Array.from({ length: 101 }, (_, i) => `o${i}`) },
      { question: 'Q', options: ['A', 'A'] },
      { question: 'Q', options: ['A', 'x'.repeat(201)] },
      { question: 'Q', options: ['A', 'B'], kind: 'single' as const, maxChoices: 2 },
      { question: 'Q', options: ['A', 'B'], kind: 'multiple' as const, maxChoices: 3 },
      { question: 'Q', options: ['A', 'B'], closesAt: new Date(T0 - 1).toISOString() },
      { question: 'Q', options: ['A', 'B'], opensAt: new Date(T0 + 2000).toISOString(), closesAt: new Date(T0 + 1000).toISOString() },
      { question: 'Q', options: ['A', 'B'], opensAt: 'yesterday' },
    ];
    for (const d of bad) assert.equal(code(() => createPoll('x', d, 'h', T0)), 'invalid_poll', JSON.stringify(d).slice(0, 80));
  });
  it('multiple kind defaults maxChoices to the option count', () => {
    assert.equal(createPoll('x', { question: 'Q', options: ['A', 'B', 'C'], kind: 'multiple' }, 'h', T0).maxChoices, 3);
  });
});

describe('status and window', () => {
  const base = createPoll('x', { question: 'Q', options: ['A', 'B'], opensAt: new Date(T0 + 1000).toISOString(), closesAt: new Date(T0 + 5000).toISOString() }, 'h', T0);
  it('follows the clock', () => {
    assert.equal(effectiveStatus(base, T0), 'draft');
    assert.equal(effectiveStatus(base, T0 + 1000), 'open');
    assert.equal(effectiveStatus(base, T0 + 5000), 'closed');
    assert.equal(dueTransition(base, T0 + 1000), 'open');
    assert.equal(dueTransition(base, T0), null);
  });
  it('refuses votes outside the window', () => {
    assert.equal(code(() => assertVotingOpen(base, T0)), 'poll_not_open');
    assert.equal(code(() => assertVotingOpen(base, T0 + 2000)), 'ok');
    assert.equal(code(() => assertVotingOpen(base, T0 + 5000)), 'poll_closed');
  });
  it('transitions: open, close, reopen', () => {
    const open = transition(base, 'open', T0 + 10);
    assert.equal(open.status, 'open');
    assert.equal(code(() => transition(open, 'open', T0 + 20)), 'invalid_transition');
    const closed = transition(open, 'closed', T0 + 30);
    assert.equal(effectiveStatus(closed, T0 + 31), 'closed');
    assert.equal(code(() => transition(closed, 'closed', T0 + 40)), 'invalid_transition');
    const reopened = transition(closed, 'open', T0 + 10_000);
    assert.equal(effectiveStatus(reopened, T0 + 10_001), 'open');
  });
  it('edits only drafts and keeps ids of kept options', () => {
    const d = createPoll('x', { question: 'Q', options: ['A', 'B'], status: 'draft' }, 'h', T0);
    const e = editPoll(d, { options: ['B', 'C'] }, T0 + 1);
    assert.equal(e.options[0]!.id, d.options[1]!.id);
    assert.equal(code(() => editPoll({ ...d, status: 'open' }, { question: 'Z' }, T0)), 'poll_not_draft');
  });
  it('results visibility', () => {
    const live = { ...base, status: 'open' as const };
    assert.equal(canSeeResults(live, false, T0 + 2000), true);
    const after = { ...live, resultsVisibility: 'after_close' as const };
    assert.equal(canSeeResults(after, false, T0 + 2000), false);
    assert.equal(canSeeResults(after, true, T0 + 2000), true);
    assert.equal(canSeeResults(after, false, T0 + 6000), true);
    const owner = { ...live, resultsVisibility: 'owner_only' as const };
    assert.equal(canSeeResults(owner, false, T0 + 6000), false);
  });
});

describe('ballots', () => {
  const single = createPoll('x', { question: 'Q', options: ['A', 'B', 'C'] }, 'h', T0);
  const multi = createPoll('x', { question: 'Q', options: ['A', 'B', 'C'], kind: 'multiple', maxChoices: 2 }, 'h', T0);
  const [a, b, c] = multi.options.map((o) => o.id) as [string, string, string];
  it('normalizes to poll order', () => assert.deepEqual(normalizeChoice(multi, [b, a]), [a, b]));
  it('refuses bad ballots', () => {
    assert.equal(code(() => normalizeChoice(single, [])), 'too_few_choices');
    assert.equal(code(() => normalizeChoice(single, [single.options[0]!.id, single.options[1]!.id])), 'too_many_choices');
    assert.equal(code(() => normalizeChoice(multi, [a, b, c])), 'too_many_choices');
    assert.equal(code(() => normalizeChoice(multi, [a, a])), 'duplicate_option');
    assert.equal(code(() => normalizeChoice(multi, ['zzz'])), 'invalid_option');
  });
});

describe('voter tokens', () => {
  const t = new VoterTokens('s'.repeat(32));
  it('round-trip and reject forgeries', () => {
    const tok = t.issue('abc');
    assert.equal(t.verify(tok), 'abc');
    assert.equal(t.verify(tok.slice(0, -1) + (tok.endsWith('A') ? 'B' : 'A')), null);
    assert.equal(t.verify('v1.other.' + tok.split('.')[2]), null);
    assert.equal(new VoterTokens('x'.repeat(32)).verify(tok), null);
    assert.equal(t.verify('garbage'), null);
  });
});
