/** Polls: definition, validation, status rules. Pure: time comes in as an argument. */
import { PollcastError } from '../errors.js';
import { newOptionId } from './ids.js';
import { pollText } from './poll-text.js';

export const POLL_KINDS = ['single', 'multiple', 'ranked', 'rating', 'nps', 'text', 'quiz'] as const;
/** Kinds answered with option ids (ranked: in order of preference); the others with a value on a scale. */
export const CHOICE_KINDS = ['single', 'multiple', 'ranked'] as const;
export const POLL_STATUSES = ['draft', 'open', 'closed'] as const;
export const RESULTS_VISIBILITIES = ['live', 'after_close', 'owner_only'] as const;
/**
 * How voters are identified (docs/voting.md states each mode's guarantee):
 * device — a signed voter token (cookie); account — logged-in users; invite — one-time codes;
 * open — a trusted caller (API key, or the owner token of a quick poll) names the voter.
 */
export const IDENTITY_MODES = ['device', 'account', 'invite', 'open'] as const;
/** link: anyone with the link; workspace: members of the poll's workspace only (others get 404). */
export const POLL_ACCESS = ['link', 'workspace'] as const;

export type PollKind = (typeof POLL_KINDS)[number];
export type PollStatus = (typeof POLL_STATUSES)[number];
export type ResultsVisibility = (typeof RESULTS_VISIBILITIES)[number];
export type IdentityMode = (typeof IDENTITY_MODES)[number];
export type PollAccess = (typeof POLL_ACCESS)[number];

export const LIMITS = {
  questionMax: 500,
  optionsMin: 2,
  optionsMax: 100,
  optionTextMax: 200,
  voterIdMax: 128,
  /** Votes counted from one IP address per poll, when a poll sets ipCap. */
  ipCapMax: 1_000_000,
  /** Proof-of-work cost in leading zero bits of SHA-256 (each bit doubles the work). */
  powDifficultyMax: 24,
  invitesPerRequest: 100_000,
  invitesPerPoll: 10_000_000,
  /** Rating scales lie within 0–10. */
  scaleMin: 0,
  scaleMax: 10,
  scaleLabelMax: 60,
  /** Open text: the longest answer a question may allow, and the most answers per voter. */
  textMaxLength: 1000,
  textDefaultLength: 200,
  textMaxAnswers: 10,
  /** Quiz: the time limit of a question, in seconds. */
  quizMinSec: 5,
  quizMaxSec: 600,
  quizDefaultSec: 20,
} as const;

/** An open-text question (kind `text`): how long an answer may be, how many per voter, and moderation. */
export interface TextSpec {
  /** Characters (UTF-16 units of the NFC text), 1–1000, default 200. */
  maxLength: number;
  /** Answers per voter, 1–10, default 1. */
  maxAnswers: number;
  /** post: answers show at once (a manager may hide one); pre: answers wait until the presenter approves them. */
  moderation: 'post' | 'pre';
  /** Drop words on the built-in profanity list from the word cloud (the answer itself is kept for the feed). */
  profanityFilter: boolean;
}

/** A quiz question (kind `quiz`, single choice): which options are correct and how points fall with time. */
export interface QuizSpec {
  correctOptionIds: string[];
  timeLimitSec: number;
  /** Points for a correct answer at the moment the question opens … */
  maxPoints: number;
  /** … falling linearly to this at the time limit. */
  minPoints: number;
}

export const MODERATION_MODES = ['post', 'pre'] as const;
export const QUIZ_POINTS = { max: 1000, min: 500 } as const;

/** A rating or NPS question's scale: integers min…max, each with an optional label. */
export interface RatingScale {
  min: number;
  max: number;
  /** One label per value, min first; absent: the numbers alone. */
  labels?: string[];
}

export const DEFAULT_RATING_SCALE: RatingScale = { min: 1, max: 5 };
export const NPS_SCALE: RatingScale = { min: 0, max: 10 };

export const isValueKind = (kind: PollKind): kind is 'rating' | 'nps' => kind === 'rating' || kind === 'nps';

export interface PollOption {
  id: string;
  text: string;
}

/** A poll as stored. Times are epoch milliseconds. */
export interface Poll {
  id: string;
  question: string;
  /** Empty for rating and nps questions. */
  options: PollOption[];
  kind: PollKind;
  /** Multiple: the most options a voter may tick; ranked: the most options a voter may rank (maxRank). */
  maxChoices: number;
  /** The scale of a rating or nps question; null for the other kinds. */
  scale: RatingScale | null;
  /** Open text: its limits and moderation; null for the other kinds. */
  text: TextSpec | null;
  /** Quiz: correct options and time limit; null for the other kinds. Never shown before the question closes. */
  quiz: QuizSpec | null;
  status: PollStatus;
  opensAt: number | null;
  closesAt: number | null;
  resultsVisibility: ResultsVisibility;
  identityMode: IdentityMode;
  allowChange: boolean;
  /** sha256 of the owner token of a quick (anonymous) poll; '' for a workspace poll, managed by roles. */
  ownerTokenHash: string;
  /** The workspace that owns the poll; null for a quick poll managed by its owner token. */
  workspaceId: string | null;
  access: PollAccess;
  /** At most this many votes counted per client IP in this poll; null: no cap. */
  ipCap: number | null;
  /** Leading zero bits of proof of work a device vote must carry; 0: none. */
  powDifficulty: number;
  /** Invite codes issued so far (serials 0 … invitesIssued-1 are valid). */
  invitesIssued: number;
  createdAt: number;
  updatedAt: number;
}

/** What a creator may set. Options are plain strings or `{text}` objects. */
export interface PollDraft {
  question: string;
  /** Required for single, multiple and ranked; absent (or empty) for rating and nps. */
  options?: Array<string | { text: string; correct?: boolean }>;
  kind?: PollKind;
  maxChoices?: number;
  /** Ranked: how many options a voter may rank (default: all). */
  maxRank?: number;
  /** Rating: the scale (default 1–5). NPS is always 0–10. */
  scale?: RatingScale;
  /** Text: the longest answer (default 200). */
  maxLength?: number;
  /** Text: answers per voter (default 1). */
  maxAnswers?: number;
  /** Text: post (default) or pre-moderation. */
  moderation?: 'post' | 'pre';
  /** Text: keep listed profanity out of the word cloud (default false). */
  profanityFilter?: boolean;
  /** Quiz: seconds from opening to the last accepted answer (default 20). */
  timeLimitSec?: number;
  status?: 'draft' | 'open';
  opensAt?: string | null;
  closesAt?: string | null;
  resultsVisibility?: ResultsVisibility;
  identityMode?: IdentityMode;
  allowChange?: boolean;
  access?: PollAccess;
  ipCap?: number | null;
  powDifficulty?: number;
}

export type PollPatch = Partial<Omit<PollDraft, 'status'>>;

/** Fields added after polls were first stored: a poll read back without them gets their defaults. */
export function withPollDefaults(p: Omit<Poll, 'workspaceId' | 'access' | 'ipCap' | 'powDifficulty' | 'invitesIssued' | 'scale' | 'text' | 'quiz'> & Partial<Poll>): Poll {
  return { workspaceId: null, access: 'link', ipCap: null, powDifficulty: 0, invitesIssued: 0, scale: null, text: null, quiz: null, ...p };
}

function parseTime(field: string, value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new PollcastError('invalid_poll', `${field} is not a valid date-time`, { field });
  return t;
}

function normalizeOptions(options: NonNullable<PollDraft['options']>, previous: PollOption[] = []): PollOption[] {
  const byText = new Map(previous.map((o) => [o.text, o.id]));
  const seen = new Set<string>();
  const used = new Set<string>();
  return options.map((o, i) => {
    const text = pollText(typeof o === 'string' ? o : o.text, `options[${i}]`, LIMITS.optionTextMax);
    if (seen.has(text)) throw new PollcastError('invalid_poll', `options[${i}] repeats "${text}"`, { field: `options[${i}]` });
    seen.add(text);
    let id = byText.get(text);
    while (id === undefined || used.has(id)) id = newOptionId();
    used.add(id);
    return { id, text };
  });
}

/** Checks every rule that spans fields; throws invalid_poll naming the field. */
function checkPoll(p: Omit<Poll, 'ownerTokenHash'>, now: number, creating: boolean): void {
  const q = p.question;
  if (q.length === 0 || q.length > LIMITS.questionMax) {
    throw new PollcastError('invalid_poll', `question must be 1–${LIMITS.questionMax} characters`, { field: 'question' });
  }
  checkTextAndQuiz(p);
  if (isValueKind(p.kind) || p.kind === 'text') {
    if (p.kind !== 'text') checkScale(p.kind, p.scale);
    else if (p.scale !== null) throw new PollcastError('invalid_poll', 'only rating and nps questions have a scale', { field: 'scale' });
    if (p.options.length > 0) throw new PollcastError('invalid_poll', `a ${p.kind} question has no options: it is answered with ${p.kind === 'text' ? 'text' : 'a value'}`, { field: 'options' });
  } else if (p.options.length < LIMITS.optionsMin || p.options.length > LIMITS.optionsMax) {
    throw new PollcastError('invalid_poll', `a poll has ${LIMITS.optionsMin}–${LIMITS.optionsMax} options`, { field: 'options' });
  } else if (p.scale !== null) {
    throw new PollcastError('invalid_poll', 'only rating and nps questions have a scale', { field: 'scale' });
  }
  if ((p.kind === 'single' || p.kind === 'quiz') && p.maxChoices !== 1) {
    throw new PollcastError('invalid_poll', `a ${p.kind === 'quiz' ? 'quiz' : 'single-choice'} question has maxChoices 1`, { field: 'maxChoices' });
  }
  if (!isValueKind(p.kind) && p.kind !== 'text' && (p.maxChoices < 1 || p.maxChoices > p.options.length)) {
    const field = p.kind === 'ranked' ? 'maxRank' : 'maxChoices';
    throw new PollcastError('invalid_poll', `${field} must be 1–${p.options.length}`, { field });
  }
  if (p.opensAt !== null && p.closesAt !== null && p.closesAt <= p.opensAt) {
    throw new PollcastError('invalid_poll', 'closesAt must be after opensAt', { field: 'closesAt' });
  }
  if (p.access === 'workspace' && p.workspaceId === null) {
    throw new PollcastError('invalid_poll', 'access "workspace" needs a poll that belongs to a workspace', { field: 'access' });
  }
  if (p.identityMode === 'account' && p.workspaceId === null) {
    throw new PollcastError('invalid_poll', 'identityMode "account" needs a poll that belongs to a workspace (log in to create one)', { field: 'identityMode' });
  }
  if (p.ipCap !== null && (!Number.isInteger(p.ipCap) || p.ipCap < 1 || p.ipCap > LIMITS.ipCapMax)) {
    throw new PollcastError('invalid_poll', `ipCap must be 1–${LIMITS.ipCapMax} or null`, { field: 'ipCap' });
  }
  if (!Number.isInteger(p.powDifficulty) || p.powDifficulty < 0 || p.powDifficulty > LIMITS.powDifficultyMax) {
    throw new PollcastError('invalid_poll', `powDifficulty must be 0–${LIMITS.powDifficultyMax}`, { field: 'powDifficulty' });
  }
  if (creating && p.closesAt !== null && p.closesAt <= now) {
    throw new PollcastError('invalid_poll', 'closesAt must be in the future', { field: 'closesAt' });
  }
}

function checkTextAndQuiz(p: Omit<Poll, 'ownerTokenHash'>): void {
  if (p.kind === 'text') {
    const t = p.text!;
    if (!Number.isInteger(t.maxLength) || t.maxLength < 1 || t.maxLength > LIMITS.textMaxLength)
      throw new PollcastError('invalid_poll', `maxLength must be 1–${LIMITS.textMaxLength}`, { field: 'maxLength' });
    if (!Number.isInteger(t.maxAnswers) || t.maxAnswers < 1 || t.maxAnswers > LIMITS.textMaxAnswers)
      throw new PollcastError('invalid_poll', `maxAnswers must be 1–${LIMITS.textMaxAnswers}`, { field: 'maxAnswers' });
    if (p.allowChange) throw new PollcastError('invalid_poll', 'an open-text answer cannot be changed: allow more answers (maxAnswers) instead', { field: 'allowChange' });
  } else if (p.text !== null) {
    throw new PollcastError('invalid_poll', 'maxLength, maxAnswers, moderation and profanityFilter are for text questions', { field: 'kind' });
  }
  if (p.kind === 'quiz') {
    const q = p.quiz!;
    if (!Number.isInteger(q.timeLimitSec) || q.timeLimitSec < LIMITS.quizMinSec || q.timeLimitSec > LIMITS.quizMaxSec)
      throw new PollcastError('invalid_poll', `timeLimitSec must be ${LIMITS.quizMinSec}–${LIMITS.quizMaxSec}`, { field: 'timeLimitSec' });
    if (q.correctOptionIds.length === 0)
      throw new PollcastError('invalid_poll', 'a quiz question marks at least one option correct ({"text", "correct": true})', { field: 'options' });
    if (p.allowChange) throw new PollcastError('invalid_poll', 'a quiz answer cannot be changed', { field: 'allowChange' });
  } else if (p.quiz !== null) {
    throw new PollcastError('invalid_poll', 'correct options and timeLimitSec are for quiz questions', { field: 'kind' });
  }
}

/** The text spec a draft asks for (null unless the kind is text and nothing else was asked). */
function draftText(kind: PollKind, d: Pick<PollDraft, 'maxLength' | 'maxAnswers' | 'moderation' | 'profanityFilter'>, prev: TextSpec | null = null): TextSpec | null {
  const asked = d.maxLength !== undefined || d.maxAnswers !== undefined || d.moderation !== undefined || d.profanityFilter !== undefined;
  if (kind !== 'text' && !asked) return null;
  return {
    maxLength: d.maxLength ?? prev?.maxLength ?? LIMITS.textDefaultLength,
    maxAnswers: d.maxAnswers ?? prev?.maxAnswers ?? 1,
    moderation: d.moderation ?? prev?.moderation ?? 'post',
    profanityFilter: d.profanityFilter ?? prev?.profanityFilter ?? false,
  };
}

/** The quiz spec: correct options marked in the draft's options (by position), the time limit. */
function draftQuiz(kind: PollKind, d: Pick<PollDraft, 'options' | 'timeLimitSec'>, options: readonly PollOption[], prev: QuizSpec | null = null): QuizSpec | null {
  const marked = (d.options ?? []).some((o) => typeof o !== 'string' && o.correct !== undefined);
  if (kind !== 'quiz' && !marked && d.timeLimitSec === undefined) return null;
  const correctOptionIds = d.options
    ? d.options.flatMap((o, i) => (typeof o !== 'string' && o.correct === true && options[i] ? [options[i].id] : []))
    : (prev?.correctOptionIds ?? []);
  return { correctOptionIds, timeLimitSec: d.timeLimitSec ?? prev?.timeLimitSec ?? LIMITS.quizDefaultSec, maxPoints: QUIZ_POINTS.max, minPoints: QUIZ_POINTS.min };
}

/** A quiz question's window runs from the moment it opens for exactly its time limit (server clock). */
function quizWindow(p: Poll, now: number): Poll {
  if (p.quiz === null || p.status !== 'open') return p;
  return { ...p, opensAt: now, closesAt: now + p.quiz.timeLimitSec * 1000 };
}

function checkScale(kind: 'rating' | 'nps', scale: RatingScale | null): void {
  if (scale === null) throw new PollcastError('invalid_poll', `a ${kind} question needs a scale`, { field: 'scale' });
  if (kind === 'nps' && (scale.min !== NPS_SCALE.min || scale.max !== NPS_SCALE.max)) {
    throw new PollcastError('invalid_poll', 'an nps question is scored 0–10', { field: 'scale' });
  }
  const { min, max, labels } = scale;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < LIMITS.scaleMin || max > LIMITS.scaleMax || min >= max) {
    throw new PollcastError('invalid_poll', `scale must be whole numbers min < max within ${LIMITS.scaleMin}–${LIMITS.scaleMax}`, { field: 'scale' });
  }
  if (labels !== undefined && labels.length !== max - min + 1) {
    throw new PollcastError('invalid_poll', `scale.labels needs one label per value (${max - min + 1})`, { field: 'scale.labels' });
  }
}

/** The scale a draft asks for, labels cleaned; null for the choice kinds unless one is given (then checkPoll refuses it). */
function draftScale(kind: PollKind, scale: RatingScale | undefined): RatingScale | null {
  if (kind === 'nps') return scale ? cleanScale(scale) : { ...NPS_SCALE };
  if (kind === 'rating') return scale ? cleanScale(scale) : { ...DEFAULT_RATING_SCALE };
  return scale ? cleanScale(scale) : null;
}

function cleanScale(scale: RatingScale): RatingScale {
  const out: RatingScale = { min: scale.min, max: scale.max };
  if (scale.labels !== undefined) out.labels = scale.labels.map((l, i) => pollText(l, `scale.labels[${i}]`, LIMITS.scaleLabelMax));
  return out;
}

function defaultMax(kind: PollKind, options: readonly PollOption[], draft: Pick<PollDraft, 'maxChoices' | 'maxRank'>): number {
  if (kind === 'single' || kind === 'quiz' || kind === 'text' || isValueKind(kind)) return draft.maxChoices ?? 1;
  if (kind === 'ranked') return draft.maxRank ?? draft.maxChoices ?? options.length;
  return draft.maxChoices ?? options.length;
}

export function createPoll(id: string, draft: PollDraft, ownerTokenHash: string, now: number, workspaceId: string | null = null): Poll {
  const kind = draft.kind ?? 'single';
  const options = normalizeOptions(draft.options ?? []);
  const opensAt = parseTime('opensAt', draft.opensAt);
  const closesAt = parseTime('closesAt', draft.closesAt);
  const futureOpen = opensAt !== null && opensAt > now;
  const poll: Poll = {
    id,
    question: pollText(draft.question, 'question', LIMITS.questionMax),
    options,
    kind,
    maxChoices: defaultMax(kind, options, draft),
    scale: draftScale(kind, draft.scale),
    text: draftText(kind, draft),
    quiz: draftQuiz(kind, draft, options),
    status: draft.status === 'draft' || futureOpen ? 'draft' : 'open',
    opensAt,
    closesAt,
    resultsVisibility: draft.resultsVisibility ?? 'live',
    identityMode: draft.identityMode ?? 'device',
    allowChange: draft.allowChange ?? false,
    ownerTokenHash,
    workspaceId,
    access: draft.access ?? 'link',
    ipCap: draft.ipCap ?? null,
    powDifficulty: draft.powDifficulty ?? 0,
    invitesIssued: 0,
    createdAt: now,
    updatedAt: now,
  };
  checkPoll(poll, now, true);
  // A quiz question opened at creation runs its time limit from now; one opened later, from then.
  if (poll.quiz !== null && futureOpen) return { ...poll, closesAt: opensAt! + poll.quiz.timeLimitSec * 1000 };
  return quizWindow(poll, now);
}

export function editPoll(poll: Poll, patch: PollPatch, now: number): Poll {
  if (poll.status !== 'draft') throw new PollcastError('poll_not_draft');
  const kind = patch.kind ?? poll.kind;
  let options = patch.options ? normalizeOptions(patch.options, poll.options) : poll.options;
  // A question turned into a rating or nps question drops its options (unless the patch names some: then checkPoll refuses).
  if ((isValueKind(kind) || kind === 'text') && !isValueKind(poll.kind) && poll.kind !== 'text' && !patch.options) options = [];
  let maxChoices = patch.maxRank ?? patch.maxChoices ?? poll.maxChoices;
  if (patch.maxChoices === undefined && patch.maxRank === undefined) {
    maxChoices = kind === 'single' || kind === 'quiz' || kind === 'text' || isValueKind(kind) ? 1 : patch.kind || patch.options ? options.length : maxChoices;
  }
  const scale = patch.scale !== undefined ? draftScale(kind, patch.scale) : patch.kind !== undefined && patch.kind !== poll.kind ? draftScale(kind, undefined) : poll.scale;
  const next: Poll = {
    ...poll,
    question: patch.question !== undefined ? pollText(patch.question, 'question', LIMITS.questionMax) : poll.question,
    options,
    kind,
    maxChoices,
    scale,
    text: draftText(kind, patch, poll.text),
    quiz: draftQuiz(kind, patch, options, poll.quiz),
    opensAt: patch.opensAt !== undefined ? parseTime('opensAt', patch.opensAt) : poll.opensAt,
    closesAt: patch.closesAt !== undefined ? parseTime('closesAt', patch.closesAt) : poll.closesAt,
    resultsVisibility: patch.resultsVisibility ?? poll.resultsVisibility,
    identityMode: patch.identityMode ?? poll.identityMode,
    allowChange: patch.allowChange ?? poll.allowChange,
    access: patch.access ?? poll.access,
    ipCap: patch.ipCap !== undefined ? patch.ipCap : poll.ipCap,
    powDifficulty: patch.powDifficulty ?? poll.powDifficulty,
    updatedAt: now,
  };
  checkPoll(next, now, patch.closesAt !== undefined);
  return next;
}

/** Owner actions on status. Reopening a poll whose close time has passed clears that time. */
export function transition(poll: Poll, to: 'open' | 'closed', now: number): Poll {
  if (to === 'open') {
    if (poll.status === 'open') throw new PollcastError('invalid_transition', 'the poll is already open');
    const closesAt = poll.closesAt !== null && poll.closesAt <= now ? null : poll.closesAt;
    const opensAt = poll.opensAt !== null && poll.opensAt > now ? null : poll.opensAt;
    return quizWindow({ ...poll, status: 'open', opensAt, closesAt, updatedAt: now }, now);
  }
  if (poll.status === 'closed') throw new PollcastError('invalid_transition', 'the poll is already closed');
  return { ...poll, status: 'closed', closesAt: poll.closesAt !== null && poll.closesAt < now ? poll.closesAt : now, updatedAt: now };
}

/** The status the clock says a poll has, whether or not the scheduler has caught up yet. */
export function effectiveStatus(poll: Pick<Poll, 'status' | 'opensAt' | 'closesAt'>, now: number): PollStatus {
  if (poll.status === 'closed') return 'closed';
  if (poll.closesAt !== null && now >= poll.closesAt) return 'closed';
  if (poll.status === 'open') return 'open';
  return poll.opensAt !== null && now >= poll.opensAt ? 'open' : 'draft';
}

/** Throws unless a vote may be counted now. */
export function assertVotingOpen(poll: Pick<Poll, 'status' | 'opensAt' | 'closesAt'>, now: number): void {
  const s = effectiveStatus(poll, now);
  if (s === 'closed') throw new PollcastError('poll_closed');
  if (s === 'draft') {
    throw new PollcastError('poll_not_open', undefined, poll.opensAt !== null ? { opensAt: new Date(poll.opensAt).toISOString() } : undefined);
  }
}

/** The scheduled change due for a poll at `now`, if any. */
export function dueTransition(poll: Pick<Poll, 'status' | 'opensAt' | 'closesAt'>, now: number): PollStatus | null {
  const s = effectiveStatus(poll, now);
  return s !== poll.status ? s : null;
}

export function canSeeResults(poll: Pick<Poll, 'resultsVisibility' | 'status' | 'opensAt' | 'closesAt'>, isOwner: boolean, now: number): boolean {
  if (isOwner || poll.resultsVisibility === 'live') return true;
  if (poll.resultsVisibility === 'after_close') return effectiveStatus(poll, now) === 'closed';
  return false;
}

/** The public view of a poll (no owner secret). */
export function publicPoll(poll: Poll, now: number) {
  return {
    id: poll.id,
    question: poll.question,
    options: poll.options,
    kind: poll.kind,
    maxChoices: poll.maxChoices,
    ...(poll.kind === 'ranked' ? { maxRank: poll.maxChoices } : {}),
    ...(poll.scale !== null ? { scale: poll.scale } : {}),
    ...(poll.text !== null ? { text: poll.text } : {}),
    ...(poll.quiz !== null ? { quiz: publicQuiz(poll.quiz, effectiveStatus(poll, now)) } : {}),
    status: effectiveStatus(poll, now),
    opensAt: poll.opensAt === null ? null : new Date(poll.opensAt).toISOString(),
    closesAt: poll.closesAt === null ? null : new Date(poll.closesAt).toISOString(),
    resultsVisibility: poll.resultsVisibility,
    identityMode: poll.identityMode,
    allowChange: poll.allowChange,
    workspaceId: poll.workspaceId,
    access: poll.access,
    ipCap: poll.ipCap,
    powDifficulty: poll.powDifficulty,
    createdAt: new Date(poll.createdAt).toISOString(),
    updatedAt: new Date(poll.updatedAt).toISOString(),
  };
}
export type PublicPoll = ReturnType<typeof publicPoll>;

/** What voters see of a quiz question: the correct options only once it has closed. */
function publicQuiz(q: QuizSpec, status: PollStatus): { timeLimitSec: number; maxPoints: number; minPoints: number; correctOptionIds?: string[] } {
  const out = { timeLimitSec: q.timeLimitSec, maxPoints: q.maxPoints, minPoints: q.minPoints };
  return status === 'closed' ? { ...out, correctOptionIds: q.correctOptionIds } : out;
}
