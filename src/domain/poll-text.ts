/**
 * What a question or an option may say. Text is shown to every voter, on every screen, so:
 * - it is normalized to NFC (the same words typed two ways are one option, and lengths are counted
 *   once, on the normalized text);
 * - control characters (U+0000–U+001F, U+007F–U+009F: NUL, newlines, escape sequences) and the bidi
 *   embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069, which can make an
 *   option read as another on screen) are refused; so is text that is not well-formed UTF-16
 *   (a lone surrogate cannot be stored as UTF-8);
 * - leading and trailing whitespace and invisible characters (zero-width spaces and joiners, soft
 *   hyphens, fillers) are trimmed, and text with nothing else is blank, hence refused.
 * Failures are `invalid_poll` naming the field.
 */
import { PollcastError } from '../errors.js';

/** In `u` mode a paired surrogate is one astral code point, so only lone surrogates match. */
const LONE_SURROGATE = /\p{Cs}/u;
// eslint-disable-next-line no-control-regex -- C0/C1 controls are what this class exists to match
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const INVISIBLE = '\\s\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2060-\\u2064\\u2800\\u3164\\ufeff\\uffa0';
// eslint-disable-next-line no-misleading-character-class -- each invisible code point (U+034F is a combining one) is matched alone, on purpose
const EDGES = new RegExp(`^[${INVISIBLE}]+|[${INVISIBLE}]+$`, 'gu');

/** The text to store for `field`, or invalid_poll. `max` counts UTF-16 units of the normalized text. */
export function pollText(raw: string, field: string, max: number): string {
  if (LONE_SURROGATE.test(raw)) throw new PollcastError('invalid_poll', `${field} is not well-formed text (a lone surrogate)`, { field });
  const bad = FORBIDDEN.exec(raw);
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new PollcastError('invalid_poll', `${field} has a control or bidi-override character (U+${code})`, { field });
  }
  const text = raw.normalize('NFC').replace(EDGES, '');
  if (text.length === 0 || text.length > max) throw new PollcastError('invalid_poll', `${field} must be 1–${max} characters, not counting spaces and invisible characters at the ends`, { field });
  return text;
}
