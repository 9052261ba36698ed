/**
 * Join codes. A poll's join code is its id, shown in groups of four (`7kQx-3mWb-zR2a`): nothing new
 * to store, and the id alphabet already leaves out look-alikes (0/O, 1/l/I). It is case-sensitive.
 * Kept equal to src/domain/ids.ts ID_ALPHABET by test/unit/web-join-code.test.ts.
 */
export const ID_ALPHABET = '23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ';
const POLL_ID_RE = new RegExp(`^[${ID_ALPHABET}]{12}$`);

export function isPollId(value: string): boolean {
  return POLL_ID_RE.test(value);
}

export function formatJoinCode(pollId: string): string {
  return pollId.replace(/(.{4})(?=.)/g, '$1-');
}

/** The poll id a typed code names, or null. Spaces, dashes and dots between groups are ignored. */
export function parseJoinCode(input: string): string | null {
  const id = input.replace(/[\s\-.·_]/g, '');
  return isPollId(id) ? id : null;
}

/**
 * An event's join code: at most 8 characters, read in any letter case, no look-alikes. Kept
 * equal to src/domain/event.ts CODE_ALPHABET (test/unit/web-join-code.test.ts).
 */
export const EVENT_CODE_ALPHABET = 'ACEFGHJKMNPRTWXY34679';

/** The event code a typed text names (upper case, spaces and dashes dropped), or null. */
export function parseEventCode(input: string): string | null {
  const code = input.replace(/[\s\-.·_]/g, '').toUpperCase();
  if (code.length === 0 || code.length > 8) return null;
  for (const ch of code) if (!EVENT_CODE_ALPHABET.includes(ch)) return null;
  return code;
}
