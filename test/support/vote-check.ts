/**
 * The fault tests' checker: after a load, reads PostgreSQL and holds the rows against what every
 * client was told (test/support/vote-load.ts outcomes).
 * - lost: acknowledged (201) with no row, or a row with another receipt;
 * - duplicated: two rows for one voter, two idempotency records for one key, or two different
 *   answers given for one key;
 * - unexpected: a row for a voter that was never acknowledged, nor told 409 (already stored),
 *   nor left in doubt (no sure answer) — i.e. counted by surprise;
 * - converged: the poll's total, the per-option tallies and the analytics minute counts (applied
 *   once per outbox event by the worker) all equal the rows, and the outbox is empty.
 */
import pg from 'pg';
import { eventually } from './eventually.js';
import type { VoteOutcome } from './vote-load.js';

export interface Figures {
  votes: number;
  acknowledged: number;
  inDoubt: number;
  otherAnswers: number;
  rows: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  /** ms from the end of the load until totals, tallies and analytics equalled the rows (-1: never within the wait). */
  convergedMs: number;
  tally: number;
  total: number;
  analytics: number;
  outboxLeft: number;
  /** A few examples of each problem, for the assertion message. */
  examples: { lost: string[]; duplicated: string[]; unexpected: string[]; otherAnswers: string[] };
}

async function query<R extends pg.QueryResultRow>(url: string, sql: string, values: unknown[]): Promise<R[]> {
  const c = new pg.Client({ connectionString: url.replace(/\?.*$/, ''), connectionTimeoutMillis: 5_000 });
  await c.connect();
  try {
    return (await c.query<R>(sql, values)).rows;
  } finally {
    await c.end();
  }
}

export async function checkVotes(pgUrl: string, schema: string, pollId: string, outcomes: VoteOutcome[], convergeWithinMs = 10_000): Promise<Figures> {
  const s = `"${schema}"`;
  const byKey = new Map<string, VoteOutcome[]>();
  for (const v of outcomes) byKey.set(v.key, [...(byKey.get(v.key) ?? []), v]);
  const acked = new Map<string, string>(); // voter → receiptId
  const told = new Set<string>(); // voters told their vote is stored (201 or 409)
  const inDoubt = new Set<string>();
  const ex: Figures['examples'] = { lost: [], duplicated: [], unexpected: [], otherAnswers: [] };
  let otherAnswers = 0;
  let answerMismatch = 0;
  for (const [key, copies] of byKey) {
    const answered = copies.filter((c) => c.status !== 0);
    if (new Set(answered.map((c) => `${c.status} ${c.body}`)).size > 1) {
      answerMismatch++;
      if (ex.duplicated.length < 5) ex.duplicated.push(`${key}: different answers ${answered.map((c) => `${c.status} ${c.body?.slice(0, 100)}`).join(' | ')}`);
    }
    for (const c of copies) {
      if (c.status === 201) {
        acked.set(c.voter, (JSON.parse(c.body!) as { receiptId: string }).receiptId);
        told.add(c.voter);
      } else if (c.status === 409) {
        told.add(c.voter);
      } else if (c.status === 0) {
        inDoubt.add(c.voter);
      } else {
        otherAnswers++;
        if (ex.otherAnswers.length < 5) ex.otherAnswers.push(`${key}: ${c.status} ${c.body?.slice(0, 200)}`);
      }
    }
  }
  for (const v of told) inDoubt.delete(v);

  const rows = await query<{ voter_id: string; receipt_id: string }>(pgUrl, `SELECT voter_id, receipt_id FROM ${s}.votes WHERE poll_id = $1`, [pollId]);
  const rowsByVoter = new Map<string, string[]>();
  for (const r of rows) {
    const voter = r.voter_id.replace(/^o:/, '');
    rowsByVoter.set(voter, [...(rowsByVoter.get(voter) ?? []), r.receipt_id]);
  }
  let lost = 0;
  for (const [voter, receipt] of acked) {
    const got = rowsByVoter.get(voter);
    if (!got || !got.includes(receipt)) {
      lost++;
      if (ex.lost.length < 5) ex.lost.push(`${voter}: receipt ${receipt}, rows ${JSON.stringify(got ?? [])}`);
    }
  }
  let duplicated = answerMismatch;
  for (const [voter, receipts] of rowsByVoter) {
    if (receipts.length > 1) {
      duplicated++;
      if (ex.duplicated.length < 5) ex.duplicated.push(`${voter}: ${receipts.length} rows`);
    }
  }
  const keyRows = await query<{ key: string; n: number }>(pgUrl, `SELECT key, count(*)::int AS n FROM ${s}.idempotency WHERE poll_id = $1 GROUP BY key HAVING count(*) > 1`, [pollId]);
  duplicated += keyRows.length;
  for (const k of keyRows.slice(0, 5)) ex.duplicated.push(`key ${k.key}: ${k.n} idempotency records`);
  let unexpected = 0;
  for (const voter of rowsByVoter.keys()) {
    if (!told.has(voter) && !inDoubt.has(voter)) {
      unexpected++;
      if (ex.unexpected.length < 5) ex.unexpected.push(voter);
    }
  }

  const state = async () => {
    const [row] = await query<{ total: string; tally: string; analytics: string; outbox: string }>(
      pgUrl,
      `SELECT (SELECT total FROM ${s}.polls WHERE id = $1) AS total,
              (SELECT coalesce(sum(votes), 0) FROM ${s}.tallies WHERE poll_id = $1) AS tally,
              (SELECT coalesce(sum(votes), 0) FROM ${s}.minute_counts WHERE poll_id = $1) AS analytics,
              (SELECT count(*) FROM ${s}.outbox) AS outbox`,
      [pollId],
    );
    return { total: Number(row!.total), tally: Number(row!.tally), analytics: Number(row!.analytics), outboxLeft: Number(row!.outbox) };
  };
  const t0 = Date.now();
  let last = await state();
  let convergedMs = -1;
  try {
    await eventually(
      async () => {
        last = await state();
        return last.total === rows.length && last.tally === rows.length && last.analytics === rows.length && last.outboxLeft === 0;
      },
      'totals, tallies and analytics equal the rows, outbox empty',
      convergeWithinMs,
      100,
    );
    convergedMs = Date.now() - t0;
  } catch {
    // reported through convergedMs = -1 and the figures
  }
  return {
    votes: byKey.size,
    acknowledged: acked.size,
    inDoubt: inDoubt.size,
    otherAnswers,
    rows: rows.length,
    lost,
    duplicated,
    unexpected,
    convergedMs,
    ...last,
    examples: ex,
  };
}
