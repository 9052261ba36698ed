/**
 * Hostile text through the HTTP API, on embedded SQLite and on PostgreSQL (which refuses NUL in a
 * text column): question and option text with NUL, control or bidi-override characters or only
 * invisible characters is 422 invalid_poll; a voterId with a NUL or another control character is
 * 400 validation_failed before it reaches a vote batch — so in a batch of concurrent votes on
 * PostgreSQL the other voters' votes are all counted.
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

    it('a batch of concurrent open-mode votes with one NUL voterId: that one is 400, every other vote is counted', async () => {
      const created = await call(t.url, 'POST', '/v1/polls', { question: 'Who?', options: ['a', 'b'], identityMode: 'open' });
      assert.equal(created.status, 201, created.text);
      const { poll, ownerToken } = created.json;
      const opt = poll.options[0].id as string;
      const ids = Array.from({ length: 40 }, (_, i) => `voter-${i}`);
      const hostile = ['evil\u0000voter', 'bell\u0007', 'del\u007f'];
      const sent = [...ids.slice(0, 20), ...hostile, ...ids.slice(20)];
      const answers = await Promise.all(sent.map((voterId) => call(t.url, 'POST', `/v1/polls/${poll.id}/votes`, { optionIds: [opt], voterId }, voteHeaders(ownerToken))));
      answers.forEach((a, i) => {
        if (hostile.includes(sent[i]!)) assertProblem(a, 'validation_failed', JSON.stringify(sent[i]));
        else assert.equal(a.status, 201, `${sent[i]}: ${a.status} ${a.text}`);
      });
      const results = await call(t.url, 'GET', `/v1/polls/${poll.id}/results`);
      assert.equal(results.json.total, ids.length);
      // Looking a vote up by such an id is refused the same way, never a database error.
      assertProblem(await call(t.url, 'GET', `/v1/polls/${poll.id}/votes/me?voterId=${encodeURIComponent('evil\u0000voter')}`, undefined, voteHeaders(ownerToken)), 'validation_failed', 'votes/me');
      assert.equal((await call(t.url, 'GET', `/v1/polls/${poll.id}/votes/me?voterId=voter-7`, undefined, voteHeaders(ownerToken))).status, 200);
    });
  });
}
