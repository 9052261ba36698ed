/**
 * Group commit on PostgreSQL: one vote batch → one transaction of a constant handful of
 * statements, however many votes it holds. Outcomes are exactly the embedded store's (SQLite),
 * which processes the batch one command after another:
 *
 *   lock the batch's polls (sorted)  → batches on one poll queue up; status is fixed till commit
 *   claim idempotency keys           → one multi-row INSERT … ON CONFLICT DO NOTHING RETURNING
 *   read the keys claimed before     → replay / key_reused
 *   insert votes (sorted)            → one multi-row INSERT … ON CONFLICT DO NOTHING RETURNING
 *   lock the conflicting votes       → one SELECT … FOR UPDATE (sorted), for duplicates and changes
 *   write changed votes              → one UPDATE … FROM unnest (allowChange only)
 *   tallies + version/total + outbox → one statement: per-option deltas summed per batch
 *   idempotency answers              → one UPDATE … FROM unnest
 *
 * Every multi-row write is sorted by its conflict key, so concurrent overlapping batches take
 * row locks in the same order and cannot deadlock (40P01).
 */
import { newEventId } from '../../domain/ids.js';
import { effectiveStatus, type Poll } from '../../domain/poll.js';
import type { StoredResponse, VoteCommand, VoteOutcome } from '../../domain/vote.js';
import type { RenderAnswer } from '../../ports/store.js';
import type { Exec } from './pg-link.js';
import type { Sql } from './pg-sql.js';
import { minuteOf, toPoll, type PollRow } from './pg-rows.js';

interface VoteState {
  optionIds: string[];
  joined: string;
  receiptId: string;
  at: number;
  changes: number;
}
interface Delta {
  total: number;
  ballots: number;
  options: Map<string, number>;
}

const SEP = '\u0000';
const byKey = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);

/** An error that makes the transaction run again from the start (see PgLink). */
function retryBatch(why: string): Error {
  return Object.assign(new Error(`vote batch raced with another transaction (${why}); retrying`), { code: '40001' });
}

/** `traceparent` (tracing on only) is stored in the batch's outbox events' payloads. */
export async function recordVotesTx(exec: Exec, sql: Sql, batch: VoteCommand[], render: RenderAnswer, traceparent?: string): Promise<VoteOutcome[]> {
  const now = Date.now();
  const outcomes: Array<VoteOutcome | undefined> = new Array(batch.length);

  const pollIds = [...new Set(batch.map((c) => c.pollId))].sort();
  const polls = new Map<string, Poll>();
  for (const r of await exec<PollRow & { id: string }>(sql.lockPolls, [pollIds])) polls.set(r.id, toPoll(r));

  // --- idempotency: the first request with a key claims it; later ones in the batch follow it.
  const leaderOf = new Map<string, number>();
  const followers: Array<string | undefined> = new Array(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const idem = batch[i]!.idempotency;
    if (!idem) continue;
    const k = batch[i]!.pollId + SEP + idem.key;
    if (leaderOf.has(k)) followers[i] = k;
    else leaderOf.set(k, i);
  }
  /** Keys claimed by an earlier transaction: their stored answer. */
  const prior = new Map<string, StoredResponse>();
  if (leaderOf.size > 0) {
    const keys = [...leaderOf.keys()].map((k) => k.split(SEP) as [string, string]).sort(byKey);
    const hashes = keys.map(([p, k]) => batch[leaderOf.get(p + SEP + k)!]!.idempotency!.requestHash);
    const claimed = new Set(
      (await exec<{ poll_id: string; key: string }>(sql.claimIdempotency, [keys.map((k) => k[0]), keys.map((k) => k[1]), hashes, now])).map(
        (r) => r.poll_id + SEP + r.key,
      ),
    );
    const taken = keys.filter(([p, k]) => !claimed.has(p + SEP + k));
    if (taken.length > 0) {
      const rows = await exec<{ poll_id: string; key: string; request_hash: string; status: number; body: string }>(sql.getIdempotencyMany, [
        taken.map((k) => k[0]),
        taken.map((k) => k[1]),
      ]);
      for (const r of rows) prior.set(r.poll_id + SEP + r.key, { status: r.status, body: r.body, requestHash: r.request_hash });
      // Conflicted on claim, gone on read: pruned in between. Rare; start over.
      if (rows.length !== taken.length) throw retryBatch('idempotency key pruned');
    }
    for (let i = 0; i < batch.length; i++) {
      const idem = batch[i]!.idempotency;
      if (!idem) continue;
      const k = batch[i]!.pollId + SEP + idem.key;
      const stored = prior.get(k);
      if (!stored) continue;
      outcomes[i] = stored.requestHash === idem.requestHash ? { kind: 'replay', response: stored } : { kind: 'key_reused' };
      followers[i] = undefined;
    }
  }

  // --- window check, then the first command per (poll, voter) becomes a row to insert.
  const candidates: number[] = [];
  const firstOf = new Map<string, number>();
  for (let i = 0; i < batch.length; i++) {
    if (outcomes[i] !== undefined || followers[i] !== undefined) continue;
    const cmd = batch[i]!;
    const poll = polls.get(cmd.pollId);
    if (!poll) {
      outcomes[i] = { kind: 'rejected', code: 'poll_not_found' };
      continue;
    }
    const st = effectiveStatus(poll, now);
    if (st !== 'open') {
      outcomes[i] = { kind: 'rejected', code: st === 'closed' ? 'poll_closed' : 'poll_not_open' };
      continue;
    }
    candidates.push(i);
    const vk = cmd.pollId + SEP + cmd.voterId;
    if (!firstOf.has(vk)) firstOf.set(vk, i);
  }

  const inserted = new Set<string>();
  const existing = new Map<string, VoteState>();
  if (firstOf.size > 0) {
    const rows = [...firstOf.values()].map((i) => batch[i]!).sort((a, b) => byKey([a.pollId, a.voterId], [b.pollId, b.voterId]));
    const ret = await exec<{ poll_id: string; voter_id: string }>(sql.insertVotes, [
      rows.map((c) => c.pollId),
      rows.map((c) => c.voterId),
      rows.map((c) => c.optionIds.join(',')),
      rows.map((c) => c.receiptId),
      rows.map((c) => c.at),
    ]);
    for (const r of ret) inserted.add(r.poll_id + SEP + r.voter_id);
    const conflicts = rows.filter((c) => !inserted.has(c.pollId + SEP + c.voterId));
    if (conflicts.length > 0) {
      const found = await exec<{ poll_id: string; voter_id: string; option_ids: string; receipt_id: string; cast_at: number }>(sql.lockVotes, [
        conflicts.map((c) => c.pollId),
        conflicts.map((c) => c.voterId),
        [...new Set(conflicts.map((c) => c.pollId))],
      ]);
      for (const r of found) {
        existing.set(r.poll_id + SEP + r.voter_id, { optionIds: r.option_ids.split(','), joined: r.option_ids, receiptId: r.receipt_id, at: r.cast_at, changes: 0 });
      }
      if (existing.size !== conflicts.length) throw retryBatch('conflicting vote not found');
    }
  }

  // --- one command after another, as the embedded store does.
  const deltas = new Map<string, Delta>();
  const addDelta = (pollId: string, optionIds: string[], sign: number, total: number) => {
    let d = deltas.get(pollId);
    if (!d) deltas.set(pollId, (d = { total: 0, ballots: 0, options: new Map() }));
    d.total += total;
    if (sign > 0) d.ballots += 1;
    for (const o of optionIds) d.options.set(o, (d.options.get(o) ?? 0) + sign);
  };
  const state = new Map<string, VoteState>();
  const changed = new Set<string>();
  for (const i of candidates) {
    const cmd = batch[i]!;
    const vk = cmd.pollId + SEP + cmd.voterId;
    const joined = cmd.optionIds.join(',');
    let cur = state.get(vk);
    if (!cur && inserted.has(vk)) {
      state.set(vk, { optionIds: cmd.optionIds, joined, receiptId: cmd.receiptId, at: cmd.at, changes: 0 });
      addDelta(cmd.pollId, cmd.optionIds, 1, 1);
      outcomes[i] = { kind: 'counted', vote: { optionIds: cmd.optionIds, receiptId: cmd.receiptId, at: cmd.at }, version: 0, changed: false };
      continue;
    }
    if (!cur) state.set(vk, (cur = existing.get(vk)!));
    if (polls.get(cmd.pollId)!.allowChange && cur.joined !== joined) {
      addDelta(cmd.pollId, cur.optionIds, -1, 0);
      addDelta(cmd.pollId, cmd.optionIds, 1, 0);
      state.set(vk, { optionIds: cmd.optionIds, joined, receiptId: cmd.receiptId, at: cmd.at, changes: cur.changes + 1 });
      changed.add(vk);
      outcomes[i] = { kind: 'counted', vote: { optionIds: cmd.optionIds, receiptId: cmd.receiptId, at: cmd.at }, version: 0, changed: true };
    } else {
      outcomes[i] = { kind: 'duplicate', counted: { optionIds: cur.optionIds, receiptId: cur.receiptId, at: cur.at } };
    }
  }

  if (changed.size > 0) {
    const keys = [...changed].map((k) => k.split(SEP) as [string, string]).sort(byKey);
    const st = keys.map(([p, w]) => state.get(p + SEP + w)!);
    await exec(sql.changeVotes, [
      keys.map((k) => k[0]),
      keys.map((k) => k[1]),
      st.map((v) => v.joined),
      st.map((v) => v.receiptId),
      st.map((v) => v.at),
      st.map((v) => v.changes),
      [...new Set(keys.map((k) => k[0]))],
    ]);
  }

  const versions = new Map<string, number>();
  if (deltas.size > 0) {
    const tallies: Array<[string, string, number]> = [];
    for (const [pollId, d] of deltas) for (const [optionId, n] of d.options) if (n !== 0) tallies.push([pollId, optionId, n]);
    tallies.sort((a, b) => byKey([a[0], a[1]], [b[0], b[1]]));
    const touched = [...deltas.keys()].sort();
    const rows = await exec<{ id: string; version: number }>(sql.finishBatch, [
      tallies.map((t) => t[0]),
      tallies.map((t) => t[1]),
      tallies.map((t) => t[2]),
      now,
      touched,
      touched.map((p) => deltas.get(p)!.total),
      minuteOf(now),
      touched.map((p) => deltas.get(p)!.ballots),
      touched.map(() => newEventId()),
      traceparent ?? null,
    ]);
    for (const r of rows) versions.set(r.id, r.version);
  }

  // --- versions into outcomes; answers rendered once and kept with their keys.
  const answers = new Map<string, StoredResponse>();
  const answerRows: Array<[string, string, number, string]> = [];
  for (let i = 0; i < batch.length; i++) {
    const cmd = batch[i]!;
    const out = outcomes[i];
    if (out?.kind === 'counted') out.version = versions.get(cmd.pollId) ?? 0;
    if (!cmd.idempotency || out?.kind === 'replay' || out?.kind === 'key_reused') continue;
    const leader = followers[i];
    if (leader !== undefined) {
      const first = answers.get(leader)!;
      outcomes[i] = first.requestHash === cmd.idempotency.requestHash ? { kind: 'replay', response: first } : { kind: 'key_reused' };
      continue;
    }
    const answer = render(cmd, out!);
    answers.set(cmd.pollId + SEP + cmd.idempotency.key, answer);
    answerRows.push([cmd.pollId, cmd.idempotency.key, answer.status, answer.body]);
  }
  if (answerRows.length > 0) {
    answerRows.sort((a, b) => byKey([a[0], a[1]], [b[0], b[1]]));
    await exec(sql.answerIdempotency, [answerRows.map((r) => r[0]), answerRows.map((r) => r[1]), answerRows.map((r) => r[2]), answerRows.map((r) => r[3])]);
  }
  return outcomes as VoteOutcome[];
}
