import { describe, expect, it } from 'vitest';
import { parseResetDuration, rateLimitWaitMs } from './rate-limit-wait';

describe('rate limit waits', () => {
  it.each([
    ['1s', 1_000],
    ['6m0s', 360_000],
    ['20ms', 20],
    ['1.5s', 1_500],
    ['1h2m3s', 3_723_000],
  ])('parses %s', (value, ms) => expect(parseResetDuration(value)).toBe(ms));

  it.each(['', 'soon', '5', '1s later'])('rejects %j', (value) => expect(parseResetDuration(value)).toBeUndefined());

  it('prefers retry-after, else waits for the later window reset', () => {
    expect(rateLimitWaitMs(new Headers({ 'retry-after': '3', 'x-ratelimit-reset-requests': '9s' }), 0)).toBe(3_000);
    expect(rateLimitWaitMs(new Headers({ 'x-ratelimit-reset-requests': '2s', 'x-ratelimit-reset-tokens': '6m0s' }), 0)).toBe(360_000);
    expect(rateLimitWaitMs(new Headers(), 0)).toBeUndefined();
  });
});
