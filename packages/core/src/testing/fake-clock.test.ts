import { describe, expect, it } from 'vitest';
import { createFakeClock } from './fake-clock';

const t0 = Date.UTC(2026, 0, 1);

describe('createFakeClock', () => {
  it('starts at 2026-01-01 or the given time and stands still', async () => {
    expect(createFakeClock().now()).toBe(t0);
    const clock = createFakeClock(1_000);
    expect(clock.now()).toBe(1_000);
    await clock.flush();
    expect(clock.now()).toBe(1_000);
  });

  it('fires due timers in time order, with now() at each due time', async () => {
    const clock = createFakeClock(0);
    const fired: string[] = [];
    clock.setTimer(300, () => fired.push(`c@${clock.now()}`));
    clock.setTimer(100, () => fired.push(`a@${clock.now()}`));
    clock.setTimer(200, () => fired.push(`b1@${clock.now()}`));
    clock.setTimer(200, () => fired.push(`b2@${clock.now()}`));
    clock.setTimer(301, () => fired.push(`late@${clock.now()}`));
    await clock.advance(300);
    expect(fired).toEqual(['a@100', 'b1@200', 'b2@200', 'c@300']);
    expect(clock.now()).toBe(300);
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(1);
    expect(fired.at(-1)).toBe('late@301');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('moves to the end of the window even with no timers', async () => {
    const clock = createFakeClock(0);
    await clock.advance(1_234);
    expect(clock.now()).toBe(1_234);
    await clock.advance(0);
    expect(clock.now()).toBe(1_234);
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
  });

  it('cancels timers', async () => {
    const clock = createFakeClock(0);
    const fired: number[] = [];
    const cancel = clock.setTimer(100, () => fired.push(1));
    clock.setTimer(100, () => fired.push(2));
    expect(clock.pendingTimers()).toBe(2);
    cancel();
    cancel();
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(100);
    expect(fired).toEqual([2]);
  });

  it('fires timers set while advancing when they fall due within the window', async () => {
    const clock = createFakeClock(0);
    const fired: number[] = [];
    clock.setTimer(100, () => {
      fired.push(clock.now());
      clock.setTimer(50, () => fired.push(clock.now()));
      clock.setTimer(0, () => fired.push(clock.now()));
      clock.setTimer(500, () => fired.push(clock.now()));
    });
    await clock.advance(200);
    expect(fired).toEqual([100, 100, 150]);
    expect(clock.pendingTimers()).toBe(1);
    expect(clock.now()).toBe(200);
  });

  it('lets async work reacting to a timer finish before the next timer fires', async () => {
    const clock = createFakeClock(0);
    const log: string[] = [];
    clock.setTimer(100, () => {
      void (async () => {
        for (let hop = 0; hop < 50; hop++) await Promise.resolve();
        log.push(`reaction done at ${clock.now()}`);
        // Work started by the reaction arms a timer inside the window.
        clock.setTimer(10, () => log.push(`follow-up at ${clock.now()}`));
      })();
    });
    clock.setTimer(200, () => log.push(`second timer at ${clock.now()}`));
    await clock.advance(300);
    expect(log).toEqual(['reaction done at 100', 'follow-up at 110', 'second timer at 200']);
  });

  it('considers timers armed by pending promise work when an advance starts', async () => {
    const clock = createFakeClock(0);
    const fired: number[] = [];
    void Promise.resolve().then(() => clock.setTimer(10, () => fired.push(clock.now())));
    await clock.advance(10);
    expect(fired).toEqual([10]);
  });

  it('flush lets pending promise work run without moving time', async () => {
    const clock = createFakeClock(0);
    let done = false;
    void (async () => {
      for (let hop = 0; hop < 20; hop++) await Promise.resolve();
      done = true;
    })();
    const fired: number[] = [];
    clock.setTimer(0, () => fired.push(1));
    await clock.flush();
    expect(done).toBe(true);
    expect(fired).toEqual([]);
    expect(clock.now()).toBe(0);
  });

  it('set jumps without firing; timers already due fire on the next advance, time never goes back', async () => {
    const clock = createFakeClock(0);
    const fired: number[] = [];
    clock.setTimer(100, () => fired.push(clock.now()));
    clock.set(500);
    expect(clock.now()).toBe(500);
    expect(fired).toEqual([]);
    await clock.advance(0);
    expect(fired).toEqual([500]);
    clock.set(50);
    expect(clock.now()).toBe(50);
    clock.setTimer(10, () => fired.push(clock.now()));
    await clock.advance(10);
    expect(fired).toEqual([500, 60]);
  });

  it('treats a negative delay as zero', async () => {
    const clock = createFakeClock(0);
    const fired: number[] = [];
    clock.setTimer(-50, () => fired.push(clock.now()));
    await clock.advance(0);
    expect(fired).toEqual([0]);
  });
});
