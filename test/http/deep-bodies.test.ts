/**
 * Deeply nested JSON bodies (a few thousand brackets in 8 kB) on every kind of JSON endpoint: with
 * or without `__proto__` / `constructor` inside, the answer is 400 `body_too_deep` — never a 500
 * from a walk that ran out of stack. Bodies at the depth limit are parsed as usual.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_JSON_DEPTH, jsonDepthExceeds } from '../../src/http/json-body.js';
import { signUp, type Actor } from '../support/accounts.js';
import { call, createPoll, startTestApp, type TestApp } from '../support/app.js';
import { assertProblem } from '../support/problem.js';

const LEVELS = 4_000;

/** `{"<field>": <levels of nesting around inner>, ...rest}` */
function deepArrays(levels: number, inner: string): string {
  return '['.repeat(levels) + inner + ']'.repeat(levels);
}
function deepObjects(levels: number, inner: string): string {
  return '{"a":'.repeat(levels) + inner + '}'.repeat(levels);
}

describe('HTTP: deeply nested JSON bodies', () => {
  let t: TestApp;
  let u: string;
  let user: Actor;
  let endpoints: Array<{ name: string; method: string; path: string; headers: Record<string, string>; valid: Record<string, unknown> }>;

  before(async () => {
    t = await startTestApp();
    u = t.url;
    const open = await createPoll(u);
    const draft = await createPoll(u, { status: 'draft' });
    user = await signUp(u, 'Deep');
    endpoints = [
      { name: 'create poll', method: 'POST', path: '/v1/polls', headers: {}, valid: { question: 'Q?', options: ['a', 'b'] } },
      { name: 'edit poll', method: 'PATCH', path: `/v1/polls/${draft.poll.id}`, headers: { authorization: `Bearer ${draft.ownerToken}` }, valid: { question: 'Edited?' } },
      { name: 'vote', method: 'POST', path: `/v1/polls/${open.poll.id}/votes`, headers: {}, valid: { optionIds: [open.poll.options[0]!.id] } },
      { name: 'login', method: 'POST', path: '/v1/auth/login', headers: {}, valid: { email: 'x@example.test', password: 'whatever it is' } },
      { name: 'new workspace', method: 'POST', path: '/v1/workspaces', headers: user.headers, valid: { name: 'W' } },
    ];
  });
  after(() => t.stop());

  const variants: Array<[string, string]> = [
    ['arrays around __proto__', deepArrays(LEVELS, '{"__proto__":{"polluted":true}}')],
    ['objects around __proto__', deepObjects(LEVELS, '{"__proto__":{"polluted":true}}')],
    ['arrays around constructor.prototype', deepArrays(LEVELS, '{"constructor":{"prototype":{"polluted":true}}}')],
    ['objects around constructor.prototype', deepObjects(LEVELS, '{"constructor":{"prototype":{"polluted":true}}}')],
    ['plain arrays', deepArrays(LEVELS, '1')],
    ['plain objects', deepObjects(LEVELS, '1')],
  ];

  it('≈ 4,000 levels, with or without __proto__/constructor, at the end or the start → 400 body_too_deep on every endpoint', async () => {
    for (const e of endpoints) {
      const valid = JSON.stringify(e.valid).slice(1, -1);
      for (const [name, deep] of variants) {
        for (const body of [`{${valid},"x":${deep}}`, `{"x":${deep},${valid}}`]) {
          const r = await call(u, e.method, e.path, body, e.headers);
          assertProblem(r, 'body_too_deep', `${e.name}, ${name} (${body.length} bytes)`);
          assert.equal(r.json.maxDepth, MAX_JSON_DEPTH);
        }
      }
      // A body that is only the nesting, no object around it.
      assertProblem(await call(u, e.method, e.path, variants[0]![1], e.headers), 'body_too_deep', `${e.name}, bare nesting`);
    }
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
  });

  it('the server stays up and answers the next ordinary request', async () => {
    const r = await call(u, 'POST', '/v1/polls', { question: 'Still there?', options: ['yes', 'no'] });
    assert.equal(r.status, 201, r.text);
  });

  it('nesting at the limit is not refused for depth; one level more is', async () => {
    // The top-level object is level 1, so the field holds MAX_JSON_DEPTH - 1 levels.
    const at = `{"question":"q","options":["a","b"],"x":${deepArrays(MAX_JSON_DEPTH - 1, '1')}}`;
    assertProblem(await call(u, 'POST', '/v1/polls', at), 'unknown_field', 'at the limit: the schema speaks');
    const over = `{"question":"q","options":["a","b"],"x":${deepArrays(MAX_JSON_DEPTH, '1')}}`;
    assertProblem(await call(u, 'POST', '/v1/polls', over), 'body_too_deep', 'one over');
  });

  it('brackets inside strings are text, not nesting', async () => {
    const question = '['.repeat(300) + '{"\\"'.repeat(20);
    const r = await call(u, 'POST', '/v1/polls', { question, options: ['{'.repeat(150), '['.repeat(150)] });
    assert.equal(r.status, 201, r.text);
  });
});

describe('jsonDepthExceeds', () => {
  it('counts arrays and objects, skips strings and escapes', () => {
    assert.equal(jsonDepthExceeds(JSON.stringify({ a: [[[1]]] }), 4), false);
    assert.equal(jsonDepthExceeds('{"a":[[[1]]]}'.padEnd(20, ' '), 3), true);
    assert.equal(jsonDepthExceeds(JSON.stringify({ s: '[[[[[[[[[[\\"[[[[' }), 2), false);
    assert.equal(jsonDepthExceeds(deepObjects(65, '1'), 64), true);
    assert.equal(jsonDepthExceeds(deepObjects(64, '1'), 64), false);
    assert.equal(jsonDepthExceeds(JSON.stringify([[], [], [], [[]]]), 3), false);
    assert.equal(jsonDepthExceeds(JSON.stringify([[], [], [], [[]]]), 2), true);
  });
});
