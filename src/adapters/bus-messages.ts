/**
 * What the broker adapters (NATS JetStream, RabbitMQ) share about a message: reading an outbox
 * event back from its JSON body and trace header, and bounding a broker call in time.
 */
import type { OutboxEvent } from '../domain/events.js';

/**
 * The outbox event a message carries, or null when the body is not one (another publisher's
 * message on the subject, a truncated body). The header is the trace's carrier: a proxy or
 * another publisher may have continued the trace, so it wins over the payload's copy.
 */
export function decodeOutboxEvent(body: () => unknown, traceparent: unknown): OutboxEvent | null {
  try {
    const e = body() as OutboxEvent | null;
    if (!(e && typeof e.eventId === 'string' && typeof e.type === 'string' && typeof e.pollId === 'string')) return null;
    if (typeof traceparent === 'string' && traceparent !== '' && e.payload && typeof e.payload === 'object') e.payload.traceparent = traceparent;
    return e;
  } catch {
    return null;
  }
}

/** `p`, or a rejection with `message` after `ms` (the timer never keeps the process alive). */
export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
