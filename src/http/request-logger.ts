/**
 * Fastify's per-request logger, made lazily. Fastify calls `logger.child({ reqId })` for every
 * request; with pino's redaction configured that child costs ≈ 5 % of a vote's CPU (a profile
 * showed it re-compiling the redaction paths), although a vote logs nothing at info. This factory
 * returns a stand-in with the same methods that makes the real child (with the same bindings, so
 * lines keep the request id and stay redacted) the first time a line is actually written.
 */
import type { FastifyBaseLogger } from 'fastify';
import { levels, type Bindings, type ChildLoggerOptions, type LevelWithSilentOrString } from 'pino';

/** pino's rule: a level is on when its number is at least the logger's level's number (silent: none). */
const enabled = (logger: FastifyBaseLogger, level: LevelWithSilentOrString): boolean =>
  level !== 'silent' && (levels.values[level] ?? Infinity) >= (levels.values[logger.level] ?? Infinity);

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type LogFn = FastifyBaseLogger['info'];

class LazyRequestLogger {
  #real: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindingsOf: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  #get(): FastifyBaseLogger {
    return (this.#real ??= this.parent.child(this.bindingsOf, this.options));
  }

  #log(level: Level): LogFn {
    return ((...args: Parameters<LogFn>) => {
      // A line below the level costs nothing: no child is made for it.
      if (this.#real === null && !enabled(this.parent, level)) return;
      (this.#get()[level] as (...a: Parameters<LogFn>) => void)(...args);
    }) as LogFn;
  }

  readonly fatal = this.#log('fatal');
  readonly error = this.#log('error');
  readonly warn = this.#log('warn');
  readonly info = this.#log('info');
  readonly debug = this.#log('debug');
  readonly trace = this.#log('trace');
  readonly silent: LogFn = (() => {}) as LogFn;

  get level(): LevelWithSilentOrString {
    return this.#real?.level ?? this.parent.level;
  }

  set level(l: LevelWithSilentOrString) {
    this.#get().level = l;
  }

  isLevelEnabled(level: LevelWithSilentOrString): boolean {
    return enabled(this.#real ?? this.parent, level);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#get().child(bindings, options);
  }

  bindings(): Bindings {
    return { ...this.bindingsOf };
  }
}

/** Fastify's `childLoggerFactory`. */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyRequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}
