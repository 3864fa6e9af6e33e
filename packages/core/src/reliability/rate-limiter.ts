import { z } from 'zod';

/**
 * Calls allowed per connection: `requests` per `perMs`, with bursts of up to `burst`
 * calls at once (1: evenly spaced). Slack's 1 per second per token is
 * `{ requests: 1, perMs: 1000 }`; Shopify's leaky bucket of 40 draining 2 per second is
 * `{ requests: 2, perMs: 1000, burst: 40 }`.
 */
export const rateLimitOptionsSchema = z.strictObject({
  requests: z.number().int().min(1).max(1_000_000),
  perMs: z.number().int().min(1).max(86_400_000),
  burst: z.number().int().min(1).max(1_000_000).default(1),
  /** How long a 429 keeps the limiter at half speed (or slower, after repeated 429s). */
  slowdownMs: z.number().int().min(0).max(86_400_000).default(60_000),
});

export type RateLimitOptions = z.output<typeof rateLimitOptionsSchema>;
export type RateLimitOptionsInput = z.input<typeof rateLimitOptionsSchema>;

/**
 * A limiter's shared state (generic cell rate algorithm): `tat` is the theoretical
 * arrival time of the next call. A 429 pauses the limiter until `pausedUntil` and slows
 * it by `factor` until `slowUntil`.
 */
export interface RateLimiterState {
  tat: number;
  pausedUntil: number;
  factor: number;
  slowUntil: number;
}

const maxSlowdownFactor = 16;

export const idleLimiter = (): RateLimiterState => ({ tat: 0, pausedUntil: 0, factor: 1, slowUntil: 0 });

/**
 * Sets a call aside for the caller: the time it may go out (now, or later) and the
 * state to store. Reserving rather than refusing means waiting steps line up at
 * evenly spaced times instead of all waking at once to compete for the next call.
 */
export function reserveCall(current: RateLimiterState, now: number, options: RateLimitOptions): { at: number; next: RateLimiterState } {
  const factor = current.slowUntil > now ? current.factor : 1;
  const emission = (options.perMs / options.requests) * factor;
  const tolerance = emission * (options.burst - 1);
  const at = Math.ceil(Math.max(now, current.pausedUntil, current.tat - tolerance));
  const tat = Math.max(current.tat, at) + emission;
  return { at, next: { tat, pausedUntil: current.pausedUntil, factor, slowUntil: factor === 1 ? 0 : current.slowUntil } };
}

/**
 * The service answered 429: no call goes out before `retryAfterMs` (a second when it
 * did not say), and calls are spaced twice as far apart as before for `slowdownMs`.
 */
export function tightenLimiter(current: RateLimiterState, now: number, retryAfterMs: number | undefined, options: RateLimitOptions): RateLimiterState {
  const pausedUntil = Math.max(current.pausedUntil, now + Math.max(0, Math.ceil(retryAfterMs ?? 1_000)));
  const factor = Math.min(maxSlowdownFactor, (current.slowUntil > now ? current.factor : 1) * 2);
  return { tat: Math.max(current.tat, pausedUntil), pausedUntil, factor, slowUntil: pausedUntil + options.slowdownMs };
}

export const limiterStateSchema = z.object({ tat: z.number(), pausedUntil: z.number(), factor: z.number().min(1), slowUntil: z.number() });
