/** Audience Q&A helpers shared by the phone and the console: the server's two orders, and the API paths. */
import type { AudienceQuestion } from './types.js';

export type QaSort = 'top' | 'recent';

export const QA_TEXT_MAX = 300;
export const QA_NAME_MAX = 40;

/** Pinned first, then open before answered; then top: most upvotes (older first), recent: newest first. */
export function sortQuestions(list: readonly AudienceQuestion[], sort: QaSort): AudienceQuestion[] {
  const at = (q: AudienceQuestion) => Date.parse(q.createdAt);
  return [...list].sort(
    (a, b) =>
      Number(b.pinned) - Number(a.pinned) ||
      Number(a.answered) - Number(b.answered) ||
      (sort === 'top' ? b.upvotes - a.upvotes || at(a) - at(b) : at(b) - at(a)) ||
      (sort === 'top' ? (a.id < b.id ? -1 : 1) : a.id < b.id ? 1 : -1),
  );
}

export const qaPath = (eventId: string, rest = ''): string =>
  `/v1/events/${encodeURIComponent(eventId)}/questions-from-audience${rest}`;
