import { PipewrightError } from '../errors/pipewright-error';
import type { RetryPolicy } from '../model/workflow-schema';
import type { ErrorClassification } from './classify-error';

/** The longest a Retry-After (or an open circuit) may hold a step back. */
export const MAX_RETRY_AFTER_MS = 86_400_000;

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: 'not_retryable' | 'attempts_exhausted' | 'no_policy' };

/**
 * The delay in milliseconds before attempt `attempt + 1`, after attempt `attempt`
 * (counting from 1) failed: `fixed` waits `initialDelayMs`, `linear`
 * `initialDelayMs × attempt`, `exponential` `initialDelayMs × factor^(attempt − 1)`,
 * all capped at `maxDelayMs`; `none` is 0 (and {@link planRetry} does not retry).
 * With `full` jitter the delay is `floor(random() × capped)`: spreading retries over
 * the whole window keeps many failing runs from retrying in lockstep (AWS, "Exponential
 * Backoff And Jitter").
 *
 * @example
 * ```ts
 * const policy = retryPolicySchema.parse({ jitter: 'none' });
 * backoffDelay(policy, 3); // 4000: 1000 × 2²
 * ```
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new PipewrightError('internal', `Attempts count from 1, got ${attempt}`, { details: { attempt } });
  }
  const raw = uncappedDelay(policy, attempt);
  // Rounded so a fractional factor (1.5) gives whole milliseconds; Infinity (a large
  // exponent) is capped like any other value.
  const capped = Math.min(Math.round(raw), policy.maxDelayMs);
  return policy.jitter === 'full' ? Math.floor(random() * capped) : capped;
}

function uncappedDelay(policy: RetryPolicy, attempt: number): number {
  switch (policy.backoff) {
    case 'none':
      return 0;
    case 'fixed':
      return policy.initialDelayMs;
    case 'linear':
      return policy.initialDelayMs * attempt;
    case 'exponential':
      return policy.initialDelayMs * policy.factor ** (attempt - 1);
  }
}

/**
 * Whether to retry a step after attempt `attempt` failed, and after how long. No
 * policy (or `backoff: 'none'`) means one attempt; a non-retryable error is never
 * retried; `maxAttempts` counts the first attempt. A Retry-After from the error wins
 * over a shorter backoff, even above `maxDelayMs` (the server knows when it will
 * accept the call), but never holds a step back more than 24 hours.
 *
 * @example
 * ```ts
 * const policy = retryPolicySchema.parse({ maxAttempts: 3 });
 * planRetry(policy, 1, classifyError(new RetryAfterError(60_000))); // { retry: true, delayMs: 60000 }
 * ```
 */
export function planRetry(
  policy: RetryPolicy | undefined,
  attempt: number,
  classified: ErrorClassification,
  random: () => number = Math.random,
): RetryDecision {
  if (policy === undefined || policy.backoff === 'none') return { retry: false, reason: 'no_policy' };
  if (!classified.retryable) return { retry: false, reason: 'not_retryable' };
  if (attempt >= policy.maxAttempts) return { retry: false, reason: 'attempts_exhausted' };
  // Rounded up: a Retry-After means "not sooner than".
  const retryAfterMs = Math.ceil(Math.min(classified.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
  return { retry: true, delayMs: Math.max(backoffDelay(policy, attempt, random), retryAfterMs) };
}
