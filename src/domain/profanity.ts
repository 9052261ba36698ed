/**
 * The built-in profanity list: English words kept out of a word cloud when a question asks for it
 * (`profanityFilter`), and refused in quiz nicknames. Deliberately short and plain: it catches the
 * common words and their usual disguises (case, accents, digits for letters, repeated letters,
 * separators), not every insult; a presenter still has moderation for the rest.
 */
const WORDS = [
  'anal', 'anus', 'arse', 'asshole', 'bastard', 'bitch', 'bollocks', 'boner', 'bullshit', 'clit', 'cock', 'coon',
  'crap', 'cum', 'cunt', 'dick', 'dildo', 'dyke', 'fag', 'faggot', 'fuck', 'fucker', 'fucking', 'goddamn', 'hitler',
  'jizz', 'kike', 'motherfucker', 'nazi', 'nigga', 'nigger', 'penis', 'piss', 'porn', 'prick', 'pussy', 'rape',
  'retard', 'scrotum', 'sex', 'shit', 'slut', 'spic', 'tits', 'twat', 'vagina', 'wank', 'wanker', 'whore',
];
/** Stems matched at the start of a word too ("fuckface", "shithead"). */
const STEMS = ['asshole', 'bitch', 'cunt', 'fuck', 'nigg', 'shit', 'wank', 'whore', 'slut', 'faggot'];

export const PROFANITY: ReadonlySet<string> = new Set(WORDS);

const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's', '!': 'i' };

/** Lower case, accents dropped, digits-for-letters undone, separators dropped, runs of one letter squeezed. */
export function profanityKey(text: string): string {
  const plain = text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  let out = '';
  for (const ch of plain) out += LEET[ch] ?? ch;
  return out.replace(/[^a-z]/g, '').replace(/(.)\1+/g, '$1');
}

const SQUEEZED = new Set(WORDS.map((w) => w.replace(/(.)\1+/g, '$1')));
const SQUEEZED_STEMS = STEMS.map((w) => w.replace(/(.)\1+/g, '$1'));

/** Is this one word on the list (or built on a listed stem)? */
export function isProfaneWord(word: string): boolean {
  const k = profanityKey(word);
  if (k.length === 0) return false;
  return SQUEEZED.has(k) || SQUEEZED_STEMS.some((s) => k.startsWith(s));
}

/** Is any word of `text`, or the whole of it with separators removed ("f.u.c.k"), on the list? */
export function isProfane(text: string): boolean {
  if (text.split(/[\s_.-]+/u).some(isProfaneWord)) return true;
  const whole = profanityKey(text);
  return SQUEEZED.has(whole) || SQUEEZED_STEMS.some((s) => whole.startsWith(s));
}
