/**
 * Notifier port: fire-and-forget, cross-process notices that something changed (results of a
 * poll, a poll's definition). Lossy by contract: listeners always re-read the truth, so a lost
 * notice delays a push but never corrupts it. Adapters: memory, Redis pub/sub.
 */
export type Notice =
  /** `traceparent`: the committing batch's trace (tracing on only), so the push can continue it. */
  | { type: 'results'; pollId: string; version: number; committedAt: number; traceparent?: string }
  | { type: 'poll'; pollId: string }
  /** An event's presenter changed something its audience sees (current question, results shown, questions). */
  | { type: 'event'; eventId: string };

export interface Notifier {
  readonly kind: string;
  publish(notice: Notice): void;
  subscribe(listener: (notice: Notice) => void): () => void;
  close(): Promise<void>;
}
