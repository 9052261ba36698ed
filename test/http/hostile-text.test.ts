/**
 * Hostile text through the HTTP API, on embedded SQLite and on PostgreSQL (which refuses NUL in a
 * text column): question and option text with NUL, control or bidi-override characters or only
 * invisible characters is 422 invalid_poll (on PostgreSQL a NUL was a 500).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startTestApp, testBackend, useTestBackend, voteHeaders, type TestApp } from '../support/app.js';
import { assertProblem } from '../support/problem.js';
import { needServices } from '../support/services.js';

const pgSkip = await needServices('postgres', 'redis', 'nats');

for (const backend of ['embedded', 'distributed'] as const) {
  describe(`HTTP: hostile text (${backend})`, { skip: backend === 'distributed' ? pgSkip : false }, () => {
    let t: TestApp;
    before(async () => {
      const was = testBackend();
      useTestBackend(backend);
      try {
        // A long batch window, so concurrent votes share one batch (one INSERT on PostgreSQL).
        t = await startTestApp({ GROUP_COMMIT_MAX_WAIT_MS: '50', GROUP_COMMIT_MAX_BATCH: '500' });
      } finally {
        useTestBackend(was);
      }
      assert.equal(t.backend, backend);
    });
    after(() => t?.stop());

    it('question and option text: NUL, control, bidi-override and invisible-only text → 422 invalid_poll; NFC is stored', async () => {
      const cases: Array<[string, Record<string, unknown>, string]> = [
        ['NUL in the question', { question: 'Tea\u0000?', options: ['a', 'b'] }, 'question'],
        ['escape sequence in an option', { question: 'Q?', options: ['a', '\u001b[2Jb'] }, 'options[1]'],
        ['newline in an option', { question: 'Q?', options: ['a\nb', 'c'] }, 'options[0]'],
        ['right-to-left override', { question: 'Q?', options: ['pay \u202eyeknom', 'b'] }, 'options[0]'],
        ['isolate', { question: '\u2067Q?\u2069', options: ['a', 'b'] }, 'question'],
        ['zero-width only question', { question: '\u200b\u200c\u200d\ufeff', options: ['a', 'b'] }, 'question'],
        ['zero-width only option', { question: 'Q?', options: ['a', { text: '\u200b \u2060' }] }, 'options[1]'],
        ['lone surrogate', { question: 'Q\ud800?', options: ['a', 'b'] }, 'question'],
      ];
      for (const [name, body, field] of cases) {
        const r = await call(t.url, 'POST', '/v1/polls', body);
        assertProblem(r, 'invalid_poll', name);
        assert.equal(r.json.field, field, name);
      }
      const ok = await call(t.url, 'POST', '/v1/polls', { question: '\u200b Cafe\u0301? ', options: ['Thé', 'Cafe\u0301'] });
      assert.equal(ok.status, 201, ok.text);
      assert.equal(ok.json.poll.question, 'Café?');
      assert.equal(ok.json.poll.options[1].text, 'Café');
      const draft = await call(t.url, 'POST', '/v1/polls', { question: 'Q?', options: ['a', 'b'], status: 'draft' });
      const edit = await call(t.url, 'PATCH', `/v1/polls/${draft.json.poll.id}`, { options: ['a', 'b\u0000'] }, voteHeaders(draft.json.ownerToken));
      assertProblem(edit, 'invalid_poll', 'edit');
    });
  });
}
