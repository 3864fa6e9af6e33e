/** How long the engine may keep the event loop before the host gets a turn. */
export const hostSliceMs = 10;

/**
 * A task queued behind timers and I/O: `setImmediate` where the platform has it, else a
 * zero-delay timer. Both taken when this module loads: a test that fakes timers later
 * must not be able to hold the engine's turns back (they are the real loop's).
 */
const realImmediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
const realSetTimeout = globalThis.setTimeout;
const scheduleTask = (callback: () => void): void => {
  if (typeof realImmediate === 'function') realImmediate(callback);
  else realSetTimeout(callback, 0);
};

/**
 * Gives the host's event loop a turn once the engine has held it for `sliceMs`.
 *
 * Steps that never wait (transforms, a store in memory or on SQLite) chain a run's work,
 * and the next run's, in promise callbacks. Those all run before the event loop moves
 * on, so while a backlog drained, the host's timers and I/O (its HTTP server, a health
 * check) waited: 20,000 queued ten-step runs in memory held the loop for 2 s with not one
 * timer firing, and on SQLite a 10 ms interval saw gaps of half a second. Advancers ask
 * `turn()` at each pass; the advancers that ask while a turn is pending all wait for it.
 */
export class HostTurns {
  readonly #sliceMs: number;
  readonly #now: () => number;
  #sliceStart: number;
  #pending: Promise<void> | undefined;

  constructor(sliceMs = hostSliceMs, now: () => number = Date.now) {
    this.#sliceMs = sliceMs;
    this.#now = now;
    this.#sliceStart = now();
  }

  /** Undefined while the slice lasts (go on without awaiting); else resolves in a later task. */
  turn(): Promise<void> | undefined {
    if (this.#pending !== undefined) return this.#pending;
    if (this.#now() - this.#sliceStart < this.#sliceMs) return undefined;
    this.#pending = new Promise<void>((resolve) => {
      scheduleTask(() => {
        this.#pending = undefined;
        this.#sliceStart = this.#now();
        resolve();
      });
    });
    return this.#pending;
  }
}
