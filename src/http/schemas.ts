/**
 * Request and response schemas: one definition validates requests (Fastify/Ajv), types the
 * handlers (TypeBox) and documents the API (OpenAPI at /v1/openapi.json).
 */
import type {} from '@fastify/swagger';
import { Type, type Static } from '@sinclair/typebox';
import { IDENTITY_MODES, LIMITS, MODERATION_MODES, POLL_ACCESS, POLL_KINDS, POLL_STATUSES, RESULTS_VISIBILITIES } from '../domain/poll.js';
import { ANSWER_STATES } from '../domain/text-answer.js';
import { NICKNAME_MAX } from '../domain/quiz.js';

const strict = { additionalProperties: false } as const;
const lit = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
const time = Type.Union([Type.String({ format: 'date-time', maxLength: 64 }), Type.Null()]);

const OptionInput = Type.Union([
  Type.String({ minLength: 1, maxLength: LIMITS.optionTextMax }),
  Type.Object(
    {
      text: Type.String({ minLength: 1, maxLength: LIMITS.optionTextMax }),
      correct: Type.Optional(Type.Boolean({ description: 'Quiz: this option is a correct answer' })),
    },
    strict,
  ),
]);

const Scale = Type.Object(
  {
    min: Type.Integer({ minimum: LIMITS.scaleMin, maximum: LIMITS.scaleMax }),
    max: Type.Integer({ minimum: LIMITS.scaleMin, maximum: LIMITS.scaleMax }),
    labels: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: LIMITS.scaleLabelMax }), { minItems: 2, maxItems: LIMITS.scaleMax - LIMITS.scaleMin + 1 })),
  },
  { ...strict, description: 'Rating: whole numbers min…max (default 1–5, within 0–10), one optional label per value. Nps: always 0–10.' },
);

const pollFields = {
  question: Type.String({ minLength: 1, maxLength: LIMITS.questionMax }),
  options: Type.Array(OptionInput, { minItems: LIMITS.optionsMin, maxItems: LIMITS.optionsMax }),
  kind: lit(POLL_KINDS),
  maxChoices: Type.Integer({ minimum: 1, maximum: LIMITS.optionsMax }),
  maxRank: Type.Integer({ minimum: 1, maximum: LIMITS.optionsMax, description: 'Ranked: how many options a voter may rank (default: all)' }),
  scale: Scale,
  opensAt: time,
  closesAt: time,
  resultsVisibility: lit(RESULTS_VISIBILITIES),
  identityMode: lit(IDENTITY_MODES),
  allowChange: Type.Boolean(),
  access: lit(POLL_ACCESS),
  ipCap: Type.Union([Type.Integer({ minimum: 1, maximum: LIMITS.ipCapMax }), Type.Null()]),
  powDifficulty: Type.Integer({ minimum: 0, maximum: LIMITS.powDifficultyMax }),
  maxLength: Type.Integer({ minimum: 1, maximum: LIMITS.textMaxLength, description: 'Text: the longest answer in characters (default 200)' }),
  maxAnswers: Type.Integer({ minimum: 1, maximum: LIMITS.textMaxAnswers, description: 'Text: answers per voter (default 1)' }),
  moderation: Type.Unsafe<'post' | 'pre'>({ type: 'string', enum: [...MODERATION_MODES], description: 'Text: post (answers show at once; a manager may hide one) or pre (the presenter approves each)' }),
  profanityFilter: Type.Boolean({ description: 'Text: keep words on the built-in profanity list out of the cloud' }),
  timeLimitSec: Type.Integer({ minimum: LIMITS.quizMinSec, maximum: LIMITS.quizMaxSec, description: 'Quiz: seconds from opening to the last accepted answer (default 20)' }),
};

/** The text and quiz fields of a poll body (create and edit). */
const kindFields = {
  maxLength: Type.Optional(pollFields.maxLength),
  maxAnswers: Type.Optional(pollFields.maxAnswers),
  moderation: Type.Optional(pollFields.moderation),
  profanityFilter: Type.Optional(pollFields.profanityFilter),
  timeLimitSec: Type.Optional(pollFields.timeLimitSec),
};

export const WorkspaceId = Type.String({ pattern: '^w_[A-Za-z0-9]{12}$', maxLength: 14 });

export const CreatePollBody = Type.Object(
  {
    question: pollFields.question,
    options: Type.Optional(pollFields.options),
    kind: Type.Optional(pollFields.kind),
    maxChoices: Type.Optional(pollFields.maxChoices),
    maxRank: Type.Optional(pollFields.maxRank),
    scale: Type.Optional(pollFields.scale),
    status: Type.Optional(lit(['draft', 'open'] as const)),
    opensAt: Type.Optional(pollFields.opensAt),
    closesAt: Type.Optional(pollFields.closesAt),
    resultsVisibility: Type.Optional(pollFields.resultsVisibility),
    identityMode: Type.Optional(pollFields.identityMode),
    allowChange: Type.Optional(pollFields.allowChange),
    access: Type.Optional(pollFields.access),
    ipCap: Type.Optional(pollFields.ipCap),
    powDifficulty: Type.Optional(pollFields.powDifficulty),
    ...kindFields,
    workspaceId: Type.Optional(WorkspaceId),
  },
  { ...strict, $id: 'CreatePoll' },
);
export type CreatePollBody = Static<typeof CreatePollBody>;

export const EditPollBody = Type.Object(
  {
    question: Type.Optional(pollFields.question),
    options: Type.Optional(pollFields.options),
    kind: Type.Optional(pollFields.kind),
    maxChoices: Type.Optional(pollFields.maxChoices),
    maxRank: Type.Optional(pollFields.maxRank),
    scale: Type.Optional(pollFields.scale),
    opensAt: Type.Optional(pollFields.opensAt),
    closesAt: Type.Optional(pollFields.closesAt),
    resultsVisibility: Type.Optional(pollFields.resultsVisibility),
    identityMode: Type.Optional(pollFields.identityMode),
    allowChange: Type.Optional(pollFields.allowChange),
    access: Type.Optional(pollFields.access),
    ipCap: Type.Optional(pollFields.ipCap),
    powDifficulty: Type.Optional(pollFields.powDifficulty),
    ...kindFields,
  },
  { ...strict, minProperties: 1 },
);
export type EditPollBody = Static<typeof EditPollBody>;

/**
 * A voter id named by a trusted caller (open mode). No control characters: PostgreSQL refuses NUL in
 * a text column, and the refusal would fail the whole group-commit batch — other voters' votes too.
 */
export const VoterId = Type.String({ minLength: 1, maxLength: LIMITS.voterIdMax, pattern: '^[^\\u0000-\\u001f\\u007f-\\u009f]+$' });

export const VoteBody = Type.Object(
  {
    optionIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { minItems: 1, maxItems: LIMITS.optionsMax })),
    // A number, not an integer, so a fraction gets its own code (value_not_integer) rather than validation_failed.
    value: Type.Optional(Type.Number({ description: 'Rating and nps: a whole number on the scale' })),
    // Long enough for any question's maxLength; the question's own limit gives text_too_long.
    text: Type.Optional(Type.String({ maxLength: 8 * LIMITS.textMaxLength, description: "Text: the answer (at most the question's maxLength; HTML is kept as text)" })),
    voterId: Type.Optional(VoterId),
    inviteCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    pow: Type.Optional(Type.Object({ challenge: Type.String({ minLength: 1, maxLength: 200 }), solution: Type.String({ minLength: 1, maxLength: 64 }) }, strict)),
  },
  strict,
);
export type VoteBody = Static<typeof VoteBody>;

export const PollParams = Type.Object({ pollId: Type.String({ maxLength: 64 }) });
export type PollParams = Static<typeof PollParams>;

export const PollView = Type.Object({
  id: Type.String(),
  question: Type.String(),
  options: Type.Array(Type.Object({ id: Type.String(), text: Type.String() })),
  kind: lit(POLL_KINDS),
  maxChoices: Type.Integer(),
  maxRank: Type.Optional(Type.Integer()),
  scale: Type.Optional(Type.Object({ min: Type.Integer(), max: Type.Integer(), labels: Type.Optional(Type.Array(Type.String())) })),
  text: Type.Optional(
    Type.Object({ maxLength: Type.Integer(), maxAnswers: Type.Integer(), moderation: pollFields.moderation, profanityFilter: Type.Boolean() }, { description: 'Text questions' }),
  ),
  quiz: Type.Optional(
    Type.Object(
      {
        timeLimitSec: Type.Integer(),
        maxPoints: Type.Integer(),
        minPoints: Type.Integer(),
        correctOptionIds: Type.Optional(Type.Array(Type.String(), { description: 'Only once the question has closed' })),
      },
      { description: 'Quiz questions: points fall linearly from maxPoints at opening to minPoints at the time limit' },
    ),
  ),
  status: lit(POLL_STATUSES),
  opensAt: Type.Union([Type.String(), Type.Null()]),
  closesAt: Type.Union([Type.String(), Type.Null()]),
  resultsVisibility: lit(RESULTS_VISIBILITIES),
  identityMode: lit(IDENTITY_MODES),
  allowChange: Type.Boolean(),
  workspaceId: Type.Union([Type.String(), Type.Null()]),
  access: lit(POLL_ACCESS),
  ipCap: Type.Union([Type.Integer(), Type.Null()]),
  powDifficulty: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const ResultsView = Type.Object({
  pollId: Type.String(),
  version: Type.Integer(),
  status: lit(POLL_STATUSES),
  total: Type.Integer(),
  options: Type.Array(Type.Object({ id: Type.String(), votes: Type.Integer() }), { description: 'Votes per option; ranked: first preferences; empty for rating and nps' }),
  updatedAt: Type.String(),
  irv: Type.Optional(
    Type.Object(
      {
        rounds: Type.Array(
          Type.Object({
            counts: Type.Record(Type.String(), Type.Integer()),
            eliminated: Type.Array(Type.String()),
            exhausted: Type.Integer(),
          }),
        ),
        winner: Type.Union([Type.String(), Type.Null()]),
      },
      { description: 'Ranked: instant-runoff rounds. Ties for last place: fewer votes in the latest earlier round where they differ, then the option listed last.' },
    ),
  ),
  borda: Type.Optional(Type.Record(Type.String(), Type.Integer(), { description: 'Ranked: Borda points (n−1 for a first choice … 0 unranked)' })),
  histogram: Type.Optional(Type.Array(Type.Object({ value: Type.Integer(), votes: Type.Integer() }), { description: 'Rating and nps: answers per value' })),
  mean: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  median: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  score: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: 'Nps: % promoters (9–10) − % detractors (0–6)' })),
  promoters: Type.Optional(Type.Integer()),
  passives: Type.Optional(Type.Integer()),
  detractors: Type.Optional(Type.Integer()),
  words: Type.Optional(Type.Array(Type.Object({ word: Type.String(), count: Type.Integer() }), { description: 'Text: the 50 most counted words of shown answers, most first' })),
  answers: Type.Optional(Type.Integer({ description: 'Text: answers shown (not pending or hidden)' })),
  correctOptionIds: Type.Optional(Type.Array(Type.String(), { description: 'Quiz: the correct options, only once the question has closed' })),
});

export const VoteReceipt = Type.Object({
  pollId: Type.String(),
  receiptId: Type.String(),
  optionIds: Type.Array(Type.String()),
  value: Type.Optional(Type.Integer()),
  answerId: Type.Optional(Type.String({ description: 'Text: the id of this answer (a manager hides it by this id)' })),
  text: Type.Optional(Type.String({ description: 'Text: the answer as stored' })),
  countedAt: Type.String(),
  changed: Type.Boolean(),
  voterToken: Type.Optional(Type.String()),
});

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.String(),
  },
  { additionalProperties: true },
);

// --- events ---

const { workspaceId: _workspaceId, ...questionFields } = CreatePollBody.properties;
/** A question of an event: a poll body as for POST /v1/polls, without workspaceId (default status: draft). */
export const QuestionBody = Type.Object(questionFields, strict);
export type QuestionBody = Static<typeof QuestionBody>;

export const EventId = Type.String({ maxLength: 64 });
export const EventParams = Type.Object({ eventId: EventId });
export type EventParams = Static<typeof EventParams>;
export const EventQuestionParams = Type.Object({ eventId: EventId, questionId: Type.String({ maxLength: 64 }) });
export type EventQuestionParams = Static<typeof EventQuestionParams>;

/** An event's audience Q&A settings; a patch names only what changes. */
export const QaSettingsPatch = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ description: 'Whether the audience may ask now (default true)' })),
    names: Type.Optional(
      Type.Union([Type.Literal('optional'), Type.Literal('required'), Type.Literal('off')], {
        description: 'optional (default): a name may be given; required: every question names its asker; off: anonymous only',
      }),
    ),
    moderation: Type.Optional(
      Type.Union([Type.Literal('post'), Type.Literal('pre')], {
        description: 'post (default): questions show at once; pre: they wait for the presenter to approve them',
      }),
    ),
  },
  strict,
);
export type QaSettingsPatch = Static<typeof QaSettingsPatch>;
export const QaSettingsView = Type.Object({
  enabled: Type.Boolean(),
  names: Type.Union([Type.Literal('optional'), Type.Literal('required'), Type.Literal('off')]),
  moderation: Type.Union([Type.Literal('post'), Type.Literal('pre')]),
});

export const CreateEventBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    questions: Type.Array(QuestionBody, { maxItems: 100 }),
    qa: Type.Optional(QaSettingsPatch),
    workspaceId: Type.Optional({ ...WorkspaceId, description: 'Create it in this workspace (session or API key that may write there): its editors and owners manage it too, and it is listed at GET /v1/workspaces/{id}/events' }),
  },
  strict,
);
export type CreateEventBody = Static<typeof CreateEventBody>;

export const EventView = Type.Object({
  id: Type.String(),
  code: Type.String({ description: 'The join code: at most 8 characters, read in any letter case, no look-alike characters' }),
  title: Type.String(),
  currentQuestionId: Type.Union([Type.String(), Type.Null()]),
  resultsShown: Type.Boolean(),
  workspaceId: Type.Union([Type.String(), Type.Null()]),
  questions: Type.Array(PollView),
  qa: QaSettingsView,
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

// --- open text and quizzes ---

export const AnswerParams = Type.Object({ pollId: Type.String({ maxLength: 64 }), answerId: Type.String({ maxLength: 64 }) });
export type AnswerParams = Static<typeof AnswerParams>;

export const TextAnswerView = Type.Object({
  answerId: Type.String(),
  text: Type.String({ description: 'As typed (NFC): show it as text, never as HTML' }),
  state: lit(ANSWER_STATES),
  approved: Type.Boolean(),
  hidden: Type.Boolean(),
  at: Type.String(),
});

export const NicknameBody = Type.Object({ nickname: Type.String({ minLength: 0, maxLength: 200 }) }, strict);
export type NicknameBody = Static<typeof NicknameBody>;

export const LeaderboardEntryView = Type.Object({
  nickname: Type.String(),
  score: Type.Integer(),
  rank: Type.Integer({ description: 'Ties: higher score first, then lower total time of correct answers; equal on both share a rank (1, 2, 2, 4)' }),
  correct: Type.Integer(),
  answered: Type.Integer(),
});

export const NICKNAME_LIMIT = NICKNAME_MAX;
