import { describe, expect, it } from 'vitest';
import { PipewrightError } from '../errors/pipewright-error';
import { CircuitOpenError, FatalError, RetryableError, RetryAfterError } from '../errors/step-errors';
import { retryPolicySchema, type RetryPolicy } from '../model/workflow-schema';
import { classifyError, type ErrorClassification } from './classify-error';
import { backoffDelay, MAX_RETRY_AFTER_MS, planRetry } from './retry-policy';

const half = (): number => 0.5;
const almostOne = (): number => 0.999;
const never = (): number => {
  throw new Error('random() must not be called without jitter');
};

function policy(input: Partial<RetryPolicy> = {}): RetryPolicy {
  return retryPolicySchema.parse(input);
}

const retryable: ErrorClassification = { retryable: true, error: { code: 'error', message: 'x', retryable: true } };

describe('retryPolicySchema', () => {
  it('fills in the defaults', () => {
    expect(retryPolicySchema.parse({})).toEqual({ maxAttempts: 3, backoff: 'exponential', initialDelayMs: 1_000, maxDelayMs: 300_000, factor: 2, jitter: 'full' });
  });

  it('accepts every backoff and jitter mode, and rejects the old boolean jitter', () => {
    for (const backoff of ['none', 'fixed', 'linear', 'exponential'] as const) expect(retryPolicySchema.parse({ backoff }).backoff).toBe(backoff);
    expect(retryPolicySchema.parse({ jitter: 'none' }).jitter).toBe('none');
    expect(retryPolicySchema.safeParse({ jitter: true }).success).toBe(false);
    expect(retryPolicySchema.safeParse({ backoff: 'random' }).success).toBe(false);
  });
});

describe('backoffDelay', () => {
  describe('without jitter', () => {
    it.each([
      ['fixed', 1, 1_000],
      ['fixed', 2, 1_000],
      ['fixed', 5, 1_000],
      ['linear', 1, 1_000],
      ['linear', 2, 2_000],
      ['linear', 5, 5_000],
      ['exponential', 1, 1_000],
      ['exponential', 2, 2_000],
      ['exponential', 3, 4_000],
      ['exponential', 5, 16_000],
      ['none', 1, 0],
      ['none', 4, 0],
    ] as const)('%s after attempt %d waits %d ms', (backoff, attempt, expected) => {
      expect(backoffDelay(policy({ backoff, jitter: 'none' }), attempt, never)).toBe(expected);
    });

    it('uses the factor', () => {
      expect(backoffDelay(policy({ jitter: 'none', factor: 3, initialDelayMs: 100 }), 4)).toBe(2_700);
      // 100 × 1.1³ = 133.1000…02: whole milliseconds.
      expect(backoffDelay(policy({ jitter: 'none', factor: 1.1, initialDelayMs: 100 }), 4)).toBe(133);
    });

    it('caps at maxDelayMs', () => {
      const capped = policy({ jitter: 'none', initialDelayMs: 1_000, maxDelayMs: 10_000 });
      expect(backoffDelay(capped, 4)).toBe(8_000);
      expect(backoffDelay(capped, 5)).toBe(10_000);
      expect(backoffDelay(capped, 100)).toBe(10_000);
      expect(backoffDelay({ ...capped, backoff: 'linear' }, 50)).toBe(10_000);
      expect(backoffDelay({ ...capped, backoff: 'fixed', initialDelayMs: 20_000 }, 1)).toBe(10_000);
    });

    it('caps a delay that overflows to Infinity', () => {
      expect(backoffDelay(policy({ jitter: 'none', factor: 10, initialDelayMs: 86_400_000, maxDelayMs: 86_400_000 }), 400)).toBe(86_400_000);
    });

    it('waits 0 with an initial delay of 0', () => {
      expect(backoffDelay(policy({ jitter: 'none', initialDelayMs: 0 }), 3)).toBe(0);
    });
  });

  describe('with full jitter', () => {
    it.each([
      ['fixed', 1, half, 500],
      ['fixed', 1, almostOne, 999],
      ['linear', 3, half, 1_500],
      ['linear', 3, almostOne, 2_997],
      ['exponential', 1, half, 500],
      ['exponential', 3, half, 2_000],
      ['exponential', 3, almostOne, 3_996],
      ['exponential', 4, almostOne, 7_992],
    ] as const)('%s after attempt %d with random %o waits %d ms', (backoff, attempt, random, expected) => {
      expect(backoffDelay(policy({ backoff }), attempt, random)).toBe(expected);
    });

    it('jitters the capped delay', () => {
      const capped = policy({ maxDelayMs: 10_000 });
      expect(backoffDelay(capped, 20, half)).toBe(5_000);
      expect(backoffDelay(capped, 20, almostOne)).toBe(9_990);
      expect(backoffDelay(capped, 20, () => 0)).toBe(0);
    });

    it('floors to whole milliseconds', () => {
      expect(backoffDelay(policy({ backoff: 'fixed', initialDelayMs: 3 }), 1, half)).toBe(1);
    });

    it('defaults to Math.random, within [0, delay)', () => {
      for (let i = 0; i < 100; i++) {
        const delay = backoffDelay(policy(), 2);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(2_000);
        expect(Number.isInteger(delay)).toBe(true);
      }
    });

    it('is 0 for backoff none', () => {
      expect(backoffDelay(policy({ backoff: 'none' }), 2, almostOne)).toBe(0);
    });
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects attempt %d: attempts count from 1', (attempt) => {
    expect(() => backoffDelay(policy(), attempt)).toThrow(PipewrightError);
  });
});

describe('planRetry', () => {
  it('retries a retryable error with the backoff delay', () => {
    expect(planRetry(policy(), 1, retryable, half)).toEqual({ retry: true, delayMs: 500 });
    expect(planRetry(policy(), 2, retryable, almostOne)).toEqual({ retry: true, delayMs: 1_998 });
    expect(planRetry(policy({ jitter: 'none' }), 2, classifyError(new RetryableError('flaky')))).toEqual({ retry: true, delayMs: 2_000 });
  });

  it('does not retry without a policy (one attempt)', () => {
    expect(planRetry(undefined, 1, retryable, half)).toEqual({ retry: false, reason: 'no_policy' });
  });

  it('does not retry with backoff none', () => {
    expect(planRetry(policy({ backoff: 'none', maxAttempts: 5 }), 1, retryable, half)).toEqual({ retry: false, reason: 'no_policy' });
  });

  it('does not retry an error that is not retryable', () => {
    expect(planRetry(policy(), 1, classifyError(new FatalError('bad key')), half)).toEqual({ retry: false, reason: 'not_retryable' });
    expect(planRetry(policy(), 1, classifyError(Object.assign(new Error('Not Found'), { status: 404 })), half)).toEqual({
      retry: false,
      reason: 'not_retryable',
    });
  });

  it('stops once maxAttempts (counting the first) is reached', () => {
    const three = policy({ maxAttempts: 3 });
    expect(planRetry(three, 2, retryable, half).retry).toBe(true);
    expect(planRetry(three, 3, retryable, half)).toEqual({ retry: false, reason: 'attempts_exhausted' });
    expect(planRetry(three, 4, retryable, half)).toEqual({ retry: false, reason: 'attempts_exhausted' });
    expect(planRetry(policy({ maxAttempts: 1 }), 1, retryable, half)).toEqual({ retry: false, reason: 'attempts_exhausted' });
  });

  it('checks retryability before attempts', () => {
    expect(planRetry(policy({ maxAttempts: 1 }), 1, classifyError(new FatalError('x')), half)).toEqual({ retry: false, reason: 'not_retryable' });
  });

  describe('Retry-After', () => {
    it('waits for Retry-After when it is longer than the backoff', () => {
      expect(planRetry(policy(), 1, classifyError(new RetryAfterError(5_000)), half)).toEqual({ retry: true, delayMs: 5_000 });
    });

    it('keeps the backoff when it is longer than Retry-After', () => {
      expect(planRetry(policy({ jitter: 'none', maxAttempts: 5 }), 3, classifyError(new RetryAfterError(1_500)), half)).toEqual({ retry: true, delayMs: 4_000 });
    });

    it('honours Retry-After above maxDelayMs', () => {
      const capped = policy({ maxDelayMs: 10_000 });
      expect(planRetry(capped, 1, classifyError(new RetryAfterError(120_000)), almostOne)).toEqual({ retry: true, delayMs: 120_000 });
    });

    it('caps Retry-After at 24 hours', () => {
      expect(MAX_RETRY_AFTER_MS).toBe(86_400_000);
      expect(planRetry(policy(), 1, classifyError(new RetryAfterError(7 * 86_400_000)), half)).toEqual({ retry: true, delayMs: 86_400_000 });
      expect(planRetry(policy(), 1, classifyError(new RetryAfterError(Number.POSITIVE_INFINITY)), half)).toEqual({ retry: true, delayMs: 86_400_000 });
    });

    it('rounds a fractional Retry-After up', () => {
      expect(planRetry(policy(), 1, classifyError(new RetryAfterError(5_000.2)), half)).toEqual({ retry: true, delayMs: 5_001 });
    });

    it('takes Retry-After from an HTTP response, as a delta and as a date', () => {
      const now = Date.UTC(2030, 0, 1, 12, 0, 0);
      const delta = Object.assign(new Error('Too Many Requests'), { status: 429, headers: new Headers({ 'retry-after': '30' }) });
      expect(planRetry(policy(), 1, classifyError(delta, now), half)).toEqual({ retry: true, delayMs: 30_000 });
      const date = Object.assign(new Error('Service Unavailable'), { response: new Response(null, { status: 503, headers: { 'retry-after': 'Tue, 01 Jan 2030 12:01:00 GMT' } }) });
      expect(planRetry(policy(), 1, classifyError(date, now), half)).toEqual({ retry: true, delayMs: 60_000 });
    });

    it('still counts attempts', () => {
      expect(planRetry(policy({ maxAttempts: 2 }), 2, classifyError(new RetryAfterError(1_000)), half)).toEqual({ retry: false, reason: 'attempts_exhausted' });
    });

    it('waits until an open circuit half-opens', () => {
      const now = Date.UTC(2030, 0, 1);
      expect(planRetry(policy(), 1, classifyError(new CircuitOpenError('smtp', now + 45_000), now), half)).toEqual({ retry: true, delayMs: 45_000 });
    });
  });
});
