/** Question and option text: NFC, no control or bidi-override characters, not blank once invisible ends are trimmed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pollText } from '../../src/domain/poll-text.js';
import { createPoll, editPoll } from '../../src/domain/poll.js';
import { PollcastError } from '../../src/errors.js';

const refused = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof PollcastError) return `${e.code} ${String(e.extra?.field)}`;
    throw e;
  }
  return 'ok';
};

describe('poll text', () => {
  it('refuses NUL and every other control character, and the bidi embedding/override/isolate controls', () => {
    const bad = ['\u0000', '\u0001', '\t', '\n', '\r', '\u001b[31m', '\u007f', '\u0085', '\u009f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];
    for (const c of bad) {
      assert.equal(refused(() => pollText(`Tea ${c}or coffee?`, 'question', 500)), 'invalid_poll question', JSON.stringify(c));
      assert.equal(refused(() => pollText(`Tea${c}`, 'options[1]', 200)), 'invalid_poll options[1]', JSON.stringify(c));
    }
  });

  it('refuses lone surrogates; keeps emoji and other astral characters', () => {
    assert.equal(refused(() => pollText('a\ud800b', 'question', 500)), 'invalid_poll question');
    assert.equal(refused(() => pollText('\udc00', 'question', 500)), 'invalid_poll question');
    assert.equal(pollText('Pizza 🍕 or 𝄞?', 'question', 500), 'Pizza 🍕 or 𝄞?');
    assert.equal(pollText('👩‍👩‍👧', 'o', 200), '👩‍👩‍👧', 'a zero-width joiner inside an emoji sequence stays');
  });

  it('blank after trimming whitespace and invisible characters is refused', () => {
    for (const blank of ['', ' ', '\u200b', '\u200b\u200c\u200d', '\ufeff', '\u00a0\u2060', '\u3164', '\u2800\u2800', ' \u200e ', '\u00ad']) {
      assert.equal(refused(() => pollText(blank, 'options[0]', 200)), 'invalid_poll options[0]', JSON.stringify(blank));
    }
    assert.equal(pollText('\u200b Yes \u200d', 'o', 200), 'Yes');
    assert.equal(pollText('  Oui  ', 'o', 200), 'Oui');
  });

  it('normalizes to NFC, and counts the length after', () => {
    assert.equal(pollText('Cafe\u0301', 'o', 200), 'Café');
    assert.equal(pollText('Cafe\u0301', 'o', 200).length, 4);
    assert.equal(pollText('e\u0301'.repeat(200), 'o', 200).length, 200, '400 units before, 200 after NFC: fits');
    assert.equal(refused(() => pollText('x'.repeat(201), 'o', 200)), 'invalid_poll o');
    // RTL text and its marks are fine.
    assert.equal(pollText('\u05e9\u05dc\u05d5\u05dd \u200f!', 'o', 200), '\u05e9\u05dc\u05d5\u05dd \u200f!');
  });

  it('createPoll and editPoll use it: the same option typed two ways is a repeat; a bidi override in an edit is refused', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(refused(() => createPoll('2aaaaaaaaaaa', { question: 'Where?', options: ['Café', 'Cafe\u0301'] }, 'h', now)), 'invalid_poll options[1]');
    assert.equal(refused(() => createPoll('2aaaaaaaaaaa', { question: '\u200b\u200b', options: ['a', 'b'] }, 'h', now)), 'invalid_poll question');
    const draft = createPoll('2aaaaaaaaaaa', { question: ' Where? ', options: ['Here', 'There'], status: 'draft' }, 'h', now);
    assert.equal(draft.question, 'Where?');
    assert.equal(refused(() => editPoll(draft, { question: 'Pay \u202eyeknom\u202c' }, now)), 'invalid_poll question');
    assert.equal(refused(() => editPoll(draft, { options: ['Here', 'Th\u0000ere'] }, now)), 'invalid_poll options[1]');
  });
});
