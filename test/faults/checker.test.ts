/**
 * The fault matrix's checker can fail: against hand-written rows in a scratch schema on the test
 * PostgreSQL, each kind of breakage it exists to catch is reported — a lost acknowledged vote, a
 * row nobody was told about, two answers for one key, totals that do not match the rows — and an
 * in-doubt vote that was stored is not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminQuery, dropSchema, PG_URL, scratchName } from '../support/postgres.js';
import { needServices } from '../support/services.js';
import { checkVotes } from '../support/vote-check.js';
import type { VoteOutcome } from '../support/vote-load.js';

const skip = await needServices('postgres');
const POLL = 'p1';

const outcome = (voter: string, status: number, receipt?: string): VoteOutcome => ({
  key: `k-${voter}`,
  voter,
  poll: POLL,
  option: 'a',
  sentAt: 0,
  doneAt: 1,
  status,
  ...(receipt ? { body: JSON.stringify({ receiptId: receipt }) } : {}),
  attempts: [],
});

describe('fault checker', { skip }, () => {
  const schema = scratchName('pollcast_checker');
  const s = `"${schema}"`;
  before(async () => {
    await adminQuery(`CREATE SCHEMA ${s}`);
    await adminQuery(`CREATE TABLE ${s}.votes (poll_id text, voter_id text, receipt_id text)`);
    await adminQuery(`CREATE TABLE ${s}.idempotency (poll_id text, key text)`);
    await adminQuery(`CREATE TABLE ${s}.polls (id text, total bigint)`);
    await adminQuery(`CREATE TABLE ${s}.tallies (poll_id text, votes bigint)`);
    await adminQuery(`CREATE TABLE ${s}.minute_counts (poll_id text, votes bigint)`);
    await adminQuery(`CREATE TABLE ${s}.outbox (seq int)`);
  });
  after(() => dropSchema(schema));

  const setRows = async (voters: Array<[string, string]>, totals = voters.length) => {
    for (const t of ['votes', 'idempotency', 'polls', 'tallies', 'minute_counts']) await adminQuery(`DELETE FROM ${s}.${t}`);
    for (const [v, r] of voters) await adminQuery(`INSERT INTO ${s}.votes VALUES ($1, $2, $3)`, [POLL, `o:${v}`, r]);
    await adminQuery(`INSERT INTO ${s}.polls VALUES ($1, $2)`, [POLL, totals]);
    await adminQuery(`INSERT INTO ${s}.tallies VALUES ($1, $2)`, [POLL, totals]);
    await adminQuery(`INSERT INTO ${s}.minute_counts VALUES ($1, $2)`, [POLL, totals]);
  };

  it('all clean: acknowledged rows, a stored in-doubt vote, totals = rows', async () => {
    await setRows([['a', 'ra'], ['b', 'rb'], ['c', 'rc']]);
    const f = await checkVotes(PG_URL, schema, POLL, [outcome('a', 201, 'ra'), outcome('b', 201, 'rb'), outcome('c', 0)], 500);
    assert.deepEqual([f.lost, f.duplicated, f.unexpected, f.inDoubt, f.acknowledged], [0, 0, 0, 1, 2]);
    assert.ok(f.convergedMs >= 0);
  });

  it('reports a lost vote, an unexpected row, two answers for a key, totals ≠ rows', async () => {
    await setRows([['a', 'other-receipt'], ['x', 'rx']], 5);
    const f = await checkVotes(PG_URL, schema, POLL, [outcome('a', 201, 'ra'), outcome('b', 201, 'rb'), outcome('c', 201, 'rc'), { ...outcome('c', 201, 'rc2') }], 300);
    assert.equal(f.lost, 3, JSON.stringify(f.examples)); // a: wrong receipt; b, c: no row
    assert.equal(f.unexpected, 1, JSON.stringify(f.examples)); // x
    assert.equal(f.duplicated, 1, JSON.stringify(f.examples)); // k-c answered twice, differently
    assert.equal(f.convergedMs, -1);
  });
});
