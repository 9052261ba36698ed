/** The web app's pure helpers agree with the server: every error code has a sentence; join codes use the id alphabet. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ERRORS } from '../../src/errors.js';
import { ID_ALPHABET, newPollId } from '../../src/domain/ids.js';
import { CLIENT_MESSAGES, ERROR_MESSAGES, messageFor } from '../../web/src/lib/error-messages.js';
import { formatJoinCode, ID_ALPHABET as WEB_ALPHABET, parseJoinCode } from '../../web/src/lib/join-code.js';

describe('web error messages', () => {
  it('every error code the API can return has a human sentence (and no message for a code that does not exist)', () => {
    assert.deepEqual(Object.keys(ERROR_MESSAGES).sort(), Object.keys(ERRORS).sort());
    for (const [code, text] of [...Object.entries(ERROR_MESSAGES), ...Object.entries(CLIENT_MESSAGES)]) {
      assert.match(text, /^[A-Zp].{15,}[.]$/, `${code}: a full sentence`);
      assert.doesNotMatch(text, /[{}_]|\bnull\b|undefined/, `${code}: no code-speak`);
      assert.equal(messageFor(code), text);
    }
  });

  it('an unknown code still gets a sentence, by status', () => {
    assert.match(messageFor('brand_new_code', 503), /server had a problem/);
    assert.equal(messageFor('brand_new_code', 418), CLIENT_MESSAGES.unexpected);
  });
});

describe('web join codes', () => {
  it('use the poll id alphabet', () => assert.equal(WEB_ALPHABET, ID_ALPHABET));

  it('a poll id round-trips through its grouped code, typed with spaces or dashes', () => {
    for (let i = 0; i < 50; i++) {
      const id = newPollId(i % 4);
      const code = formatJoinCode(id);
      assert.match(code, /^.{4}-.{4}-.{4}$/);
      assert.equal(parseJoinCode(code), id);
      assert.equal(parseJoinCode(` ${code.replace(/-/g, ' ')} `), id);
    }
    assert.equal(parseJoinCode('abc'), null);
    assert.equal(parseJoinCode('0000-0000-0000'), null, '0 is not in the alphabet');
  });
});
