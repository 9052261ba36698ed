/**
 * Request and response schemas: one definition validates requests (Fastify/Ajv), types the
 * handlers (TypeBox) and documents the API (OpenAPI at /v1/openapi.json).
 */
import type {} from '@fastify/swagger';
import { Type, type Static } from '@sinclair/typebox';
import { IDENTITY_MODES, LIMITS, POLL_ACCESS, POLL_KINDS, POLL_STATUSES, RESULTS_VISIBILITIES } from '../domain/poll.js';

const strict = { additionalProperties: false } as const;
const lit = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
const time = Type.Union([Type.String({ format: 'date-time', maxLength: 64 }), Type.Null()]);

const OptionInput = Type.Union([
  Type.String({ minLength: 1, maxLength: LIMITS.optionTextMax }),
  Type.Object({ text: Type.String({ minLength: 1, maxLength: LIMITS.optionTextMax }) }, strict),
]);

const pollFields = {
  question: Type.String({ minLength: 1, maxLength: LIMITS.questionMax }),
  options: Type.Array(OptionInput, { minItems: LIMITS.optionsMin, maxItems: LIMITS.optionsMax }),
  kind: lit(POLL_KINDS),
  maxChoices: Type.Integer({ minimum: 1, maximum: LIMITS.optionsMax }),
  opensAt: time,
  closesAt: time,
  resultsVisibility: lit(RESULTS_VISIBILITIES),
  identityMode: lit(IDENTITY_MODES),
  allowChange: Type.Boolean(),
  access: lit(POLL_ACCESS),
  ipCap: Type.Union([Type.Integer({ minimum: 1, maximum: LIMITS.ipCapMax }), Type.Null()]),
  powDifficulty: Type.Integer({ minimum: 0, maximum: LIMITS.powDifficultyMax }),
};

export const WorkspaceId = Type.String({ pattern: '^w_[A-Za-z0-9]{12}$', maxLength: 14 });

export const CreatePollBody = Type.Object(
  {
    question: pollFields.question,
    options: pollFields.options,
    kind: Type.Optional(pollFields.kind),
    maxChoices: Type.Optional(pollFields.maxChoices),
    status: Type.Optional(lit(['draft', 'open'] as const)),
    opensAt: Type.Optional(pollFields.opensAt),
    closesAt: Type.Optional(pollFields.closesAt),
    resultsVisibility: Type.Optional(pollFields.resultsVisibility),
    identityMode: Type.Optional(pollFields.identityMode),
    allowChange: Type.Optional(pollFields.allowChange),
    access: Type.Optional(pollFields.access),
    ipCap: Type.Optional(pollFields.ipCap),
    powDifficulty: Type.Optional(pollFields.powDifficulty),
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
    opensAt: Type.Optional(pollFields.opensAt),
    closesAt: Type.Optional(pollFields.closesAt),
    resultsVisibility: Type.Optional(pollFields.resultsVisibility),
    identityMode: Type.Optional(pollFields.identityMode),
    allowChange: Type.Optional(pollFields.allowChange),
    access: Type.Optional(pollFields.access),
    ipCap: Type.Optional(pollFields.ipCap),
    powDifficulty: Type.Optional(pollFields.powDifficulty),
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
    optionIds: Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { minItems: 1, maxItems: LIMITS.optionsMax }),
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
  options: Type.Array(Type.Object({ id: Type.String(), votes: Type.Integer() })),
  updatedAt: Type.String(),
});

export const VoteReceipt = Type.Object({
  pollId: Type.String(),
  receiptId: Type.String(),
  optionIds: Type.Array(Type.String()),
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
