import { PipewrightError, type PipewrightErrorCode } from '../errors/pipewright-error';
import type { RecordedError } from '../runtime/run-events';
import { parseRetryAfter } from './parse-retry-after';

export { parseRetryAfter } from './parse-retry-after';

/** What the engine needs to know about a thrown error to decide on a retry. */
export interface ErrorClassification {
  retryable: boolean;
  /** The earliest the next attempt may start, when the error says so (Retry-After, an open circuit). */
  retryAfterMs?: number;
  error: RecordedError;
}

/** Recorded messages are capped: they end up in run history and in the UI. */
export const MAX_RECORDED_MESSAGE_LENGTH = 2_000;

/**
 * Pipewright codes worth another attempt. Every other code (the validation-style ones:
 * invalid_workflow, invalid_input, expression_failed, ... and any code this copy of
 * core does not know) is fatal, since running the same step again cannot fix it.
 */
const retryableCodes: ReadonlySet<string> = new Set<PipewrightErrorCode>(['retryable', 'retry_after', 'timeout', 'circuit_open', 'internal']);

/** Socket-level failures from Node's net/dns and from undici (Node's fetch). */
const networkErrorCodes: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * Decides whether a thrown value is worth another attempt, and records it as plain
 * JSON. Never throws. Recorded codes: the PipewrightError's own code, or for anything
 * else `http_error` (it carries an HTTP status), `network_error`, `timeout`, `error`.
 *
 * - RetryableError, RetryAfterError, TimeoutError, CircuitOpenError and `internal` are
 *   retryable; FatalError, CancelledError and validation-style codes are not. An
 *   `internal` error whose details carry an HTTP status is judged by that status.
 * - HTTP status (`status`, `statusCode`, `details.status`, `response.status`): 408,
 *   425, 429 and 5xx except 501 and 505 are retryable, other 4xx are not.
 * - Network failures, timeouts, plain errors and thrown non-errors are retryable: the
 *   node's `maxAttempts` decides (one attempt without a retry policy).
 *
 * `now` (epoch ms; the engine passes its clock's time) turns a Retry-After HTTP-date
 * and an open circuit's `retryAt` into a delay.
 *
 * @example
 * ```ts
 * const { retryable, retryAfterMs, error } = classifyError(new RetryAfterError(5_000));
 * // retryable === true, retryAfterMs === 5000, error.code === 'retry_after'
 * ```
 */
export function classifyError(thrown: unknown, now: number = Date.now(), scrub?: (message: string) => string): ErrorClassification {
  try {
    return PipewrightError.is(thrown) ? classifyPipewrightError(thrown, now, scrub) : classifyForeignError(thrown, now, scrub);
  } catch {
    // Reading a hostile value (a revoked Proxy, a throwing getter) must not turn a
    // step failure into an engine crash.
    return classification('error', 'Unknown error', true, undefined, undefined);
  }
}

/**
 * The JSON-safe record of a thrown value, as stored in a `step.failed` event.
 *
 * @example
 * ```ts
 * toRecordedError(new FatalError('Bad API key')); // { code: 'fatal', message: 'Bad API key', retryable: false }
 * ```
 */
export function toRecordedError(thrown: unknown, now?: number): RecordedError {
  return classifyError(thrown, now).error;
}

function classifyPipewrightError(error: PipewrightError, now: number, scrub: ((message: string) => string) | undefined): ErrorClassification {
  const rawCode: unknown = read(error, 'code');
  const code = typeof rawCode === 'string' ? rawCode : 'internal';
  // Scrubbed before it is cut to length, so no part of a secret survives at the cut.
  const message = scrub ? scrub(messageOf(error)) : messageOf(error);
  const details = jsonSafeDetails(read(error, 'details'));
  let retryable = retryableCodes.has(code);
  if (code === 'internal') {
    const status = httpStatusOf(error);
    if (status !== undefined) retryable = isRetryableStatus(status);
  }
  // A token endpoint that was down or answered 5xx may answer next time; a refused grant will not.
  if (code === 'oauth2_error') retryable = details?.['retryable'] === true;
  if (!retryable) return classification(code, message, false, undefined, details);

  let retryAfterMs: number | undefined;
  if (code === 'retry_after') retryAfterMs = nonNegative(read(error, 'retryAfterMs'));
  if (code === 'circuit_open') {
    const retryAt = read(error, 'retryAt');
    if (typeof retryAt === 'number' && !Number.isNaN(retryAt)) retryAfterMs = Math.max(0, retryAt - now);
  }
  return classification(code, message, true, retryAfterMs ?? retryAfterOf(error, now), details);
}

function classifyForeignError(thrown: unknown, now: number, scrub: ((message: string) => string) | undefined): ErrorClassification {
  const raw = messageOf(thrown);
  const message = scrub ? scrub(raw) : raw;
  const status = httpStatusOf(thrown);
  if (status !== undefined) {
    const retryable = isRetryableStatus(status);
    return classification('http_error', message, retryable, retryable ? retryAfterOf(thrown, now) : undefined, undefined);
  }
  const networkCode = networkCodeOf(thrown);
  if (networkCode !== undefined) {
    // The code comes from a fixed list, so it is safe to add; `fetch failed` alone says little.
    const withCode = message.includes(networkCode) ? message : `${message} (${networkCode})`;
    return classification('network_error', withCode, true, retryAfterOf(thrown, now), undefined);
  }
  if (read(thrown, 'name') === 'TypeError' && raw === 'fetch failed') {
    return classification('network_error', message, true, retryAfterOf(thrown, now), undefined);
  }
  if (isTimeout(thrown)) return classification('timeout', message, true, retryAfterOf(thrown, now), undefined);
  return classification('error', message, true, retryAfterOf(thrown, now), undefined);
}

function classification(
  code: string,
  message: string,
  retryable: boolean,
  retryAfterMs: number | undefined,
  details: Record<string, unknown> | undefined,
): ErrorClassification {
  const error: RecordedError = { code, message: truncate(message), retryable };
  if (details !== undefined) error.details = details;
  return retryAfterMs === undefined ? { retryable, error } : { retryable, retryAfterMs, error };
}

/** 408 Request Timeout, 425 Too Early, 429 Too Many Requests, and server errors that may pass. */
function isRetryableStatus(status: number): boolean {
  if (status === 408 || status === 425 || status === 429) return true;
  // 501 (the method is unsupported) and 505 (the HTTP version is unsupported) will not change on a retry.
  return status >= 500 && status !== 501 && status !== 505;
}

/** The first HTTP error status (400–599) the value carries, where HTTP clients put it. */
export function httpStatusOf(thrown: unknown): number | undefined {
  const candidates = [read(thrown, 'status'), read(thrown, 'statusCode'), read(read(thrown, 'details'), 'status'), read(read(thrown, 'response'), 'status')];
  for (const candidate of candidates) {
    if (typeof candidate === 'number' && Number.isInteger(candidate) && candidate >= 400 && candidate <= 599) return candidate;
  }
  return undefined;
}

function networkCodeOf(thrown: unknown): string | undefined {
  for (const code of [read(thrown, 'code'), read(read(thrown, 'cause'), 'code')]) {
    if (typeof code === 'string' && networkErrorCodes.has(code)) return code;
  }
  return undefined;
}

/** `AbortSignal.timeout()` rejects with a DOMException named TimeoutError; some runtimes wrap it in an AbortError. */
function isTimeout(thrown: unknown): boolean {
  const name = read(thrown, 'name');
  return name === 'TimeoutError' || (name === 'AbortError' && read(read(thrown, 'cause'), 'name') === 'TimeoutError');
}

/** Retry-After from the error's headers, its response's headers, or `details.retryAfter`. */
function retryAfterOf(thrown: unknown, now: number): number | undefined {
  const values = [header(read(thrown, 'headers'), 'retry-after'), header(read(read(thrown, 'response'), 'headers'), 'retry-after'), read(read(thrown, 'details'), 'retryAfter')];
  for (const value of values) {
    const text = headerText(value);
    const delayMs = text === undefined ? undefined : parseRetryAfter(text, now);
    if (delayMs !== undefined) return delayMs;
  }
  return undefined;
}

/** A header from a Headers-like object (`get`) or a plain record with any key case. */
function header(headers: unknown, name: string): unknown {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const get = read(headers, 'get');
  if (typeof get === 'function') return get.call(headers, name) as unknown;
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : read(headers, key);
}

function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

function messageOf(thrown: unknown): string {
  if (typeof thrown === 'string') return thrown;
  const message = read(thrown, 'message');
  return typeof message === 'string' ? message : 'Unknown error';
}

function truncate(message: string): string {
  if (message.length <= MAX_RECORDED_MESSAGE_LENGTH) return message;
  let end = MAX_RECORDED_MESSAGE_LENGTH - 1;
  const last = message.charCodeAt(end - 1);
  // Do not cut a surrogate pair in half.
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${message.slice(0, end)}…`;
}

function nonNegative(value: unknown): number | undefined {
  return typeof value === 'number' && value >= 0 ? value : undefined;
}

function read(value: unknown, key: string): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  return Reflect.get(value, key) as unknown;
}

/**
 * PipewrightError details as they survive a JSON round trip: functions, symbols and
 * undefined are dropped, bigints become strings, nested errors become `{ name, message }`,
 * cycles become "[Circular]", and `cause`/`stack` are dropped at every depth (a stack or
 * a wrapped error can carry secrets). Empty details are left out.
 */
function jsonSafeDetails(details: unknown): Record<string, unknown> | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const text = JSON.stringify(details, jsonSafeReplacer());
  if (text === undefined) return undefined;
  const parsed: unknown = JSON.parse(text);
  return isJsonObject(parsed) && Object.keys(parsed).length > 0 ? parsed : undefined;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonSafeReplacer(): (this: unknown, key: string, value: unknown) => unknown {
  // The objects on the path from the root to the value being written; `this` is the
  // value's holder, so anything deeper than it is finished.
  const ancestors: unknown[] = [];
  return function replace(this: unknown, key, value) {
    if (key === 'cause' || key === 'stack') return undefined;
    if (typeof value === 'bigint') return value.toString();
    const replaced = value instanceof Error ? { name: value.name, message: value.message } : value;
    if (typeof replaced !== 'object' || replaced === null) return replaced;
    while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
    if (ancestors.includes(replaced)) return '[Circular]';
    ancestors.push(replaced);
    return replaced;
  };
}
