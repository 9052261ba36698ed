/** Health endpoints and the OpenAPI document generated from the validating schemas. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startTestApp, type TestApp } from '../support/app.js';
import type { Json } from '../support/json.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

describe('HTTP: health and OpenAPI', () => {
  let t: TestApp;
  let doc: Json;
  before(async () => {
    t = await startTestApp();
    const r = await call(t.url, 'GET', '/v1/openapi.json');
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    doc = r.json;
  });
  after(() => t.stop());

  it('/healthz → 200; /readyz → 200 with its checks', async () => {
    const h = await call(t.url, 'GET', '/healthz');
    assert.equal(h.status, 200);
    assert.equal(h.json.status, 'ok');
    const r = await call(t.url, 'GET', '/readyz');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'ready');
    assert.equal(r.json.role, 'all');
    assert.equal(r.json.checks.store.ok, true);
    assert.equal(typeof r.json.checks.store.ms, 'number');
  });

  it('is an OpenAPI 3.1 document with info and paths', () => {
    assert.match(doc.openapi, /^3\.1\.\d+$/);
    assert.equal(typeof doc.info?.title, 'string');
    assert.equal(typeof doc.info?.version, 'string');
    assert.equal(typeof doc.paths, 'object');
  });

  it('lists every /v1 operation, and nothing outside /v1', () => {
    const ops = Object.entries<Record<string, unknown>>(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => METHODS.includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    const expected = [
      'POST /v1/polls',
      'GET /v1/polls/{pollId}',
      'PATCH /v1/polls/{pollId}',
      'DELETE /v1/polls/{pollId}',
      'POST /v1/polls/{pollId}/open',
      'POST /v1/polls/{pollId}/close',
      'POST /v1/polls/{pollId}/votes',
      'GET /v1/polls/{pollId}/votes/me',
      'GET /v1/polls/{pollId}/results',
      'GET /v1/polls/{pollId}/results/stream',
      'GET /v1/polls/{pollId}/export',
      'GET /v1/polls/{pollId}/commitment',
      'GET /v1/receipts/{receiptId}',
      'GET /v1/workspaces/{workspaceId}/webhooks',
      'POST /v1/workspaces/{workspaceId}/webhooks',
      'DELETE /v1/workspaces/{workspaceId}/webhooks/{webhookId}',
      'POST /v1/workspaces/{workspaceId}/webhooks/{webhookId}/rotate-secret',
    ];
    for (const op of expected) assert.ok(ops.includes(op), `${op} is documented (have: ${ops.join(', ')})`);
    for (const op of ops) assert.match(op, /^[A-Z]+ \/v1\//);
  });

  it('is structurally valid: path parameters declared, responses keyed by status, every $ref and security scheme resolves', () => {
    const resolve = (ref: string) => ref.replace(/^#\//, '').split('/').reduce((o: Json, k) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}/${i}`));
      if (node === null || typeof node !== 'object') return;
      const ref = (node as { $ref?: unknown }).$ref;
      if (typeof ref === 'string') assert.notEqual(resolve(ref), undefined, `${where}: $ref ${ref} resolves`);
      for (const [k, v] of Object.entries(node)) walk(v, `${where}/${k}`);
    };
    walk(doc, '#');

    const schemes = Object.keys(doc.components?.securitySchemes ?? {});
    for (const [path, item] of Object.entries<Json>(doc.paths)) {
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const method of Object.keys(item).filter((m) => METHODS.includes(m))) {
        const op = item[method];
        const where = `${method.toUpperCase()} ${path}`;
        const pathParams = [...(item.parameters ?? []), ...(op.parameters ?? [])].filter((p: Json) => p.in === 'path');
        for (const name of templated) {
          const p = pathParams.find((x: Json) => x.name === name);
          assert.ok(p, `${where}: path parameter ${name} is declared`);
          assert.equal(p.required, true, `${where}: path parameter ${name} is required`);
        }
        for (const p of op.parameters ?? []) assert.ok(['query', 'header', 'path', 'cookie'].includes(p.in), `${where}: parameter ${p.name} in ${p.in}`);
        assert.ok(op.responses && Object.keys(op.responses).length > 0, `${where}: has responses`);
        for (const [code, res] of Object.entries<Json>(op.responses)) {
          assert.match(code, /^([1-5]\d\d|[1-5]XX|default)$/, `${where}: response key ${code}`);
          assert.equal(typeof res.description, 'string', `${where} ${code}: description`);
        }
        for (const req of op.security ?? []) for (const name of Object.keys(req)) assert.ok(schemes.includes(name), `${where}: security scheme ${name} exists`);
      }
    }
  });

  it('documents request bodies from the validating schemas: the vote body is closed (additionalProperties false)', () => {
    const schemaOf = (path: string, method: string) => {
      const s = doc.paths[path][method].requestBody?.content?.['application/json']?.schema;
      return s?.$ref ? s.$ref.replace(/^#\//, '').split('/').reduce((o: Json, k: string) => o?.[k], doc) : s;
    };
    const voteBody = schemaOf('/v1/polls/{pollId}/votes', 'post');
    assert.ok(voteBody, 'the vote body is documented');
    assert.equal(voteBody.additionalProperties, false);
    // optionIds (single, multiple, ranked) or value (rating, nps): which one the question takes is checked with its own 422 codes.
    assert.equal(voteBody.required, undefined);
    assert.equal(voteBody.properties.value.type, 'number');
    assert.equal(voteBody.properties.optionIds.type, 'array');
    assert.equal(voteBody.properties.optionIds.items.type, 'string');
    const pollBody = schemaOf('/v1/polls', 'post');
    assert.equal(pollBody.additionalProperties, false);
    assert.equal(pollBody.properties.question.maxLength, 500);
    assert.equal(pollBody.properties.options.minItems, 2);
    assert.equal(pollBody.properties.options.maxItems, 100);
    assert.equal(schemaOf('/v1/polls/{pollId}', 'patch').additionalProperties, false);
  });

  it('documents the vote answers, including the problem responses', () => {
    const responses = doc.paths['/v1/polls/{pollId}/votes'].post.responses;
    for (const code of ['201', '400', '404', '409', '422', '429', '503']) assert.ok(responses[code], `vote response ${code}`);
    const stream = doc.paths['/v1/polls/{pollId}/results/stream'].get.responses['200'];
    assert.ok(stream.content['text/event-stream'], 'the stream is documented as text/event-stream');
  });

  it('documents events, the question kinds and their results', () => {
    const routes: Array<[string, string]> = [
      ['/v1/events', 'post'],
      ['/v1/events/{eventId}', 'get'],
      ['/v1/events/{eventId}', 'patch'],
      ['/v1/events/{eventId}', 'delete'],
      ['/v1/join/{code}', 'get'],
      ['/v1/events/{eventId}/current', 'post'],
      ['/v1/events/{eventId}/results', 'post'],
      ['/v1/events/{eventId}/questions', 'post'],
      ['/v1/events/{eventId}/order', 'put'],
      ['/v1/events/{eventId}/questions/{questionId}', 'patch'],
      ['/v1/events/{eventId}/questions/{questionId}', 'delete'],
      ['/v1/events/{eventId}/questions/{questionId}/open', 'post'],
      ['/v1/events/{eventId}/questions/{questionId}/close', 'post'],
      ['/v1/events/{eventId}/questions/{questionId}/countdown', 'post'],
      ['/v1/events/{eventId}/questions/{questionId}/reset', 'post'],
      ['/v1/events/{eventId}/stream', 'get'],
    ];
    for (const [path, method] of routes) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method.toUpperCase()} ${path} is documented`);
      assert.ok(op.tags.includes('events'), `${method} ${path} tagged events`);
      if (path !== '/v1/events/{eventId}/stream' && !path.startsWith('/v1/join') && !(path === '/v1/events/{eventId}' && method === 'get') && !(path === '/v1/events' && method === 'post')) {
        assert.ok(op.responses['401'] && op.responses['403'] && op.responses['404'], `${method} ${path}: owner problems documented`);
      }
    }
    const created = doc.paths['/v1/events'].post.responses['201'].content['application/json'].schema;
    assert.deepEqual(Object.keys(created.properties).sort(), ['event', 'ownerToken']);
    assert.ok(doc.paths['/v1/events/{eventId}/stream'].get.responses['200'].content['text/event-stream']);
    const pollBody = doc.paths['/v1/polls'].post.requestBody.content['application/json'].schema;
    const body = pollBody.$ref ? doc.components.schemas[pollBody.$ref.split('/').at(-1)] : pollBody;
    assert.deepEqual(body.properties.kind.enum, ['single', 'multiple', 'ranked', 'rating', 'nps', 'text', 'quiz']);
    assert.ok(body.properties.maxRank && body.properties.scale);
    const results = doc.paths['/v1/polls/{pollId}/results'].get.responses['200'].content['application/json'].schema;
    for (const field of ['irv', 'borda', 'histogram', 'mean', 'median', 'score', 'promoters', 'passives', 'detractors']) assert.ok(results.properties[field], `results.${field}`);
  });

  it('documents open text (answers, feed, moderation) and quizzes (players, leaderboard)', () => {
    const routes: Array<[string, string, string]> = [
      ['/v1/polls/{pollId}/answers', 'get', 'text'],
      ['/v1/polls/{pollId}/answers/{answerId}/hide', 'post', 'text'],
      ['/v1/polls/{pollId}/answers/{answerId}/approve', 'post', 'text'],
      ['/v1/events/{eventId}/players', 'post', 'quiz'],
      ['/v1/events/{eventId}/leaderboard', 'get', 'quiz'],
      ['/v1/events/{eventId}/leaderboard/me', 'get', 'quiz'],
    ];
    for (const [path, method, tag] of routes) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method.toUpperCase()} ${path} is documented`);
      assert.ok(op.tags.includes(tag), `${method} ${path} tagged ${tag}`);
    }
    const pollBody = doc.paths['/v1/polls'].post.requestBody.content['application/json'].schema;
    const body = pollBody.$ref ? doc.components.schemas[pollBody.$ref.split('/').at(-1)] : pollBody;
    for (const field of ['maxLength', 'maxAnswers', 'moderation', 'profanityFilter', 'timeLimitSec']) assert.ok(body.properties[field], `poll body ${field}`);
    const vote = doc.paths['/v1/polls/{pollId}/votes'].post.requestBody.content['application/json'].schema;
    assert.ok(vote.properties.text, 'vote body text');
    const results = doc.paths['/v1/polls/{pollId}/results'].get.responses['200'].content['application/json'].schema;
    for (const field of ['words', 'answers', 'correctOptionIds']) assert.ok(results.properties[field], `results.${field}`);
    const board = doc.paths['/v1/events/{eventId}/leaderboard'].get.responses['200'].content['application/json'].schema;
    for (const field of ['nickname', 'score', 'rank']) assert.ok(board.items.properties[field], `leaderboard.${field}`);
  });
});
