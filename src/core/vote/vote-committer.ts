/**
 * Commit and notify: votes gathered by the group committer go to the store in one transaction per
 * batch; each poll that counted a vote gets one `results` notice per batch (not per vote); each
 * vote's answer is rendered once — inside the transaction when it is stored for its Idempotency-Key,
 * otherwise after the commit.
 */
import type { StoredResponse, VoteCommand, VoteOutcome } from '../../domain/vote.js';
import { PollcastError } from '../../errors.js';
import { inSpan, type SpanHandle, type Tracing } from '../../ports/tracing.js';
import type { Notifier } from '../../ports/notifier.js';
import type { Store } from '../../ports/store.js';
import { GroupCommitter, type BatchObserver, type GroupCommitOptions } from '../group-commit.js';
import type { VoteAnswers } from './vote-answers.js';

export interface Committed {
  outcome: VoteOutcome;
  /** The answer: rendered for this vote, or the stored one a replay found. */
  answer: StoredResponse;
}

const isStoreUnavailable = (err: unknown) => err instanceof PollcastError && err.code === 'store_unavailable';

export class VoteCommitter {
  readonly #committer: GroupCommitter<VoteCommand, Committed>;
  /** The request span each queued vote came from (tracing on only): the batch continues them. */
  readonly #spans = new WeakMap<VoteCommand, SpanHandle>();

  constructor(
    private readonly store: Store,
    private readonly notifier: Notifier,
    private readonly answers: VoteAnswers,
    private readonly tracing: Tracing,
    options: GroupCommitOptions,
    onBatch?: BatchObserver,
    private readonly now: () => number = Date.now,
  ) {
    this.#committer = new GroupCommitter(options, (batch) => this.#commit(batch), onBatch, isStoreUnavailable);
  }

  get depth(): number {
    return this.#committer.depth;
  }

  /** Resolves after the vote's batch committed (or rejects with the batch's error). */
  submit(cmd: VoteCommand): Promise<Committed> {
    if (this.tracing.enabled) {
      const span = this.tracing.active();
      if (span) this.#spans.set(cmd, span);
    }
    return this.#committer.submit(cmd);
  }

  drain(): Promise<void> {
    return this.#committer.drain();
  }

  #commit(batch: VoteCommand[]): Promise<Committed[]> {
    if (!this.tracing.enabled) return this.#commitBatch(batch, undefined);
    // One transaction carries many requests: its span continues the first and links the others.
    const from = batch.map((c) => this.#spans.get(c));
    return inSpan(
      this.tracing,
      'vote.batch',
      { parent: from[0] ?? null, links: from.slice(1, 128), attributes: { 'pollcast.batch.size': batch.length } },
      (span) => this.#commitBatch(batch, span.traceparent),
    );
  }

  /** `traceparent` goes into the batch's outbox events and results notices (tracing on only). */
  async #commitBatch(batch: VoteCommand[], traceparent: string | undefined): Promise<Committed[]> {
    // Answers the store asked for (idempotent votes), kept so none is rendered twice.
    const rendered = new Map<VoteCommand, StoredResponse>();
    const outcomes = await this.store.recordVotes(
      batch,
      (cmd, outcome) => {
        if (outcome.kind === 'replay') return outcome.response;
        const answer = this.answers.render(cmd, outcome);
        rendered.set(cmd, answer);
        return answer;
      },
      traceparent === undefined ? undefined : { traceparent },
    );
    const committedAt = this.now();
    let versions: Map<string, number> | null = null;
    const out: Committed[] = new Array(outcomes.length);
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i]!;
      const cmd = batch[i]!;
      if (o.kind === 'counted') {
        versions ??= new Map();
        versions.set(cmd.pollId, o.version);
      }
      out[i] = { outcome: o, answer: o.kind === 'replay' ? o.response : (rendered.get(cmd) ?? this.answers.render(cmd, o)) };
    }
    if (versions) {
      for (const [pollId, version] of versions) {
        this.notifier.publish(traceparent === undefined ? { type: 'results', pollId, version, committedAt } : { type: 'results', pollId, version, committedAt, traceparent });
      }
    }
    return out;
  }
}
