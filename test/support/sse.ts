/**
 * A tiny Server-Sent Events reader on fetch's body stream, for tests: it keeps every event and
 * comment it has seen and lets a test wait (with a deadline) for one that matches.
 */
import type { Json } from './json.js';

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
  retry: number | undefined;
  /** When the block was parsed (performance.now()). */
  at: number;
}

type Waiter = { check: () => boolean };

export class SseStream {
  readonly status: number;
  readonly headers: Headers;
  /** Dispatched events (blocks with data), in arrival order. */
  readonly events: SseEvent[] = [];
  /** Comment lines without the leading colon, e.g. " hb". */
  readonly comments: string[] = [];
  /** Every `retry:` value seen, in or out of an event. */
  readonly retries: number[] = [];
  /** The problem+json body, when the server answered with an error instead of a stream. */
  readonly errorText: string | undefined;
  ended = false;

  readonly #abort: AbortController;
  readonly #waiters = new Set<Waiter>();
  readonly #done: Promise<void>;

  private constructor(res: Response, abort: AbortController, errorText: string | undefined) {
    this.status = res.status;
    this.headers = res.headers;
    this.#abort = abort;
    this.errorText = errorText;
    this.#done = errorText === undefined && res.body ? this.#read(res.body) : Promise.resolve().then(() => void (this.ended = true));
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
    const abort = new AbortController();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
    const isStream = res.ok && (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
    return new SseStream(res, abort, isStream ? undefined : await res.text());
  }

  /** Result events (`event: results`) with their data parsed. */
  results<T = Json>(): Array<{ id: string | undefined; data: T }> {
    return this.events.filter((e) => e.event === 'results').map((e) => ({ id: e.id, data: JSON.parse(e.data) as T }));
  }

  /** Resolves with the first event (already seen or still to come) that matches. */
  waitFor(match: (e: SseEvent) => boolean, timeoutMs = 5_000, what = 'a matching event'): Promise<SseEvent> {
    return this.#wait(() => this.events.find(match), timeoutMs, what);
  }

  /** Resolves when a comment with this text has been seen. */
  waitForComment(text: string, timeoutMs = 5_000): Promise<string> {
    return this.#wait(() => this.comments.find((c) => c.trim() === text), timeoutMs, `comment "${text}"`);
  }

  /** Resolves when the server has ended the stream. */
  waitForEnd(timeoutMs = 5_000): Promise<true> {
    return this.#wait(() => (this.ended ? true : undefined), timeoutMs, 'the end of the stream');
  }

  close(): Promise<void> {
    this.#abort.abort();
    return this.#done;
  }

  #wait<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const now = probe();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const hit = probe();
          if (hit === undefined) return false;
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(hit);
          return true;
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        const seen = this.events.map((e) => `${e.event}#${e.id ?? '-'}`).join(', ');
        reject(new Error(`SSE: no ${what} within ${timeoutMs} ms (ended=${this.ended}; events: ${seen || 'none'})`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w.check();
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          this.#block(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
        }
        this.#notify();
      }
    } catch {
      // Aborted by close(), or the connection dropped: either way the stream has ended.
    }
    this.ended = true;
    this.#notify();
  }

  #block(block: string): void {
    let id: string | undefined;
    let event = 'message';
    let retry: number | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1));
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'retry' && /^\d+$/.test(value)) {
        retry = Number(value);
        this.retries.push(retry);
      }
    }
    if (data.length > 0) this.events.push({ id, event, data: data.join('\n'), retry, at: performance.now() });
  }
}
