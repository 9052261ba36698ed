/**
 * The idle wait of a polling loop (the outbox relay, the delivery worker): `sleep` waits at most
 * `ms` on an unref'd timer, `wake` cuts the current wait short, and once `stop` is called no wait
 * happens at all. Without that last rule a stop that came while a round was running (no wait to
 * wake) let the loop sleep again on a timer that keeps nothing alive, and the process ended with
 * the stop still pending (CI: "Promise resolution is still pending but the event loop has already
 * resolved").
 */
export class IdleWait {
  #wake: (() => void) | null = null;
  #stopped = false;

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Allows waits again (a loop started anew). */
  resume(): void {
    this.#stopped = false;
  }

  sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        if (this.#wake === done) this.#wake = null;
        resolve();
      };
      const t = setTimeout(done, ms);
      t.unref();
      this.#wake = done;
    });
  }

  wake(): void {
    this.#wake?.();
  }

  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }
}
