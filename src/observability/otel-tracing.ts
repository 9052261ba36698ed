/**
 * The tracing facade on the OpenTelemetry SDK, exporting over OTLP/HTTP (JSON) in batches. Only
 * create-tracing.ts imports this file, and only when an endpoint is configured, so a process with
 * tracing off never loads the SDK.
 *
 * Nothing global is registered: the async-context manager and the tracer provider belong to this
 * instance, so several apps in one process (tests) each trace on their own.
 */
import { ROOT_CONTEXT, SpanKind as OtelKind, SpanStatusCode, TraceFlags, trace, type Context, type Link, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import { parseTraceparent, type Attributes, type SpanHandle, type SpanKind, type SpanOptions, type Tracing } from '../ports/tracing.js';

export interface OtelTracingOptions {
  /** OTLP/HTTP base URL; spans are posted to `<endpoint>/v1/traces`. */
  endpoint: string;
  serviceName: string;
  role: string;
  version: string;
  sampleRatio: number;
  /** How often buffered spans are sent. Default 1000 ms. */
  exportDelayMs?: number;
}

const EXPORT_TIMEOUT_MS = 2_000;
const SHUTDOWN_WAIT_MS = 3_000;

const KINDS: Record<SpanKind, OtelKind> = {
  internal: OtelKind.INTERNAL,
  server: OtelKind.SERVER,
  client: OtelKind.CLIENT,
  producer: OtelKind.PRODUCER,
  consumer: OtelKind.CONSUMER,
};

class OtelSpan implements SpanHandle {
  #traceparent: string | undefined;

  constructor(readonly inner: Span) {}

  get traceId(): string {
    return this.inner.spanContext().traceId;
  }

  get spanId(): string {
    return this.inner.spanContext().spanId;
  }

  get traceparent(): string {
    if (this.#traceparent === undefined) {
      const c = this.inner.spanContext();
      this.#traceparent = `00-${c.traceId}-${c.spanId}-0${(c.traceFlags & TraceFlags.SAMPLED).toString(16)}`;
    }
    return this.#traceparent;
  }

  set(key: string, value: string | number | boolean): void {
    this.inner.setAttribute(key, value);
  }

  fail(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    const code = (err as { code?: unknown })?.code;
    // Message and type only: an error's own fields may carry request data.
    this.inner.recordException({ name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) });
    this.inner.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === 'string' ? code : e.name });
  }

  end(at?: number): void {
    this.inner.end(at);
  }
}

function cleanAttributes(a: Attributes | undefined): Record<string, string | number | boolean> | undefined {
  if (!a) return undefined;
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(a)) if (v !== undefined) out[k] = v;
  return out;
}

export class OtelTracing implements Tracing {
  readonly enabled = true;
  readonly #provider: TracerProvider;
  readonly #tracer;
  readonly #context = new AsyncLocalStorageContextManager();

  constructor(o: OtelTracingOptions) {
    this.#context.enable();
    this.#provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': o.serviceName, 'service.version': o.version, 'pollcast.role': o.role }),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(o.sampleRatio) }),
      spanProcessors: [
        new BatchSpanProcessor({
          // A collector that is down costs a bounded wait per export, never a stuck process.
          exporter: new OTLPTraceExporter({ url: `${o.endpoint}/v1/traces`, timeoutMillis: EXPORT_TIMEOUT_MS }),
          scheduledDelayMillis: o.exportDelayMs ?? 1_000,
          maxQueueSize: 8_192,
        }),
      ],
    });
    this.#tracer = this.#provider.getTracer('pollcast', o.version);
  }

  #contextOf(parent: SpanOptions['parent']): Context {
    if (parent === undefined) return this.#context.active();
    if (parent === null) return ROOT_CONTEXT;
    if (typeof parent === 'string') {
      const p = parseTraceparent(parent);
      if (!p) return ROOT_CONTEXT;
      return trace.setSpanContext(ROOT_CONTEXT, { traceId: p.traceId, spanId: p.spanId, traceFlags: p.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true });
    }
    return parent instanceof OtelSpan ? trace.setSpan(ROOT_CONTEXT, parent.inner) : ROOT_CONTEXT;
  }

  start(name: string, opts: SpanOptions = {}): SpanHandle {
    let links: Link[] | undefined;
    if (opts.links) {
      links = [];
      for (const l of opts.links) {
        if (l instanceof OtelSpan) links.push({ context: l.inner.spanContext() });
        else if (typeof l === 'string') {
          const p = parseTraceparent(l);
          if (p) links.push({ context: { traceId: p.traceId, spanId: p.spanId, traceFlags: p.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true } });
        }
      }
    }
    const span = this.#tracer.startSpan(
      name,
      {
        kind: KINDS[opts.kind ?? 'internal'],
        ...(opts.attributes ? { attributes: cleanAttributes(opts.attributes) } : {}),
        ...(links && links.length > 0 ? { links } : {}),
        ...(opts.startTime !== undefined ? { startTime: opts.startTime } : {}),
      },
      this.#contextOf(opts.parent),
    );
    return new OtelSpan(span);
  }

  run<T>(span: SpanHandle, fn: () => T): T {
    if (!(span instanceof OtelSpan)) return fn();
    return this.#context.with(trace.setSpan(this.#context.active(), span.inner), fn);
  }

  active(): SpanHandle | undefined {
    const span = trace.getSpan(this.#context.active());
    return span ? new OtelSpan(span) : undefined;
  }

  /** Sends what is buffered, waiting at most SHUTDOWN_WAIT_MS for an unreachable collector. */
  async shutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([this.#provider.shutdown(), new Promise<void>((r) => (timer = setTimeout(r, SHUTDOWN_WAIT_MS)))]);
    } finally {
      clearTimeout(timer);
      this.#context.disable();
    }
  }
}
