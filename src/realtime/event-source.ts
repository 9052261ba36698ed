/**
 * What an event's stream pushes: the current question, its status, the answers counted so far,
 * its results when the presenter shows them, and the audience (viewers of the event's stream in
 * this process). One channel per event in a LiveHub, so a question switch reaches every phone in
 * one coalesced push, read once and rendered once.
 *
 * Versions: `streamVersion(event version, current question's results version)`: a presenter
 * action always moves it up, votes move it up between actions. Votes on the current question
 * (its `results` notices) mark the event's channel too, coalesced like results. Audience Q&A
 * changes publish the event's notice; their version (one counter per event, moved in the same
 * transaction as the change) is added into the low part, so a question or an upvote moves it up.
 */
import { streamVersion, type LiveEvent } from '../domain/event.js';
import { effectiveStatus, publicPoll, type Poll, type PollStatus, type PublicPoll } from '../domain/poll.js';
import type { Results } from '../domain/results.js';
import type { QaLive } from '../core/audience-qa-service.js';
import type { HubSource } from './results-hub.js';

export interface EventSnapshot {
  version: number;
  eventId: string;
  code: string;
  title: string;
  questionIds: string[];
  currentQuestionId: string | null;
  /** 0-based position of the current question, or -1. */
  position: number;
  question: PublicPoll | null;
  status: PollStatus | null;
  resultsShown: boolean;
  /** Answers counted on the current question. */
  answers: number;
  /** The current question's results, while the presenter shows them. */
  results: Results | null;
  /** The audience Q&A (visible questions only), when the process serves it. */
  qa: QaLive | null;
}

export interface EventReads {
  event(id: string): Promise<LiveEvent | null>;
  poll(id: string): Promise<Poll | null>;
  results(id: string, opts: { fresh?: boolean }): Promise<Results | null>;
  /** The event's audience Q&A; absent: frames carry `qa: null`. */
  qa?(ev: LiveEvent): Promise<QaLive>;
}

const MAX_TRACKED = 100_000;

export class EventStreamSource implements HubSource<EventSnapshot> {
  readonly countsViewers = true;
  /** Current question → events showing it, as last read: routes that question's results notices. */
  readonly #byQuestion = new Map<string, Set<string>>();
  readonly #current = new Map<string, string>();

  constructor(private readonly reads: EventReads) {}

  async read(id: string, opts: { fresh?: boolean }): Promise<EventSnapshot | null> {
    const ev = await this.reads.event(id);
    if (!ev) {
      this.#track(id, null);
      return null;
    }
    const qid = ev.currentQuestionId;
    this.#track(id, qid);
    const [[poll, results], qa] = await Promise.all([
      qid === null ? ([null, null] as const) : Promise.all([this.reads.poll(qid), this.reads.results(qid, opts)]),
      this.reads.qa ? this.reads.qa(ev) : null,
    ]);
    const now = Date.now();
    // The presenter decides what the room sees: results only while shown (the console reads them itself).
    const shown = poll !== null && ev.resultsShown;
    return {
      // Both parts of the low word only grow within one event version, so their sum does too.
      version: streamVersion(ev.version, (results?.version ?? 0) + (qa?.version ?? 0)),
      eventId: ev.id,
      code: ev.code,
      title: ev.title,
      questionIds: ev.questionIds,
      currentQuestionId: poll ? qid : null,
      position: qid === null ? -1 : ev.questionIds.indexOf(qid),
      question: poll ? publicPoll(poll, now) : null,
      status: poll ? effectiveStatus(poll, now) : null,
      resultsShown: ev.resultsShown,
      // Text questions count answers (a voter may give several; hidden ones not), the others voters.
      answers: results?.answers ?? results?.total ?? 0,
      results: shown ? results : null,
      qa,
    };
  }

  #track(eventId: string, questionId: string | null): void {
    const before = this.#current.get(eventId);
    if (before === questionId) return;
    if (before !== undefined) this.#byQuestion.get(before)?.delete(eventId);
    if (this.#current.size > MAX_TRACKED) {
      this.#current.clear();
      this.#byQuestion.clear();
    }
    if (questionId === null) {
      this.#current.delete(eventId);
      return;
    }
    this.#current.set(eventId, questionId);
    let set = this.#byQuestion.get(questionId);
    if (!set) this.#byQuestion.set(questionId, (set = new Set()));
    set.add(eventId);
  }

  announced(): number {
    return -1;
  }

  frame(s: EventSnapshot, viewers: number): string {
    return `id: ${s.version}\nevent: event\ndata: ${JSON.stringify({ ...s, audience: viewers })}\n\n`;
  }

  route(n: Parameters<HubSource<EventSnapshot>['route']>[0], mark: (id: string) => void): void {
    if (n.type === 'event') mark(n.eventId);
    else for (const eventId of this.#byQuestion.get(n.pollId) ?? []) mark(eventId);
  }
}
