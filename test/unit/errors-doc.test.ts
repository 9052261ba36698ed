/** docs/errors.md and the error registry (src/errors.ts) list the same codes with the same statuses. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERRORS, type ErrorCode } from '../../src/errors.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

/** Table rows of the form | `code` | status | meaning | advice |. */
const rows = doc
  .split('\n')
  .map((line) => /^\|\s*`([a-z0-9_]+)`\s*\|\s*(\d{3})\s*\|(.*)\|\s*$/.exec(line))
  .filter((m): m is RegExpExecArray => m !== null)
  .map((m) => ({ code: m[1]!, status: Number(m[2]), rest: m[3]!.split('|').map((c) => c.trim()) }));

describe('docs/errors.md', () => {
  it('documents every code in the registry', () => {
    const documented = new Set(rows.map((r) => r.code));
    const missing = Object.keys(ERRORS).filter((c) => !documented.has(c));
    assert.deepEqual(missing, [], `add these codes to docs/errors.md: ${missing.join(', ')}`);
  });

  it('documents no code the registry lacks', () => {
    const extra = rows.map((r) => r.code).filter((c) => !(c in ERRORS));
    assert.deepEqual(extra, [], `these codes are in docs/errors.md but not in src/errors.ts: ${extra.join(', ')}`);
  });

  it('lists each code once, with the registry status, a meaning and advice', () => {
    const seen = new Set<string>();
    for (const r of rows) {
      assert.ok(!seen.has(r.code), `${r.code} is listed twice`);
      seen.add(r.code);
      assert.equal(r.status, ERRORS[r.code as ErrorCode].status, `${r.code}: the status in the doc`);
      assert.equal(r.rest.length, 2, `${r.code}: meaning and advice columns`);
      assert.ok(r.rest.every((c) => c.length > 0), `${r.code}: meaning and advice are filled in`);
    }
    assert.deepEqual([...seen].sort(), Object.keys(ERRORS).sort());
  });
});
