/**
 * Live results fan-out. Viewers of a poll share one channel; a `results` notice marks the
 * channel dirty and a push goes out at most once per `pushIntervalMs`, carrying the full current
 * state read once, serialized once and encoded once into one Buffer every socket is given. So the
 * cost depends on viewers and the push rate, never on the vote rate. A channel is written in
 * slices of `sliceSize` viewers with the event loop free in between, and never by two passes at
 * once: notices that arrive during a pass are folded into the next push, so when writing takes
 * longer than the interval viewers get fewer, fresher pushes (coalescing), never a queue.
 *
 * Slow viewers: a socket whose unsent bytes pass `maxBufferedBytes`, or whose unsent buffer has
 * not emptied for `stallTimeoutMs`, is dropped and counted; memory per viewer stays bounded.
 * Streams end after `maxLifetimeMs` (each between 80 % and 100 % of it, so they do not all end
 * together) with a `retry:` hint; EventSource reconnects, maybe elsewhere, with Last-Event-ID.
 *
 * Notices are lossy (Redis pub/sub drops what is published while a subscriber reconnects), so a
 * burst of pushes ends with one more read from the primary `SETTLE_MS` after the last push: if a
 * final notice was lost, viewers still get the final tally, instead of keeping a stale one until
 * the next vote. One read per watched poll per burst, not per vote.
 */
import type { Results } from '../domain/results.js';
import type { Notice, Notifier } from '../ports/notifier.js';
import type { ResultsReader } from '../core/results-reader.js';
import { DELETED, HEARTBEAT, SseFrame, resultsText } from './sse-frame.js';
import type { SseViewer } from './sse-viewer.js';

const SETTLE_MS = 750;
/** How often heartbeats, lifetimes and stalls are looked at. */
const SWEEP_MS = 1_000;
/** A stream lives between (1 − LIFETIME_JITTER) and 1 × maxLifetimeMs. */
const LIFETIME_JITTER = 0.2;

/**
 * What a hub pushes: a versioned snapshot per channel id (a poll's results, an event's state),
 * read once per push and rendered once for every viewer of the channel.
 */
export interface HubSource<T extends { version: number }> {
  read(id: string, opts: { fresh?: boolean }): Promise<T | null>;
  /** Highest version this process has heard of for the channel (or -1). */
  announced(id: string): number;
  /** The SSE frame text for a snapshot; `viewers` is the channel's audience in this process (viewers not marked `uncounted`). */
  frame(snapshot: T, viewers: number): string;
  /** Calls `mark` for every channel the notice concerns, with what it announces when it names a version. */
  route(n: Notice, mark: (id: string, announce?: { version: number; committedAt: number; traceparent?: string | undefined }) => void): void;
  /** The frame shows the viewer count: push again (at the same version) when it changes. */
  readonly countsViewers?: boolean;
}

/** Results of a poll: the channel id is the poll id. */
export function resultsSource(reader: ResultsReader): HubSource<Results> {
  return {
    read: (id, opts) => reader.get(id, opts),
    announced: (id) => reader.announced(id),
    frame: (r) => resultsText(r),
    route: (n, mark) => {
      if (n.type === 'results') mark(n.pollId, n);
      else if (n.type === 'poll') mark(n.pollId);
    },
  };
}

interface Channel {
  /** The channel id (a poll id for results). */
  pollId: string;
  /** Viewers in join order; ones that left stay (marked `gone`) until the next pass compacts. */
  viewers: SseViewer[];
  live: number;
  /** The newest results frame and its version. */
  frame: SseFrame | null;
  sentVersion: number;
  lastPushAt: number;
  timer: NodeJS.Timeout | null;
  /** The check from the primary after the last push (see the header). */
  settle: NodeJS.Timeout | null;
  /** A pass (push or sweep) is writing the channel. */
  busy: boolean;
  /** A notice came during a pass: push again after it. */
  dirty: boolean;
  /** Commit time of the oldest change not yet pushed, for vote-to-viewer latency. */
  pendingSince: number | null;
  /** That change's trace (tracing on only), so the push can be recorded in it. */
  pendingTrace: string | null;
  /** Viewers that are audience (not `uncounted`), and the count the current frame shows. */
  audience: number;
  framedLive: number;
  /** Push even at the same version: the viewer count changed. */
  forced: boolean;
}

export interface HubOptions {
  pushIntervalMs: number;
  heartbeatMs: number;
  reconnectHintMs: number;
  /** Unsent bytes above which a viewer is dropped as slow. */
  maxBufferedBytes: number;
  /** A viewer whose unsent buffer has not emptied for this long is dropped as stalled. */
  stallTimeoutMs: number;
  /** Streams end after about this long with a reconnect hint (0: never). */
  maxLifetimeMs: number;
  /** Viewers written per slice before yielding to the event loop. */
  sliceSize?: number;
}

export interface PushInfo {
  /** Epoch ms when the push began (before reading the results). */
  startedAt: number;
  traceparent: string | null;
}

export type DropReason = 'buffer' | 'stalled';

export interface HubObserver {
  pushed?(pollId: string, viewers: number, latencyMs: number | null, info: PushInfo): void;
  /** A viewer that did not read was dropped. */
  dropped?(reason: DropReason): void;
}

export function resultsFrame(r: Results): string {
  return resultsText(r);
}

export class LiveHub<T extends { version: number }> {
  readonly #channels = new Map<string, Channel>();
  readonly #sweep: NodeJS.Timeout;
  readonly #unsubscribe: () => void;
  /** `retry:` hints spread over 0.5–1.5 × reconnectHintMs, one picked per stream: when a process
   * dies, its viewers come back spread out instead of in one instant. */
  readonly #retries: SseFrame[];
  readonly #slice: number;
  #lastBeat = Date.now();
  #count = 0;
  #closed = false;

  constructor(
    private readonly source: HubSource<T>,
    notifier: Notifier,
    private readonly opts: HubOptions,
    private readonly observer: HubObserver = {},
  ) {
    this.#retries = Array.from({ length: 16 }, (_, i) => new SseFrame(`retry: ${Math.round(opts.reconnectHintMs * (0.5 + (i + 0.5) / 16))}\n\n`));
    this.#slice = opts.sliceSize ?? 500;
    this.#unsubscribe = notifier.subscribe((n) =>
      source.route(n, (id, announce) => {
        const ch = this.#channels.get(id);
        if (!ch) return;
        if (announce) {
          if (announce.version <= ch.sentVersion) return;
          if (ch.pendingSince === null) {
            ch.pendingSince = announce.committedAt;
            ch.pendingTrace = announce.traceparent ?? null;
          }
        }
        this.#schedule(ch);
      }),
    );
    this.#sweep = setInterval(() => this.#sweepAll(), Math.min(SWEEP_MS, opts.heartbeatMs));
    this.#sweep.unref();
  }

  get viewerCount(): number {
    return this.#count;
  }

  /**
   * Adds a viewer and sends it the current state, unless `lastEventId` shows it already has it.
   * A `lastEventId` above the current version (another process ahead of this one's cache, or a
   * made-up id) gets the full state too: waiting for that version could take forever.
   * Returns a function that removes the viewer.
   */
  async join(pollId: string, viewer: SseViewer, lastEventId: number | null): Promise<() => void> {
    let ch = this.#channels.get(pollId);
    if (!ch) {
      ch = { pollId, viewers: [], live: 0, frame: null, sentVersion: -1, lastPushAt: 0, timer: null, settle: null, busy: false, dirty: false, pendingSince: null, pendingTrace: null, audience: 0, framedLive: 0, forced: false };
      this.#channels.set(pollId, ch);
    }
    const channel = ch;
    viewer.sent = lastEventId ?? -1;
    if (this.opts.maxLifetimeMs > 0) viewer.expiresAt = Date.now() + this.opts.maxLifetimeMs * (1 - LIFETIME_JITTER * Math.random());
    channel.viewers.push(viewer);
    channel.live++;
    if (!viewer.uncounted) channel.audience++;
    this.#count++;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      viewer.gone = true;
      this.#count--;
      if (!viewer.uncounted) channel.audience--;
      if (--channel.live === 0 && this.#channels.get(pollId) === channel) this.#drop(channel);
    };
    viewer.write(this.#retries[Math.floor(Math.random() * this.#retries.length)]!);
    let current: T | null | undefined;
    try {
      current = await this.source.read(pollId, {});
    } catch {
      // The store is unreachable: the next push (tried until it succeeds) brings the state.
      current = undefined;
      if (viewer.sent > channel.sentVersion) viewer.sent = -1;
      this.#schedule(channel);
    }
    if (viewer.gone) return leave;
    if (current === null) {
      viewer.write(DELETED);
    } else if (current !== undefined) {
      if (viewer.sent > current.version) viewer.sent = -1;
      // Whichever is newer: what was just read, or what a push sent while it was being read.
      if (channel.frame !== null && channel.sentVersion >= current.version) {
        if (viewer.sent < channel.sentVersion) {
          viewer.sent = channel.sentVersion;
          viewer.write(channel.frame);
        }
      } else if (viewer.sent < current.version) {
        viewer.sent = current.version;
        viewer.write(new SseFrame(this.source.frame(current, channel.audience)));
      }
    }
    return leave;
  }

  #drop(ch: Channel): void {
    if (ch.timer) clearTimeout(ch.timer);
    if (ch.settle) clearTimeout(ch.settle);
    ch.timer = null;
    ch.settle = null;
    this.#channels.delete(ch.pollId);
  }

  #schedule(ch: Channel): void {
    if (this.#closed) return;
    if (ch.busy) {
      ch.dirty = true;
      return;
    }
    if (ch.timer) return;
    const wait = Math.max(0, ch.lastPushAt + this.opts.pushIntervalMs - Date.now());
    ch.timer = setTimeout(() => void this.#push(ch), wait);
  }

  #armSettle(ch: Channel): void {
    if (ch.settle) clearTimeout(ch.settle);
    ch.settle = setTimeout(() => {
      ch.settle = null;
      // A push already due does the same; a channel without viewers is gone.
      if (ch.timer === null && !ch.busy && !this.#closed && this.#channels.get(ch.pollId) === ch) void this.#push(ch, true);
    }, SETTLE_MS);
    ch.settle.unref();
  }

  /** `fresh`: read the primary, past every cache (the settle check). */
  async #push(ch: Channel, fresh = false): Promise<void> {
    ch.timer = null;
    if (ch.busy) {
      ch.dirty = true;
      return;
    }
    ch.busy = true;
    ch.dirty = false;
    ch.lastPushAt = Date.now();
    let results: T | null;
    try {
      results = await this.source.read(ch.pollId, { fresh });
    } catch {
      // The store is unreachable: try again on the next interval.
      ch.busy = false;
      this.#schedule(ch);
      return;
    }
    if (this.#channels.get(ch.pollId) !== ch || this.#closed) {
      ch.busy = false;
      return;
    }
    if (!results) {
      // Each ended stream's `close` removes it from the counts.
      await this.#pass(ch, (v) => v.end(DELETED));
      this.#drop(ch);
      ch.busy = false;
      return;
    }
    let latency: number | null = null;
    let traceparent: string | null = null;
    const fresher = results.version > ch.sentVersion;
    // The viewer count changed (sources that show it): every viewer gets the new frame, even at a version it has.
    const resend = ch.forced && results.version >= ch.sentVersion;
    ch.forced = false;
    if (fresher || resend) {
      ch.framedLive = ch.audience;
      ch.frame = new SseFrame(this.source.frame(results, ch.audience));
    }
    if (fresher) {
      ch.sentVersion = results.version;
      latency = ch.pendingSince === null ? null : Date.now() - ch.pendingSince;
      traceparent = ch.pendingTrace;
      ch.pendingSince = null;
      ch.pendingTrace = null;
    }
    const frame = ch.frame!;
    const version = ch.sentVersion;
    // Viewers that missed an earlier push (joined during it, or the store failed) catch up too.
    await this.#pass(ch, (v) => {
      if (v.sent >= version && !resend) return;
      v.sent = version;
      if (v.write(frame) > this.opts.maxBufferedBytes) this.#dropSlow(v, 'buffer');
    });
    if (fresher) this.observer.pushed?.(ch.pollId, ch.live, latency, { startedAt: ch.lastPushAt, traceparent });
    ch.busy = false;
    if (ch.dirty || this.source.announced(ch.pollId) > ch.sentVersion) this.#schedule(ch);
    else this.#armSettle(ch);
  }

  #dropSlow(v: SseViewer, reason: DropReason): void {
    v.destroy();
    this.observer.dropped?.(reason);
  }

  /**
   * Visits every live viewer of the channel in slices; the caller holds `busy`. Viewers that left
   * are compacted away first (nothing else changes the array while `busy`, except joins, which
   * only append).
   */
  async #pass(ch: Channel, visit: (v: SseViewer) => void): Promise<void> {
    const list = ch.viewers;
    let kept = 0;
    for (let i = 0; i < list.length; i++) {
      const v = list[i]!;
      if (!v.gone) list[kept++] = v;
    }
    list.length = kept;
    for (let i = 0; i < list.length; i++) {
      const v = list[i]!;
      if (!v.gone) visit(v);
      if ((i + 1) % this.#slice === 0 && i + 1 < list.length) {
        await new Promise((r) => setImmediate(r));
        if (this.#closed) return;
      }
    }
  }

  /** Heartbeats, stream lifetimes and stalled viewers. */
  #sweepAll(): void {
    const now = Date.now();
    const beat = now - this.#lastBeat >= this.opts.heartbeatMs - 50;
    if (beat) this.#lastBeat = now;
    for (const ch of this.#channels.values()) {
      // A pass in progress is traffic; this channel is looked at on the next sweep.
      if (ch.busy) continue;
      ch.busy = true;
      void this.#pass(ch, (v) => {
        if (v.expiresAt <= now) {
          v.end(this.#closeFrame('lifetime', this.opts.reconnectHintMs * (0.5 + Math.random())));
          return;
        }
        const unsent = beat ? v.write(HEARTBEAT) : v.unsent;
        if (unsent > this.opts.maxBufferedBytes) this.#dropSlow(v, 'buffer');
        else if (unsent === 0) v.stalledSince = 0;
        else if (v.stalledSince === 0) v.stalledSince = now;
        else if (now - v.stalledSince >= this.opts.stallTimeoutMs) this.#dropSlow(v, 'stalled');
      }).then(() => {
        ch.busy = false;
        if (this.source.countsViewers && ch.audience !== ch.framedLive) {
          ch.forced = true;
          ch.dirty = true;
        }
        if (ch.dirty) this.#schedule(ch);
      });
    }
  }

  #closeFrame(reason: string, retryMs: number): SseFrame {
    return new SseFrame(`retry: ${Math.round(retryMs)}\nevent: close\ndata: ${JSON.stringify({ reason })}\n\n`);
  }

  /** Tells every viewer to reconnect elsewhere in `reconnectHintMs`, then ends the streams. */
  closeAll(reason: string): void {
    this.#closed = true;
    clearInterval(this.#sweep);
    this.#unsubscribe();
    const frame = this.#closeFrame(reason, this.opts.reconnectHintMs);
    for (const ch of this.#channels.values()) {
      if (ch.timer) clearTimeout(ch.timer);
      if (ch.settle) clearTimeout(ch.settle);
      for (const v of ch.viewers) v.end(frame);
    }
    this.#channels.clear();
  }
}

/** Live results of polls: the hub over `resultsSource`. */
export class ResultsHub extends LiveHub<Results> {
  constructor(reader: ResultsReader, notifier: Notifier, opts: HubOptions, observer: HubObserver = {}) {
    super(resultsSource(reader), notifier, opts, observer);
  }
}
