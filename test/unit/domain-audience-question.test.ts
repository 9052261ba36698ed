/** Audience Q&A domain rules: text and names, moderation, both orders (and the web app's copy of them), the upvote planner. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  askerName,
  compareQuestions,
  DEFAULT_QA,
  moderate,
  newAudienceQuestion,
  planUpvotes,
  publicAudienceQuestion,
  questionText,
  type AudienceQuestion,
  type UpvoteOp,
  type UpvoteTarget,
} from '../../src/domain/audience-question.js';
import { PollcastError } from '../../src/errors.js';
import { sortQuestions } from '../../web/src/lib/qa.js';

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof PollcastError) return err.code;
    throw err;
  }
  return 'ok';
};

let n = 0;
const q = (over: Partial<AudienceQuestion> = {}): AudienceQuestion => ({
  id: `aq_${String(++n).padStart(12, '0')}`,
  eventId: 'ev_1',
  voterKey: 'd:x',
  name: null,
  text: 't',
  state: 'visible',
  pinned: false,
  answered: false,
  upvotes: 0,
  createdAt: 1_000 + n,
  updatedAt: 1_000 + n,
  ...over,
});

describe('audience question text and names', () => {
  it('text: NFC, trimmed, 1–300 characters, no controls or bidi overrides; HTML kept as typed', () => {
    assert.equal(questionText('  e\u0301 \u200b'), 'é');
    assert.equal(questionText('<script>x</script>'), '<script>x</script>');
    assert.equal(questionText('y'.repeat(300)), 'y'.repeat(300));
    assert.equal(code(() => questionText('y'.repeat(301))), 'qa_text_too_long');
    for (const bad of ['', ' ', '\u200b\u3164', '\u0000', '\u202e', 'a\u2067b', 'a\nb', '\ud800'])
      assert.equal(code(() => questionText(bad)), 'qa_text_invalid', JSON.stringify(bad));
  });

  it('names follow the event: optional, required, off; at most 40 characters', () => {
    assert.equal(askerName(undefined, 'optional'), null);
    assert.equal(askerName('  ', 'optional'), null);
    assert.equal(askerName(' Ada ', 'optional'), 'Ada');
    assert.equal(code(() => askerName(undefined, 'required')), 'qa_name_required');
    assert.equal(code(() => askerName('Ada', 'off')), 'qa_name_not_allowed');
    assert.equal(askerName(undefined, 'off'), null);
    assert.equal(code(() => askerName('n'.repeat(41), 'optional')), 'qa_name_invalid');
    assert.equal(code(() => askerName('a\u202eb', 'optional')), 'qa_name_invalid');
  });

  it('a new question is pending under pre-moderation, refused when Q&A is off; the public view never names the voter', () => {
    const post = newAudienceQuestion('aq_1', 'ev_1', 'd:secret', 'Hi', undefined, DEFAULT_QA, 5);
    assert.equal(post.state, 'visible');
    assert.equal(newAudienceQuestion('aq_2', 'ev_1', 'd:x', 'Hi', undefined, { ...DEFAULT_QA, moderation: 'pre' }, 5).state, 'pending');
    assert.equal(code(() => newAudienceQuestion('aq_3', 'ev_1', 'd:x', 'Hi', undefined, { ...DEFAULT_QA, enabled: false }, 5)), 'qa_closed');
    assert.doesNotMatch(JSON.stringify(publicAudienceQuestion(post)), /secret/);
  });

  it('moderation: hiding unpins; the update time always moves', () => {
    const a = q({ pinned: true, updatedAt: 50 });
    const hidden = moderate(a, { state: 'hidden', pinned: true }, 10);
    assert.deepEqual([hidden.state, hidden.pinned, hidden.updatedAt], ['hidden', false, 51]);
    const answered = moderate(a, { answered: true }, 100);
    assert.deepEqual([answered.state, answered.pinned, answered.answered], ['visible', true, true]);
  });
});

describe('orders', () => {
  it('pinned, then open before answered; top by upvotes (older first), recent newest first; the web app sorts the same', () => {
    const old = q({ upvotes: 3 });
    const tie = q({ upvotes: 3 });
    const fresh = q({ upvotes: 1 });
    const pinned = q({ pinned: true });
    const answered = q({ upvotes: 10, answered: true });
    const all = [fresh, answered, tie, pinned, old];
    assert.deepEqual([...all].sort(compareQuestions('top')), [pinned, old, tie, fresh, answered]);
    assert.deepEqual([...all].sort(compareQuestions('recent')), [pinned, fresh, tie, old, answered]);
    for (const sort of ['top', 'recent'] as const) {
      const web = sortQuestions(all.map(publicAudienceQuestion), sort).map((x) => x.id);
      assert.deepEqual(web, [...all].sort(compareQuestions(sort)).map((x) => x.id), sort);
    }
  });
});

describe('planUpvotes', () => {
  const targets = new Map<string, UpvoteTarget>([
    ['q1', { eventId: 'e', state: 'visible', upvotes: 4 }],
    ['q2', { eventId: 'e', state: 'pending', upvotes: 0 }],
  ]);
  const op = (voterKey: string, up = true, questionId = 'q1', eventId = 'e'): UpvoteOp => ({ eventId, questionId, voterKey, up, at: 1 });

  it('applies each voter’s ops in order against the stored rows; writes only the net change', () => {
    const rows = new Set(['q1/b']);
    const plan = planUpvotes([op('a'), op('a'), op('b'), op('b', false), op('b', false), op('c', false), op('a', false), op('a')], targets, (qq, v) => rows.has(`${qq}/${v}`));
    assert.deepEqual(
      plan.outcomes.map((o) => o.kind),
      ['upvoted', 'already', 'already', 'removed', 'not_upvoted', 'not_upvoted', 'removed', 'upvoted'],
    );
    // Rows: a added, b removed → 4 + 1 − 1.
    assert.deepEqual(plan.inserts.map((x) => x.slice(0, 2)), [['q1', 'a']]);
    assert.deepEqual(plan.deletes, [['q1', 'b']]);
    assert.equal(plan.deltas.size, 0, 'one in, one out: the count stays');
    assert.ok(plan.outcomes.every((o) => o.kind === 'unknown' || o.upvotes === 4));
    assert.deepEqual([...plan.events], []);
  });

  it('unknown, pending, or another event’s question: unknown, nothing written', () => {
    const plan = planUpvotes([op('a', true, 'q2'), op('a', true, 'q9'), op('a', true, 'q1', 'other')], targets, () => false);
    assert.deepEqual(plan.outcomes, [{ kind: 'unknown' }, { kind: 'unknown' }, { kind: 'unknown' }]);
    assert.deepEqual([plan.inserts, plan.deletes, plan.deltas.size], [[], [], 0]);
  });

  it('1,000 voters and one voter 50 times in one batch: 1,001 rows, the count after the batch on every answer', () => {
    const ops = [...Array.from({ length: 1_000 }, (_, i) => op(`v${i}`)), ...Array.from({ length: 50 }, () => op('same'))];
    const plan = planUpvotes(ops, targets, () => false);
    assert.equal(plan.inserts.length, 1_001);
    assert.equal(plan.deltas.get('q1'), 1_001);
    assert.equal(plan.outcomes.filter((o) => o.kind === 'already').length, 49);
    assert.ok(plan.outcomes.every((o) => o.kind !== 'unknown' && o.upvotes === 1_005));
    assert.deepEqual([...plan.events], ['e']);
  });
});
