/** Open-text answers (checks, cloud words, stop words, profanity, moderation) and quiz scoring and ranking. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTextAnswer, cloudWords, moderate, WORDS_PER_ANSWER } from '../../src/domain/text-answer.js';
import { isProfane, isProfaneWord } from '../../src/domain/profanity.js';
import { nicknameKey, quizPoints, rankLeaderboard } from '../../src/domain/quiz.js';
import { ENGLISH_STOP_WORDS } from '../../src/domain/stop-words.js';
import { createPoll, publicPoll, transition } from '../../src/domain/poll.js';
import { PollcastError } from '../../src/errors.js';

const code = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof PollcastError ? err.code : String(err);
  }
  return 'ok';
};

describe('text answers: checks', () => {
  it('trims invisible edges, normalizes to NFC, counts length on the normalized text', () => {
    assert.equal(checkTextAnswer('\u200b  Cafe\u0301 \ufeff', 200), 'Café');
    assert.equal(checkTextAnswer('e\u0301'.repeat(5), 5), 'é'.repeat(5));
  });
  it('refuses empty, blank, too long, control, bidi-override and lone-surrogate text with their codes', () => {
    assert.equal(code(() => checkTextAnswer(undefined, 10)), 'text_required');
    assert.equal(code(() => checkTextAnswer('', 10)), 'text_required');
    assert.equal(code(() => checkTextAnswer(' \u200b\u00ad ', 10)), 'text_required');
    assert.equal(code(() => checkTextAnswer('x'.repeat(11), 10)), 'text_too_long');
    assert.equal(code(() => checkTextAnswer('\u202e', 10)), 'text_invalid');
    assert.equal(code(() => checkTextAnswer('a\nb', 10)), 'text_invalid');
    assert.equal(code(() => checkTextAnswer('a\u2067b', 10)), 'text_invalid');
    assert.equal(code(() => checkTextAnswer('\udc00', 10)), 'text_invalid');
  });
  it('keeps HTML as typed', () => {
    assert.equal(checkTextAnswer('<img src=x onerror=alert(1)>', 200), '<img src=x onerror=alert(1)>');
  });
});

describe('text answers: cloud words', () => {
  it('lower case, NFC, split on anything but letters, digits and inner apostrophes, distinct per answer', () => {
    assert.deepEqual(cloudWords('Rust, RUST & rust! Cafe\u0301 café'), ['rust', 'café']);
    assert.deepEqual(cloudWords("rock'n'roll ‘quoted’ don’t"), ["rock'n'roll", 'quoted']);
    assert.deepEqual(cloudWords('Ünïcode 東京 2026'), ['ünïcode', '東京', '2026']);
  });
  it('drops English stop words and one-letter words', () => {
    assert.ok(ENGLISH_STOP_WORDS.has('the') && ENGLISH_STOP_WORDS.has("don't"));
    assert.deepEqual(cloudWords('The best of the best is a b c'), ['best']);
    assert.deepEqual(cloudWords('I am what I am'), []);
  });
  it('HTML counts as words, never as markup', () => {
    assert.deepEqual(cloudWords('<script>alert(1)</script>'), ['script', 'alert']);
  });
  it('drops listed profanity only when asked, disguises included', () => {
    assert.deepEqual(cloudWords('great shit show'), ['great', 'shit', 'show']);
    assert.deepEqual(cloudWords('great shit SH1T show', { profanityFilter: true }), ['great', 'show']);
  });
  it('counts at most WORDS_PER_ANSWER words of one answer', () => {
    const words = Array.from({ length: 100 }, (_, i) => `w${i}`).join(' ');
    assert.equal(cloudWords(words).length, WORDS_PER_ANSWER);
  });
});

describe('profanity list', () => {
  it('catches words, case, accents, digits for letters, repeats and separators; not innocent neighbours', () => {
    for (const w of ['fuck', 'FUCK', 'fúck', 'fuuuck', 'sh1t', 'b!tch', 'f.u.c.k', 'shithead']) assert.ok(isProfane(w), w);
    for (const w of ['Scunthorpe', 'Sussex', 'class', 'assess', 'Dickens', 'Zoë', 'Player 155x']) assert.ok(!isProfane(w), w);
    assert.ok(isProfaneWord('Wanker'));
  });
});

describe('moderation steps', () => {
  it('hide takes a shown answer out of the cloud once; approve shows pending or hidden answers', () => {
    assert.deepEqual(moderate('shown', false, 'hide'), { state: 'hidden', approved: false, cloud: -1 });
    assert.deepEqual(moderate('hidden', false, 'hide'), { state: 'hidden', approved: false, cloud: 0 });
    assert.deepEqual(moderate('pending', false, 'hide'), { state: 'hidden', approved: false, cloud: 0 });
    assert.deepEqual(moderate('pending', false, 'approve'), { state: 'shown', approved: true, cloud: 1 });
    assert.deepEqual(moderate('hidden', false, 'approve'), { state: 'shown', approved: true, cloud: 1 });
    assert.deepEqual(moderate('shown', false, 'approve'), { state: 'shown', approved: true, cloud: 0 });
  });
});

describe('quiz scoring', () => {
  const spec = { timeLimitSec: 20, maxPoints: 1000, minPoints: 500 };
  it('falls linearly from 1000 at opening to 500 at the limit, rounded; wrong answers 0', () => {
    assert.equal(quizPoints(spec, true, 0), 1000);
    assert.equal(quizPoints(spec, true, 10_000), 750);
    assert.equal(quizPoints(spec, true, 20_000), 500);
    assert.equal(quizPoints(spec, true, 1), 1000);
    assert.equal(quizPoints(spec, true, 33), 999);
    assert.equal(quizPoints(spec, false, 0), 0);
  });
  it('clamps times outside the window (clock skew between processes, a late commit)', () => {
    assert.equal(quizPoints(spec, true, -500), 1000);
    assert.equal(quizPoints(spec, true, 25_000), 500);
  });
});

describe('quiz leaderboard: tie rule', () => {
  const row = (nickname: string, score: number, correctMs: number) => ({ voterId: nickname, nickname, score, correctMs, answered: 1, correct: score > 0 ? 1 : 0 });
  it('score first, then the lower total time of correct answers; equal on both share a rank (1, 2, 2, 4), listed by nickname', () => {
    const board = rankLeaderboard([row('dan', 900, 5000), row('bea', 1500, 9000), row('cal', 900, 5000), row('ann', 900, 4000), row('eve', 0, 0)]);
    assert.deepEqual(
      board.map((e) => `${e.rank} ${e.nickname}`),
      ['1 bea', '2 ann', '3 cal', '3 dan', '5 eve'],
    );
  });
  it('an empty board is empty', () => {
    assert.deepEqual(rankLeaderboard([]), []);
  });
  it('nickname keys ignore case and accents', () => {
    assert.equal(nicknameKey('ZOË'), nicknameKey('zoe'));
    assert.notEqual(nicknameKey('zoe'), nicknameKey('zoey'));
  });
});

describe('quiz questions: the window runs from the opening', () => {
  it('created open: closes timeLimitSec later; opened later: the window starts then; correct options public only once closed', () => {
    const t0 = Date.parse('2026-05-01T10:00:00Z');
    const draft = { question: 'Q?', kind: 'quiz' as const, timeLimitSec: 15, options: [{ text: 'a', correct: true }, 'b'] };
    const p = createPoll('q1', draft, 'h', t0);
    assert.deepEqual([p.opensAt, p.closesAt], [t0, t0 + 15_000]);
    const d = createPoll('q2', { ...draft, status: 'draft' }, 'h', t0);
    const opened = transition(d, 'open', t0 + 60_000);
    assert.deepEqual([opened.opensAt, opened.closesAt], [t0 + 60_000, t0 + 75_000]);
    assert.equal(publicPoll(opened, t0 + 61_000).quiz?.correctOptionIds, undefined);
    assert.deepEqual(publicPoll(opened, t0 + 75_000).quiz?.correctOptionIds, [p.options[0]!.id].map(() => opened.options[0]!.id));
  });
});
