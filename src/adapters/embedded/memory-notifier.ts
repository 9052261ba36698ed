/** In-process notifier: listeners run on a later tick, never inside the publisher's call. */
import type { Notice, Notifier } from '../../ports/notifier.js';

export class MemoryNotifier implements Notifier {
  readonly kind = 'memory';
  readonly #listeners = new Set<(n: Notice) => void>();

  publish(notice: Notice): void {
    if (this.#listeners.size === 0) return;
    queueMicrotask(() => {
      for (const l of this.#listeners) {
        try {
          l(notice);
        } catch {
          // A failing listener must not stop the others; notices are lossy by contract.
        }
      }
    });
  }

  subscribe(listener: (n: Notice) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}
