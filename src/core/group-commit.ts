/**
 * Group commit: gathers concurrent submissions into batches of at most `maxBatch` items or
 * `maxWaitMs` of waiting, and hands each batch to `commit` (one transaction). Each submitter is
 * answered after its batch commits. While `maxInFlight` batches are committing, new items queue
 * up, so batches grow with load and throughput rises while latency stays bounded.
 */
import { PollcastError } from '../errors.js';

export interface GroupCommitOptions {
  maxBatch: number;
  maxWaitMs: number;
  maxInFlight: number;
  /** Beyond this many waiting items, submit refuses with `overloaded` (503) instead of queueing. */
  maxQueue: number;
}

interface Pending<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

export type BatchObserver = (size: number, ms: number, ok: boolean) => void;

export class GroupCommitter<I, O> {
  #buffer: Array<Pending<I, O>> = [];
  #timer: NodeJS.Timeout | null = null;
  #inFlight = 0;
  /** Items inside the batches committing now. */
  #committing = 0;
  #idle: Array<() => void> = [];

  /**
   * `failsAll(err)`: a batch that failed this way (the database is unreachable) fails every item
   * still waiting with the same error at once. Those were never sent, so refusing them is safe,
   * and it keeps their answer within one statement timeout instead of one per batch ahead of them.
   */
  constructor(
    private readonly opts: GroupCommitOptions,
    private readonly commit: (items: I[]) => Promise<O[]>,
    private readonly observe: BatchObserver = () => {},
    private readonly failsAll: (err: unknown) => boolean = () => false,
  ) {}

  /** Items waiting or committing (the overload guard compares it with OVERLOAD_MAX_QUEUE). */
  get depth(): number {
    return this.#buffer.length + this.#committing;
  }

  submit(item: I): Promise<O> {
    if (this.#buffer.length >= this.opts.maxQueue) {
      return Promise.reject(new PollcastError('overloaded', 'the vote queue is full', undefined, 1));
    }
    return new Promise<O>((resolve, reject) => {
      this.#buffer.push({ item, resolve, reject });
      if (this.#buffer.length >= this.opts.maxBatch) this.#kick();
      else if (this.#timer === null) this.#timer = setTimeout(() => this.#kick(), this.opts.maxWaitMs);
    });
  }

  #kick(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    while (this.#inFlight < this.opts.maxInFlight && this.#buffer.length > 0) {
      const batch = this.#buffer.splice(0, this.opts.maxBatch);
      this.#inFlight += 1;
      this.#committing += batch.length;
      void this.#run(batch);
    }
  }

  async #run(batch: Array<Pending<I, O>>): Promise<void> {
    const started = performance.now();
    try {
      const out = await this.commit(batch.map((p) => p.item));
      this.observe(batch.length, performance.now() - started, true);
      for (let i = 0; i < batch.length; i++) batch[i]!.resolve(out[i]!);
    } catch (err) {
      this.observe(batch.length, performance.now() - started, false);
      for (const p of batch) p.reject(err);
      if (this.failsAll(err)) {
        if (this.#timer !== null) clearTimeout(this.#timer);
        this.#timer = null;
        for (const p of this.#buffer.splice(0)) p.reject(err);
      }
    } finally {
      this.#inFlight -= 1;
      this.#committing -= batch.length;
      // Items that arrived while this batch committed have waited long enough: go now.
      if (this.#buffer.length > 0) this.#kick();
      else if (this.#inFlight === 0) for (const r of this.#idle.splice(0)) r();
    }
  }

  /** Commits everything submitted so far and resolves when nothing is in flight. */
  async drain(): Promise<void> {
    if (this.#buffer.length === 0 && this.#inFlight === 0) return;
    const done = new Promise<void>((r) => this.#idle.push(r));
    this.#kick();
    await done;
  }
}
