import type { Clock } from '../ports/clock';
import { MinHeap } from '../ports/min-heap';

/** A clock that only moves when a test moves it. */
export interface FakeClock extends Clock {
  /**
   * Moves time forward by `ms`, firing the timers that fall due on the way in time
   * order. Before each timer fires, `now()` reads that timer's due time; after each,
   * pending promise work runs, so code reacting to one timer finishes before the next
   * fires. Timers created on the way that fall due within the window fire too.
   */
  advance(ms: number): Promise<void>;
  /** Jumps to `ms` without firing timers; timers already due fire on the next `advance`. */
  set(ms: number): void;
  /** Timers armed and not yet fired or cancelled. */
  pendingTimers(): number;
  /** When the next timer is due, if any. */
  nextTimerAt(): number | undefined;
  /** Lets pending promise work run without moving time. */
  flush(): Promise<void>;
}

interface FakeTimer {
  heapIndex: number;
  dueAt: number;
  /** Creation order: timers due at the same time fire in the order they were set. */
  order: number;
  callback: () => void;
}

/** Macrotask turns per flush: enough for work that itself yields to the event loop once or twice. */
const flushTurns = 3;
/** A guard against a timer that re-arms itself at 0 ms forever. */
const maxTimersPerAdvance = 1_000_000;

type ScheduleMacrotask = (callback: () => void) => unknown;

/**
 * One turn of the real event loop: every microtask queued before it has run by then.
 * `setImmediate` where the runtime has it (Node, Bun, Deno): a `setTimeout(0)` turn
 * costs a millisecond or more, which adds up over thousands of timers in a test.
 */
function nextMacrotask(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: ScheduleMacrotask }).setImmediate;
  return new Promise((resolve) => {
    if (typeof immediate === 'function') immediate(resolve);
    else setTimeout(resolve, 0);
  });
}

/**
 * A clock for tests: `now()` stands still until `advance` or `set` moves it, and
 * timers fire only inside `advance`.
 *
 * @example
 * ```ts
 * const clock = createFakeClock();
 * const fired: number[] = [];
 * clock.setTimer(1_000, () => fired.push(clock.now()));
 * await clock.advance(1_000);
 * // fired is [Date.UTC(2026, 0, 1) + 1_000]
 * ```
 */
export function createFakeClock(startMs: number = Date.UTC(2026, 0, 1)): FakeClock {
  let now = startMs;
  let nextOrder = 0;
  const timers = new MinHeap<FakeTimer>((a, b) => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.order < b.order));

  async function flush(): Promise<void> {
    for (let turn = 0; turn < flushTurns; turn++) await nextMacrotask();
  }

  return {
    now: () => now,
    setTimer(ms, callback) {
      const timer: FakeTimer = { heapIndex: -1, dueAt: now + (ms > 0 ? ms : 0), order: nextOrder++, callback };
      timers.push(timer);
      return () => {
        timers.remove(timer);
      };
    },
    async advance(ms) {
      if (!(ms >= 0)) throw new RangeError(`advance(ms) needs a non-negative number of milliseconds, got ${ms}`);
      const target = now + ms;
      await flush();
      let fired = 0;
      for (let next = timers.peek(); next !== undefined && next.dueAt <= target; next = timers.peek()) {
        if (++fired > maxTimersPerAdvance) throw new Error(`More than ${maxTimersPerAdvance} timers fired in one advance: a timer re-arms itself without delay`);
        timers.pop();
        // `set` may have moved time past the due time; time never runs backwards here.
        if (next.dueAt > now) now = next.dueAt;
        next.callback();
        await flush();
      }
      if (target > now) now = target;
    },
    set(ms) {
      now = ms;
    },
    pendingTimers: () => timers.size,
    nextTimerAt: () => timers.peek()?.dueAt,
    flush,
  };
}
