import { describe, expect, it } from 'vitest';
import { dueFires } from './due-fires';
import { scheduleConfigSchema, type ScheduleConfig } from './schedule-config';

const hour = 3_600_000;
const at = (h: number, m = 0): number => Date.UTC(2025, 0, 1, h, m);
const hourly = (missed?: ScheduleConfig['missed'], graceMs?: number): ScheduleConfig =>
  scheduleConfigSchema.parse({ cron: '0 * * * *', ...(missed ? { missed } : {}), ...(graceMs === undefined ? {} : { graceMs }) });

describe('dueFires on time', () => {
  it.each([
    ['skip', { policy: 'skip' }],
    ['runOnce', { policy: 'runOnce' }],
    ['catchUp', { policy: 'catchUp', max: 10 }],
  ] as const)('fires the scheduled time and plans the next fire (%s)', (_, missed) => {
    expect(dueFires(hourly(missed), at(10), at(10) + 30_000)).toEqual({ fires: [at(10)], next: at(11) });
  });

  it('counts a job exactly graceMs late as on time', () => {
    expect(dueFires(hourly(), at(10), at(10) + 60_000).fires).toEqual([at(10)]);
    expect(dueFires(hourly(), at(10), at(10) + 60_001).fires).toEqual([]);
  });

  it('with no grace, is late a millisecond after the fire time', () => {
    expect(dueFires(hourly(undefined, 0), at(10), at(10)).fires).toEqual([at(10)]);
    expect(dueFires(hourly(undefined, 0), at(10), at(10) + 1).fires).toEqual([]);
  });
});

describe('dueFires late (the worker was down from 10:00 to 13:30)', () => {
  const now = at(13, 30);

  it('skip: starts nothing; the next job is the next fire after now', () => {
    expect(dueFires(hourly({ policy: 'skip' }), at(10), now)).toEqual({ fires: [], next: at(14) });
  });

  it('runOnce: starts one run, for the scheduled time', () => {
    expect(dueFires(hourly({ policy: 'runOnce' }), at(10), now)).toEqual({ fires: [at(10)], next: at(14) });
  });

  it('catchUp: starts a run for each missed fire, up to now inclusive', () => {
    expect(dueFires(hourly({ policy: 'catchUp', max: 10 }), at(10), now)).toEqual({ fires: [at(10), at(11), at(12), at(13)], next: at(14) });
    expect(dueFires(hourly({ policy: 'catchUp', max: 10 }), at(10), at(13)).fires).toEqual([at(10), at(11), at(12), at(13)]);
  });

  it('catchUp is bounded by max, keeping the earliest fires; the rest are dropped, not replayed later', () => {
    expect(dueFires(hourly({ policy: 'catchUp', max: 2 }), at(10), now)).toEqual({ fires: [at(10), at(11)], next: at(14) });
    expect(dueFires(hourly({ policy: 'catchUp', max: 1 }), at(10), now)).toEqual({ fires: [at(10)], next: at(14) });
  });

  it('catchUp of a rare schedule does not search past now', () => {
    const yearly = scheduleConfigSchema.parse({ cron: '0 0 1 1 *', missed: { policy: 'catchUp', max: 1000 } });
    expect(dueFires(yearly, Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 2))).toEqual({ fires: [Date.UTC(2025, 0, 1)], next: Date.UTC(2026, 0, 1) });
  });
});

describe('dueFires after a long outage', () => {
  const scheduledAt = at(0);
  const now = scheduledAt + 30 * 24 * hour + 17 * 60_000;

  it.each([
    ['skip', { policy: 'skip' }, 0],
    ['runOnce', { policy: 'runOnce' }, 1],
    ['catchUp', { policy: 'catchUp', max: 1000 }, 721],
  ] as const)('%s: next is never in the past, so the outage is not replayed job by job', (_, missed, runs) => {
    const { fires, next } = dueFires(hourly(missed), scheduledAt, now);
    expect(fires).toHaveLength(runs);
    expect(fires.every((fire) => fire >= scheduledAt && fire <= now)).toBe(true);
    expect(next).toBe(now - 17 * 60_000 + hour);
    expect(next).toBeGreaterThan(now);
  });

  it('catchUp of a per-second schedule stops at max for the missed fires and still starts the ones within grace', () => {
    const everySecond = scheduleConfigSchema.parse({ cron: '* * * * * *', missed: { policy: 'catchUp', max: 1000 } });
    const { fires, next } = dueFires(everySecond, scheduledAt, now);
    expect(fires).toHaveLength(1000 + 61);
    expect(fires[999]).toBe(scheduledAt + 999_000);
    // The last minute (the default 60 s grace) is on time, whatever the policy.
    expect(fires.slice(1000)).toEqual(Array.from({ length: 61 }, (_, index) => now - 60_000 + index * 1000));
    expect(next).toBe(now + 1000);
  });

  it('a job a little late for a frequent schedule starts the fires it passed that are still within grace', () => {
    const everyTwentySeconds = scheduleConfigSchema.parse({ cron: '*/20 * * * * *' });
    const start = Date.UTC(2025, 0, 1, 0, 0, 0);
    expect(dueFires(everyTwentySeconds, start, start + 30_000).fires).toEqual([start, start + 20_000]);
    // Two minutes late with `skip`: the missed first fire is dropped, the last minute's fires start.
    expect(dueFires(everyTwentySeconds, start, start + 120_000).fires).toEqual([start + 60_000, start + 80_000, start + 100_000, start + 120_000]);
  });
});
