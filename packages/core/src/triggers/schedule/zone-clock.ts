/**
 * Wall-clock arithmetic in an IANA time zone with nothing but `Intl`, so core stays
 * platform-neutral.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // h23: some engines print midnight as 24 with the default hour cycle of en-US.
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether `Intl` accepts the zone: the same check cron-parser's date library relies on. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The local date and time at `instant` in `timeZone`, written as if it were UTC epoch ms.
 * Two instants with the same wall clock give the same number, which is how a repeated
 * local time is recognised.
 */
export function wallClock(timeZone: string, instant: number): number {
  const fields: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = fields;
  const milliseconds = ((instant % 1000) + 1000) % 1000;
  return Date.UTC(year, month - 1, day, hour, minute, second, milliseconds);
}

const dayMs = 86_400_000;

/** The zone's offset from UTC at `instant`, in ms (positive east of Greenwich). */
export function offsetAt(timeZone: string, instant: number): number {
  return wallClock(timeZone, instant) - instant;
}

/**
 * The instants whose local time in `timeZone` is `wall` (as `wallClock` writes it), in
 * order: none in a spring-forward gap, two in a fall-back overlap, else one. The offsets
 * a day either side are the ones in force before and after any change near `wall`, as
 * in Temporal's resolution of a local time; zones change offset at most once a day.
 */
export function instantsAt(timeZone: string, wall: number): number[] {
  const instants: number[] = [];
  const earlier = wall - offsetAt(timeZone, wall - dayMs);
  const later = wall - offsetAt(timeZone, wall + dayMs);
  for (const instant of earlier <= later ? [earlier, later] : [later, earlier]) {
    if (instants[0] !== instant && wallClock(timeZone, instant) === wall) instants.push(instant);
  }
  return instants;
}

/**
 * How far the wall clock runs back around `instant`: the length of a fall-back overlap
 * within a day of it, else 0. An instant after this one has a local time no more than
 * this much earlier than this one's.
 */
export function overlapAround(timeZone: string, instant: number): number {
  const before = offsetAt(timeZone, instant - dayMs);
  const now = offsetAt(timeZone, instant);
  const after = offsetAt(timeZone, instant + dayMs);
  return Math.max(0, Math.max(before, now) - Math.min(now, after));
}
