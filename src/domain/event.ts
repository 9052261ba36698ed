/**
 * Events: a presenter's session of many questions under one short join code, with a current
 * question the audience's phones follow. Each question is a poll (managed by the event's owner
 * token); the event holds their order, the current one, and whether the big screen shows results.
 * Pure: time and randomness come in as arguments.
 */
import { randomInt } from 'node:crypto';
import { PollcastError } from '../errors.js';
import { mergeQaSettings, type QaSettings } from './audience-question.js';
import { randomId } from './ids.js';
import { pollText } from './poll-text.js';

/**
 * Join-code characters: upper-case letters and digits without look-alikes (no 0/O/Q/D, 1/I/L,
 * 2/Z, 5/S, 8/B, U/V). Codes are read case-insensitively, so what a person types in any case
 * maps to one code.
 */
export const CODE_ALPHABET = 'ACEFGHJKMNPRTWXY34679';
export const CODE_LENGTH = 6;
/** Codes a person may type: at most 8 characters, spaces and dashes ignored. */
export const CODE_MAX = 8;

export const EVENT_LIMITS = { titleMax: 200, questionsMax: 100 } as const;

export interface LiveEvent {
  id: string;
  /** Upper case, CODE_LENGTH characters of CODE_ALPHABET. */
  code: string;
  title: string;
  /** sha256 of the owner token: it manages the event and every question in it. */
  ownerTokenHash: string;
  /** Question (poll) ids in the presenter's order. */
  questionIds: string[];
  currentQuestionId: string | null;
  /** Whether the audience and the big screen see the current question's results. */
  resultsShown: boolean;
  /** Audience Q&A settings; absent on events stored before Q&A (read with `qaSettings`). */
  qa?: QaSettings;
  /** Grows with every change the audience can see (the stream's version is built on it). */
  version: number;
  createdAt: number;
  updatedAt: number;
}

export const newLiveEventId = (): string => 'ev_' + randomId(12);
const EVENT_ID_RE = /^ev_[A-Za-z0-9]{12}$/;
export const isLiveEventId = (s: string): boolean => EVENT_ID_RE.test(s);

export function newJoinCode(pick: (n: number) => number = randomInt): string {
  let out = '';
  for (let i = 0; i < CODE_LENGTH; i++) out += CODE_ALPHABET[pick(CODE_ALPHABET.length)];
  return out;
}

/** The code a person typed, as stored (upper case, spaces and dashes dropped), or null if it cannot be one. */
export function normalizeJoinCode(typed: string): string | null {
  const code = typed.replace(/[\s-]/g, '').toUpperCase();
  if (code.length === 0 || code.length > CODE_MAX) return null;
  for (const ch of code) if (!CODE_ALPHABET.includes(ch)) return null;
  return code;
}

export function createLiveEvent(
  id: string,
  code: string,
  title: string,
  ownerTokenHash: string,
  questionIds: string[],
  now: number,
  qa?: Partial<QaSettings>,
): LiveEvent {
  checkQuestionCount(questionIds.length);
  return {
    id,
    code,
    title: pollText(title, 'title', EVENT_LIMITS.titleMax),
    ownerTokenHash,
    questionIds,
    qa: mergeQaSettings(undefined, qa),
    currentQuestionId: questionIds[0] ?? null,
    resultsShown: false,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}

function checkQuestionCount(n: number): void {
  if (n > EVENT_LIMITS.questionsMax)
    throw new PollcastError('invalid_event', `an event has at most ${EVENT_LIMITS.questionsMax} questions`, {
      field: 'questions',
    });
}

const bump = (ev: LiveEvent, now: number, change: Partial<LiveEvent>): LiveEvent => ({
  ...ev,
  ...change,
  version: ev.version + 1,
  updatedAt: Math.max(now, ev.updatedAt + 1),
});

export function setCurrent(ev: LiveEvent, questionId: string | null, now: number): LiveEvent {
  if (questionId !== null && !ev.questionIds.includes(questionId))
    throw new PollcastError('question_not_in_event', undefined, { questionId });
  // Moving to another question hides results: the presenter reveals them when ready.
  return bump(ev, now, {
    currentQuestionId: questionId,
    resultsShown: questionId === ev.currentQuestionId ? ev.resultsShown : false,
  });
}

export function showResults(ev: LiveEvent, shown: boolean, now: number): LiveEvent {
  return bump(ev, now, { resultsShown: shown });
}

export function qaSettings(ev: LiveEvent): QaSettings {
  return mergeQaSettings(ev.qa, undefined);
}

export function setQaSettings(ev: LiveEvent, patch: Partial<QaSettings>, now: number): LiveEvent {
  return bump(ev, now, { qa: mergeQaSettings(ev.qa, patch) });
}

export function setTitle(ev: LiveEvent, title: string, now: number): LiveEvent {
  return bump(ev, now, { title: pollText(title, 'title', EVENT_LIMITS.titleMax) });
}

export function addQuestion(ev: LiveEvent, questionId: string, position: number | undefined, now: number): LiveEvent {
  checkQuestionCount(ev.questionIds.length + 1);
  const ids = [...ev.questionIds];
  ids.splice(position === undefined ? ids.length : Math.max(0, Math.min(position, ids.length)), 0, questionId);
  return bump(ev, now, { questionIds: ids, currentQuestionId: ev.currentQuestionId ?? questionId });
}

/** A new order: exactly the event's questions, each once. */
export function reorderQuestions(ev: LiveEvent, order: readonly string[], now: number): LiveEvent {
  const same =
    order.length === ev.questionIds.length &&
    new Set(order).size === order.length &&
    order.every((id) => ev.questionIds.includes(id));
  if (!same)
    throw new PollcastError('invalid_event', 'the new order must name every question of the event exactly once', {
      field: 'questionIds',
    });
  return bump(ev, now, { questionIds: [...order] });
}

/** Removing the current question makes the next one (or the previous, at the end) current. */
export function removeQuestion(ev: LiveEvent, questionId: string, now: number): LiveEvent {
  const at = ev.questionIds.indexOf(questionId);
  if (at < 0) throw new PollcastError('question_not_in_event', undefined, { questionId });
  const ids = ev.questionIds.filter((id) => id !== questionId);
  const current =
    ev.currentQuestionId === questionId ? (ids[Math.min(at, ids.length - 1)] ?? null) : ev.currentQuestionId;
  return bump(ev, now, {
    questionIds: ids,
    currentQuestionId: current,
    resultsShown: current === ev.currentQuestionId ? ev.resultsShown : false,
  });
}

/**
 * The stream's version: the event's version in the high part, the current question's results
 * version in the low 32 bits. A presenter action always moves it up, whatever the new question's
 * results version; votes move it up within one event version.
 */
export function streamVersion(eventVersion: number, resultsVersion: number): number {
  return eventVersion * 2 ** 32 + Math.max(0, Math.min(resultsVersion, 2 ** 32 - 1));
}
