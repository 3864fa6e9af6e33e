import { PipewrightError, type PipewrightErrorOptions } from './pipewright-error';

type AnyClass = abstract new (...args: never[]) => unknown;

/**
 * `instanceof` for the step errors. The prototype chain answers for instances of this
 * copy of core; an instance built by another bundled copy has a different prototype, so
 * for the class itself (not a user's subclass of it, which has no code of its own) an
 * error carrying the Pipewright marker, this class's code and its fields counts too.
 */
function isStepErrorInstance(target: AnyClass, owner: AnyClass, value: unknown, matches: (error: PipewrightError) => boolean): boolean {
  if (Function.prototype[Symbol.hasInstance].call(target, value)) return true;
  return target === owner && PipewrightError.is(value) && matches(value);
}

/** Details given by the caller, then the fields the class records itself. */
function withDetails(options: PipewrightErrorOptions, own: Record<string, unknown>): PipewrightErrorOptions {
  return { ...options, details: { ...options.details, ...own } };
}

/** An ISO timestamp; never throws, since a constructor of an error must not. */
function describeTime(epochMs: number): string {
  const date = new Date(epochMs);
  return Number.isNaN(date.getTime()) ? String(epochMs) : date.toISOString();
}

/**
 * Thrown by a node for a failure worth another attempt (a flaky upstream, a lock held
 * elsewhere). The node's retry policy decides how often and when.
 *
 * @example
 * ```ts
 * if (response.status === 409) throw new RetryableError('Record is locked, try again');
 * ```
 */
export class RetryableError extends PipewrightError {
  constructor(message: string, options: PipewrightErrorOptions = {}) {
    super('retryable', message, options);
    this.name = 'RetryableError';
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return isStepErrorInstance(this, RetryableError, value, (error) => error.code === 'retryable');
  }
}

/**
 * Thrown by a node for a failure another attempt cannot fix (bad credentials, a
 * rejected payload). The step fails at once, whatever its retry policy says.
 *
 * @example
 * ```ts
 * if (response.status === 401) throw new FatalError('The API key was rejected');
 * ```
 */
export class FatalError extends PipewrightError {
  constructor(message: string, options: PipewrightErrorOptions = {}) {
    super('fatal', message, options);
    this.name = 'FatalError';
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return isStepErrorInstance(this, FatalError, value, (error) => error.code === 'fatal');
  }
}

/**
 * Thrown by a node that knows when to try again (a rate limit's reset time). The retry
 * waits at least `retryAfterMs`, even past the policy's `maxDelayMs` (up to 24 hours),
 * but still counts against `maxAttempts`.
 *
 * @example
 * ```ts
 * throw new RetryAfterError(30_000, 'Rate limited until the window resets');
 * ```
 */
export class RetryAfterError extends PipewrightError {
  readonly retryAfterMs: number;

  constructor(retryAfterMs: number, message = `Retry after ${retryAfterMs} ms`, options: PipewrightErrorOptions = {}) {
    super('retry_after', message, withDetails(options, { retryAfterMs }));
    this.name = 'RetryAfterError';
    this.retryAfterMs = retryAfterMs;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return isStepErrorInstance(
      this,
      RetryAfterError,
      value,
      (error) => error.code === 'retry_after' && 'retryAfterMs' in error && typeof error.retryAfterMs === 'number',
    );
  }
}

/**
 * Raised by the engine when a step runs past its `timeoutMs`. Retryable: the next
 * attempt may be faster.
 *
 * @example
 * ```ts
 * const error = new TimeoutError(5_000);
 * error.message; // 'Step timed out after 5000 ms'
 * ```
 */
export class TimeoutError extends PipewrightError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number, options: PipewrightErrorOptions = {}) {
    super('timeout', `Step timed out after ${timeoutMs} ms`, withDetails(options, { timeoutMs }));
    this.name = 'TimeoutError';
    this.timeoutMs = timeoutMs;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return isStepErrorInstance(
      this,
      TimeoutError,
      value,
      (error) => error.code === 'timeout' && 'timeoutMs' in error && typeof error.timeoutMs === 'number',
    );
  }
}

/**
 * Raised by the engine when a run or step is cancelled. Never retried.
 *
 * @example
 * ```ts
 * const error = new CancelledError('Run cancelled by user');
 * error.message; // 'Cancelled: Run cancelled by user'
 * ```
 */
export class CancelledError extends PipewrightError {
  readonly reason: string | undefined;

  constructor(reason?: string, options: PipewrightErrorOptions = {}) {
    super('cancelled', reason === undefined ? 'Cancelled' : `Cancelled: ${reason}`, reason === undefined ? options : withDetails(options, { reason }));
    this.name = 'CancelledError';
    this.reason = reason;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return isStepErrorInstance(this, CancelledError, value, (error) => error.code === 'cancelled');
  }
}

/**
 * Raised by the engine instead of running a step whose circuit breaker is open.
 * Retryable, no sooner than `retryAt` (epoch milliseconds), when the breaker lets a
 * trial call through.
 *
 * @example
 * ```ts
 * throw new CircuitOpenError('http:api.example.com', Date.now() + 30_000);
 * ```
 */
export class CircuitOpenError extends PipewrightError {
  readonly key: string;
  readonly retryAt: number;

  constructor(key: string, retryAt: number, options: PipewrightErrorOptions = {}) {
    super('circuit_open', `Circuit "${key}" is open until ${describeTime(retryAt)}`, withDetails(options, { key, retryAt }));
    this.name = 'CircuitOpenError';
    this.key = key;
    this.retryAt = retryAt;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return isStepErrorInstance(
      this,
      CircuitOpenError,
      value,
      (error) =>
        error.code === 'circuit_open' && 'key' in error && typeof error.key === 'string' && 'retryAt' in error && typeof error.retryAt === 'number',
    );
  }
}
