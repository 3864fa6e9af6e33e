import { report } from './harness';

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
}

/** Nearest-rank percentile: the smallest sample that at least `p` of the samples do not exceed. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A benchmark that ran but whose figure would mean nothing: runs failed, a worker died, the database refused. */
export class BenchFailure extends Error {
  override name = 'BenchFailure';
}

/** One line of a driver error, short enough to sit in a `bench:` line. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > 240 ? `${line.slice(0, 237)}...` : line;
}

/** `bench: <name> = skipped (<why>)`, as BENCHMARKS.md asks when a server is missing. */
export function reportSkipped(names: readonly string[], why: string): void {
  for (const name of names) console.log(`bench: ${name} = skipped (${why})`);
}

/** `bench: <name> = failed (<why>)`: the suite goes on with the next benchmark. */
export function reportFailed(names: readonly string[], error: unknown): void {
  for (const name of names) console.log(`bench: ${name} = failed (${describeError(error)})`);
}

/**
 * Runs one benchmark that prints `names`: its figures on success, a failed line per
 * name when it throws, so one broken database does not end the suite.
 */
export async function guarded(names: readonly string[], measure: () => Promise<ReadonlyArray<{ value: number; unit: string }>>): Promise<void> {
  let figures: ReadonlyArray<{ value: number; unit: string }>;
  try {
    figures = await measure();
    if (figures.length !== names.length) throw new Error(`expected ${names.length} figures, got ${figures.length}`);
  } catch (error) {
    // A BenchFailure says all there is to say; anything else gets its stack for whoever debugs it.
    if (!(error instanceof BenchFailure)) console.error(error);
    reportFailed(names, error);
    return;
  }
  figures.forEach((figure, index) => report(names[index] as string, figure.value, figure.unit));
}

/** `promise`, or `undefined` once `ms` have passed; the timer never outlives the race. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
