/**
 * Request-level bad input on every endpoint that takes a body: broken JSON, wrong media type,
 * oversized bodies, prototype-poisoning keys, unknown routes and URLs. Each answer is a 4xx
 * application/problem+json with its stable code — never a 5xx.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createPoll, startTestApp, type Answer, type TestApp } from '../support/app.js';
import { assertClientProblem, assertProblem } from '../support/problem.js';
import type { Json } from '../support/json.js';

const BODY_LIMIT = 1024;

describe('HTTP: request bodies and routes', () => {
  let t: TestApp;
  let u: string;
  let endpoints: Array<{ name: string; method: string; path: string; headers: Record<string, string>; valid: unknown }>;

  before(async () => {
    t = await startTestApp({ BODY_LIMIT_BYTES: String(BODY_LIMIT) });
    u = t.url;
    const open = await createPoll(u);
    const draft = await createPoll(u, { status: 'draft' });
    endpoints = [
      { name: 'create poll', method: 'POST', path: '/v1/polls', headers: {}, valid: { question: 'Q?', options: ['a', 'b'] } },
      {
        name: 'edit poll',
        method: 'PATCH',
        path: `/v1/polls/${draft.poll.id}`,
        headers: { authorization: `Bearer ${draft.ownerToken}` },
        valid: { question: 'Edited?' },
      },
      { name: 'vote', method: 'POST', path: `/v1/polls/${open.poll.id}/votes`, headers: {}, valid: { optionIds: [open.poll.options[0]!.id] } },
    ];
  });
  after(() => t.stop());

  const raw = async (method: string, path: string, body: RequestInit['body'], headers: Record<string, string>): Promise<Answer> => {
    const init: RequestInit & { duplex?: 'half' } = { method, headers, body };
    if (body instanceof ReadableStream) init.duplex = 'half';
    const res = await fetch(u + path, init);
    const text = await res.text();
    let json: Json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };

  it('malformed JSON → 400 invalid_json', async () => {
    for (const e of endpoints) {
      for (const body of ['{"question":', '{optionIds: []}', "{'a': 1}", '{"a":1}}', '\u0000']) {
        assertProblem(await call(u, e.method, e.path, body, e.headers), 'invalid_json', `${e.name} ${JSON.stringify(body)}`);
      }
    }
  });

  it('an empty body declared as JSON → 400 invalid_json', async () => {
    for (const e of endpoints) {
      assertProblem(await raw(e.method, e.path, '', { ...e.headers, 'content-type': 'application/json' }), 'invalid_json', e.name);
    }
  });

  it('a body that is JSON but not an object → 400 validation_failed', async () => {
    for (const e of endpoints) {
      for (const body of ['[1,2]', 'null', '"text"', '42', 'true']) {
        assertProblem(await call(u, e.method, e.path, body, e.headers), 'validation_failed', `${e.name} ${body}`);
      }
    }
  });

  it('text/plain, form bodies or no content-type → 415 unsupported_media_type', async () => {
    for (const e of endpoints) {
      const json = JSON.stringify(e.valid);
      assertProblem(await raw(e.method, e.path, json, { ...e.headers, 'content-type': 'text/plain' }), 'unsupported_media_type', `${e.name} text/plain`);
      assertProblem(
        await raw(e.method, e.path, 'question=x', { ...e.headers, 'content-type': 'application/x-www-form-urlencoded' }),
        'unsupported_media_type',
        `${e.name} form`,
      );
      // A Uint8Array body makes fetch send no content-type at all.
      assertProblem(await raw(e.method, e.path, new TextEncoder().encode(json), e.headers), 'unsupported_media_type', `${e.name} none`);
    }
  });

  it('a body over BODY_LIMIT_BYTES → 413 body_too_large (declared length and chunked)', async () => {
    for (const e of endpoints) {
      const big = JSON.stringify({ ...(e.valid as object), pad: 'x'.repeat(BODY_LIMIT) });
      assertProblem(await call(u, e.method, e.path, big, e.headers), 'body_too_large', `${e.name} content-length`);
      const chunks = [big.slice(0, 600), big.slice(600)];
      const stream = new ReadableStream<Uint8Array>({
        pull(c) {
          const next = chunks.shift();
          if (next === undefined) c.close();
          else c.enqueue(new TextEncoder().encode(next));
        },
      });
      assertProblem(await raw(e.method, e.path, stream, { ...e.headers, 'content-type': 'application/json' }), 'body_too_large', `${e.name} chunked`);
    }
  });

  it('a body just under the limit is parsed (the limit is not off by much)', async () => {
    const e = endpoints[0]!;
    const body = JSON.stringify({ question: 'q'.repeat(400), options: ['a', 'b'] });
    assert.ok(body.length < BODY_LIMIT);
    assert.equal((await call(u, e.method, e.path, body, e.headers)).status, 201);
  });

  it('__proto__ and constructor.prototype keys → 400 unknown_field, and nothing is polluted', async () => {
    for (const e of endpoints) {
      const valid = JSON.stringify(e.valid).slice(1, -1);
      const bodies = [
        `{${valid},"__proto__":{"polluted":true}}`,
        `{"__proto__":{"polluted":true},${valid}}`,
        `{${valid},"constructor":{"prototype":{"polluted":true}}}`,
      ];
      for (const body of bodies) {
        const r = await call(u, e.method, e.path, body, e.headers);
        assertProblem(r, 'unknown_field', `${e.name} ${body}`);
        assert.ok(['__proto__', 'constructor'].includes(r.json.field), r.text);
      }
    }
    const nested = await call(u, 'POST', '/v1/polls', '{"question":"q","options":["a",{"text":"b","__proto__":{"polluted":true}}]}');
    assertProblem(nested, 'unknown_field', 'nested __proto__');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
  });

  it('the words __proto__ and constructor inside string values are just text', async () => {
    const r = await call(u, 'POST', '/v1/polls', { question: 'Is "__proto__" a constructor?', options: ['constructor', '__proto__'] });
    assert.equal(r.status, 201, r.text);
  });

  it('an unknown route → 404 not_found; an unsupported method → 404 not_found', async () => {
    assertProblem(await call(u, 'GET', '/v1/nothing-here'), 'not_found', 'GET unknown');
    assertProblem(await call(u, 'GET', '/'), 'not_found', 'GET /');
    assertProblem(await call(u, 'POST', '/v2/polls', { question: 'q', options: ['a', 'b'] }), 'not_found', 'v2');
    assertProblem(await call(u, 'PUT', '/v1/polls'), 'not_found', 'PUT');
    assertProblem(await call(u, 'DELETE', '/v1/polls'), 'not_found', 'DELETE collection');
  });

  it('a URL with a broken %-escape → 400 bad_request; an overlong id → 404', async () => {
    assertProblem(await call(u, 'GET', '/v1/polls/%E0%A4%A'), 'bad_request', 'bad escape');
    const long = await call(u, 'GET', '/v1/polls/' + 'a'.repeat(300));
    assert.equal(long.status, 404, long.text);
    assertClientProblem(long, 'overlong id');
  });

  it('a sweep of odd requests never gets a 5xx', async () => {
    const { poll } = await createPoll(u);
    const id = poll.id;
    const cases: Array<[string, string, unknown?, Record<string, string>?]> = [
      ['POST', '/v1/polls', { question: null, options: null }],
      ['POST', '/v1/polls', { question: 'q', options: [null, 1] }],
      ['POST', '/v1/polls', { question: 'q', options: [[], {}] }],
      ['POST', '/v1/polls', { question: 'q', options: ['a', 'b'], kind: 'multiple', maxChoices: 1.5 }],
      ['POST', '/v1/polls', { question: 'q', options: ['a', 'b'], opensAt: 12 }],
      ['POST', '/v1/polls', { question: 'q', options: ['a', 'b'], closesAt: '2020-13-45T99:99:99Z' }],
      ['POST', '/v1/polls', { question: 'q', options: ['a', 'b'], status: 'closed' }],
      ['POST', '/v1/polls', { question: 'q', options: ['a', 'b'], allowChange: 'yes' }],
      ['POST', `/v1/polls/${id}/votes`, { optionIds: [null] }],
      ['POST', `/v1/polls/${id}/votes`, { optionIds: [{}] }],
      ['POST', `/v1/polls/${id}/votes`, { optionIds: ['x'.repeat(33)] }],
      ['POST', `/v1/polls/${id}/votes`, { optionIds: [poll.options[0]!.id], voterId: 5 }],
      ['POST', `/v1/polls/${id}/votes`, { optionIds: [poll.options[0]!.id] }, { 'x-voter-token': 'v1..' }],
      ['POST', `/v1/polls/${id}/votes`, { optionIds: [poll.options[0]!.id] }, { 'x-voter-token': 'v1.a.b.c' }],
      ['POST', `/v1/polls/${id}/votes`, { optionIds: [poll.options[0]!.id] }, { cookie: 'pollcast_voter=%zz' }],
      ['POST', `/v1/polls/${id}/votes`, { optionIds: [poll.options[0]!.id] }, { 'idempotency-key': 'has space' }],
      ['GET', `/v1/polls/${id}/results?ownerToken=${'x'.repeat(600)}`],
      ['GET', `/v1/polls/${id}/results?ownerToken=a&ownerToken=b`],
      ['GET', `/v1/polls/${id}/votes/me?voterId=`],
      ['GET', `/v1/polls/${id}/votes/me?voterId=a&extra=1`],
      ['PATCH', `/v1/polls/${id}`, { question: 'q' }, { authorization: 'Bearer' }],
      ['PATCH', `/v1/polls/${id}`, { question: 'q' }, { authorization: 'Basic abc' }],
      ['POST', `/v1/polls/${id}/open`, undefined, { authorization: 'Bearer ' + 'x'.repeat(2000) }],
      ['DELETE', `/v1/polls/${id}`, undefined, { authorization: 'Bearer \u00e9' }],
    ];
    // Every case must be answered: a reset connection (the server crashed or dropped the request)
    // is a failure here, never a skip. None of these is refused at the connection level.
    const failures: string[] = [];
    for (const [method, path, body, headers] of cases) {
      const label = `${method} ${path} ${JSON.stringify(body)?.slice(0, 80)} ${JSON.stringify(headers ?? {}).slice(0, 80)}`;
      let r: Answer;
      try {
        r = await call(u, method, path, body, headers ?? {});
      } catch (err) {
        const cause = (err as Error & { cause?: Error }).cause;
        failures.push(`${label}: no answer (${(err as Error).message}${cause ? `: ${cause.message}` : ''})`);
        continue;
      }
      assertClientProblem(r, label);
    }
    assert.deepEqual(failures, [], 'every odd request gets an answer');
    // And the server is still there afterwards, serving the poll the sweep poked at.
    assert.equal((await call(u, 'GET', '/healthz')).status, 200);
    const after = await call(u, 'GET', `/v1/polls/${id}`);
    assert.equal(after.status, 200, after.text);
  });
});
