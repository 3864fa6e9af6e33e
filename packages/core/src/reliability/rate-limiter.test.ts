import { describe, expect, it } from 'vitest';
import { idleLimiter, rateLimitOptionsSchema, reserveCall, tightenLimiter, type RateLimiterState } from './rate-limiter';

function reserveMany(count: number, now: number, options = rateLimitOptionsSchema.parse({ requests: 5, perMs: 1_000 }), start: RateLimiterState = idleLimiter()) {
  let state = start;
  const times: number[] = [];
  for (let index = 0; index < count; index++) {
    const reservation = reserveCall(state, now, options);
    times.push(reservation.at);
    state = reservation.next;
  }
  return { times, state };
}

describe('rate limiter', () => {
  it('spaces calls evenly without a burst', () => {
    expect(reserveMany(6, 1_000).times).toEqual([1_000, 1_200, 1_400, 1_600, 1_800, 2_000]);
  });

  it('lets a burst out at once, then drains at the rate', () => {
    const options = rateLimitOptionsSchema.parse({ requests: 2, perMs: 1_000, burst: 3 });
    expect(reserveMany(5, 0, options).times).toEqual([0, 0, 0, 500, 1_000]);
  });

  it('forgets past calls once idle', () => {
    const { state } = reserveMany(5, 0);
    expect(reserveCall(state, 10_000, rateLimitOptionsSchema.parse({ requests: 5, perMs: 1_000 })).at).toBe(10_000);
  });

  it('pauses until Retry-After after a 429 and then runs at half speed for a while', () => {
    const options = rateLimitOptionsSchema.parse({ requests: 5, perMs: 1_000, slowdownMs: 10_000 });
    const tightened = tightenLimiter(idleLimiter(), 1_000, 3_000, options);
    expect(tightened).toEqual({ tat: 4_000, pausedUntil: 4_000, factor: 2, slowUntil: 14_000 });
    expect(reserveMany(3, 1_000, options, tightened).times).toEqual([4_000, 4_400, 4_800]);
    // Without a Retry-After, one second; a second 429 slows further.
    expect(tightenLimiter(tightened, 5_000, undefined, options)).toMatchObject({ pausedUntil: 6_000, factor: 4 });
    // After the slowdown the limiter is back at full speed.
    expect(reserveMany(2, 20_000, options, tightened).times).toEqual([20_000, 20_200]);
  });
});
