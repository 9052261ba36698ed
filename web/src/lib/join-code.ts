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
