/**
 * A live-results viewer that behaves like a browser's EventSource: when its stream ends or cannot
 * be opened it waits the server's `retry:` hint and reconnects with Last-Event-ID. It keeps the
 * latest `results` event seen over all its connections.
 */
import { SseStream } from './sse.js';
import { sleep } from './eventually.js';

export class ReconnectingViewer<T extends { version: number }> {
  /** Connections opened after the first. */
  reconnects = 0;
  /** How each connection attempt ended: HTTP status of a refused open, or the error's message. */
  readonly refusals = new Map<string, number>();
  latest: T | undefined;
  #lastId: string | undefined;
  #stream: SseStream | undefined;
  #closed = false;
  readonly #loop: Promise<void>;

  constructor(
    private readonly url: string,
    private retryMs = 500,
  ) {
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    for (let first = true; !this.#closed; first = false) {
      if (!first) {
        this.reconnects += 1;
        await sleep(this.retryMs);
        if (this.#closed) return;
      }
      try {
        const s = await SseStream.open(this.url, this.#lastId ? { 'last-event-id': this.#lastId } : {});
        this.#stream = s;
        if (s.status !== 200) {
          this.#count(`status ${s.status}: ${(s.errorText ?? '').slice(0, 200)}`);
          continue;
        }
        let seen = 0;
        while (!s.ended && !this.#closed) {
          await s.waitForEnd(200).catch(() => undefined);
          seen += this.#take(s);
        }
        seen += this.#take(s);
        if (!this.#closed) this.#count(seen === 0 ? 'stream ended by the other side before any results' : 'stream ended by the other side');
      } catch (err) {
        // refused or reset while opening: retry, as EventSource does
        this.#count((err as Error).message);
      }
    }
  }

  #count(why: string): void {
    this.refusals.set(why, (this.refusals.get(why) ?? 0) + 1);
  }

  /**
   * Takes the events that arrived since the last take off the stream (so a viewer watching for
   * half an hour neither keeps nor re-parses everything it saw: the soak's 1,000 viewers once
   * starved its load generator that way) and returns how many were results.
   */
  #take(s: SseStream): number {
    let results = 0;
    for (const e of s.events.splice(0)) {
      if (e.event !== 'results') continue;
      results += 1;
      const data = JSON.parse(e.data) as T;
      if (!this.latest || data.version >= this.latest.version) this.latest = data;
      if (e.id !== undefined) this.#lastId = e.id;
    }
    const hint = s.retries.at(-1);
    if (hint !== undefined) this.retryMs = hint;
    s.retries.splice(0);
    s.comments.splice(0);
    return results;
  }

  /** The latest results, including events on the open stream not yet taken. */
  current(): T | undefined {
    if (this.#stream) this.#take(this.#stream);
    return this.latest;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#stream?.close();
    await this.#loop;
  }
}
