/**
 * Open-text answers (kind `text`) and the word cloud. An answer is checked like every text pollcast
 * shows (NFC, no control or bidi-override characters, invisible edges trimmed), but with its own
 * codes, since the voter (not the poll's creator) wrote it. HTML is text: it is stored as typed and
 * every page shows it as text, never as markup.
 *
 * The cloud counts words, not answers: an answer's words are normalized (NFC, lower case, split on
 * anything that is not a letter, digit or inner apostrophe), stop words and one-letter words dropped
 * (and, when the question asks, the profanity list), and each distinct word counts once per answer.
 * A voter has at most `maxAnswers` answers, so one voter moves a word by at most that: one voter's
 * worth, however often they send.
 */
import { PollcastError } from '../errors.js';
import { isProfaneWord } from './profanity.js';
import { ENGLISH_STOP_WORDS } from './stop-words.js';

const LONE_SURROGATE = /\p{Cs}/u;
// eslint-disable-next-line no-control-regex -- C0/C1 controls are what this class exists to match
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const INVISIBLE = '\\s\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2060-\\u2064\\u2800\\u3164\\ufeff\\uffa0';
// eslint-disable-next-line no-misleading-character-class -- each invisible code point (U+034F is a combining one) is matched alone, on purpose
const EDGES = new RegExp(`^[${INVISIBLE}]+|[${INVISIBLE}]+$`, 'gu');

/** The longest word the cloud keeps (longer ones are cut): a cloud is for words, not strings. */
export const WORD_MAX = 40;
/** Distinct words counted per answer, at most (a 1,000-character answer cannot add hundreds). */
export const WORDS_PER_ANSWER = 30;

/** The answer to store, or text_required / text_invalid / text_too_long. `max` counts UTF-16 units of the NFC text. */
export function checkTextAnswer(raw: string | undefined, max: number): string {
  if (raw === undefined) throw new PollcastError('text_required');
  if (LONE_SURROGATE.test(raw)) throw new PollcastError('text_invalid', 'the answer is not well-formed text (a lone surrogate)');
  const bad = FORBIDDEN.exec(raw);
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new PollcastError('text_invalid', `the answer has a control or bidi-override character (U+${code})`, { codePoint: `U+${code}` });
  }
  const text = raw.normalize('NFC').replace(EDGES, '');
  if (text.length === 0) throw new PollcastError('text_required', 'the answer is empty (only spaces or invisible characters)');
  if (text.length > max) throw new PollcastError('text_too_long', `an answer has at most ${max} characters`, { maxLength: max });
  return text;
}

const SPLIT = /[^\p{L}\p{N}\p{M}'’]+/u;

/** The distinct cloud words of an answer, in order of first appearance. */
export function cloudWords(text: string, opts: { profanityFilter?: boolean } = {}): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const part of text.normalize('NFC').toLowerCase().split(SPLIT)) {
    const word = part.replace(/’/g, "'").replace(/^'+|'+$/g, '').slice(0, WORD_MAX);
    if ([...word].length < 2 || ENGLISH_STOP_WORDS.has(word) || seen.has(word)) continue;
    if (opts.profanityFilter && isProfaneWord(word)) continue;
    seen.add(word);
    out.push(word);
    if (out.length === WORDS_PER_ANSWER) break;
  }
  return out;
}

/** Moderation states of an answer: shown (in the cloud and the feed), pending (pre-moderation), hidden. */
export const ANSWER_STATES = ['shown', 'pending', 'hidden'] as const;
export type AnswerState = (typeof ANSWER_STATES)[number];

/** An answer as the manager's feed lists it. */
export interface TextAnswerRecord {
  answerId: string;
  text: string;
  state: AnswerState;
  /** True once a presenter approved it (pre-moderation). */
  approved: boolean;
  at: number;
}

/** Tally key counting a text question's shown answers (words live in their own table). */
export const SHOWN_ANSWERS_KEY = '#shown';

export interface WordCount {
  word: string;
  count: number;
}

export type ModerationAction = 'hide' | 'approve';

/**
 * A moderation step: the answer's next state and what it does to the cloud (+1: its words join,
 * −1: they leave, 0: no change). Hiding a hidden answer or approving a shown one changes nothing
 * but the approved mark, so a repeated click is harmless; approving a hidden answer shows it again.
 */
export function moderate(state: AnswerState, approved: boolean, action: ModerationAction): { state: AnswerState; approved: boolean; cloud: -1 | 0 | 1 } {
  if (action === 'hide') return { state: 'hidden', approved, cloud: state === 'shown' ? -1 : 0 };
  return { state: 'shown', approved: true, cloud: state === 'shown' ? 0 : 1 };
}

/** The words of a stored answer (TextWrite.words). */
export const storedWords = (joined: string): string[] => (joined === '' ? [] : joined.split(' '));
