/** Rating and NPS arithmetic (src/domain/rating.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { histogramFromTallies, npsStats, ratingStats, tokenValue, valueToken } from '../../src/domain/rating.js';

const hist = (counts: Record<number, number>, min = 1, max = 5) => {
  const out = [];
  for (let v = min; v <= max; v++) out.push({ value: v, votes: counts[v] ?? 0 });
  return out;
};

describe('rating statistics', () => {
  it('count, mean, median (odd count) and the histogram', () => {
    const s = ratingStats(hist({ 1: 1, 3: 2, 4: 1, 5: 1 }));
    assert.equal(s.count, 5);
    assert.equal(s.mean, 3.2);
    assert.equal(s.median, 3);
    assert.deepEqual(
      s.histogram.map((b) => b.votes),
      [1, 0, 2, 1, 1],
    );
  });

  it('an even count: the median is the mean of the two middle answers', () => {
    assert.equal(ratingStats(hist({ 1: 1, 3: 1, 4: 1, 5: 1 })).median, 3.5);
    assert.equal(ratingStats(hist({ 2: 2 })).median, 2);
  });

  it('the mean is rounded to two decimals', () => {
    assert.equal(ratingStats(hist({ 1: 1, 2: 1, 5: 1 })).mean, 2.67);
  });

  it('nobody answered: count 0, mean and median null', () => {
    assert.deepEqual(ratingStats(hist({})), { count: 0, mean: null, median: null, histogram: hist({}) });
  });

  it('a 0–10 scale', () => {
    const s = ratingStats(hist({ 0: 1, 10: 1 }, 0, 10));
    assert.equal(s.mean, 5);
    assert.equal(s.median, 5);
    assert.equal(s.histogram.length, 11);
  });
});

describe('NPS', () => {
  it('promoters 9–10, passives 7–8, detractors 0–6, score = % promoters − % detractors', () => {
    const s = npsStats(hist({ 0: 1, 6: 1, 7: 1, 8: 1, 9: 1, 10: 2 }, 0, 10));
    assert.deepEqual([s.count, s.promoters, s.passives, s.detractors], [7, 3, 2, 2]);
    assert.equal(s.score, 14.3);
  });

  it('all detractors → −100; all promoters → 100; only passives → 0', () => {
    assert.equal(npsStats(hist({ 3: 4 }, 0, 10)).score, -100);
    assert.equal(npsStats(hist({ 9: 1, 10: 1 }, 0, 10)).score, 100);
    assert.equal(npsStats(hist({ 7: 5 }, 0, 10)).score, 0);
  });

  it('nobody answered: score null', () => {
    assert.equal(npsStats(hist({}, 0, 10)).score, null);
  });
});

describe('value tokens', () => {
  it('round-trip and refuse non-values', () => {
    assert.equal(tokenValue(valueToken(7)), 7);
    assert.equal(tokenValue(valueToken(0)), 0);
    assert.equal(tokenValue('abc'), null);
    assert.equal(tokenValue('=x'), null);
    assert.equal(tokenValue(undefined), null);
  });

  it('histogram from tallies covers the scale and ignores other keys', () => {
    const t = new Map([
      [valueToken(2), 3],
      [valueToken(11), 9],
      ['opt', 4],
    ]);
    assert.deepEqual(histogramFromTallies(t, { min: 1, max: 3 }), [
      { value: 1, votes: 0 },
      { value: 2, votes: 3 },
      { value: 3, votes: 0 },
    ]);
  });
});
