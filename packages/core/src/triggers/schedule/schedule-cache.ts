import type { CronExpression } from 'cron-parser';
import { parseCronPattern } from './cron-pattern';

/** A parsed pattern and what the DST rules need to know about it. */
export interface ParsedPattern {
  /** Matches wall-clock times written as UTC. Stateful (an iterator): reset it before each use; all use is synchronous. */
  readonly expression: CronExpression;
  /**
   * The pattern matches every hour of the day, so it is an interval rather than a time
   * of day: each real hour fires, the repeated hour of a fall-back included.
   */
  readonly everyHour: boolean;
}

/** Enough for every schedule a worker serves; past it the least recently used goes. */
const maxEntries = 500;
const cache = new Map<string, ParsedPattern>();

/**
 * The parsed form of `cron`, parsed once: next fire times are computed on every fire of
 * every schedule. The time zone is not part of the key, since the pattern is matched
 * against wall-clock time and the zone only applies when that becomes instants.
 */
export function parsedPattern(cron: string): ParsedPattern {
  const cached = cache.get(cron);
  if (cached) {
    // Map keeps insertion order: re-inserting marks the entry as recently used.
    cache.delete(cron);
    cache.set(cron, cached);
    return cached;
  }
  const expression = parseCronPattern(cron);
  const parsed: ParsedPattern = { expression, everyHour: expression.fields.hour.values.length === 24 };
  cache.set(cron, parsed);
  if (cache.size > maxEntries) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  return parsed;
}
