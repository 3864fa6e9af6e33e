/** How long the engine may keep the event loop before the host gets a turn. */
const hostSliceMs = 10;

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
 * timer firing, and on SQLite a 10 ms interval saw gaps of half a second.
 *
 * A slice starts at the first `turn()` after the loop last turned, and queues a task
 * that marks the loop's next turn. Work that waits for I/O lets that task run early, so
 * it never waits here (a fixed timer made PostgreSQL runs wait for turns they did not
 * need: about 15% fewer runs/s). Work that never lets it run finds the slice used up
 * and waits for it; every advancer that asks meanwhile waits for the same turn.
 */
export class HostTurns {
  readonly #sliceMs: number;
  readonly #now: () => number;
  #sliceStart = 0;
  /** Resolves at the loop's next turn; undefined when no slice is under way. */
  #nextTurn: Promise<void> | undefined;

  constructor(sliceMs = hostSliceMs, now: () => number = Date.now) {
    this.#sliceMs = sliceMs;
    this.#now = now;
  }

  /** Undefined while the slice lasts (go on without awaiting); else resolves at the loop's next turn. */
  turn(): Promise<void> | undefined {
    if (this.#nextTurn === undefined) {
      this.#sliceStart = this.#now();
      this.#nextTurn = new Promise<void>((resolve) => {
        scheduleTask(() => {
          this.#nextTurn = undefined;
          resolve();
        });
      });
      return undefined;
    }
    return this.#now() - this.#sliceStart < this.#sliceMs ? undefined : this.#nextTurn;
  }
}
