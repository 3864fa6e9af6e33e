import type { CronExpression } from 'cron-parser';
import { parsedPattern } from './schedule-cache';
import type { ScheduleConfig } from './schedule-config';
import { instantsAt, overlapAround, wallClock } from './zone-clock';

type ScheduleTimes = Pick<ScheduleConfig, 'cron' | 'timezone'>;

/** How far ahead a fire is searched for; a leap-day schedule fires within it. */
const horizonMs = 5 * 366 * 86_400_000;

/**
 * The first fire strictly after `after` (epoch ms), or undefined if none within ~5 years.
 *
 * The pattern is matched against the zone's wall-clock time, and each matching wall-clock
 * time becomes the instants it occurs at. (cron-parser's own zone handling moves a time in
 * the gap to after it, and with a half-hour change such as Lord Howe's it misses and
 * repeats fires, so it is only ever asked about UTC.)
 *
 * Semantics, where cron implementations differ:
 * - Day of month and day of week, both restricted, match when either does (`0 12 1 * MON`
 *   is the 1st and every Monday), `*\/2` included — cron-parser's rule, not Vixie cron's.
 * - A local time that does not exist (the spring-forward gap) is skipped: `30 2 * * *`
 *   has no fire on that day.
 * - A local time that occurs twice (the fall-back overlap) fires once, at its first
 *   occurrence — unless the pattern matches every hour (`0 * * * *`, `*\/20 * * * *`):
 *   then it is an interval, and each real hour fires, the repeated one included.
 *
 * @example
 * ```ts
 * const next = nextFireAfter({ cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' }, Date.UTC(2025, 0, 3, 10));
 * // Monday 2025-01-06 09:00 in Berlin: Date.UTC(2025, 0, 6, 8)
 * ```
 */
export function nextFireAfter(config: ScheduleTimes, after: number): number | undefined {
  const { expression, everyHour } = parsedPattern(config.cron);
  const { timezone } = config;
  const startWall = wallClock(timezone, after);
  let searchEnd = startWall + horizonMs;
  // A later instant has an earlier local time only across a fall-back: start that far back.
  expression.reset(new Date(startWall - overlapAround(timezone, after) - 1));
  let best: number | undefined;
  for (let wall = nextMatch(expression); wall !== undefined && wall <= searchEnd; wall = nextMatch(expression)) {
    const instants = instantsAt(timezone, wall);
    // A repeated local time fires at its first occurrence only, unless the pattern is an interval.
    const fire = (everyHour ? instants : instants.slice(0, 1)).find((instant) => instant > after);
    if (fire !== undefined && (best === undefined || fire < best)) {
      best = fire;
      // Local times are in the order of their instants except within an overlap, so an
      // earlier fire can only be at a local time up to one overlap later than this one.
      searchEnd = Math.min(searchEnd, wall + overlapAround(timezone, fire));
      if (wall >= searchEnd) break;
    }
  }
  return best;
}

/**
 * The first `count` fires strictly after `after`, in order; fewer if the schedule ends
 * (no fire within ~5 years of the previous one). Exactly what a chain of jobs computes,
 * each asking `nextFireAfter` its own fire time.
 *
 * @example
 * ```ts
 * nextFires({ cron: '*\/15 * * * *', timezone: 'UTC' }, Date.UTC(2025, 0, 1, 0, 7), 2);
 * // [Date.UTC(2025, 0, 1, 0, 15), Date.UTC(2025, 0, 1, 0, 30)]
 * ```
 */
export function nextFires(config: ScheduleTimes, after: number, count: number): number[] {
  return firesUntil(config, after, Number.POSITIVE_INFINITY, count);
}

/**
 * The fires strictly after `after` and at or before `until`, in order, at most `limit`.
 * What a catch-up replays: bounded by time as well as count, so a rare schedule is not
 * searched years ahead.
 */
export function firesUntil(config: ScheduleTimes, after: number, until: number, limit: number): number[] {
  const fires: number[] = [];
  let previous = after;
  while (fires.length < limit) {
    const fire = nextFireAfter(config, previous);
    if (fire === undefined || fire > until) break;
    fires.push(fire);
    previous = fire;
  }
  return fires;
}

/** The next wall-clock time (as UTC epoch ms) the pattern matches, or undefined if cron-parser finds none. */
function nextMatch(expression: CronExpression): number | undefined {
  try {
    return expression.next().getTime();
  } catch (error) {
    // cron-parser gives up after a fixed number of steps when nothing matches.
    if (error instanceof Error && error.message.includes('loop limit')) return undefined;
    throw error;
  }
}
