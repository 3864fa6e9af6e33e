import { firesUntil, nextFireAfter } from './next-fire';
import type { ScheduleConfig } from './schedule-config';

/** At most this many on-time fires are started by one job: a per-second schedule with a long grace. */
const maxOnTime = 1_000;

/**
 * A schedule's job was meant for `scheduledAt` and runs at `now`: which fire times start
 * a run, and when the next job is due. A fire within `graceMs` of `now` is on time and
 * always starts its run (a job a little late for a per-second schedule loses nothing);
 * an earlier one was missed, and the policy decides:
 *
 * - `skip` → none of the missed fires; `runOnce` → `scheduledAt` only; `catchUp` →
 *   `scheduledAt` and the later missed fires, the earliest `max` of them (oldest first,
 *   so a bounded catch-up replays the start of the outage; the rest are dropped).
 *
 * `next` is the first fire after `max(now, scheduledAt)`: never in the past, so a long
 * outage is not replayed job by job.
 *
 * @example
 * ```ts
 * const config = scheduleConfigSchema.parse({ cron: '0 * * * *', missed: { policy: 'catchUp', max: 2 } });
 * dueFires(config, Date.UTC(2025, 0, 1, 0), Date.UTC(2025, 0, 1, 5, 30));
 * // { fires: [00:00, 01:00], next: 06:00 } (as epoch ms, UTC)
 * ```
 */
export function dueFires(config: ScheduleConfig, scheduledAt: number, now: number): { fires: number[]; next: number | undefined } {
  const next = nextFireAfter(config, Math.max(now, scheduledAt));
  const cutoff = now - config.graceMs;
  if (scheduledAt >= cutoff) return { fires: [scheduledAt, ...firesUntil(config, scheduledAt, now, maxOnTime)], next };
  const onTime = firesUntil(config, cutoff - 1, now, maxOnTime);
  switch (config.missed.policy) {
    case 'skip':
      return { fires: onTime, next };
    case 'runOnce':
      return { fires: [scheduledAt, ...onTime], next };
    case 'catchUp': {
      const missed = firesUntil(config, scheduledAt, cutoff - 1, config.missed.max - 1);
      return { fires: [scheduledAt, ...missed, ...onTime], next };
    }
  }
}
