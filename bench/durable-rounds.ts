import { median } from './bench-stats';

/**
 * The schedule of every durable engine benchmark: a warm-up round (JIT, plan cache,
 * connection pools, the database's buffers), then the median of several timed rounds.
 * The warm-up is long because the first seconds run at half speed or less on this
 * machine; about 17 s in all, so that the storage suite stays within three minutes.
 */
export const durableSchedule = { warmupMs: 4_000, rounds: 5, roundMs: 2_500 } as const;

/**
 * A round in which no run finishes for this long has hung (a lost job, a lock that is
 * never released): it fails rather than blocking the suite.
 */
export const stallMs = 20_000;

/**
 * Runs `round` once to warm up, then `rounds` times, and returns the median figure. The
 * rounds are printed too: durable figures vary by up to 30 % on this machine, and the
 * spread says how far to trust a median.
 */
export async function medianOfRounds(round: (durationMs: number, index: number) => Promise<number>): Promise<number> {
  const warmup = await round(durableSchedule.warmupMs, -1);
  const results: number[] = [];
  for (let index = 0; index < durableSchedule.rounds; index++) results.push(await round(durableSchedule.roundMs, index));
  console.log(`  rounds: ${results.map((value) => value.toFixed(0)).join(', ')} (warm-up ${warmup.toFixed(0)})`);
  return median(results);
}
