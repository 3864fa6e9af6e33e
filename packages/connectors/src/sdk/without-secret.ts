import { FatalError, PipewrightError, RetryableError, RetryAfterError } from '@pipewright/core';

/**
 * The same step error with `secret` replaced by `***` in its message and details. The
 * engine redacts a connection's secrets from what a step records anyway; this keeps a
 * secret that travels in a URL path out of the error even before that, so the message
 * still says which call failed instead of showing a `[REDACTED]` URL.
 */
export function withoutSecret(error: unknown, secret: string): unknown {
  if (!PipewrightError.is(error) || secret === '') return error;
  const scrub = (text: string): string => text.split(secret).join('***');
  const message = scrub(error.message);
  const details = JSON.parse(scrub(JSON.stringify(error.details))) as Record<string, unknown>;
  if (error instanceof RetryAfterError) return new RetryAfterError(error.retryAfterMs, message, { details });
  if (error.code === 'retryable') return new RetryableError(message, { details });
  if (error.code === 'fatal') return new FatalError(message, { details });
  // Engine errors (timeout, cancelled) do not carry the request's URL.
  return error;
}
