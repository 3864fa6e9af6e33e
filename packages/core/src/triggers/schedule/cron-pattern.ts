import { CronExpressionParser, type CronExpression } from 'cron-parser';

/**
 * Parses a cron pattern to be matched against wall-clock times written as UTC (see
 * `wallClock`): in UTC cron-parser has no DST rules to apply, and ours are applied when a
 * wall-clock time is turned into instants.
 *
 * cron-parser pads patterns of 1 to 4 fields with defaults; we accept only the 5- and
 * 6-field forms (and `@aliases`), so that `* * *` is reported, not run every minute.
 *
 * `H` (hashed) fields are seeded with the pattern itself: every worker and every restart
 * must compute the same fire times, since a fire time keys the run's idempotency.
 *
 * @throws Error whose message says what is wrong with the pattern.
 */
export function parseCronPattern(cron: string): CronExpression {
  const pattern = cron.trim();
  if (!pattern.startsWith('@')) {
    const fields = pattern === '' ? 0 : pattern.split(/\s+/).length;
    if (fields !== 5 && fields !== 6) {
      throw new Error(
        `A cron pattern has 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first); this one has ${fields}`,
      );
    }
  }
  try {
    return CronExpressionParser.parse(pattern, { tz: 'UTC', hashSeed: pattern });
  } catch (error) {
    // cron-parser reads an unknown alias as fields, and its message then names a fragment ("reb").
    const reason = pattern.startsWith('@')
      ? `${pattern} is not a known alias (such as @hourly, @daily, @weekly, @monthly, @yearly)`
      : error instanceof Error
        ? error.message
        : String(error);
    throw new Error(`Not a valid cron pattern: ${reason}`, { cause: error });
  }
}

/** Why `cron` is not a valid pattern, or undefined if it is. */
export function cronPatternProblem(cron: string): string | undefined {
  try {
    parseCronPattern(cron);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
