import { describe, expect, it } from 'vitest';
import { nextFireAfter, nextFires } from './next-fire';
import { wallClock } from './zone-clock';

const utc = (iso: string): number => Date.parse(iso);
const iso = (epochMs: number): string => new Date(epochMs).toISOString();
const berlin = (cron: string) => ({ cron, timezone: 'Europe/Berlin' });

/**
 * Europe/Berlin in 2025: on 30 March at 01:00Z the clocks jump from 02:00 CET (UTC+1) to
 * 03:00 CEST (UTC+2), so 02:00–02:59 does not exist; on 26 October at 01:00Z they go back
 * from 03:00 CEST to 02:00 CET, so 02:00–02:59 happens twice.
 */
describe('nextFires on the DST days of Europe/Berlin', () => {
  it('spring forward, hourly: every real hour fires; local 02:00 does not exist', () => {
    // 00:00 CET = 23:00Z, 01:00 CET = 00:00Z, then 03:00 CEST = 01:00Z, 04:00 CEST = 02:00Z.
    expect(nextFires(berlin('0 * * * *'), utc('2025-03-29T22:30:00Z'), 4).map(iso)).toEqual(
      ['2025-03-29T23:00:00Z', '2025-03-30T00:00:00Z', '2025-03-30T01:00:00Z', '2025-03-30T02:00:00Z'].map((t) => iso(utc(t))),
    );
  });

  it('spring forward, daily 02:30: that day has no fire', () => {
    // 29 March 02:30 CET = 01:30Z; 30 March has no 02:30; 31 March 02:30 CEST = 00:30Z.
    expect(nextFires(berlin('30 2 * * *'), utc('2025-03-28T12:00:00Z'), 3).map(iso)).toEqual(
      ['2025-03-29T01:30:00Z', '2025-03-31T00:30:00Z', '2025-04-01T00:30:00Z'].map((t) => iso(utc(t))),
    );
  });

  it('spring forward, daily 02:30, asked from inside the gap day: still skipped', () => {
    expect(iso(nextFireAfter(berlin('30 2 * * *'), utc('2025-03-30T00:59:00Z')) ?? 0)).toBe('2025-03-31T00:30:00.000Z');
  });

  it('fall back, hourly: every real hour fires, both 02:00s included', () => {
    // 01:00 CEST = 23:00Z, 02:00 CEST = 00:00Z, 02:00 CET = 01:00Z, 03:00 CET = 02:00Z.
    expect(nextFires(berlin('0 * * * *'), utc('2025-10-25T22:30:00Z'), 4).map(iso)).toEqual(
      ['2025-10-25T23:00:00Z', '2025-10-26T00:00:00Z', '2025-10-26T01:00:00Z', '2025-10-26T02:00:00Z'].map((t) => iso(utc(t))),
    );
  });

  it('fall back, daily 02:30: fires once, at the first (CEST) 02:30', () => {
    // 02:30 CEST = 00:30Z fires; 02:30 CET = 01:30Z does not; 27 October 02:30 CET = 01:30Z.
    expect(nextFires(berlin('30 2 * * *'), utc('2025-10-25T12:00:00Z'), 2).map(iso)).toEqual(
      ['2025-10-26T00:30:00Z', '2025-10-27T01:30:00Z'].map((t) => iso(utc(t))),
    );
  });

  it.each(['2025-10-26T00:30:00Z', '2025-10-26T00:45:00Z', '2025-10-26T01:00:00Z', '2025-10-26T01:15:00Z'])(
    'fall back, daily 02:30, asked from %s (after the first pass): the repeated 02:30 does not fire',
    (after) => {
      // cron-parser, started inside the overlap, answers 01:30Z (02:30 CET) here.
      expect(iso(nextFireAfter(berlin('30 2 * * *'), utc(after)) ?? 0)).toBe('2025-10-27T01:30:00.000Z');
    },
  );

  it('gives the same fires as a chain of jobs each asking for the one after its own', () => {
    for (const cron of ['0 * * * *', '30 2 * * *', '*/20 2 * * *', '*/30 * * * *']) {
      const listed = nextFires(berlin(cron), utc('2025-10-25T20:00:00Z'), 12);
      const chained: number[] = [];
      let after = utc('2025-10-25T20:00:00Z');
      for (let i = 0; i < 12; i++) {
        const next = nextFireAfter(berlin(cron), after);
        if (next === undefined) break;
        chained.push(next);
        after = next;
      }
      expect(chained.map(iso)).toEqual(listed.map(iso));
    }
  });
});

/**
 * Australia/Lord_Howe changes by half an hour: on 6 April 2025 at 15:00Z it goes back from
 * 02:00 (UTC+11) to 01:30 (UTC+10:30), so 01:30–01:59 happens twice. cron-parser's own
 * zone handling fails here (from 14:00Z it gives up, from 14:10Z it answers 14:00Z).
 */
describe('nextFireAfter across a half-hour change (Australia/Lord_Howe)', () => {
  const lordHowe = (cron: string) => ({ cron, timezone: 'Australia/Lord_Howe' });

  it('hourly: after 01:00 (14:00Z) the next :00 is 02:00 UTC+10:30 = 15:30Z', () => {
    expect(iso(nextFireAfter(lordHowe('0 * * * *'), utc('2025-04-05T14:00:00Z')) ?? 0)).toBe('2025-04-05T15:30:00.000Z');
    expect(iso(nextFireAfter(lordHowe('0 * * * *'), utc('2025-04-05T14:10:00Z')) ?? 0)).toBe('2025-04-05T15:30:00.000Z');
  });

  it('every 20 minutes (an interval): 01:40 fires in both passes, at 14:40Z and 15:10Z', () => {
    expect(nextFires(lordHowe('*/20 * * * *'), utc('2025-04-05T14:30:00Z'), 4).map(iso)).toEqual(
      ['2025-04-05T14:40:00Z', '2025-04-05T15:10:00Z', '2025-04-05T15:30:00Z', '2025-04-05T15:50:00Z'].map((t) => iso(utc(t))),
    );
  });

  it('01:45 daily: fires once, in the first pass (14:45Z); the next day at 01:45 UTC+10:30', () => {
    expect(nextFires(lordHowe('45 1 * * *'), utc('2025-04-05T12:00:00Z'), 2).map(iso)).toEqual(
      ['2025-04-05T14:45:00Z', '2025-04-06T15:15:00Z'].map((t) => iso(utc(t))),
    );
  });
});

describe('nextFireAfter', () => {
  it('is strictly after `after`, to the millisecond', () => {
    const config = { cron: '0 0 * * *', timezone: 'UTC' };
    expect(nextFireAfter(config, utc('2025-01-01T00:00:00Z'))).toBe(utc('2025-01-02T00:00:00Z'));
    expect(nextFireAfter(config, utc('2025-01-01T00:00:00Z') - 1)).toBe(utc('2025-01-01T00:00:00Z'));
  });

  it('finds a leap-day fire four years ahead, and gives up past ~5 years', () => {
    const leapDay = { cron: '0 0 29 2 *', timezone: 'UTC' };
    expect(nextFireAfter(leapDay, utc('2025-01-01T00:00:00Z'))).toBe(utc('2028-02-29T00:00:00Z'));
    // 2100 is not a leap year: after 2096 the next 29 February is in 2104, eight years on.
    expect(nextFireAfter(leapDay, utc('2096-03-01T00:00:00Z'))).toBeUndefined();
    expect(nextFires(leapDay, utc('2091-01-01T00:00:00Z'), 5).map(iso)).toEqual([iso(utc('2092-02-29T00:00:00Z')), iso(utc('2096-02-29T00:00:00Z'))]);
  });

  it('returns nothing for a count of 0', () => {
    expect(nextFires({ cron: '* * * * *', timezone: 'UTC' }, 0, 0)).toEqual([]);
  });
});

/**
 * Against a brute-force oracle: step minute by minute across each DST change of 2025 in
 * zones with unusual changes (a 30-minute one in Lord Howe, one at midnight in Santiago)
 * and keep the minutes whose local time matches, a repeated local time only the first
 * time it is seen unless the pattern names every hour.
 */
describe('nextFires against a minute-by-minute oracle around DST changes', () => {
  const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago', 'Europe/London'];
  const allHours = Array.from({ length: 24 }, (_, hour) => hour);
  const patterns: { cron: string; minutes: number[]; hours: number[] }[] = [
    { cron: '0 * * * *', minutes: [0], hours: allHours },
    { cron: '*/20 * * * *', minutes: [0, 20, 40], hours: allHours },
    { cron: '30 2 * * *', minutes: [30], hours: [2] },
    { cron: '*/30 1 * * *', minutes: [0, 30], hours: [1] },
    { cron: '15,45 0-3 * * *', minutes: [15, 45], hours: [0, 1, 2, 3] },
    { cron: '0 0 * * *', minutes: [0], hours: [0] },
    { cron: '45 1,2 * * *', minutes: [45], hours: [1, 2] },
    { cron: '0 */30 1 * * *', minutes: [0, 30], hours: [1] },
  ];
  const minuteMs = 60_000;
  const hourMs = 3_600_000;

  function dstChanges(timeZone: string): number[] {
    const changes: number[] = [];
    let previousOffset = wallClock(timeZone, utc('2025-01-01T00:00:00Z')) - utc('2025-01-01T00:00:00Z');
    for (let t = utc('2025-01-01T00:00:00Z'); t < utc('2026-01-01T00:00:00Z'); t += hourMs / 2) {
      const offset = wallClock(timeZone, t) - t;
      if (offset !== previousOffset) changes.push(t);
      previousOffset = offset;
    }
    return changes;
  }

  for (const timeZone of zones) {
    it(`${timeZone}: matches the oracle on both changes for ${patterns.length} patterns`, () => {
      const changes = dstChanges(timeZone);
      expect(changes).toHaveLength(2);
      for (const change of changes) {
        const start = change - 30 * hourMs;
        const end = change + 30 * hourMs;
        const walls: { instant: number; wall: number; minute: number; hour: number }[] = [];
        for (let instant = start + minuteMs; instant <= end; instant += minuteMs) {
          const wall = wallClock(timeZone, instant);
          const local = new Date(wall);
          walls.push({ instant, wall, minute: local.getUTCMinutes(), hour: local.getUTCHours() });
        }
        for (const { cron, minutes, hours } of patterns) {
          const seen = new Set<number>();
          const expected: number[] = [];
          for (const { instant, wall, minute, hour } of walls) {
            const repeated = seen.has(wall);
            seen.add(wall);
            if (minutes.includes(minute) && hours.includes(hour) && (!repeated || hours.length === 24)) expected.push(instant);
          }
          const actual = nextFires({ cron, timezone: timeZone }, start, expected.length + 5).filter((fire) => fire <= end);
          expect({ cron, change: iso(change), fires: actual.map(iso) }).toEqual({ cron, change: iso(change), fires: expected.map(iso) });
        }
      }
    });
  }
});
