/**
 * The tracing facade. Code outside src/observability starts spans through this and never imports
 * OpenTelemetry. When OTEL_EXPORTER_OTLP_ENDPOINT is not set the app gets `noopTracing`: no SDK is
 * loaded, no span object is allocated, and every call below is an empty function; callers on hot
 * paths check `tracing.enabled` before building attributes.
 *
 * Context crosses process boundaries as a W3C `traceparent` string (outbox payloads, broker
 * message headers, notices), so the store, the bus and the notifier never see a tracing type.
 */

export type SpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type Attributes = Record<string, string | number | boolean | undefined>;

export interface SpanHandle {
  /** W3C traceparent of this span, to carry to another process; undefined when tracing is off. */
  readonly traceparent: string | undefined;
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  set(key: string, value: string | number | boolean): void;
  /** Marks the span failed and records the error (its message, never request data). */
  fail(err: unknown): void;
  /** `at`: epoch milliseconds, for spans recorded after the fact. */
  end(at?: number): void;
}

export interface SpanOptions {
  kind?: SpanKind;
  /**
   * The parent: a span, a traceparent from another process, `null` for a new trace, or (when
   * absent) the span active in the current async context.
   */
  parent?: SpanHandle | string | null | undefined;
  /** Other spans this one continues (a batch links the requests it carries). */
  links?: ReadonlyArray<SpanHandle | string | undefined>;
  attributes?: Attributes;
  /** Epoch milliseconds, for spans recorded after the fact. */
  startTime?: number;
}

export interface Tracing {
  readonly enabled: boolean;
  start(name: string, opts?: SpanOptions): SpanHandle;
  /** Runs `fn` with `span` active, so spans started inside it without a parent are its children. */
  run<T>(span: SpanHandle, fn: () => T): T;
  /** The span active in the current async context, if any. */
  active(): SpanHandle | undefined;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

export const NOOP_SPAN: SpanHandle = Object.freeze({
  traceparent: undefined,
  traceId: undefined,
  spanId: undefined,
  set() {},
  fail() {},
  end() {},
});

export const noopTracing: Tracing = Object.freeze({
  enabled: false,
  start: () => NOOP_SPAN,
  run: <T>(_span: SpanHandle, fn: () => T): T => fn(),
  active: () => undefined,
  shutdown: async () => {},
});

/** Runs `fn` inside a new span that ends when `fn` settles and records its error. */
export async function inSpan<T>(tracing: Tracing, name: string, opts: SpanOptions, fn: (span: SpanHandle) => Promise<T>): Promise<T> {
  if (!tracing.enabled) return fn(NOOP_SPAN);
  const span = tracing.start(name, opts);
  try {
    return await tracing.run(span, () => fn(span));
  } catch (err) {
    span.fail(err);
    throw err;
  } finally {
    span.end();
  }
}

const TRACEPARENT_RE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Parses a W3C traceparent (version 00); null when malformed or all-zero. */
export function parseTraceparent(value: unknown): { traceId: string; spanId: string; sampled: boolean } | null {
  if (typeof value !== 'string') return null;
  const m = TRACEPARENT_RE.exec(value.trim().toLowerCase());
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return null;
  return { traceId: m[1]!, spanId: m[2]!, sampled: (parseInt(m[3]!, 16) & 1) === 1 };
}
