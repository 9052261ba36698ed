/**
 * Group commit on PostgreSQL: one vote batch → one transaction of three statements, however many
 * votes it holds. What the batch does is decided by the batch planner (domain/batch-plan.ts), as
 * for the embedded store; this file only reads what the planner needs and writes what it decided:
 *
 *   lock the batch's polls (sorted) → batches on one poll queue up; status and version are
 *                                     fixed till commit
 *   read votes and stored answers   → one SELECT: the batch's voters' votes, its keys' answers
 *   plan                            → outcomes, rendered answers, rows, deltas, versions, events
 *   write the plan                  → one statement: answers, new and changed votes, tallies,
 *                                     versions and totals, outbox events
 *
 * Every vote writer locks the poll first, so what was read still holds when the plan is written.
 * The writes are guarded all the same (keys and votes inserted only where none exist, a change
 * only to the row as read, a version only from the one read): if any guard finds otherwise, the
 * transaction runs again from the start. Every multi-row write is sorted by its conflict key, so
 * concurrent overlapping batches take row locks in the same order and cannot deadlock (40P01).
 */
import { batchKeys, pairKey, planBatch, readsFromMaps, type BatchPlan, type PollState } from '../../domain/batch-plan.js';
import { newEventId } from '../../domain/ids.js';
import type { CountedVote, StoredResponse, VoteCommand, VoteOutcome } from '../../domain/vote.js';
import type { RenderAnswer } from '../../ports/store.js';
import type { Exec } from './pg-link.js';
import { toPoll, type PollRow } from './pg-rows.js';
import type { Sql } from './pg-sql.js';

/** An error that makes the transaction run again from the start (see PgLink). */
function retryBatch(why: string): Error {
  return Object.assign(new Error(`vote batch raced with another transaction (${why}); retrying`), { code: '40001' });
}

interface ReadRow {
  answer: boolean;
  p: string;
  /** Voter id, or idempotency key. */
  k: string;
  /** Option ids, or request hash. */
  a: string;
  /** Receipt id, or body. */
  b: string;
  /** Cast at, or status. */
  n: number;
}

/** `traceparent` (tracing on only) is stored in the batch's outbox events' payloads. */
export async function recordVotesTx(exec: Exec, sql: Sql, batch: VoteCommand[], render: RenderAnswer, traceparent?: string): Promise<VoteOutcome[]> {
  const now = Date.now();
  const keys = batchKeys(batch);

  const polls = new Map<string, PollState>();
  for (const r of await exec<PollRow & { id: string; version: number }>(sql.lockPolls, [keys.pollIds])) polls.set(r.id, { ...toPoll(r), version: r.version });

  const votes = new Map<string, CountedVote>();
  const answers = new Map<string, StoredResponse>();
  const voters = keys.voters.filter(([p]) => polls.has(p));
  if (voters.length > 0 || keys.claims.length > 0) {
    const rows = await exec<ReadRow>(sql.readBatch, [
      voters.map((v) => v[0]),
      voters.map((v) => v[1]),
      [...polls.keys()],
      keys.claims.map((c) => c[0]),
      keys.claims.map((c) => c[1]),
    ]);
    for (const r of rows) {
      if (r.answer) answers.set(pairKey(r.p, r.k), { status: r.n, body: r.b, requestHash: r.a });
      else votes.set(pairKey(r.p, r.k), { optionIds: r.a.split(','), receiptId: r.b, at: r.n });
    }
  }

  const plan = planBatch(batch, readsFromMaps(polls, votes, answers), { now, render, newEventId, traceparent });
  if (plan.answers.length + plan.inserts.length + plan.changes.length + plan.bumps.length > 0) await writePlan(exec, sql, plan);
  return plan.outcomes;
}

async function writePlan(exec: Exec, sql: Sql, plan: BatchPlan): Promise<void> {
  const { answers: a, inserts: i, changes: c, tallies: t, bumps: b, events: e } = plan;
  const [wrote] = await exec<{ answers: number; inserts: number; changes: number; bumps: number }>(sql.writeBatch, [
    plan.now,
    a.map((x) => x.pollId),
    a.map((x) => x.key),
    a.map((x) => x.response.requestHash),
    a.map((x) => x.response.status),
    a.map((x) => x.response.body),
    i.map((x) => x.pollId),
    i.map((x) => x.voterId),
    i.map((x) => x.joined),
    i.map((x) => x.receiptId),
    i.map((x) => x.at),
    i.map((x) => x.changes),
    c.map((x) => x.pollId),
    c.map((x) => x.voterId),
    c.map((x) => x.joined),
    c.map((x) => x.receiptId),
    c.map((x) => x.at),
    c.map((x) => x.changes),
    c.map((x) => x.readReceiptId),
    [...new Set(c.map((x) => x.pollId))],
    t.map((x) => x.pollId),
    t.map((x) => x.optionId),
    t.map((x) => x.delta),
    b.map((x) => x.pollId),
    b.map((x) => x.version),
    b.map((x) => x.total),
    e.map((x) => x.eventId),
    e.map((x) => x.pollId),
    e.map((x) => JSON.stringify(x.payload)),
  ]);
  // Rare: a key claimed for a poll that does not exist (no poll row to lock), or a writer that
  // does not lock the poll.
  if (wrote!.answers !== a.length) throw retryBatch('idempotency key claimed meanwhile');
  if (wrote!.inserts !== i.length || wrote!.changes !== c.length) throw retryBatch('vote written meanwhile');
  if (wrote!.bumps !== b.length) throw retryBatch('poll version moved');
  if (plan.texts.length + plan.points.length > 0) await writeKinds(exec, sql, plan);
}

/** Text answers, word counts and quiz points: a second statement, only in batches of those kinds. */
async function writeKinds(exec: Exec, sql: Sql, plan: BatchPlan): Promise<void> {
  const { texts: x, words: w, points: q } = plan;
  const [wrote] = await exec<{ texts: number; points: number }>(sql.writeKinds, [
    x.map((r) => r.pollId),
    x.map((r) => r.answerId),
    x.map((r) => r.voterId),
    x.map((r) => r.text),
    x.map((r) => r.words),
    x.map((r) => r.state),
    x.map((r) => r.at),
    w.map((r) => r.pollId),
    w.map((r) => r.word),
    w.map((r) => r.delta),
    q.map((r) => r.pollId),
    q.map((r) => r.voterId),
    q.map((r) => r.points),
    q.map((r) => r.correct),
    q.map((r) => r.ms),
  ]);
  if (wrote!.texts !== x.length || wrote!.points !== q.length) throw retryBatch('answer or score written meanwhile');
}
