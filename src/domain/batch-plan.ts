/**
 * The vote batch planner: what one group-commit batch does, decided without a database. A store
 * reads what the planner asks for inside the batch's transaction (the polls, locked; the votes of
 * the batch's voters; the answers stored under its idempotency keys), calls `planBatch`, and
 * performs the writes of the plan in the same transaction. Both stores (SQLite and PostgreSQL)
 * therefore give the same outcomes for the same batch by construction.
 *
 * The batch is processed one command after another, in order:
 *   1. An idempotency key already stored answers `replay` (same request hash) or `key_reused`.
 *      The first command of the batch with a new key claims it; later ones with that key follow it
 *      and get its rendered answer (or `key_reused`), counting nothing themselves.
 *   2. The poll must exist and be open now (`poll_not_found`, `poll_closed`, `poll_not_open`).
 *   3. A voter's first vote in a poll is counted; a later one with another choice is a change
 *      when the poll allows it, otherwise (and with the same choice) a duplicate naming the vote
 *      that counts. Later commands of one voter in the batch see the earlier ones.
 *   4. Every poll with a counted vote gets version + 1 (once per batch), its total grows by the
 *      new voters, its tallies by per-key deltas (`tallyKeys`; a change: minus the old ballot's
 *      keys, plus the new), and one `votes.recorded` outbox event.
 *   5. Every claiming command's outcome is rendered once, and kept with its key.
 *
 * Two kinds add to this (each in its own branch; a choice vote never enters them):
 *   - text: a voter's row lists their answer ids; an answer is counted while the voter has fewer
 *     than `maxAnswers` (then `duplicate`). Each answer is a `texts` row; with post-moderation its
 *     distinct words add one each to `words` (summed per batch: the cost grows with the batch's
 *     words, never with the answers so far) and one to the shown-answers tally.
 *   - quiz: a late answer is `answer_too_late`; a counted one gets a `points` row scored on the
 *     server's clock (domain/quiz.ts), in the same transaction as the vote, so each is scored once.
 *
 * Writes come sorted by their conflict key, so concurrent batches lock rows in one order.
 */
import type { OutboxEvent } from './events.js';
import type { Poll, PollKind } from './poll.js';
import { effectiveStatus } from './poll.js';
import { quizPoints } from './quiz.js';
import { rankingKey } from './ranked.js';
import { SHOWN_ANSWERS_KEY, type AnswerState } from './text-answer.js';
import type { CountedVote, StoredResponse, VoteCommand, VoteOutcome } from './vote.js';

/** What the planner needs of a poll, as read (and locked) in the batch's transaction. */
export type PollState = Pick<Poll, 'status' | 'opensAt' | 'closesAt' | 'allowChange'> & {
  /** The results version before this batch. */
  version: number;
  /** Decides the tally keys of a ballot (see `tallyKeys`); absent: a choice question. */
  kind?: PollKind;
  /** Text questions: answers per voter and moderation. */
  text?: Pick<NonNullable<Poll['text']>, 'maxAnswers' | 'moderation'> | null;
  /** Quiz questions: correct options and scoring. */
  quiz?: Poll['quiz'];
};

/**
 * The tally keys a ballot adds one to: its option ids (single, multiple), its value token (rating,
 * nps), or, for ranked, its first preference and the key of its whole ranking, so identical
 * rankings are counted once and instant runoff never reads the votes.
 */
export function tallyKeys(kind: PollKind | undefined, optionIds: readonly string[]): readonly string[] {
  if (kind !== 'ranked' || optionIds.length === 0) return optionIds;
  return [optionIds[0]!, rankingKey(optionIds)];
}

/**
 * The store's reads, answered inside the batch's transaction. Each is asked at most once per
 * poll, voter or key; `undefined` means there is none.
 */
export interface BatchReads {
  poll(pollId: string): PollState | undefined;
  vote(pollId: string, voterId: string): CountedVote | undefined;
  answer(pollId: string, key: string): StoredResponse | undefined;
}

export interface PlanContext {
  /** Decides the voting window; also `results_at`, the events' `at` and the keys' creation time. */
  now: number;
  /** The answer to keep with a claimed idempotency key, byte for byte. */
  render: (cmd: VoteCommand, outcome: VoteOutcome) => StoredResponse;
  newEventId: () => string;
  /** W3C trace context of the batch, stored in each outbox event's payload when given. */
  traceparent?: string | undefined;
}

/** A vote row as it stands after the batch. */
export interface VoteWrite {
  pollId: string;
  voterId: string;
  optionIds: string[];
  /** `optionIds` as stored: comma-joined. */
  joined: string;
  receiptId: string;
  at: number;
  /** Changes made by this batch (an inserted row may already have been changed in it). */
  changes: number;
}

/** A row that existed before the batch and was changed by it. */
export interface VoteChange extends VoteWrite {
  /** The receipt the row had when read: the update applies to that row only. */
  readReceiptId: string;
}

export interface TallyDelta {
  pollId: string;
  optionId: string;
  delta: number;
}

export interface PollBump {
  pollId: string;
  /** The version after this batch: the version read + 1. */
  version: number;
  /** New voters (changes do not add to the total). */
  total: number;
}

export interface AnswerWrite {
  pollId: string;
  key: string;
  response: StoredResponse;
}

export type RecordedEvent = OutboxEvent<'votes.recorded'>;

/** An open-text answer row. */
export interface TextWrite {
  pollId: string;
  answerId: string;
  voterId: string;
  text: string;
  /** Its cloud words, space-joined (a hide subtracts exactly these). */
  words: string;
  state: AnswerState;
  at: number;
}

/** A change to one word's count in a text question's cloud. */
export interface WordDelta {
  pollId: string;
  word: string;
  delta: number;
}

/** A quiz answer's score, written once with the vote. */
export interface PointsWrite {
  pollId: string;
  voterId: string;
  points: number;
  correct: boolean;
  /** Server time from the question's opening to the answer. */
  ms: number;
}

export interface BatchPlan {
  /** `ctx.now`: the polls' `results_at` and the idempotency keys' creation time. */
  now: number;
  /** One per command, in batch order. */
  outcomes: VoteOutcome[];
  /** Sorted by (pollId, voterId). */
  inserts: VoteWrite[];
  /** Sorted by (pollId, voterId). */
  changes: VoteChange[];
  /** Non-zero deltas only, sorted by (pollId, optionId). */
  tallies: TallyDelta[];
  /** Sorted by pollId; one event per bump, in the same order. */
  bumps: PollBump[];
  events: RecordedEvent[];
  /** Sorted by (pollId, key). */
  answers: AnswerWrite[];
  /** Text answers, sorted by (pollId, answerId). */
  texts: TextWrite[];
  /** Non-zero word count deltas, sorted by (pollId, word). */
  words: WordDelta[];
  /** Quiz scores, sorted by (pollId, voterId). */
  points: PointsWrite[];
}

const SEP = '\u0000';
/** A map key for a (poll, voter) or (poll, idempotency key) pair. */
export const pairKey = (a: string, b: string): string => a + SEP + b;

/** Orders pairs by their first, then their second member (UTF-16 code units). */
export function comparePairs(a0: string, a1: string, b0: string, b1: string): number {
  if (a0 !== b0) return a0 < b0 ? -1 : 1;
  return a1 < b1 ? -1 : a1 > b1 ? 1 : 0;
}

/** The minute (ISO, UTC) a batch committed at `at` is counted in. */
export function minuteOf(at: number): string {
  return new Date(Math.floor(at / 60_000) * 60_000).toISOString();
}

/** Everything a store may be asked to read for `batch`, each sorted and without repeats. */
export interface BatchKeys {
  pollIds: string[];
  voters: Array<[pollId: string, voterId: string]>;
  claims: Array<[pollId: string, key: string]>;
}

export function batchKeys(batch: readonly VoteCommand[]): BatchKeys {
  const polls = new Set<string>();
  const voters = new Map<string, [string, string]>();
  const claims = new Map<string, [string, string]>();
  for (const c of batch) {
    polls.add(c.pollId);
    const vk = pairKey(c.pollId, c.voterId);
    if (!voters.has(vk)) voters.set(vk, [c.pollId, c.voterId]);
    if (c.idempotency) {
      const ck = pairKey(c.pollId, c.idempotency.key);
      if (!claims.has(ck)) claims.set(ck, [c.pollId, c.idempotency.key]);
    }
  }
  const byPair = (a: [string, string], b: [string, string]) => comparePairs(a[0], a[1], b[0], b[1]);
  return { pollIds: [...polls].sort(), voters: [...voters.values()].sort(byPair), claims: [...claims.values()].sort(byPair) };
}

/** Reads answered from what a store fetched in bulk, keyed by `pairKey`. */
export function readsFromMaps(polls: ReadonlyMap<string, PollState>, votes: ReadonlyMap<string, CountedVote>, answers: ReadonlyMap<string, StoredResponse>): BatchReads {
  return {
    poll: (pollId) => polls.get(pollId),
    vote: (pollId, voterId) => votes.get(pairKey(pollId, voterId)),
    answer: (pollId, key) => answers.get(pairKey(pollId, key)),
  };
}

/** A voter's row while the batch runs. */
interface VoterState {
  pollId: string;
  voterId: string;
  vote: CountedVote;
  joined: string;
  /** Null for a row this batch inserts. */
  readReceiptId: string | null;
  changes: number;
}

interface PollTally {
  version: number;
  total: number;
  ballots: number;
  options: Map<string, number>;
}

export function planBatch(batch: readonly VoteCommand[], reads: BatchReads, ctx: PlanContext): BatchPlan {
  const { now } = ctx;
  const outcomes: Array<VoteOutcome | undefined> = new Array(batch.length);
  const stored = new Map<string, StoredResponse | null>();
  /** Claim key → index of the command that claimed it in this batch. */
  const leaders = new Map<string, number>();
  const polls = new Map<string, PollState | null>();
  /** Null: no row for this voter. */
  const voters = new Map<string, VoterState | null>();
  const tallies = new Map<string, PollTally>();
  const extra: KindWrites = { texts: [], words: new Map(), points: [] };

  for (let i = 0; i < batch.length; i++) {
    const cmd = batch[i]!;
    const idem = cmd.idempotency;
    if (idem) {
      const ck = pairKey(cmd.pollId, idem.key);
      let prev = stored.get(ck);
      if (prev === undefined) stored.set(ck, (prev = reads.answer(cmd.pollId, idem.key) ?? null));
      if (prev) {
        outcomes[i] = prev.requestHash === idem.requestHash ? { kind: 'replay', response: prev } : { kind: 'key_reused' };
        continue;
      }
      // A follower: answered from its leader's rendered answer below.
      if (leaders.has(ck)) continue;
      leaders.set(ck, i);
    }

    let poll = polls.get(cmd.pollId);
    if (poll === undefined) polls.set(cmd.pollId, (poll = reads.poll(cmd.pollId) ?? null));
    if (!poll) {
      outcomes[i] = { kind: 'rejected', code: 'poll_not_found' };
      continue;
    }
    const status = effectiveStatus(poll, now);
    if (status !== 'open') {
      outcomes[i] = { kind: 'rejected', code: status === 'closed' ? (poll.kind === 'quiz' ? 'answer_too_late' : 'poll_closed') : 'poll_not_open' };
      continue;
    }

    const vk = pairKey(cmd.pollId, cmd.voterId);
    let cur = voters.get(vk);
    if (cur === undefined) {
      const read = reads.vote(cmd.pollId, cmd.voterId);
      cur = read ? { pollId: cmd.pollId, voterId: cmd.voterId, vote: read, joined: read.optionIds.join(','), readReceiptId: read.receiptId, changes: 0 } : null;
      voters.set(vk, cur);
    }
    if (poll.kind === 'text') {
      outcomes[i] = planTextAnswer(cmd, poll, cur, voters, tallyOf(tallies, cmd.pollId, poll), extra);
      continue;
    }
    const joined = cmd.optionIds.join(',');
    const vote: CountedVote = { optionIds: cmd.optionIds, receiptId: cmd.receiptId, at: cmd.at };
    if (cur === null) {
      const t = tallyOf(tallies, cmd.pollId, poll);
      t.total += 1;
      t.ballots += 1;
      addOptions(t, tallyKeys(poll.kind, cmd.optionIds), 1);
      voters.set(vk, { pollId: cmd.pollId, voterId: cmd.voterId, vote, joined, readReceiptId: null, changes: 0 });
      outcomes[i] = { kind: 'counted', vote, version: t.version, changed: false };
      if (poll.kind === 'quiz') extra.points.push(scoreQuizAnswer(cmd, poll));
    } else if (poll.allowChange && cur.joined !== joined) {
      const t = tallyOf(tallies, cmd.pollId, poll);
      t.ballots += 1;
      addOptions(t, tallyKeys(poll.kind, cur.vote.optionIds), -1);
      addOptions(t, tallyKeys(poll.kind, cmd.optionIds), 1);
      voters.set(vk, { ...cur, vote, joined, changes: cur.changes + 1 });
      outcomes[i] = { kind: 'counted', vote, version: t.version, changed: true };
    } else {
      outcomes[i] = { kind: 'duplicate', counted: cur.vote };
    }
  }

  // Answers in batch order: a leader always comes before its followers.
  const rendered = new Map<string, StoredResponse>();
  const answers: AnswerWrite[] = [];
  for (let i = 0; i < batch.length; i++) {
    const cmd = batch[i]!;
    const idem = cmd.idempotency;
    if (!idem) continue;
    const out = outcomes[i];
    if (out?.kind === 'replay' || out?.kind === 'key_reused') continue;
    const ck = pairKey(cmd.pollId, idem.key);
    if (leaders.get(ck) !== i) {
      const first = rendered.get(ck)!;
      outcomes[i] = first.requestHash === idem.requestHash ? { kind: 'replay', response: first } : { kind: 'key_reused' };
      continue;
    }
    const response = ctx.render(cmd, out!);
    rendered.set(ck, response);
    answers.push({ pollId: cmd.pollId, key: idem.key, response });
  }
  answers.sort((a, b) => comparePairs(a.pollId, a.key, b.pollId, b.key));

  return { now, outcomes: outcomes as VoteOutcome[], ...voteWrites(voters), ...tallyWrites(tallies, ctx), answers, ...kindWrites(extra) };
}

/** What the text and quiz branches add to a plan, gathered while the batch runs. */
interface KindWrites {
  texts: TextWrite[];
  /** pairKey(pollId, word) → delta */
  words: Map<string, WordDelta>;
  points: PointsWrite[];
}

/** A text answer: counted while the voter has answers left; its words go to the cloud unless it waits for approval. */
function planTextAnswer(cmd: VoteCommand, poll: PollState, cur: VoterState | null, voters: Map<string, VoterState | null>, t: PollTally, extra: KindWrites): VoteOutcome {
  const prior = cur === null ? [] : cur.vote.optionIds;
  if (cur !== null && prior.length >= (poll.text?.maxAnswers ?? 1)) return { kind: 'duplicate', counted: cur.vote };
  const answer = cmd.text ?? { text: '', words: [] };
  const optionIds = [...prior, cmd.receiptId];
  const vote: CountedVote = { optionIds, receiptId: cmd.receiptId, at: cmd.at };
  const joined = optionIds.join(',');
  if (cur === null) t.total += 1;
  t.ballots += 1;
  voters.set(
    pairKey(cmd.pollId, cmd.voterId),
    cur === null
      ? { pollId: cmd.pollId, voterId: cmd.voterId, vote, joined, readReceiptId: null, changes: 0 }
      : { ...cur, vote, joined, changes: cur.changes + 1 },
  );
  const shown = poll.text?.moderation !== 'pre';
  extra.texts.push({ pollId: cmd.pollId, answerId: cmd.receiptId, voterId: cmd.voterId, text: answer.text, words: answer.words.join(' '), state: shown ? 'shown' : 'pending', at: cmd.at });
  if (shown) {
    addOptions(t, [SHOWN_ANSWERS_KEY], 1);
    for (const word of answer.words) {
      const k = pairKey(cmd.pollId, word);
      const d = extra.words.get(k);
      if (d) d.delta += 1;
      else extra.words.set(k, { pollId: cmd.pollId, word, delta: 1 });
    }
  }
  return { kind: 'counted', vote, version: t.version, changed: false };
}

/** A quiz answer's points: correct if it names a correct option, timed from the question's opening (server clock). */
function scoreQuizAnswer(cmd: VoteCommand, poll: PollState): PointsWrite {
  const quiz = poll.quiz;
  const correct = quiz !== null && quiz !== undefined && cmd.optionIds.length > 0 && cmd.optionIds.every((o) => quiz.correctOptionIds.includes(o));
  const ms = Math.max(0, cmd.at - (poll.opensAt ?? cmd.at));
  return { pollId: cmd.pollId, voterId: cmd.voterId, points: quiz ? quizPoints(quiz, correct, ms) : 0, correct, ms };
}

function kindWrites(extra: KindWrites): Pick<BatchPlan, 'texts' | 'words' | 'points'> {
  if (extra.texts.length === 0 && extra.points.length === 0) return { texts: extra.texts, words: [], points: extra.points };
  return {
    texts: extra.texts.sort((a, b) => comparePairs(a.pollId, a.answerId, b.pollId, b.answerId)),
    words: [...extra.words.values()].filter((w) => w.delta !== 0).sort((a, b) => comparePairs(a.pollId, a.word, b.pollId, b.word)),
    points: extra.points.sort((a, b) => comparePairs(a.pollId, a.voterId, b.pollId, b.voterId)),
  };
}

function tallyOf(tallies: Map<string, PollTally>, pollId: string, poll: PollState): PollTally {
  let t = tallies.get(pollId);
  if (!t) tallies.set(pollId, (t = { version: poll.version + 1, total: 0, ballots: 0, options: new Map() }));
  return t;
}

function addOptions(t: PollTally, optionIds: readonly string[], sign: 1 | -1): void {
  for (const o of optionIds) t.options.set(o, (t.options.get(o) ?? 0) + sign);
}

function voteWrites(voters: Map<string, VoterState | null>): Pick<BatchPlan, 'inserts' | 'changes'> {
  const inserts: VoteWrite[] = [];
  const changes: VoteChange[] = [];
  for (const st of voters.values()) {
    if (!st || (st.readReceiptId !== null && st.changes === 0)) continue;
    const row: VoteWrite = {
      pollId: st.pollId,
      voterId: st.voterId,
      optionIds: st.vote.optionIds,
      joined: st.joined,
      receiptId: st.vote.receiptId,
      at: st.vote.at,
      changes: st.changes,
    };
    if (st.readReceiptId === null) inserts.push(row);
    else changes.push({ ...row, readReceiptId: st.readReceiptId });
  }
  const byVoter = (a: VoteWrite, b: VoteWrite) => comparePairs(a.pollId, a.voterId, b.pollId, b.voterId);
  return { inserts: inserts.sort(byVoter), changes: changes.sort(byVoter) };
}

function tallyWrites(tallies: Map<string, PollTally>, ctx: PlanContext): Pick<BatchPlan, 'tallies' | 'bumps' | 'events'> {
  const deltas: TallyDelta[] = [];
  const bumps: PollBump[] = [];
  const events: RecordedEvent[] = [];
  const minute = minuteOf(ctx.now);
  for (const pollId of [...tallies.keys()].sort()) {
    const t = tallies.get(pollId)!;
    for (const [optionId, delta] of t.options) if (delta !== 0) deltas.push({ pollId, optionId, delta });
    bumps.push({ pollId, version: t.version, total: t.total });
    const payload: RecordedEvent['payload'] = { votes: t.total, ballots: t.ballots, minute, version: t.version };
    if (ctx.traceparent !== undefined) payload.traceparent = ctx.traceparent;
    events.push({ eventId: ctx.newEventId(), type: 'votes.recorded', pollId, at: ctx.now, payload });
  }
  deltas.sort((a, b) => comparePairs(a.pollId, a.optionId, b.pollId, b.optionId));
  return { tallies: deltas, bumps, events };
}
