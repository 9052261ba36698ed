/** Assertions on application/problem+json answers. */
import assert from 'node:assert/strict';
import { ERRORS, type ErrorCode } from '../../src/errors.js';
import type { Answer } from './app.js';

/** Asserts `r` is the problem for `code`: its registered status, problem+json, a well-formed body. */
export function assertProblem(r: Answer, code: ErrorCode, label = ''): void {
  const where = label ? `${label}: ` : '';
  const status = ERRORS[code].status;
  assert.equal(r.status, status, `${where}expected ${status} ${code}, got ${r.status} ${r.text.slice(0, 300)}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/, `${where}content-type`);
  assert.ok(r.json && typeof r.json === 'object', `${where}body is JSON: ${r.text.slice(0, 200)}`);
  assert.equal(r.json.code, code, `${where}code (detail: ${r.json.detail})`);
  assert.equal(r.json.status, status, `${where}body status`);
  assert.equal(typeof r.json.title, 'string');
  assert.equal(typeof r.json.detail, 'string');
  assert.equal(r.json.type, `https://pollcast.dev/errors/${code}`);
}

/** Asserts a 4xx problem+json with a registered code, whatever the code: never a 5xx, never bare text. */
export function assertClientProblem(r: Answer, label = ''): void {
  assert.ok(r.status >= 400 && r.status < 500, `${label}: expected a 4xx, got ${r.status} ${r.text.slice(0, 300)}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/, `${label}: content-type`);
  assert.ok(r.json && typeof r.json.code === 'string' && r.json.code in ERRORS, `${label}: registered code, got ${r.text.slice(0, 200)}`);
  assert.equal(ERRORS[r.json.code as ErrorCode].status, r.status, `${label}: status matches the registry`);
}
