import type { Clock } from './clock';

/**
 * Longest delay `setTimeout` accepts: runtimes fire longer ones at once (Node warns and
 * uses 1 ms), so longer timers are chained in steps of at most this.
 */
const maxTimeoutMs = 2_147_483_647;

/**
 * Wall-clock time and the platform's timers.
 *
 * @example
 * ```ts
 * const cancel = realClock.setTimer(1_000, () => console.log('one second later', realClock.now()));
 * cancel();
 * ```
 */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, callback) {
    // A timer that never fires needs no platform timer.
    if (ms === Number.POSITIVE_INFINITY) return () => undefined;
    let remaining = ms > 0 ? ms : 0;
    let handle: ReturnType<typeof setTimeout>;
    const arm = (): void => {
      const step = Math.min(remaining, maxTimeoutMs);
      remaining -= step;
      handle = setTimeout(remaining > 0 ? arm : callback, step);
    };
    arm();
    return () => clearTimeout(handle);
  },
};
