/**
 * The JetStream objects the NATS event bus relies on, created or brought up to date on connect so
 * that any number of processes may start at once: one stream per prefix and one durable pull
 * consumer per consumer group. Names are derived from the prefix, so test runs and tenants that use
 * different prefixes never share a stream.
 */
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

export interface StreamSettings {
  /** Copies of every message kept by a NATS cluster (1 on a single server, 3 in a cluster). */
  replicas: number;
  /** How long events stay in the stream, so a consumer group that was away can catch up. */
  maxAgeMs: number;
  /** How long JetStream remembers a Nats-Msg-Id and drops a re-sent event carrying it. */
  duplicateWindowMs: number;
}

export const DEFAULT_STREAM_SETTINGS: StreamSettings = {
  replicas: 1,
  maxAgeMs: 7 * 24 * 3600_000,
  duplicateWindowMs: 15 * 60_000,
};

/** Stream and consumer names may not hold `.`, `*`, `>` or whitespace; subjects may not hold the last three. */
function token(value: string): string {
  const t = value.replace(/[^A-Za-z0-9_-]/g, '_');
  if (t.length === 0) throw new Error(`"${value}" cannot name a NATS stream or consumer`);
  return t;
}

export interface StreamNames {
  stream: string;
  /** Prefix of every event subject: `<prefix>.events.` */
  subjectPrefix: string;
}

export function streamNames(prefix: string): StreamNames {
  const p = token(prefix);
  return { stream: `${p.toUpperCase()}_EVENTS`, subjectPrefix: `${p}.events.` };
}

export function consumerName(group: string): string {
  return token(group);
}

function isNotFound(err: unknown): boolean {
  return err instanceof JetStreamApiError && (err.code === JetStreamApiCodes.StreamNotFound || err.code === JetStreamApiCodes.ConsumerNotFound);
}

/**
 * Looks the object up, adds it when missing, updates it otherwise. An add that races another
 * process's add fails on some server versions; the object then exists and is updated instead.
 * Error codes for that race differ between server versions, so the lookup decides, not the code.
 */
async function upsert(lookup: () => Promise<unknown>, add: () => Promise<unknown>, update: () => Promise<unknown>): Promise<void> {
  const exists = async () => {
    try {
      await lookup();
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  };
  if (!(await exists())) {
    try {
      await add();
      return;
    } catch (err) {
      if (!(await exists())) throw err;
    }
  }
  await update();
}

export async function ensureStream(jsm: JetStreamManager, names: StreamNames, s: StreamSettings): Promise<void> {
  const config: Partial<StreamConfig> & { name: string } = {
    name: names.stream,
    subjects: [`${names.subjectPrefix}>`],
    storage: StorageType.File,
    // Limits, not interest or work-queue: every consumer group reads the same events, and
    // events published before a group's consumer exists are kept for it.
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(s.maxAgeMs),
    duplicate_window: nanos(Math.min(s.duplicateWindowMs, s.maxAgeMs)),
    num_replicas: s.replicas,
  };
  // Storage and retention cannot change once the stream exists.
  const { name, storage: _storage, retention: _retention, ...mutable } = config;
  await upsert(
    () => jsm.streams.info(name),
    () => jsm.streams.add(config),
    () => jsm.streams.update(name, mutable),
  );
}

export async function ensureConsumer(jsm: JetStreamManager, stream: string, durable: string, ackWaitMs: number): Promise<void> {
  const config: Partial<ConsumerConfig> = {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    // A group that starts late still gets everything the stream holds (handlers are idempotent).
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(ackWaitMs),
    // Unlimited: an event is retried until its handler succeeds, never dropped.
    max_deliver: -1,
    max_ack_pending: 1_000,
  };
  const { durable_name: _d, deliver_policy: _p, ack_policy: _a, ...mutable } = config;
  await upsert(
    () => jsm.consumers.info(stream, durable),
    () => jsm.consumers.add(stream, config),
    () => jsm.consumers.update(stream, durable, mutable),
  );
}
