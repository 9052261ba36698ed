/**
 * Live results fan-out. Viewers of a poll share one channel; a `results` notice marks the
 * channel dirty and a push goes out at most once per `pushIntervalMs`, carrying the full current
 * state read once and serialized once for every viewer. So the cost depends on viewers and the
 * push rate, never on the vote rate. Large channels are written in slices so one broadcast does
 * not hold the event loop for long.
 *
 * Notices are lossy (Redis pub/sub drops what is published while a subscriber reconnects), so a
 * burst of pushes ends with one more read from the primary `SETTLE_MS` after the last push: if a
 * final notice was lost, viewers still get the final tally, instead of keeping a stale one until
 * the next vote. One read per watched poll per burst, not per vote.
 */
import type { Results } from '../domain/results.js';
import type { Notifier } from '../ports/notifier.js';
import type { ResultsReader } from '../core/results-reader.js';

const SETTLE_MS = 750;

export interface Viewer {
  /** Returns false when the socket's buffer is full (the viewer is slow). */
  write(chunk: string): boolean;
  end(): void;
}

interface Channel {
  pollId: string;
  /** Each viewer with the last version it was sent: no viewer ever sees a version go back. */
  viewers: Map<Viewer, number>;
  sentVersion: number;
  lastPushAt: number;
  timer: NodeJS.Timeout | null;
  /** The check from the primary after the last push (see the header). */
  settle: NodeJS.Timeout | null;
  /** Commit time of the oldest change not yet pushed, for vote-to-viewer latency. */
  pendingSince: number | null;
  /** That change's trace (tracing on only), so the push can be recorded in it. */
  pendingTrace: string | null;
}

export interface HubOptions {
  pushIntervalMs: number;
  heartbeatMs: number;
  reconnectHintMs: number;
  /** Viewers written per slice before yielding to the event loop. */
  sliceSize?: number;
}

export interface PushInfo {
  /** Epoch ms when the push began (before reading the results). */
  startedAt: number;
  traceparent: string | null;
}

export interface HubObserver {
  pushed?(pollId: string, viewers: number, latencyMs: number | null, info: PushInfo): void;
}

export function resultsFrame(r: Results): string {
  return `id: ${r.version}\nevent: results\ndata: ${JSON.stringify(r)}\n\n`;
}

export class ResultsHub {
  readonly #channels = new Map<string, Channel>();
  readonly #heartbeat: NodeJS.Timeout;
  readonly #unsubscribe: () => void;
  #closed = false;

  constructor(
    private readonly reader: ResultsReader,
    notifier: Notifier,
    private readonly opts: HubOptions,
    private readonly observer: HubObserver = {},
  ) {
    this.#unsubscribe = notifier.subscribe((n) => {
      if (n.type !== 'results' && n.type !== 'poll') return;
      const ch = this.#channels.get(n.pollId);
      if (!ch) return;
      if (n.type === 'results') {
        if (n.version <= ch.sentVersion) return;
        if (ch.pendingSince === null) {
          ch.pendingSince = n.committedAt;
          ch.pendingTrace = n.traceparent ?? null;
        }
      }
      this.#schedule(ch);
    });
    this.#heartbeat = setInterval(() => this.#beat(), opts.heartbeatMs);
    this.#heartbeat.unref();
  }

  get viewerCount(): number {
    let n = 0;
    for (const ch of this.#channels.values()) n += ch.viewers.size;
    return n;
  }

  /**
   * Adds a viewer and sends it the current state, unless `lastEventId` shows it already has it.
   * Returns a function that removes the viewer.
   */
  async join(pollId: string, viewer: Viewer, lastEventId: number | null): Promise<() => void> {
    let ch = this.#channels.get(pollId);
    if (!ch) {
      ch = { pollId, viewers: new Map(), sentVersion: -1, lastPushAt: 0, timer: null, settle: null, pendingSince: null, pendingTrace: null };
      this.#channels.set(pollId, ch);
    }
    ch.viewers.set(viewer, lastEventId ?? -1);
    const channel = ch;
    viewer.write(`retry: ${this.opts.reconnectHintMs}\n\n`);
    const current = await this.reader.get(pollId);
    const had = channel.viewers.get(viewer);
    if (!current) {
      viewer.write('event: deleted\ndata: {}\n\n');
    } else if (had !== undefined && had < current.version) {
      channel.viewers.set(viewer, current.version);
      viewer.write(resultsFrame(current));
    }
    return () => {
      channel.viewers.delete(viewer);
      if (channel.viewers.size === 0 && this.#channels.get(pollId) === channel) {
        if (channel.timer) clearTimeout(channel.timer);
        if (channel.settle) clearTimeout(channel.settle);
        this.#channels.delete(pollId);
      }
    };
  }

  #schedule(ch: Channel): void {
    if (ch.timer || this.#closed) return;
    const wait = Math.max(0, ch.lastPushAt + this.opts.pushIntervalMs - Date.now());
    ch.timer = setTimeout(() => void this.#push(ch), wait);
  }

  #armSettle(ch: Channel): void {
    if (ch.settle) clearTimeout(ch.settle);
    ch.settle = setTimeout(() => {
      ch.settle = null;
      // A push already due does the same; a channel without viewers is gone.
      if (ch.timer === null && !this.#closed && this.#channels.get(ch.pollId) === ch) void this.#push(ch, true);
    }, SETTLE_MS);
    ch.settle.unref();
  }

  /** `fresh`: read the primary, past every cache (the settle check). */
  async #push(ch: Channel, fresh = false): Promise<void> {
    ch.timer = null;
    ch.lastPushAt = Date.now();
    let results: Results | null;
    try {
      results = await this.reader.get(ch.pollId, { fresh });
    } catch {
      // The store is unreachable: try again on the next interval.
      this.#schedule(ch);
      return;
    }
    if (!results) {
      await this.#broadcast(ch, 'event: deleted\ndata: {}\n\n', Infinity);
      for (const v of ch.viewers.keys()) v.end();
      ch.viewers.clear();
      this.#channels.delete(ch.pollId);
      return;
    }
    if (results.version <= ch.sentVersion) return;
    ch.sentVersion = results.version;
    const latency = ch.pendingSince === null ? null : Date.now() - ch.pendingSince;
    const traceparent = ch.pendingTrace;
    ch.pendingSince = null;
    ch.pendingTrace = null;
    await this.#broadcast(ch, resultsFrame(results), results.version);
    this.observer.pushed?.(ch.pollId, ch.viewers.size, latency, { startedAt: ch.lastPushAt, traceparent });
    if (this.reader.announced(ch.pollId) > results.version) this.#schedule(ch);
    else this.#armSettle(ch);
  }

  async #broadcast(ch: Channel, frame: string, version: number): Promise<void> {
    const slice = this.opts.sliceSize ?? 1_000;
    let i = 0;
    for (const [v, sent] of [...ch.viewers]) {
      if (sent >= version || !ch.viewers.has(v)) continue;
      ch.viewers.set(v, version);
      v.write(frame);
      if (++i % slice === 0) await new Promise((r) => setImmediate(r));
    }
  }

  #beat(): void {
    for (const ch of this.#channels.values()) for (const v of ch.viewers.keys()) v.write(': hb\n\n');
  }

  /** Tells every viewer to reconnect elsewhere in `reconnectHintMs`, then ends the streams. */
  closeAll(reason: string): void {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#unsubscribe();
    const frame = `retry: ${this.opts.reconnectHintMs}\nevent: close\ndata: ${JSON.stringify({ reason })}\n\n`;
    for (const ch of this.#channels.values()) {
      if (ch.timer) clearTimeout(ch.timer);
      if (ch.settle) clearTimeout(ch.settle);
      for (const v of ch.viewers.keys()) {
        v.write(frame);
        v.end();
      }
      ch.viewers.clear();
    }
    this.#channels.clear();
  }
}
