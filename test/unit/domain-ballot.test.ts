/** Question kinds: definitions (createPoll/editPoll) and ballots (normalizeBallot), each bad input with its own code. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ballotView, normalizeBallot } from '../../src/domain/ballot.js';
import { createPoll, editPoll, publicPoll, type PollDraft } from '../../src/domain/poll.js';
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
const make = (d: PollDraft) => createPoll('P1', d, 'h', T0);

describe('question kinds: definitions', () => {
  it('ranked: maxRank defaults to every option and is shown as maxRank', () => {
    const p = make({ question: 'Rank', options: ['a', 'b', 'c'], kind: 'ranked' });
    assert.equal(p.maxChoices, 3);
    assert.equal(publicPoll(p, T0).maxRank, 3);
    assert.equal(make({ question: 'Rank', options: ['a', 'b', 'c'], kind: 'ranked', maxRank: 2 }).maxChoices, 2);
    assert.equal(
      code(() => make({ question: 'Rank', options: ['a', 'b'], kind: 'ranked', maxRank: 3 })),
      'invalid_poll',
    );
  });

  it('rating: default scale 1–5, custom scales within 0–10, one label per value', () => {
    assert.deepEqual(make({ question: 'Rate', kind: 'rating' }).scale, { min: 1, max: 5 });
    assert.deepEqual(make({ question: 'Rate', kind: 'rating', scale: { min: 0, max: 10 } }).scale, { min: 0, max: 10 });
    const labelled = make({
      question: 'Rate',
      kind: 'rating',
      scale: { min: 1, max: 3, labels: ['bad', 'ok', 'good'] },
    });
    assert.deepEqual(labelled.scale?.labels, ['bad', 'ok', 'good']);
    assert.equal(
      code(() => make({ question: 'Rate', kind: 'rating', scale: { min: 1, max: 11 } })),
      'invalid_poll',
    );
    assert.equal(
      code(() => make({ question: 'Rate', kind: 'rating', scale: { min: 3, max: 3 } })),
      'invalid_poll',
    );
    assert.equal(
      code(() => make({ question: 'Rate', kind: 'rating', scale: { min: 1, max: 3, labels: ['a', 'b'] } })),
      'invalid_poll',
    );
    assert.equal(
      code(() => make({ question: 'Rate', kind: 'rating', options: ['a', 'b'] })),
      'invalid_poll',
    );
  });

  it('nps: always 0–10, no options; choice kinds take no scale', () => {
    assert.deepEqual(make({ question: 'Recommend?', kind: 'nps' }).scale, { min: 0, max: 10 });
    assert.equal(
      code(() => make({ question: 'Recommend?', kind: 'nps', scale: { min: 1, max: 5 } })),
      'invalid_poll',
    );
    assert.equal(
      code(() => make({ question: 'Q', options: ['a', 'b'], scale: { min: 1, max: 5 } })),
      'invalid_poll',
    );
    assert.equal(
      code(() => make({ question: 'Q' })),
      'invalid_poll',
    );
  });

  it('a draft turned into a rating question drops its options and gets the default scale', () => {
    const p = make({ question: 'Q', options: ['a', 'b'], status: 'draft' });
    const r = editPoll(p, { kind: 'rating' }, T0 + 1);
    assert.deepEqual([r.options, r.scale, r.maxChoices], [[], { min: 1, max: 5 }, 1]);
  });
});

describe('question kinds: ballots', () => {
  const ranked = make({ question: 'Rank', options: ['a', 'b', 'c'], kind: 'ranked', maxRank: 2 });
  const [A, B, C] = ranked.options.map((o) => o.id) as [string, string, string];
  const rating = make({ question: 'Rate', kind: 'rating' });
  const nps = make({ question: 'NPS', kind: 'nps' });
  const single = make({ question: 'One', options: ['a', 'b'] });

  it('ranked keeps the voter order', () => {
    assert.deepEqual(normalizeBallot(ranked, { optionIds: [B, A] }), [B, A]);
    assert.deepEqual(normalizeBallot(ranked, { optionIds: [C] }), [C]);
  });

  it('ranked: repeats, unknown ids, too many ranks, a value, nothing', () => {
    assert.equal(
      code(() => normalizeBallot(ranked, { optionIds: [A, A] })),
      'ranking_repeats_option',
    );
    assert.equal(
      code(() => normalizeBallot(ranked, { optionIds: [A, 'zzz'] })),
      'ranking_unknown_option',
    );
    assert.equal(
      code(() => normalizeBallot(ranked, { optionIds: [A, B, C] })),
      'too_many_ranks',
    );
    assert.equal(
      code(() => normalizeBallot(ranked, { optionIds: [A], value: 3 })),
      'value_not_accepted',
    );
    assert.equal(
      code(() => normalizeBallot(ranked, {})),
      'too_few_choices',
    );
  });

  it('rating and nps: a value token; off scale, fractions, options and a missing value refused', () => {
    assert.deepEqual(normalizeBallot(rating, { value: 5 }), ['=5']);
    assert.deepEqual(normalizeBallot(nps, { value: 0 }), ['=0']);
    assert.equal(
      code(() => normalizeBallot(rating, { value: 6 })),
      'value_out_of_scale',
    );
    assert.equal(
      code(() => normalizeBallot(rating, { value: 0 })),
      'value_out_of_scale',
    );
    assert.equal(
      code(() => normalizeBallot(nps, { value: 11 })),
      'value_out_of_scale',
    );
    assert.equal(
      code(() => normalizeBallot(nps, { value: -1 })),
      'value_out_of_scale',
    );
    assert.equal(
      code(() => normalizeBallot(rating, { value: 2.5 })),
      'value_not_integer',
    );
    assert.equal(
      code(() => normalizeBallot(nps, { optionIds: ['x'] })),
      'options_not_accepted',
    );
    assert.equal(
      code(() => normalizeBallot(nps, { optionIds: ['x'], value: 3 })),
      'options_not_accepted',
    );
    assert.equal(
      code(() => normalizeBallot(rating, {})),
      'value_required',
    );
  });

  it('choice questions refuse a value', () => {
    assert.equal(
      code(() => normalizeBallot(single, { value: 1 })),
      'value_not_accepted',
    );
    assert.equal(
      code(() => normalizeBallot(single, {})),
      'too_few_choices',
    );
  });

  it('ballotView shows a value token as value, option ids as they are', () => {
    assert.deepEqual(ballotView(['=7']), { optionIds: [], value: 7 });
    assert.deepEqual(ballotView([A, B]), { optionIds: [A, B] });
  });
});
