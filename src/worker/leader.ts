/**
 * Runs a cluster-wide singleton: keeps trying to take the named leadership from the store and,
 * while it holds it, keeps the task running. Every process in the `worker` role runs this; one
 * leads, the others wait and take over when the leader dies or stops.
 */
import type { Store } from '../ports/store.js';

export interface Task {
  start(): void;
  stop(): Promise<void>;
}

export class Leadership {
  #timer: NodeJS.Timeout | null = null;
  #release: (() => Promise<void>) | null = null;
  #stopped = false;
  #attempt: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly name: string,
    private readonly task: Task,
    private readonly onError: (err: unknown) => void,
    private readonly retryMs = 2_000,
  ) {}

  get leading(): boolean {
    return this.#release !== null;
  }

  start(): void {
    this.#attempt = this.#try();
  }

  async #try(): Promise<void> {
    if (this.#stopped) return;
    try {
      const release = await this.store.tryLead(this.name);
      if (release && !this.#stopped) {
        this.#release = release;
        this.task.start();
        return;
      }
      if (release) await release();
    } catch (err) {
      this.onError(err);
    }
    if (!this.#stopped) {
      this.#timer = setTimeout(() => (this.#attempt = this.#try()), this.retryMs);
      this.#timer.unref();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#attempt;
    if (this.#release) {
      await this.task.stop();
      const release = this.#release;
      this.#release = null;
      await release().catch(this.onError);
    }
  }
}
