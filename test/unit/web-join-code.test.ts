/** The web app's join-code parsing agrees with the server's alphabets and rules; percentages add up to 100. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CODE_ALPHABET, normalizeJoinCode } from '../../src/domain/event.js';
import { ID_ALPHABET as SERVER_ID_ALPHABET } from '../../src/domain/ids.js';
import { EVENT_CODE_ALPHABET, ID_ALPHABET, parseEventCode, parseJoinCode } from '../../web/src/lib/join-code.js';
import { percents } from '../../web/src/lib/percents.js';

describe('web join codes', () => {
  it('use the server alphabets', () => {
    assert.equal(ID_ALPHABET, SERVER_ID_ALPHABET);
    assert.equal(EVENT_CODE_ALPHABET, CODE_ALPHABET);
  });

  it('event codes: any case, dashes and spaces ignored, the same answer as the server', () => {
    for (const typed of ['K7TA9X', 'k7ta9x', 'k7t-a9x', ' K7T A9X ', 'ACEFGHJK', 'ACEFGHJKM', 'O0O0', 'abc', '']) {
      assert.equal(parseEventCode(typed), normalizeJoinCode(typed.replace(/[.·_]/g, '')), typed);
    }
    assert.equal(parseEventCode('k7ta9x'), 'K7TA9X');
    assert.equal(parseJoinCode('k7ta9x'), null);
  });
});

describe('percentages by largest remainder', () => {
  it('add up to exactly 100 where rounding each would give 100.1 or 99.9', () => {
    const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) * 10) / 10;
    assert.deepEqual(percents([1, 1, 1], 3), [33.4, 33.3, 33.3]);
    assert.equal(sum(percents([1, 1, 1], 3)), 100);
    assert.equal(sum(percents([2, 2, 2, 1, 1, 1, 1, 1, 1], 12)), 100);
    assert.equal(sum(percents([5, 7, 11, 13], 36)), 100);
    assert.deepEqual(percents([0, 0], 0), [0, 0]);
    assert.deepEqual(percents([3, 1], 4), [75, 25]);
  });
});
