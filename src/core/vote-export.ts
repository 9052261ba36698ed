/**
 * Every counted answer of a poll, page by page, for exports: one keyset page of the store in memory
 * at a time whatever the poll's size, and no transaction held between pages, so a live poll keeps
 * taking votes while it is exported (a vote committed during the export appears if its voter id
 * sorts after the page being read). Voter identity is kept only in `open` mode, where the caller
 * chose it; every other mode's voter id is a pseudonym the export must not reveal.
 */
import { isValueKind, type Poll } from '../domain/poll.js';
import { tokenValue } from '../domain/rating.js';
import type { Store } from '../ports/store.js';
import { NAMED } from './vote/voter-identity.js';

export interface ExportedAnswer {
  receiptId: string;
  /** Choice kinds: the chosen options (ranked: in order of preference); empty for rating and nps. */
  optionIds: string[];
  /** The options' texts, in the order of `optionIds`; rating: the value's label, if the scale has labels. */
  options: string[];
  /** Rating and nps: the value given; absent for the choice kinds. */
  value?: number;
  at: number;
  /** Only in `open` identity mode. */
  voterId?: string;
}

export const EXPORT_PAGE_SIZE = 1_000;

export function exportsVoterIds(poll: Pick<Poll, 'identityMode'>): boolean {
  return poll.identityMode === 'open';
}

export async function* exportAnswers(store: Pick<Store, 'listVotes'>, poll: Poll, pageSize = EXPORT_PAGE_SIZE): AsyncGenerator<ExportedAnswer[]> {
  const text = new Map(poll.options.map((o) => [o.id, o.text]));
  const withVoter = exportsVoterIds(poll);
  const scale = isValueKind(poll.kind) ? poll.scale : null;
  const choice = (optionIds: string[]): Pick<ExportedAnswer, 'optionIds' | 'options' | 'value'> => {
    if (!scale) return { optionIds, options: optionIds.map((id) => text.get(id) ?? '') };
    const value = tokenValue(optionIds[0]);
    if (value === null) return { optionIds: [], options: [] };
    const label = scale.labels?.[value - scale.min];
    return { optionIds: [], options: label === undefined ? [] : [label], value };
  };
  let after: string | null = null;
  for (;;) {
    const page = await store.listVotes(poll.id, after, pageSize);
    if (page.length === 0) return;
    yield page.map((v) => ({
      receiptId: v.receiptId,
      ...choice(v.optionIds),
      at: v.at,
      ...(withVoter ? { voterId: v.voterId.startsWith(NAMED) ? v.voterId.slice(NAMED.length) : v.voterId } : {}),
    }));
    if (page.length < pageSize) return;
    after = page[page.length - 1]!.voterId;
  }
}
