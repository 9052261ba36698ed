/**
 * The one delivery loop behind webhooks and e-mail: claims due deliveries from the store (a lease,
 * so several workers never try one delivery at once), hands each to its channel, logs the attempt
 * and moves the delivery on: delivered, retried later (exponential backoff with jitter), or dead
 * after the policy's bound. A crash between sending and recording re-sends after the lease ends
 * (at least once): webhook receivers dedupe by `webhook-id`, which stays the same; e-mail keeps
 * its Message-ID.
 */
import { randomBytes } from 'node:crypto';
import {
  nextState,
  type Delivery,
  type DeliveryChannel,
  type RetryPolicy,
  type SendOutcome,
} from '../../domain/delivery.js';
import type { DeliveryStore } from '../../ports/delivery-store.js';
import type { Metrics } from '../../ports/metrics.js';
import { systemClock, type Clock } from '../../ports/clock.js';
import { IdleWait } from '../idle-wait.js';

/** Sends one delivery of its channel; never throws for a receiver's failure (reports it). */
export interface DeliveryHandler {
  send(delivery: Delivery): Promise<SendOutcome>;
}

export interface DeliveryWorkerOptions {
  policy: RetryPolicy;
  /** Deliveries claimed per round. */
  batch?: number;
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** How long a claim holds a delivery; longer than any one attempt can take. */
  leaseMs?: number;
  /** The wait when nothing was due (a poke ends it early). */
  idleMs?: number;
}

const PRUNE_EVERY_MS = 3_600_000;
/** Delivered and dead deliveries are kept this long for the log, then forgotten. */
export const DELIVERY_RETENTION_MS = 30 * 24 * 3_600_000;

export class DeliveryWorker {
  readonly #lease = randomBytes(9).toString('base64url');
  readonly #channels: DeliveryChannel[];
  readonly #batch: number;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #idleMs: number;
  readonly #idle = new IdleWait();
  #loop: Promise<void> | null = null;
  #lastPrune = 0;

  constructor(
    private readonly store: DeliveryStore,
    private readonly handlers: Partial<Record<DeliveryChannel, DeliveryHandler>>,
    private readonly metrics: Pick<Metrics, 'deliveryAttempted'>,
    private readonly onError: (err: unknown) => void,
    private readonly opts: DeliveryWorkerOptions,
    private readonly clock: Clock = systemClock,
    private readonly random: () => number = Math.random,
  ) {
    this.#channels = (Object.keys(handlers) as DeliveryChannel[]).filter((c) => handlers[c] !== undefined);
    this.#batch = opts.batch ?? 50;
    this.#concurrency = opts.concurrency ?? 8;
    this.#leaseMs = opts.leaseMs ?? 120_000;
    this.#idleMs = opts.idleMs ?? 500;
  }

  start(): void {
    this.#idle.resume();
    this.#loop = this.#run();
  }

  /** Skips the idle wait: call after enqueueing. */
  poke(): void {
    this.#idle.wake();
  }

  async #run(): Promise<void> {
    let backoff = 100;
    while (!this.#idle.stopped) {
      let done = 0;
      try {
        done = await this.runOnce();
        backoff = 100;
        const now = this.clock.now();
        if (now - this.#lastPrune > PRUNE_EVERY_MS) {
          this.#lastPrune = now;
          await this.store.prune(now - DELIVERY_RETENTION_MS);
        }
      } catch (err) {
        this.onError(err);
        await this.#idle.sleep(backoff);
        backoff = Math.min(backoff * 2, 5_000);
        continue;
      }
      if (done < this.#batch) await this.#idle.sleep(this.#idleMs);
    }
  }

  /** Claims one batch of due deliveries and tries each once; returns how many were tried. */
  async runOnce(): Promise<number> {
    if (this.#channels.length === 0) return 0;
    const due = await this.store.claim(this.clock.now(), this.#batch, this.#leaseMs, this.#lease, this.#channels);
    let next = 0;
    const lane = async () => {
      while (next < due.length) await this.#attempt(due[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, due.length) }, lane));
    return due.length;
  }

  async #attempt(d: Delivery): Promise<void> {
    const handler = this.handlers[d.channel]!;
    let outcome: SendOutcome;
    try {
      outcome = await handler.send(d);
    } catch (err) {
      // A bug or a store outage while preparing the message: counts as a failed attempt.
      outcome = { ok: false, status: null, error: `internal: ${(err as Error).message}`, durationMs: 0 };
    }
    const now = this.clock.now();
    const next = nextState(outcome, d.roundAttempts + 1, now, this.opts.policy, this.random);
    const error = outcome.ok
      ? null
      : (outcome.error ?? (outcome.status === null ? 'failed' : `status ${outcome.status}`)).slice(0, 500);
    try {
      const recorded = await this.store.record(
        d.id,
        this.#lease,
        { at: now, ok: outcome.ok, status: outcome.status, error, durationMs: Math.round(outcome.durationMs) },
        next,
      );
      if (recorded) this.metrics.deliveryAttempted(d.channel, next.status === 'pending' ? 'retry' : next.status);
    } catch (err) {
      // Not recorded: the lease ends and the delivery is tried again (same id, same webhook-id).
      this.onError(err);
    }
  }

  async stop(): Promise<void> {
    this.#idle.stop();
    await this.#loop;
  }
}
