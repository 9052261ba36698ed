/**
 * Group commit on PostgreSQL: one vote batch → two statements, however many votes it holds, each
 * in its own implicit transaction (no BEGIN, no COMMIT, no lock held between them). What the batch
 * does is decided by the batch planner (domain/batch-plan.ts), as for the embedded store; this file
 * only reads what the planner needs and writes what it decided:
 *
 *   read   → one SELECT, no locks: the batch's polls, its voters' votes, its keys' answers
 *   plan   → outcomes, rendered answers, rows, deltas, totals, events
 *   write  → one statement: answers, new and changed votes, tallies, versions and totals, outbox
 *            events; committed when it ends
 *
 * Optimistic: the write is guarded (keys and votes inserted only where none exist, a change only to
 * the row as read, a poll counted only while its status and definition are the ones read), and when
 * any guard finds otherwise the statement raises a serialization failure from inside, so it writes
 * nothing, and the batch runs again from its read (PgLink retries it). The versions are taken from
 * the poll rows as the write updates them, so batches of one poll do not conflict with each other:
 * they queue only on the poll's row lock, from the write's update to its commit — one statement
 * and one WAL flush, instead of a lock held over four round trips. Every multi-row write is sorted
 * by its conflict key, so concurrent overlapping batches take row locks in the same order and
 * cannot deadlock (40P01).
 */
import { batchKeys, pairKey, planBatch, readsFromMaps, type BatchPlan, type PollState } from '../../domain/batch-plan.js';
import { newEventId } from '../../domain/ids.js';
import type { Poll } from '../../domain/poll.js';
import type { CountedVote, StoredResponse, VoteCommand, VoteOutcome } from '../../domain/vote.js';
import type { RenderAnswer } from '../../ports/store.js';
import type { Exec } from './pg-link.js';
import { toPoll } from './pg-rows.js';
import type { Sql } from './pg-sql.js';

/** One row of readBatch: a poll (t 0), a vote (t 1) or a stored answer (t 2). */
interface ReadRow {
  t: 0 | 1 | 2;
  p: string;
  /** Voter id, or idempotency key (null for a poll). */
  k: string | null;
  /** Definition (JSON), option ids, or request hash. */
  a: string;
  /** Status, receipt id, or body. */
  b: string;
  /** Version, cast at, or status. */
  n: number;
  o: number | null;
  c: number | null;
  u: number | null;
}

/** What the write checks still holds for a poll it counts votes in. */
interface PollStamp {
  status: Poll['status'];
  updatedAt: number;
}

/** A batch read and planned, not yet written. */
export interface PlannedBatch {
  batch: readonly VoteCommand[];
  plan: BatchPlan;
  stamps: ReadonlyMap<string, PollStamp>;
}

/** `traceparent` (tracing on only) is stored in the batch's outbox events' payloads. */
export async function readAndPlan(exec: Exec, sql: Sql, batch: readonly VoteCommand[], render: RenderAnswer, traceparent?: string): Promise<PlannedBatch> {
  const now = Date.now();
  const keys = batchKeys(batch);

  const polls = new Map<string, PollState>();
  const stamps = new Map<string, PollStamp>();
  const votes = new Map<string, CountedVote>();
  const answers = new Map<string, StoredResponse>();
  const rows = await exec<ReadRow>(sql.readBatch, [
    keys.pollIds,
    keys.voters.map((v) => v[0]),
    keys.voters.map((v) => v[1]),
    keys.claims.map((c) => c[0]),
    keys.claims.map((c) => c[1]),
  ]);
  for (const r of rows) {
    if (r.t === 0) {
      const status = r.b as Poll['status'];
      const poll = toPoll({ def: JSON.parse(r.a) as Poll, status, opens_at: r.o, closes_at: r.c, updated_at: r.u! });
      polls.set(r.p, { ...poll, version: r.n });
      stamps.set(r.p, { status, updatedAt: r.u! });
    } else if (r.t === 1) votes.set(pairKey(r.p, r.k!), { optionIds: r.a.split(','), receiptId: r.b, at: r.n });
    else answers.set(pairKey(r.p, r.k!), { status: r.n, body: r.b, requestHash: r.a });
  }
  return { batch, plan: planBatch(batch, readsFromMaps(polls, votes, answers), { now, render, newEventId, traceparent }), stamps };
}

/** Writes a planned batch; a serialization failure (40001) when what it read no longer holds. */
export async function writePlanned(exec: Exec, sql: Sql, { batch, plan, stamps }: PlannedBatch): Promise<VoteOutcome[]> {
  if (plan.answers.length + plan.inserts.length + plan.changes.length + plan.bumps.length === 0) return plan.outcomes;
  const versions = await writePlan(exec, sql, plan, stamps);
  // The planner numbered each poll's new version as read + 1; the row may have moved on since
  // (other batches of the poll committed in between): the version this batch got is the row's.
  return plan.outcomes.map((o, i) => (o.kind === 'counted' ? { ...o, version: versions.get(batch[i]!.pollId) ?? o.version } : o));
}

async function writePlan(exec: Exec, sql: Sql, plan: BatchPlan, stamps: ReadonlyMap<string, PollStamp>): Promise<Map<string, number>> {
  const { answers: a, inserts: i, changes: c, tallies: t, bumps: b, events: e } = plan;
  const stamp = (pollId: string) => stamps.get(pollId)!;
  // Batches with text answers or quiz scores use the same statement with their rows added.
  const kinds = plan.texts.length + plan.points.length > 0;
  const [wrote] = await exec<{ held: boolean; versions: string }>(kinds ? sql.writeBatchKinds : sql.writeBatch, [
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
    b.map((x) => x.total),
    b.map((x) => stamp(x.pollId).status),
    b.map((x) => stamp(x.pollId).updatedAt),
    e.map((x) => x.eventId),
    e.map((x) => x.pollId),
    e.map((x) => JSON.stringify(x.payload)),
    a.length,
    i.length,
    c.length,
    b.length,
    ...(kinds ? kindParams(plan) : []),
  ]);
  return new Map(JSON.parse(wrote!.versions) as Array<[string, number]>);
}

/** $35–$51 of writeBatchKinds: answers, word deltas, quiz points, and how many of each must be new. */
function kindParams(plan: BatchPlan): unknown[] {
  const { texts: x, words: w, points: q } = plan;
  return [
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
    x.length,
    q.length,
  ];
}
