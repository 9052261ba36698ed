/**
 * Ballots of every kind, checked against the question and turned into the tokens the store keeps
 * (`CountedVote.optionIds`): option ids for single and multiple (in the poll's order), option ids
 * in order of preference for ranked, one value token (`=7`) for rating and nps. The tokens are
 * also the tally keys, so the batch planner and both stores handle every kind the same way.
 */
import { PollcastError } from '../errors.js';
import { isValueKind, type Poll } from './poll.js';
import { tokenValue, valueToken } from './rating.js';
import { normalizeChoice } from './vote.js';

/** What a voter sends: option ids (single, multiple, ranked) or a value (rating, nps). */
export interface BallotInput {
  optionIds?: readonly string[] | undefined;
  value?: number | undefined;
  /** Text questions. */
  text?: string | undefined;
}

export type BallotPoll = Pick<Poll, 'options' | 'kind' | 'maxChoices' | 'scale'>;

/** The ballot's stored tokens; throws the first rule it breaks (each with its own code). */
export function normalizeBallot(poll: BallotPoll, input: BallotInput): string[] {
  if (poll.kind === 'text') return checkTextBallot(input);
  if (input.text !== undefined) throw new PollcastError('text_not_accepted', `a ${poll.kind} question is answered with ${isValueKind(poll.kind) ? 'a value' : 'optionIds'}`);
  if (isValueKind(poll.kind)) return [checkValue(poll, input)];
  if (input.value !== undefined)
    throw new PollcastError('value_not_accepted', `a ${poll.kind} question is answered with optionIds`);
  const ids = input.optionIds ?? [];
  return poll.kind === 'ranked' ? normalizeRanking(poll, ids) : normalizeChoice(poll, ids);
}

/** A text answer's ballot holds no tokens: the planner lists the voter's answer ids (the text itself is checked by text-answer.ts). */
function checkTextBallot(input: BallotInput): string[] {
  if (input.optionIds !== undefined) throw new PollcastError('options_not_accepted', 'a text question is answered with text, not optionIds');
  if (input.value !== undefined) throw new PollcastError('value_not_accepted', 'a text question is answered with text, not a value');
  if (input.text === undefined) throw new PollcastError('text_required');
  return [];
}

function checkValue(poll: BallotPoll, input: BallotInput): string {
  if (input.optionIds !== undefined)
    throw new PollcastError('options_not_accepted', `a ${poll.kind} question is answered with a value, not optionIds`);
  const { value } = input;
  if (value === undefined) throw new PollcastError('value_required');
  const scale = poll.scale!;
  if (!Number.isInteger(value))
    throw new PollcastError('value_not_integer', `value must be a whole number from ${scale.min} to ${scale.max}`, {
      min: scale.min,
      max: scale.max,
    });
  if (value < scale.min || value > scale.max)
    throw new PollcastError('value_out_of_scale', `value must be from ${scale.min} to ${scale.max}`, {
      min: scale.min,
      max: scale.max,
    });
  return valueToken(value);
}

/** A ranking keeps the voter's order: first is most preferred. */
function normalizeRanking(poll: BallotPoll, ids: readonly string[]): string[] {
  if (ids.length === 0) throw new PollcastError('too_few_choices', 'rank at least one option');
  const known = new Set(poll.options.map((o) => o.id));
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id))
      throw new PollcastError('ranking_repeats_option', `option ${JSON.stringify(id)} is ranked twice`, {
        optionId: id,
      });
    seen.add(id);
    if (!known.has(id))
      throw new PollcastError('ranking_unknown_option', `option ${JSON.stringify(id)} is not in this question`, {
        optionId: id,
      });
  }
  if (ids.length > poll.maxChoices)
    throw new PollcastError('too_many_ranks', `this question ranks at most ${poll.maxChoices} option(s)`, {
      maxRank: poll.maxChoices,
    });
  return [...ids];
}

/** How a stored ballot is shown to its voter: option ids, or the value (then optionIds is empty). */
export function ballotView(tokens: readonly string[]): { optionIds: string[]; value?: number } {
  const value = tokens.length === 1 ? tokenValue(tokens[0]) : null;
  return value === null ? { optionIds: [...tokens] } : { optionIds: [], value };
}
