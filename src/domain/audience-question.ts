/**
 * Audience Q&A: questions the people joined to an event ask the presenter, upvoted by the room.
 * Pure: the rules for text and names, the event's Q&A settings, moderation changes, the two
 * orders (top, recent), and the planner of an upvote batch (src/core/audience-qa-service.ts
 * gathers upvotes; both stores run this planner inside one transaction each).
 *
 * Text is stored as typed (after the same checks as poll text) and is only ever shown as text:
 * `<script>` is a question about a script tag, never markup.
 */
import { PollcastError } from '../errors.js';
import { randomId } from './ids.js';
import { pollText } from './poll-text.js';

/** `optional`: a name may be given; `required`: every question carries one; `off`: anonymous only. */
export type QaNames = 'optional' | 'required' | 'off';
/** `post`: questions show at once, managers hide; `pre`: questions wait for a manager's approval. */
export type QaModeration = 'post' | 'pre';

export interface QaSettings {
  /** Whether the audience may ask now (asked questions stay readable either way). */
  enabled: boolean;
  names: QaNames;
  moderation: QaModeration;
}

export const DEFAULT_QA: QaSettings = Object.freeze({ enabled: true, names: 'optional', moderation: 'post' });

export const QA_LIMITS = {
  textMax: 300,
  nameMax: 40,
  /** The live channel carries the top `liveTop` by the top order and the newest `liveRecent`. */
  liveTop: 20,
  liveRecent: 10,
  /** At most this many questions in one list answer. */
  listMax: 500,
} as const;

/** `pending`: awaits approval (pre-moderation); `visible`: the room sees it; `hidden`: a manager hid it. */
export type AudienceQuestionState = 'pending' | 'visible' | 'hidden';
export const QUESTION_STATES: readonly AudienceQuestionState[] = ['pending', 'visible', 'hidden'];

export interface AudienceQuestion {
  id: string;
  eventId: string;
  /** Who asked (the voter key, as for votes): never shown. */
  voterKey: string;
  name: string | null;
  text: string;
  state: AudienceQuestionState;
  pinned: boolean;
  answered: boolean;
  /** Equal to the question's upvote rows, always (kept in the same transaction). */
  upvotes: number;
  createdAt: number;
  updatedAt: number;
}

export type QaSort = 'top' | 'recent';

export interface Moderation {
  state?: 'visible' | 'hidden' | undefined;
  pinned?: boolean | undefined;
  answered?: boolean | undefined;
}

export const newAudienceQuestionId = (): string => 'aq_' + randomId(12);
const QUESTION_ID_RE = /^aq_[A-Za-z0-9]{12}$/;
export const isAudienceQuestionId = (s: string): boolean => QUESTION_ID_RE.test(s);

/** The event's settings with defaults for what a partial patch leaves out. */
export function mergeQaSettings(base: QaSettings | undefined, patch: Partial<QaSettings> | undefined): QaSettings {
  return { ...DEFAULT_QA, ...base, ...patch };
}

/**
 * What a question may say: not blank, no control or bidi-override characters, no lone surrogate,
 * NFC, at most QA_LIMITS.textMax characters after trimming (the rules of poll text).
 */
export function questionText(raw: string): string {
  const text = recoded(() => pollText(raw, 'text', Number.MAX_SAFE_INTEGER), 'qa_text_invalid');
  if (text.length > QA_LIMITS.textMax)
    throw new PollcastError('qa_text_too_long', `a question has at most ${QA_LIMITS.textMax} characters`, { field: 'text', max: QA_LIMITS.textMax });
  return text;
}

/** The name to store with a question under the event's rule: null when anonymous. */
export function askerName(raw: string | undefined, names: QaNames): string | null {
  const given = raw === undefined || raw.trim() === '' ? null : raw;
  if (given === null) {
    if (names === 'required') throw new PollcastError('qa_name_required', undefined, { field: 'name' });
    return null;
  }
  if (names === 'off') throw new PollcastError('qa_name_not_allowed', undefined, { field: 'name' });
  const name = recoded(() => pollText(given, 'name', Number.MAX_SAFE_INTEGER), 'qa_name_invalid');
  if (name.length > QA_LIMITS.nameMax)
    throw new PollcastError('qa_name_invalid', `a name has at most ${QA_LIMITS.nameMax} characters`, { field: 'name', max: QA_LIMITS.nameMax });
  return name;
}

function recoded(fn: () => string, code: 'qa_text_invalid' | 'qa_name_invalid'): string {
  try {
    return fn();
  } catch (err) {
    if (err instanceof PollcastError && err.code === 'invalid_poll') throw new PollcastError(code, err.message, err.extra);
    throw err;
  }
}

export function newAudienceQuestion(
  id: string,
  eventId: string,
  voterKey: string,
  text: string,
  name: string | undefined,
  settings: QaSettings,
  now: number,
): AudienceQuestion {
  if (!settings.enabled) throw new PollcastError('qa_closed');
  return {
    id,
    eventId,
    voterKey,
    name: askerName(name, settings.names),
    text: questionText(text),
    state: settings.moderation === 'pre' ? 'pending' : 'visible',
    pinned: false,
    answered: false,
    upvotes: 0,
    createdAt: now,
    updatedAt: now,
  };
}

/** A manager's change. Approving is `state: visible`; a hidden question loses its pin. */
export function moderate(q: AudienceQuestion, m: Moderation, now: number): AudienceQuestion {
  const state = m.state ?? q.state;
  return {
    ...q,
    state,
    pinned: state === 'hidden' ? false : (m.pinned ?? q.pinned),
    answered: m.answered ?? q.answered,
    updatedAt: Math.max(now, q.updatedAt + 1),
  };
}

/**
 * The orders, both: pinned first, then open before answered; then `top`: most upvotes, older
 * first among equals; `recent`: newest first. Ids break the last ties, so the order is total.
 */
export function compareQuestions(sort: QaSort): (a: AudienceQuestion, b: AudienceQuestion) => number {
  return (a, b) =>
    Number(b.pinned) - Number(a.pinned) ||
    Number(a.answered) - Number(b.answered) ||
    (sort === 'top' ? b.upvotes - a.upvotes || a.createdAt - b.createdAt : b.createdAt - a.createdAt) ||
    (sort === 'top' ? cmp(a.id, b.id) : cmp(b.id, a.id));
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// ---- upvotes -------------------------------------------------------------------------------

/** One upvote (`up`) or un-upvote by one voter, as submitted. */
export interface UpvoteOp {
  eventId: string;
  questionId: string;
  voterKey: string;
  up: boolean;
  at: number;
}

/**
 * `upvoted`: counted now; `already`: this voter's upvote was already counted (nothing changes);
 * `removed`: taken back; `not_upvoted`: there was none to take back (nothing changes);
 * `unknown`: no visible question of this event has this id. `upvotes`: the count after the batch.
 */
export type UpvoteOutcome =
  | { kind: 'upvoted' | 'already' | 'removed' | 'not_upvoted'; upvotes: number }
  | { kind: 'unknown' };

/** What a store knows about a question of the batch, read under its lock. */
export interface UpvoteTarget {
  eventId: string;
  state: AudienceQuestionState;
  upvotes: number;
}

export interface UpvotePlan {
  outcomes: UpvoteOutcome[];
  /** Rows to insert: [questionId, voterKey, at]. */
  inserts: Array<[string, string, number]>;
  /** Rows to delete: [questionId, voterKey]. */
  deletes: Array<[string, string]>;
  /** Count change per question (non-zero only). */
  deltas: Map<string, number>;
  /** Events whose Q&A changed (their version moves once). */
  events: Set<string>;
}

export const upvoteKey = (questionId: string, voterKey: string): string => questionId + '\u0000' + voterKey;

/**
 * Plans a batch in submission order against the rows as they are (`has`: whether the voter's
 * upvote row exists). A voter's ops on one question apply one after the other, so 50 concurrent
 * upvotes by one voter count once and the others are `already`; the final rows per key decide
 * the writes. Counts after the batch equal rows before plus inserts minus deletes.
 */
export function planUpvotes(
  ops: readonly UpvoteOp[],
  targets: ReadonlyMap<string, UpvoteTarget>,
  has: (questionId: string, voterKey: string) => boolean,
): UpvotePlan {
  const state = new Map<string, { before: boolean; now: boolean; at: number; q: string; v: string }>();
  const deltas = new Map<string, number>();
  const kinds: Array<UpvoteOutcome['kind']> = [];
  for (const op of ops) {
    const t = targets.get(op.questionId);
    if (!t || t.eventId !== op.eventId || t.state !== 'visible') {
      kinds.push('unknown');
      continue;
    }
    const k = upvoteKey(op.questionId, op.voterKey);
    let s = state.get(k);
    if (!s) {
      const before = has(op.questionId, op.voterKey);
      s = { before, now: before, at: op.at, q: op.questionId, v: op.voterKey };
      state.set(k, s);
    }
    if (op.up === s.now) {
      kinds.push(op.up ? 'already' : 'not_upvoted');
      continue;
    }
    s.now = op.up;
    s.at = op.at;
    deltas.set(op.questionId, (deltas.get(op.questionId) ?? 0) + (op.up ? 1 : -1));
    kinds.push(op.up ? 'upvoted' : 'removed');
  }
  const plan: UpvotePlan = { outcomes: [], inserts: [], deletes: [], deltas: new Map(), events: new Set() };
  for (const s of state.values()) {
    if (s.now && !s.before) plan.inserts.push([s.q, s.v, s.at]);
    else if (!s.now && s.before) plan.deletes.push([s.q, s.v]);
  }
  for (const [q, d] of deltas) {
    if (d === 0) continue;
    plan.deltas.set(q, d);
    plan.events.add(targets.get(q)!.eventId);
  }
  plan.outcomes = ops.map((op, i) => {
    const kind = kinds[i]!;
    if (kind === 'unknown') return { kind };
    const t = targets.get(op.questionId)!;
    return { kind, upvotes: t.upvotes + (plan.deltas.get(op.questionId) ?? 0) };
  });
  return plan;
}

/** What anyone may read of a question: never who asked (the voter key). */
export interface PublicAudienceQuestion {
  id: string;
  text: string;
  name: string | null;
  state: AudienceQuestionState;
  pinned: boolean;
  answered: boolean;
  upvotes: number;
  createdAt: string;
}

export function publicAudienceQuestion(q: AudienceQuestion): PublicAudienceQuestion {
  return {
    id: q.id,
    text: q.text,
    name: q.name,
    state: q.state,
    pinned: q.pinned,
    answered: q.answered,
    upvotes: q.upvotes,
    createdAt: new Date(q.createdAt).toISOString(),
  };
}
